"""Reading analysis conditions: tokens, the syntax tree, and the errors that point into the source.

The language is the part of expr-lang/expr that Argo Rollouts users write in `successCondition`
and `failureCondition` (docs/conditions.md). The parser is expr's own precedence climbing
(parser/parser.go), with expr's precedences (parser/operator/operator.go) and its quirks kept on
purpose, so that a condition means here what it means in Argo:
- `not` and `!` bind looser than arithmetic: `!a == b` is `(!a) == b`, `!a * b` is `!(a * b)`;
- `??` binds tighter than any other binary operator, and mixing it with one unparenthesized
  is an error;
- ordering comparisons chain: `1 < x < 3` is `1 < x && x < 3`;
- `a not in b` is `not (a in b)`; `**` and `^` are right-associative.
Functions are data: the caller passes their signatures, and the parser checks names and argument
counts so that mistakes are reported with a column before anything runs.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

MAX_DEPTH = 64  # nesting of parentheses, calls and unary operators; keeps recursion bounded
VARIADIC = -1


class ExpressionError(ValueError):
    """A condition that cannot be parsed or evaluated.

    `column` is 1-based within `line` (None when the error has no place in the source);
    `detail` shows the offending source line with a caret under that column.
    """

    def __init__(
        self,
        message: str,
        *,
        column: int | None = None,
        line: int | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(message)
        self.column = column
        self.line = line
        self.detail = detail


def located_error(
    source: str, offset: int, message: str, hint: str | None = None, *, say_where: bool = True
) -> ExpressionError:
    """An ExpressionError at `offset` of `source`; parse errors say where in the message."""
    line = source.count("\n", 0, offset) + 1
    start = source.rfind("\n", 0, offset) + 1
    end = source.find("\n", offset)
    text = source[start : len(source) if end < 0 else end]
    column = offset - start + 1
    where = f"line {line}, column {column}" if "\n" in source.strip() else f"column {column}"
    full = f"{message} at {where}" if say_where else message
    if hint:
        full += f" ({hint})"
    caret = "".join("\t" if char == "\t" else " " for char in text[: column - 1]) + "^"
    return ExpressionError(full, column=column, line=line, detail=f"{text}\n{caret}")


# --- the syntax tree --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Node:
    pos: int = dataclasses.field(default=0, compare=False, repr=False, kw_only=True)


@dataclasses.dataclass(frozen=True)
class Literal(_Node):
    value: Any  # None, bool, int, float or str


@dataclasses.dataclass(frozen=True)
class Name(_Node):
    name: str


@dataclasses.dataclass(frozen=True)
class Pointer(_Node):
    name: str  # "" for `#`, the element a predicate looks at; "index" for `#index`


@dataclasses.dataclass(frozen=True)
class Array(_Node):
    items: tuple[Node, ...]


@dataclasses.dataclass(frozen=True)
class Member(_Node):
    target: Node
    key: Node  # `target.name` has the key "name"


@dataclasses.dataclass(frozen=True)
class Slice(_Node):
    target: Node
    start: Node | None
    stop: Node | None


@dataclasses.dataclass(frozen=True)
class Unary(_Node):
    op: str  # "!", "-" or "+"
    operand: Node


@dataclasses.dataclass(frozen=True)
class Binary(_Node):
    op: str  # `and`, `or` and `^` are spelled `&&`, `||` and `**`
    left: Node
    right: Node


@dataclasses.dataclass(frozen=True)
class Conditional(_Node):
    condition: Node
    then: Node
    otherwise: Node


@dataclasses.dataclass(frozen=True)
class Call(_Node):
    name: str
    args: tuple[Node, ...]
    predicate: Node | None = None  # the `{…}` of all, any, filter, map…


Node = Literal | Name | Pointer | Array | Member | Slice | Unary | Binary | Conditional | Call


@dataclasses.dataclass(frozen=True)
class Signature:
    """How a function is called: argument counts and whether the second one is a predicate."""

    min_args: int
    max_args: int  # VARIADIC for no limit
    predicate: bool = False

    def accepts(self, count: int) -> bool:
        return self.min_args <= count and (self.max_args == VARIADIC or count <= self.max_args)

    def describe(self) -> str:
        if self.max_args == VARIADIC:
            return f"at least {self.min_args}"
        return " or ".join(sorted({str(self.min_args), str(self.max_args)}))


# --- tokens -----------------------------------------------------------------------------------


class Token(NamedTuple):
    kind: str  # "number", "string", "name", "op" or "eof"
    text: str
    offset: int
    value: Any = None


_TOKENS = re.compile(
    r"(?P<space>\s+|//[^\n]*|/\*(?s:.*?)\*/)"
    r"|(?P<number>0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+"
    r"|(?:[0-9][0-9_]*(?:\.(?!\.)[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][+-]?[0-9_]+)?)"
    r"""|(?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`[^`]*`)"""
    r"|(?P<name>(?:[^\W\d]|\$)[\w$]*)"
    r"|(?P<op>\*\*|==|!=|<=|>=|&&|\|\||\?\?|/(?!\*)|[-+*%^<>!?:,.()\[\]{}#=&|])"
)
_ESCAPE = re.compile(r"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-3][0-7]{2}|.)")
_SIMPLE_ESCAPES = {
    "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
    "\\": "\\", "'": "'", '"': '"', "`": "`", "?": "?",
}  # fmt: skip
_NEGATABLE = frozenset({"in", "contains", "startsWith", "endsWith", "matches"})
_WORD_OPERATORS = _NEGATABLE | {"not", "and", "or"}
_INT64_MAX = 2**63 - 1


def tokenize(source: str) -> list[Token]:
    """The tokens of `source`, ending with an "eof" token; comments and spaces are dropped."""
    tokens: list[Token] = []
    offset = 0
    while offset < len(source):
        match = _TOKENS.match(source, offset)
        if match is None:
            raise _lexing_error(source, offset)
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(_token(source, kind, match.group(), offset))
        offset = match.end()
    tokens.append(Token("eof", "", len(source)))
    return tokens


def _lexing_error(source: str, offset: int) -> ExpressionError:
    char = source[offset]
    if char in "\"'`":
        return located_error(source, offset, "unterminated string")
    if source.startswith("/*", offset):
        return located_error(source, offset, "unclosed comment")
    return located_error(source, offset, f"unrecognized character {quote(char)}")


def _token(source: str, kind: str, text: str, offset: int) -> Token:
    if kind == "number":
        return Token(kind, text, offset, _number(source, text, offset))
    if kind == "string":
        body = text[1:-1] if text[0] == "`" else _unescape(source, text[1:-1], offset + 1)
        return Token(kind, text, offset, body)
    if kind == "name" and text in _WORD_OPERATORS:
        kind = "op"
    return Token(kind, text, offset)


def _number(source: str, text: str, offset: int) -> int | float:
    end = offset + len(text)
    if end < len(source) and (source[end].isalnum() or source[end] in "_$"):
        raise located_error(source, offset, f"bad number syntax {quote(source[offset : end + 1])}")
    digits = text.replace("_", "")
    try:
        if digits[:2].lower() in ("0x", "0o", "0b"):
            value: int | float = int(digits, 0)
        elif any(char in digits for char in ".eE"):
            value = float(digits)
        else:
            value = int(digits, 10)
    except ValueError:
        raise located_error(source, offset, f"bad number syntax {quote(text)}") from None
    if isinstance(value, float) and value == float("inf"):
        raise located_error(source, offset, "float literal is too large")
    if isinstance(value, int) and value > _INT64_MAX:
        raise located_error(source, offset, "integer literal is too large")
    return value


def _unescape(source: str, body: str, offset: int) -> str:
    def replace(match: re.Match[str]) -> str:
        escape = match.group()[1:]
        if escape in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[escape]
        code = -1
        if len(escape) > 1:
            code = int(escape[1:], 16) if escape[0] in "xuU" else int(escape, 8)
        if not 0 <= code <= 0x10FFFF:
            where = offset + match.start()
            raise located_error(source, where, f"invalid escape sequence {quote(match.group())}")
        return chr(code)

    return _ESCAPE.sub(replace, body)


def quote(text: str) -> str:
    """`text` in double quotes, escaped as JSON, for error messages."""
    return json.dumps(text, ensure_ascii=False)


# --- the parser -------------------------------------------------------------------------------

# operator: (precedence, right-associative), as in expr's parser/operator/operator.go
_BINARY: dict[str, tuple[int, bool]] = {
    "or": (10, False), "||": (10, False), "and": (15, False), "&&": (15, False),
    "==": (20, False), "!=": (20, False), "<": (20, False), ">": (20, False),
    "<=": (20, False), ">=": (20, False), "in": (20, False), "matches": (20, False),
    "contains": (20, False), "startsWith": (20, False), "endsWith": (20, False),
    "+": (30, False), "-": (30, False), "*": (60, False), "/": (60, False), "%": (60, False),
    "**": (100, True), "^": (100, True), "??": (500, False),
}  # fmt: skip
_UNARY = {"not": 50, "!": 50, "-": 90, "+": 90}
_ORDERING = ("<", ">", "<=", ">=")
_SPELLINGS = {"and": "&&", "or": "||", "^": "**"}
_KEYWORDS = {"true": True, "false": False, "nil": None}
_HINTS = {"=": 'use "==" to compare', "&": 'use "&&"', "|": 'use "||"'}


def parse_tree(source: str, functions: Mapping[str, Signature]) -> Node:
    """The syntax tree of `source`, calling only `functions`; raises ExpressionError."""
    parser = _Parser(source, functions)
    tree = parser.expression()
    if parser.current.kind != "eof":
        hint = _HINTS.get(parser.current.text, "expected an operator or the end of the expression")
        raise parser.unexpected(hint)
    return tree


class _Parser:
    def __init__(self, source: str, functions: Mapping[str, Signature]) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.position = 0
        self.functions = functions
        self.predicates = 0  # how many predicate bodies we are inside, for `#`
        self.depth = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.position]

    def advance(self) -> Token:
        token = self.current
        self.position = min(self.position + 1, len(self.tokens) - 1)
        return token

    def is_op(self, *texts: str) -> bool:
        return self.current.kind == "op" and self.current.text in texts

    def expect(self, text: str, expected: str | None = None) -> Token:
        if not self.is_op(text):
            raise self.unexpected(f"expected {expected or quote(text)}")
        return self.advance()

    def unexpected(self, hint: str, token: Token | None = None) -> ExpressionError:
        token = token or self.current
        what = "end of expression" if token.kind == "eof" else f"token {quote(token.text)}"
        return located_error(self.source, token.offset, f"unexpected {what}", hint)

    def fail(self, message: str, token: Token, hint: str | None = None) -> ExpressionError:
        return located_error(self.source, token.offset, message, hint)

    def expression(self, min_precedence: int = 0) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail("expression is nested too deeply", self.current)
        left = self.unary()
        previous = ""
        while (found := self.binary_operator(min_precedence)) is not None:
            token, negated = found
            left = self.binary(left, token, negated=negated, previous=previous)
            previous = token.text
        if min_precedence == 0:
            left = self.conditional(left)
        self.depth -= 1
        return left

    def binary_operator(self, min_precedence: int) -> tuple[Token, bool] | None:
        token = self.current
        if token.kind != "op":
            return None
        negated = token.text == "not"
        if negated:
            token = self.tokens[self.position + 1]  # "not" is never the last token
            if token.kind != "op" or token.text not in _NEGATABLE:
                hint = 'expected "in", "contains", "startsWith" or "endsWith"'
                raise self.unexpected(hint, token)
        entry = _BINARY.get(token.text)
        if entry is None or entry[0] < min_precedence:
            return None
        return token, negated

    def binary(self, left: Node, token: Token, *, negated: bool, previous: str) -> Node:
        if negated:
            self.advance()
        self.advance()
        op = token.text
        if previous == "??" and op != "??":
            hint = "wrap one side in parentheses"
            raise self.fail(f'operators {quote(op)} and "??" cannot be mixed', token, hint)
        if op == "matches":
            raise self.fail('the "matches" operator is not supported', token)
        if op in _ORDERING:
            return self.comparison(left, token)
        precedence, right_associative = _BINARY[op]
        right = self.expression(precedence if right_associative else precedence + 1)
        node = Binary(_SPELLINGS.get(op, op), left, right, pos=token.offset)
        return Unary("!", node, pos=token.offset) if negated else node

    def comparison(self, left: Node, token: Token) -> Node:
        right = self.expression(21)
        node: Node = Binary(token.text, left, right, pos=token.offset)
        while self.is_op(*_ORDERING):
            token = self.advance()
            following = self.expression(21)
            step = Binary(token.text, right, following, pos=token.offset)
            node, right = Binary("&&", node, step, pos=token.offset), following
        return node

    def conditional(self, condition: Node) -> Node:
        if not self.is_op("?"):
            return condition
        token = self.advance()
        then = self.expression()
        self.expect(":")
        return Conditional(condition, then, self.expression(), pos=token.offset)

    def unary(self) -> Node:
        token = self.current
        if token.kind == "op" and token.text in _UNARY:
            self.advance()
            operand = self.expression(_UNARY[token.text])
            return Unary("!" if token.text == "not" else token.text, operand, pos=token.offset)
        return self.postfix(self.primary())

    def primary(self) -> Node:
        token = self.current
        if token.kind in ("number", "string"):
            self.advance()
            return Literal(token.value, pos=token.offset)
        if token.kind == "name":
            return self.name()
        handlers = {"(": self.parenthesized, "[": self.array, "#": self.pointer, ".": self.pointer}
        if token.kind == "op" and token.text in handlers:
            return handlers[token.text]()
        raise self.unexpected("expected an expression")

    def name(self) -> Node:
        token = self.advance()
        if token.text in _KEYWORDS:
            return Literal(_KEYWORDS[token.text], pos=token.offset)
        if self.is_op("("):
            return self.call(token)
        return Name(token.text, pos=token.offset)

    def parenthesized(self) -> Node:
        self.advance()
        inner = self.expression()
        self.expect(")")
        return inner

    def array(self) -> Node:
        token = self.advance()
        return Array(tuple(self.items("]", lambda _: self.expression())), pos=token.offset)

    def items(self, close: str, item: Callable[[int], Node]) -> list[Node]:
        found: list[Node] = []
        while not self.is_op(close):
            if found:
                self.expect(",", f'"," or {quote(close)}')
                if self.is_op(close):
                    break
            found.append(item(len(found)))
        self.advance()
        return found

    def call(self, name: Token) -> Node:
        signature = self.functions.get(name.text)
        if signature is None:
            raise self.fail(f"unknown function {name.text}", name)
        self.advance()
        takes_predicate = signature.predicate
        args = self.items(
            ")", lambda i: self.predicate() if takes_predicate and i == 1 else self.expression()
        )
        if not signature.accepts(len(args)):
            hint = f"expected {signature.describe()}, got {len(args)}"
            raise self.fail(f"wrong number of arguments for {name.text}", name, hint)
        if takes_predicate and len(args) > 1:
            return Call(name.text, (args[0],), args[1], pos=name.offset)
        return Call(name.text, tuple(args), pos=name.offset)

    def predicate(self) -> Node:
        braced = self.is_op("{")
        if braced:
            self.advance()
        self.predicates += 1
        body = self.expression()
        self.predicates -= 1
        if braced:
            self.expect("}")
        return body

    def pointer(self) -> Node:
        token = self.current
        if self.predicates == 0:
            hint = "use it inside the {…} of all, any, none, one, filter, map, count or sum"
            raise self.fail(f"cannot use {token.text} outside a predicate", token, hint)
        if token.text == ".":  # `.field` is `#.field`: the dot stays for postfix()
            return Pointer("", pos=token.offset)
        self.advance()
        following = self.current
        if following.kind != "name" or following.offset != token.offset + 1:
            return Pointer("", pos=token.offset)
        self.advance()
        if following.text != "index":
            raise self.fail(f"unknown pointer #{following.text}", token, "expected # or #index")
        return Pointer("index", pos=token.offset)

    def postfix(self, node: Node) -> Node:
        while True:
            if self.is_op("."):
                node = self.field(node)
            elif self.is_op("["):
                node = self.index(node)
            else:
                return node

    def field(self, target: Node) -> Node:
        self.advance()
        name = self.current
        if name.kind != "name" and name.text not in _WORD_OPERATORS:
            raise self.unexpected('expected a field name after "."')
        self.advance()
        if self.is_op("("):
            raise self.fail("method calls are not supported", name)
        return Member(target, Literal(name.text, pos=name.offset), pos=name.offset)

    def index(self, target: Node) -> Node:
        bracket = self.advance()
        start = None if self.is_op(":") else self.expression()
        if start is not None and not self.is_op(":"):
            self.expect("]", '"]" or ":"')
            return Member(target, start, pos=bracket.offset)
        self.advance()
        stop = None if self.is_op("]") else self.expression()
        self.expect("]")
        return Slice(target, start, stop, pos=bracket.offset)
