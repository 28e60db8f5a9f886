"""Analysis arguments and the AnalysisRun a Rollout creates (argo-rollouts-spec.md §3.5).

Rules (Argo Rollouts):
- referenced templates and the templates they reference are flattened, each taken once,
  namespaced ones before cluster ones: metrics, dryRun and measurementRetention rules are
  concatenated (a repeated name is an error), args merged (one name with two values is an error);
- a Rollout's args override the templates' args by name, and args the templates do not declare
  are ignored; an arg left without value or valueFrom is "args.<name> was not resolved";
- `podTemplateHashValue` takes the latest or the stable ReplicaSet's hash; a `fieldRef` path
  under `metadata` reads the Rollout as the downward API does, any other path walks its JSON;
- every `{{args.<name>}}` in a metric is replaced by the value, JSON-string escaped; a secret arg
  stays a placeholder until measurement time, an unknown one is "failed to resolve {{…}}".
"""

from __future__ import annotations

import dataclasses
import enum
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from rollouts import model
from rollouts.core import fieldpaths
from rollouts.errors import RolloutsError

JSON = Mapping[str, Any]
Lookup = Callable[[model.TemplateRef], model.AnalysisTemplateSpec | None]
HASH_LABEL = "rollouts-pod-template-hash"
TYPE_LABEL = "rollout-type"
STEP_INDEX_LABEL = "step-index"
INSTANCE_ID_LABEL = "argo-rollouts.argoproj.io/controller-instance-id"
REVISION_ANNOTATION = "rollout.argoproj.io/revision"
REDACTED = "*****"
_TAG = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)


class AnalysisArgsError(RolloutsError):
    """Templates or args that cannot make a run; the message is Argo's."""


class RunType(enum.StrEnum):
    """The `rollout-type` label of a run: why the Rollout created it."""

    STEP = "Step"
    BACKGROUND = "Background"
    PRE_PROMOTION = "PrePromotion"
    POST_PROMOTION = "PostPromotion"


def _collect(
    refs: Iterable[model.TemplateRef], lookup: Lookup, seen: set[model.TemplateRef]
) -> list[tuple[model.TemplateRef, model.AnalysisTemplateSpec]]:
    found: list[tuple[model.TemplateRef, model.AnalysisTemplateSpec]] = []
    for ref in refs:
        if ref in seen:
            continue
        seen.add(ref)
        spec = lookup(ref)
        if spec is None:
            kind = "clusteranalysistemplate" if ref.cluster_scope else "analysistemplate"
            raise AnalysisArgsError(f'{kind}.argoproj.io "{ref.template_name}" not found')
        found.append((ref, spec))
        found.extend(_collect(spec.templates, lookup, seen))
    return found


def _unique(names: Iterable[str], message: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise AnalysisArgsError(message.format(name=name))
        seen.add(name)


def _flatten_args(args: Iterable[model.Arg]) -> tuple[model.Arg, ...]:
    combined: dict[str, model.Arg] = {}
    for arg in args:
        before = combined.get(arg.name)
        if before is not None and _conflict(before.value, arg.value):
            raise AnalysisArgsError(
                f"Argument `{arg.name}` specified multiple times with different values: "
                f"'{before.value}', '{arg.value}'"
            )
        if before is None or before.value is None:
            combined[arg.name] = arg
    return tuple(combined.values())


def _conflict(before: str | None, after: str | None) -> bool:
    return before is not None and after is not None and before != after


def flatten_templates(
    refs: Sequence[model.TemplateRef], lookup: Lookup
) -> model.AnalysisTemplateSpec:
    """The templates `refs` name, and those they name, as one spec (`lookup` None: not found)."""
    found = _collect(refs, lookup, set())
    specs = [spec for ref, spec in found if not ref.cluster_scope]
    specs += [spec for ref, spec in found if ref.cluster_scope]
    flat = model.AnalysisTemplateSpec(
        metrics=tuple(m for spec in specs for m in spec.metrics),
        args=_flatten_args(arg for spec in specs for arg in spec.args),
        dry_run=tuple(d for spec in specs for d in spec.dry_run),
        measurement_retention=tuple(r for spec in specs for r in spec.measurement_retention),
    )
    _check_unique(flat)
    return flat


def _check_unique(spec: model.AnalysisTemplateSpec) -> None:
    _unique((m.name for m in spec.metrics), "two metrics have the same name '{name}'")
    _unique(
        (d.metric_name for d in spec.dry_run),
        "two Dry-Run metric rules have the same name '{name}'",
    )
    _unique(
        (r.metric_name for r in spec.measurement_retention),
        "two Measurement Retention metric rules have the same name '{name}'",
    )


def merge_args(
    incoming: Sequence[model.Arg], template_args: Sequence[model.Arg]
) -> tuple[model.Arg, ...]:
    """Template args with `incoming` values by name; every arg must end with a value."""
    given = {arg.name: arg for arg in incoming}
    merged = tuple(_override(arg, given.get(arg.name)) for arg in template_args)
    for arg in merged:
        if arg.value is None and arg.value_from is None:
            raise AnalysisArgsError(f"args.{arg.name} was not resolved")
    return merged


def _override(arg: model.Arg, given: model.Arg | None) -> model.Arg:
    if given is not None and given.value is not None:
        return model.Arg(arg.name, value=given.value)
    if given is not None and given.value_from is not None:
        return model.Arg(arg.name, value_from=given.value_from)
    return arg


def resolve_rollout_args(
    args: Sequence[model.Arg], *, rollout: JSON, stable_hash: str, latest_hash: str
) -> tuple[model.Arg, ...]:
    """A Rollout's args as plain values (a missing value reads as "", as in Argo)."""
    hashes = {
        model.PodTemplateHashValue.STABLE: stable_hash,
        model.PodTemplateHashValue.LATEST: latest_hash,
    }
    resolved = []
    for arg in args:
        value = arg.value or ""
        if isinstance(arg.value_from, model.PodTemplateHashValue):
            value = hashes[arg.value_from]
        elif isinstance(arg.value_from, model.FieldRef):
            value = _field_value(rollout, arg.value_from.field_path)
        resolved.append(model.Arg(arg.name, value=value))
    return tuple(resolved)


def _field_value(rollout: JSON, path: str) -> str:
    try:
        return fieldpaths.field_value(rollout, path)
    except fieldpaths.FieldPathError as error:
        raise AnalysisArgsError(str(error)) from None


def secret_arg_names(args: Sequence[model.Arg]) -> frozenset[str]:
    """Args whose value comes from a Secret: placeholders until measurement time."""
    return frozenset(arg.name for arg in args if arg.is_secret)


def substitute(
    metric_json: Any, args: Sequence[model.Arg], *, secrets: Mapping[str, str] | None = None
) -> Any:
    """`metric_json` with every `{{args.<name>}}` replaced (secret args only from `secrets`)."""
    values = {arg.name: arg.value for arg in args if arg.value is not None}
    values.update({k: v for k, v in (secrets or {}).items() if k in secret_arg_names(args)})
    kept = secret_arg_names(args) - values.keys()

    def replace(match: re.Match[str]) -> str:
        tag = match.group(1).strip()
        name = tag.removeprefix("args.") if tag.startswith("args.") else None
        if name is not None and name in values:
            return json.dumps(values[name])[1:-1]
        if name is not None and name in kept:
            return match.group(0)
        raise AnalysisArgsError(f"failed to resolve {{{{{match.group(1)}}}}}")

    return json.loads(_TAG.sub(replace, json.dumps(metric_json)))


def redact(message: str, secret_values: Iterable[str]) -> str:
    """`message` with every secret value replaced by `*****` (Argo's redaction)."""
    for secret in secret_values:
        if secret:
            message = message.replace(secret, REDACTED)
    return message


def resolve_metrics(
    spec: model.AnalysisRunSpec, *, secrets: Mapping[str, str] | None = None
) -> tuple[model.Metric, ...]:
    """The run's metrics with args substituted, parsed and checked again.

    Raises AnalysisArgsError ("Unable to resolve metric arguments: …" in the run) or SpecError
    (`model.invalid_spec_message`).
    """
    metrics = tuple(
        model.parse_metric(substitute(m.raw, spec.args, secrets=secrets), f"spec.metrics[{i}]")
        if m.raw
        else m
        for i, m in enumerate(spec.metrics)
    )
    model.validate_metrics(metrics, "spec.metrics")
    return metrics


def resolve_run_spec(
    spec: model.AnalysisRunSpec, *, secrets: Mapping[str, str] | None = None
) -> model.AnalysisRunSpec:
    return dataclasses.replace(spec, metrics=resolve_metrics(spec, secrets=secrets))


def run_name(rollout_name: str, pod_hash: str, revision: str | int, infix: str | None) -> str:
    """`<rollout>-<hash>-<revision>[-<infix>]`: infix is the step index, `pre` or `post`."""
    return "-".join(str(part) for part in (rollout_name, pod_hash, revision, infix) if part)


def collision_name(name: str, collision: int) -> str:
    """The name to try after `collision` clashes with someone else's run: `name.1`, `name.2`."""
    return f"{name}.{collision}" if collision else name


def run_labels(
    *,
    pod_hash: str,
    run_type: RunType,
    step_index: int | None = None,
    instance_id: str | None = None,
    metadata_labels: Mapping[str, str] | None = None,
    selector_labels: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The run's labels; analysisRunMetadata, then the Rollout's selector, win over ours."""
    labels = {HASH_LABEL: pod_hash, TYPE_LABEL: str(run_type)}
    if run_type is RunType.STEP and step_index is not None:
        labels[STEP_INDEX_LABEL] = str(step_index)
    if instance_id:
        labels[INSTANCE_ID_LABEL] = instance_id
    return {**labels, **(metadata_labels or {}), **(selector_labels or {})}


def _mapping(value: Any) -> JSON:
    return value if isinstance(value, Mapping) else {}


def arg_to_json(arg: model.Arg) -> dict[str, Any]:
    body: dict[str, Any] = {"name": arg.name}
    if arg.value is not None:
        body["value"] = arg.value
    elif isinstance(arg.value_from, model.SecretKeyRef):
        secret = {"name": arg.value_from.name, "key": arg.value_from.key}
        body["valueFrom"] = {"secretKeyRef": secret}
    elif isinstance(arg.value_from, model.FieldRef):
        body["valueFrom"] = {"fieldRef": {"fieldPath": arg.value_from.field_path}}
    return body


def _resolve_field_refs(args: Sequence[model.Arg], rollout: JSON) -> tuple[model.Arg, ...]:
    """Template args taken from the Rollout's fields get their values now, as Rollout args do."""
    return tuple(
        model.Arg(arg.name, value=_field_value(rollout, arg.value_from.field_path))
        if arg.value is None and isinstance(arg.value_from, model.FieldRef)
        else arg
        for arg in args
    )


def _metric_json(metric: model.Metric, args: Sequence[model.Arg]) -> Any:
    """The metric with args substituted; left as written when an arg is missing, so that the
    run itself reports "Unable to resolve metric arguments" (where Argo reports it)."""
    try:
        return substitute(metric.raw, args)
    except AnalysisArgsError:
        return dict(metric.raw)


def _infix(run_type: RunType, step_index: int | None) -> str | None:
    if run_type is RunType.STEP:
        return None if step_index is None else str(step_index)
    return {RunType.PRE_PROMOTION: "pre", RunType.POST_PROMOTION: "post"}.get(run_type)


def _run_spec(
    template: model.AnalysisTemplateSpec, analysis: model.RolloutAnalysis, args: Sequence[model.Arg]
) -> dict[str, Any]:
    dry_run = (*analysis.dry_run, *template.dry_run)
    retention = (*analysis.measurement_retention, *template.measurement_retention)
    _check_unique(dataclasses.replace(template, dry_run=dry_run, measurement_retention=retention))
    spec: dict[str, Any] = {"metrics": [_metric_json(m, args) for m in template.metrics]}
    if args:
        spec["args"] = [arg_to_json(arg) for arg in args]
    if dry_run:
        spec["dryRun"] = [{"metricName": d.metric_name} for d in dry_run]
    if retention:
        spec["measurementRetention"] = [
            {"metricName": r.metric_name, "limit": r.limit} for r in retention
        ]
    return spec


def _owner(meta: JSON) -> dict[str, Any]:
    return {
        "apiVersion": model.API_VERSION,
        "kind": "Rollout",
        "name": str(meta.get("name", "")),
        "uid": str(meta.get("uid", "")),
        "controller": True,
        "blockOwnerDeletion": True,
    }


def _selector_labels(rollout: JSON) -> dict[str, str]:
    selector = _mapping(_mapping(rollout.get("spec")).get("selector"))
    return {str(k): str(v) for k, v in _mapping(selector.get("matchLabels")).items()}


def build_analysis_run(
    *,
    rollout: JSON,
    analysis: model.RolloutAnalysis,
    lookup: Lookup,
    run_type: RunType,
    latest_hash: str,
    stable_hash: str,
    step_index: int | None = None,
    instance_id: str | None = None,
) -> dict[str, Any]:
    """The AnalysisRun a Rollout creates for `analysis` (its manifest; Argo's name and labels).

    `rollout` is the Rollout's manifest (fieldRef args read it); raises AnalysisArgsError for
    templates or args that cannot make a run.
    """
    meta = _mapping(rollout.get("metadata"))
    revision = str(_mapping(meta.get("annotations")).get(REVISION_ANNOTATION, ""))
    incoming = resolve_rollout_args(
        analysis.args, rollout=rollout, stable_hash=stable_hash, latest_hash=latest_hash
    )
    template = flatten_templates(analysis.templates, lookup)
    args = _resolve_field_refs(merge_args(incoming, template.args), rollout)
    owner = _owner(meta)
    labels = run_labels(
        pod_hash=latest_hash,
        run_type=run_type,
        step_index=step_index,
        instance_id=instance_id,
        metadata_labels=analysis.analysis_run_metadata.labels,
        selector_labels=_selector_labels(rollout),
    )
    annotations = {REVISION_ANNOTATION: revision, **analysis.analysis_run_metadata.annotations}
    return {
        "apiVersion": model.API_VERSION,
        "kind": "AnalysisRun",
        "metadata": {
            "name": run_name(owner["name"], latest_hash, revision, _infix(run_type, step_index)),
            "namespace": str(meta.get("namespace") or "default"),
            "labels": labels,
            "annotations": annotations,
            "ownerReferences": [owner],
        },
        "spec": _run_spec(template, analysis, args),
    }
