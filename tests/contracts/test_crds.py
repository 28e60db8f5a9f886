"""The argoproj.io CRDs in crds/ against devcluster: Argo Rollouts manifests apply unchanged.

The CRDs install on an empty cluster with kubectl and become Established; discovery names the
kinds as Argo does; the schemas are structural; the getting-started manifests (written here
after Argo's guides, in manifests/) apply and read back with nothing pruned or changed; the
printer columns, the status subresource and the scale subresource behave as Argo's do; and a
wrong type is refused with the field named.

Objects whose status these tests write carry Argo's controller-instance-id label, so that an
Argo-compatible controller watching the shared cluster leaves them alone.
"""

from __future__ import annotations

import copy
import hashlib
import json
import pathlib
import subprocess
from collections.abc import Iterator
from typing import Any, NamedTuple

import pytest
import yaml
from kubernetes import client

from rollouts.devcluster import cluster, schemas
from tests.conftest import Kubectl

ROOT = pathlib.Path(__file__).resolve().parents[2]
CRDS = ROOT / "crds"
EXAMPLES = ROOT / "examples"
MANIFESTS = pathlib.Path(__file__).resolve().parent / "manifests"

GROUP = "argoproj.io"
API_VERSION = f"{GROUP}/v1alpha1"
INSTANCE_ID = {"argo-rollouts.argoproj.io/controller-instance-id": "contract-tests"}

JSON = dict[str, Any]

CRD_FILES = [
    pytest.param("rollouts.yaml", "rollouts.argoproj.io", id="rollouts"),
    pytest.param(
        "analysistemplates.yaml", "analysistemplates.argoproj.io", id="analysis-templates"
    ),
    pytest.param(
        "clusteranalysistemplates.yaml",
        "clusteranalysistemplates.argoproj.io",
        id="cluster-analysis-templates",
    ),
    pytest.param("analysisruns.yaml", "analysisruns.argoproj.io", id="analysis-runs"),
]


# ------------------------------------------------------------------ helpers


def _documents(path: pathlib.Path) -> list[JSON]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def _manifest(file: str, kind: str) -> JSON:
    """The first document of a manifest file that is of this kind."""
    for doc in _documents(MANIFESTS / file):
        if doc["kind"] == kind:
            return doc
    raise LookupError(f"no {kind} in {file}")


def _crd_schema(file: str) -> JSON:
    (crd,) = _documents(CRDS / file)
    (version,) = crd["spec"]["versions"]
    schema: JSON = version["schema"]["openAPIV3Schema"]
    return schema


def _resource(doc: JSON) -> str:
    """What kubectl calls the document's type: `rollout.argoproj.io`, `service`."""
    group = doc["apiVersion"].rpartition("/")[0]
    return f"{doc['kind'].lower()}.{group}" if group else doc["kind"].lower()


def _differences(sent: Any, got: Any, path: str = "") -> list[str]:
    """Where `got` lacks or changes something `sent` has; fields only `got` has are fine."""
    if isinstance(sent, dict):
        if not isinstance(got, dict):
            return [f"{path or '.'}: sent an object, read back {got!r}"]
        return [
            difference
            for key, value in sent.items()
            for difference in (
                _differences(value, got[key], f"{path}.{key}")
                if key in got
                else [f"{path}.{key}: missing"]
            )
        ]
    if isinstance(sent, list):
        if not isinstance(got, list) or len(got) != len(sent):
            return [f"{path}: sent {len(sent)} items, read back {got!r}"]
        return [
            difference
            for i, (item, back) in enumerate(zip(sent, got, strict=True))
            for difference in _differences(item, back, f"{path}[{i}]")
        ]
    if sent == got and type(sent) is type(got):
        return []
    return [f"{path}: sent {sent!r}, read back {got!r}"]


def _apply(
    kubectl: Kubectl, namespace: str, doc: JSON, *, check: bool = True
) -> subprocess.CompletedProcess[str]:
    return kubectl("-n", namespace, "apply", "-f", "-", stdin=json.dumps(doc), check=check)


def _labelled(doc: JSON) -> JSON:
    """A copy of `doc` that an Argo-compatible controller without our instance id ignores."""
    labelled = copy.deepcopy(doc)
    labelled["metadata"].setdefault("labels", {}).update(INSTANCE_ID)
    return labelled


def _patch_status(kubectl: Kubectl, namespace: str, doc: JSON, status: JSON) -> None:
    kubectl(
        "-n",
        namespace,
        "patch",
        _resource(doc),
        doc["metadata"]["name"],
        "--subresource=status",
        "--type=merge",
        "-p",
        json.dumps({"status": status}),
    )


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def bare_kubectl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kubectl]:
    """kubectl against a devcluster of its own that starts without any CRD."""
    home = tmp_path_factory.mktemp("bare-devcluster")
    options = cluster.Options(kubeconfig=home / "kubeconfig", crds=None)
    with cluster.BackgroundCluster(options):
        yield Kubectl(home / "kubeconfig", home / "kubectl-cache")


@pytest.fixture
def fresh_namespace(api: Any, request: pytest.FixtureRequest) -> str:
    """A new namespace for each test and parameter, named after both (kept under 63 chars)."""
    slug = "".join(c if c.isalnum() else "-" for c in request.node.name.lower())
    digest = hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:8]
    name = f"c-{slug.removeprefix('test-')[:40].strip('-')}-{digest}"
    client.CoreV1Api(api).create_namespace({"metadata": {"name": name}})
    return name


# ------------------------------------------------------------------ installing the CRDs


@pytest.mark.parametrize(("file", "name"), CRD_FILES)
def test_each_crd_installs_on_an_empty_cluster_and_becomes_established(
    bare_kubectl: Kubectl, file: str, name: str
):
    bare_kubectl("apply", "-f", str(CRDS / file))

    bare_kubectl("wait", "--for=condition=Established", f"crd/{name}", "--timeout=10s")
    conditions = bare_kubectl.json("get", "crd", name)["status"]["conditions"]
    assert {c["type"]: c["status"] for c in conditions} == {
        "NamesAccepted": "True",
        "Established": "True",
    }
    again = bare_kubectl("apply", "-f", str(CRDS / file)).stdout
    assert "unchanged" in again


def test_discovery_names_the_kinds_as_argo_does(bare_kubectl: Kubectl):
    for file in sorted(CRDS.glob("*.yaml")):
        bare_kubectl("apply", "-f", str(file))

    table = bare_kubectl("api-resources", f"--api-group={GROUP}", "-o", "wide").stdout
    rows = {line.split()[0]: line.split() for line in table.splitlines()[1:]}

    verbs = "create,delete,deletecollection,get,list,patch,update,watch"
    # no categories: Argo's CRDs declare none, so the last column stays empty
    expected = {
        "rollouts": ["ro", API_VERSION, "true", "Rollout", verbs],
        "analysistemplates": ["at", API_VERSION, "true", "AnalysisTemplate", verbs],
        "clusteranalysistemplates": ["cat", API_VERSION, "false", "ClusterAnalysisTemplate", verbs],
        "analysisruns": ["ar", API_VERSION, "true", "AnalysisRun", verbs],
    }
    assert {name: rows.get(name, [name])[1:] for name in expected} == expected


@pytest.mark.parametrize(("file", "name"), CRD_FILES)
def test_crd_schemas_are_structural(file: str, name: str):
    (crd,) = _documents(CRDS / file)

    assert crd["metadata"]["name"] == name
    for version in crd["spec"]["versions"]:
        assert schemas.structural_problems(version["schema"]["openAPIV3Schema"]) == []


def test_templates_cluster_templates_and_runs_share_one_metric_and_argument_schema():
    template = _crd_schema("analysistemplates.yaml")["properties"]["spec"]
    cluster_template = _crd_schema("clusteranalysistemplates.yaml")["properties"]["spec"]
    run = _crd_schema("analysisruns.yaml")["properties"]["spec"]

    assert cluster_template == template
    for field in ("metrics", "args", "dryRun", "measurementRetention"):
        assert run["properties"][field] == template["properties"][field], field


# ------------------------------------------------------------------ manifests read back whole


@pytest.mark.parametrize(
    "file",
    [
        pytest.param("basic.yaml", id="basic-canary"),
        pytest.param("nginx.yaml", id="nginx-canary"),
        pytest.param("bluegreen.yaml", id="blue-green"),
        pytest.param("analysis.yaml", id="prometheus-analysis"),
        pytest.param("cluster-analysis-template.yaml", id="cluster-analysis-template"),
        pytest.param("every-field.yaml", id="every-field"),
    ],
)
def test_manifests_apply_unchanged_and_read_back_without_losing_a_field(
    kubectl: Kubectl, fresh_namespace: str, file: str
):
    sent = _documents(MANIFESTS / file)

    kubectl("-n", fresh_namespace, "apply", "-f", str(MANIFESTS / file))

    for doc in sent:
        back = kubectl.json("-n", fresh_namespace, "get", _resource(doc), doc["metadata"]["name"])
        assert _differences(doc, back) == [], f"{doc['kind']} {doc['metadata']['name']}"
        if doc["apiVersion"] == API_VERSION:
            assert back["spec"] == doc["spec"], "the server added to what was sent"


# ------------------------------------------------------------------ printer columns


def _printed(kubectl: Kubectl, namespace: str, short_name: str, name: str) -> list[list[str]]:
    lines = kubectl("-n", namespace, "get", short_name, name).stdout.splitlines()
    return [line.split() for line in lines]


ROLLOUT_STATUS: JSON = {
    "replicas": 5,
    "updatedReplicas": 1,
    "readyReplicas": 5,
    "availableReplicas": 4,
    "HPAReplicas": 5,
    "selector": "app=rollouts-demo",
}


class Printed(NamedTuple):
    """What `kubectl get <short name>` prints for one object of a manifest."""

    file: str
    kind: str
    short_name: str
    status: JSON | None
    header: list[str]
    cells: list[str]  # all but the age


PRINTED = [
    pytest.param(
        Printed(
            "basic.yaml",
            "Rollout",
            "ro",
            ROLLOUT_STATUS,
            ["NAME", "DESIRED", "CURRENT", "UP-TO-DATE", "AVAILABLE", "AGE"],
            ["rollouts-demo", "5", "5", "1", "4"],
        ),
        id="rollouts",
    ),
    pytest.param(
        Printed(
            "analysis.yaml",
            "AnalysisRun",
            "ar",
            {"phase": "Running"},
            ["NAME", "STATUS", "AGE"],
            ["guestbook-6c54544bf9-2", "Running"],
        ),
        id="analysis-runs",
    ),
    pytest.param(
        Printed("analysis.yaml", "AnalysisTemplate", "at", None, ["NAME", "AGE"], ["success-rate"]),
        id="analysis-templates",
    ),
    pytest.param(
        Printed(
            "cluster-analysis-template.yaml",
            "ClusterAnalysisTemplate",
            "cat",
            None,
            ["NAME", "AGE"],
            ["contract-error-rate"],
        ),
        id="cluster-analysis-templates",
    ),
]


@pytest.mark.parametrize("case", PRINTED)
def test_kubectl_get_by_short_name_prints_argos_columns(
    kubectl: Kubectl, fresh_namespace: str, case: Printed
):
    doc = _labelled(_manifest(case.file, case.kind))
    _apply(kubectl, fresh_namespace, doc)
    if case.status is not None:
        _patch_status(kubectl, fresh_namespace, doc, case.status)

    printed = _printed(kubectl, fresh_namespace, case.short_name, doc["metadata"]["name"])

    assert printed[0] == case.header
    assert printed[1][:-1] == case.cells
    assert printed[1][-1][-1] in "smhd"  # an age such as 0s


# ------------------------------------------------------------------ subresources


def test_kubectl_scale_sets_spec_replicas_through_the_scale_subresource(
    kubectl: Kubectl, fresh_namespace: str
):
    rollout = _labelled(_manifest("basic.yaml", "Rollout"))
    _apply(kubectl, fresh_namespace, rollout)
    _patch_status(kubectl, fresh_namespace, rollout, ROLLOUT_STATUS)

    kubectl("-n", fresh_namespace, "scale", "rollout", "rollouts-demo", "--replicas=7")

    stored = kubectl.json("-n", fresh_namespace, "get", "rollout", "rollouts-demo")
    assert stored["spec"]["replicas"] == 7
    assert stored["status"]["HPAReplicas"] == 5  # the controller's to change, not scale's
    path = f"/apis/{API_VERSION}/namespaces/{fresh_namespace}/rollouts/rollouts-demo/scale"
    scale = json.loads(kubectl("get", "--raw", path).stdout)
    assert scale["spec"] == {"replicas": 7}
    assert scale["status"] == {"replicas": 5, "selector": "app=rollouts-demo"}


PAUSED_CANARY_STATUS: JSON = {
    "HPAReplicas": 2,
    "availableReplicas": 2,
    "blueGreen": {},
    "canary": {
        "currentStepAnalysisRunStatus": {
            "name": "rollouts-demo-6cf78c66c5-2-1",
            "status": "Running",
            "message": "",
        },
        "weights": {
            "canary": {
                "podTemplateHash": "6cf78c66c5",
                "serviceName": "rollouts-demo-canary",
                "weight": 5,
            },
            "stable": {
                "podTemplateHash": "687d76d795",
                "serviceName": "rollouts-demo-stable",
                "weight": 95,
            },
        },
        "stepPluginStatuses": [
            {"index": 3, "name": "step", "operation": "Run", "phase": "Running"}
        ],
    },
    "conditions": [
        {
            "type": "Progressing",
            "status": "True",
            "reason": "ReplicaSetUpdated",
            "message": 'ReplicaSet "rollouts-demo-6cf78c66c5" is progressing.',
            "lastTransitionTime": "2024-05-01T10:00:00Z",
            "lastUpdateTime": "2024-05-01T10:00:05Z",
        },
        {
            "type": "Paused",
            "status": "True",
            "reason": "RolloutPaused",
            "message": "Rollout is paused",
            "lastTransitionTime": "2024-05-01T10:00:05Z",
            "lastUpdateTime": "2024-05-01T10:00:05Z",
        },
    ],
    "controllerPause": True,
    "currentPodHash": "6cf78c66c5",
    "currentStepHash": "5ffbfbbd64",
    "currentStepIndex": 1,
    "observedGeneration": "2",
    "pauseConditions": [{"reason": "CanaryPauseStep", "startTime": "2024-05-01T10:00:05Z"}],
    "phase": "Paused",
    "message": "CanaryPauseStep",
    "readyReplicas": 2,
    "replicas": 2,
    "selector": "app=rollouts-demo",
    "stableRS": "687d76d795",
    "updatedReplicas": 1,
    "duration": {"rolloutStartedAt": "2024-05-01T10:00:00Z", "totalManualPauseDurationSeconds": 0},
    "someFutureField": {"kept": ["as", "written"]},
}

FINISHED_RUN_STATUS: JSON = {
    "phase": "Failed",
    "message": 'Metric "success-rate" assessed Failed due to failed (1) > failureLimit (0)',
    "startedAt": "2024-05-01T10:00:00Z",
    "completedAt": "2024-05-01T10:05:00Z",
    "runSummary": {"count": 1, "failed": 1},
    "dryRunSummary": {},
    "metricResults": [
        {
            "name": "success-rate",
            "phase": "Failed",
            "count": 1,
            "failed": 1,
            "consecutiveError": 0,
            "consecutiveSuccess": 0,
            "message": "failed (1) > failureLimit (0)",
            "metadata": {"ResolvedPrometheusQuery": "vector(0.5)"},
            "measurements": [
                {
                    "phase": "Failed",
                    "value": "[0.5]",
                    "startedAt": "2024-05-01T10:00:00Z",
                    "finishedAt": "2024-05-01T10:00:01Z",
                    "metadata": {"warnings": "none"},
                }
            ],
        }
    ],
}


@pytest.mark.parametrize(
    ("file", "kind", "status"),
    [
        pytest.param("nginx.yaml", "Rollout", PAUSED_CANARY_STATUS, id="paused-canary"),
        pytest.param("analysis.yaml", "AnalysisRun", FINISHED_RUN_STATUS, id="failed-run"),
    ],
)
def test_status_written_through_the_subresource_reads_back_whole(
    kubectl: Kubectl, fresh_namespace: str, file: str, kind: str, status: JSON
):
    doc = _labelled(_manifest(file, kind))
    _apply(kubectl, fresh_namespace, doc)

    _patch_status(kubectl, fresh_namespace, doc, status)

    stored = kubectl.json("-n", fresh_namespace, "get", _resource(doc), doc["metadata"]["name"])
    assert stored["status"] == status
    assert stored["spec"] == doc["spec"]
    assert stored["metadata"]["generation"] == 1


def test_status_sent_with_the_object_is_ignored(kubectl: Kubectl, fresh_namespace: str):
    rollout = {**_labelled(_manifest("basic.yaml", "Rollout")), "status": {"abort": True}}

    _apply(kubectl, fresh_namespace, rollout)

    stored = kubectl.json("-n", fresh_namespace, "get", "rollout", "rollouts-demo")
    assert "abort" not in stored.get("status", {})


def test_status_observed_generation_must_be_a_string(kubectl: Kubectl, fresh_namespace: str):
    rollout = _labelled(_manifest("basic.yaml", "Rollout"))
    _apply(kubectl, fresh_namespace, rollout)

    done = kubectl(
        "-n",
        fresh_namespace,
        "patch",
        "rollout",
        "rollouts-demo",
        "--subresource=status",
        "--type=merge",
        "-p",
        '{"status":{"observedGeneration":1}}',
        check=False,
    )

    assert done.returncode != 0
    assert "status.observedGeneration in body must be of type string" in done.stderr


CRD_OF_KIND = {
    "Rollout": "rollouts.yaml",
    "AnalysisTemplate": "analysistemplates.yaml",
    "ClusterAnalysisTemplate": "clusteranalysistemplates.yaml",
    "AnalysisRun": "analysisruns.yaml",
}


@pytest.mark.parametrize(
    ("file", "kind", "status"),
    [
        pytest.param("nginx.yaml", "Rollout", PAUSED_CANARY_STATUS, id="paused-canary"),
        pytest.param("analysis.yaml", "AnalysisRun", FINISHED_RUN_STATUS, id="failed-run"),
    ],
)
def test_status_the_controller_writes_fits_the_schema_with_nothing_pruned(
    file: str, kind: str, status: JSON
):
    schema = _crd_schema(CRD_OF_KIND[kind])
    written = {**_manifest(file, kind), "status": status}

    kept, removed = schemas.prune(written, schema)

    assert removed == []
    assert kept == written
    assert schemas.validate(schemas.apply_defaults(kept, schema), schema) == []


@pytest.mark.parametrize(
    ("kind", "status", "field"),
    [
        pytest.param(
            "Rollout", {"observedGeneration": 2}, "status.observedGeneration", id="int-generation"
        ),
        pytest.param(
            "Rollout", {"currentStepIndex": "1"}, "status.currentStepIndex", id="step-index-as-text"
        ),
        pytest.param(
            "Rollout",
            {"pauseConditions": [{"reason": "CanaryPauseStep", "startTime": "yesterday"}]},
            "status.pauseConditions[0].startTime",
            id="pause-start-not-a-time",
        ),
        pytest.param(
            "AnalysisRun",
            {"metricResults": [{"name": "m", "phase": "Running", "count": "one"}]},
            "status.metricResults[0].count",
            id="metric-count-as-text",
        ),
    ],
)
def test_status_of_the_wrong_type_is_refused_by_the_schema(kind: str, status: JSON, field: str):
    file = "basic.yaml" if kind == "Rollout" else "analysis.yaml"
    written = {**_manifest(file, kind), "status": status}

    errors = schemas.validate(written, _crd_schema(CRD_OF_KIND[kind]))

    assert [error.field for error in errors] == [field]


# ------------------------------------------------------------------ refusing wrong types

MISSING = object()


def _changed(doc: JSON, path: str, value: Any) -> JSON:
    """A copy of `doc` with the dotted `path` (indices as numbers) set, or removed if MISSING."""
    changed = copy.deepcopy(doc)
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    target: Any = changed
    for part in parents:
        target = target[part]
    if value is MISSING:
        del target[last]
    else:
        target[last] = value
    return changed


class Refusal(NamedTuple):
    """A manifest made wrong at one place, and what the refusal must say."""

    file: str
    kind: str
    path: str  # dotted, list indices as numbers
    value: Any  # MISSING removes the field
    expected: str


REFUSALS = [
    pytest.param(
        Refusal(
            "nginx.yaml",
            "Rollout",
            "spec.replicas",
            "three",
            'spec.replicas: Invalid value: "string": spec.replicas in body must be of type '
            'integer: "string"',
        ),
        id="replicas-in-words",
    ),
    pytest.param(
        Refusal(
            "nginx.yaml",
            "Rollout",
            "spec.strategy.canary.steps.0.setWeight",
            "five",
            "spec.strategy.canary.steps[0].setWeight in body must be of type integer",
        ),
        id="set-weight-in-words",
    ),
    pytest.param(
        Refusal(
            "nginx.yaml",
            "Rollout",
            "spec.strategy.canary.steps.1.pause",
            {"duration": True},
            "spec.strategy.canary.steps[1].pause.duration in body must be of type integer,string",
        ),
        id="pause-duration-as-a-boolean",
    ),
    pytest.param(
        Refusal(
            "nginx.yaml",
            "Rollout",
            "spec.strategy.canary.maxSurge",
            ["25%"],
            "spec.strategy.canary.maxSurge in body must be of type integer,string",
        ),
        id="max-surge-as-a-list",
    ),
    pytest.param(
        Refusal(
            "nginx.yaml",
            "Rollout",
            "spec.strategy.canary.trafficRouting.nginx.stableIngresses",
            "rollouts-demo-stable",
            "spec.strategy.canary.trafficRouting.nginx.stableIngresses in body must be of type "
            "array",
        ),
        id="stable-ingresses-as-a-string",
    ),
    pytest.param(
        Refusal(
            "nginx.yaml",
            "Rollout",
            "spec.strategy.canary.stepz",
            [],
            'unknown field "spec.strategy.canary.stepz"',
        ),
        id="misspelt-field",
    ),
    pytest.param(
        Refusal(
            "bluegreen.yaml",
            "Rollout",
            "spec.strategy.blueGreen.activeService",
            MISSING,
            "spec.strategy.blueGreen.activeService: Required value",
        ),
        id="blue-green-without-active-service",
    ),
    pytest.param(
        Refusal(
            "analysis.yaml",
            "AnalysisTemplate",
            "spec.metrics.0.count",
            True,
            "spec.metrics[0].count in body must be of type integer,string",
        ),
        id="metric-count-as-a-boolean",
    ),
    pytest.param(
        Refusal(
            "analysis.yaml",
            "AnalysisTemplate",
            "spec.metrics.0.provider.prometheus.timeout",
            "40s",
            "spec.metrics[0].provider.prometheus.timeout in body must be of type integer",
        ),
        id="prometheus-timeout-with-a-unit",
    ),
]


@pytest.mark.parametrize("case", REFUSALS)
def test_wrong_types_are_refused_with_the_field_named(
    kubectl: Kubectl, fresh_namespace: str, case: Refusal
):
    doc = _changed(_manifest(case.file, case.kind), case.path, case.value)

    done = _apply(kubectl, fresh_namespace, doc, check=False)

    assert done.returncode != 0
    assert case.expected in done.stderr
    missing = kubectl(
        "-n", fresh_namespace, "get", _resource(doc), doc["metadata"]["name"], check=False
    )
    assert "NotFound" in missing.stderr


# ------------------------------------------------------------------ examples/


def _example_files() -> list[pathlib.Path]:
    return sorted(
        path
        for pattern in ("*.yaml", "*.yml")
        for path in EXAMPLES.rglob(pattern)
        if any(_documents(path))
    )


def test_every_example_manifest_validates_against_the_crds(kubectl: Kubectl):
    files = _example_files()
    if not files:
        pytest.skip("examples/ holds no manifests yet")

    refused = {}
    for path in files:
        done = kubectl("apply", "--dry-run=server", "-f", str(path), check=False)
        if done.returncode != 0:
            refused[str(path.relative_to(ROOT))] = done.stderr.strip()

    assert refused == {}
