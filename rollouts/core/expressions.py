"""Evaluating analysis conditions: Argo's expr-lang/expr language, without eval and without Python.

`successCondition` and `failureCondition` are read by expressions_parse and evaluated here by a
table of small functions over plain data (None, bool, int, float, str, lists and mappings).
Nothing reaches Python objects: a field is a mapping key, an index is a list position, and
functions come only from FUNCTIONS. Semantics follow expr at run time (vm/runtime), the way
Argo uses it, where `result` is untyped:
- `==` is false across types (numbers compare across int and float); `<` across types is an error;
- `/` is float division (x/0 is ±Inf or NaN, as in Go); `%` takes integers only; `**` is float;
- integers are 64-bit and wrap around; a missing map key is nil; `result[-1]` is the last element;
- Argo's own functions (utils/evaluate): asInt, asFloat, isNaN, isInf, isNil, default.
Errors name values by their Go types (float64, string, []interface {}, map[string]interface {},
<nil>) because those are the words Argo users see in the same messages.
"""

from __future__ import annotations

import dataclasses
import decimal
import functools
import itertools
import math
import operator
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from rollouts.core import expressions_parse as syntax
from rollouts.core.expressions_parse import ExpressionError, Signature

__all__ = ["FUNCTIONS", "Expression", "ExpressionError", "evaluate", "evaluate_condition", "parse"]

Predicate = Callable[[Any, int], Any]


class _EvalError(Exception):
    """An evaluation error on its way up to the node it happened at."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.offset: int | None = None


@dataclasses.dataclass(frozen=True)
class Expression:
    """A parsed condition; evaluate it as often as needed."""

    source: str
    tree: syntax.Node

    def evaluate(self, env: Mapping[str, Any]) -> Any:
        """The value of the expression with the names in `env`; raises ExpressionError."""
        try:
            return _eval(self.tree, _Scope(env))
        except _EvalError as failure:
            offset = failure.offset or 0
            raise syntax.located_error(self.source, offset, str(failure), say_where=False) from None
        except RecursionError:
            raise ExpressionError("expression is too deeply nested to evaluate") from None


@functools.lru_cache(maxsize=512)
def parse(source: str) -> Expression:
    """The parsed condition (cached: the same condition is evaluated at every interval)."""
    return Expression(source, syntax.parse_tree(source, SIGNATURES))


def evaluate(source: str, env: Mapping[str, Any]) -> Any:
    """Parse and evaluate `source` with the names in `env`."""
    return parse(source).evaluate(env)


def evaluate_condition(source: str, result: Any) -> bool:
    """A success or failure condition over a measurement: `result` is the value, and the
    condition must give a bool ("expected bool, but got float64" otherwise), as in Argo."""
    value = evaluate(source, {"result": result})
    if not isinstance(value, bool):
        raise ExpressionError(f"expected bool, but got {go_type(value)}")
    return value


# --- values -----------------------------------------------------------------------------------

_GO_TYPES: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "bool"), (int, "int"), (float, "float64"), (str, "string"),
    ((list, tuple), "[]interface {}"), (Mapping, "map[string]interface {}"),
)  # fmt: skip
_INT64 = 2**64


def go_type(value: Any) -> str:
    """The Go type name Argo would print for `value` (`%T`)."""
    if value is None:
        return "<nil>"
    return next((name for kind, name in _GO_TYPES if isinstance(value, kind)), type(value).__name__)


def go_string(value: Any) -> str:
    """`value` printed as Go's `%v` prints it: `0.5`, `1e+21`, `[1 2]`, `map[a:1]`, `<nil>`."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, list | tuple):
        return "[" + " ".join(map(go_string, value)) + "]"
    if isinstance(value, Mapping):
        pairs = sorted(value.items(), key=lambda pair: str(pair[0]))
        return "map[" + " ".join(f"{go_string(k)}:{go_string(v)}" for k, v in pairs) + "]"
    return str(value)


def _go_float(value: float) -> str:
    if not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf")
    number = decimal.Decimal(repr(value)).normalize()  # repr: the shortest exact digits
    if -4 <= number.adjusted() < 21:
        return format(number, "f")
    return re.sub(r"e([+-])(\d)$", r"e\g<1>0\g<2>", format(number, "e"))  # Go: 1e-05


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_string(value: Any) -> bool:
    return isinstance(value, str)


def _wrap(value: int) -> int:
    """Integers are Go's int: 64 bits, wrapping around on overflow."""
    return (value + _INT64 // 2) % _INT64 - _INT64 // 2


def _normal(value: Any) -> Any:
    return _wrap(value) if _is_int(value) else value


def _to_int(value: Any) -> int:
    if _is_int(value) or (isinstance(value, float) and math.isfinite(value)):
        return _wrap(int(value))
    raise _EvalError(f"cannot convert {go_type(value)} {go_string(value)} to int")


def _real(value: int | float) -> float:
    """`value` as a float64; integers too large for one become infinite, as in Go."""
    try:
        return float(value)
    except OverflowError:
        return math.copysign(math.inf, value)


def _mismatch(op: str, left: Any, right: Any) -> _EvalError:
    types = f"{go_type(left)} and {go_type(right)}"
    return _EvalError(f"invalid operation: {op} (mismatched types {types})")


def _boolean(value: Any, op: str, what: str = "") -> bool:
    if isinstance(value, bool):
        return value
    raise _EvalError(f"invalid operation: {op} (expected bool{what}, but got {go_type(value)})")


# --- operators --------------------------------------------------------------------------------


def _equal(left: Any, right: Any) -> bool:
    if _is_number(left) and _is_number(right):
        return bool(left == right)
    if isinstance(left, list | tuple) and isinstance(right, list | tuple):
        return len(left) == len(right) and all(map(_equal, left, right))
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        same_keys = left.keys() == right.keys()
        return same_keys and all(_equal(left[key], right[key]) for key in left)
    return type(left) is type(right) and bool(left == right)


_ORDER: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt, ">": operator.gt, "<=": operator.le, ">=": operator.ge
}  # fmt: skip


def _order(op: str, left: Any, right: Any) -> bool:
    if (_is_number(left) and _is_number(right)) or {type(left), type(right)} == {str}:
        return bool(_ORDER[op](left, right))
    raise _mismatch(op, left, right)


def _typed(
    op: str, function: Callable[[Any, Any], Any], check: Callable[[Any], bool] = _is_number
) -> Callable[[Any, Any], Any]:
    """An operator on two values that pass `check` (numbers unless said otherwise; `+` also
    joins strings), whose integer results wrap at 64 bits; other operands are an error."""

    def apply(left: Any, right: Any) -> Any:
        if check(left) and check(right):
            return _normal(function(_normal(left), _normal(right)))
        if op == "+" and isinstance(left, str) and isinstance(right, str):
            return left + right
        raise _mismatch(op, left, right)

    return apply


def _divide(left: Any, right: Any) -> float:
    """Always float64, and by zero as in Go: ±Inf, or NaN for 0/0."""
    x, y = _real(left), _real(right)
    if y != 0:
        return x / y
    return math.nan if x == 0 or math.isnan(x) else math.copysign(math.inf, x) * math.copysign(1, y)


def _modulo(left: int, right: int) -> int:
    if right == 0:
        raise _EvalError("integer divide by zero")
    remainder = abs(left) % abs(right)  # Go's % truncates: the sign follows the dividend
    return -remainder if left < 0 else remainder


def _power(left: Any, right: Any) -> float:
    """Go's math.Pow: always float64, ±Inf on overflow, NaN for (-8) ** 0.5, +Inf for 0 ** -1."""
    x, y = _real(left), _real(right)
    try:
        return math.pow(x, y)
    except OverflowError:
        return -math.inf if x < 0 and y.is_integer() and y % 2 == 1 else math.inf
    except ValueError:
        return math.inf if x == 0 else math.nan


def _member_of(needle: Any, haystack: Any) -> bool:
    if haystack is None:
        return False
    if isinstance(haystack, list | tuple):
        return any(_equal(item, needle) for item in haystack)
    if isinstance(haystack, Mapping):
        return isinstance(needle, str) and needle in haystack
    raise _EvalError(f'invalid operation: operator "in" not defined on {go_type(haystack)}')


_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "==": _equal,
    "!=": lambda left, right: not _equal(left, right),
    **{op: functools.partial(_order, op) for op in _ORDER},
    "+": _typed("+", operator.add),
    "-": _typed("-", operator.sub),
    "*": _typed("*", operator.mul),
    "/": _typed("/", _divide),
    "%": _typed("%", _modulo, _is_int),
    "**": _typed("**", _power),
    "in": _member_of,
    "contains": _typed("contains", lambda text, part: part in text, _is_string),
    "startsWith": _typed("startsWith", str.startswith, _is_string),
    "endsWith": _typed("endsWith", str.endswith, _is_string),
}


# --- the evaluator: one small function per kind of node --------------------------------------


@dataclasses.dataclass(frozen=True)
class _Scope:
    env: Mapping[str, Any]
    element: Any = None  # `#` inside a predicate
    index: int = 0  # `#index`


def _eval(node: syntax.Node, scope: _Scope) -> Any:
    try:
        return _EVALUATORS[type(node)](node, scope)
    except _EvalError as failure:
        if failure.offset is None:
            failure.offset = node.pos
        raise


def _eval_name(node: syntax.Name, scope: _Scope) -> Any:
    if node.name not in scope.env:
        raise _EvalError(f"unknown name {node.name}")
    return scope.env[node.name]


def _eval_unary(node: syntax.Unary, scope: _Scope) -> Any:
    value = _eval(node.operand, scope)
    if node.op == "!":
        return not _boolean(value, "!")
    if not _is_number(value):
        wanted = f"expected a number, but got {go_type(value)}"
        raise _EvalError(f"invalid operation: {node.op} ({wanted})")
    return value if node.op == "+" else _normal(-value)


def _eval_binary(node: syntax.Binary, scope: _Scope) -> Any:
    if node.op in ("&&", "||"):
        return _eval_logical(node, scope)
    left = _eval(node.left, scope)
    if node.op == "??":
        return _eval(node.right, scope) if left is None else left
    return _BINARY[node.op](left, _eval(node.right, scope))


def _eval_logical(node: syntax.Binary, scope: _Scope) -> bool:
    left = _boolean(_eval(node.left, scope), node.op, " on the left")
    if left == (node.op == "||"):
        return left
    return _boolean(_eval(node.right, scope), node.op, " on the right")


def _eval_conditional(node: syntax.Conditional, scope: _Scope) -> Any:
    condition = _boolean(_eval(node.condition, scope), "?:", " before ?")
    return _eval(node.then if condition else node.otherwise, scope)


def _eval_member(node: syntax.Member, scope: _Scope) -> Any:
    return _fetch(_eval(node.target, scope), _eval(node.key, scope))


def _fetch(container: Any, key: Any) -> Any:
    if isinstance(container, Mapping) and isinstance(key, str):
        return container.get(key)
    if isinstance(container, list | tuple | str) and _is_number(key):
        position = _to_int(key)
        length = len(container)
        if not -length <= position < length:
            raise _EvalError(f"index out of range: {position} (array of length {length})")
        return container[position]
    raise _EvalError(f"cannot fetch {go_string(key)} from {go_type(container)}")


def _eval_slice(node: syntax.Slice, scope: _Scope) -> Any:
    target = _eval(node.target, scope)
    if not isinstance(target, list | tuple | str):
        raise _EvalError(f"cannot slice {go_type(target)}")
    start = None if node.start is None else _to_int(_eval(node.start, scope))
    stop = None if node.stop is None else _to_int(_eval(node.stop, scope))
    part = target[start:stop]
    return list(part) if isinstance(part, tuple) else part


def _eval_call(node: syntax.Call, scope: _Scope) -> Any:
    signature, function = FUNCTIONS[node.name]
    if not signature.predicate:
        return function(*[_eval(arg, scope) for arg in node.args])
    items = _eval(node.args[0], scope)
    if not isinstance(items, list | tuple):
        raise _EvalError(f"invalid argument for {node.name} (type {go_type(items)})")
    return function(items, _predicate(node.predicate, scope))


def _predicate(body: syntax.Node | None, scope: _Scope) -> Predicate:
    if body is None:
        return lambda element, _index: element
    return lambda element, index: _eval(body, _Scope(scope.env, element, index))


_EVALUATORS: dict[type, Callable[[Any, _Scope], Any]] = {
    syntax.Literal: lambda node, _scope: node.value,
    syntax.Name: _eval_name,
    syntax.Pointer: lambda node, scope: scope.index if node.name else scope.element,
    syntax.Array: lambda node, scope: [_eval(item, scope) for item in node.items],
    syntax.Member: _eval_member,
    syntax.Slice: _eval_slice,
    syntax.Unary: _eval_unary,
    syntax.Binary: _eval_binary,
    syntax.Conditional: _eval_conditional,
    syntax.Call: _eval_call,
}


# --- functions --------------------------------------------------------------------------------


def _arg(name: str, value: Any, kinds: type | tuple[type, ...]) -> Any:
    """`value` if it is one of `kinds` (numbers never being bools), else an invalid argument."""
    if isinstance(value, kinds) and not (isinstance(value, bool) and kinds is _NUMBER):
        return value
    raise _EvalError(f"invalid argument for {name} (type {go_type(value)})")


_NUMBER = (int, float)
_ARRAY = (list, tuple)


def _numbers(name: str, args: tuple[Any, ...]) -> list[Any]:
    """The numbers in `args`, arrays flattened, as expr's max, min, mean and median take them."""
    found: list[Any] = []
    for arg in args:
        found.extend(_numbers(name, tuple(arg)) if isinstance(arg, _ARRAY) else [arg])
    return [_arg(name, value, _NUMBER) for value in found]


def _extreme(name: str, pick: Callable[[list[Any]], Any], *args: Any) -> Any:
    values = _numbers(name, args)
    return pick(values) if values else None


def _mean(*args: Any) -> float:
    values = _numbers("mean", args)
    # added in order, as Go's float64 loop does: an overflow is +Inf, not an exception
    return sum(map(_real, values), 0.0) / len(values) if values else 0.0


def _median(*args: Any) -> float:
    values = sorted(map(_real, _numbers("median", args)))
    if not values:
        return 0.0
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def _sum(items: list[Any], predicate: Predicate) -> Any:
    return _normal(sum(_arg("sum", predicate(item, i), _NUMBER) for i, item in enumerate(items)))


def _tests(name: str, items: list[Any], predicate: Predicate) -> Iterator[bool]:
    """The predicate's verdicts, lazily: all, any and none stop at the first that decides."""
    return (_boolean(predicate(x, i), name, " from the predicate") for i, x in enumerate(items))


def _filter(items: list[Any], predicate: Predicate) -> list[Any]:
    return list(itertools.compress(items, _tests("filter", items, predicate)))


_GO_NUMBER = {  # what Go's strconv.ParseInt / ParseFloat accept: no spaces, no underscores
    False: re.compile(r"[+-]?[0-9]+"),
    True: re.compile(r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?|inf|infinity|nan)", re.I | re.A),
}  # fmt: skip


def _parse_text(text: str, complaint: str, *, floating: bool) -> int | float:
    if not _GO_NUMBER[floating].fullmatch(text):
        raise _EvalError(complaint.format(text=text, reason="invalid syntax"))
    if floating:
        number: int | float = float(text)
        in_range = not math.isinf(number) or "inf" in text.lower()
    else:
        number = int(text)
        in_range = _wrap(number) == number
    if not in_range:
        raise _EvalError(complaint.format(text=text, reason="value out of range"))
    return number


def _convert(name: str, complaint: str, *, floating: bool) -> Callable[[Any], Any]:
    """Argo's asInt/asFloat and expr's int/float: numbers convert, and numeric strings parse
    as Go's strconv parses them (no spaces, no underscores, 64-bit range)."""

    def convert(value: Any) -> Any:
        if isinstance(value, str):
            return _parse_text(value, complaint, floating=floating)
        if not _is_number(value):
            raise _EvalError(f"{name}() not supported on {go_type(value)} {go_string(value)}")
        return _real(value) if floating else _to_int(value)

    return convert


def _trim(value: Any, cutset: Any = None) -> str:
    text: str = _arg("trim", value, str)
    return text.strip() if cutset is None else text.strip(_arg("trim", cutset, str))


ONE, TWO, ONE_OR_TWO = Signature(1, 1), Signature(2, 2), Signature(1, 2)
SOME = Signature(1, syntax.VARIADIC)
PREDICATE, OPTIONAL_PREDICATE = Signature(2, 2, predicate=True), Signature(1, 2, predicate=True)
_ARGO_INT = 'strconv.ParseInt: parsing "{text}": {reason}'
_ARGO_FLOAT = 'strconv.ParseFloat: parsing "{text}": {reason}'

FUNCTIONS: dict[str, tuple[Signature, Callable[..., Any]]] = {
    # Argo Rollouts (utils/evaluate/evaluate.go)
    "asInt": (ONE, _convert("asInt", _ARGO_INT, floating=False)),
    "asFloat": (ONE, _convert("asFloat", _ARGO_FLOAT, floating=True)),
    "isNaN": (ONE, lambda value: math.isnan(_real(_arg("isNaN", value, _NUMBER)))),
    "isInf": (ONE, lambda value: math.isinf(_real(_arg("isInf", value, _NUMBER)))),
    "isNil": (ONE, lambda value: value is None),
    "default": (TWO, lambda value, fallback: fallback if value is None else value),
    # expr built-ins over arrays; the second argument is a predicate such as {# > 0}
    "all": (PREDICATE, lambda items, test: all(_tests("all", items, test))),
    "any": (PREDICATE, lambda items, test: any(_tests("any", items, test))),
    "none": (PREDICATE, lambda items, test: not any(_tests("none", items, test))),
    "one": (PREDICATE, lambda items, test: sum(_tests("one", items, test)) == 1),
    "filter": (PREDICATE, _filter),
    "map": (PREDICATE, lambda items, fn: [fn(item, i) for i, item in enumerate(items)]),
    "count": (OPTIONAL_PREDICATE, lambda items, test: sum(_tests("count", items, test))),
    "sum": (OPTIONAL_PREDICATE, _sum),
    # other expr built-ins
    "len": (ONE, lambda value: len(_arg("len", value, (str, *_ARRAY, Mapping)))),
    "abs": (ONE, lambda value: _normal(abs(_arg("abs", value, _NUMBER)))),
    "max": (SOME, functools.partial(_extreme, "max", max)),
    "min": (SOME, functools.partial(_extreme, "min", min)),
    "mean": (SOME, _mean),
    "median": (SOME, _median),
    "first": (ONE, lambda value: (_arg("first", value, (*_ARRAY, type(None))) or [None])[0]),
    "last": (ONE, lambda value: (_arg("last", value, (*_ARRAY, type(None))) or [None])[-1]),
    "keys": (ONE, lambda value: list(_arg("keys", value, Mapping).keys())),
    "values": (ONE, lambda value: list(_arg("values", value, Mapping).values())),
    "int": (ONE, _convert("int", 'invalid operation: int("{text}")', floating=False)),
    "float": (ONE, _convert("float", 'invalid operation: float("{text}")', floating=True)),
    "string": (ONE, go_string),
    "lower": (ONE, lambda value: _arg("lower", value, str).lower()),
    "upper": (ONE, lambda value: _arg("upper", value, str).upper()),
    "trim": (ONE_OR_TWO, _trim),
}
SIGNATURES: dict[str, Signature] = {name: signature for name, (signature, _) in FUNCTIONS.items()}
