"""Validation of the built-in kinds we serve, as the apiserver's own rules reject them (pure).

Only the rules a user of this project can trip over are here: selectors that do not match the
pod template, negative replicas, containers without a name or image, Services without ports,
CRDs whose name is not `<plural>.<group>`. Messages follow the apiserver's wording.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from rollouts.devcluster import cron, defaults, fielderrors, kinds, selectors

JSON = dict[str, Any]
Errors = list[fielderrors.FieldError]


def forbidden_finalizers(added: list[str]) -> fielderrors.FieldError:
    shown = ", ".join(json.dumps(f) for f in added)
    return fielderrors.forbidden(
        "metadata.finalizers",
        f"no new finalizers can be added if the object is being deleted, found new finalizers "
        f"[]string{{{shown}}}",
    )


def _containers(spec: Any, path: str) -> Errors:
    if not isinstance(spec, dict) or not spec.get("containers"):
        return [fielderrors.required(f"{path}.containers")]
    errors: Errors = []
    for i, container in enumerate(spec["containers"]):
        where = f"{path}.containers[{i}]"
        if not isinstance(container, dict):
            errors.append(fielderrors.invalid(where, container, "must be an object"))
            continue
        if not container.get("name"):
            errors.append(fielderrors.required(f"{where}.name"))
        if not container.get("image"):
            errors.append(fielderrors.required(f"{where}.image"))
    return errors


def _replicas(spec: JSON) -> Errors:
    replicas = spec.get("replicas", 0)
    if not isinstance(replicas, int) or isinstance(replicas, bool):
        return [fielderrors.invalid("spec.replicas", replicas, "must be an integer")]
    if replicas < 0:
        return [
            fielderrors.invalid("spec.replicas", replicas, "must be greater than or equal to 0")
        ]
    return []


def _selector(spec: JSON) -> Errors:
    selector = spec.get("selector")
    if not selector:
        return [fielderrors.required("spec.selector")]
    try:
        parsed = selectors.label_selector_from_object(selector)
    except selectors.SelectorError as exc:
        return [fielderrors.invalid("spec.selector", json.dumps(selector), str(exc))]
    if selectors.is_empty(selector):
        return [
            fielderrors.invalid("spec.selector", "{}", "empty selector is invalid for deployment")
        ]
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    if not parsed.matches(labels):
        return [
            fielderrors.invalid(
                "spec.template.metadata.labels",
                _go_map(labels),
                "`selector` does not match template `labels`",
            )
        ]
    return []


def _go_map(labels: dict[str, str]) -> fielderrors.GoLiteral:
    inner = ", ".join(f'"{k}":"{v}"' for k, v in sorted(labels.items()))
    return fielderrors.GoLiteral(f"map[string]string{{{inner}}}")


def _workload(obj: JSON, current: JSON | None) -> Errors:
    spec = obj.get("spec") or {}
    errors = _replicas(spec) + _selector(spec)
    errors += _containers((spec.get("template") or {}).get("spec"), "spec.template.spec")
    if current is not None and spec.get("selector") != (current.get("spec") or {}).get("selector"):
        errors.append(
            fielderrors.invalid(
                "spec.selector", json.dumps(spec.get("selector")), "field is immutable"
            )
        )
    return errors


def _pod(obj: JSON, current: JSON | None) -> Errors:
    return _containers(obj.get("spec"), "spec")


def _service(obj: JSON, current: JSON | None) -> Errors:
    spec = obj.get("spec") or {}
    if spec.get("type") == "ExternalName":
        return []
    ports = spec.get("ports") or []
    if not ports and spec.get("clusterIP") != "None":
        return [fielderrors.required("spec.ports")]
    errors: Errors = []
    for i, port in enumerate(ports):
        value = port.get("port") if isinstance(port, dict) else None
        if not isinstance(value, int) or not 1 <= value <= 65535:
            errors.append(
                fielderrors.invalid(
                    f"spec.ports[{i}].port", value, "must be between 1 and 65535, inclusive"
                )
            )
    return errors


_RUN_TO_COMPLETION = ["OnFailure", "Never"]


def _non_negative(spec: JSON, path: str, *fields: str) -> Errors:
    errors: Errors = []
    for field in fields:
        value = spec.get(field)
        if value is not None and (not isinstance(value, int) or value < 0):
            errors.append(
                fielderrors.invalid(f"{path}.{field}", value, "must be greater than or equal to 0")
            )
    return errors


def _job_spec(spec: Any, path: str) -> Errors:
    """What every Job spec must satisfy, in a Job or in a CronJob's jobTemplate."""
    if not isinstance(spec, dict):
        return [fielderrors.required(path)]
    template_spec = (spec.get("template") or {}).get("spec")
    errors = _containers(template_spec, f"{path}.template.spec")
    errors += _non_negative(
        spec, path, "parallelism", "completions", "backoffLimit", "activeDeadlineSeconds"
    )
    restart = (
        (template_spec or {}).get("restartPolicy") if isinstance(template_spec, dict) else None
    )
    if restart not in _RUN_TO_COMPLETION:
        errors.append(
            fielderrors.not_supported(
                f"{path}.template.spec.restartPolicy", restart or "", _RUN_TO_COMPLETION
            )
        )
    return errors


def _job(obj: JSON, current: JSON | None) -> Errors:
    spec = obj.get("spec") or {}
    errors = _job_spec(spec, "spec")
    if current is not None:
        if spec.get("selector") != (current.get("spec") or {}).get("selector"):
            errors.append(
                fielderrors.invalid(
                    "spec.selector", json.dumps(spec.get("selector")), "field is immutable"
                )
            )
        return errors
    uid = obj["metadata"].get("uid", "")
    if not spec.get("manualSelector") and spec.get("selector") != (
        defaults.generated_job_selector(uid)
    ):
        errors.append(
            fielderrors.invalid(
                "spec.selector", json.dumps(spec.get("selector")), "`selector` not auto-generated"
            )
        )
    elif spec.get("manualSelector"):
        errors += _selector(spec)
    return errors


def _cron_job(obj: JSON, current: JSON | None) -> Errors:
    spec = obj.get("spec") or {}
    errors: Errors = []
    schedule = spec.get("schedule")
    if not schedule:
        errors.append(fielderrors.required("spec.schedule"))
    else:
        try:
            cron.parse(str(schedule))
        except cron.CronError as exc:
            errors.append(fielderrors.invalid("spec.schedule", schedule, str(exc)))
    try:
        cron.zone(spec.get("timeZone"))
    except cron.CronError:
        errors.append(
            fielderrors.invalid("spec.timeZone", spec.get("timeZone"), "unknown time zone")
        )
    errors += _non_negative(
        spec, "spec", "startingDeadlineSeconds", "successfulJobsHistoryLimit",
        "failedJobsHistoryLimit",
    )  # fmt: skip
    policy = spec.get("concurrencyPolicy")
    if policy not in ("Allow", "Forbid", "Replace"):
        errors.append(
            fielderrors.not_supported(
                "spec.concurrencyPolicy", policy or "", ["Allow", "Forbid", "Replace"]
            )
        )
    return errors + _job_spec((spec.get("jobTemplate") or {}).get("spec"), "spec.jobTemplate.spec")


def _crd(obj: JSON, current: JSON | None) -> Errors:
    spec = obj.get("spec") or {}
    names = spec.get("names") or {}
    errors: Errors = []
    for field in ("group",):
        if not spec.get(field):
            errors.append(fielderrors.required(f"spec.{field}"))
    for field in ("plural", "kind"):
        if not names.get(field):
            errors.append(fielderrors.required(f"spec.names.{field}"))
    expected = f"{names.get('plural', '')}.{spec.get('group', '')}"
    if obj["metadata"].get("name") != expected:
        errors.append(
            fielderrors.invalid(
                "metadata.name",
                obj["metadata"].get("name"),
                'must be spec.names.plural+"."+spec.group',
            )
        )
    versions = spec.get("versions") or []
    if not versions:
        errors.append(fielderrors.required("spec.versions", "must have at least one version"))
    elif sum(1 for v in versions if v.get("storage")) != 1:
        errors.append(
            fielderrors.invalid(
                "spec.versions",
                json.dumps([v.get("name") for v in versions]),
                "must have exactly one version marked as storage version",
            )
        )
    return errors


_VALIDATORS: dict[tuple[str, str], Callable[[JSON, JSON | None], Errors]] = {
    ("apps", "deployments"): _workload,
    ("apps", "replicasets"): _workload,
    ("batch", "jobs"): _job,
    ("batch", "cronjobs"): _cron_job,
    ("", "pods"): _pod,
    ("", "services"): _service,
    ("apiextensions.k8s.io", "customresourcedefinitions"): _crd,
}


def validate(key: tuple[str, str], obj: JSON, current: JSON | None) -> Errors:
    """The apiserver's objections to `obj` of type `key` (empty when it is acceptable)."""
    validator = _VALIDATORS.get(key)
    return validator(obj, current) if validator else []


def validate_crd_against(registry: kinds.Registry, crd: JSON) -> Errors:
    """A CRD may not take over a built-in type."""
    spec = crd.get("spec") or {}
    key = (spec.get("group", ""), (spec.get("names") or {}).get("plural", ""))
    existing = registry.by_key(key)
    if existing is not None and existing.builtin:
        return [fielderrors.invalid("spec.group", key[0], "is a built-in API group")]
    return []


def crd_status(crd: JSON, now: str) -> JSON:
    """The status the apiextensions controllers give an accepted CRD."""
    spec = crd["spec"]
    storage = [v["name"] for v in spec.get("versions", []) if v.get("storage")]
    stored = list((crd.get("status") or {}).get("storedVersions") or [])
    stored += [v for v in storage if v not in stored]
    old = {c["type"]: c for c in (crd.get("status") or {}).get("conditions") or ()}

    def condition(kind: str, reason: str, message: str) -> JSON:
        since = old.get(kind, {}).get("lastTransitionTime", now)
        return {
            "type": kind,
            "status": "True",
            "reason": reason,
            "message": message,
            "lastTransitionTime": since,
        }

    return {
        "acceptedNames": {k: v for k, v in spec["names"].items()},
        "conditions": [
            condition("NamesAccepted", "NoConflicts", "no conflicts found"),
            condition(
                "Established", "InitialNamesAccepted", "the initial names have been accepted"
            ),
        ],
        "storedVersions": stored,
    }
