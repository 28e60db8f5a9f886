"""HTTPS as a real cluster serves it: the kubeconfig's CA is checked (data or file),
insecure-skip-tls-verify and tls-server-name are honoured, and a client certificate (data,
files, or from an exec plugin) is what the server, which requires one, sees.

devcluster serves plain HTTP, so a scripted server (tests/cli/fakeapi.py) serves TLS with
certificates the `openssl` binary makes here: a CA, the server (127.0.0.1 and
kubernetes.test), a client `alice`, and a CA nobody trusts.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import pathlib
import shutil
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from rollouts import errors
from rollouts.cli import client as kc
from rollouts.cli import main as cli
from rollouts.cli import watches
from tests.cli.fakeapi import FakeAPI, Request, Stream, write_kubeconfig
from tests.conftest import wait_for

OPENSSL = shutil.which("openssl")
pytestmark = pytest.mark.skipif(OPENSSL is None, reason="needs the openssl binary")
PODS = "/api/v1/namespaces/default/pods"
EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"]


@dataclasses.dataclass(frozen=True)
class Pki:
    folder: pathlib.Path

    def path(self, name: str) -> str:
        return str(self.folder / name)

    def data(self, name: str) -> str:
        return base64.b64encode((self.folder / name).read_bytes()).decode()


def openssl(folder: pathlib.Path, *args: str) -> None:
    assert OPENSSL is not None
    subprocess.run([OPENSSL, *args], cwd=folder, check=True, capture_output=True, timeout=30)


def make_ca(folder: pathlib.Path, name: str) -> None:
    openssl(folder, "req", "-x509", *EC, "-keyout", f"{name}.key", "-out", f"{name}.crt",
            "-subj", f"/CN={name}", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")  # fmt: skip


def make_leaf(folder: pathlib.Path, name: str, usage: str, *extensions: str) -> None:
    """A certificate for `name` signed by the CA (OpenSSL 3's `req -x509 -CA`)."""
    added = [arg for ext in extensions for arg in ("-addext", ext)]
    openssl(folder, "req", "-x509", *EC, "-CA", "ca.crt", "-CAkey", "ca.key",
            "-keyout", f"{name}.key", "-out", f"{name}.crt", "-subj", f"/CN={name}",
            "-addext", "basicConstraints=critical,CA:FALSE",
            "-addext", f"extendedKeyUsage={usage}", *added)  # fmt: skip


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    folder = tmp_path_factory.mktemp("pki")
    make_ca(folder, "ca")
    make_ca(folder, "rogue")
    make_leaf(folder, "server", "serverAuth", "subjectAltName=IP:127.0.0.1,DNS:kubernetes.test")
    make_leaf(folder, "alice", "clientAuth")
    return Pki(folder)


def answer(request: Request) -> Any:
    """Who the server saw, as the name of the one pod; a watch that stays open."""
    if request.query.get("watch"):
        return Stream([], hold=True)
    who = {"name": request.client_cn, "token": request.headers.get("authorization")}
    return 200, {"items": [{"metadata": who}], "metadata": {"resourceVersion": "1"}}


@pytest.fixture(scope="module")
def server(pki: Pki) -> Iterator[FakeAPI]:
    """HTTPS that requires a client certificate signed by the CA."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki.path("server.crt"), pki.path("server.key"))
    context.load_verify_locations(pki.path("ca.crt"))
    context.verify_mode = ssl.CERT_REQUIRED
    with FakeAPI(answer, context) as api:
        yield api


def alice(pki: Pki) -> dict[str, Any]:
    return {"client-certificate-data": pki.data("alice.crt"),
            "client-key-data": pki.data("alice.key")}  # fmt: skip


def connect(
    tmp_path: pathlib.Path, server: str, cluster: dict[str, Any], user: dict[str, Any]
) -> kc.Client:
    path = write_kubeconfig(tmp_path / "config", server, cluster=cluster, user=user)
    return kc.Client(kc.Target(kubeconfig=str(path)))


def seen(c: kc.Client) -> dict[str, Any]:
    (pod,) = c.list_owned()[1]
    found: dict[str, Any] = pod["metadata"]
    return found


def test_the_ca_data_is_checked_and_the_client_certificate_data_is_sent(pki, server, tmp_path):
    c = connect(tmp_path, server.url, {"certificate-authority-data": pki.data("ca.crt")},
                alice(pki))  # fmt: skip
    assert seen(c) == {"name": "alice", "token": None}


def test_ca_and_client_certificate_files_relative_to_the_kubeconfig(pki, server, tmp_path):
    for name in ("ca.crt", "alice.crt", "alice.key"):
        shutil.copy(pki.path(name), tmp_path / name)
    cluster = {"certificate-authority": "ca.crt"}
    user = {"client-certificate": "alice.crt", "client-key": "alice.key", "token": "t"}
    c = connect(tmp_path, server.url, cluster, user)
    assert seen(c) == {"name": "alice", "token": "Bearer t"}


def test_a_server_signed_by_another_ca_is_refused_in_one_line(pki, server, tmp_path, capsys):
    rogue = {"certificate-authority-data": pki.data("rogue.crt")}
    path = write_kubeconfig(tmp_path / "config", server.url, cluster=rogue, user=alice(pki))
    assert cli.main(["list", "rollouts", "--kubeconfig", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: cannot reach the cluster: certificate verify failed: ")
    assert err.count("\n") == 1


def test_insecure_skip_tls_verify_trusts_any_server(pki, server, tmp_path):
    c = connect(tmp_path, server.url, {"insecure-skip-tls-verify": True}, alice(pki))
    assert seen(c)["name"] == "alice"


def test_tls_server_name_is_the_name_checked(pki, server, tmp_path):
    trusted = {"certificate-authority-data": pki.data("ca.crt")}
    by_name = server.url.replace("127.0.0.1", "localhost")  # not a name the certificate has
    with pytest.raises(errors.ClusterError, match="Hostname mismatch"):
        seen(connect(tmp_path, by_name, trusted, alice(pki)))
    named = {**trusted, "tls-server-name": "kubernetes.test"}
    assert seen(connect(tmp_path, by_name, named, alice(pki)))["name"] == "alice"
    with pytest.raises(errors.ClusterError, match="Hostname mismatch"):
        seen(connect(tmp_path, server.url, {**trusted, "tls-server-name": "other.test"},
                     alice(pki)))  # fmt: skip


def test_without_a_client_certificate_the_server_refuses(pki, server, tmp_path):
    c = connect(tmp_path, server.url, {"certificate-authority-data": pki.data("ca.crt")}, {})
    with pytest.raises(errors.ClusterError, match=r"^cannot reach the cluster: "):
        seen(c)


PLUGIN = """\
import json, os, sys
read = lambda name: open(os.path.join(sys.argv[1], name)).read()
print(json.dumps({"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
                  "status": {"clientCertificateData": read("alice.crt"),
                             "clientKeyData": read("alice.key")}}))
"""


def test_an_exec_plugin_can_answer_with_a_client_certificate(pki, server, tmp_path):
    script = tmp_path / "plugin.py"
    script.write_text(PLUGIN)
    plugin = {"command": sys.executable, "args": [str(script), str(pki.folder)]}
    user = {"exec": {"apiVersion": "client.authentication.k8s.io/v1", **plugin}}
    c = connect(tmp_path, server.url, {"certificate-authority-data": pki.data("ca.crt")}, user)
    assert seen(c) == {"name": "alice", "token": None}


def test_close_ends_a_watch_over_tls_at_once(pki, server, tmp_path):
    c = connect(tmp_path, server.url, {"certificate-authority-data": pki.data("ca.crt")},
                alice(pki))  # fmt: skip
    (pods,) = [s for s in c.watch_sources("demo") if s.path == PODS]
    events = watches.Events([pods])
    assert events.next(5) is not None  # the listed pod, as ADDED
    wait_for(lambda: any(r.query.get("watch") for r in server.requests), message="a watch")
    started = time.monotonic()
    events.close()
    assert time.monotonic() - started < 1.0
    assert json.dumps(list(events.drain())) == "[]"
