"""Argo-compatible names: the pod-template hash, the canary step hash and ReplicaSet names.

Argo Rollouts hashes the bytes Go's `encoding/json` produces for a typed struct, so the same
template must serialise here byte for byte as it does there: struct fields in the order the Go
types declare them, `omitempty` fields left out when zero, non-pointer structs always written
(a container without resources still gets `"resources":{}`), map keys sorted, `<`, `>` and `&`
escaped as `\\u003c`, `\\u003e`, `\\u0026`. The declaration order of the Kubernetes and Argo types
is recorded below in `_STRUCTS` (data, from k8s.io/api/core/v1 and Argo's v1alpha1 types).

Known approximations, chosen so that every template change still changes the hash:
* fields missing from `_STRUCTS` are written after the known ones, keys sorted (Go would drop a
  field its types do not know, and order one they do know by declaration);
* volume sources other than the common ones are written with sorted keys inside;
* quantities are written as given (`"500m"`), not canonicalised the way `resource.Quantity`
  re-prints them (`"0.5"` would become `"500m"` in Go).

`metadata.creationTimestamp` is left out when absent, as current Kubernetes libraries (and Argo
Rollouts 1.9+) do; `legacy_creation_timestamp=True` writes `"creationTimestamp":null` as Argo
Rollouts 1.8 and earlier did, which yields the ReplicaSet names those versions created.
"""

from __future__ import annotations

import decimal
import json
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

HASH_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"

_FNV_OFFSET = 0x811C9DC5
_FNV_PRIME = 0x01000193
_UINT32 = 0xFFFFFFFF

# Field grammar: "jsonName" is an omitempty string; "jsonName:kind" otherwise. Kinds: str, int,
# bool (omitempty scalars); a struct name (never omitted); *X (pointer: left out only when
# absent); []X, {}X (slice, map: left out when empty); a trailing "!" drops omitempty (absent
# scalars print their zero value, absent pointers/slices/maps print null). Leaves: Quantity,
# IntOrString, Time (omitzero), Raw (JSON written in the order given), Any (sorted keys).
# fmt: off
_CONTAINER = (
    "name:str!", "image", "command:[]str", "args:[]str", "workingDir", "ports:[]ContainerPort",
    "envFrom:[]EnvFromSource", "env:[]EnvVar", "resources:ResourceRequirements",
    "resizePolicy:[]ContainerResizePolicy", "restartPolicy:*str",
    "restartPolicyRules:[]ContainerRestartRule", "volumeMounts:[]VolumeMount",
    "volumeDevices:[]VolumeDevice", "livenessProbe:*Probe", "readinessProbe:*Probe",
    "startupProbe:*Probe", "lifecycle:*Lifecycle", "terminationMessagePath",
    "terminationMessagePolicy", "imagePullPolicy", "securityContext:*SecurityContext",
    "stdin:bool", "stdinOnce:bool", "tty:bool",
)
_HANDLER = ("exec:*ExecAction", "httpGet:*HTTPGetAction", "tcpSocket:*TCPSocketAction")
_VOLUME_SOURCE = (
    "hostPath:*HostPathVolumeSource", "emptyDir:*EmptyDirVolumeSource", "gcePersistentDisk:*Any",
    "awsElasticBlockStore:*Any", "gitRepo:*Any", "secret:*SecretVolumeSource",
    "nfs:*NFSVolumeSource", "iscsi:*Any", "glusterfs:*Any",
    "persistentVolumeClaim:*PersistentVolumeClaimVolumeSource", "rbd:*Any", "flexVolume:*Any",
    "cinder:*Any", "cephfs:*Any", "flocker:*Any", "downwardAPI:*DownwardAPIVolumeSource",
    "fc:*Any", "azureFile:*Any", "configMap:*ConfigMapVolumeSource", "vsphereVolume:*Any",
    "quobyte:*Any", "azureDisk:*Any", "photonPersistentDisk:*Any",
    "projected:*ProjectedVolumeSource", "portworxVolume:*Any", "scaleIO:*Any", "storageos:*Any",
    "csi:*CSIVolumeSource", "ephemeral:*Any", "image:*ImageVolumeSource",
)
_OBJECT_META = (
    "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation:int",
    "creationTimestamp:Time", "deletionTimestamp:*Time", "deletionGracePeriodSeconds:*int",
    "labels:{}str", "annotations:{}str", "ownerReferences:[]OwnerReference",
    "finalizers:[]str", "managedFields:[]ManagedFieldsEntry",
)
_AFFINITY_TERMS = (
    "requiredDuringSchedulingIgnoredDuringExecution:[]PodAffinityTerm",
    "preferredDuringSchedulingIgnoredDuringExecution:[]WeightedPodAffinityTerm",
)
_KEY_REQUIREMENT = ("key:str!", "operator:str!", "values:[]str")
_KEY_SELECTOR = ("name", "key:str!", "optional:*bool")
_PROJECTION = ("name", "items:[]KeyToPath", "optional:*bool")
_SECURITY_PROFILE = ("type:str!", "localhostProfile:*str")
_METADATA = ("labels:{}str", "annotations:{}str")

_STRUCTS: dict[str, tuple[str, ...]] = {
    # k8s.io/api/core/v1 and k8s.io/apimachinery/pkg/apis/meta/v1
    "PodTemplateSpec": ("metadata:ObjectMeta", "spec:PodSpec"),
    "LegacyPodTemplateSpec": ("metadata:LegacyObjectMeta", "spec:PodSpec"),
    "ObjectMeta": _OBJECT_META,
    "LegacyObjectMeta": tuple(
        "creationTimestamp:Time!" if f == "creationTimestamp:Time" else f for f in _OBJECT_META
    ),
    "OwnerReference": (
        "apiVersion:str!", "kind:str!", "name:str!", "uid:str!", "controller:*bool",
        "blockOwnerDeletion:*bool",
    ),
    "ManagedFieldsEntry": (
        "manager", "operation", "apiVersion", "time:*Time", "fieldsType", "fieldsV1:*Raw",
        "subresource",
    ),
    "PodSpec": (
        "volumes:[]Volume", "initContainers:[]Container", "containers:[]Container!",
        "ephemeralContainers:[]EphemeralContainer", "restartPolicy",
        "terminationGracePeriodSeconds:*int", "activeDeadlineSeconds:*int", "dnsPolicy",
        "nodeSelector:{}str", "serviceAccountName", "serviceAccount",
        "automountServiceAccountToken:*bool", "nodeName", "hostNetwork:bool", "hostPID:bool",
        "hostIPC:bool", "shareProcessNamespace:*bool", "securityContext:*PodSecurityContext",
        "imagePullSecrets:[]LocalObjectReference", "hostname", "subdomain",
        "affinity:*Affinity", "schedulerName", "tolerations:[]Toleration",
        "hostAliases:[]HostAlias", "priorityClassName", "priority:*int",
        "dnsConfig:*PodDNSConfig", "readinessGates:[]PodReadinessGate",
        "runtimeClassName:*str", "enableServiceLinks:*bool", "preemptionPolicy:*str",
        "overhead:{}Quantity", "topologySpreadConstraints:[]TopologySpreadConstraint",
        "setHostnameAsFQDN:*bool", "os:*PodOS", "hostUsers:*bool",
        "schedulingGates:[]PodSchedulingGate", "resourceClaims:[]PodResourceClaim",
        "resources:*ResourceRequirements", "hostnameOverride:*str",
    ),
    "Container": _CONTAINER,
    "EphemeralContainer": (*_CONTAINER, "targetContainerName"),
    "ContainerPort": ("name", "hostPort:int", "containerPort:int!", "protocol", "hostIP"),
    "EnvFromSource": ("prefix", "configMapRef:*ConfigMapEnvSource", "secretRef:*SecretEnvSource"),
    "ConfigMapEnvSource": ("name", "optional:*bool"),
    "SecretEnvSource": ("name", "optional:*bool"),
    "EnvVar": ("name:str!", "value", "valueFrom:*EnvVarSource"),
    "EnvVarSource": (
        "fieldRef:*ObjectFieldSelector", "resourceFieldRef:*ResourceFieldSelector",
        "configMapKeyRef:*ConfigMapKeySelector", "secretKeyRef:*SecretKeySelector",
        "fileKeyRef:*FileKeySelector",
    ),
    "ObjectFieldSelector": ("apiVersion", "fieldPath:str!"),
    "ResourceFieldSelector": ("containerName", "resource:str!", "divisor:Quantity"),
    "ConfigMapKeySelector": _KEY_SELECTOR,
    "SecretKeySelector": _KEY_SELECTOR,
    "FileKeySelector": ("volumeName:str!", "path:str!", "key:str!", "optional:*bool"),
    "ResourceRequirements": ("limits:{}Quantity", "requests:{}Quantity", "claims:[]ResourceClaim"),
    "ResourceClaim": ("name:str!", "request"),
    "ContainerResizePolicy": ("resourceName:str!", "restartPolicy:str!"),
    "ContainerRestartRule": ("action", "exitCodes:*ContainerRestartRuleOnExitCodes"),
    "ContainerRestartRuleOnExitCodes": ("operator", "values:[]int"),
    "VolumeMount": (
        "name:str!", "readOnly:bool", "recursiveReadOnly:*str", "mountPath:str!", "subPath",
        "mountPropagation:*str", "subPathExpr",
    ),
    "VolumeDevice": ("name:str!", "devicePath:str!"),
    "Probe": (
        *_HANDLER, "grpc:*GRPCAction", "initialDelaySeconds:int", "timeoutSeconds:int",
        "periodSeconds:int", "successThreshold:int", "failureThreshold:int",
        "terminationGracePeriodSeconds:*int",
    ),
    "ExecAction": ("command:[]str",),
    "HTTPGetAction": (
        "path", "port:IntOrString", "host", "scheme", "httpHeaders:[]HTTPHeader",
    ),
    "HTTPHeader": ("name:str!", "value:str!"),
    "TCPSocketAction": ("port:IntOrString", "host"),
    "GRPCAction": ("port:int!", "service:*str!"),
    "Lifecycle": ("postStart:*LifecycleHandler", "preStop:*LifecycleHandler", "stopSignal:*str"),
    "LifecycleHandler": (*_HANDLER, "sleep:*SleepAction"),
    "SleepAction": ("seconds:int!",),
    "SecurityContext": (
        "capabilities:*Capabilities", "privileged:*bool", "seLinuxOptions:*SELinuxOptions",
        "windowsOptions:*WindowsSecurityContextOptions", "runAsUser:*int", "runAsGroup:*int",
        "runAsNonRoot:*bool", "readOnlyRootFilesystem:*bool", "allowPrivilegeEscalation:*bool",
        "procMount:*str", "seccompProfile:*SeccompProfile", "appArmorProfile:*AppArmorProfile",
    ),
    "PodSecurityContext": (
        "seLinuxOptions:*SELinuxOptions", "windowsOptions:*WindowsSecurityContextOptions",
        "runAsUser:*int", "runAsGroup:*int", "runAsNonRoot:*bool", "supplementalGroups:[]int",
        "supplementalGroupsPolicy:*str", "fsGroup:*int", "sysctls:[]Sysctl",
        "fsGroupChangePolicy:*str", "seccompProfile:*SeccompProfile",
        "appArmorProfile:*AppArmorProfile", "seLinuxChangePolicy:*str",
    ),
    "Capabilities": ("add:[]str", "drop:[]str"),
    "SELinuxOptions": ("user", "role", "type", "level"),
    "WindowsSecurityContextOptions": (
        "gmsaCredentialSpecName:*str", "gmsaCredentialSpec:*str", "runAsUserName:*str",
        "hostProcess:*bool",
    ),
    "SeccompProfile": _SECURITY_PROFILE,
    "AppArmorProfile": _SECURITY_PROFILE,
    "Sysctl": ("name:str!", "value:str!"),
    "Affinity": (
        "nodeAffinity:*NodeAffinity", "podAffinity:*PodAffinity",
        "podAntiAffinity:*PodAffinity",
    ),
    "NodeAffinity": (
        "requiredDuringSchedulingIgnoredDuringExecution:*NodeSelector",
        "preferredDuringSchedulingIgnoredDuringExecution:[]PreferredSchedulingTerm",
    ),
    "NodeSelector": ("nodeSelectorTerms:[]NodeSelectorTerm!",),
    "NodeSelectorTerm": (
        "matchExpressions:[]KeyRequirement", "matchFields:[]KeyRequirement",
    ),
    "KeyRequirement": _KEY_REQUIREMENT,
    "PreferredSchedulingTerm": ("weight:int!", "preference:NodeSelectorTerm"),
    "PodAffinity": _AFFINITY_TERMS,
    "PodAffinityTerm": (
        "labelSelector:*LabelSelector", "namespaces:[]str", "topologyKey:str!",
        "namespaceSelector:*LabelSelector", "matchLabelKeys:[]str", "mismatchLabelKeys:[]str",
    ),
    "WeightedPodAffinityTerm": ("weight:int!", "podAffinityTerm:PodAffinityTerm"),
    "LabelSelector": ("matchLabels:{}str", "matchExpressions:[]KeyRequirement"),
    "Toleration": ("key", "operator", "value", "effect", "tolerationSeconds:*int"),
    "TopologySpreadConstraint": (
        "maxSkew:int!", "topologyKey:str!", "whenUnsatisfiable:str!",
        "labelSelector:*LabelSelector", "minDomains:*int", "nodeAffinityPolicy:*str",
        "nodeTaintsPolicy:*str", "matchLabelKeys:[]str",
    ),
    "LocalObjectReference": ("name",),
    "PodReadinessGate": ("conditionType:str!",),
    "HostAlias": ("ip:str!", "hostnames:[]str"),
    "PodDNSConfig": ("nameservers:[]str", "searches:[]str", "options:[]PodDNSConfigOption"),
    "PodDNSConfigOption": ("name", "value:*str"),
    "PodOS": ("name:str!",),
    "PodSchedulingGate": ("name:str!",),
    "PodResourceClaim": ("name:str!", "resourceClaimName:*str", "resourceClaimTemplateName:*str"),
    "Volume": ("name:str!", *_VOLUME_SOURCE),
    "HostPathVolumeSource": ("path:str!", "type:*str"),
    "EmptyDirVolumeSource": ("medium", "sizeLimit:*Quantity"),
    "SecretVolumeSource": (
        "secretName", "items:[]KeyToPath", "defaultMode:*int", "optional:*bool",
    ),
    "ConfigMapVolumeSource": ("name", "items:[]KeyToPath", "defaultMode:*int", "optional:*bool"),
    "KeyToPath": ("key:str!", "path:str!", "mode:*int"),
    "NFSVolumeSource": ("server:str!", "path:str!", "readOnly:bool"),
    "PersistentVolumeClaimVolumeSource": ("claimName:str!", "readOnly:bool"),
    "DownwardAPIVolumeSource": ("items:[]DownwardAPIVolumeFile", "defaultMode:*int"),
    "DownwardAPIVolumeFile": (
        "path:str!", "fieldRef:*ObjectFieldSelector", "resourceFieldRef:*ResourceFieldSelector",
        "mode:*int",
    ),
    "ProjectedVolumeSource": ("sources:[]VolumeProjection!", "defaultMode:*int"),
    "VolumeProjection": (
        "secret:*SecretProjection", "downwardAPI:*DownwardAPIProjection",
        "configMap:*ConfigMapProjection",
        "serviceAccountToken:*ServiceAccountTokenProjection", "clusterTrustBundle:*Any",
        "podCertificate:*Any",
    ),
    "SecretProjection": _PROJECTION,
    "ConfigMapProjection": _PROJECTION,
    "DownwardAPIProjection": ("items:[]DownwardAPIVolumeFile",),
    "ServiceAccountTokenProjection": ("audience", "expirationSeconds:*int", "path:str!"),
    "CSIVolumeSource": (
        "driver:str!", "readOnly:*bool", "fsType:*str", "volumeAttributes:{}str",
        "nodePublishSecretRef:*LocalObjectReference",
    ),
    "ImageVolumeSource": ("reference", "pullPolicy"),
    # github.com/argoproj/argo-rollouts/pkg/apis/rollouts/v1alpha1
    "CanaryStep": (
        "setWeight:*int", "pause:*RolloutPause", "experiment:*RolloutExperimentStep",
        "analysis:*RolloutAnalysis", "setCanaryScale:*SetCanaryScale",
        "setHeaderRoute:*SetHeaderRoute", "setMirrorRoute:*SetMirrorRoute",
        "plugin:*PluginStep",
    ),
    "RolloutPause": ("duration:*IntOrString",),
    "RolloutAnalysis": (
        "templates:[]RolloutAnalysisTemplate", "args:[]AnalysisRunArgument", "dryRun:[]DryRun",
        "measurementRetention:[]MeasurementRetention", "analysisRunMetadata:AnalysisRunMetadata",
    ),
    "RolloutAnalysisTemplate": ("templateName:str!", "clusterScope:bool"),
    "AnalysisRunArgument": ("name:str!", "value", "valueFrom:*ArgumentValueFrom"),
    "ArgumentValueFrom": ("podTemplateHashValue:*str", "fieldRef:*FieldRef"),
    "FieldRef": ("fieldPath:str!",),
    "DryRun": ("metricName:str!",),
    "MeasurementRetention": ("metricName:str!", "limit:int!"),
    "AnalysisRunMetadata": _METADATA,
    "RolloutExperimentStep": (
        "templates:[]RolloutExperimentTemplate!", "duration",
        "analyses:[]RolloutExperimentStepAnalysisTemplateRef", "dryRun:[]DryRun",
        "measurementRetention:[]MeasurementRetention", "analysisRunMetadata:AnalysisRunMetadata",
    ),
    "RolloutExperimentTemplate": (
        "name:str!", "specRef:str!", "replicas:*int", "metadata:PodTemplateMetadata",
        "selector:*LabelSelector", "weight:*int", "service:*TemplateService",
    ),
    "PodTemplateMetadata": _METADATA,
    "TemplateService": ("name",),
    "RolloutExperimentStepAnalysisTemplateRef": (
        "name:str!", "templateName:str!", "clusterScope:bool", "args:[]AnalysisRunArgument",
        "requiredForCompletion:bool",
    ),
    "SetCanaryScale": ("weight:*int", "replicas:*int", "matchTrafficWeight:bool"),
    "SetHeaderRoute": ("name", "match:[]HeaderRoutingMatch"),
    "HeaderRoutingMatch": ("headerName:str!", "headerValue:*StringMatch!"),
    "StringMatch": ("exact", "prefix", "regex"),
    "SetMirrorRoute": ("name:str!", "match:[]RouteMatch", "percentage:*int"),
    "RouteMatch": ("method:*StringMatch", "path:*StringMatch", "headers:{}StringMatch"),
    "PluginStep": ("name:str!", "config:Raw"),
}

# fmt: on

_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    struct: tuple((name, kind or "str") for name, _, kind in (f.partition(":") for f in fields))
    for struct, fields in _STRUCTS.items()
}
_ZEROS: dict[str, Any] = {"str": "", "int": 0, "bool": False}


def compute_pod_template_hash(
    template: Mapping[str, Any],
    collision_count: int | None = None,
    *,
    legacy_creation_timestamp: bool = False,
) -> str:
    """The `rollouts-pod-template-hash` Argo gives `spec.template`.

    Rule: FNV-1a 32-bit over the template's Go JSON, followed by the collision count (if any) as
    a little-endian uint32 plus four zero bytes; the unsigned decimal, each digit mapped through
    `HASH_ALPHABET`.
    """
    encoded = to_pod_template_json(template, legacy_creation_timestamp=legacy_creation_timestamp)
    return compute_safe_hash(encoded.encode(), collision_count=collision_count)


def compute_step_hash(steps: Sequence[Mapping[str, Any]] | None) -> str:
    """`status.currentStepHash`: the same hash over the Go JSON of the canary steps.

    Rule: no steps field hashes the JSON `null`; an empty list hashes `[]`.
    """
    return compute_safe_hash(to_steps_json(steps).encode())


def compute_safe_hash(data: bytes, *, collision_count: int | None = None) -> str:
    """FNV-1a 32-bit of `data` (+ collision bytes), printed in Argo's vowel-free alphabet."""
    if collision_count is not None:
        data += (collision_count & _UINT32).to_bytes(4, "little") + bytes(4)
    digest = _FNV_OFFSET
    for byte in data:
        digest = ((digest ^ byte) * _FNV_PRIME) & _UINT32
    return "".join(HASH_ALPHABET[ord(digit) % len(HASH_ALPHABET)] for digit in str(digest))


def replica_set_name(rollout_name: str, pod_hash: str) -> str:
    """A ReplicaSet is named `<rollout>-<pod-template-hash>`."""
    return f"{rollout_name}-{pod_hash}"


def to_pod_template_json(
    template: Mapping[str, Any], *, legacy_creation_timestamp: bool = False
) -> str:
    """The compact JSON Go's `encoding/json` writes for a `corev1.PodTemplateSpec`."""
    struct = "LegacyPodTemplateSpec" if legacy_creation_timestamp else "PodTemplateSpec"
    return _struct(template, struct)


def to_steps_json(steps: Sequence[Mapping[str, Any]] | None) -> str:
    """The compact JSON Go's `encoding/json` writes for Argo's `[]CanaryStep`."""
    return "null" if steps is None else _value(list(steps), "[]CanaryStep")


def _struct(value: Any, struct: str) -> str:
    if value is None:
        value = {}
    if not isinstance(value, Mapping):
        return _any(value)
    fields = _FIELDS[struct]
    parts = [
        f'"{name}":{encoded}'
        for name, kind in fields
        if (encoded := _field(value.get(name), kind)) is not None
    ]
    known = {name for name, _ in fields}
    extra = [(str(key), item) for key, item in value.items() if key not in known]
    extra.sort(key=lambda pair: pair[0])
    parts += [f"{_string(key)}:{_any(item)}" for key, item in extra if item is not None]
    return "{" + ",".join(parts) + "}"


def _field(value: Any, kind: str) -> str | None:
    """One struct field as Go writes it, or None when `omitempty`/`omitzero` leaves it out."""
    required = kind.endswith("!")
    kind = kind.removesuffix("!")
    if kind.startswith("*") or kind == "Time":
        if value is None:
            return "null" if required else None
        return _value(value, kind.removeprefix("*"))
    if kind.startswith(("[]", "{}")):
        if value is None:
            return "null" if required else None
        if not value and not required:
            return None
    elif kind in _ZEROS and not required and _is_zero(value, kind):
        return None
    return _value(value, kind)


def _value(value: Any, kind: str) -> str:
    if kind.startswith("[]") and isinstance(value, list | tuple):
        return "[" + ",".join(_value(item, kind[2:]) for item in value) + "]"
    if kind.startswith("{}") and isinstance(value, Mapping):
        pairs = sorted(((str(key), item) for key, item in value.items()), key=lambda p: p[0])
        body = ",".join(f"{_string(key)}:{_value(item, kind[2:])}" for key, item in pairs)
        return "{" + body + "}"
    if kind in _FIELDS:
        return _struct(value, kind)
    return _LEAVES.get(kind, _any)(value)


def _is_zero(value: Any, kind: str) -> bool:
    if value is None or kind == "bool":
        return value is None or value is False
    if isinstance(value, bool):
        return False
    if kind == "int":
        return isinstance(value, int | float) and value == 0
    return bool(value == "")


def _scalar(zero: str | int) -> Callable[[Any], str]:
    return lambda value: _any(zero if value is None else value)


def _quantity(value: Any) -> str:
    if value is None:
        return '"0"'
    return _string(value if isinstance(value, str) else _number(value))


def _raw(value: Any) -> str:
    """json.RawMessage: Go compacts the bytes it was given, so key order is kept."""
    if isinstance(value, Mapping):
        items = ",".join(f"{_string(str(key))}:{_raw(item)}" for key, item in value.items())
        return "{" + items + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_raw(item) for item in value) + "]"
    return _any(value)


def _any(value: Any) -> str:
    """Go's encoding of a decoded `interface{}`: sorted keys, numbers as written."""
    if isinstance(value, Mapping):
        return _value(value, "{}Any")
    if isinstance(value, list | tuple):
        return _value(value, "[]Any")
    if isinstance(value, str):
        return _string(value)
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    return _number(value)


def _number(value: int | float) -> str:
    """Integers as digits; floats the way Go prints a float64 (shortest, 1e+21, 1e-7)."""
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        raise ValueError(f"Go JSON cannot encode {value!r}")
    shortest = decimal.Decimal(repr(value)).normalize()
    exponent_form = value != 0 and not 1e-6 <= abs(value) < 1e21
    return format(shortest, "e" if exponent_form else "f")


def _string(text: str) -> str:
    """A JSON string as Go writes it: UTF-8 kept, HTML-sensitive characters escaped."""
    escaped = json.dumps(_replace_lone_surrogates(text), ensure_ascii=False)
    for char, escape in _GO_ESCAPES.items():
        escaped = escaped.replace(char, escape)
    return escaped


def _replace_lone_surrogates(text: str) -> str:
    # Go decodes an unpaired surrogate escape to U+FFFD; Python keeps it as a code point.
    return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)


_GO_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_LEAVES: dict[str, Callable[[Any], str]] = {
    "str": _scalar(""),
    "int": _scalar(0),
    "bool": _scalar(False),
    "Quantity": _quantity,
    "IntOrString": _scalar(0),
    "Raw": _raw,
}
