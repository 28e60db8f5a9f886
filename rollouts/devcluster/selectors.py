"""Label and field selectors, parsed and matched the way kube-apiserver does it (pure).

Covers the string forms of `?labelSelector=` and `?fieldSelector=` and the object form of a
metav1.LabelSelector. Error messages keep the apiserver's wording because clients print them
verbatim (kubectl adds its own "Unable to find ... that match label selector" prefix).
"""

from __future__ import annotations

import dataclasses
import enum
import json
import re
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any


class SelectorError(ValueError):
    """A selector the apiserver rejects with 400 Bad Request; the text is its message."""


class Operator(enum.StrEnum):
    """The operators of labels.Requirement (k8s.io/apimachinery/pkg/selection)."""

    IN = "in"
    NOT_IN = "notin"
    EQUALS = "="
    DOUBLE_EQUALS = "=="
    NOT_EQUALS = "!="
    EXISTS = "exists"
    DOES_NOT_EXIST = "!"
    GREATER_THAN = "gt"
    LESS_THAN = "lt"


# --------------------------------------------------------------------------- label requirements


def _int64(text: str) -> int | None:
    """The value as Go's strconv.ParseInt(text, 10, 64) reads it, or None."""
    if re.fullmatch(r"[+-]?[0-9]+", text) is None:
        return None
    value = int(text)
    return value if -(2**63) <= value < 2**63 else None


def _has_value(req: Requirement, labels: Mapping[str, str]) -> bool:
    return req.key in labels and labels[req.key] in req.values


def _lacks_value(req: Requirement, labels: Mapping[str, str]) -> bool:
    return req.key not in labels or labels[req.key] not in req.values


def _compares(req: Requirement, labels: Mapping[str, str]) -> bool:
    # Gt and Lt only hold for labels that are integers, like node-affinity terms.
    if req.key not in labels or len(req.values) != 1:
        return False
    have, want = _int64(labels[req.key]), _int64(req.values[0])
    if have is None or want is None:
        return False
    return have > want if req.operator is Operator.GREATER_THAN else have < want


_MATCHERS: Mapping[Operator, Callable[[Requirement, Mapping[str, str]], bool]] = {
    Operator.IN: _has_value,
    Operator.EQUALS: _has_value,
    Operator.DOUBLE_EQUALS: _has_value,
    Operator.NOT_IN: _lacks_value,
    Operator.NOT_EQUALS: _lacks_value,
    Operator.EXISTS: lambda req, labels: req.key in labels,
    Operator.DOES_NOT_EXIST: lambda req, labels: req.key not in labels,
    Operator.GREATER_THAN: _compares,
    Operator.LESS_THAN: _compares,
}

_INFIX = {
    Operator.EQUALS: "=",
    Operator.DOUBLE_EQUALS: "==",
    Operator.NOT_EQUALS: "!=",
    Operator.GREATER_THAN: ">",
    Operator.LESS_THAN: "<",
}


@dataclasses.dataclass(frozen=True)
class Requirement:
    """One term of a label selector, such as `app=web` or `tier in (a,b)`."""

    key: str
    operator: Operator
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether the labels satisfy this term; negative terms hold for absent keys."""
        return _MATCHERS[self.operator](self, labels)

    def to_string(self) -> str:
        """The canonical text of the term, values sorted, as labels.Requirement.String()."""
        if self.operator is Operator.EXISTS:
            return self.key
        if self.operator is Operator.DOES_NOT_EXIST:
            return "!" + self.key
        values = ",".join(sorted(self.values))
        if self.operator in (Operator.IN, Operator.NOT_IN):
            return f"{self.key} {self.operator} ({values})"
        return f"{self.key}{_INFIX[self.operator]}{values}"


@dataclasses.dataclass(frozen=True)
class LabelSelector:
    """Requirements that must all hold; no requirements selects everything."""

    requirements: tuple[Requirement, ...] = ()
    selects_nothing: bool = False

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        """Whether an object with these labels (None: no labels) is selected."""
        if self.selects_nothing:
            return False
        present = labels or {}
        return all(req.matches(present) for req in self.requirements)

    def to_string(self) -> str:
        """The canonical form: terms sorted by key, comma-joined; "" selects everything."""
        return ",".join(req.to_string() for req in self.requirements)

    @property
    def is_empty(self) -> bool:
        """True when the selector selects everything."""
        return not self.requirements and not self.selects_nothing

    def __str__(self) -> str:
        return self.to_string()


EVERYTHING = LabelSelector()
NOTHING = LabelSelector(selects_nothing=True)


# --------------------------------------------------------------------------- validation

# Messages and patterns from k8s.io/apimachinery/pkg/util/validation; clients print them as is.
_NAME_PATTERN = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_VALUE_PATTERN = f"({_NAME_PATTERN})?"
_SUBDOMAIN_PATTERN = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
_ALNUM_RULE = (
    "consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)


def _regex_error(message: str, pattern: str, *examples: str) -> str:
    shown = " or ".join(f"'{example}', " for example in examples)
    return f"{message} (e.g. {shown}regex used for validation is '{pattern}')"


_NAME_ERROR = _regex_error(f"must {_ALNUM_RULE}", _NAME_PATTERN, "MyName", "my.name", "123-abc")
_VALUE_ERROR = _regex_error(
    f"a valid label must be an empty string or {_ALNUM_RULE}",
    _VALUE_PATTERN,
    "MyValue",
    "my_value",
    "12345",
)
_SUBDOMAIN_ERROR = _regex_error(
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
    "'-' or '.', and must start and end with an alphanumeric character",
    _SUBDOMAIN_PATTERN,
    "example.com",
)


def _prefix_problems(prefix: str) -> list[str]:
    if not prefix:
        return ["prefix part must be non-empty"]
    problems = []
    if len(prefix) > 253:
        problems.append("prefix part must be no more than 253 characters")
    if re.fullmatch(_SUBDOMAIN_PATTERN, prefix) is None:
        problems.append("prefix part " + _SUBDOMAIN_ERROR)
    return problems


def _qualified_name_problems(key: str) -> list[str]:
    """Why `key` is not a label key (IsQualifiedName): `[prefix/]name`."""
    parts = key.split("/")
    if len(parts) > 2:
        return [
            f"a qualified name {_NAME_ERROR} with an optional DNS subdomain prefix "
            "and '/' (e.g. 'example.com/MyName')"
        ]
    problems = _prefix_problems(parts[0]) if len(parts) == 2 else []
    name = parts[-1]
    if not name:
        problems.append("name part must be non-empty")
    elif len(name) > 63:
        problems.append("name part must be no more than 63 characters")
    if re.fullmatch(_NAME_PATTERN, name) is None:
        problems.append("name part " + _NAME_ERROR)
    return problems


def _label_value_problems(value: str) -> list[str]:
    problems = []
    if len(value) > 63:
        problems.append("must be no more than 63 characters")
    if re.fullmatch(_VALUE_PATTERN, value) is None:
        problems.append(_VALUE_ERROR)
    return problems


def _quote(text: str) -> str:
    """A string as Go's %q shows it (close enough for printable text)."""
    return json.dumps(text, ensure_ascii=False)


def _go_strings(values: Sequence[str]) -> str:
    """A []string as Go's %#v shows it in a field error."""
    if not values:
        return "[]string(nil)"
    return "[]string{" + ", ".join(_quote(v) for v in values) + "}"


def _invalid(path: str, shown: str, detail: str) -> str:
    return f"{path}: Invalid value: {shown}: {detail}"


def _key_error(key: str, path: str) -> str | None:
    problems = _qualified_name_problems(key)
    return _invalid(path, _quote(key), "; ".join(problems)) if problems else None


def _set_rule(values: Sequence[str]) -> list[str]:
    if values:
        return []
    detail = "for 'in', 'notin' operators, values set can't be empty"
    return [_invalid("values", _go_strings(values), detail)]


def _exact_rule(values: Sequence[str]) -> list[str]:
    if len(values) == 1:
        return []
    detail = "exact-match compatibility requires one single value"
    return [_invalid("values", _go_strings(values), detail)]


def _presence_rule(values: Sequence[str]) -> list[str]:
    if not values:
        return []
    detail = "values set must be empty for exists and does not exist"
    return [_invalid("values", _go_strings(values), detail)]


def _integer_rule(values: Sequence[str]) -> list[str]:
    errors = []
    if len(values) != 1:
        detail = "for 'Gt', 'Lt' operators, exactly one value is required"
        errors.append(_invalid("values", _go_strings(values), detail))
    detail = "for 'Gt', 'Lt' operators, the value must be an integer"
    errors += [
        _invalid(f"values[{i}]", _quote(v), detail)
        for i, v in enumerate(values)
        if _int64(v) is None
    ]
    return errors


_VALUE_RULES: Mapping[Operator, Callable[[Sequence[str]], list[str]]] = {
    Operator.IN: _set_rule,
    Operator.NOT_IN: _set_rule,
    Operator.EQUALS: _exact_rule,
    Operator.DOUBLE_EQUALS: _exact_rule,
    Operator.NOT_EQUALS: _exact_rule,
    Operator.EXISTS: _presence_rule,
    Operator.DOES_NOT_EXIST: _presence_rule,
    Operator.GREATER_THAN: _integer_rule,
    Operator.LESS_THAN: _integer_rule,
}


def _new_requirement(key: str, operator: Operator, values: Sequence[str]) -> Requirement:
    """A checked requirement, rejected with every problem at once as labels.NewRequirement."""
    errors = [e for e in [_key_error(key, "key")] if e is not None]
    errors += _VALUE_RULES[operator](values)
    for i, value in enumerate(values):
        problems = _label_value_problems(value)
        if problems:
            errors.append(_invalid(f"values[{i}][{key}]", _quote(value), "; ".join(problems)))
    if len(errors) == 1:
        raise SelectorError(errors[0])
    if errors:
        raise SelectorError("[" + ", ".join(errors) + "]")
    return Requirement(key, operator, tuple(values))


# --------------------------------------------------------------------------- label parser


class _Tok(enum.Enum):
    IDENT = enum.auto()
    IN = enum.auto()
    NOT_IN = enum.auto()
    EQUALS = enum.auto()
    DOUBLE_EQUALS = enum.auto()
    NOT_EQUALS = enum.auto()
    BANG = enum.auto()
    GREATER = enum.auto()
    LESS = enum.auto()
    OPEN = enum.auto()
    CLOSE = enum.auto()
    COMMA = enum.auto()
    END = enum.auto()


_SYMBOLS = {
    "(": _Tok.OPEN,
    ")": _Tok.CLOSE,
    ",": _Tok.COMMA,
    "!": _Tok.BANG,
    "=": _Tok.EQUALS,
    "==": _Tok.DOUBLE_EQUALS,
    "!=": _Tok.NOT_EQUALS,
    ">": _Tok.GREATER,
    "<": _Tok.LESS,
}
_KEYWORDS = {"in": _Tok.IN, "notin": _Tok.NOT_IN}
_SPECIAL = frozenset("=!(),><")
_SPACE = frozenset(" \t\r\n")
_BINARY = {
    _Tok.IN: Operator.IN,
    _Tok.NOT_IN: Operator.NOT_IN,
    _Tok.EQUALS: Operator.EQUALS,
    _Tok.DOUBLE_EQUALS: Operator.DOUBLE_EQUALS,
    _Tok.NOT_EQUALS: Operator.NOT_EQUALS,
    _Tok.GREATER: Operator.GREATER_THAN,
    _Tok.LESS: Operator.LESS_THAN,
}
_STARTS = (_Tok.IDENT, _Tok.BANG)

Token = tuple[_Tok, str]


def _lex_symbol(text: str, pos: int) -> Token:
    # Longest run of special characters that still spells a token: "!=" but "=" then "!".
    end = pos + 1
    while end < len(text) and text[pos : end + 1] in _SYMBOLS:
        end += 1
    literal = text[pos:end]
    return _SYMBOLS[literal], literal


def _lex_word(text: str, pos: int) -> Token:
    end = pos
    while end < len(text) and text[end] not in _SPECIAL and text[end] not in _SPACE:
        end += 1
    literal = text[pos:end]
    return _KEYWORDS.get(literal, _Tok.IDENT), literal


def _lex(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while True:
        while pos < len(text) and text[pos] in _SPACE:
            pos += 1
        if pos == len(text):
            tokens.append((_Tok.END, ""))
            return tokens
        lex = _lex_symbol if text[pos] in _SPECIAL else _lex_word
        token = lex(text, pos)
        tokens.append(token)
        pos += len(token[1])


class _Parser:
    """Recursive descent over the tokens, with the apiserver's error wording."""

    def __init__(self, text: str) -> None:
        self._tokens = _lex(text)
        self._pos = 0

    def _peek(self, *, values: bool = True) -> Token:
        tok, literal = self._tokens[self._pos]
        # `in` and `notin` are keywords only where an operator may stand, so `in in (in)` parses.
        if values and tok in (_Tok.IN, _Tok.NOT_IN):
            tok = _Tok.IDENT
        return tok, literal

    def _next(self, *, values: bool = True) -> Token:
        token = self._peek(values=values)
        self._pos = min(self._pos + 1, len(self._tokens) - 1)
        return token

    def parse(self) -> list[Requirement]:
        found: list[Requirement] = []
        while True:
            tok, literal = self._peek()
            if tok is _Tok.END:
                return found
            if tok not in _STARTS:
                raise SelectorError(
                    f"found '{literal}', expected: !, identifier, or 'end of string'"
                )
            try:
                found.append(self._requirement())
            except SelectorError as exc:
                raise SelectorError(f"unable to parse requirement: {exc}") from exc
            if self._at_end_after_term():
                return found

    def _at_end_after_term(self) -> bool:
        """Consume what follows a term: the end (True) or a comma before the next term."""
        tok, literal = self._next()
        if tok is _Tok.END:
            return True
        if tok is not _Tok.COMMA:
            raise SelectorError(f"found '{literal}', expected: ',' or 'end of string'")
        tok, literal = self._peek()
        if tok not in _STARTS:
            raise SelectorError(f"found '{literal}', expected: identifier after ','")
        return False

    def _requirement(self) -> Requirement:
        key, unary = self._key()
        if unary is not None:
            return _new_requirement(key, unary, ())
        operator = self._operator()
        if operator in (Operator.IN, Operator.NOT_IN):
            values = sorted(self._set_values())
        else:
            values = [self._exact_value()]
        return _new_requirement(key, operator, values)

    def _key(self) -> tuple[str, Operator | None]:
        """The key, and the operator when it is unary (`a` or `!a`)."""
        tok, literal = self._next()
        negated = tok is _Tok.BANG
        if negated:
            tok, literal = self._next()
        if tok is not _Tok.IDENT:
            raise SelectorError(f"found '{literal}', expected: identifier")
        # The parser checks the key with no field path, hence Go's "<nil>" in the message.
        error = _key_error(literal, "<nil>")
        if error is not None:
            raise SelectorError(error)
        if negated:
            return literal, Operator.DOES_NOT_EXIST
        ends = self._peek()[0] in (_Tok.END, _Tok.COMMA)
        return literal, Operator.EXISTS if ends else None

    def _operator(self) -> Operator:
        tok, literal = self._next(values=False)
        if tok not in _BINARY:
            raise SelectorError(f"found '{literal}', expected: in, notin, =, ==, !=, gt, lt")
        return _BINARY[tok]

    def _set_values(self) -> set[str]:
        tok, literal = self._next()
        if tok is not _Tok.OPEN:
            raise SelectorError(f"found '{literal}' expected: '('")
        tok, literal = self._peek()
        if tok is _Tok.CLOSE:
            self._next()
            return {""}
        if tok not in (_Tok.IDENT, _Tok.COMMA):
            raise SelectorError(f"found '{literal}', expected: ',', ')' or identifier")
        values = self._identifiers()
        self._next()  # the ")" the list stopped at
        return values

    def _identifiers(self) -> set[str]:
        # Empty members count as "": "(,a)", "(a,)" and "(a,,b)" all select the empty value.
        values: set[str] = set()
        while True:
            tok, literal = self._next()
            if tok is _Tok.IDENT:
                values.add(literal)
                if self._follows_identifier():
                    return values
            elif tok is _Tok.COMMA:
                if self._follows_comma(values):
                    return values
            else:
                raise SelectorError(f"found '{literal}', expected: ',', or identifier")

    def _follows_identifier(self) -> bool:
        tok, literal = self._peek()
        if tok not in (_Tok.COMMA, _Tok.CLOSE):
            raise SelectorError(f"found '{literal}', expected: ',' or ')'")
        return tok is _Tok.CLOSE

    def _follows_comma(self, values: set[str]) -> bool:
        if not values:
            values.add("")
        tok = self._peek()[0]
        if tok is _Tok.CLOSE:
            values.add("")
            return True
        if tok is _Tok.COMMA:
            self._next()
            values.add("")
        return False

    def _exact_value(self) -> str:
        tok, literal = self._peek()
        if tok in (_Tok.END, _Tok.COMMA):
            return ""
        self._next()
        if tok is not _Tok.IDENT:
            raise SelectorError(f"found '{literal}', expected: identifier")
        return literal


def _by_key(requirements: list[Requirement]) -> LabelSelector:
    return LabelSelector(tuple(sorted(requirements, key=lambda req: req.key)))


def parse_label_selector(text: str) -> LabelSelector:
    """Parse `?labelSelector=`: comma-joined terms, all of which must hold.

    Terms are `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a)`, `k`, `!k`, `k>1`, `k<1`;
    whitespace between tokens is ignored and "" selects everything. A bad selector raises
    SelectorError with the apiserver's message.
    """
    return _by_key(_Parser(text).parse())


# --------------------------------------------------------------------------- label objects

_OBJECT_OPERATORS = {
    "In": Operator.IN,
    "NotIn": Operator.NOT_IN,
    "Exists": Operator.EXISTS,
    "DoesNotExist": Operator.DOES_NOT_EXIST,
}


def _from_expression(expression: Mapping[str, Any]) -> Requirement:
    name = expression.get("operator")
    operator = _OBJECT_OPERATORS.get(name) if isinstance(name, str) else None
    if operator is None:
        shown = name if isinstance(name, str) else ""
        raise SelectorError(f"{_quote(shown)} is not a valid label selector operator")
    values = [str(v) for v in expression.get("values") or []]
    return _new_requirement(str(expression.get("key") or ""), operator, values)


def is_empty(selector: Mapping[str, Any] | None) -> bool:
    """Whether a metav1.LabelSelector has no requirements at all (absent, `{}`, empty lists)."""
    if not selector:
        return True
    return not selector.get("matchLabels") and not selector.get("matchExpressions")


def label_selector_from_object(selector: Mapping[str, Any] | None) -> LabelSelector:
    """The selector a metav1.LabelSelector stands for (LabelSelectorAsSelector).

    `matchLabels` entries are `k=v` terms and `matchExpressions` use In, NotIn, Exists and
    DoesNotExist. An empty selector selects everything; None (no selector) selects nothing.
    """
    if selector is None:
        return NOTHING
    if is_empty(selector):
        return EVERYTHING
    labels: Mapping[str, Any] = selector.get("matchLabels") or {}
    found = [_new_requirement(str(k), Operator.EQUALS, [str(v)]) for k, v in labels.items()]
    found += [_from_expression(e) for e in selector.get("matchExpressions") or []]
    return _by_key(found)


def format_label_selector(selector: Mapping[str, Any] | None) -> str:
    """A metav1.LabelSelector as printed in tables: "<none>" if empty, "<error>" if invalid."""
    try:
        text = label_selector_from_object(selector).to_string()
    except SelectorError:
        return "<error>"
    return text or "<none>"


# --------------------------------------------------------------------------- field selectors

ALWAYS_SUPPORTED: frozenset[str] = frozenset({"metadata.name", "metadata.namespace"})

FIELD_SELECTORS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "pods": frozenset(
            {
                "spec.nodeName",
                "spec.restartPolicy",
                "spec.schedulerName",
                "spec.serviceAccountName",
                "spec.hostNetwork",
                "status.phase",
                "status.podIP",
                "status.nominatedNodeName",
            }
        ),
        "events": frozenset(
            {
                "involvedObject.kind",
                "involvedObject.namespace",
                "involvedObject.name",
                "involvedObject.uid",
                "involvedObject.apiVersion",
                "involvedObject.resourceVersion",
                "involvedObject.fieldPath",
                "reason",
                "reportingComponent",
                "source",
                "type",
            }
        ),
        "secrets": frozenset({"type"}),
        "namespaces": frozenset({"status.phase"}),
        "replicasets": frozenset({"status.replicas"}),
    }
)


def _dig(obj: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(part)
    return obj


def _event_source(event: Any) -> Any:
    # Events written through events.k8s.io carry no source.component, only the controller.
    return _dig(event, "source.component") or _dig(event, "reportingComponent")


_COMPUTED_FIELDS: Mapping[str, Callable[[Any], Any]] = {"source": _event_source}
# Go reads these from typed fields, so an absent one shows its zero value, not "".
_ZERO_VALUES: Mapping[str, Any] = {"spec.hostNetwork": False, "status.replicas": 0}


def _field_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return "" if value is None else json.dumps(value, sort_keys=True)


def field_value(obj: Mapping[str, Any], field: str) -> str:
    """The text a field selector compares for `field` (a dotted path); missing is ""."""
    computed = _COMPUTED_FIELDS.get(field)
    value = computed(obj) if computed is not None else _dig(obj, field)
    if value is None:
        value = _ZERO_VALUES.get(field)
    return _field_text(value)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


@dataclasses.dataclass(frozen=True)
class FieldRequirement:
    """One term of a field selector: `field=value` or, negated, `field!=value`."""

    field: str
    value: str
    negated: bool = False

    def matches(self, obj: Mapping[str, Any]) -> bool:
        return (field_value(obj, self.field) == self.value) != self.negated

    def to_string(self) -> str:
        return f"{self.field}{'!=' if self.negated else '='}{_escape(self.value)}"


@dataclasses.dataclass(frozen=True)
class FieldSelector:
    """Field terms that must all hold; no terms selects everything."""

    requirements: tuple[FieldRequirement, ...] = ()

    def matches(self, obj: Mapping[str, Any]) -> bool:
        """Whether the object's fields satisfy every term."""
        return all(req.matches(obj) for req in self.requirements)

    def to_string(self) -> str:
        """The canonical form: `=` terms, values escaped, in the parsed (sorted) order."""
        return ",".join(req.to_string() for req in self.requirements)

    @property
    def is_empty(self) -> bool:
        return not self.requirements

    def exact_value(self, field: str) -> str | None:
        """The value a `field=value` term pins `field` to, if any (RequiresExactMatch)."""
        for req in self.requirements:
            if req.field == field and not req.negated:
                return req.value
        return None

    def __str__(self) -> str:
        return self.to_string()


def _split_terms(text: str) -> list[str]:
    """Split on commas that are not escaped with a backslash."""
    terms: list[str] = []
    start, escaped = 0, False
    for i, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ",":
            terms.append(text[start:i])
            start = i + 1
    terms.append(text[start:])
    return terms


def _unescape(value: str) -> str:
    out: list[str] = []
    escaped = False
    for char in value:
        if escaped:
            if char not in "\\,=":
                raise SelectorError(f"invalid field selector: invalid escape sequence: \\{char}")
            out.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in ",=":
            # Go formats the rune with %v, which prints its code point (61 for "=").
            raise SelectorError(
                f"invalid field selector: unescaped character in value: {ord(char)}"
            )
        else:
            out.append(char)
    if escaped:
        raise SelectorError("invalid field selector: invalid escape sequence: \\")
    return "".join(out)


def _field_term(selector: str, term: str) -> FieldRequirement:
    # The first operator found from the left wins, "!=" and "==" before "=".
    for i in range(len(term)):
        for operator in ("!=", "==", "="):
            if term.startswith(operator, i):
                value = _unescape(term[i + len(operator) :])
                return FieldRequirement(term[:i], value, negated=operator == "!=")
    raise SelectorError(f"invalid selector: '{selector}'; can't understand '{term}'")


def parse_field_selector(text: str, *, supported: frozenset[str]) -> FieldSelector:
    """Parse `?fieldSelector=`: comma-joined `f=v`, `f==v` or `f!=v` terms, all of which hold.

    Values may escape `\\`, `,` and `=` with a backslash; whitespace is not trimmed. A field
    outside `supported` plus metadata.name and metadata.namespace raises SelectorError
    `field label not supported: <field>`, the apiserver's message.
    """
    terms = [_field_term(text, t) for t in sorted(_split_terms(text) if text else []) if t]
    allowed = supported | ALWAYS_SUPPORTED
    for term in terms:
        if term.field not in allowed:
            raise SelectorError(f"field label not supported: {term.field}")
    return FieldSelector(tuple(terms))


def supported_fields(resource: str) -> frozenset[str]:
    """Every field a selector on `resource` (a plural) may name."""
    return FIELD_SELECTORS.get(resource, frozenset()) | ALWAYS_SUPPORTED
