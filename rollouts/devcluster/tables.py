"""Server-side printing: the meta.k8s.io/v1 Table an apiserver answers for `as=Table` (pure).

kubectl get asks for tables and prints the cells it is given, so the columns, cell types and
cell text follow kube-apiserver 1.32's printers for built-in kinds and the apiextensions
server's for custom resources. Ages are measured against a `now` argument; the clock is never
read here. Column descriptions are our own short wording; clients do not show them.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from rollouts.devcluster import selectors

JSON = dict[str, Any]
CellFn = Callable[[Mapping[str, Any], datetime], Any]


class TableError(ValueError):
    """A table request the apiserver rejects with 400 Bad Request; the text is its message."""


# --------------------------------------------------------------------------- small readers


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _at(obj: Any, *keys: str) -> Any:
    for key in keys:
        obj = _dict(obj).get(key)
    return obj


def _int(value: Any, default: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    return int(value)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _or_none(value: Any) -> str:
    return _text(value) or "<none>"


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return _dict(obj.get("metadata"))


def _spec(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return _dict(obj.get("spec"))


def _status(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return _dict(obj.get("status"))


# --------------------------------------------------------------------------- time

# RFC 3339 as Go's time.Parse accepts it: a "T", seconds, optional fraction, and a zone.
_RFC3339 = re.compile(
    r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})",
)


def parse_timestamp(value: Any) -> datetime | None:
    """An RFC 3339 timestamp as an aware UTC datetime, or None when absent or malformed."""
    match = _RFC3339.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return None
    whole, fraction, zone = match.groups()
    # Python takes at most microseconds; Go may write nanoseconds.
    text = whole + (f".{fraction[:6]:0<6}" if fraction else "") + zone.replace("Z", "+00:00")
    try:
        return datetime.fromisoformat(text).astimezone(UTC)
    except ValueError:
        return None


def _two_units(big: int, big_unit: str, small: int, small_unit: str) -> str:
    return f"{big}{big_unit}" if small == 0 else f"{big}{big_unit}{small}{small_unit}"


def _human_hours(hours: int) -> str:
    """HumanDuration from 8 hours on, where minutes no longer show."""
    days = hours // 24
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return _two_units(days, "d", hours % 24, "h")
    if hours < 24 * 365 * 2:
        return f"{days}d"
    if hours < 24 * 365 * 8:
        return _two_units(days // 365, "y", days % 365, "d")
    return f"{days // 365}y"


def human_duration(delta: timedelta) -> str:
    """A duration as kube's duration.HumanDuration writes it: two significant units at most.

    Under 2 minutes in seconds ("119s"); under 10 minutes "5m30s"; under 3 hours "45m"; under
    8 hours "3h15m"; under 2 days "30h"; under 8 days "3d5h"; under 2 years "45d"; under 8
    years "3y45d"; then "10y". Less than 2s in the future reads "0s", more "<invalid>".
    """
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    # Go converts with int(), which truncates toward zero.
    seconds = micros // 1_000_000 if micros >= 0 else -(-micros // 1_000_000)
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        return _two_units(minutes, "m", seconds % 60, "s")
    if minutes < 180:
        return f"{minutes}m"
    if minutes < 8 * 60:
        return _two_units(minutes // 60, "h", minutes % 60, "m")
    return _human_hours(minutes // 60)


def age(timestamp: Any, now: datetime) -> str:
    """Time since an RFC 3339 timestamp as HumanDuration, or "<unknown>" without one."""
    when = parse_timestamp(timestamp)
    return "<unknown>" if when is None else human_duration(now - when)


def _created_at(obj: Mapping[str, Any]) -> str:
    # Go formats the zero time when there is no timestamp.
    when = parse_timestamp(_meta(obj).get("creationTimestamp"))
    return "0001-01-01T00:00:00Z" if when is None else when.strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------- columns


@dataclasses.dataclass(frozen=True)
class Column:
    """One column of a table: its definition and how to compute its cell for an object."""

    name: str
    cell: CellFn
    type: str = "string"
    priority: int = 0
    format: str = ""
    description: str = ""

    def definition(self) -> JSON:
        return {
            "name": self.name,
            "type": self.type,
            "format": self.format,
            "description": self.description,
            "priority": self.priority,
        }


def _wide(name: str, cell: CellFn, description: str) -> Column:
    """A column kubectl shows only with `-o wide` (priority 1)."""
    return Column(name, cell, priority=1, description=description)


NAME = Column(
    "Name",
    lambda obj, _: _text(_meta(obj).get("name")),
    format="name",
    description="Name of the object, unique among objects of its kind in its namespace.",
)
AGE = Column(
    "Age",
    lambda obj, now: age(_meta(obj).get("creationTimestamp"), now),
    description="Time since the object was created.",
)


# --------------------------------------------------------------------------- pods


@dataclasses.dataclass
class _PodTally:
    """What printing a pod accumulates while walking its container statuses."""

    reason: str
    ready: int = 0
    restarts: int = 0
    last_restart: datetime | None = None
    sidecar_restarts: int = 0
    sidecar_last_restart: datetime | None = None
    initializing: bool = False


@dataclasses.dataclass(frozen=True)
class PodSummary:
    """What kubectl shows of a pod in READY (ready/total), STATUS and RESTARTS."""

    ready: int
    total: int
    reason: str
    restarts: int
    last_restart: datetime | None


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None or b is None:
        return a or b
    return max(a, b)


def _condition_status(status: Mapping[str, Any], kind: Any) -> Any:
    for condition in _list(status.get("conditions")):
        if _dict(condition).get("type") == kind:
            return _dict(condition).get("status")
    return None


def _is_sidecar(container: Any) -> bool:
    """An init container with restartPolicy Always keeps running beside the app containers."""
    return _dict(container).get("restartPolicy") == "Always"


def _first_reason(status: Mapping[str, Any]) -> str:
    reason = _text(status.get("reason")) or _text(status.get("phase"))
    gated = any(
        _dict(c).get("type") == "PodScheduled" and _dict(c).get("reason") == "SchedulingGated"
        for c in _list(status.get("conditions"))
    )
    return "SchedulingGated" if gated else reason


def _add_restarts(tally: _PodTally, container: Mapping[str, Any], *, sidecar: bool) -> None:
    count = _int(container.get("restartCount"))
    finished = parse_timestamp(_at(container, "lastState", "terminated", "finishedAt"))
    tally.restarts += count
    tally.last_restart = _later(tally.last_restart, finished)
    if sidecar:
        tally.sidecar_restarts += count
        tally.sidecar_last_restart = _later(tally.sidecar_last_restart, finished)


def _terminated_reason(terminated: Mapping[str, Any]) -> str:
    if terminated.get("reason"):
        return _text(terminated["reason"])
    signal = _int(terminated.get("signal"))
    return f"Signal:{signal}" if signal else f"ExitCode:{_int(terminated.get('exitCode'))}"


def _init_reason(state: Mapping[str, Any], index: int, count: int) -> str:
    if isinstance(state.get("terminated"), Mapping):
        return "Init:" + _terminated_reason(state["terminated"])
    waiting = _text(_at(state, "waiting", "reason"))
    if waiting and waiting != "PodInitializing":
        return "Init:" + waiting
    return f"Init:{index}/{count}"


def _exited_cleanly(state: Mapping[str, Any]) -> bool:
    terminated = state.get("terminated")
    return isinstance(terminated, Mapping) and _int(terminated.get("exitCode")) == 0


def _tally_init(tally: _PodTally, spec: Mapping[str, Any], status: Mapping[str, Any]) -> None:
    """Walk init containers up to the first unfinished one, which names the pod's status."""
    specs = _list(spec.get("initContainers"))
    by_name = {_dict(c).get("name"): c for c in specs}
    for index, container in enumerate(map(_dict, _list(status.get("initContainerStatuses")))):
        sidecar = _is_sidecar(by_name.get(container.get("name")))
        _add_restarts(tally, container, sidecar=sidecar)
        state = _dict(container.get("state"))
        if _exited_cleanly(state):
            continue
        if sidecar and container.get("started") is True:
            tally.ready += int(container.get("ready") is True)
            continue
        tally.reason = _init_reason(state, index, len(specs))
        tally.initializing = True
        return


def _container_reason(state: Mapping[str, Any]) -> str:
    waiting = _text(_at(state, "waiting", "reason"))
    if waiting:
        return waiting
    terminated = state.get("terminated")
    return _terminated_reason(terminated) if isinstance(terminated, Mapping) else ""


def _tally_containers(tally: _PodTally, status: Mapping[str, Any]) -> None:
    # Sidecars count, finished init containers do not; the first container's reason wins.
    tally.restarts, tally.last_restart = tally.sidecar_restarts, tally.sidecar_last_restart
    running = False
    for container in map(_dict, reversed(_list(status.get("containerStatuses")))):
        _add_restarts(tally, container, sidecar=False)
        state = _dict(container.get("state"))
        reason = _container_reason(state)
        if reason:
            tally.reason = reason
        elif container.get("ready") is True and state.get("running") is not None:
            running = True
            tally.ready += 1
    if tally.reason == "Completed" and running:
        ready = _condition_status(status, "Ready") == "True"
        tally.reason = "Running" if ready else "NotReady"


def _final_reason(pod: Mapping[str, Any], reason: str) -> str:
    if _meta(pod).get("deletionTimestamp") is None:
        return reason
    status = _status(pod)
    if status.get("reason") == "NodeLost":
        return "Unknown"
    if status.get("phase") in ("Failed", "Succeeded"):
        return reason
    return "Terminating"


def pod_summary(pod: Mapping[str, Any]) -> PodSummary:
    """READY, STATUS and RESTARTS of a pod as kubectl get pods shows them (printPod)."""
    spec, status = _spec(pod), _status(pod)
    tally = _PodTally(reason=_first_reason(status))
    _tally_init(tally, spec, status)
    if not tally.initializing or _condition_status(status, "Initialized") == "True":
        _tally_containers(tally, status)
    sidecars = sum(1 for c in _list(spec.get("initContainers")) if _is_sidecar(c))
    return PodSummary(
        ready=tally.ready,
        total=len(_list(spec.get("containers"))) + sidecars,
        reason=_final_reason(pod, tally.reason),
        restarts=tally.restarts,
        last_restart=tally.last_restart,
    )


def _pod_restarts(pod: Mapping[str, Any], now: datetime) -> str:
    summary = pod_summary(pod)
    if summary.restarts and summary.last_restart is not None:
        return f"{summary.restarts} ({human_duration(now - summary.last_restart)} ago)"
    return str(summary.restarts)


def _pod_ip(pod: Mapping[str, Any], _now: datetime) -> str:
    status = _status(pod)
    ips = _list(status.get("podIPs"))
    return _or_none(_dict(ips[0]).get("ip") if ips else status.get("podIP"))


def _readiness_gates(pod: Mapping[str, Any], _now: datetime) -> str:
    gates = _list(_spec(pod).get("readinessGates"))
    if not gates:
        return "<none>"
    status = _status(pod)
    true = sum(
        1 for g in gates if _condition_status(status, _dict(g).get("conditionType")) == "True"
    )
    return f"{true}/{len(gates)}"


def _pod_ready(pod: Mapping[str, Any], _now: datetime) -> str:
    summary = pod_summary(pod)
    return f"{summary.ready}/{summary.total}"


def _pod_conditions(pod: Mapping[str, Any]) -> list[JSON]:
    """Row conditions that tell clients a pod has finished."""
    phase = _status(pod).get("phase")
    messages = {"Succeeded": "The pod has completed successfully.", "Failed": "The pod failed."}
    if phase not in messages:
        return []
    return [
        {"type": "Completed", "status": "True", "reason": phase, "message": messages[phase]},
    ]


_POD_COLUMNS = (
    NAME,
    Column("Ready", _pod_ready, description="Ready containers out of all containers."),
    Column(
        "Status",
        lambda pod, _: pod_summary(pod).reason,
        description="The phase, or the reason the containers give.",
    ),
    Column("Restarts", _pod_restarts, description="Container restarts, and the latest's age."),
    AGE,
    _wide("IP", _pod_ip, "The pod's first IP address."),
    _wide("Node", lambda pod, _: _or_none(_spec(pod).get("nodeName")), "The node it runs on."),
    _wide(
        "Nominated Node",
        lambda pod, _: _or_none(_status(pod).get("nominatedNodeName")),
        "The node the scheduler nominated for a preempting pod.",
    ),
    _wide("Readiness Gates", _readiness_gates, "Readiness gates that hold, out of all."),
)


# --------------------------------------------------------------------------- workloads


def _containers(obj: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [_dict(c) for c in _list(_at(obj, "spec", "template", "spec", "containers"))]


def _container_names(obj: Mapping[str, Any], _now: datetime) -> str:
    return ",".join(_text(c.get("name")) for c in _containers(obj))


def _container_images(obj: Mapping[str, Any], _now: datetime) -> str:
    return ",".join(_text(c.get("image")) for c in _containers(obj))


def _desired(obj: Mapping[str, Any]) -> int:
    # spec.replicas defaults to 1 on workloads.
    return _int(_spec(obj).get("replicas"), 1)


def _deployment_selector(obj: Mapping[str, Any], _now: datetime) -> str:
    # Deployments print the selector bare (empty stays ""), unlike ReplicaSets.
    selector = _spec(obj).get("selector")
    try:
        return selectors.label_selector_from_object(selector).to_string()
    except selectors.SelectorError:
        return "<invalid>"


def _status_count(field: str) -> CellFn:
    return lambda obj, _: _int(_status(obj).get(field))


_CONTAINERS = _wide("Containers", _container_names, "Names of the template's containers.")
_IMAGES = _wide("Images", _container_images, "Images of the template's containers.")

_DEPLOYMENT_COLUMNS = (
    NAME,
    Column(
        "Ready",
        lambda obj, _: f"{_int(_status(obj).get('readyReplicas'))}/{_desired(obj)}",
        description="Ready pods out of the desired replicas.",
    ),
    Column("Up-to-date", _status_count("updatedReplicas"), description="Pods of the template."),
    Column("Available", _status_count("availableReplicas"), description="Available pods."),
    AGE,
    _CONTAINERS,
    _IMAGES,
    _wide("Selector", _deployment_selector, "The label selector of its pods."),
)

_REPLICASET_COLUMNS = (
    NAME,
    Column(
        "Desired",
        lambda obj, _: _desired(obj),
        type="integer",
        description="Desired replicas.",
    ),
    Column("Current", _status_count("replicas"), type="integer", description="Current pods."),
    Column("Ready", _status_count("readyReplicas"), type="integer", description="Ready pods."),
    AGE,
    _CONTAINERS,
    _IMAGES,
    _wide(
        "Selector",
        lambda obj, _: selectors.format_label_selector(_spec(obj).get("selector")),
        "The label selector of its pods.",
    ),
)


# --------------------------------------------------------------------------- networking


def _load_balancer(status: Any) -> list[str]:
    """Ingress points of a load balancer: IP, else hostname; sorted, without repeats."""
    points = set()
    for entry in map(_dict, _list(_at(status, "loadBalancer", "ingress"))):
        point = _text(entry.get("ip")) or _text(entry.get("hostname"))
        if point:
            points.add(point)
    return sorted(points)


def _service_type(svc: Mapping[str, Any]) -> str:
    return _text(_spec(svc).get("type")) or "ClusterIP"


def _cluster_ip(svc: Mapping[str, Any], _now: datetime) -> str:
    spec = _spec(svc)
    ips = _list(spec.get("clusterIPs"))
    return _or_none(ips[0] if ips else spec.get("clusterIP"))


def _external_ip(svc: Mapping[str, Any], _now: datetime) -> str:
    spec, kind = _spec(svc), _service_type(svc)
    external = [_text(ip) for ip in _list(spec.get("externalIPs"))]
    if kind in ("ClusterIP", "NodePort"):
        return ",".join(external) or "<none>"
    if kind == "LoadBalancer":
        return ",".join(_load_balancer(_status(svc)) + external) or "<pending>"
    if kind == "ExternalName":
        return _text(spec.get("externalName"))
    return "<unknown>"


def _service_ports(svc: Mapping[str, Any], _now: datetime) -> str:
    pieces = []
    for port in map(_dict, _list(_spec(svc).get("ports"))):
        protocol = _text(port.get("protocol")) or "TCP"
        node_port = _int(port.get("nodePort"))
        middle = f":{node_port}" if node_port > 0 else ""
        pieces.append(f"{_int(port.get('port'))}{middle}/{protocol}")
    return ",".join(pieces) or "<none>"


def _format_labels(labels: Any) -> str:
    pairs = sorted(_dict(labels).items())
    return ",".join(f"{k}={v}" for k, v in pairs) or "<none>"


_SERVICE_COLUMNS = (
    NAME,
    Column("Type", lambda svc, _: _service_type(svc), description="How it is exposed."),
    Column("Cluster-IP", _cluster_ip, description="The virtual IP inside the cluster."),
    Column("External-IP", _external_ip, description="Addresses outside the cluster."),
    Column("Port(s)", _service_ports, description="Ports, with node ports, and protocols."),
    AGE,
    _wide(
        "Selector",
        lambda svc, _: _format_labels(_spec(svc).get("selector")),
        "The labels of the pods it routes to.",
    ),
)


def _ingress_hosts(ing: Mapping[str, Any], _now: datetime) -> str:
    # The first three hosts, then a count of the remaining rules.
    rules = _list(_spec(ing).get("rules"))
    shown: list[str] = []
    more = False
    for rule in rules:
        more = more or len(shown) == 3
        host = _text(_dict(rule).get("host"))
        if not more and host:
            shown.append(host)
    if not shown:
        return "*"
    text = ",".join(shown)
    return f"{text} + {len(rules) - 3} more..." if more else text


def _ingress_class(ing: Mapping[str, Any], _now: datetime) -> str:
    name = _spec(ing).get("ingressClassName")
    return "<none>" if name is None else _text(name)


_INGRESS_COLUMNS = (
    NAME,
    Column("Class", _ingress_class, description="The IngressClass that serves it."),
    Column("Hosts", _ingress_hosts, description="Hosts its rules match."),
    Column(
        "Address",
        lambda ing, _: ",".join(_load_balancer(_status(ing))),
        description="Where the load balancer listens.",
    ),
    Column(
        "Ports",
        lambda ing, _: "80, 443" if _list(_spec(ing).get("tls")) else "80",
        description="Ports it opens; 443 with TLS.",
    ),
    AGE,
)


def _host_port(ip: str, port: int) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def _endpoint_groups(subset: Mapping[str, Any]) -> list[list[str]]:
    ips = [_text(_dict(a).get("ip")) for a in _list(subset.get("addresses"))]
    ports = [_int(_dict(p).get("port")) for p in _list(subset.get("ports"))]
    if not ports:
        return [ips]
    return [[_host_port(ip, port) for ip in ips] for port in ports]


def _endpoints(ep: Mapping[str, Any], _now: datetime) -> str:
    # The first three ready addresses, then a count of the rest.
    subsets = _list(ep.get("subsets"))
    if not subsets:
        return "<none>"
    shown: list[str] = []
    count, more = 0, False
    for subset in subsets:
        for group in _endpoint_groups(_dict(subset)):
            count += len(group)
            room = 3 - len(shown)
            more = more or len(group) > room
            shown += group[:room]
    text = ",".join(shown)
    return f"{text} + {count - 3} more..." if more else text


_ENDPOINTS_COLUMNS = (
    NAME,
    Column("Endpoints", _endpoints, description="Ready addresses with their ports."),
    AGE,
)


# --------------------------------------------------------------------------- events


def _event_first_seen(event: Mapping[str, Any], now: datetime) -> str:
    if parse_timestamp(event.get("firstTimestamp")) is not None:
        return age(event.get("firstTimestamp"), now)
    return age(event.get("eventTime"), now)


def _event_last_seen(event: Mapping[str, Any], now: datetime) -> str:
    if isinstance(event.get("series"), Mapping):
        return age(_at(event, "series", "lastObservedTime"), now)
    if parse_timestamp(event.get("lastTimestamp")) is not None:
        return age(event.get("lastTimestamp"), now)
    return _event_first_seen(event, now)


def _event_count(event: Mapping[str, Any], _now: datetime) -> int:
    if isinstance(event.get("series"), Mapping):
        return _int(_at(event, "series", "count"))
    # Events written through events.k8s.io leave count unset; each stands for one.
    return _int(event.get("count")) or 1


def _event_object(event: Mapping[str, Any], _now: datetime) -> str:
    involved = _dict(event.get("involvedObject"))
    kind, name = _text(involved.get("kind")).lower(), _text(involved.get("name"))
    return f"{kind}/{name}" if name else kind


def _event_source(event: Mapping[str, Any], _now: datetime) -> str:
    source = _dict(event.get("source"))
    component = _text(source.get("component")) or _text(event.get("reportingComponent"))
    instance = _text(source.get("host")) or _text(event.get("reportingInstance"))
    return f"{component}, {instance}" if instance else component


# events.k8s.io/v1 names for the core/v1 fields the printer reads; the apiserver prints both
# from one internal type.
_EVENTS_V1_FIELDS = {
    "regarding": "involvedObject",
    "note": "message",
    "deprecatedFirstTimestamp": "firstTimestamp",
    "deprecatedLastTimestamp": "lastTimestamp",
    "deprecatedCount": "count",
    "deprecatedSource": "source",
    "reportingController": "reportingComponent",
}


def _as_core_event(event: Mapping[str, Any]) -> Mapping[str, Any]:
    """An event with core/v1 field names, whichever API group it was read through."""
    if not _text(event.get("apiVersion")).startswith("events.k8s.io/"):
        return event
    return {_EVENTS_V1_FIELDS.get(key, key): value for key, value in event.items()}


def _field(*keys: str) -> CellFn:
    return lambda obj, _: _text(_at(obj, *keys))


_EVENT_COLUMNS = (
    Column("Last Seen", _event_last_seen, description="Time since it was last seen."),
    Column("Type", _field("type"), description="Normal or Warning."),
    Column("Reason", _field("reason"), description="Why it happened, in one word."),
    Column("Object", _event_object, description="The object it is about, kind/name."),
    _wide("Subobject", _field("involvedObject", "fieldPath"), "The part of the object."),
    _wide("Source", _event_source, "The component that reported it."),
    Column(
        "Message",
        lambda event, _: _text(event.get("message")).strip(),
        description="What happened, for people.",
    ),
    _wide("First Seen", _event_first_seen, "Time since it was first seen."),
    _wide("Count", _event_count, "How many times it happened."),
    Column("Name", NAME.cell, priority=1, format="name", description=NAME.description),
)


# --------------------------------------------------------------------------- rbac


def _role_ref(binding: Mapping[str, Any], _now: datetime) -> str:
    ref = _dict(binding.get("roleRef"))
    return f"{_text(ref.get('kind'))}/{_text(ref.get('name'))}"


def _subjects(kind: str) -> CellFn:
    """Names of a binding's subjects of one kind; service accounts as namespace/name."""

    def cell(binding: Mapping[str, Any], _now: datetime) -> str:
        names = []
        for subject in map(_dict, _list(binding.get("subjects"))):
            if subject.get("kind") != kind:
                continue
            name = _text(subject.get("name"))
            if kind == "ServiceAccount":
                name = f"{_text(subject.get('namespace'))}/{name}"
            names.append(name)
        return ", ".join(names)

    return cell


_BINDING_COLUMNS = (
    NAME,
    Column("Role", _role_ref, description="The role it grants, kind/name."),
    AGE,
    _wide("Users", _subjects("User"), "Users it binds."),
    _wide("Groups", _subjects("Group"), "Groups it binds."),
    _wide("ServiceAccounts", _subjects("ServiceAccount"), "Service accounts it binds."),
)


def _ingress_class_parameters(ic: Mapping[str, Any], _now: datetime) -> str:
    parameters = _spec(ic).get("parameters")
    if not isinstance(parameters, Mapping):
        return "<none>"
    kind = _text(parameters.get("kind"))
    if parameters.get("apiGroup") is not None:
        kind += "." + _text(parameters.get("apiGroup"))
    return f"{kind}/{_text(parameters.get('name'))}"


_INGRESS_CLASS_COLUMNS = (
    NAME,
    Column("Controller", _field("spec", "controller"), description="Who implements it."),
    Column("Parameters", _ingress_class_parameters, description="Its parameters object."),
    AGE,
)

# Kinds without a printer of their own (roles, CRDs) get the apiserver's default table.
_DEFAULT_COLUMNS = (
    NAME,
    Column(
        "Created At",
        lambda obj, _: _created_at(obj),
        type="date",
        description="When the object was created, in RFC 3339.",
    ),
)


# --------------------------------------------------------------------------- batch


def _has_condition(obj: Mapping[str, Any], kind: str) -> bool:
    return bool(_condition_status(_status(obj), kind) == "True")


def _job_status(job: Mapping[str, Any], _now: datetime) -> str:
    # the first that holds, in the order kubectl's printer checks them
    for kind in ("Complete", "Failed"):
        if _has_condition(job, kind):
            return kind
    if _meta(job).get("deletionTimestamp"):
        return "Terminating"
    for kind in ("Suspended", "FailureTarget", "SuccessCriteriaMet"):
        if _has_condition(job, kind):
            return kind
    return "Running"


def _job_completions(job: Mapping[str, Any], _now: datetime) -> str:
    succeeded = _int(_status(job).get("succeeded"))
    if _spec(job).get("completions") is not None:
        return f"{succeeded}/{_int(_spec(job).get('completions'))}"
    parallelism = _int(_spec(job).get("parallelism"))
    return f"{succeeded}/1 of {parallelism}" if parallelism > 1 else f"{succeeded}/1"


def _job_duration(job: Mapping[str, Any], now: datetime) -> str:
    start = parse_timestamp(_status(job).get("startTime"))
    if start is None:
        return ""
    end = parse_timestamp(_status(job).get("completionTime"))
    return human_duration((end or now) - start)


def _selector_cell(*keys: str) -> CellFn:
    return lambda obj, _: selectors.format_label_selector(_at(obj, *keys))


def _job_template_containers(obj: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    path = ("spec", "jobTemplate", "spec", "template", "spec", "containers")
    return [_dict(c) for c in _list(_at(obj, *path))]


_JOB_COLUMNS = (
    NAME,
    Column("Status", _job_status, description="Status of the job."),
    Column("Completions", _job_completions, description="The completion status of the job."),
    Column("Duration", _job_duration, description="Time required to complete the job."),
    AGE,
    _CONTAINERS,
    _IMAGES,
    _wide("Selector", _selector_cell("spec", "selector"), "The label selector of its pods."),
)


def _bool_pointer(value: Any) -> str:
    return "<unset>" if value is None else ("True" if value else "False")


def _last_schedule(cronjob: Mapping[str, Any], now: datetime) -> str:
    last = _status(cronjob).get("lastScheduleTime")
    return age(last, now) if last else "<none>"


_CRONJOB_COLUMNS = (
    NAME,
    Column("Schedule", _field("spec", "schedule"), description="The cron schedule."),
    Column(
        "Timezone",
        lambda cj, _: _text(_spec(cj).get("timeZone")) or "<none>",
        description="The time zone of the schedule.",
    ),
    Column(
        "Suspend",
        lambda cj, _: _bool_pointer(_spec(cj).get("suspend")),
        description="Whether later runs are suspended.",
    ),
    Column(
        "Active",
        lambda cj, _: len(_list(_status(cj).get("active"))),
        type="integer",
        description="The number of running jobs.",
    ),
    Column("Last Schedule", _last_schedule, description="When a job was last scheduled."),
    AGE,
    _wide(
        "Containers",
        lambda cj, _: ",".join(_text(c.get("name")) for c in _job_template_containers(cj)),
        "Names of the job template's containers.",
    ),
    _wide(
        "Images",
        lambda cj, _: ",".join(_text(c.get("image")) for c in _job_template_containers(cj)),
        "Images of the job template's containers.",
    ),
    _wide(
        "Selector",
        _selector_cell("spec", "jobTemplate", "spec", "selector"),
        "The label selector of its jobs' pods.",
    ),
)


# --------------------------------------------------------------------------- other built-ins


def _count(*fields: str) -> CellFn:
    return lambda obj, _: sum(len(_dict(obj.get(f)) or _list(obj.get(f))) for f in fields)


_PRINTERS: Mapping[str, tuple[Column, ...]] = MappingProxyType(
    {
        "pods": _POD_COLUMNS,
        "deployments": _DEPLOYMENT_COLUMNS,
        "replicasets": _REPLICASET_COLUMNS,
        "jobs": _JOB_COLUMNS,
        "cronjobs": _CRONJOB_COLUMNS,
        "services": _SERVICE_COLUMNS,
        "ingresses": _INGRESS_COLUMNS,
        "endpoints": _ENDPOINTS_COLUMNS,
        "events": _EVENT_COLUMNS,
        "namespaces": (
            NAME,
            Column(
                "Status",
                lambda ns, _: _text(_status(ns).get("phase")) or "Active",
                description="Active, or Terminating while its contents are deleted.",
            ),
            AGE,
        ),
        "configmaps": (
            NAME,
            Column("Data", _count("data", "binaryData"), description="Number of keys."),
            AGE,
        ),
        "secrets": (
            NAME,
            Column(
                "Type",
                lambda secret, _: _text(secret.get("type")) or "Opaque",
                description="What the data is for.",
            ),
            Column("Data", _count("data"), description="Number of keys."),
            AGE,
        ),
        "serviceaccounts": (
            NAME,
            Column("Secrets", _count("secrets"), description="Number of secrets listed."),
            AGE,
        ),
        "leases": (
            NAME,
            Column("Holder", _field("spec", "holderIdentity"), description="Who holds it."),
            AGE,
        ),
        "rolebindings": _BINDING_COLUMNS,
        "clusterrolebindings": _BINDING_COLUMNS,
        "ingressclasses": _INGRESS_CLASS_COLUMNS,
    }
)

BUILTIN_RESOURCES: frozenset[str] = frozenset(_PRINTERS)

_ROW_CONDITIONS: Mapping[str, Callable[[Mapping[str, Any]], list[JSON]]] = {
    "pods": _pod_conditions,
}
_VIEWS: Mapping[str, Callable[[Mapping[str, Any]], Mapping[str, Any]]] = {
    "events": _as_core_event,
}


# --------------------------------------------------------------------------- JSONPath

Step = Callable[[list[Any]], list[Any]]
Operand = Callable[[Any], list[Any]]


class JsonPathError(ValueError):
    """A printer-column JSONPath outside the subset we evaluate."""


class _EvalError(Exception):
    """Evaluation failed where kube's jsonpath fails; the cell is then null."""


def _run(steps: Sequence[Step], nodes: list[Any]) -> list[Any]:
    for step in steps:
        nodes = step(nodes)
    return nodes


def _field_step(name: str) -> Step:
    def step(nodes: list[Any]) -> list[Any]:
        return [node[name] for node in nodes if isinstance(node, dict) and name in node]

    return step


def _wildcard(nodes: list[Any]) -> list[Any]:
    return [value for node in nodes if isinstance(node, dict) for value in node.values()]


@dataclasses.dataclass(frozen=True)
class _Slice:
    """`[i]`, `[a:b]`, `[a:b:c]` and `[*]`, with the bounds rules of kube's jsonpath."""

    start: int | None
    end: int | None
    end_derived: bool
    step: int | None

    def __call__(self, nodes: list[Any]) -> list[Any]:
        found: list[Any] = []
        for node in nodes:
            if node is None:
                continue
            if not isinstance(node, list):
                raise _EvalError
            bounds = self._bounds(len(node))
            if bounds is None:
                # kube stops at the first empty selection, dropping later nodes too.
                return found
            found += node[bounds[0] : bounds[1] : self._stride()]
        return found

    def _stride(self) -> int:
        if self.step is None:
            return 1
        if self.step <= 0:
            raise _EvalError
        return self.step

    def _bounds(self, length: int) -> tuple[int, int] | None:
        start = self.start or 0
        start += length if start < 0 else 0
        end = length if self.end is None else self.end
        if end < 0 or (end == 0 and self.end_derived):
            end += length
        if start == end:
            return None
        if not (0 <= start < length and 0 <= end <= length and start <= end):
            raise _EvalError
        return start, end


def _kind(value: Any) -> str | None:
    for kind, types in (("bool", bool), ("int", int), ("float", float), ("string", str)):
        if isinstance(value, types):
            return kind
    return None


_COMPARATORS: Mapping[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: bool(a == b),
    "!=": lambda a, b: bool(a != b),
    "<": lambda a, b: bool(a < b),
    ">": lambda a, b: bool(a > b),
    "<=": lambda a, b: bool(a <= b),
    ">=": lambda a, b: bool(a >= b),
}


def _compare(left: Any, operator: str, right: Any) -> bool:
    # Go's template comparisons refuse mixed kinds (even int against float) and ordered bools.
    kind = _kind(left)
    if kind is None or kind != _kind(right):
        raise _EvalError
    if kind == "bool" and operator not in ("==", "!="):
        raise _EvalError
    return _COMPARATORS[operator](left, right)


def _single(values: list[Any]) -> Any:
    if len(values) > 1:
        raise _EvalError
    return values[0]


@dataclasses.dataclass(frozen=True)
class _Filter:
    """`[?(@.a == "x")]` and `[?(@.a)]` over the items of a list."""

    left: Operand
    operator: str
    right: Operand | None

    def __call__(self, nodes: list[Any]) -> list[Any]:
        found: list[Any] = []
        for node in nodes:
            if not isinstance(node, list):
                raise _EvalError
            found += [item for item in node if self._keeps(item)]
        return found

    def _keeps(self, item: Any) -> bool:
        if self.right is None:
            try:
                return bool(self.left(item))
            except _EvalError:
                return False
        lefts = self.left(item)
        if not lefts:
            return False
        rights = self.right(item)
        if not rights:
            return False
        return _compare(_single(lefts), self.operator, _single(rights))


_FIELD_END = frozenset(" \t\r\n.,[]$@{}")
_SLICE = re.compile(r"(-?\d*)(:-?\d*)?(:-?\d*)?")
_FILTER = re.compile(r"([^!<>=]+)([!<>=]+)(.+?)")


def _compile_field(text: str, pos: int, steps: list[Step]) -> int:
    end = pos
    while end < len(text) and text[end] not in _FIELD_END:
        # A backslash escapes the next character, so `labels.app\.kubernetes\.io/name` works.
        end += 2 if text[end] == "\\" else 1
    name = text[pos:end].replace("\\", "")
    if name == "*":
        steps.append(_wildcard)
    elif name:
        steps.append(_field_step(name))
    return end


def _slice_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise JsonPathError(f"invalid array index {text!r}") from None


def _compile_slice(inner: str) -> Step:
    match = _SLICE.fullmatch(":" if inner == "*" else inner)
    if match is None:
        raise JsonPathError(f"invalid array index {inner}")
    first, second, third = (group or "" for group in match.groups())
    start = _slice_int(first) if first else None
    if not second:
        # `[i]` is the slice `[i:i+1]`, marked so that `[-1]` reaches the end.
        return _Slice(start, (start or 0) + 1, end_derived=True, step=None)
    end = _slice_int(second[1:]) if second[1:] else None
    step = _slice_int(third[1:]) if third[1:] else None
    return _Slice(start, end, end_derived=False, step=step)


def _compile_bracket(text: str, pos: int, steps: list[Step]) -> int:
    close = text.find("]", pos)
    if close < 0:
        raise JsonPathError("unterminated array")
    inner = text[pos + 1 : close]
    if "," in inner:
        raise JsonPathError("unions are not supported")
    quoted = re.fullmatch(r"'([^']*)'", inner)
    if quoted:
        # kube reads a quoted key as a dotted path again, so dots in it still split.
        steps += _compile_path("." + quoted.group(1))
    else:
        steps.append(_compile_slice(inner))
    return close + 1


def _filter_end(text: str, pos: int) -> int:
    """The index of the ")" closing a filter; quoted parentheses do not count."""
    quote, opened, closed = "", False, False
    for i in range(pos, len(text)):
        char = text[i]
        if char in "\"'" and not opened:
            quote, opened = char, True
        elif char == quote and opened and text[i - 1] != "\\":
            closed = True
        elif char == ")" and opened == closed:
            return i
    raise JsonPathError("unterminated filter")


def _literal(text: str) -> Any:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    if text in ("true", "false"):
        return text == "true"
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    if re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text):
        return float(text)
    raise JsonPathError(f"unrecognized filter operand {text!r}")


def _operand(text: str) -> Operand:
    text = text.strip()
    if text[:1] in ("@", "$", "."):
        steps = _compile_path(text)
        return lambda item: _run(steps, [item])
    value = _literal(text)
    return lambda _: [value]


def _compile_filter(text: str, pos: int, steps: list[Step]) -> int:
    close = _filter_end(text, pos + 3)
    if text[close + 1 : close + 2] != "]":
        raise JsonPathError("unclosed array expect ]")
    expression = text[pos + 3 : close]
    match = _FILTER.fullmatch(expression)
    if match is None:
        steps.append(_Filter(_operand(expression), "exists", None))
    elif match.group(2) not in _COMPARATORS:
        raise JsonPathError(f"unrecognized filter operator {match.group(2)}")
    else:
        left, operator, right = match.groups()
        steps.append(_Filter(_operand(left), operator, _operand(right)))
    return close + 2


def _compile_path(path: str) -> list[Step]:
    """Steps for a printer-column JSONPath such as `.status.conditions[?(@.type=="Ready")]`."""
    steps: list[Step] = []
    text, pos = path.strip(), 0
    while pos < len(text):
        char = text[pos]
        if char in " \t$@":
            pos += 1  # the root and the current item need no step
        elif text.startswith("..", pos):
            raise JsonPathError("recursive descent is not supported")
        elif char == ".":
            pos = _compile_field(text, pos + 1, steps)
        elif text.startswith("[?(", pos):
            pos = _compile_filter(text, pos, steps)
        elif char == "[":
            pos = _compile_bracket(text, pos, steps)
        else:
            raise JsonPathError(f"unexpected {char!r} in {path!r}")
    return steps


# --------------------------------------------------------------------------- custom columns


def _go_float(number: float) -> str:
    """A float64 as Go's fmt prints it (%v): shortest digits, exponent from 1e+06."""
    if not math.isfinite(number):
        return "NaN" if math.isnan(number) else ("+Inf" if number > 0 else "-Inf")
    exact = Decimal(repr(number)).normalize()
    exponent = exact.adjusted()
    if -4 <= exponent < 6:
        return format(exact, "f")
    sign, digits, _ = exact.as_tuple()
    mantissa = str(digits[0]) + ("." + "".join(map(str, digits[1:])) if len(digits) > 1 else "")
    return f"{'-' if sign else ''}{mantissa}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"


def _go_text(value: Any) -> str:
    """A JSON value as kube's jsonpath prints it in a string column."""
    if value is None:
        return "<no value>"
    if isinstance(value, dict | list):
        text = json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
        # Go's encoding/json escapes HTML-significant characters.
        for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
            text = text.replace(char, escaped)
        return text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _go_float(value)
    return str(value)


def _date_cell(value: Any, now: datetime) -> Any:
    if not isinstance(value, str):
        return None
    if value in ("", "null"):
        return "<unknown>"
    when = parse_timestamp(value)
    return "<invalid>" if when is None else human_duration(now - when)


def _typed_cell(column_type: str, value: Any, now: datetime) -> Any:
    """The cell for a JSON value under a column type; a value of the wrong kind is null."""
    kind = _kind(value)
    if column_type == "string":
        return _go_text(value)
    if column_type == "integer" and kind in ("int", "float"):
        return int(value)
    if column_type == "number" and kind in ("int", "float"):
        return float(value)
    if column_type == "boolean" and kind == "bool":
        return value
    if column_type == "date":
        return _date_cell(value, now)
    return None


def _json_path_cell(path: str, column_type: str) -> CellFn:
    try:
        steps: list[Step] | None = _compile_path(path)
    except JsonPathError:
        # The real server refuses such a CRD; we keep listing and leave the column empty.
        steps = None

    def cell(obj: Mapping[str, Any], now: datetime) -> Any:
        if steps is None:
            return None
        try:
            found = _run(steps, [obj])
        except _EvalError:
            return None
        # Only the first match is shown, as the apiextensions server does.
        return _typed_cell(column_type, found[0], now) if found else None

    return cell


_DEFAULT_CUSTOM_COLUMNS: tuple[Mapping[str, Any], ...] = (
    {
        "name": "Age",
        "type": "date",
        "jsonPath": ".metadata.creationTimestamp",
        "description": AGE.description,
    },
)


def _custom_column(spec: Mapping[str, Any]) -> Column:
    path, column_type = _text(spec.get("jsonPath")), _text(spec.get("type")) or "string"
    return Column(
        name=_text(spec.get("name")),
        cell=_json_path_cell(path, column_type),
        type=column_type,
        priority=_int(spec.get("priority")),
        format=_text(spec.get("format")),
        description=_text(spec.get("description")) or f"Custom resource column at {path}",
    )


def custom_columns(printer_columns: Sequence[Mapping[str, Any]]) -> tuple[Column, ...]:
    """Columns for a custom resource: Name, then the CRD version's additionalPrinterColumns.

    A CRD that defines none gets an Age column (creationTimestamp, type date).
    """
    specs = tuple(printer_columns) or _DEFAULT_CUSTOM_COLUMNS
    return (NAME, *(_custom_column(spec) for spec in specs))


def columns_for(
    resource: str, printer_columns: Sequence[Mapping[str, Any]] | None
) -> tuple[Column, ...]:
    """The columns printed for `resource`.

    A custom resource (`printer_columns` given, even empty) gets its CRD's columns; a built-in
    kind its printer's; a built-in kind without one (roles, CRDs) Name and Created At.
    """
    if printer_columns is not None:
        return custom_columns(printer_columns)
    return _PRINTERS.get(resource, _DEFAULT_COLUMNS)


# --------------------------------------------------------------------------- tables


def _row_object(obj: Mapping[str, Any], include_object: str) -> Any:
    if include_object == "Object":
        return copy.deepcopy(dict(obj))
    if include_object in ("Metadata", ""):
        return {
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": copy.deepcopy(dict(_meta(obj))),
        }
    if include_object == "None":
        return None
    raise TableError(f'unrecognized includeObject value: "{include_object}"')


def _no_conditions(_obj: Mapping[str, Any]) -> list[JSON]:
    return []


def _same(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj


@dataclasses.dataclass(frozen=True)
class _Printer:
    """How rows of one resource are printed: columns, row conditions, and the view cells read."""

    columns: tuple[Column, ...]
    conditions: Callable[[Mapping[str, Any]], list[JSON]] = _no_conditions
    view: Callable[[Mapping[str, Any]], Mapping[str, Any]] = _same

    def row(self, obj: Mapping[str, Any], *, now: datetime, include_object: str) -> JSON:
        seen = self.view(obj)
        row: JSON = {"cells": [column.cell(seen, now) for column in self.columns]}
        conditions = self.conditions(seen)
        if conditions:
            row["conditions"] = conditions
        row["object"] = _row_object(obj, include_object)
        return row


def _printer(resource: str, printer_columns: Sequence[Mapping[str, Any]] | None) -> _Printer:
    columns = columns_for(resource, printer_columns)
    if printer_columns is not None:
        return _Printer(columns)
    return _Printer(
        columns,
        _ROW_CONDITIONS.get(resource, _no_conditions),
        _VIEWS.get(resource, _same),
    )


def build_table(
    objects: Sequence[Mapping[str, Any]],
    *,
    resource: str,
    printer_columns: Sequence[Mapping[str, Any]] | None,
    now: datetime,
    include_object: str = "Metadata",
    resource_version: str = "",
    continue_token: str = "",
    with_headers: bool = True,
) -> JSON:
    """The meta.k8s.io/v1 Table for `objects` of `resource` (a plural), one row each.

    `printer_columns` is a CRD version's additionalPrinterColumns (None for built-in kinds).
    Each row carries the object as `include_object` says: "Object" whole, "Metadata" as
    PartialObjectMetadata, "None" as null; other values raise TableError once there is a row.
    Without headers (watch events after the first) columnDefinitions is null, as kube sends.
    Ages are measured to `now`, which must be timezone-aware.
    """
    printer = _printer(resource, printer_columns)
    metadata: JSON = {}
    if resource_version:
        metadata["resourceVersion"] = resource_version
    if continue_token:
        metadata["continue"] = continue_token
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata,
        "columnDefinitions": [c.definition() for c in printer.columns] if with_headers else None,
        "rows": [printer.row(obj, now=now, include_object=include_object) for obj in objects],
    }
