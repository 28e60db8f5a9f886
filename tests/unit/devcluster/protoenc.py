"""A tiny protobuf encoder for the decoder's tests: the wire format by hand (varints,
length-delimited fields, fixed 32/64-bit fields) and the Kubernetes envelope around it."""

from __future__ import annotations

import base64

from rollouts.devcluster.protobuf import MAGIC


def varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # negative numbers as two's complement, ten bytes
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def key(number: int, wire: int) -> bytes:
    return varint(number << 3 | wire)


def num(number: int, value: int) -> bytes:
    return key(number, 0) + varint(value)


def ld(number: int, payload: bytes | str) -> bytes:
    data = payload.encode() if isinstance(payload, str) else payload
    return key(number, 2) + varint(len(data)) + data


def fixed64(number: int, value: int) -> bytes:
    return key(number, 1) + value.to_bytes(8, "little")


def fixed32(number: int, value: int) -> bytes:
    return key(number, 5) + value.to_bytes(4, "little")


def entry(number: int, map_key: str, value: bytes | str) -> bytes:
    return ld(number, ld(1, map_key) + ld(2, value))


def time(number: int, seconds: int, nanos: int = 0) -> bytes:
    return ld(number, num(1, seconds) + (num(2, nanos) if nanos else b""))


def envelope(raw: bytes, kind: str, api_version: str = "v1") -> bytes:
    """runtime.Unknown as client-go writes it: empty contentEncoding and contentType."""
    return MAGIC + ld(1, ld(1, api_version) + ld(2, kind)) + ld(2, raw) + ld(3, "") + ld(4, "")


def gogo_meta(name: str, *extra: bytes) -> bytes:
    """ObjectMeta as gogo-protobuf writes it: every non-pointer field, even when empty."""
    empty = ld(2, "") + ld(3, "") + ld(4, "") + ld(5, "") + ld(6, "") + num(7, 0) + ld(8, b"")
    return ld(1, ld(1, name) + empty + b"".join(extra))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
