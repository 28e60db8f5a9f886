"""The language the schema tables are written in, read into `Message` values (pure).

One message per block: its name flush left, then one indented line per field, in the order
Go's JSON encoder writes them:

    Container
      1 name string always
      6 ports ContainerPort[]
      8 resources ResourceRequirements
      11 volumeMounts VolumeMount[]

A field line is `<number> <JSON name> <type> [flags]`. The type is a scalar (`string`,
`bytes`, `int32`, `int64`, `bool`), a type with a JSON form of its own (`Time`, `MicroTime`,
`IntOrString`, `Quantity`), or a message: `Name` of the same module, `module.Name` of another.
A `[]` suffix makes the field repeated, a `{}` suffix a map with string keys. The flags are
what the proto files do not say and Go's JSON encoder acts on:

- `ptr`: a Go pointer, written whenever set, even to a zero value;
- `always`: no `omitempty` in the JSON tag, written even when empty;
- `inline`: an embedded struct, whose fields appear in the parent's JSON object.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping

FLAGS = frozenset({"ptr", "always", "inline"})


class SchemaError(ValueError):
    """A schema table that does not read."""


class Type(enum.Enum):
    STRING = "string"
    BYTES = "bytes"  # base64 in JSON
    INT32 = "int32"
    INT64 = "int64"
    BOOL = "bool"
    TIME = "Time"  # meta/v1 Time {seconds 1, nanos 2}: RFC 3339 in whole seconds
    MICRO_TIME = "MicroTime"  # the same message, RFC 3339 with microseconds
    INT_OR_STRING = "IntOrString"  # {type 1, intVal 2, strVal 3}: a number or a string
    QUANTITY = "Quantity"  # {string 1}: the quantity's canonical text
    MESSAGE = "message"


class Shape(enum.Enum):
    SINGLE = "single"
    REPEATED = "repeated"
    MAP = "map"  # repeated entries {key 1, value 2}; keys are strings


VARINT_TYPES = frozenset({Type.INT32, Type.INT64, Type.BOOL})
_NAMED = {t.value: t for t in Type if t is not Type.MESSAGE}


@dataclasses.dataclass(frozen=True)
class Field:
    name: str
    type: Type
    shape: Shape = Shape.SINGLE
    message: Message | None = None
    pointer: bool = False
    always: bool = False
    inline: bool = False


@dataclasses.dataclass(frozen=True, eq=False)
class Message:
    """A message and its fields by number (filled once every message of a schema exists, so
    that fields can name messages declared after them)."""

    name: str
    fields: dict[int, Field] = dataclasses.field(default_factory=dict, repr=False)


Schema = dict[str, dict[str, Message]]  # module -> message name -> message


def parse(modules: Mapping[str, str]) -> Schema:
    """Every module's table (module name -> text) read into messages, references resolved."""
    schema: Schema = {
        module: {name: Message(name) for name in _message_names(text)}
        for module, text in modules.items()
    }
    for module, text in modules.items():
        current: Message | None = None
        for number, line in enumerate(text.splitlines(), start=1):
            where = f"{module} line {number}"
            if not line.strip():
                continue
            if not line.startswith(" "):
                current = schema[module][line.strip()]
            elif current is None:
                raise SchemaError(f"{where}: a field before any message")
            else:
                field_number, field = _field(line, module, schema, where)
                if field_number in current.fields:
                    raise SchemaError(f"{where}: field {field_number} is declared twice")
                current.fields[field_number] = field
    return schema


def _message_names(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != " "]


def _field(line: str, module: str, schema: Schema, where: str) -> tuple[int, Field]:
    words = line.split()
    if len(words) < 3 or not words[0].isdigit() or int(words[0]) < 1:
        raise SchemaError(f"{where}: expected '<number> <name> <type> [flags]': {line.strip()!r}")
    number, name, type_text, flags = int(words[0]), words[1], words[2], words[3:]
    unknown = set(flags) - FLAGS
    if unknown:
        raise SchemaError(f"{where}: unknown flags {sorted(unknown)}")
    shape = Shape.SINGLE
    if type_text.endswith("[]"):
        shape, type_text = Shape.REPEATED, type_text[:-2]
    elif type_text.endswith("{}"):
        shape, type_text = Shape.MAP, type_text[:-2]
    type_ = _NAMED.get(type_text, Type.MESSAGE)
    message = _resolve(type_text, module, schema, where) if type_ is Type.MESSAGE else None
    if "inline" in flags and (message is None or shape is not Shape.SINGLE):
        raise SchemaError(f"{where}: only a single message can be inline")
    return number, Field(
        name,
        type_,
        shape=shape,
        message=message,
        pointer="ptr" in flags,
        always="always" in flags,
        inline="inline" in flags,
    )


def _resolve(reference: str, module: str, schema: Schema, where: str) -> Message:
    owner, _, name = reference.rpartition(".")
    found = schema.get(owner or module, {}).get(name)
    if found is None:
        raise SchemaError(f"{where}: no message {reference}")
    return found
