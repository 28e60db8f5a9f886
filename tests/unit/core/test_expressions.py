"""Analysis conditions in Argo's expr language (argo-rollouts-spec.md §3.3): how operators group,
what conditions evaluate to, the errors users see (with their columns), and that nothing but
plain data is reachable from a condition."""

from __future__ import annotations

import contextlib
import math
import pathlib
import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rollouts.core import expressions
from rollouts.core import expressions_parse as syntax
from rollouts.core.expressions import ExpressionError

NAN = math.nan
INF = math.inf


def render(node: syntax.Node | None) -> str:
    """The tree as source with every operation in parentheses: `(a + (b * c))`."""
    return "" if node is None else _RENDERERS[type(node)](node)


def _literal(value: Any) -> str:
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return str(value).lower()
    return syntax.quote(value) if isinstance(value, str) else repr(value)


def _member(node: syntax.Member) -> str:
    key = node.key
    if isinstance(key, syntax.Literal) and isinstance(key.value, str) and key.value.isidentifier():
        return f"{render(node.target)}.{key.value}"
    return f"{render(node.target)}[{render(key)}]"


def _call(node: syntax.Call) -> str:
    args = [render(arg) for arg in node.args]
    if node.predicate is not None:
        args.append("{" + render(node.predicate) + "}")
    return f"{node.name}({', '.join(args)})"


_RENDERERS: dict[type, Callable[[Any], str]] = {
    syntax.Literal: lambda node: _literal(node.value),
    syntax.Name: lambda node: node.name,
    syntax.Pointer: lambda node: "#" + node.name,
    syntax.Array: lambda node: "[" + ", ".join(render(item) for item in node.items) + "]",
    syntax.Member: _member,
    syntax.Slice: lambda node: f"{render(node.target)}[{render(node.start)}:{render(node.stop)}]",
    syntax.Unary: lambda node: f"({node.op}{render(node.operand)})",
    syntax.Binary: lambda node: f"({render(node.left)} {node.op} {render(node.right)})",
    syntax.Conditional: lambda node: (
        f"({render(node.condition)} ? {render(node.then)} : {render(node.otherwise)})"
    ),
    syntax.Call: _call,
}


def same(actual: Any, expected: Any) -> bool:
    """Equality that also holds for NaN and tells 1 from 1.0 and True from 1."""
    if isinstance(expected, float) and math.isnan(expected):
        return isinstance(actual, float) and math.isnan(actual)
    return type(actual) is type(expected) and actual == expected


@pytest.mark.parametrize(
    ("source", "grouped"),
    [
        pytest.param("1 + 2 * 3", "(1 + (2 * 3))", id="times-before-plus"),
        pytest.param("(1 + 2) * 3", "((1 + 2) * 3)", id="parentheses-first"),
        pytest.param("1 - 2 - 3", "((1 - 2) - 3)", id="minus-is-left-associative"),
        pytest.param("8 / 4 % 3", "((8 / 4) % 3)", id="divide-and-modulo-share-a-level"),
        pytest.param("2 ** 3 ** 2", "(2 ** (3 ** 2))", id="power-is-right-associative"),
        pytest.param("2 ^ 3", "(2 ** 3)", id="caret-is-power"),
        pytest.param("-2 ** 2", "(-(2 ** 2))", id="power-before-negation"),
        pytest.param("-a * b", "((-a) * b)", id="negation-before-times"),
        pytest.param("!a == b", "((!a) == b)", id="not-before-comparison"),
        pytest.param("!a * b", "(!(a * b))", id="not-after-times-as-in-expr"),
        pytest.param("not a && b", "((!a) && b)", id="word-not-before-and"),
        pytest.param("a && b || c", "((a && b) || c)", id="and-before-or"),
        pytest.param("a || b && c", "(a || (b && c))", id="and-before-or-on-the-right"),
        pytest.param("a and b or c", "((a && b) || c)", id="word-operators"),
        pytest.param("a == b && c != d", "((a == b) && (c != d))", id="comparisons-before-and"),
        pytest.param("a + b < c * d", "((a + b) < (c * d))", id="arithmetic-before-comparison"),
        pytest.param("1 < x < 3", "((1 < x) && (x < 3))", id="ordering-comparisons-chain"),
        pytest.param("a == b == c", "((a == b) == c)", id="equality-does-not-chain"),
        pytest.param("a not in b", "(!(a in b))", id="not-in-negates-in"),
        pytest.param("a in b || c", "((a in b) || c)", id="in-before-or"),
        pytest.param("a contains b && c", "((a contains b) && c)", id="contains-is-a-comparison"),
        pytest.param("a + b ?? c", "(a + (b ?? c))", id="coalesce-binds-tightest"),
        pytest.param("a ?? b ?? c", "((a ?? b) ?? c)", id="coalesce-chains"),
        pytest.param("a ? b : c ? d : e", "(a ? b : (c ? d : e))", id="ternary-nests-right"),
        pytest.param("a || b ? c : d", "((a || b) ? c : d)", id="ternary-is-loosest"),
        pytest.param("result.a.b[0]", "result.a.b[0]", id="member-chain"),
        pytest.param('result["a-b"]', 'result["a-b"]', id="bracket-member"),
        pytest.param("result[1:2]", "result[1:2]", id="slice"),
        pytest.param("len(result) > 0", "(len(result) > 0)", id="call-is-an-operand"),
        pytest.param("all(result, {# > 0})", "all(result, {(# > 0)})", id="predicate"),
        pytest.param(
            "filter(result, {.status == 'ok'})",
            'filter(result, {(#.status == "ok")})',
            id="dot-field-is-the-element-field",
        ),
        pytest.param("map(result, #index)", "map(result, {#index})", id="predicate-without-braces"),
    ],
)
def test_operators_group_as_in_expr(source: str, grouped: str) -> None:
    assert render(expressions.parse(source).tree) == grouped


@pytest.mark.parametrize(
    ("source", "result", "expected"),
    [
        # literals
        pytest.param("42", None, 42, id="integer"),
        pytest.param("4.5", None, 4.5, id="float"),
        pytest.param("1e-3", None, 0.001, id="exponent-makes-a-float"),
        pytest.param(".5", None, 0.5, id="leading-dot-float"),
        pytest.param("1_000", None, 1000, id="underscores-in-numbers"),
        pytest.param("0x1F", None, 31, id="hex-integer"),
        pytest.param('"a\\tb"', None, "a\tb", id="double-quoted-escapes"),
        pytest.param("'it\\'s'", None, "it's", id="single-quoted-escapes"),
        pytest.param('"\\u00e9\\x41\\101"', None, "éAA", id="unicode-hex-and-octal-escapes"),
        pytest.param("`raw\\n`", None, "raw\\n", id="backquotes-are-raw"),
        pytest.param("true", None, True, id="true"),
        pytest.param("nil", None, None, id="nil"),
        pytest.param("[1, 2.5, 'x']", None, [1, 2.5, "x"], id="array"),
        pytest.param("[1, 2,]", None, [1, 2], id="array-trailing-comma"),
        pytest.param("[]", None, [], id="empty-array"),
        pytest.param("1 + /* two */ 2 // done", None, 3, id="comments"),
        # arithmetic
        pytest.param("7 / 2", None, 3.5, id="division-is-float"),
        pytest.param("6 / 3", None, 2.0, id="exact-division-is-still-float"),
        pytest.param("7 % 3", None, 1, id="modulo"),
        pytest.param("-7 % 3", None, -1, id="modulo-truncates-like-go"),
        pytest.param("2 ** 10", None, 1024.0, id="power-is-float"),
        pytest.param("1 + 2.5", None, 3.5, id="int-plus-float"),
        pytest.param("'a' + 'b'", None, "ab", id="string-concatenation"),
        pytest.param("9223372036854775807 + 1", None, -(2**63), id="integers-wrap-at-64-bits"),
        pytest.param("1 / 0", None, INF, id="divide-by-zero-is-infinite"),
        pytest.param("-1 / 0", None, -INF, id="negative-divide-by-zero"),
        pytest.param("0 / 0", None, NAN, id="zero-by-zero-is-nan"),
        pytest.param("(-8) ** 0.5", None, NAN, id="root-of-negative-is-nan"),
        pytest.param("10 ** 400", None, INF, id="power-overflow-is-infinite"),
        pytest.param("- -3", None, 3, id="double-negation"),
        pytest.param("+3", None, 3, id="unary-plus"),
        pytest.param("result * 2", 0.25, 0.5, id="result-in-arithmetic"),
        # comparisons
        pytest.param("1 == 1.0", None, True, id="int-equals-float"),
        pytest.param("1 < 1.5", None, True, id="int-less-than-float"),
        pytest.param("'a' < 'b'", None, True, id="strings-compare"),
        pytest.param("1 == '1'", None, False, id="equality-across-types-is-false"),
        pytest.param("true == 1", None, False, id="bool-is-not-a-number"),
        pytest.param("nil == nil", None, True, id="nil-equals-nil"),
        pytest.param("[1, 2] == [1.0, 2]", None, True, id="arrays-compare-by-element"),
        pytest.param("result == nil", None, True, id="result-is-nil"),
        pytest.param("result != result", NAN, True, id="nan-is-not-itself"),
        # logic
        pytest.param("true && false", None, False, id="and"),
        pytest.param("false || true", None, True, id="or"),
        pytest.param("not false", None, True, id="word-not"),
        pytest.param("false && result.x", 1.5, False, id="and-short-circuits"),
        pytest.param("true || result.x", 1.5, True, id="or-short-circuits"),
        pytest.param("result > 1 ? 'high' : 'low'", 2.0, "high", id="ternary"),
        pytest.param("result.missing ?? 0", {"a": 1}, 0, id="coalesce-nil"),
        pytest.param("result.a ?? 0", {"a": 1}, 1, id="coalesce-value"),
        # membership and strings
        pytest.param("2 in result", [2.0, 3.0], True, id="in-array-across-number-types"),
        pytest.param("'status' in result", {"status": "ok"}, True, id="in-map-keys"),
        pytest.param("'x' not in result", {"status": "ok"}, True, id="not-in-map-keys"),
        pytest.param("1 in result", None, False, id="in-nil-is-false"),
        pytest.param("'canary' contains 'nar'", None, True, id="contains"),
        pytest.param("'canary' startsWith 'can'", None, True, id="starts-with"),
        pytest.param("'canary' endsWith 'ry'", None, True, id="ends-with"),
        pytest.param("'canary' not contains 'x'", None, True, id="not-contains"),
        # members, indexes and slices
        pytest.param("result.a.b", {"a": {"b": 3}}, 3, id="nested-field"),
        pytest.param('result["a-b"]', {"a-b": 1}, 1, id="bracketed-key"),
        pytest.param("result.missing", {"a": 1}, None, id="missing-key-is-nil"),
        pytest.param("result[0]", [5.0, 6.0], 5.0, id="index"),
        pytest.param("result[-1]", [5.0, 6.0], 6.0, id="negative-index-from-the-end"),
        pytest.param("result[1:]", [1, 2, 3], [2, 3], id="slice-from"),
        pytest.param("result[:2]", [1, 2, 3], [1, 2], id="slice-to"),
        pytest.param("result[-2:]", [1, 2, 3], [2, 3], id="slice-from-the-end"),
        pytest.param("result[5:]", [1, 2, 3], [], id="slice-past-the-end-is-empty"),
        pytest.param("'abc'[1]", None, "b", id="string-index"),
        # functions
        pytest.param("len(result)", [1, 2], 2, id="len-array"),
        pytest.param("len('abc')", None, 3, id="len-string"),
        pytest.param("len(result)", {"a": 1}, 1, id="len-map"),
        pytest.param("all(result, {# > 0})", [1, 2], True, id="all"),
        pytest.param("all(result, {# > 0})", [], True, id="all-of-nothing-is-true"),
        pytest.param("any(result, {# > 1})", [1, 2], True, id="any"),
        pytest.param("none(result, {# > 2})", [1, 2], True, id="none"),
        pytest.param("one(result, {# > 1})", [1, 2, 3], False, id="one"),
        pytest.param("filter(result, {# > 1})", [1, 2, 3], [2, 3], id="filter"),
        pytest.param("map(result, {# * 2})", [1, 2], [2, 4], id="map"),
        pytest.param("count(result, {# > 1})", [1, 2, 3], 2, id="count"),
        pytest.param("count(result)", [True, False, True], 2, id="count-trues"),
        pytest.param("sum(result)", [1, 2.5], 3.5, id="sum"),
        pytest.param("sum(result, {# * 2})", [1, 2], 6, id="sum-of-a-predicate"),
        pytest.param("sum([])", None, 0, id="sum-of-nothing"),
        pytest.param(
            "filter(result, {#.status == 'ok'})",
            [{"status": "ok"}, {"status": "bad"}],
            [{"status": "ok"}],
            id="filter-on-element-fields",
        ),
        pytest.param("map(result, {.x})", [{"x": 1}, {"x": 2}], [1, 2], id="dot-field-shorthand"),
        pytest.param("all(result, {# == #index})", [0, 1, 2], True, id="index-pointer"),
        pytest.param("all(result, {any(#, {# > 1})})", [[1, 2], [3]], True, id="nested-predicates"),
        pytest.param("isNaN(result[0])", [NAN], True, id="is-nan"),
        pytest.param("isNaN(1)", None, False, id="an-int-is-never-nan"),
        pytest.param("isInf(result)", -INF, True, id="is-inf"),
        pytest.param("isNil(result)", None, True, id="is-nil"),
        pytest.param("isNil(result)", [], False, id="an-empty-array-is-not-nil"),
        pytest.param("asInt('42')", None, 42, id="as-int-of-a-string"),
        pytest.param("asInt(1.9)", None, 1, id="as-int-truncates"),
        pytest.param("asFloat('0.5')", None, 0.5, id="as-float-of-a-string"),
        pytest.param("asFloat(2)", None, 2.0, id="as-float-of-an-int"),
        pytest.param("default(result, [0])", None, [0], id="default-for-nil"),
        pytest.param("default(result, [0])", [1.0], [1.0], id="default-keeps-a-value"),
        pytest.param("abs(-3)", None, 3, id="abs-int"),
        pytest.param("abs(-2.5)", None, 2.5, id="abs-float"),
        pytest.param("max(1, 5, 3)", None, 5, id="max-of-arguments"),
        pytest.param("max(result)", [1.0, 5.0], 5.0, id="max-of-an-array"),
        pytest.param("max([])", None, None, id="max-of-nothing-is-nil"),
        pytest.param("min(result, 0)", [1, 2], 0, id="min-flattens-arrays"),
        pytest.param("mean([1, 2, 3, 4])", None, 2.5, id="mean"),
        pytest.param("mean([])", None, 0.0, id="mean-of-nothing"),
        pytest.param("mean(1e308, 1e308)", None, math.inf, id="mean-overflows-to-inf-as-in-go"),
        pytest.param("median([3, 1, 2])", None, 2.0, id="median"),
        pytest.param("int('42')", None, 42, id="int-of-a-string"),
        pytest.param("int(3.9)", None, 3, id="int-truncates"),
        pytest.param("float('1.5')", None, 1.5, id="float-of-a-string"),
        pytest.param("string(0.5)", None, "0.5", id="string-of-a-float"),
        pytest.param("string(1e21)", None, "1e+21", id="string-of-a-large-float-as-go"),
        pytest.param("string(100.0)", None, "100", id="string-of-a-whole-float-as-go"),
        pytest.param("string([1, 'a'])", None, "[1 a]", id="string-of-an-array-as-go"),
        pytest.param("string(result)", {"b": 1, "a": True}, "map[a:true b:1]", id="string-map"),
        pytest.param("string(nil)", None, "<nil>", id="string-of-nil"),
        pytest.param("lower('OK')", None, "ok", id="lower"),
        pytest.param("upper('ok')", None, "OK", id="upper"),
        pytest.param("trim('  ok ')", None, "ok", id="trim-spaces"),
        pytest.param("trim('xxokx', 'x')", None, "ok", id="trim-a-cutset"),
        pytest.param("first(result)", [1, 2], 1, id="first"),
        pytest.param("last(result)", [], None, id="last-of-nothing-is-nil"),
        pytest.param("keys(result)", {"a": 1}, ["a"], id="keys"),
        pytest.param("values(result)", {"a": 1}, [1], id="values"),
    ],
)
def test_expressions_evaluate_as_in_expr(source: str, result: Any, expected: Any) -> None:
    actual = expressions.evaluate(source, {"result": result})
    assert same(actual, expected), actual


@pytest.mark.parametrize(
    ("condition", "result", "expected"),
    [
        pytest.param("result[0] >= 0.95", [0.99], True, id="vector-success-rate-passes"),
        pytest.param("result[0] >= 0.95", [0.5], False, id="vector-success-rate-fails"),
        pytest.param("result < 0.05", 0.01, True, id="scalar-error-rate"),
        pytest.param("result > 1", 5.0, True, id="scalar-float"),
        pytest.param("len(result) == 0 || result[0] < 10", [], True, id="no-data-is-fine"),
        pytest.param("len(result) == 0 || result[0] < 10", [12.0], False, id="data-is-judged"),
        pytest.param("len(result) > 0 && result[0] >= 0.95", [], False, id="no-data-fails"),
        pytest.param("all(result, {# < 100})", [1.0, 99.0], True, id="every-series-below"),
        pytest.param("all(result, {# < 100})", [1.0, 101.0], False, id="one-series-above"),
        pytest.param("isNaN(result[0])", [NAN], True, id="nan-detected"),
        pytest.param("result[0] >= 0.95", [NAN], False, id="nan-fails-a-success-condition"),
        pytest.param("result[0] > 0.05", [NAN], False, id="nan-passes-a-failure-condition"),
        pytest.param("isNaN(result[0]) || result[0] > 0.05", [NAN], True, id="nan-guarded-failure"),
        pytest.param('result.status == "ok"', {"status": "ok"}, True, id="web-metric-field"),
        pytest.param("result.latency.p99 < 300", {"latency": {"p99": 120}}, True, id="web-nested"),
        pytest.param("result == true", True, True, id="argo-bool-result"),
        pytest.param("asInt(result) == 1", "1", True, id="argo-as-int-of-a-string"),
        pytest.param("asInt(result) == 1", 1.123, True, id="argo-as-int-of-a-float"),
        pytest.param("asFloat(result) >= 1.1", "1.1", True, id="argo-as-float-of-a-string"),
        pytest.param("2 in result", [2.0, 2.0], True, id="argo-in-operator"),
        pytest.param(
            "all(result.service_apdex.values.values, {# > 1})",
            {"service_apdex": {"label": None, "values": {"values": [2.0, 2.0]}}},
            True,
            id="argo-nested-array",
        ),
        pytest.param("default(result, [0])[0] < 0.05", None, True, id="default-for-nil-result"),
        pytest.param(
            "isNil(result) || len(result) == 0 || result[0] < 0.05", [], True, id="no-data-ok"
        ),
        pytest.param(
            "isNil(result) || len(result) == 0 || result[0] < 0.05", [0.1], False, id="judged"
        ),
    ],
)
def test_conditions_as_argo_users_write_them(condition: str, result: Any, expected: bool) -> None:
    assert expressions.evaluate_condition(condition, result) is expected


@pytest.mark.parametrize(
    ("source", "message", "column"),
    [
        pytest.param(
            "result[0] >)",
            'unexpected token ")" at column 12 (expected an expression)',
            12,
            id="missing-operand",
        ),
        pytest.param(
            "", "unexpected end of expression at column 1 (expected an expression)", 1, id="empty"
        ),
        pytest.param(
            "1 +", "unexpected end of expression at column 4 (expected an expression)", 4, id="eof"
        ),
        pytest.param(
            "result[0",
            'unexpected end of expression at column 9 (expected "]" or ":")',
            9,
            id="unclosed-index",
        ),
        pytest.param(
            "(1 + 2",
            'unexpected end of expression at column 7 (expected ")")',
            7,
            id="unclosed-parenthesis",
        ),
        pytest.param(
            "len(result",
            'unexpected end of expression at column 11 (expected "," or ")")',
            11,
            id="unclosed-call",
        ),
        pytest.param(
            "[1 2]", 'unexpected token "2" at column 4 (expected "," or "]")', 4, id="array-comma"
        ),
        pytest.param(
            "result 5",
            'unexpected token "5" at column 8 (expected an operator or the end of the expression)',
            8,
            id="two-operands",
        ),
        pytest.param(
            "result = 1", 'unexpected token "=" at column 8 (use "==" to compare)', 8, id="assign"
        ),
        pytest.param("a & b", 'unexpected token "&" at column 3 (use "&&")', 3, id="single-and"),
        pytest.param(
            "true ? 1",
            'unexpected end of expression at column 9 (expected ":")',
            9,
            id="ternary-without-else",
        ),
        pytest.param(
            "all(result, {# > 0)",
            'unexpected token ")" at column 19 (expected "}")',
            19,
            id="unclosed-predicate",
        ),
        pytest.param(
            "a not b",
            'unexpected token "b" at column 7 (expected "in", "contains", "startsWith" or '
            '"endsWith")',
            7,
            id="not-needs-in",
        ),
        pytest.param("'abc", "unterminated string at column 1", 1, id="unterminated-string"),
        pytest.param(
            '"a\\qb"', 'invalid escape sequence "\\\\q" at column 3', 3, id="invalid-escape"
        ),
        pytest.param("1 @ 2", 'unrecognized character "@" at column 3', 3, id="unknown-char"),
        pytest.param("12abc", 'bad number syntax "12a" at column 1', 1, id="number-then-letter"),
        pytest.param(
            "99999999999999999999", "integer literal is too large at column 1", 1, id="big-int"
        ),
        pytest.param("1e999", "float literal is too large at column 1", 1, id="big-float"),
        pytest.param("1 + /* open", "unclosed comment at column 5", 5, id="unclosed-comment"),
        pytest.param("foo(1)", "unknown function foo at column 1", 1, id="unknown-function"),
        pytest.param(
            "len()",
            "wrong number of arguments for len at column 1 (expected 1, got 0)",
            1,
            id="too-few-arguments",
        ),
        pytest.param(
            "1 < trim(a, b, c)",
            "wrong number of arguments for trim at column 5 (expected 1 or 2, got 3)",
            5,
            id="too-many-arguments",
        ),
        pytest.param(
            "all(result)",
            "wrong number of arguments for all at column 1 (expected 2, got 1)",
            1,
            id="predicate-missing",
        ),
        pytest.param(
            "# > 0",
            "cannot use # outside a predicate at column 1 (use it inside the {…} of all, any, "
            "none, one, filter, map, count or sum)",
            1,
            id="pointer-outside-predicate",
        ),
        pytest.param(
            "all(result, {#foo > 0})",
            "unknown pointer #foo at column 14 (expected # or #index)",
            14,
            id="unknown-pointer",
        ),
        pytest.param(
            "result.status()", "method calls are not supported at column 8", 8, id="method-call"
        ),
        pytest.param(
            "result.",
            'unexpected end of expression at column 8 (expected a field name after ".")',
            8,
            id="dot-without-field",
        ),
        pytest.param(
            "a ?? b || c",
            'operators "||" and "??" cannot be mixed at column 8 (wrap one side in parentheses)',
            8,
            id="coalesce-mixed",
        ),
        pytest.param(
            "result matches 'a.*'",
            'the "matches" operator is not supported at column 8',
            8,
            id="matches",
        ),
        pytest.param(
            "result[0] >\n  )",
            'unexpected token ")" at line 2, column 3 (expected an expression)',
            3,
            id="multi-line-names-the-line",
        ),
        pytest.param(
            "(" * 80 + "1" + ")" * 80,
            "expression is nested too deeply at column 65",
            65,
            id="nesting-limit",
        ),
    ],
)
def test_parse_errors_say_where_and_what_was_expected(
    source: str, message: str, column: int
) -> None:
    with pytest.raises(ExpressionError) as caught:
        expressions.parse(source)
    assert str(caught.value) == message
    assert caught.value.column == column


@pytest.mark.parametrize(
    ("source", "result", "message", "column"),
    [
        pytest.param(
            "result[2]", [1.0], "index out of range: 2 (array of length 1)", 7, id="index-high"
        ),
        pytest.param(
            "result[-2]", [1.0], "index out of range: -2 (array of length 1)", 7, id="index-low"
        ),
        pytest.param(
            "result[0] > 1", [], "index out of range: 0 (array of length 0)", 7, id="no-data"
        ),
        pytest.param("foo > 1", None, "unknown name foo", 1, id="unknown-name"),
        pytest.param("result.field", 1.5, "cannot fetch field from float64", 8, id="field-float"),
        pytest.param("result.x", None, "cannot fetch x from <nil>", 8, id="field-of-nil"),
        pytest.param("result.x", [1], "cannot fetch x from []interface {}", 8, id="field-array"),
        pytest.param(
            "result[0]", {"a": 1}, "cannot fetch 0 from map[string]interface {}", 7, id="map-index"
        ),
        pytest.param("result[0/0]", [1], "cannot convert float64 NaN to int", 7, id="nan-index"),
        pytest.param("result[1:]", 1.5, "cannot slice float64", 7, id="slice-a-number"),
        pytest.param(
            "'a' < 1", None, "invalid operation: < (mismatched types string and int)", 5, id="lt"
        ),
        pytest.param(
            "result >= 1",
            "x",
            "invalid operation: >= (mismatched types string and int)",
            8,
            id="result-type",
        ),
        pytest.param(
            "1 + result",
            None,
            "invalid operation: + (mismatched types int and <nil>)",
            3,
            id="plus-nil",
        ),
        pytest.param(
            "5.5 % 2",
            None,
            "invalid operation: % (mismatched types float64 and int)",
            5,
            id="modulo-float",
        ),
        pytest.param("5 % 0", None, "integer divide by zero", 3, id="modulo-zero"),
        pytest.param(
            "result && true",
            1.5,
            "invalid operation: && (expected bool on the left, but got float64)",
            8,
            id="and-left",
        ),
        pytest.param(
            "false || false or result",
            1.5,
            "invalid operation: || (expected bool on the right, but got float64)",
            16,
            id="or-right",
        ),
        pytest.param(
            "!result",
            1.5,
            "invalid operation: ! (expected bool, but got float64)",
            1,
            id="not-number",
        ),
        pytest.param(
            "-result",
            "x",
            "invalid operation: - (expected a number, but got string)",
            1,
            id="negate-string",
        ),
        pytest.param(
            "result ? 1 : 2",
            1.5,
            "invalid operation: ?: (expected bool before ?, but got float64)",
            8,
            id="ternary-condition",
        ),
        pytest.param(
            "all(result, {#})",
            [1.0],
            "invalid operation: all (expected bool from the predicate, but got float64)",
            1,
            id="predicate-not-bool",
        ),
        pytest.param(
            "all(result, {# > 0})",
            None,
            "invalid argument for all (type <nil>)",
            1,
            id="predicate-over-nil",
        ),
        pytest.param(
            "len(result)", 1.5, "invalid argument for len (type float64)", 1, id="len-number"
        ),
        pytest.param(
            "asInt('1.1')",
            None,
            'strconv.ParseInt: parsing "1.1": invalid syntax',
            1,
            id="as-int-of-a-float-string",
        ),
        pytest.param(
            "asFloat(result) == 1.1",
            "NotANum",
            'strconv.ParseFloat: parsing "NotANum": invalid syntax',
            1,
            id="as-float-of-text",
        ),
        pytest.param(
            "asInt('99999999999999999999')",
            None,
            'strconv.ParseInt: parsing "99999999999999999999": value out of range',
            1,
            id="as-int-out-of-range",
        ),
        pytest.param(
            "asInt(true)", None, "asInt() not supported on bool true", 1, id="as-int-of-a-bool"
        ),
        pytest.param("int('abc')", None, 'invalid operation: int("abc")', 1, id="int-of-text"),
        pytest.param(
            "isNaN('x')", None, "invalid argument for isNaN (type string)", 1, id="is-nan-text"
        ),
        pytest.param(
            "'a' in 'abc'",
            None,
            'invalid operation: operator "in" not defined on string',
            5,
            id="in-a-string",
        ),
        pytest.param(
            "1 contains 'a'",
            None,
            "invalid operation: contains (mismatched types int and string)",
            3,
            id="contains-a-number",
        ),
        pytest.param(
            "max('a')", None, "invalid argument for max (type string)", 1, id="max-of-text"
        ),
        pytest.param(
            "sum(result)", ["a"], "invalid argument for sum (type string)", 1, id="sum-of-text"
        ),
        pytest.param(
            "lower(result)", 1, "invalid argument for lower (type int)", 1, id="lower-of-a-number"
        ),
    ],
)
def test_evaluation_errors_are_clear_and_placed(
    source: str, result: Any, message: str, column: int
) -> None:
    with pytest.raises(ExpressionError) as caught:
        expressions.evaluate(source, {"result": result})
    assert str(caught.value) == message
    assert caught.value.column == column


@pytest.mark.parametrize(
    ("condition", "result", "type_name"),
    [
        pytest.param("result", 0.5, "float64", id="float"),
        pytest.param("1", None, "int", id="int-as-in-argo"),
        pytest.param("result", "x", "string", id="string"),
        pytest.param("result", [1.0], "[]interface {}", id="array"),
        pytest.param("result", {"a": 1}, "map[string]interface {}", id="map"),
        pytest.param("result", None, "<nil>", id="nil"),
    ],
)
def test_a_condition_must_give_a_bool(condition: str, result: Any, type_name: str) -> None:
    with pytest.raises(ExpressionError, match=re.escape(f"expected bool, but got {type_name}")):
        expressions.evaluate_condition(condition, result)


def test_a_parse_error_shows_the_source_line_with_a_caret() -> None:
    with pytest.raises(ExpressionError) as caught:
        expressions.parse("len(result) > 0 && result[0] >")
    assert caught.value.detail == "len(result) > 0 && result[0] >\n                              ^"


def test_an_evaluation_error_points_at_the_failing_operation() -> None:
    with pytest.raises(ExpressionError) as caught:
        expressions.evaluate_condition("len(result) == 1 && result[1] > 0", [0.5])
    assert str(caught.value) == "index out of range: 1 (array of length 1)"
    assert caught.value.detail == "len(result) == 1 && result[1] > 0\n                          ^"


def test_parsed_conditions_are_cached() -> None:
    assert expressions.parse("result[0] >= 0.95") is expressions.parse("result[0] >= 0.95")


def test_names_come_from_the_environment() -> None:
    env = {"result": [0.99], "threshold": 0.95}
    assert expressions.evaluate("result[0] >= threshold", env) is True


def test_an_absurdly_long_chain_is_an_error_not_a_crash() -> None:
    with pytest.raises(ExpressionError, match="too deeply nested"):
        expressions.evaluate(" + ".join(["1"] * 5000), {})


@pytest.mark.parametrize(
    ("source", "result"),
    [
        pytest.param("__import__('os').system('true')", None, id="import"),
        pytest.param("eval('1')", None, id="eval"),
        pytest.param("getattr(result, 'real')", 1.5, id="getattr"),
        pytest.param("result.__class__", 1.5, id="dunder-of-a-float"),
        pytest.param("result.__class__", "text", id="dunder-of-a-string"),
        pytest.param("result.__len__", [1], id="dunder-of-an-array"),
        pytest.param("result.__class__.__mro__", {"a": 1}, id="dunder-chain-of-a-map"),
        pytest.param("result.keys()", {"a": 1}, id="method-of-a-map"),
        pytest.param("result.real", 1.5, id="attribute-of-a-float"),
    ],
)
def test_python_is_unreachable(source: str, result: Any) -> None:
    with pytest.raises(ExpressionError):
        expressions.evaluate(source, {"result": result})


@pytest.mark.parametrize(
    ("source", "result"),
    [
        pytest.param("result.__class__", {"a": 1}, id="dunder-is-a-missing-key"),
        pytest.param("result['__class__']", {"a": 1}, id="bracketed-dunder-is-a-missing-key"),
        pytest.param("result.keys", {"a": 1}, id="method-name-is-a-missing-key"),
    ],
)
def test_fields_of_a_map_are_its_keys_and_nothing_else(source: str, result: Any) -> None:
    assert expressions.evaluate(source, {"result": result}) is None


def test_the_evaluator_never_calls_into_python() -> None:
    forbidden = re.compile(r"(?<![\w.])(eval|exec|compile|getattr|__import__)\(|import ast")
    for module in (expressions, syntax):
        assert not forbidden.search(pathlib.Path(str(module.__file__)).read_text())


ATOMS = st.sampled_from([
    "result", "result[0]", "result[-1]", "result.x", "#", "#index", ".x", "1", "-2.5", "0",
    "1e308", "9223372036854775807", "'s'", "nil", "true", "[1, 'a', nil]", "[]", "result[1:]",
])  # fmt: skip
OPERATORS = ["+", "-", "*", "/", "%", "**", "==", "!=", "<", ">=", "&&", "or", "??", "in",
             "not in", "contains", "startsWith"]  # fmt: skip
UNARY = ["-", "!", "not ", "+"]
CALLS = sorted(name for name, (sig, _) in expressions.FUNCTIONS.items() if not sig.predicate)
PREDICATES = sorted(name for name, (sig, _) in expressions.FUNCTIONS.items() if sig.predicate)


def _compound(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(inner, st.sampled_from(OPERATORS), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"
        ),
        st.tuples(st.sampled_from(UNARY), inner).map("".join),
        st.tuples(st.sampled_from(CALLS), st.lists(inner, min_size=1, max_size=2)).map(
            lambda t: f"{t[0]}({', '.join(t[1])})"
        ),
        st.tuples(st.sampled_from(PREDICATES), inner, inner).map(
            lambda t: f"{t[0]}({t[1]}, {{{t[2]}}})"
        ),
        st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} ? {t[1]} : {t[2]})"),
        st.tuples(inner, inner).map(lambda t: f"{t[0]}[{t[1]}]"),
    )


EXPRESSIONS = st.recursive(ATOMS, _compound, max_leaves=10)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(source=st.text(max_size=40))
def test_any_text_parses_or_raises_an_expression_error(source: str) -> None:
    try:
        expressions.parse(source)
    except ExpressionError as error:
        column = error.column
    else:
        column = 1
    assert column is not None


@settings(max_examples=500, deadline=None)
@given(source=EXPRESSIONS, result=JSON)
def test_any_expression_evaluates_or_raises_an_expression_error(source: str, result: Any) -> None:
    with contextlib.suppress(ExpressionError):
        expressions.evaluate_condition(source, result)
