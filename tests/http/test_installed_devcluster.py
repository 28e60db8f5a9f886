"""An installed rollouts (a wheel, not this checkout) starts a devcluster that serves the CRDs.

The wheel is built from what the Dockerfile copies (pyproject.toml, README.md, rollouts/) in a
directory of its own, so nothing from the checkout can stand in for package data; it goes into
a fresh virtualenv without its dependencies, which come from this test's environment through a
.pth file (appended to sys.path after the wheel's own site-packages). Building the wheel needs
setuptools from the package index or pip's cache, as any `pip install .` does.
"""

from __future__ import annotations

import json
import pathlib
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator

import pytest
import yaml

from rollouts.devcluster import cluster
from tests.conftest import KUBECTL, wait_for

ROOT = pathlib.Path(__file__).resolve().parents[2]
# the CRDs as the repository holds them (crds/ links to rollouts/crds)
CRDS = ROOT / "crds"


def _crd_names(directory: pathlib.Path) -> set[str]:
    return {
        doc["metadata"]["name"]
        for path in directory.glob("*.yaml")
        for doc in yaml.safe_load_all(path.read_text())
        if doc
    }


def _run(*command: str | pathlib.Path, cwd: pathlib.Path) -> str:
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"{' '.join(map(str, command))} failed:\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """A virtualenv holding the wheel of this checkout; returns the venv's directory."""
    home = tmp_path_factory.mktemp("installed")
    source = home / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "rollouts",
        source / "rollouts",
        ignore=shutil.ignore_patterns("__pycache__", ".ruff_cache"),
    )
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "-q",
        "-w",
        home / "wheel",
        source,
        cwd=home,
    )
    (wheel,) = (home / "wheel").glob("rollouts-*.whl")
    venv = home / "venv"
    _run(sys.executable, "-m", "venv", venv, cwd=home)
    _run(venv / "bin" / "pip", "install", "-q", "--no-deps", "--no-index", wheel, cwd=home)
    site = pathlib.Path(_run(venv / "bin" / "python", "-c", _PURELIB, cwd=home).strip())
    (site / "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


_PURELIB = "import sysconfig; print(sysconfig.get_paths()['purelib'])"


@pytest.fixture
def running(installed: pathlib.Path, tmp_path: pathlib.Path) -> Iterator[pathlib.Path]:
    """`rollouts devcluster` of the installed package; yields its kubeconfig."""
    kubeconfig = tmp_path / "kubeconfig"
    log = tmp_path / "devcluster.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                installed / "bin" / "rollouts",
                "devcluster",
                "--port",
                "0",
                "--kubeconfig",
                kubeconfig,
            ],
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(
            lambda: kubeconfig.exists() or process.poll() is not None,
            timeout=30,
            message="devcluster to write its kubeconfig",
        )
        assert process.poll() is None, log.read_text(errors="replace")
        yield kubeconfig
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_installed_package_is_the_wheel_not_this_checkout(installed: pathlib.Path):
    code = "import rollouts; print(rollouts.__file__)"

    where = _run(installed / "bin" / "python", "-c", code, cwd=installed).strip()

    assert pathlib.Path(where).is_relative_to(installed), where


def test_an_installed_devcluster_serves_every_crd_of_the_repository(running: pathlib.Path):
    if KUBECTL is None:
        pytest.fail("kubectl is not installed; this test needs it")

    answer = _run(KUBECTL, "--kubeconfig", running, "get", "crd", "-o", "json", cwd=running.parent)

    served = {item["metadata"]["name"] for item in json.loads(answer)["items"]}
    assert "rollouts.argoproj.io" in served
    assert served == _crd_names(CRDS)


def test_the_packaged_crds_are_the_repositorys():
    packaged = cluster.DEFAULT_CRDS

    assert packaged.is_dir()
    assert sorted(f.name for f in packaged.iterdir() if f.name.endswith(".yaml")) == sorted(
        path.name for path in CRDS.glob("*.yaml")
    )
    assert {doc["metadata"]["name"] for doc in cluster.read_documents(packaged)} == _crd_names(CRDS)


@pytest.mark.parametrize("made", [False, True])
def test_a_missing_or_empty_crd_directory_is_an_error_not_a_cluster_without_crds(
    tmp_path: pathlib.Path, made: bool
):
    directory = tmp_path / "crds"
    if made:
        directory.mkdir()

    with pytest.raises(cluster.MissingCRDsError, match=str(directory)):
        cluster.DevCluster(cluster.Options(crds=directory))
