"""Pruning, defaulting and validation of custom resources by structural schema, in kube's words."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from rollouts.devcluster.schemas import apply_defaults, prune, structural_problems, validate


def _cr(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "namespace": "default"},
        "spec": spec,
    }


def _schema(**spec_properties: Any) -> dict[str, Any]:
    """A CRD root schema whose `spec` declares the given properties."""
    return {
        "type": "object",
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"type": "object"},
            "spec": {"type": "object", "properties": spec_properties},
        },
    }


def _messages(obj: Any, schema: dict[str, Any], **kwargs: Any) -> list[str]:
    return [str(error) for error in validate(obj, schema, **kwargs)]


def _spec_messages(schema: dict[str, Any], **spec: Any) -> list[str]:
    return _messages(_cr(**spec), _schema(**schema))


STRING = {"type": "string"}
INTEGER = {"type": "integer"}


# --------------------------------------------------------------------------------------------
# Pruning


def test_a_field_the_schema_does_not_declare_is_pruned_and_reported():
    pruned, removed = prune(_cr(replicas=2, foo=1), _schema(replicas=INTEGER))

    assert pruned["spec"] == {"replicas": 2}
    assert removed == ["spec.foo"]


def test_api_version_kind_and_metadata_survive_a_schema_that_declares_nothing():
    obj = _cr(replicas=2)

    pruned, removed = prune(obj, {"type": "object"})

    assert pruned == {k: obj[k] for k in ("apiVersion", "kind", "metadata")}
    assert removed == ["spec"]


def test_unknown_metadata_fields_are_dropped_as_objectmeta_decoding_drops_them():
    obj = _cr()
    obj["metadata"]["colour"] = "red"

    pruned, removed = prune(obj, _schema())

    assert "colour" not in pruned["metadata"]
    assert removed == ["metadata.colour"]


def test_a_malformed_root_metadata_the_schema_does_not_declare_goes_without_a_report():
    obj = {**_cr(), "metadata": "oops"}

    pruned, removed = prune(obj, {"type": "object", "properties": {"spec": {"type": "object"}}})

    assert "metadata" not in pruned
    assert removed == []


def test_a_malformed_root_metadata_the_schema_declares_is_left_for_validation():
    obj = {**_cr(), "metadata": "oops"}

    pruned, _ = prune(obj, _schema())

    assert _messages(pruned, _schema()) == [
        'metadata: Invalid value: "string": metadata in body must be of type object: "string"'
    ]


def test_preserve_unknown_fields_at_the_root_keeps_everything():
    obj = {**_cr(anything={"deep": [1, 2]}), "extra": True}

    pruned, removed = prune(obj, {"type": "object", "x-kubernetes-preserve-unknown-fields": True})

    assert pruned == obj
    assert removed == []


def test_preserve_unknown_fields_on_spec_keeps_its_unknown_fields_but_not_the_roots():
    schema = _schema()
    schema["properties"]["spec"]["x-kubernetes-preserve-unknown-fields"] = True
    obj = {**_cr(free={"form": 1}), "status2": {}}

    pruned, removed = prune(obj, schema)

    assert pruned["spec"] == {"free": {"form": 1}}
    assert removed == ["status2"]


def test_declared_fields_below_a_preserving_level_are_still_pruned_by_their_schema():
    schema = _schema()
    spec = schema["properties"]["spec"]
    spec["x-kubernetes-preserve-unknown-fields"] = True
    spec["properties"] = {"strict": {"type": "object", "properties": {"a": STRING}}}

    pruned, removed = prune(_cr(strict={"a": "x", "b": "y"}, loose={"b": "y"}), schema)

    assert pruned["spec"] == {"strict": {"a": "x"}, "loose": {"b": "y"}}
    assert removed == ["spec.strict.b"]


def test_preserve_unknown_fields_on_array_items_keeps_their_unknown_fields():
    items = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    schema = _schema(rules={"type": "array", "items": items})

    pruned, removed = prune(_cr(rules=[{"any": 1}, {"thing": 2}]), schema)

    assert pruned["spec"]["rules"] == [{"any": 1}, {"thing": 2}]
    assert removed == []


def test_fields_pruned_inside_arrays_are_reported_with_their_index():
    schema = _schema(
        ports={"type": "array", "items": {"type": "object", "properties": {"p": INTEGER}}}
    )

    pruned, removed = prune(_cr(ports=[{"p": 1}, {"p": 2, "q": 3}]), schema)

    assert pruned["spec"]["ports"] == [{"p": 1}, {"p": 2}]
    assert removed == ["spec.ports[1].q"]


def test_additional_properties_keep_map_keys_and_prune_inside_the_values():
    values = {"type": "object", "properties": {"weight": INTEGER}}
    schema = _schema(backends={"type": "object", "additionalProperties": values})

    pruned, removed = prune(_cr(backends={"a": {"weight": 1, "x": 0}, "b": {}}), schema)

    assert pruned["spec"]["backends"] == {"a": {"weight": 1}, "b": {}}
    assert removed == ["spec.backends.a.x"]


def test_additional_properties_true_keeps_every_key():
    schema = _schema(labels={"type": "object", "additionalProperties": True})

    pruned, removed = prune(_cr(labels={"a": "1", "b": "2"}), schema)

    assert pruned["spec"]["labels"] == {"a": "1", "b": "2"}
    assert removed == []


def test_an_embedded_resource_keeps_its_type_meta_and_known_metadata():
    template = {
        "type": "object",
        "x-kubernetes-embedded-resource": True,
        "properties": {"spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
    }
    embedded = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"labels": {"app": "web"}, "junk": 1},
        "spec": {"containers": []},
        "extra": 1,
    }

    pruned, removed = prune(_cr(template=embedded), _schema(template=template))

    assert pruned["spec"]["template"] == {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"labels": {"app": "web"}},
        "spec": {"containers": []},
    }
    assert removed == ["spec.template.extra", "spec.template.metadata.junk"]


@pytest.mark.parametrize("port", [8080, "http"], ids=["integer", "string"])
def test_an_int_or_string_value_is_kept_either_way(port: Any):
    pruned, removed = prune(_cr(port=port), _schema(port={"x-kubernetes-int-or-string": True}))

    assert pruned["spec"]["port"] == port
    assert removed == []


def test_removed_paths_come_back_sorted():
    _, removed = prune(_cr(zeta=1, alpha=2, mid=3), _schema())

    assert removed == ["spec.alpha", "spec.mid", "spec.zeta"]


def test_pruning_leaves_its_input_untouched():
    obj = _cr(foo=1, nested={"bar": 2})
    before = copy.deepcopy(obj)

    prune(obj, _schema())

    assert obj == before


# --------------------------------------------------------------------------------------------
# Defaulting


def test_a_missing_field_takes_its_default():
    schema = _schema(replicas={"type": "integer", "default": 1})

    assert apply_defaults(_cr(), schema)["spec"] == {"replicas": 1}


def test_a_default_applies_only_where_the_parent_object_exists():
    schema = _schema(
        strategy={"type": "object", "properties": {"kind": {**STRING, "default": "x"}}}
    )

    assert apply_defaults(_cr(), schema)["spec"] == {}
    assert apply_defaults(_cr(strategy={}), schema)["spec"] == {"strategy": {"kind": "x"}}


def test_defaults_apply_to_every_object_item_of_an_array():
    item = {"type": "object", "properties": {"name": STRING, "weight": {**INTEGER, "default": 1}}}
    schema = _schema(steps={"type": "array", "items": item})

    defaulted = apply_defaults(_cr(steps=[{"name": "a"}, {"name": "b", "weight": 5}]), schema)

    assert defaulted["spec"]["steps"] == [{"name": "a", "weight": 1}, {"name": "b", "weight": 5}]


def test_defaults_apply_inside_additional_properties_values():
    value = {"type": "object", "properties": {"port": {**INTEGER, "default": 80}}}
    schema = _schema(backends={"type": "object", "additionalProperties": value})

    defaulted = apply_defaults(_cr(backends={"a": {}, "b": {"port": 81}}), schema)

    assert defaulted["spec"]["backends"] == {"a": {"port": 80}, "b": {"port": 81}}


def test_a_defaulted_object_gets_the_defaults_of_its_own_fields():
    inner = {"type": "object", "default": {}, "properties": {"kind": {**STRING, "default": "x"}}}

    assert apply_defaults(_cr(), _schema(strategy=inner))["spec"] == {"strategy": {"kind": "x"}}


NULL_CASES = [
    pytest.param({**INTEGER, "default": 3}, {"n": 3}, id="non-nullable-with-default-is-defaulted"),
    pytest.param(INTEGER, {}, id="non-nullable-without-default-is-dropped"),
    pytest.param({**INTEGER, "nullable": True}, {"n": None}, id="nullable-stays-null"),
    pytest.param(
        {**INTEGER, "nullable": True, "default": 3}, {"n": None}, id="nullable-keeps-null"
    ),
]


@pytest.mark.parametrize(("field_schema", "expected"), NULL_CASES)
def test_a_null_field_follows_the_apiservers_nullable_rule(
    field_schema: dict[str, Any], expected: dict[str, Any]
):
    assert apply_defaults(_cr(n=None), _schema(n=field_schema))["spec"] == expected


def test_a_null_array_item_takes_the_items_default():
    schema = _schema(tags={"type": "array", "items": {**STRING, "default": "none"}})

    assert apply_defaults(_cr(tags=["a", None]), schema)["spec"]["tags"] == ["a", "none"]


def test_defaulting_copies_defaults_and_leaves_its_input_untouched():
    schema = _schema(
        a={"type": "object", "default": {"k": []}}, b={"type": "object", "default": {}}
    )
    obj = _cr()
    before = copy.deepcopy(obj)

    defaulted = apply_defaults(obj, schema)
    defaulted["spec"]["a"]["k"].append(1)

    assert obj == before
    assert schema["properties"]["spec"]["properties"]["a"]["default"] == {"k": []}


# --------------------------------------------------------------------------------------------
# Validation: types


TYPE_MISMATCHES = [
    pytest.param(INTEGER, "3", '"string"', "integer", id="integer-given-string"),
    pytest.param(INTEGER, True, '"boolean"', "integer", id="integer-given-boolean"),
    pytest.param(INTEGER, 2.5, '"number"', "integer", id="integer-given-fraction"),
    pytest.param(STRING, 3, '"integer"', "string", id="string-given-integer"),
    pytest.param({"type": "number"}, "1", '"string"', "number", id="number-given-string"),
    pytest.param({"type": "boolean"}, "yes", '"string"', "boolean", id="boolean-given-string"),
    pytest.param({"type": "object"}, [], '"array"', "object", id="object-given-array"),
    pytest.param({"type": "array"}, {}, '"object"', "array", id="array-given-object"),
    pytest.param(STRING, None, '"null"', "string", id="non-nullable-given-null"),
]


@pytest.mark.parametrize(("field_schema", "value", "actual", "wanted"), TYPE_MISMATCHES)
def test_a_value_of_the_wrong_type_is_reported_as_kube_words_it(
    field_schema: dict[str, Any], value: Any, actual: str, wanted: str
):
    assert _spec_messages({"x": field_schema}, x=value) == [
        f"spec.x: Invalid value: {actual}: spec.x in body must be of type {wanted}: {actual}"
    ]


def test_the_briefs_example_type_error_renders_exactly():
    assert _spec_messages({"replicas": INTEGER}, replicas="string") == [
        'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: '
        '"string"'
    ]


TYPE_MATCHES = [
    pytest.param(INTEGER, 3, id="integer-given-integer"),
    pytest.param(INTEGER, 2.0, id="integer-given-whole-float"),
    pytest.param({"type": "number"}, 3, id="number-given-integer"),
    pytest.param({"type": "number"}, 2.5, id="number-given-float"),
    pytest.param({**STRING, "nullable": True}, None, id="nullable-given-null"),
    pytest.param({"x-kubernetes-int-or-string": True}, 80, id="int-or-string-given-integer"),
    pytest.param({"x-kubernetes-int-or-string": True}, "25%", id="int-or-string-given-string"),
    pytest.param({"x-kubernetes-preserve-unknown-fields": True}, {"a": 1}, id="untyped-anything"),
]


@pytest.mark.parametrize(("field_schema", "value"), TYPE_MATCHES)
def test_a_value_of_an_accepted_type_passes(field_schema: dict[str, Any], value: Any):
    assert _spec_messages({"x": field_schema}, x=value) == []


@pytest.mark.parametrize("value", [True, {"a": 1}, 1.5], ids=["boolean", "object", "fraction"])
def test_int_or_string_rejects_other_types_naming_both(value: Any):
    (message,) = _spec_messages({"port": {"x-kubernetes-int-or-string": True}}, port=value)

    assert "spec.port in body must be of type integer,string: " in message


# --------------------------------------------------------------------------------------------
# Validation: keywords


def test_a_missing_required_field_is_a_required_value():
    schema = _schema()
    schema["properties"]["spec"]["required"] = ["selector"]

    assert _messages(_cr(), schema) == ["spec.selector: Required value"]


def test_enum_lists_the_supported_values():
    enum = {**STRING, "enum": ["a", "b"]}

    assert _spec_messages({"mode": enum}, mode="x") == [
        'spec.mode: Unsupported value: "x": supported values: "a", "b"'
    ]


def test_enum_shows_non_string_values_as_json_text():
    (message,) = _spec_messages({"n": {**INTEGER, "enum": [1, 2]}}, n=3)

    assert message == 'spec.n: Unsupported value: 3: supported values: "1", "2"'


def test_enum_matches_a_number_whatever_its_json_spelling():
    assert _spec_messages({"n": {"type": "number", "enum": [1, 2]}}, n=2.0) == []


BOUNDS = [
    pytest.param({"minimum": 0}, -1, "-1", "greater than or equal to 0", id="minimum"),
    pytest.param(
        {"minimum": 0, "exclusiveMinimum": True}, 0, "0", "greater than 0", id="exclusive-minimum"
    ),
    pytest.param({"maximum": 10}, 11, "11", "less than or equal to 10", id="maximum"),
    pytest.param(
        {"maximum": 10, "exclusiveMaximum": True}, 10, "10", "less than 10", id="exclusive-maximum"
    ),
    pytest.param({"minimum": 2.5}, 1.5, "1.5", "greater than or equal to 2.5", id="float-bound"),
]


@pytest.mark.parametrize(("bounds", "value", "shown", "relation"), BOUNDS)
def test_a_number_out_of_bounds_is_invalid(
    bounds: dict[str, Any], value: Any, shown: str, relation: str
):
    assert _spec_messages({"n": {"type": "number", **bounds}}, n=value) == [
        f"spec.n: Invalid value: {shown}: spec.n in body should be {relation}"
    ]


def test_the_briefs_example_minimum_error_renders_exactly():
    assert _spec_messages({"replicas": {**INTEGER, "minimum": 0}}, replicas=-1) == [
        "spec.replicas: Invalid value: -1: "
        "spec.replicas in body should be greater than or equal to 0"
    ]


def test_a_number_on_an_inclusive_bound_passes():
    assert _spec_messages({"n": {**INTEGER, "minimum": 0, "maximum": 0}}, n=0) == []


def test_multiple_of_names_the_factor():
    assert _spec_messages({"n": {**INTEGER, "multipleOf": 5}}, n=7) == [
        "spec.n: Invalid value: 7: spec.n in body should be a multiple of 5"
    ]


STRING_LIMITS = [
    pytest.param(
        {"minLength": 3},
        "ab",
        'spec.s: Invalid value: "ab": spec.s in body should be at least 3 chars long',
        id="min-length",
    ),
    pytest.param(
        {"maxLength": 3}, "abcd", "spec.s: Too long: may not be more than 3 bytes", id="max-length"
    ),
    pytest.param(
        {"pattern": "^[a-z]+$"},
        "ABC",
        "spec.s: Invalid value: \"ABC\": spec.s in body should match '^[a-z]+$'",
        id="pattern",
    ),
]


@pytest.mark.parametrize(("limits", "value", "message"), STRING_LIMITS)
def test_a_string_breaking_a_limit_is_reported(limits: dict[str, Any], value: str, message: str):
    assert _spec_messages({"s": {**STRING, **limits}}, s=value) == [message]


def test_only_the_first_string_rule_broken_is_reported():
    field_schema = {**STRING, "maxLength": 2, "pattern": "^[a-z]+$"}

    assert _spec_messages({"s": field_schema}, s="ABCD") == [
        "spec.s: Too long: may not be more than 2 bytes"
    ]


def test_string_length_counts_characters_not_bytes():
    assert _spec_messages({"s": {**STRING, "maxLength": 2}}, s="éé") == []


def test_too_few_items_is_invalid():
    field_schema = {"type": "array", "minItems": 1, "items": STRING}

    assert _spec_messages({"xs": field_schema}, xs=[]) == [
        "spec.xs: Invalid value: 0: spec.xs in body should have at least 1 items"
    ]


def test_too_many_items_carries_kubes_detail():
    field_schema = {"type": "array", "maxItems": 2, "items": STRING}

    # kube's head is "Too many"; fielderrors has no such type yet, so it reads "Invalid value"
    assert _spec_messages({"xs": field_schema}, xs=["a", "b", "c"]) == [
        "spec.xs: Invalid value: 3: must have at most 2 items"
    ]


def test_unique_items_rejects_repeats():
    field_schema = {"type": "array", "uniqueItems": True, "items": INTEGER}

    assert _spec_messages({"xs": field_schema}, xs=[1, 2, 1]) == [
        'spec.xs: Invalid value: "": spec.xs in body shouldn\'t contain duplicates'
    ]


def test_too_few_properties_is_invalid():
    field_schema = {"type": "object", "minProperties": 1, "additionalProperties": STRING}

    assert _spec_messages({"m": field_schema}, m={}) == [
        "spec.m: Invalid value: 0: spec.m in body should have at least 1 properties"
    ]


def test_too_many_properties_carries_kubes_detail():
    field_schema = {"type": "object", "maxProperties": 1, "additionalProperties": STRING}

    assert _spec_messages({"m": field_schema}, m={"a": "1", "b": "2"}) == [
        "spec.m: Invalid value: 2: must have at most 1 item"
    ]


FORMATS = [
    pytest.param("date-time", "2024-05-01T10:00:00Z", True, id="date-time-utc"),
    pytest.param("date-time", "2024-05-01T10:00:00.5+02:00", True, id="date-time-offset"),
    pytest.param("date-time", "2024-05-01 10:00", False, id="date-time-without-t"),
    pytest.param("date-time", "2024-02-30T10:00:00Z", False, id="date-time-impossible-day"),
    pytest.param("date", "2024-05-01", True, id="date"),
    pytest.param("date", "01/05/2024", False, id="date-wrong-layout"),
    pytest.param("uuid", "123e4567-e89b-12d3-a456-426614174000", True, id="uuid"),
    pytest.param("uuid", "not-a-uuid", False, id="uuid-bad"),
]


@pytest.mark.parametrize(("fmt", "value", "ok"), FORMATS)
def test_known_string_formats_are_checked(fmt: str, value: str, ok: bool):
    messages = _spec_messages({"t": {**STRING, "format": fmt}}, t=value)

    expected = [
        f'spec.t: Invalid value: "{value}": spec.t in body must be of type {fmt}: "{value}"'
    ]
    assert messages == ([] if ok else expected)


def test_integer_formats_are_not_checked_because_the_apiserver_drops_them():
    assert _spec_messages({"n": {**INTEGER, "format": "int32"}}, n=2**40) == []


# --------------------------------------------------------------------------------------------
# Validation: nesting and junctors


def test_errors_inside_arrays_carry_the_items_index():
    item = {"type": "object", "required": ["name"], "properties": {"name": STRING}}
    schema = _schema(containers={"type": "array", "items": item})

    assert _messages(_cr(containers=[{"name": "a"}, {}]), schema) == [
        "spec.containers[1].name: Required value"
    ]


def test_errors_inside_a_map_value_name_the_key_with_a_dot():
    schema = _schema(weights={"type": "object", "additionalProperties": INTEGER})

    assert _messages(_cr(weights={"a": 1, "b": "x"}), schema) == [
        'spec.weights.b: Invalid value: "string": spec.weights.b in body must be of type integer: '
        '"string"'
    ]


def test_additional_properties_false_forbids_undeclared_keys():
    field_schema = {"type": "object", "properties": {"a": STRING}, "additionalProperties": False}

    assert _spec_messages({"o": field_schema}, o={"a": "x", "b": "y"}) == [
        'spec.o: Invalid value: "b": spec.o.b in body is a forbidden property'
    ]


def test_any_of_failing_reports_the_composite_error_and_the_closest_branch():
    choice = {"type": "object", "anyOf": [{"required": ["x"]}, {"required": ["y"]}]}

    assert _spec_messages({"choice": choice}, choice={}) == [
        '<nil>: Invalid value: "": "spec.choice" must validate at least one schema (anyOf)',
        "spec.choice.x: Required value",
    ]


def test_any_of_passes_when_one_branch_passes():
    choice = {"type": "object", "anyOf": [{"required": ["x"]}, {"required": ["y"]}]}

    assert _spec_messages({"choice": choice}, choice={"y": 1}) == []


ONE_OF = [
    pytest.param({}, "Found none valid", ["spec.c.x: Required value"], id="none-valid"),
    pytest.param({"x": 1, "y": 2}, "Found 2 valid alternatives", [], id="two-valid"),
]


@pytest.mark.parametrize(("value", "found", "extra"), ONE_OF)
def test_one_of_needs_exactly_one_branch(value: dict[str, Any], found: str, extra: list[str]):
    field_schema = {"type": "object", "oneOf": [{"required": ["x"]}, {"required": ["y"]}]}

    assert _spec_messages({"c": field_schema}, c=value) == [
        '<nil>: Invalid value: "": "spec.c" must validate one and only one schema (oneOf). '
        + found,
        *extra,
    ]


def test_all_of_reports_each_failing_branch_then_the_composite():
    field_schema = {"type": "integer", "allOf": [{"minimum": 0}, {"maximum": 5}]}

    assert _spec_messages({"n": field_schema}, n=9) == [
        "spec.n: Invalid value: 9: spec.n in body should be less than or equal to 5",
        '<nil>: Invalid value: "": "spec.n" must validate all the schemas (allOf)',
    ]


def test_not_rejects_a_value_matching_its_schema():
    field_schema = {**STRING, "not": {"enum": ["forbidden"]}}

    assert _spec_messages({"s": field_schema}, s="forbidden") == [
        '<nil>: Invalid value: "": "spec.s" must not validate the schema (not)'
    ]


def test_a_set_list_may_not_repeat_an_item():
    field_schema = {"type": "array", "x-kubernetes-list-type": "set", "items": STRING}

    assert _spec_messages({"xs": field_schema}, xs=["a", "b", "a", "a"]) == [
        'spec.xs[2]: Duplicate value: "a"'
    ]


def test_a_map_list_may_not_repeat_a_key():
    item = {"type": "object", "properties": {"name": STRING, "port": INTEGER}}
    field_schema = {
        "type": "array",
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"],
        "items": item,
    }

    errors = validate(
        _cr(ports=[{"name": "a", "port": 1}, {"name": "a", "port": 2}]),
        _schema(ports=field_schema),
    )

    assert [(e.field, e.value) for e in errors] == [("spec.ports[1]", {"name": "a"})]


def test_a_map_list_must_hold_objects():
    field_schema = {"type": "array", "x-kubernetes-list-type": "map", "items": {}}

    assert _spec_messages({"xs": field_schema}, xs=[{}, "a"]) == [
        'spec.xs[1]: Invalid value: "a": must be an object for an array of list-type map'
    ]


def test_cel_validation_rules_are_ignored():
    field_schema = {**INTEGER, "x-kubernetes-validations": [{"rule": "self > 100"}]}

    assert _spec_messages({"n": field_schema}, n=1) == []


def test_path_names_where_a_partial_object_sits():
    spec_schema = _schema()["properties"]["spec"]
    spec_schema["properties"]["replicas"] = INTEGER

    assert _messages({"replicas": "x"}, spec_schema, path="spec") == [
        'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: '
        '"string"'
    ]


def test_a_valid_resource_has_no_errors():
    schema = _schema(replicas={**INTEGER, "minimum": 0}, mode={**STRING, "enum": ["a", "b"]})

    assert validate(_cr(replicas=3, mode="a"), schema) == []


# --------------------------------------------------------------------------------------------
# Structural schemas


def test_a_structural_schema_has_no_problems():
    schema = _schema(
        port={"x-kubernetes-int-or-string": True},
        free={"x-kubernetes-preserve-unknown-fields": True},
        steps={"type": "array", "items": {"type": "object", "anyOf": [{"required": ["a"]}]}},
    )

    assert structural_problems(schema) == []


def test_missing_types_are_named_by_level():
    schema = {"properties": {"spec": {"properties": {"xs": {"type": "array", "items": {}}}}}}

    assert structural_problems(schema) == [
        "openAPIV3Schema.type: Required value: must not be empty at the root",
        "openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified "
        "object fields",
        "openAPIV3Schema.properties[spec].properties[xs].items.type: Required value: must not be "
        "empty for specified array items",
    ]


def test_junctor_branches_may_not_declare_types():
    schema = {"type": "object", "anyOf": [{"type": "object"}]}

    assert structural_problems(schema, path="spec.versions[0].schema.openAPIV3Schema") == [
        "spec.versions[0].schema.openAPIV3Schema.anyOf[0].type: Forbidden: must be empty to be "
        "structural"
    ]


def test_int_or_string_written_as_any_of_is_structural():
    schema = {
        "type": "object",
        "properties": {
            "maxSurge": {
                "x-kubernetes-int-or-string": True,
                "anyOf": [{"type": "integer"}, {"type": "string"}],
            }
        },
    }

    assert structural_problems(schema) == []
