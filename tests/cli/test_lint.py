"""`lint -f FILE` validates offline with the controller's model, naming the field."""

from __future__ import annotations

import pathlib

import yaml

from rollouts.cli import main as cli
from tests.e2e.rollouts import manifest, routing_objects

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


def test_lint_accepts_the_examples(capsys) -> None:
    for path in sorted(EXAMPLES.glob("*/*.yaml")):
        assert cli.main(["lint", "-f", str(path)]) == 0, capsys.readouterr().err


def test_lint_accepts_a_good_rollout_with_its_services(tmp_path, capsys) -> None:
    path = tmp_path / "good.yaml"
    path.write_text(yaml.safe_dump_all([manifest(nginx=True), *routing_objects()]))
    assert cli.main(["lint", "-f", str(path)]) == 0
    assert capsys.readouterr().err == ""


def test_lint_names_the_field_of_each_problem_and_exits_one(tmp_path, capsys) -> None:
    bad = manifest(name="bad", steps=[{"setWeight": 20}, {"setWeight": 150}])
    also_bad = manifest(name="worse")
    also_bad["spec"]["replicas"] = -1
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump_all([bad, also_bad]))
    assert cli.main(["lint", "-f", str(path)]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f'{path}: Rollout "bad": spec.strategy.canary.steps[1].setWeight')
    assert lines[1].startswith(f'{path}: Rollout "worse": spec.replicas')


def test_lint_reports_broken_yaml_in_one_line(tmp_path, capsys) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("kind: Rollout\n  spec: [\n")
    assert cli.main(["lint", "-f", str(path)]) == 1
    assert capsys.readouterr().err.startswith(f"{path}: invalid YAML")


def test_lint_of_a_missing_file_is_one_clear_line(tmp_path, capsys) -> None:
    assert cli.main(["lint", "-f", str(tmp_path / "none.yaml")]) == 1
    assert capsys.readouterr().err.startswith("error: cannot read")


def test_version_and_completion_print_without_a_cluster(capsys) -> None:
    assert cli.main(["version"]) == 0
    assert capsys.readouterr().out.startswith("kubectl-rollouts: v")
    for shell in ("bash", "zsh"):
        assert cli.main(["completion", shell]) == 0
        assert "complete -F _kubectl_rollouts kubectl-rollouts" in capsys.readouterr().out
