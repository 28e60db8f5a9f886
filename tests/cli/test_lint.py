"""`lint -f FILE` validates offline with the controller's model, naming the field."""

from __future__ import annotations

import pathlib
from typing import Any

import yaml

from rollouts.cli import main as cli
from tests.e2e.rollouts import manifest, routing_objects

HASH = "rollouts-pod-template-hash"
EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


def test_lint_accepts_the_examples(capsys) -> None:
    for path in sorted(EXAMPLES.glob("*/*.yaml")):
        assert cli.main(["lint", "-f", str(path)]) == 0, capsys.readouterr().err


def test_lint_accepts_each_example_as_one_file(tmp_path, capsys) -> None:
    for directory in sorted(p for p in EXAMPLES.iterdir() if p.is_dir()):
        path = tmp_path / f"{directory.name}.yaml"
        path.write_text("\n---\n".join(f.read_text() for f in sorted(directory.glob("*.yaml"))))
        assert cli.main(["lint", "-f", str(path)]) == 0, capsys.readouterr().err


def test_lint_accepts_a_good_rollout_with_its_services(tmp_path, capsys) -> None:
    path = tmp_path / "good.yaml"
    path.write_text(yaml.safe_dump_all([manifest(nginx=True), *routing_objects()]))
    assert cli.main(["lint", "-f", str(path)]) == 0
    assert capsys.readouterr().err == ""


def _lint(tmp_path, capsys, *documents: dict[str, Any]) -> tuple[int, list[str]]:
    path = tmp_path / "file.yaml"
    path.write_text(yaml.safe_dump_all(documents))
    code = cli.main(["lint", "-f", str(path)])
    return code, [line.removeprefix(f"{path}: ") for line in capsys.readouterr().err.splitlines()]


def test_lint_names_each_service_selector_label_the_template_lacks(tmp_path, capsys) -> None:
    stable, canary, ingress = routing_objects()
    stable["spec"]["selector"] = {"app": "demo", "tier": "web", HASH: "6f8b4c9d7"}
    canary["spec"]["selector"] = {"app": "other"}
    code, lines = _lint(tmp_path, capsys, manifest(nginx=True), stable, canary, ingress)
    assert code == 1
    assert lines == [
        'Rollout "demo": spec.strategy.canary.canaryService: '
        'Service "demo-canary" has unmatch label "app" in rollout',
        'Rollout "demo": spec.strategy.canary.stableService: '
        'Service "demo-stable" has unmatch label "tier" in rollout',
    ]


def test_lint_counts_the_role_labels_the_controller_gives_each_services_pods(
    tmp_path, capsys
) -> None:
    stable, canary, ingress = routing_objects()
    stable["spec"]["selector"] = {"app": "demo", "role": "stable"}
    canary["spec"]["selector"] = {"app": "demo", "role": "stable"}  # canary pods say canary
    rollout = manifest(nginx=True)
    rollout["spec"]["strategy"]["canary"].update(
        canaryMetadata={"labels": {"role": "canary"}}, stableMetadata={"labels": {"role": "stable"}}
    )
    code, lines = _lint(tmp_path, capsys, rollout, stable, canary, ingress)
    assert code == 1
    assert lines == [
        'Rollout "demo": spec.strategy.canary.canaryService: '
        'Service "demo-canary" has unmatch label "role" in rollout'
    ]


def test_lint_checks_the_blue_green_services_too(tmp_path, capsys) -> None:
    rollout = manifest(strategy={"blueGreen": {"activeService": "a", "previewService": "p"}})
    active, preview = (_service(name, {"app": "demo"}) for name in ("a", "p"))
    preview["spec"]["selector"]["version"] = "v2"
    code, lines = _lint(tmp_path, capsys, rollout, active, preview)
    assert code == 1
    assert lines == [
        'Rollout "demo": spec.strategy.blueGreen.previewService: '
        'Service "p" has unmatch label "version" in rollout'
    ]


def test_lint_wants_a_rule_of_the_stable_ingress_for_the_stable_service(tmp_path, capsys) -> None:
    stable, canary, ingress = routing_objects()
    path = ingress["spec"]["rules"][0]["http"]["paths"][0]
    path["backend"]["service"]["name"] = "demo-canary"
    ingress["spec"]["defaultBackend"] = {"service": {"name": "demo-stable", "port": {"number": 80}}}
    code, lines = _lint(tmp_path, capsys, manifest(nginx=True), stable, canary, ingress)
    assert code == 1
    assert lines == [
        'Rollout "demo": spec.strategy.canary.trafficRouting.nginx.stableIngress: '
        "ingress `demo-stable` has no rules using service demo-stable backend"
    ]


def test_lint_names_which_of_the_stable_ingresses_lacks_the_rule(tmp_path, capsys) -> None:
    rollout = manifest(nginx=True)
    rollout["spec"]["strategy"]["canary"]["trafficRouting"]["nginx"] = {
        "stableIngresses": ["demo-stable", "legacy"]
    }
    legacy = {
        "apiVersion": "extensions/v1beta1",
        "kind": "Ingress",
        "metadata": {"name": "legacy"},
        "spec": {"rules": [{"http": {"paths": [{"backend": {"serviceName": "other"}}]}}]},
    }
    code, lines = _lint(tmp_path, capsys, rollout, *routing_objects(), legacy)
    assert code == 1
    assert lines == [
        'Rollout "demo": spec.strategy.canary.trafficRouting.nginx.stableIngresses[1]: '
        "ingress `legacy` has no rules using service demo-stable backend"
    ]


def test_lint_leaves_alone_what_the_file_does_not_hold(tmp_path, capsys) -> None:
    elsewhere = _service("demo-stable", {"app": "other"})
    elsewhere["metadata"]["namespace"] = "prod"
    rollout = manifest(nginx=True)
    rollout["metadata"]["namespace"] = "dev"
    unrelated = _service("unrelated", {"app": "other"})
    assert _lint(tmp_path, capsys, rollout, elsewhere, unrelated) == (0, [])


def test_lint_rejects_one_service_as_both_canary_and_stable(tmp_path, capsys) -> None:
    rollout = manifest(nginx=True)
    rollout["spec"]["strategy"]["canary"]["canaryService"] = "demo-stable"
    code, lines = _lint(tmp_path, capsys, rollout, *routing_objects())
    assert code == 1
    assert lines == [
        'Rollout "demo": spec.strategy.canary.stableService: This rollout uses the same service '
        "for the stable and canary services, but two different services are required."
    ]


def _deployment(name: str = "demo", labels: dict[str, str] | None = None) -> dict[str, Any]:
    labels = labels or {"app": "demo"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": dict(labels)},
            "template": {
                "metadata": {"labels": dict(labels)},
                "spec": {"containers": [{"name": "app", "image": "argoproj/rollouts-demo:blue"}]},
            },
        },
    }


def _referring(deployment: str = "demo", **rollout: Any) -> dict[str, Any]:
    body = manifest(**rollout)
    body["spec"].pop("template")
    body["spec"].pop("selector")
    body["spec"]["workloadRef"] = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": deployment,
    }
    return body


def test_lint_takes_a_workload_refs_template_from_the_deployment_of_the_file(
    tmp_path, capsys
) -> None:
    assert _lint(tmp_path, capsys, _deployment(), _referring()) == (0, [])


def test_lint_wants_the_deployment_a_workload_ref_names(tmp_path, capsys) -> None:
    other = _deployment("other")
    other["metadata"]["namespace"] = "prod"
    elsewhere = _deployment()
    elsewhere["metadata"]["namespace"] = "prod"
    rollout = _referring()
    rollout["metadata"]["namespace"] = "dev"
    code, lines = _lint(tmp_path, capsys, rollout, other, elsewhere)
    assert code == 1
    assert lines == [
        'Rollout "demo": spec.workloadRef: Invalid value: "demo": deployments.apps "demo" not found'
    ]


def test_lint_refuses_a_template_next_to_a_workload_ref(tmp_path, capsys) -> None:
    rollout = _referring()
    rollout["spec"]["template"] = manifest()["spec"]["template"]
    code, lines = _lint(tmp_path, capsys, rollout, _deployment())
    assert code == 1
    assert lines == [
        'Rollout "demo": spec.template: template must be empty for workload reference rollout'
    ]


def test_lint_checks_the_services_against_the_deployments_template(tmp_path, capsys) -> None:
    stable, canary, ingress = routing_objects()
    rollout = _referring(nginx=True)
    deployment = _deployment(labels={"app": "demo", "tier": "web"})
    stable["spec"]["selector"] = {"app": "demo", "tier": "web"}
    canary["spec"]["selector"] = {"app": "demo", "tier": "db"}
    code, lines = _lint(tmp_path, capsys, rollout, deployment, stable, canary, ingress)
    assert code == 1
    assert lines == [
        'Rollout "demo": spec.strategy.canary.canaryService: '
        'Service "demo-canary" has unmatch label "tier" in rollout'
    ]


def test_lint_validates_the_template_found_in_the_deployment(tmp_path, capsys) -> None:
    deployment = _deployment()
    deployment["spec"]["template"]["spec"]["containers"] = []
    code, lines = _lint(tmp_path, capsys, _referring(), deployment)
    assert code == 1
    assert lines == ['Rollout "demo": spec.template.spec.containers: Required value']


def _service(name: str, selector: dict[str, str]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"selector": dict(selector)}}  # fmt: skip


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
