"""parse_rollout(body) -> Rollout: read a Rollout manifest and apply Argo's InvalidSpec rules.

Messages follow Argo Rollouts' wording (users search for them), each raised as SpecError with
the path of the field, e.g. `spec.strategy.canary.steps[1].setWeight`.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from typing import Any

from rollouts.errors import SpecError
from rollouts.model import analysis_parsing, conditions, durations
from rollouts.model import rollout as r
from rollouts.model.analysis import RolloutAnalysis

JSON = Mapping[str, Any]
CANARY = "spec.strategy.canary"
BLUE_GREEN = "spec.strategy.blueGreen"
_STEP_KINDS = (
    "setWeight",
    "pause",
    "setCanaryScale",
    "analysis",
    "experiment",
    "setHeaderRoute",
    "setMirrorRoute",
    "plugin",
)
_UNSUPPORTED_STEPS = {
    "experiment": "experiment steps are not supported by this controller",
    "plugin": "step plugins are not supported by this controller",
    "setHeaderRoute": "SetHeaderRoute requires TrafficRouting, supports Istio and ALB and Apisix",
    "setMirrorRoute": "SetMirrorRoute requires TrafficRouting, supports Istio",
}
_ROUTERS = ("istio", "alb", "smi", "ambassador", "appMesh", "traefik", "apisix", "plugins")
_PERCENT = re.compile(r"[0-9]+%?")


def _int(value: Any, field: str, *, minimum: int = 0, default: int | None = None) -> int:
    if value is None and default is not None:
        return default
    if not isinstance(value, int) or isinstance(value, bool):
        raise SpecError(field, f"must be an integer, not {value!r}")
    if value < minimum:
        raise SpecError(field, f"must be greater than or equal to {minimum}")
    return value


def _optional_int(value: Any, field: str) -> int | None:
    return None if value is None else _int(value, field)


def _mapping(value: Any, field: str) -> JSON:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise SpecError(field, "must be an object")
    return value


def parse_pod_metadata(value: Any, field: str) -> r.PodMetadata | None:
    """{labels, annotations} of string values; None when absent or empty."""
    raw = _mapping(value, field)
    found = {}
    for part in ("labels", "annotations"):
        entries = _mapping(raw.get(part), f"{field}.{part}")
        for key, text in entries.items():
            if not isinstance(text, str):
                raise SpecError(f"{field}.{part}.{key}", "must be a string")
        found[part] = dict(entries)
    if not any(found.values()):
        return None
    return r.PodMetadata(labels=found["labels"], annotations=found["annotations"])


def _int_or_percent(value: Any, field: str) -> int | str:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and _PERCENT.fullmatch(value):
        # Argo reads a bare "25" as a percentage too
        return value if value.endswith("%") else f"{value}%"
    raise SpecError(field, f"must be an integer or a percentage, not {value!r}")


def parse_anti_affinity(value: Any, field: str) -> r.AntiAffinity | None:
    """antiAffinity: exactly one of preferred (weight 1..100) or required."""
    raw = _mapping(value, field)
    if not raw:
        return None
    preferred = raw.get("preferredDuringSchedulingIgnoredDuringExecution")
    required = raw.get("requiredDuringSchedulingIgnoredDuringExecution")
    if (preferred is None) == (required is None):
        raise SpecError(field, "AntiAffinity must have exactly one strategy listed")
    if required is not None:
        return r.AntiAffinity()
    weight = _mapping(preferred, field).get("weight")
    if not isinstance(weight, int) or isinstance(weight, bool) or not 1 <= weight <= 100:
        raise SpecError(
            f"{field}.preferredDuringSchedulingIgnoredDuringExecution.weight",
            "AntiAffinity weight must be between 1-100",
        )
    return r.AntiAffinity(weight=weight)


def _is_zero(value: int | str) -> bool:
    return value in (0, "0%")


def parse_step(raw: Any, field: str, *, max_weight: int) -> r.Step:
    """One canary step: exactly one of the step kinds."""
    if not isinstance(raw, Mapping):
        raise SpecError(field, "must be an object")
    present = [k for k in _STEP_KINDS if raw.get(k) is not None]
    if len(present) != 1:
        raise SpecError(
            field,
            "Step must have one of the following set: experiment, setWeight, "
            "setCanaryScale, plugin or pause",
        )
    kind = present[0]
    value = raw[kind]
    where = f"{field}.{kind}"
    if kind in _UNSUPPORTED_STEPS:
        raise SpecError(where, _UNSUPPORTED_STEPS[kind])
    if kind == "setWeight":
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= max_weight:
            raise SpecError(where, f"SetWeight needs to be between 0 and {max_weight}")
        return r.SetWeight(value)
    if kind == "pause":
        return _pause(value, where)
    if kind == "setCanaryScale":
        return _canary_scale(value, where, max_weight=max_weight)
    written = _mapping(value, where)
    return r.AnalysisStep(written, analysis_parsing.parse_rollout_analysis(written, where))


def _pause(value: Any, field: str) -> r.Pause:
    pause = _mapping(value, field)
    if pause.get("duration") is None:
        return r.Pause(None)
    seconds = durations.parse_duration(pause["duration"])
    if seconds is None or seconds < 0:
        raise SpecError(f"{field}.duration", "Duration needs to be greater than 0")
    return r.Pause(seconds)


def _canary_scale(value: Any, field: str, *, max_weight: int) -> r.SetCanaryScale:
    scale = _mapping(value, field)
    replicas = _optional_int(scale.get("replicas"), f"{field}.replicas")
    weight = _optional_int(scale.get("weight"), f"{field}.weight")
    match = bool(scale.get("matchTrafficWeight", False))
    if sum((replicas is not None, weight is not None, match)) != 1:
        raise SpecError(
            field, "SetCanaryScale needs exactly one of replicas, weight or matchTrafficWeight"
        )
    if weight is not None and weight > max_weight:
        raise SpecError(
            f"{field}.weight", f"SetCanaryScale weight needs to be between 0 and {max_weight}"
        )
    return r.SetCanaryScale(replicas=replicas, weight=weight, match_traffic_weight=match)


def _nginx(raw: JSON, field: str) -> r.NginxRouting:
    single, many = raw.get("stableIngress"), raw.get("stableIngresses")
    if single and many:
        raise SpecError(
            field,
            "Either StableIngress or StableIngresses must be configured. Both are configured.",
        )
    if not single and not many:
        raise SpecError(
            field,
            "Either StableIngress or StableIngresses must be configured. Neither are configured.",
        )
    ingresses = (single,) if single else tuple(many or ())
    return r.NginxRouting(
        stable_ingresses=tuple(str(i) for i in ingresses),
        annotation_prefix=str(raw.get("annotationPrefix") or r.DEFAULT_NGINX_PREFIX),
        additional_ingress_annotations=dict(
            _mapping(
                raw.get("additionalIngressAnnotations"), f"{field}.additionalIngressAnnotations"
            )
        ),
        canary_ingress_annotations=dict(
            _mapping(raw.get("canaryIngressAnnotations"), f"{field}.canaryIngressAnnotations")
        ),
    )


def _traffic_routing(raw: Any) -> r.TrafficRouting | None:
    field = f"{CANARY}.trafficRouting"
    if raw is None:
        return None
    routing = _mapping(raw, field)
    for router in _ROUTERS:
        if routing.get(router) is not None:
            raise SpecError(
                f"{field}.{router}",
                f"traffic router '{router}' is not supported by this controller (nginx is)",
            )
    nginx = routing.get("nginx")
    max_weight = _optional_int(routing.get("maxTrafficWeight"), f"{field}.maxTrafficWeight")
    if max_weight is not None and nginx is None:
        raise SpecError(
            f"{field}.maxTrafficWeight",
            "Canary maxTrafficWeight in traffic routing only supported in Nginx and Plugins",
        )
    if max_weight == 0:
        raise SpecError(f"{field}.maxTrafficWeight", "must be greater than 0")
    if nginx is None:
        # routed rules (stable kept full, a weight to set) with no router would move nothing
        raise SpecError(field, "trafficRouting needs a traffic router (nginx is supported)")
    return r.TrafficRouting(
        nginx=_nginx(_mapping(nginx, f"{field}.nginx"), f"{field}.nginx") if nginx else None,
        max_traffic_weight=max_weight,
    )


def parse_canary(raw: JSON) -> r.CanaryStrategy:
    """The canary strategy, with Argo's canary validation rules."""
    routing = _traffic_routing(raw.get("trafficRouting"))
    max_weight = routing.max_weight if routing else r.DEFAULT_MAX_WEIGHT
    raw_steps = raw.get("steps")
    if raw_steps is not None and not isinstance(raw_steps, Sequence):
        raise SpecError(f"{CANARY}.steps", "must be a list")
    steps = tuple(
        parse_step(s, f"{CANARY}.steps[{i}]", max_weight=max_weight)
        for i, s in enumerate(raw_steps or ())
    )
    strategy = r.CanaryStrategy(
        canary_service=raw.get("canaryService") or None,
        stable_service=raw.get("stableService") or None,
        steps=steps,
        raw_steps=None if raw_steps is None else tuple(raw_steps),
        traffic_routing=routing,
        max_surge=_int_or_percent(raw.get("maxSurge", "25%"), f"{CANARY}.maxSurge"),
        max_unavailable=_int_or_percent(
            raw.get("maxUnavailable", "25%"), f"{CANARY}.maxUnavailable"
        ),
        scale_down_delay_seconds=_optional_int(
            raw.get("scaleDownDelaySeconds"), f"{CANARY}.scaleDownDelaySeconds"
        ),
        abort_scale_down_delay_seconds=_optional_int(
            raw.get("abortScaleDownDelaySeconds"), f"{CANARY}.abortScaleDownDelaySeconds"
        ),
        dynamic_stable_scale=bool(raw.get("dynamicStableScale", False)),
        min_pods_per_replica_set=_optional_int(
            raw.get("minPodsPerReplicaSet"), f"{CANARY}.minPodsPerReplicaSet"
        ),
        analysis=_mapping(raw.get("analysis"), f"{CANARY}.analysis") or None,
        background=analysis_parsing.parse_rollout_analysis(raw["analysis"], f"{CANARY}.analysis")
        if raw.get("analysis")
        else None,
        canary_metadata=parse_pod_metadata(raw.get("canaryMetadata"), f"{CANARY}.canaryMetadata"),
        stable_metadata=parse_pod_metadata(raw.get("stableMetadata"), f"{CANARY}.stableMetadata"),
        anti_affinity=parse_anti_affinity(raw.get("antiAffinity"), f"{CANARY}.antiAffinity"),
    )
    _check_canary(strategy)
    return strategy


def _check_canary(strategy: r.CanaryStrategy) -> None:
    if _is_zero(strategy.max_surge) and _is_zero(strategy.max_unavailable):
        raise SpecError(f"{CANARY}.maxSurge", "MaxSurge and MaxUnavailable both can not be zero")
    services = (strategy.canary_service, strategy.stable_service)
    if services[0] and services[0] == services[1]:
        raise SpecError(
            f"{CANARY}.stableService",
            "This rollout uses the same service for the "
            "stable and canary services, but two different services are required.",
        )
    routed = strategy.traffic_routing is not None
    if routed and not all(services):
        raise SpecError(
            f"{CANARY}.trafficRouting",
            "Canary service and Stable service must to be set to use Traffic Routing",
        )
    if not routed:
        _check_unrouted(strategy)
    elif strategy.dynamic_stable_scale and strategy.scale_down_delay_seconds is not None:
        raise SpecError(
            f"{CANARY}.dynamicStableScale",
            "Canary dynamicStableScale cannot be used with scaleDownDelaySeconds",
        )


def _check_unrouted(strategy: r.CanaryStrategy) -> None:
    for i, step in enumerate(strategy.steps):
        if isinstance(step, r.SetCanaryScale):
            raise SpecError(
                f"{CANARY}.steps[{i}].setCanaryScale",
                "SetCanaryScale requires TrafficRouting to be set",
            )
    if strategy.scale_down_delay_seconds is not None:
        raise SpecError(
            f"{CANARY}.scaleDownDelaySeconds",
            "Canary scaleDownDelaySeconds can only be used with traffic routing",
        )
    if strategy.dynamic_stable_scale:
        raise SpecError(
            f"{CANARY}.dynamicStableScale",
            "Canary dynamicStableScale can only be used with traffic routing",
        )


def _analysis(raw: JSON, key: str) -> RolloutAnalysis | None:
    written = _mapping(raw.get(key), f"{BLUE_GREEN}.{key}")
    if not written:
        return None
    return analysis_parsing.parse_rollout_analysis(written, f"{BLUE_GREEN}.{key}")


def parse_blue_green(raw: JSON) -> r.BlueGreenStrategy:
    """The blue-green strategy, with Argo's blue-green validation rules."""
    active = raw.get("activeService")
    if not active:
        raise SpecError(
            f"{BLUE_GREEN}.activeService",
            "Rollout has missing field '.spec.strategy.blueGreen.activeService'",
        )
    preview = raw.get("previewService") or None
    if preview == active:
        raise SpecError(
            f"{BLUE_GREEN}.activeService",
            f'Invalid value: "{active}": This rollout uses the same service for '
            "the active and preview services, but two different services are "
            "required.",
        )
    return r.BlueGreenStrategy(
        active_service=str(active),
        preview_service=preview,
        auto_promotion_enabled=bool(raw.get("autoPromotionEnabled", True)),
        auto_promotion_seconds=_int(
            raw.get("autoPromotionSeconds"), f"{BLUE_GREEN}.autoPromotionSeconds", default=0
        ),
        preview_replica_count=_optional_int(
            raw.get("previewReplicaCount"), f"{BLUE_GREEN}.previewReplicaCount"
        ),
        scale_down_delay_seconds=_optional_int(
            raw.get("scaleDownDelaySeconds"), f"{BLUE_GREEN}.scaleDownDelaySeconds"
        ),
        scale_down_delay_revision_limit=_optional_int(
            raw.get("scaleDownDelayRevisionLimit"), f"{BLUE_GREEN}.scaleDownDelayRevisionLimit"
        ),
        abort_scale_down_delay_seconds=_optional_int(
            raw.get("abortScaleDownDelaySeconds"), f"{BLUE_GREEN}.abortScaleDownDelaySeconds"
        ),
        pre_promotion_analysis=_analysis(raw, "prePromotionAnalysis"),
        post_promotion_analysis=_analysis(raw, "postPromotionAnalysis"),
        active_metadata=parse_pod_metadata(
            raw.get("activeMetadata"), f"{BLUE_GREEN}.activeMetadata"
        ),
        preview_metadata=parse_pod_metadata(
            raw.get("previewMetadata"), f"{BLUE_GREEN}.previewMetadata"
        ),
        anti_affinity=parse_anti_affinity(raw.get("antiAffinity"), f"{BLUE_GREEN}.antiAffinity"),
        max_unavailable=_int_or_percent(
            raw.get("maxUnavailable", "25%"), f"{BLUE_GREEN}.maxUnavailable"
        ),
    )


def _check_blue_green(strategy: r.BlueGreenStrategy, revision_history_limit: int) -> None:
    limit = strategy.scale_down_delay_revision_limit
    if limit is not None and limit > revision_history_limit:
        raise SpecError(
            f"{BLUE_GREEN}.scaleDownDelayRevisionLimit",
            f"Invalid value: {limit}: This rollout's revision history limit can not be "
            "smaller than the rollout's scale down limit",
        )


def _strategy(raw: JSON) -> r.Strategy:
    canary, blue_green = raw.get("canary"), raw.get("blueGreen")
    if canary is not None and blue_green is not None:
        raise SpecError("spec.strategy", "Multiple Strategies can not be listed")
    if canary is not None:
        return parse_canary(_mapping(canary, CANARY))
    if blue_green is not None:
        return parse_blue_green(_mapping(blue_green, BLUE_GREEN))
    raise SpecError(
        "spec.strategy",
        "Rollout has missing field '.spec.strategy.canary or .spec.strategy.blueGreen'",
    )


def _selector_matches(selector: JSON, labels: JSON) -> bool:
    match_labels = _mapping(selector.get("matchLabels"), "spec.selector.matchLabels")
    if any(labels.get(k) != v for k, v in match_labels.items()):
        return False
    for expression in selector.get("matchExpressions") or ():
        value = labels.get(expression.get("key"))
        operator, values = expression.get("operator"), expression.get("values") or ()
        if (operator == "In" and value not in values) or (operator == "NotIn" and value in values):
            return False
        if (operator == "Exists") != (value is not None) and operator in ("Exists", "DoesNotExist"):
            return False
    return True


WORKLOAD_KINDS = {("apps", "Deployment")}


def parse_workload_ref(raw: Any) -> r.WorkloadRef:
    """spec.workloadRef: a Deployment of the Rollout's namespace."""
    field = "spec.workloadRef"
    ref = _mapping(raw, field)
    name = ref.get("name")
    if not name:
        raise SpecError(f"{field}.name", "Required value")
    api_version = str(ref.get("apiVersion") or "apps/v1")
    kind = str(ref.get("kind") or "Deployment")
    group = api_version.rpartition("/")[0]
    if (group, kind) not in WORKLOAD_KINDS:
        raise SpecError(field, f"workload of type {group}/{kind} is not supported")
    scale_down = str(ref.get("scaleDown") or r.ScaleDown.NEVER)
    if scale_down not in set(r.ScaleDown):
        raise SpecError(
            f"{field}.scaleDown",
            f'Unsupported value: "{scale_down}": supported values: "never", "onsuccess", '
            '"progressively"',
        )
    return r.WorkloadRef(str(name), api_version, kind, r.ScaleDown(scale_down))


def resolve_workload(spec: JSON, workload: JSON | None) -> JSON:
    """The spec with the referenced Deployment's template (and selector, when the Rollout
    has none) in place, as Argo's controller resolves it before every reconcile."""
    ref = parse_workload_ref(spec.get("workloadRef"))
    if spec.get("template"):
        raise SpecError("spec.template", "template must be empty for workload reference rollout")
    if workload is None:
        raise SpecError(
            "spec.workloadRef",
            f'Invalid value: "{ref.name}": deployments.apps "{ref.name}" not found',
        )
    found = _mapping(workload.get("spec"), "spec.workloadRef")
    resolved = {**spec, "template": found.get("template") or {}}
    if not spec.get("selector"):
        resolved["selector"] = found.get("selector") or {}
    return resolved


def _template(spec: JSON) -> tuple[JSON, JSON]:
    selector = _mapping(spec.get("selector"), "spec.selector")
    if not selector:
        raise SpecError("spec.selector", "Rollout has missing field '.spec.selector'")
    if not selector.get("matchLabels") and not selector.get("matchExpressions"):
        raise SpecError("spec.selector", "empty selector is invalid for deployment")
    template = _mapping(spec.get("template"), "spec.template")
    labels = _mapping(
        _mapping(template.get("metadata"), "spec.template.metadata").get("labels"),
        "spec.template.metadata.labels",
    )
    if not _selector_matches(selector, labels):
        raise SpecError(
            "spec.template.metadata.labels", "`selector` does not match template `labels`"
        )
    containers = _mapping(template.get("spec"), "spec.template.spec").get("containers")
    if not containers:
        raise SpecError("spec.template.spec.containers", "Required value")
    return selector, template


def parse_spec(spec: JSON) -> r.RolloutSpec:
    """The whole spec, validated (a workloadRef's template already resolved into it)."""
    selector, template = _template(spec)
    replicas = spec.get("replicas")
    min_ready = _int(spec.get("minReadySeconds"), "spec.minReadySeconds", default=0)
    deadline = _int(
        spec.get("progressDeadlineSeconds"), "spec.progressDeadlineSeconds", default=600
    )
    if deadline <= min_ready:
        raise SpecError("spec.progressDeadlineSeconds", "must be greater than minReadySeconds")
    strategy = _strategy(_mapping(spec.get("strategy"), "spec.strategy"))
    history = _int(spec.get("revisionHistoryLimit"), "spec.revisionHistoryLimit", default=10)
    if isinstance(strategy, r.BlueGreenStrategy):
        _check_blue_green(strategy, history)
    return r.RolloutSpec(
        replicas=None if replicas is None else _int(replicas, "spec.replicas"),
        selector=selector,
        template=template,
        strategy=strategy,
        min_ready_seconds=min_ready,
        revision_history_limit=history,
        progress_deadline_seconds=deadline,
        progress_deadline_abort=bool(spec.get("progressDeadlineAbort", False)),
        paused=bool(spec.get("paused", False)),
        restart_at=spec.get("restartAt") or None,
        workload_ref=parse_workload_ref(spec["workloadRef"]) if spec.get("workloadRef") else None,
    )


def _parse_time(value: Any) -> datetime.datetime:
    try:
        parsed = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return datetime.datetime.fromtimestamp(0, datetime.UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


def _object(value: Any) -> JSON:
    return value if isinstance(value, Mapping) else {}


def _objects(value: Any) -> tuple[JSON, ...]:
    items = value if isinstance(value, list | tuple) else ()
    return tuple(item for item in items if isinstance(item, Mapping))


def _count(value: Any) -> int | None:
    wanted = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    return value if wanted else None


def _text(value: Any) -> str | None:
    return str(value) if value else None


def parse_status(raw: Any) -> r.RolloutStatus:
    """The status as last written; anything unreadable reads as absent (never raises)."""
    status = _object(raw)
    weights = _object(_object(status.get("canary")).get("weights"))
    return r.RolloutStatus(
        current_pod_hash=str(status.get("currentPodHash") or ""),
        stable_rs=str(status.get("stableRS") or ""),
        current_step_hash=str(status.get("currentStepHash") or ""),
        current_step_index=_count(status.get("currentStepIndex")),
        pause_conditions=tuple(
            r.PauseCondition(str(p.get("reason", "")), _parse_time(p.get("startTime")))
            for p in _objects(status.get("pauseConditions"))
        ),
        controller_pause=status.get("controllerPause") is True,
        abort=status.get("abort") is True,
        aborted_at=_text(status.get("abortedAt")),
        promote_full=status.get("promoteFull") is True,
        observed_generation=str(status.get("observedGeneration") or ""),
        restarted_at=_text(status.get("restartedAt")),
        collision_count=_count(status.get("collisionCount")),
        canary_weight=_count(_object(weights.get("canary")).get("weight")),
        conditions=tuple(conditions.parse_condition(c) for c in _objects(status.get("conditions"))),
        raw=status,
    )


def _workload(workload: JSON | None) -> r.Workload | None:
    if workload is None:
        return None
    meta = _mapping(workload.get("metadata"), "metadata")
    spec = _mapping(workload.get("spec"), "spec")
    replicas = spec.get("replicas")
    return r.Workload(
        generation=int(meta.get("generation") or 1),
        replicas=replicas if isinstance(replicas, int) else 1,
    )


def parse_rollout(body: JSON, *, workload: JSON | None = None) -> r.Rollout:
    """A Rollout from its manifest; raises SpecError for anything Argo would call invalid.

    `workload` is the Deployment its spec.workloadRef names (None when there is none).
    """
    meta = _mapping(body.get("metadata"), "metadata")
    spec = _mapping(body.get("spec"), "spec")
    if spec.get("workloadRef") is not None:
        spec = resolve_workload(spec, workload)
        body = {**body, "spec": spec}
    return r.Rollout(
        name=str(meta.get("name", "")),
        namespace=str(meta.get("namespace") or "default"),
        uid=str(meta.get("uid", "")),
        generation=int(meta.get("generation") or 1),
        resource_version=str(meta.get("resourceVersion", "")),
        labels=dict(meta.get("labels") or {}),
        annotations=dict(meta.get("annotations") or {}),
        deleting="deletionTimestamp" in meta,
        raw=body,
        spec=parse_spec(spec),
        status=parse_status(body.get("status")),
        workload=_workload(workload) if spec.get("workloadRef") is not None else None,
    )
