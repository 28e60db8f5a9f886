"""Protobuf schemas of the built-in kinds devcluster serves, as data.

Each `<group>_<version>` module holds the messages one API package uses, in the language of
`language.py`, written by `generate.py` from k8s.io/api and k8s.io/apimachinery v0.36.3
(Kubernetes 1.36: a superset of what older clients send; rerun it to follow a new release).
`KINDS` names the message of each top-level kind.
"""

from __future__ import annotations

from rollouts.devcluster.protoschemas import (
    apps_v1,
    batch_v1,
    coordination_v1,
    core_v1,
    events_v1,
    language,
    meta_v1,
    networking_v1,
    policy_v1,
    rbac_v1,
)

# apiVersion -> (module, kinds): what a protobuf body may carry; generate.py starts from these
ROOTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "v1": (
        "core_v1",
        ("Namespace", "Pod", "Service", "Endpoints", "ConfigMap", "Secret", "ServiceAccount",
         "Event"),
    ),
    "apps/v1": ("apps_v1", ("Deployment", "ReplicaSet")),
    "batch/v1": ("batch_v1", ("Job", "CronJob")),
    "networking.k8s.io/v1": ("networking_v1", ("Ingress", "IngressClass")),
    "rbac.authorization.k8s.io/v1": (
        "rbac_v1",
        ("Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"),
    ),
    "policy/v1": ("policy_v1", ("Eviction",)),  # the body of pods/<name>/eviction
    "coordination.k8s.io/v1": ("coordination_v1", ("Lease",)),
    "events.k8s.io/v1": ("events_v1", ("Event",)),
}  # fmt: skip

SCHEMA = language.parse(
    {
        "meta_v1": meta_v1.SCHEMA,
        "core_v1": core_v1.SCHEMA,
        "apps_v1": apps_v1.SCHEMA,
        "batch_v1": batch_v1.SCHEMA,
        "networking_v1": networking_v1.SCHEMA,
        "rbac_v1": rbac_v1.SCHEMA,
        "policy_v1": policy_v1.SCHEMA,
        "coordination_v1": coordination_v1.SCHEMA,
        "events_v1": events_v1.SCHEMA,
    }
)

KINDS: dict[tuple[str, str], language.Message] = {
    (api_version, kind): SCHEMA[module][kind]
    for api_version, (module, kinds) in ROOTS.items()
    for kind in kinds
}
