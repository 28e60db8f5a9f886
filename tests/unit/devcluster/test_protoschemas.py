"""The schema language, and the tables written in it from the Kubernetes sources."""

from __future__ import annotations

import textwrap

import pytest

from rollouts.devcluster import protoschemas
from rollouts.devcluster.protoschemas import generate, language
from rollouts.devcluster.protoschemas.language import Message, SchemaError, Shape, Type


def _parse(**modules: str) -> language.Schema:
    return language.parse({name: textwrap.dedent(text) for name, text in modules.items()})


def test_fields_read_with_their_types_shapes_and_flags():
    schema = _parse(
        core="""\
        Pod
          1 metadata meta.ObjectMeta
          2 volumes Volume[] always
          3 limits Quantity{}
          4 grace int64 ptr
        Volume
          1 name string always
          2 source Source inline
        Source
          1 path string
        """,
        meta="""\
        ObjectMeta
          1 name string
        """,
    )

    pod = schema["core"]["Pod"]
    assert pod.fields[1].message is schema["meta"]["ObjectMeta"]
    assert (pod.fields[2].shape, pod.fields[2].always, pod.fields[2].message) == (
        Shape.REPEATED,
        True,
        schema["core"]["Volume"],
    )
    assert (pod.fields[3].type, pod.fields[3].shape) == (Type.QUANTITY, Shape.MAP)
    assert (pod.fields[4].type, pod.fields[4].pointer) == (Type.INT64, True)
    assert schema["core"]["Volume"].fields[2].inline


def test_a_message_may_name_itself():
    schema = _parse(core="Node\n  1 children Node[]\n")

    node = schema["core"]["Node"]
    assert node.fields[1].message is node
    assert repr(node) == "Message(name='Node')"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("  1 name string\n", "a field before any message", id="orphan-field"),
        pytest.param("A\n  one name string\n", "expected '<number> <name>", id="bad-number"),
        pytest.param("A\n  0 name string\n", "expected '<number> <name>", id="field-zero"),
        pytest.param("A\n  1 name\n", "expected '<number> <name>", id="no-type"),
        pytest.param("A\n  1 name string nullable\n", "unknown flags", id="unknown-flag"),
        pytest.param("A\n  1 b B\n", "no message B", id="unknown-message"),
        pytest.param("A\n  1 b other.B\n", "no message other.B", id="unknown-module"),
        pytest.param("A\n  1 a string\n  1 b string\n", "declared twice", id="duplicate"),
        pytest.param("A\n  1 a string inline\n", "only a single message", id="inline-scalar"),
        pytest.param("A\n  1 a A[] inline\n", "only a single message", id="inline-repeated"),
    ],
)
def test_tables_that_do_not_read_are_schema_errors(text: str, message: str):
    with pytest.raises(SchemaError) as failure:
        language.parse({"core": text})

    assert message in str(failure.value)
    assert "core line" in str(failure.value)


def _messages() -> list[Message]:
    return [m for module in protoschemas.SCHEMA.values() for m in module.values()]


def _json_names(message: Message) -> list[str]:
    names = []
    for field in message.fields.values():
        if field.inline:
            assert field.message is not None
            names += _json_names(field.message)
        else:
            names.append(field.name)
    return names


def test_no_message_writes_a_json_name_twice():
    for message in _messages():
        names = _json_names(message)
        assert len(names) == len(set(names)), message.name


def test_the_shipped_tables_have_no_cycles_so_decoding_depth_is_bounded():
    def depth(message: Message, path: tuple[str, ...]) -> int:
        assert message.name not in path, " -> ".join((*path, message.name))
        nested = [f.message for f in message.fields.values() if f.message is not None]
        return 1 + max((depth(m, (*path, message.name)) for m in nested), default=0)

    assert max(depth(m, ()) for m in protoschemas.KINDS.values()) < 20


def test_every_shipped_message_is_used_by_some_kind():
    used: set[int] = set()
    todo = list(protoschemas.KINDS.values())
    while todo:
        message = todo.pop()
        if id(message) not in used:
            used.add(id(message))
            todo += [f.message for f in message.fields.values() if f.message is not None]

    assert {m.name for m in _messages() if id(m) not in used} == set()


def test_every_kind_has_its_metadata_first():
    for (api_version, kind), message in protoschemas.KINDS.items():
        metadata = message.fields[1]
        assert metadata.name == "metadata", (api_version, kind)
        assert metadata.message is protoschemas.SCHEMA["meta_v1"]["ObjectMeta"]


# --- the generator, on excerpts in the shape of the Kubernetes sources ---------------------

PROTO = """\
message Widget {
  // a comment
  optional .k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;

  optional int32 replicas = 2;

  repeated Part parts = 3;

  map<string, .k8s.io.apimachinery.pkg.api.resource.Quantity> limits = 4;

  optional PartSource source = 5;
}
"""
GO = """\
type Widget struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`
	Replicas *int32 `json:"replicas,omitempty" protobuf:"varint,2,opt,name=replicas"`
	Parts []Part `json:"parts" protobuf:"bytes,3,rep,name=parts"`
	Limits ResourceList `json:"limits,omitempty" protobuf:"bytes,4,rep,name=limits"`
	PartSource `json:"" protobuf:"bytes,5,opt,name=source"`
}
"""


def test_the_generator_joins_proto_numbers_and_go_json_tags():
    package = "k8s.io.api.core.v1"
    messages = generate.parse_proto(PROTO, package)
    go = {package: generate.parse_go(GO)}

    lines = list(generate.render([f"{package}.Widget"], messages, go))

    assert lines == [
        "Widget",
        "  1 metadata meta_v1.ObjectMeta",
        "  2 replicas int32 ptr",
        "  3 parts Part[] always",
        "  4 limits Quantity{}",
        "  5 source PartSource inline",
    ]
