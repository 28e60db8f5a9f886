"""Kubernetes protobuf request bodies, read into the JSON object the JSON API would carry.

kubectl's typed clients (`kubectl create namespace|configmap|secret|serviceaccount`) send
built-in kinds as `application/vnd.kubernetes.protobuf`: the magic bytes `k8s\\x00`, then a
`runtime.Unknown` message whose `raw` field holds the object encoded by the generated schemas
of k8s.io/api. This module reads the protobuf wire format and, for the few kinds described
below AS DATA (field number -> JSON name and type, from `k8s.io/api/core/v1/generated.proto` and
`k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto`), produces the dict that the JSON
encoding of the same Go object would give: empty `omitempty` fields left out, pointers kept
when set, bytes as base64, times as RFC 3339. Pure: bytes in, a dict or `ProtobufError` out.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import enum
from collections.abc import Iterator, Mapping
from typing import Any

MAGIC = b"k8s\x00"
CONTENT_TYPE = "application/vnd.kubernetes.protobuf"

_VARINT_MAX_BYTES = 10
_UINT64 = 1 << 64
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_GO_ZERO_TIME = datetime.datetime(1, 1, 1, tzinfo=datetime.UTC)


class ProtobufError(ValueError):
    """The body is not well-formed Kubernetes protobuf."""


class UnsupportedKindError(ProtobufError):
    """A well-formed envelope around a kind this module has no schema for."""

    def __init__(self, api_version: str, kind: str) -> None:
        super().__init__(
            f"cannot decode protobuf for {api_version} {kind}: only "
            f"{', '.join(supported_kinds())} are described"
        )
        self.api_version = api_version
        self.kind = kind


class Wire(enum.IntEnum):
    """The wire types of the protobuf encoding (3 and 4, groups, are not used by Kubernetes)."""

    VARINT = 0
    I64 = 1
    LEN = 2
    I32 = 5


class Type(enum.Enum):
    STRING = "string"
    BYTES = "bytes"  # base64 in JSON
    INT64 = "int64"
    INT32 = "int32"
    BOOL = "bool"
    TIME = "Time"  # meta/v1 Time {seconds 1, nanos 2}; RFC 3339 in JSON, seconds only
    STRING_MAP = "map<string,string>"  # repeated entry {key 1, value 2}
    BYTES_MAP = "map<string,bytes>"  # values base64 in JSON
    MESSAGE = "message"


_VARINT_TYPES = frozenset({Type.INT64, Type.INT32, Type.BOOL})


@dataclasses.dataclass(frozen=True)
class Field:
    """One field of a message: its JSON name and type, and how Go's JSON encoder treats it.

    `pointer`: a Go pointer (`*bool`, `*int64`): kept whenever set, even to a zero value.
    `always`: a JSON tag without `omitempty`: emitted even when empty.
    A singular MESSAGE field is a Go struct, which `omitempty` never leaves out.
    """

    name: str
    type: Type
    repeated: bool = False
    message: Message | None = None
    pointer: bool = False
    always: bool = False


@dataclasses.dataclass(frozen=True)
class Message:
    name: str
    fields: Mapping[int, Field]


def _string(name: str, *, always: bool = False) -> Field:
    return Field(name, Type.STRING, always=always)


def _strings(name: str) -> Field:
    return Field(name, Type.STRING, repeated=True)


def _message(name: str, message: Message, *, repeated: bool = False) -> Field:
    return Field(name, Type.MESSAGE, repeated=repeated, message=message)


# k8s.io/apimachinery/pkg/apis/meta/v1
OWNER_REFERENCE = Message(
    "OwnerReference",
    {
        1: _string("kind", always=True),
        3: _string("name", always=True),
        4: _string("uid", always=True),
        5: _string("apiVersion", always=True),
        6: Field("controller", Type.BOOL, pointer=True),
        7: Field("blockOwnerDeletion", Type.BOOL, pointer=True),
    },
)
OBJECT_META = Message(
    "ObjectMeta",
    {
        1: _string("name"),
        2: _string("generateName"),
        3: _string("namespace"),
        4: _string("selfLink"),
        5: _string("uid"),
        6: _string("resourceVersion"),
        7: Field("generation", Type.INT64),
        8: Field("creationTimestamp", Type.TIME),
        9: Field("deletionTimestamp", Type.TIME, pointer=True),
        10: Field("deletionGracePeriodSeconds", Type.INT64, pointer=True),
        11: Field("labels", Type.STRING_MAP),
        12: Field("annotations", Type.STRING_MAP),
        13: _message("ownerReferences", OWNER_REFERENCE, repeated=True),
        14: _strings("finalizers"),
        # 17 managedFields: server-maintained bookkeeping, skipped like any unknown field
    },
)

# k8s.io/api/core/v1
OBJECT_REFERENCE = Message(
    "ObjectReference",
    {
        1: _string("kind"),
        2: _string("namespace"),
        3: _string("name"),
        4: _string("uid"),
        5: _string("apiVersion"),
        6: _string("resourceVersion"),
        7: _string("fieldPath"),
    },
)
LOCAL_OBJECT_REFERENCE = Message("LocalObjectReference", {1: _string("name")})
NAMESPACE_SPEC = Message("NamespaceSpec", {1: _strings("finalizers")})
NAMESPACE_STATUS = Message("NamespaceStatus", {1: _string("phase")})
NAMESPACE = Message(
    "Namespace",
    {
        1: _message("metadata", OBJECT_META),
        2: _message("spec", NAMESPACE_SPEC),
        3: _message("status", NAMESPACE_STATUS),
    },
)
CONFIG_MAP = Message(
    "ConfigMap",
    {
        1: _message("metadata", OBJECT_META),
        2: Field("data", Type.STRING_MAP),
        3: Field("binaryData", Type.BYTES_MAP),
        4: Field("immutable", Type.BOOL, pointer=True),
    },
)
SECRET = Message(
    "Secret",
    {
        1: _message("metadata", OBJECT_META),
        2: Field("data", Type.BYTES_MAP),
        3: _string("type"),
        4: Field("stringData", Type.STRING_MAP),
        5: Field("immutable", Type.BOOL, pointer=True),
    },
)
SERVICE_ACCOUNT = Message(
    "ServiceAccount",
    {
        1: _message("metadata", OBJECT_META),
        2: _message("secrets", OBJECT_REFERENCE, repeated=True),
        3: _message("imagePullSecrets", LOCAL_OBJECT_REFERENCE, repeated=True),
        4: Field("automountServiceAccountToken", Type.BOOL, pointer=True),
    },
)

KINDS: Mapping[tuple[str, str], Message] = {
    ("v1", "Namespace"): NAMESPACE,
    ("v1", "ConfigMap"): CONFIG_MAP,
    ("v1", "Secret"): SECRET,
    ("v1", "ServiceAccount"): SERVICE_ACCOUNT,
}


def supported_kinds() -> list[str]:
    return [f"{api_version} {kind}" for api_version, kind in KINDS]


def decode(body: bytes) -> dict[str, Any]:
    """A Kubernetes protobuf body as the JSON object of the same API object.

    Raises `UnsupportedKindError` for a well-formed envelope around a kind not in `KINDS`, and
    `ProtobufError` for anything malformed. Like the apiserver, it ignores the envelope's
    contentEncoding and contentType: `raw` is always the object's protobuf.
    """
    if not body.startswith(MAGIC):
        raise ProtobufError(
            "not a Kubernetes protobuf body: it does not start with the magic bytes 'k8s\\x00'"
        )
    api_version, kind, raw = _envelope(body[len(MAGIC) :])
    if not kind or not api_version:
        raise ProtobufError("the protobuf envelope names no apiVersion and kind")
    message = KINDS.get((api_version, kind))
    if message is None:
        raise UnsupportedKindError(api_version, kind)
    return {"apiVersion": api_version, "kind": kind, **decode_message(raw, message)}


def _envelope(data: bytes) -> tuple[str, str, bytes]:
    """runtime.Unknown {1: typeMeta {1: apiVersion, 2: kind}, 2: raw, 3: encoding, 4: type}."""
    api_version = kind = ""
    raw = b""
    for number, wire, value in _fields(data, "Unknown"):
        if number == 1:
            type_meta = _length_delimited(value, wire, "Unknown.typeMeta")
            for inner, inner_wire, inner_value in _fields(type_meta, "TypeMeta"):
                if inner == 1:
                    api_version = _text(inner_value, inner_wire, "TypeMeta.apiVersion")
                elif inner == 2:
                    kind = _text(inner_value, inner_wire, "TypeMeta.kind")
        elif number == 2:
            raw = _length_delimited(value, wire, "Unknown.raw")
    return api_version, kind, raw


def decode_message(data: bytes, message: Message) -> dict[str, Any]:
    """One message as its JSON object (Go's encoding/json rules for the Kubernetes types)."""
    seen: dict[int, Any] = {}
    for number, wire, value in _fields(data, message.name):
        field = message.fields.get(number)
        if field is None:
            continue  # unknown fields are skipped, as protobuf readers do
        where = f"{message.name}.{field.name}"
        decoded = _value(field, wire, value, where)
        if field.type in (Type.STRING_MAP, Type.BYTES_MAP):
            key, item = decoded
            seen.setdefault(number, {})[key] = item
        elif field.repeated:
            seen.setdefault(number, []).append(decoded)
        else:
            seen[number] = decoded  # the last value of a singular field wins
    out: dict[str, Any] = {}
    for number, field in message.fields.items():
        if number in seen:
            if _kept(field, seen[number]):
                out[field.name] = seen[number]
        elif field.type is Type.MESSAGE and not field.repeated:
            out[field.name] = {}
        elif field.always:
            out[field.name] = ""
    return out


def _kept(field: Field, value: Any) -> bool:
    if value is None:  # a zero Time: null in JSON, which omitempty-minded readers drop
        return False
    if field.pointer or field.always or (field.type is Type.MESSAGE and not field.repeated):
        return True
    return bool(value)


def _value(field: Field, wire: Wire, value: int | bytes, where: str) -> Any:
    if field.type in _VARINT_TYPES:
        if wire is not Wire.VARINT:
            raise ProtobufError(f"{where}: wire type {wire.value}, expected a varint (0)")
        assert isinstance(value, int)
        if field.type is Type.BOOL:
            return value != 0
        bits = 64 if field.type is Type.INT64 else 32
        return _signed(value, bits)
    data = _length_delimited(value, wire, where)
    if field.type is Type.STRING:
        return _decode_text(data, where)
    if field.type is Type.BYTES:
        return base64.b64encode(data).decode("ascii")
    if field.type is Type.TIME:
        return _time(data, where)
    if field.type in (Type.STRING_MAP, Type.BYTES_MAP):
        return _map_entry(data, field.type, where)
    assert field.message is not None, where
    return decode_message(data, field.message)


def _map_entry(data: bytes, type_: Type, where: str) -> tuple[str, str]:
    key = ""
    value = b""
    for number, wire, item in _fields(data, f"{where} entry"):
        if number == 1:
            key = _text(item, wire, f"{where} key")
        elif number == 2:
            value = _length_delimited(item, wire, f"{where}[{key!r}]")
    if type_ is Type.BYTES_MAP:
        return key, base64.b64encode(value).decode("ascii")
    return key, _decode_text(value, f"{where}[{key!r}]")


def _time(data: bytes, where: str) -> str | None:
    """meta/v1 Time: empty means the zero time (JSON null); nanoseconds are dropped, as the
    apiserver drops them, for JSON carries whole seconds."""
    if not data:
        return None
    seconds = 0
    for number, wire, value in _fields(data, where):
        if number == 1:
            if wire is not Wire.VARINT:
                raise ProtobufError(f"{where}.seconds: wire type {wire.value}, expected a varint")
            assert isinstance(value, int)
            seconds = _signed(value, 64)
    try:
        moment = _EPOCH + datetime.timedelta(seconds=seconds)
    except OverflowError as exc:
        raise ProtobufError(f"{where}: {seconds} seconds is out of range for a time") from exc
    if moment == _GO_ZERO_TIME:
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _fields(data: bytes, where: str) -> Iterator[tuple[int, Wire, int | bytes]]:
    """The (field number, wire type, value) triples of one message, in order.

    Varint and fixed-width values come as ints, length-delimited ones as bytes.
    """
    position = 0
    end = len(data)
    while position < end:
        key, position = _varint(data, position, where)
        number, wire_type = key >> 3, key & 7
        if number == 0:
            raise ProtobufError(f"{where}: field number 0 at byte {position}")
        try:
            wire = Wire(wire_type)
        except ValueError:
            raise ProtobufError(
                f"{where}: field {number} has wire type {wire_type}, which Kubernetes never uses"
            ) from None
        value: int | bytes
        if wire is Wire.VARINT:
            value, position = _varint(data, position, where)
        elif wire is Wire.LEN:
            length, position = _varint(data, position, where)
            if length > end - position:
                raise ProtobufError(
                    f"{where}: field {number} claims {length} bytes, {end - position} remain"
                )
            value, position = data[position : position + length], position + length
        else:
            width = 8 if wire is Wire.I64 else 4
            if width > end - position:
                raise ProtobufError(f"{where}: field {number} is cut short")
            value = int.from_bytes(data[position : position + width], "little")
            position += width
        yield number, wire, value


def _varint(data: bytes, position: int, where: str) -> tuple[int, int]:
    result = 0
    for index in range(_VARINT_MAX_BYTES):
        if position + index >= len(data):
            raise ProtobufError(f"{where}: a varint is cut short at byte {position + index}")
        byte = data[position + index]
        result |= (byte & 0x7F) << (7 * index)
        if not byte & 0x80:
            if result >= _UINT64:
                raise ProtobufError(f"{where}: a varint overflows 64 bits at byte {position}")
            return result, position + index + 1
    raise ProtobufError(f"{where}: a varint runs past 10 bytes at byte {position}")


def _signed(value: int, bits: int) -> int:
    """A varint as a two's-complement intN (negative int32s are sign-extended to 64 bits)."""
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def _length_delimited(value: int | bytes, wire: Wire, where: str) -> bytes:
    if wire is not Wire.LEN or not isinstance(value, bytes):
        raise ProtobufError(f"{where}: wire type {wire.value}, expected length-delimited (2)")
    return value


def _text(value: int | bytes, wire: Wire, where: str) -> str:
    return _decode_text(_length_delimited(value, wire, where), where)


def _decode_text(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtobufError(f"{where}: not valid UTF-8 ({exc.reason})") from exc
