"""Defaults a real apiserver fills into the built-in kinds we serve (pure).

Clients see these in `kubectl get -o yaml`, and controllers compare against them, so a
simulator that left them out would hide real differences (a pod template read back from a
ReplicaSet is not the template that was sent).
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable
from typing import Any

JSON = dict[str, Any]


def _container(container: JSON) -> None:
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    container.setdefault("resources", {})
    image = str(container.get("image", ""))
    tag = image.rsplit("/", 1)[-1]
    always = "@" not in tag and (":" not in tag or tag.endswith(":latest"))
    container.setdefault("imagePullPolicy", "Always" if always else "IfNotPresent")
    for port in container.get("ports") or ():
        port.setdefault("protocol", "TCP")


def _pod_spec(spec: JSON) -> None:
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    for container in [*(spec.get("initContainers") or ()), *(spec.get("containers") or ())]:
        if isinstance(container, dict):
            _container(container)


def _template(spec: JSON) -> None:
    template = spec.get("template")
    if isinstance(template, dict) and isinstance(template.get("spec"), dict):
        template.setdefault("metadata", {}).setdefault("creationTimestamp", None)
        _pod_spec(template["spec"])


def _deployment(obj: JSON) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    strategy = spec.setdefault("strategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.setdefault("rollingUpdate", {})
        rolling.setdefault("maxSurge", "25%")
        rolling.setdefault("maxUnavailable", "25%")
    _template(spec)


def _replica_set(obj: JSON) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    _template(spec)


JOB_NAME_LABELS = ("batch.kubernetes.io/job-name", "job-name")
CONTROLLER_UID_LABELS = ("batch.kubernetes.io/controller-uid", "controller-uid")


def generated_job_selector(uid: str) -> JSON:
    """The selector the apiserver gives a Job that does not set `manualSelector`."""
    return {"matchLabels": {CONTROLLER_UID_LABELS[0]: uid}}


def _job_selector(obj: JSON) -> None:
    # Pods are labelled with the Job's name and uid, and selected by the uid alone, so that a
    # Job never adopts pods of an earlier Job of the same name; a label the user already set
    # is left for validation to judge
    spec = obj["spec"]
    meta = obj.get("metadata") or {}
    template = spec.setdefault("template", {})
    labels = template.setdefault("metadata", {}).setdefault("labels", {})
    for key in JOB_NAME_LABELS:
        labels.setdefault(key, meta.get("name", ""))
    for key in CONTROLLER_UID_LABELS:
        labels.setdefault(key, meta.get("uid", ""))
    selector = spec.setdefault("selector", {})
    if isinstance(selector, dict):
        match = selector.setdefault("matchLabels", {})
        match.setdefault(CONTROLLER_UID_LABELS[0], meta.get("uid", ""))


def _job_spec(spec: JSON) -> None:
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
    spec.setdefault("parallelism", 1)
    spec.setdefault("backoffLimit", 6)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    spec.setdefault(
        "podReplacementPolicy", "Failed" if spec.get("podFailurePolicy") else "TerminatingOrFailed"
    )


def _job(obj: JSON) -> None:
    spec = obj.setdefault("spec", {})
    _job_spec(spec)
    if not spec.get("manualSelector"):
        _job_selector(obj)
    template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels")
    meta = obj.setdefault("metadata", {})
    if template_labels and not meta.get("labels"):
        meta["labels"] = dict(template_labels)
    _template(spec)


def _cron_job(obj: JSON) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("concurrencyPolicy", "Allow")
    spec.setdefault("suspend", False)
    spec.setdefault("successfulJobsHistoryLimit", 3)
    spec.setdefault("failedJobsHistoryLimit", 1)
    job_template = spec.get("jobTemplate")
    if isinstance(job_template, dict):
        job_template.setdefault("metadata", {}).setdefault("creationTimestamp", None)
        if isinstance(job_template.get("spec"), dict):
            _template(job_template["spec"])


def _pod(obj: JSON) -> None:
    spec = obj.get("spec")
    if isinstance(spec, dict):
        _pod_spec(spec)
        spec.setdefault("enableServiceLinks", True)
        spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
        spec.setdefault("priority", 0)


def _service(obj: JSON) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    if spec["type"] != "ExternalName":
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
        spec.setdefault("internalTrafficPolicy", "Cluster")
    for port in spec.get("ports") or ():
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")
            port.setdefault("targetPort", port.get("port"))
    obj.setdefault("status", {}).setdefault("loadBalancer", {})


def _namespace(obj: JSON) -> None:
    obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
    obj.setdefault("status", {}).setdefault("phase", "Active")
    labels = obj.setdefault("metadata", {}).setdefault("labels", {})
    labels["kubernetes.io/metadata.name"] = obj["metadata"].get("name", "")


def _secret(obj: JSON) -> None:
    obj.setdefault("type", "Opaque")
    # the apiserver folds the write-only stringData into data, base64-encoded
    for key, value in (obj.pop("stringData", None) or {}).items():
        obj.setdefault("data", {})[key] = base64.b64encode(str(value).encode()).decode()


def _crd(obj: JSON) -> None:
    spec = obj.setdefault("spec", {})
    names = spec.setdefault("names", {})
    if "kind" in names:
        names.setdefault("singular", str(names["kind"]).lower())
        names.setdefault("listKind", f"{names['kind']}List")
    spec.setdefault("scope", "Namespaced")
    spec.setdefault("conversion", {"strategy": "None"})


_DEFAULTERS: dict[tuple[str, str], Callable[[JSON], None]] = {
    ("apps", "deployments"): _deployment,
    ("apps", "replicasets"): _replica_set,
    ("batch", "jobs"): _job,
    ("batch", "cronjobs"): _cron_job,
    ("", "pods"): _pod,
    ("", "services"): _service,
    ("", "namespaces"): _namespace,
    ("", "secrets"): _secret,
    ("apiextensions.k8s.io", "customresourcedefinitions"): _crd,
}


def apply_defaults(key: tuple[str, str], obj: JSON) -> JSON:
    """`obj` with the apiserver's defaults for its type filled in (a new dict)."""
    defaulter = _DEFAULTERS.get(key)
    if defaulter is None:
        return obj
    out = copy.deepcopy(obj)
    defaulter(out)
    return out
