"""Label and field selectors parse, match and print as kube-apiserver's do."""

from __future__ import annotations

from typing import Any

import pytest

from rollouts.devcluster import selectors
from rollouts.devcluster.selectors import SelectorError

NAME_RULE = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
VALUE_RULE = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
OPERATORS = "expected: in, notin, =, ==, !=, gt, lt"


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("", ""),
        ("   ", ""),
        ("app=web", "app=web"),
        ("app==web", "app==web"),
        ("app!=web", "app!=web"),
        ("tier in (b,a)", "tier in (a,b)"),
        ("tier notin (x)", "tier notin (x)"),
        ("tier in (a,a,b)", "tier in (a,b)"),
        ("tier in ()", "tier in ()"),
        ("tier in (,a)", "tier in (,a)"),
        ("app", "app"),
        ("!app", "!app"),
        ("tier=x,app=web", "app=web,tier=x"),
        ("  app = web ,  tier   in(a , b) ", "app=web,tier in (a,b)"),
        ("app=", "app="),
        ("in in (in,notin)", "in in (in,notin)"),
        ("app.kubernetes.io/name=web", "app.kubernetes.io/name=web"),
        ("replicas>2,weight<10", "replicas>2,weight<10"),
        ("app=web,!canary,track notin (old)", "app=web,!canary,track notin (old)"),
    ],
    ids=[
        "empty",
        "blank",
        "equals",
        "double-equals",
        "not-equals",
        "in-sorts-values",
        "notin",
        "in-drops-repeats",
        "in-empty-parens",
        "in-leading-comma",
        "exists",
        "does-not-exist",
        "sorts-by-key",
        "whitespace",
        "empty-value",
        "keywords-as-key-and-values",
        "prefixed-key",
        "greater-and-less",
        "mixed",
    ],
)
def test_a_label_selector_prints_in_canonical_form(text: str, canonical: str) -> None:
    assert selectors.parse_label_selector(text).to_string() == canonical


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("app web", f"unable to parse requirement: found 'web', {OPERATORS}"),
        ("app=web,", "found '', expected: identifier after ','"),
        (",app", "found ',', expected: !, identifier, or 'end of string'"),
        ("app=web)", "found ')', expected: ',' or 'end of string'"),
        ("tier in a", "unable to parse requirement: found 'a' expected: '('"),
        ("tier in (a b)", "unable to parse requirement: found 'b', expected: ',' or ')'"),
        ("tier in (a", "unable to parse requirement: found '', expected: ',' or ')'"),
        ("tier in (a,", "unable to parse requirement: found '', expected: ',', or identifier"),
        ("tier in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"),
        ("app=!web", "unable to parse requirement: found '!', expected: identifier"),
        ("e!!ss", f"unable to parse requirement: found '!', {OPERATORS}"),
        ("-app=web", f'unable to parse requirement: <nil>: Invalid value: "-app": {NAME_RULE}'),
        (
            "app=we@b",
            f'unable to parse requirement: values[0][app]: Invalid value: "we@b": {VALUE_RULE}',
        ),
        (
            "weight>heavy",
            'unable to parse requirement: values[0]: Invalid value: "heavy": '
            "for 'Gt', 'Lt' operators, the value must be an integer",
        ),
    ],
    ids=[
        "missing-operator",
        "trailing-comma",
        "leading-comma",
        "stray-paren",
        "in-without-parens",
        "in-missing-comma",
        "in-unclosed",
        "in-dangling-comma",
        "in-with-operator",
        "value-is-operator",
        "doubled-bang",
        "bad-key",
        "bad-value",
        "non-integer-comparison",
    ],
)
def test_a_bad_label_selector_is_refused_with_the_apiservers_words(text: str, message: str) -> None:
    with pytest.raises(SelectorError) as caught:
        selectors.parse_label_selector(text)
    assert str(caught.value) == message


def test_a_selector_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unable to parse requirement"):
        selectors.parse_label_selector("a b")


@pytest.mark.parametrize(
    ("text", "labels", "selected"),
    [
        ("", {}, True),
        ("", None, True),
        ("app=web", {"app": "web"}, True),
        ("app=web", {"app": "api"}, False),
        ("app=web", {}, False),
        ("app!=web", {}, True),
        ("app!=web", {"app": "web"}, False),
        ("tier in (a,b)", {"tier": "b"}, True),
        ("tier in (a,b)", {}, False),
        ("tier notin (a,b)", {}, True),
        ("tier notin (a,b)", {"tier": "a"}, False),
        ("app", {"app": ""}, True),
        ("!app", {"app": ""}, False),
        ("!app", None, True),
        ("app=", {"app": ""}, True),
        ("replicas>2", {"replicas": "3"}, True),
        ("replicas>2", {"replicas": "two"}, False),
        ("replicas<2", {}, False),
        ("app=web,tier=fe", {"app": "web", "tier": "be"}, False),
        ("app=web,tier=fe", {"app": "web", "tier": "fe", "extra": "x"}, True),
    ],
    ids=[
        "empty-selects-all",
        "empty-selects-unlabelled",
        "equals-hit",
        "equals-miss",
        "equals-absent",
        "not-equals-absent",
        "not-equals-hit",
        "in-hit",
        "in-absent",
        "notin-absent",
        "notin-hit",
        "exists-empty-value",
        "does-not-exist-present",
        "does-not-exist-no-labels",
        "empty-value",
        "greater-than",
        "greater-than-not-a-number",
        "less-than-absent",
        "all-terms-must-hold",
        "extra-labels-allowed",
    ],
)
def test_a_label_selector_matches_as_the_apiserver_does(
    text: str, labels: dict[str, str] | None, selected: bool
) -> None:
    assert selectors.parse_label_selector(text).matches(labels) is selected


def test_an_object_selector_prints_sorted_by_key_as_the_scale_subresource_shows_it() -> None:
    selector = {
        "matchLabels": {"tier": "fe", "app": "web"},
        "matchExpressions": [
            {"key": "env", "operator": "In", "values": ["prod", "dev"]},
            {"key": "canary", "operator": "DoesNotExist"},
            {"key": "track", "operator": "NotIn", "values": ["old"]},
            {"key": "zone", "operator": "Exists"},
        ],
    }
    parsed = selectors.label_selector_from_object(selector)
    assert parsed.to_string() == "app=web,!canary,env in (dev,prod),tier=fe,track notin (old),zone"
    assert parsed.matches({"app": "web", "tier": "fe", "env": "dev", "zone": "a"})
    assert not parsed.matches({"app": "web", "tier": "fe", "env": "dev", "canary": "1"})


@pytest.mark.parametrize(
    "selector",
    [{}, {"matchLabels": {}}, {"matchLabels": {}, "matchExpressions": []}],
    ids=["braces", "empty-labels", "empty-lists"],
)
def test_an_empty_object_selector_selects_everything(selector: dict[str, Any]) -> None:
    parsed = selectors.label_selector_from_object(selector)
    assert parsed.is_empty
    assert parsed.matches({"any": "thing"})
    assert parsed.to_string() == ""
    assert selectors.is_empty(selector)


def test_no_object_selector_selects_nothing() -> None:
    parsed = selectors.label_selector_from_object(None)
    assert not parsed.matches({})
    assert not parsed.is_empty


def test_a_selector_with_terms_is_not_empty() -> None:
    assert not selectors.is_empty({"matchLabels": {"app": "web"}})


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        (
            {"matchExpressions": [{"key": "a", "operator": "Within", "values": ["x"]}]},
            '"Within" is not a valid label selector operator',
        ),
        (
            {"matchExpressions": [{"key": "a", "operator": "In", "values": []}]},
            "values: Invalid value: []string(nil): for 'in', 'notin' operators, "
            "values set can't be empty",
        ),
        (
            {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]},
            'values: Invalid value: []string{"x"}: values set must be empty for exists and '
            "does not exist",
        ),
        ({"matchLabels": {"a b": "x"}}, f'key: Invalid value: "a b": {NAME_RULE}'),
    ],
    ids=["unknown-operator", "in-without-values", "exists-with-values", "bad-key"],
)
def test_a_bad_object_selector_is_refused(selector: dict[str, Any], message: str) -> None:
    with pytest.raises(SelectorError) as caught:
        selectors.label_selector_from_object(selector)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("selector", "shown"),
    [
        ({"matchLabels": {"app": "web"}}, "app=web"),
        ({}, "<none>"),
        (None, "<none>"),
        ({"matchExpressions": [{"key": "a", "operator": "Nope"}]}, "<error>"),
    ],
    ids=["labels", "empty", "absent", "invalid"],
)
def test_a_selector_is_formatted_for_tables_like_format_label_selector(
    selector: dict[str, Any] | None, shown: str
) -> None:
    assert selectors.format_label_selector(selector) == shown


# --------------------------------------------------------------------------- field selectors

POD = {
    "metadata": {"name": "web-1", "namespace": "shop"},
    "spec": {"nodeName": "node-a", "restartPolicy": "Always"},
    "status": {"phase": "Running", "podIP": "10.0.0.5"},
}
EVENT = {
    "metadata": {"name": "web-1.17a", "namespace": "shop"},
    "involvedObject": {"kind": "Pod", "name": "web-1", "namespace": "shop"},
    "reason": "Pulled",
    "type": "Normal",
    "reportingComponent": "kubelet",
    "source": {},
}
PODS = selectors.FIELD_SELECTORS["pods"]
EVENTS = selectors.FIELD_SELECTORS["events"]


@pytest.mark.parametrize(
    ("text", "supported", "obj", "selected"),
    [
        ("", frozenset(), POD, True),
        ("metadata.name=web-1", frozenset(), POD, True),
        ("metadata.name==web-1", frozenset(), POD, True),
        ("metadata.name!=web-1", frozenset(), POD, False),
        ("metadata.namespace=shop,status.phase=Running", PODS, POD, True),
        ("status.phase!=Running", PODS, POD, False),
        ("spec.nodeName=", PODS, POD, False),
        ("spec.schedulerName=", PODS, POD, True),
        ("spec.hostNetwork=false", PODS, POD, True),
        ("involvedObject.kind=Pod,involvedObject.name=web-1", EVENTS, EVENT, True),
        ("source=kubelet", EVENTS, EVENT, True),
        ("reportingComponent=kubelet", EVENTS, EVENT, True),
        ("status.replicas=0", selectors.FIELD_SELECTORS["replicasets"], {"status": {}}, True),
        ("type=kubernetes.io/tls", selectors.FIELD_SELECTORS["secrets"], {"type": "Opaque"}, False),
    ],
    ids=[
        "empty-selects-all",
        "name",
        "name-double-equals",
        "name-not-equals",
        "namespace-and-phase",
        "phase-not-equals",
        "scheduled-pods-have-a-node",
        "missing-field-is-empty",
        "missing-bool-is-false",
        "event-object",
        "event-source-falls-back-to-reporting-component",
        "event-reporting-component",
        "missing-count-is-zero",
        "secret-type",
    ],
)
def test_a_field_selector_matches_the_field_text(
    text: str, supported: frozenset[str], obj: dict[str, Any], selected: bool
) -> None:
    assert selectors.parse_field_selector(text, supported=supported).matches(obj) is selected


@pytest.mark.parametrize(
    ("text", "supported", "message"),
    [
        ("spec.nodeName=a", frozenset(), "field label not supported: spec.nodeName"),
        (
            "status.phase=Running",
            selectors.supported_fields("services"),
            "field label not supported: status.phase",
        ),
        ("metadata.name = web", frozenset(), "field label not supported: metadata.name "),
        (
            "metadata.name",
            frozenset(),
            "invalid selector: 'metadata.name'; can't understand 'metadata.name'",
        ),
        (
            "metadata.name=a=b",
            frozenset(),
            "invalid field selector: unescaped character in value: 61",
        ),
        ("metadata.name=a\\x", frozenset(), "invalid field selector: invalid escape sequence: \\x"),
        ("metadata.name=a\\", frozenset(), "invalid field selector: invalid escape sequence: \\"),
    ],
    ids=[
        "unsupported-field",
        "pod-field-on-services",
        "whitespace-is-not-trimmed",
        "no-operator",
        "unescaped-equals",
        "unknown-escape",
        "trailing-backslash",
    ],
)
def test_a_bad_field_selector_is_refused_with_the_apiservers_words(
    text: str, supported: frozenset[str], message: str
) -> None:
    with pytest.raises(SelectorError) as caught:
        selectors.parse_field_selector(text, supported=supported)
    assert str(caught.value) == message


def test_a_field_selector_prints_sorted_and_escaped() -> None:
    parsed = selectors.parse_field_selector(
        "status.phase==Running,metadata.name=a\\,b", supported=PODS
    )
    assert parsed.to_string() == "metadata.name=a\\,b,status.phase=Running"
    assert parsed.exact_value("metadata.name") == "a,b"
    assert parsed.exact_value("spec.nodeName") is None


def test_empty_terms_between_commas_are_ignored() -> None:
    assert selectors.parse_field_selector(
        ",metadata.name=a,", supported=frozenset()
    ).to_string() == ("metadata.name=a")


@pytest.mark.parametrize(
    ("resource", "field", "allowed"),
    [
        ("pods", "status.podIP", True),
        ("pods", "status.nominatedNodeName", True),
        ("events", "involvedObject.uid", True),
        ("namespaces", "status.phase", True),
        ("deployments", "metadata.namespace", True),
        ("deployments", "status.replicas", False),
        ("configmaps", "data", False),
    ],
    ids=[
        "pod-ip",
        "nominated-node",
        "event-uid",
        "namespace-phase",
        "metadata",
        "no-extras",
        "data",
    ],
)
def test_each_resource_allows_the_apiservers_fields(
    resource: str, field: str, allowed: bool
) -> None:
    assert (field in selectors.supported_fields(resource)) is allowed
