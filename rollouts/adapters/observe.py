"""CachedObserver: the Observed snapshot of a Rollout, read from the watch-fed caches.

A referenced Service or stable Ingress that does not exist, or does not fit the Rollout, is a
SpecError (Argo's InvalidSpec), so the Rollout says so instead of acting half-blind.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Mapping
from typing import Any

from rollouts import errors, model
from rollouts.adapters import cache, nginx
from rollouts.core import observed as obs
from rollouts.core import restart
from rollouts.model import analysis_status

CANARY = "spec.strategy.canary"
BLUE_GREEN = "spec.strategy.blueGreen"


def _deadline(value: Any) -> datetime.datetime | None:
    if not value:
        return None
    try:
        return datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _ephemeral(value: Any) -> model.PodMetadata | None:
    """The ephemeral-metadata annotation; one that does not parse counts as none."""
    if not value:
        return None
    try:
        return model.parse_pod_metadata(json.loads(str(value)), obs.EPHEMERAL_METADATA)
    except (ValueError, errors.SpecError):
        return None


def to_replica_set_state(body: Mapping[str, Any]) -> obs.ReplicaSetState:
    """The fields of a ReplicaSet the planner reads."""
    meta, spec, status = body["metadata"], body.get("spec") or {}, body.get("status") or {}
    labels = meta.get("labels") or {}
    annotations = meta.get("annotations") or {}
    template = dict(spec.get("template") or {})
    template_meta = dict(template.get("metadata") or {})
    template_meta["labels"] = {
        k: v for k, v in (template_meta.get("labels") or {}).items() if k != obs.HASH_LABEL
    }
    template["metadata"] = template_meta
    revision = str(annotations.get(obs.REVISION, "0"))
    return obs.ReplicaSetState(
        name=meta["name"],
        pod_hash=str(labels.get(obs.HASH_LABEL, "")),
        spec_replicas=int(spec.get("replicas", 1)),
        replicas=int(status.get("replicas", 0)),
        ready=int(status.get("readyReplicas", 0)),
        available=int(status.get("availableReplicas", 0)),
        revision=int(revision) if revision.isdigit() else 0,
        revision_history=str(annotations.get(obs.REVISION_HISTORY, "")),
        created=str(meta.get("creationTimestamp", "")),
        scale_down_deadline=_deadline(annotations.get(obs.SCALE_DOWN_DEADLINE)),
        template=template,
        deleting="deletionTimestamp" in meta,
        ephemeral=_ephemeral(annotations.get(obs.EPHEMERAL_METADATA)),
    )


def to_pod_state(body: Mapping[str, Any]) -> obs.PodState:
    meta = body["metadata"]
    conditions = (body.get("status") or {}).get("conditions") or ()
    return obs.PodState(
        name=meta["name"],
        created=_deadline(meta.get("creationTimestamp"))
        or datetime.datetime.min.replace(tzinfo=datetime.UTC),
        ready=any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions),
        deleting="deletionTimestamp" in meta,
    )


def to_run_state(body: Mapping[str, Any]) -> obs.RunState:
    meta, status = body["metadata"], body.get("status") or {}
    return obs.RunState(
        name=meta["name"],
        phase=analysis_status.parse_phase(status.get("phase")),
        message=str(status.get("message") or ""),
        pod_hash=str((meta.get("labels") or {}).get(obs.HASH_LABEL, "")),
        terminating=bool((body.get("spec") or {}).get("terminate")),
        created=str(meta.get("creationTimestamp", "")),
    )


def _analyses(rollout: model.Rollout) -> list[tuple[str, model.RolloutAnalysis]]:
    """Every analysis the Rollout may start, with the field that names it."""
    canary, blue_green = rollout.canary, rollout.blue_green
    named: list[tuple[str, model.RolloutAnalysis]] = []
    if canary is not None:
        named.extend(
            (f"{CANARY}.steps[{i}].analysis", step.parsed)
            for i, step in enumerate(canary.steps)
            if isinstance(step, model.AnalysisStep) and step.parsed is not None
        )
        if canary.background is not None:
            named.append((f"{CANARY}.analysis", canary.background))
    if blue_green is not None:
        for key, analysis in (
            ("prePromotionAnalysis", blue_green.pre_promotion_analysis),
            ("postPromotionAnalysis", blue_green.post_promotion_analysis),
        ):
            if analysis is not None:
                named.append((f"{BLUE_GREEN}.{key}", analysis))
    return named


def _check_references(
    named: list[tuple[str, model.RolloutAnalysis]], found: Mapping[model.TemplateRef, Any]
) -> None:
    """Every template an analysis names exists (Argo checks first)."""
    for field, analysis in named:
        for ref in analysis.templates:
            if ref not in found:
                kind = "ClusterAnalysisTemplate" if ref.cluster_scope else "AnalysisTemplate"
                raise errors.SpecError(
                    f"{field}.templates", f"{kind} '{ref.template_name}' not found"
                )


PodLister = Callable[[str, Mapping[str, Any]], list[Mapping[str, Any]]]


class CachedObserver:
    """Implements ports.Observer over the controller's caches.

    Pods are not watched (a cluster has many); they are listed only while a Rollout is being
    restarted (spec.restartAt), which is rare and short.
    """

    def __init__(self, caches: cache.Caches, pods: PodLister | None = None) -> None:
        self.caches = caches
        self.pods = pods

    def get_rollout(self, namespace: str, name: str) -> Mapping[str, Any] | None:
        return self.caches.rollouts.get(namespace, name)

    def get_workload(self, namespace: str, name: str) -> Mapping[str, Any] | None:
        return self.caches.deployments.get(namespace, name)

    def get_analysis_run(self, namespace: str, name: str) -> Mapping[str, Any] | None:
        return self.caches.analysis_runs.get(namespace, name)

    def observe(self, rollout: model.Rollout) -> obs.Observed:
        replica_sets = tuple(
            to_replica_set_state(rs)
            for rs in self.caches.replica_sets.owned_by(rollout.uid)
            if any(
                r.get("controller") and r.get("uid") == rollout.uid
                for r in rs["metadata"].get("ownerReferences") or ()
            )
        )
        services = self._services(rollout)
        ingresses, weight = self._ingresses(rollout, rollout.canary)
        return obs.Observed(
            replica_sets=replica_sets,
            services=services,
            stable_ingresses=ingresses,
            canary_weight=weight,
            pods=self._pods(rollout, replica_sets),
            analysis_runs=self._runs(rollout),
            templates=self._templates(rollout),
        )

    def _services(self, rollout: model.Rollout) -> dict[str, obs.ServiceState | None]:
        canary, blue_green = rollout.canary, rollout.blue_green
        named: list[tuple[str | None, str]] = []
        if canary is not None:
            named = [
                (canary.stable_service, f"{CANARY}.stableService"),
                (canary.canary_service, f"{CANARY}.canaryService"),
            ]
        elif blue_green is not None:
            named = [
                (blue_green.active_service, f"{BLUE_GREEN}.activeService"),
                (blue_green.preview_service, f"{BLUE_GREEN}.previewService"),
            ]
        return {name: self._service(rollout, name, field) for name, field in named if name}

    def _runs(self, rollout: model.Rollout) -> tuple[obs.RunState, ...]:
        return tuple(to_run_state(run) for run in self.caches.analysis_runs.owned_by(rollout.uid))

    def _templates(
        self, rollout: model.Rollout
    ) -> dict[model.TemplateRef, model.AnalysisTemplateSpec]:
        """Every template the Rollout may reach (nested references included), parsed."""
        named = _analyses(rollout)
        if not named:
            return {}
        found: dict[model.TemplateRef, model.AnalysisTemplateSpec] = {}
        sources = (
            (self.caches.analysis_templates, False),
            (self.caches.cluster_analysis_templates, True),
        )
        for source, cluster_scope in sources:
            for body in source.all():
                if not cluster_scope and body["metadata"].get("namespace") != rollout.namespace:
                    continue
                ref = model.TemplateRef(body["metadata"]["name"], cluster_scope)
                try:
                    found[ref] = model.parse_template(body).spec
                except errors.SpecError:
                    continue  # a broken template reads as missing; the Rollout says which
        _check_references(named, found)
        return found

    def _pods(
        self, rollout: model.Rollout, replica_sets: tuple[obs.ReplicaSetState, ...]
    ) -> tuple[obs.PodState, ...]:
        if self.pods is None or not restart.is_pending(rollout):
            return ()
        ours = {rs.name for rs in replica_sets}
        listed = self.pods(rollout.namespace, rollout.spec.selector)
        return tuple(
            to_pod_state(pod)
            for pod in listed
            if any(r.get("name") in ours for r in pod["metadata"].get("ownerReferences") or ())
        )

    def _service(self, rollout: model.Rollout, name: str, field: str) -> obs.ServiceState:
        body = self.caches.services.get(rollout.namespace, name)
        if body is None:
            raise errors.SpecError(field, f'Invalid value: "{name}": services "{name}" not found')
        meta = body["metadata"]
        managed_by = (meta.get("annotations") or {}).get(obs.MANAGED_BY)
        if managed_by and managed_by != rollout.name:
            raise errors.SpecError(field, f'Service "{name}" is managed by another Rollout')
        selector = dict((body.get("spec") or {}).get("selector") or {})
        labels = ((rollout.spec.template.get("metadata") or {}).get("labels")) or {}
        for key, value in selector.items():
            if key != obs.HASH_LABEL and labels.get(key) != value:
                raise errors.SpecError(
                    field, f'Service "{name}" has unmatch label "{key}" in rollout'
                )
        return obs.ServiceState(name=name, selector=selector, managed_by=managed_by)

    def _ingresses(
        self, rollout: model.Rollout, strategy: model.CanaryStrategy | None
    ) -> tuple[dict[str, Mapping[str, Any] | None], int | None]:
        routing = strategy.traffic_routing if strategy else None
        if strategy is None or routing is None or routing.nginx is None:
            return {}, None
        found: dict[str, Mapping[str, Any] | None] = {}
        weight = None
        for name in routing.nginx.stable_ingresses:
            field = f"{CANARY}.trafficRouting.nginx.stableIngress"
            body = self.caches.ingresses.get(rollout.namespace, name)
            if body is None:
                raise errors.SpecError(
                    field,
                    f'Invalid value: "{name}": ingresses.networking.k8s.io "{name}" not found',
                )
            if not nginx.stable_ingress_has_service(body, str(strategy.stable_service)):
                raise errors.SpecError(
                    field,
                    f"ingress `{name}` has no rules using service "
                    f"{strategy.stable_service} backend",
                )
            found[name] = body
            canary = self.caches.ingresses.get(
                rollout.namespace, nginx.canary_ingress_name(rollout.name, name)
            )
            if canary is not None and weight is None:
                weight = nginx.read_weight(canary, routing.nginx.annotation_prefix)
        return found, weight
