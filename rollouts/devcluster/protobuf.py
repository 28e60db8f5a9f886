"""Kubernetes protobuf request bodies, read into the JSON object the JSON API would carry.

kubectl's typed clients (`kubectl create deployment|service|job|role|...`, the evictions of
`kubectl drain`) send built-in kinds as `application/vnd.kubernetes.protobuf`: the magic bytes
`k8s\\x00`, then a `runtime.Unknown` message whose `raw` field holds the object encoded by the
generated schemas of k8s.io/api. This module reads the protobuf wire format and, with the
schemas of `protoschemas` (field number -> JSON name, type and Go JSON encoding), produces the
dict that the JSON encoding of the same Go object would give: empty `omitempty` fields left
out, pointers kept when set, inlined structs merged, bytes as base64, times as RFC 3339.
Unknown fields are skipped, as protobuf readers do. Pure: bytes in, a dict or `ProtobufError`
out.
"""

from __future__ import annotations

import base64
import datetime
import enum
from collections.abc import Iterator
from typing import Any

from rollouts.devcluster import protoschemas
from rollouts.devcluster.protoschemas.language import (
    VARINT_TYPES,
    Field,
    Message,
    Shape,
    Type,
)

MAGIC = b"k8s\x00"
CONTENT_TYPE = "application/vnd.kubernetes.protobuf"

_VARINT_MAX_BYTES = 10
_UINT64 = 1 << 64
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_GO_ZERO_TIME = datetime.datetime(1, 1, 1, tzinfo=datetime.UTC)
# types with a JSON form of their own whose zero value the apiserver treats as unset: a zero
# time is JSON null, a zero IntOrString port is defaulted as if it were absent
_ZERO_IS_UNSET = frozenset({Type.TIME, Type.MICRO_TIME, Type.INT_OR_STRING, Type.QUANTITY})
_ZERO = {Type.STRING: "", Type.INT32: 0, Type.INT64: 0, Type.BOOL: False}
_OMIT = object()


class ProtobufError(ValueError):
    """The body is not well-formed Kubernetes protobuf."""


class UnsupportedKindError(ProtobufError):
    """A well-formed envelope around a kind this module has no schema for."""

    def __init__(self, api_version: str, kind: str) -> None:
        super().__init__(f"cannot decode protobuf for {api_version} {kind}: no schema for it")
        self.api_version = api_version
        self.kind = kind


class Wire(enum.IntEnum):
    """The wire types of the protobuf encoding (3 and 4, groups, are not used by Kubernetes)."""

    VARINT = 0
    I64 = 1
    LEN = 2
    I32 = 5


def supported_kinds() -> list[str]:
    return [f"{api_version} {kind}" for api_version, kind in protoschemas.KINDS]


def decode(body: bytes) -> dict[str, Any]:
    """A Kubernetes protobuf body as the JSON object of the same API object.

    Raises `UnsupportedKindError` for a well-formed envelope around a kind without a schema,
    and `ProtobufError` for anything malformed. Like the apiserver, it ignores the envelope's
    contentEncoding and contentType: `raw` is always the object's protobuf.
    """
    if not body.startswith(MAGIC):
        raise ProtobufError(
            "not a Kubernetes protobuf body: it does not start with the magic bytes 'k8s\\x00'"
        )
    api_version, kind, raw = _envelope(body[len(MAGIC) :])
    if not kind or not api_version:
        raise ProtobufError("the protobuf envelope names no apiVersion and kind")
    message = protoschemas.KINDS.get((api_version, kind))
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
        if field.shape is Shape.MAP:
            key, item = _map_entry(field, wire, value, where)
            seen.setdefault(number, {})[key] = item
        elif field.shape is Shape.REPEATED:
            seen.setdefault(number, []).extend(_repeated(field, wire, value, where))
        else:
            seen[number] = _value(field, wire, value, where)  # the last value wins
    out: dict[str, Any] = {}
    for number, field in message.fields.items():
        if field.inline:
            assert field.message is not None
            out.update(seen[number] if number in seen else decode_message(b"", field.message))
            continue
        shown = _shown(field, seen[number]) if number in seen else _absent(field)
        if shown is not _OMIT:
            out[field.name] = shown
    return out


def _shown(field: Field, value: Any) -> Any:
    """What JSON carries for a field that was on the wire."""
    if field.shape is not Shape.SINGLE:
        return value if value or field.always else _OMIT
    if value is None:
        return _OMIT  # the zero time
    if field.type in _ZERO_IS_UNSET and not field.pointer and value in (0, ""):
        return _OMIT
    if field.pointer or field.always or field.type is Type.MESSAGE:
        return value
    return value if value else _OMIT


def _absent(field: Field) -> Any:
    """What JSON carries for a field that was not on the wire (gogo leaves out nil pointers,
    nil slices and empty maps; a Go struct is always written)."""
    if field.type is Type.MESSAGE and field.shape is Shape.SINGLE and not field.pointer:
        assert field.message is not None
        return decode_message(b"", field.message)
    if not field.always or field.type in _ZERO_IS_UNSET:
        return _OMIT
    if field.pointer or field.shape is not Shape.SINGLE or field.type is Type.BYTES:
        return None  # a nil pointer, slice or map without omitempty is JSON null
    return _ZERO[field.type]


def _repeated(field: Field, wire: Wire, value: int | bytes, where: str) -> list[Any]:
    """One wire field of a repeated field: one element, or several packed varints."""
    if field.type in VARINT_TYPES and wire is Wire.LEN:
        assert isinstance(value, bytes)
        items: list[Any] = []
        position = 0
        while position < len(value):
            item, position = _varint(value, position, where)
            items.append(_scalar(field.type, item))
        return items
    return [_value(field, wire, value, where)]


def _value(field: Field, wire: Wire, value: int | bytes, where: str) -> Any:
    if field.type in VARINT_TYPES:
        if wire is not Wire.VARINT:
            raise ProtobufError(f"{where}: wire type {wire.value}, expected a varint (0)")
        assert isinstance(value, int)
        return _scalar(field.type, value)
    data = _length_delimited(value, wire, where)
    if field.type is Type.STRING:
        return _decode_text(data, where)
    if field.type is Type.BYTES:
        return base64.b64encode(data).decode("ascii")
    if field.type is Type.MESSAGE:
        assert field.message is not None, where
        return decode_message(data, field.message)
    return _SPECIAL[field.type](data, where)


def _scalar(type_: Type, value: int) -> int | bool:
    if type_ is Type.BOOL:
        return value != 0
    return _signed(value, 64 if type_ is Type.INT64 else 32)


def _map_entry(field: Field, wire: Wire, value: int | bytes, where: str) -> tuple[str, Any]:
    """A map entry {key 1, value 2}; a missing key or value is the zero value."""
    data = _length_delimited(value, wire, where)
    key = ""
    item: Any = None
    for number, item_wire, item_value in _fields(data, f"{where} entry"):
        if number == 1:
            key = _text(item_value, item_wire, f"{where} key")
        elif number == 2:
            item = _value(field, item_wire, item_value, f"{where}[{key!r}]")
    if item is None:
        item = (
            _ZERO.get(field.type)
            if field.type in VARINT_TYPES
            else _value(field, Wire.LEN, b"", f"{where}[{key!r}]")
        )
    return key, item


def _seconds_and_nanos(data: bytes, where: str) -> tuple[int, int]:
    seconds = nanos = 0
    for number, wire, value in _fields(data, where):
        if number in (1, 2):
            if wire is not Wire.VARINT:
                name = "seconds" if number == 1 else "nanos"
                raise ProtobufError(f"{where}.{name}: wire type {wire.value}, expected a varint")
            assert isinstance(value, int)
            if number == 1:
                seconds = _signed(value, 64)
            else:
                nanos = _signed(value, 32)
    return seconds, nanos


def _moment(data: bytes, where: str) -> tuple[datetime.datetime, int] | None:
    """A meta/v1 Time or MicroTime: None for the zero time (JSON null)."""
    if not data:
        return None
    seconds, nanos = _seconds_and_nanos(data, where)
    try:
        moment = _EPOCH + datetime.timedelta(seconds=seconds)
    except OverflowError as exc:
        raise ProtobufError(f"{where}: {seconds} seconds is out of range for a time") from exc
    if moment == _GO_ZERO_TIME and not nanos:
        return None
    return moment, nanos


def _time(data: bytes, where: str) -> str | None:
    """RFC 3339 in whole seconds: nanoseconds are dropped, as the apiserver's JSON drops them."""
    found = _moment(data, where)
    return None if found is None else found[0].strftime("%Y-%m-%dT%H:%M:%SZ")


def _micro_time(data: bytes, where: str) -> str | None:
    """RFC 3339 with six fractional digits, as MicroTime writes JSON."""
    found = _moment(data, where)
    if found is None:
        return None
    moment, nanos = found
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{max(nanos, 0) // 1000:06d}Z"


def _int_or_string(data: bytes, where: str) -> int | str:
    """intstr.IntOrString {type 1 (0 int, 1 string), intVal 2, strVal 3}."""
    kind, number, text = 0, 0, ""
    for field, wire, value in _fields(data, where):
        if field in (1, 2) and wire is Wire.VARINT:
            assert isinstance(value, int)
            kind, number = (value, number) if field == 1 else (kind, _signed(value, 32))
        elif field == 3:
            text = _text(value, wire, f"{where}.strVal")
        elif field in (1, 2):
            raise ProtobufError(f"{where}: field {field} has wire type {wire.value}")
    return text if kind == 1 else number


def _quantity(data: bytes, where: str) -> str:
    """resource.Quantity {string 1}: its text is its JSON form."""
    text = ""
    for number, wire, value in _fields(data, where):
        if number == 1:
            text = _text(value, wire, f"{where}.string")
    return text


_SPECIAL = {
    Type.TIME: _time,
    Type.MICRO_TIME: _micro_time,
    Type.INT_OR_STRING: _int_or_string,
    Type.QUANTITY: _quantity,
}


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
