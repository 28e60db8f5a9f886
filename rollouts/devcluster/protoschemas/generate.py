"""Write the schema tables of this package from the Kubernetes sources (a developer's tool).

    python -m rollouts.devcluster.protoschemas.generate K8S_API APIMACHINERY

K8S_API and APIMACHINERY are checkouts of k8s.io/api and k8s.io/apimachinery. The wire facts
(field numbers, scalar types, repeated and map fields) come from each package's
`generated.proto`; the JSON facts the proto files do not carry (the JSON name, `omitempty`,
whether the Go field is a pointer, whether an embedded struct is inlined) come from the struct
tags of the package's Go types. Only the messages reachable from the package's `ROOTS` are
written, one module per API group version, in the language `language.py` reads.
"""

from __future__ import annotations

import dataclasses
import pathlib
import re
import sys
from collections.abc import Iterator, Sequence

from rollouts.devcluster import protoschemas

API = "api"
MACHINERY = "apimachinery"
# (module written, checkout, directory of generated.proto and the Go types, proto package)
PACKAGES = (
    ("meta_v1", MACHINERY, "pkg/apis/meta/v1", "k8s.io.apimachinery.pkg.apis.meta.v1"),
    ("core_v1", API, "core/v1", "k8s.io.api.core.v1"),
    ("apps_v1", API, "apps/v1", "k8s.io.api.apps.v1"),
    ("batch_v1", API, "batch/v1", "k8s.io.api.batch.v1"),
    ("networking_v1", API, "networking/v1", "k8s.io.api.networking.v1"),
    ("rbac_v1", API, "rbac/v1", "k8s.io.api.rbac.v1"),
    ("policy_v1", API, "policy/v1", "k8s.io.api.policy.v1"),
    ("coordination_v1", API, "coordination/v1", "k8s.io.api.coordination.v1"),
    ("events_v1", API, "events/v1", "k8s.io.api.events.v1"),
)
MODULES = {package: module for module, _, _, package in PACKAGES}
MODULE_PACKAGES = {module: package for module, _, _, package in PACKAGES}
# apimachinery messages with a JSON form of their own: written as scalar types
SPECIAL = {
    "k8s.io.apimachinery.pkg.apis.meta.v1.Time": "Time",
    "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime": "MicroTime",
    "k8s.io.apimachinery.pkg.util.intstr.IntOrString": "IntOrString",
    "k8s.io.apimachinery.pkg.api.resource.Quantity": "Quantity",
}
SCALARS = ("string", "bytes", "int32", "int64", "bool")
# server-maintained bookkeeping no client sends; skipped like unknown fields
SKIPPED = {("ObjectMeta", 17)}

_MESSAGE = re.compile(r"^message (\w+) \{$")
_FIELD = re.compile(
    r"^\s+(?:(optional|repeated|required) )?(map<string, ([\w.]+)>|[\w.]+) (\w+) = (\d+);"
)
_STRUCT = re.compile(r"^type (\w+) struct \{$")
_GO_FIELD = re.compile(r"^\t(?:(\w+)\s+)?(\S+)\s+`([^`]*)`")
_TAG = re.compile(r'(\w+):"([^"]*)"')


@dataclasses.dataclass(frozen=True)
class ProtoField:
    number: int
    name: str
    type: str  # a scalar, or a fully qualified message name
    repeated: bool
    map: bool


@dataclasses.dataclass(frozen=True)
class GoField:
    json: str
    pointer: bool
    omitempty: bool
    inline: bool


def parse_proto(text: str, package: str) -> dict[str, list[ProtoField]]:
    """Messages of one generated.proto, by fully qualified name."""
    messages: dict[str, list[ProtoField]] = {}
    fields: list[ProtoField] | None = None
    for line in text.splitlines():
        if found := _MESSAGE.match(line):
            fields = messages.setdefault(f"{package}.{found[1]}", [])
        elif line == "}":
            fields = None
        elif fields is not None and (found := _FIELD.match(line)):
            label, declared, map_value, name, number = found.groups()
            type_ = map_value or declared
            fields.append(
                ProtoField(
                    number=int(number),
                    name=name,
                    type=_qualified(type_, package),
                    repeated=label == "repeated",
                    map=map_value is not None,
                )
            )
    return messages


def _qualified(type_: str, package: str) -> str:
    if type_ in SCALARS:
        return type_
    return type_.lstrip(".") if type_.startswith(".") else f"{package}.{type_}"


def parse_go(text: str) -> dict[str, dict[int, GoField]]:
    """Struct fields that have a protobuf tag, by struct name and field number."""
    structs: dict[str, dict[int, GoField]] = {}
    current: dict[int, GoField] | None = None
    for line in text.splitlines():
        if found := _STRUCT.match(line):
            current = structs.setdefault(found[1], {})
        elif line == "}":
            current = None
        elif current is not None and (found := _GO_FIELD.match(line)):
            name, go_type, tags = found.groups()
            tag = dict(_TAG.findall(tags))
            if tag.get("protobuf", "-") == "-":
                continue
            json_name, *options = tag.get("json", "").split(",")
            number = int(tag["protobuf"].split(",")[1])
            current[number] = GoField(
                json=json_name,
                pointer=go_type.startswith("*"),
                omitempty="omitempty" in options,
                inline=name is None and json_name == "",
            )
    return structs


def _short(qualified: str) -> str:
    return qualified.rsplit(".", 1)[1]


def _type_text(field: ProtoField, package: str) -> str:
    """`Container`, or `meta_v1.ObjectMeta` for a message of another package."""
    base = SPECIAL.get(field.type) or field.type
    if base not in SCALARS and base not in SPECIAL.values():
        owner, short = base.rsplit(".", 1)
        base = short if owner == package else f"{MODULES[owner]}.{short}"
    if field.map:
        return base + "{}"
    return base + "[]" if field.repeated else base


def _flags(field: ProtoField, go: GoField) -> list[str]:
    flags = []
    if go.pointer:
        flags.append("ptr")
    if not go.omitempty and not go.inline:
        flags.append("always")
    if go.inline:
        flags.append("inline")
    return flags


def field_line(message: str, field: ProtoField, go: GoField) -> str:
    package = message.rsplit(".", 1)[0]
    name = field.name if go.inline else go.json
    if not name:
        raise ValueError(f"{message}.{field.name}: no JSON name")
    text = _type_text(field, package)
    return " ".join(["  " + str(field.number), name, text, *_flags(field, go)])


def reachable(roots: Sequence[str], messages: dict[str, list[ProtoField]]) -> list[str]:
    """Every message the roots (fully qualified) use, breadth first, special types excluded."""
    seen: list[str] = []
    todo = list(roots)
    while todo:
        name = todo.pop(0)
        if name in seen or name in SPECIAL:
            continue
        if name not in messages:
            raise ValueError(f"unknown message {name}")
        seen.append(name)
        todo.extend(
            f.type
            for f in messages[name]
            if f.type not in SCALARS and (_short(name), f.number) not in SKIPPED
        )
    return seen


def render(
    names: Sequence[str],
    messages: dict[str, list[ProtoField]],
    go: dict[str, dict[str, dict[int, GoField]]],
) -> Iterator[str]:
    """The schema lines of `names` (all of one package)."""
    for qualified in names:
        package, short = qualified.rsplit(".", 1)
        yield short
        for field in messages[qualified]:
            if (short, field.number) in SKIPPED:
                continue
            go_field = go[package].get(short, {}).get(field.number)
            if go_field is None:
                raise ValueError(f"{qualified}.{field.name}: no Go field for it")
            yield field_line(qualified, field, go_field)


def _module(package: str, lines: Sequence[str]) -> str:
    body = "\n".join(lines)
    return (
        f'"""Protobuf messages of {package} (written by generate.py)."""\n\n'
        f'SCHEMA = """\\\n{body}\n"""\n'
    )


def main(argv: Sequence[str]) -> int:
    checkouts = {MACHINERY: pathlib.Path(argv[1]), API: pathlib.Path(argv[0])}
    messages: dict[str, list[ProtoField]] = {}
    go: dict[str, dict[str, dict[int, GoField]]] = {}
    for _, repo, directory, package in PACKAGES:
        folder = checkouts[repo] / directory
        messages.update(parse_proto((folder / "generated.proto").read_text(), package))
        go[package] = {}
        for source in sorted(folder.glob("*.go")):
            if not source.name.endswith("_test.go"):
                go[package].update(parse_go(source.read_text()))
    roots = [
        f"{MODULE_PACKAGES[module]}.{kind}"
        for module, kinds in protoschemas.ROOTS.values()
        for kind in kinds
    ]
    names = reachable(roots, messages)
    here = pathlib.Path(__file__).parent
    for module, _, _, package in PACKAGES:
        mine = [n for n in names if n.rsplit(".", 1)[0] == package]
        lines = list(render(mine, messages, go))
        (here / f"{module}.py").write_text(_module(package, lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
