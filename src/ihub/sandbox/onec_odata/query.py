"""The OData query options the sandbox understands, with 1C's answers to bad ones.

``$filter`` (and a virtual table's ``Condition``) supports ``eq ne gt ge lt le and or not``,
``add sub mul div mod``, parentheses, ``'string'`` (``''`` escapes a quote), ``guid'…'``,
``datetime'…'``, ``true``/``false``/``null``, numbers, and the functions ``substringof``,
``startswith``, ``endswith``, ``tolower``, ``toupper``, ``length``.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FilterSyntaxError", "ODataQuery", "UnknownProperty", "compile_filter", "parse_query"]

Row = Callable[[str], Any]  # property name -> value of one row
Expr = Callable[[Row], Any]


class FilterSyntaxError(ValueError):
    """1C answers 400, code 14: «Ошибка при разборе опции запроса $filter»."""


class UnknownProperty(ValueError):
    """1C answers 400, code 6: «Сегмент пути <name> не найден!»."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<guid>guid'[0-9a-fA-F-]{36}')
      | (?P<datetime>datetime'[^']*')
      | (?P<string>'(?:[^']|'')*')
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<punct>[(),])
      | (?P<name>[^\W\d][\w]*(?:/[^\W\d][\w]*)*)
    )""",
    re.VERBOSE,
)
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?")
_COMPARISONS = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
}
_ARITHMETIC = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
    "mod": operator.mod,
}
_FUNCTIONS: dict[str, tuple[int, Callable[..., Any]]] = {
    "substringof": (2, lambda needle, hay: str(needle) in str(hay or "")),
    "startswith": (2, lambda hay, prefix: str(hay or "").startswith(str(prefix))),
    "endswith": (2, lambda hay, suffix: str(hay or "").endswith(str(suffix))),
    "tolower": (1, lambda s: str(s or "").lower()),
    "toupper": (1, lambda s: str(s or "").upper()),
    "length": (1, lambda s: len(str(s or ""))),
}
_KEYWORDS = {"and", "or", "not", "true", "false", "null", *_COMPARISONS, *_ARITHMETIC}


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise FilterSyntaxError(f"unexpected text at position {position}: {text[position:]!r}")
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def _comparable(left: Any, right: Any) -> tuple[Any, Any]:
    # Edm.Int64 travels as a string; compare it with a number as a number.
    if isinstance(left, str) and isinstance(right, int | float) and left.lstrip("-").isdigit():
        return int(left), right
    if isinstance(right, str) and isinstance(left, int | float) and right.lstrip("-").isdigit():
        return left, int(right)
    return left, right


class _Parser:
    def __init__(self, text: str, properties: Mapping[str, object]) -> None:
        self.tokens = _tokens(text)
        self.position = 0
        self.properties = properties

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise FilterSyntaxError("the expression ends too early")
        self.position += 1
        return token

    def keyword(self, *words: str) -> str | None:
        token = self.peek()
        if token and token[0] == "name" and token[1] in words:
            self.position += 1
            return token[1]
        return None

    def expect(self, punct: str) -> None:
        kind, value = self.take()
        if (kind, value) != ("punct", punct):
            raise FilterSyntaxError(f"expected {punct!r}, found {value!r}")

    def parse(self) -> Expr:
        expr = self.disjunction()
        if (rest := self.peek()) is not None:
            raise FilterSyntaxError(f"unexpected {rest[1]!r}")
        return expr

    def disjunction(self) -> Expr:
        left = self.conjunction()
        while self.keyword("or"):
            right = self.conjunction()
            left = (lambda a, b: lambda row: bool(a(row)) or bool(b(row)))(left, right)
        return left

    def conjunction(self) -> Expr:
        left = self.negation()
        while self.keyword("and"):
            right = self.negation()
            left = (lambda a, b: lambda row: bool(a(row)) and bool(b(row)))(left, right)
        return left

    def negation(self) -> Expr:
        if self.keyword("not"):
            inner = self.negation()
            return lambda row: not inner(row)
        return self.comparison()

    def comparison(self) -> Expr:
        left = self.arithmetic()
        word = self.keyword(*_COMPARISONS)
        if word is None:
            return left
        right = self.arithmetic()
        compare = _COMPARISONS[word]

        def evaluate(row: Row) -> bool:
            a, b = _comparable(left(row), right(row))
            if a is None or b is None:
                return compare in (operator.eq, operator.ne) and compare(a, b)
            try:
                return bool(compare(a, b))
            except TypeError:
                return False

        return evaluate

    def arithmetic(self) -> Expr:
        left = self.primary()
        while word := self.keyword(*_ARITHMETIC):
            right = self.primary()
            left = (lambda a, b, op: lambda row: op(*_comparable(a(row), b(row))))(
                left, right, _ARITHMETIC[word]
            )
        return left

    def primary(self) -> Expr:
        kind, value = self.take()
        if kind == "punct" and value == "(":
            inner = self.disjunction()
            self.expect(")")
            return inner
        if kind == "string":
            text = value[1:-1].replace("''", "'")
            return lambda row: text
        if kind == "guid":
            key = value[5:-1].lower()
            return lambda row: key
        if kind == "datetime":
            moment = value[9:-1]
            if not _DATETIME.fullmatch(moment):
                raise FilterSyntaxError(f"malformed datetime {moment!r}")
            moment = moment if len(moment) == 19 else moment + ":00"
            return lambda row: moment
        if kind == "number":
            number = float(value) if "." in value else int(value)
            return lambda row: number
        if kind == "name":
            return self.name(value)
        raise FilterSyntaxError(f"unexpected {value!r}")

    def name(self, value: str) -> Expr:
        literals = {"true": True, "false": False, "null": None}
        if value in literals:
            constant = literals[value]
            return lambda row: constant
        if value in _KEYWORDS:
            raise FilterSyntaxError(f"unexpected {value!r}")
        if self.peek() == ("punct", "("):
            return self.function(value)
        if value not in self.properties:
            raise UnknownProperty(value)
        return lambda row: row(value)

    def function(self, name: str) -> Expr:
        if name not in _FUNCTIONS:
            raise FilterSyntaxError(f"unknown function {name}")
        arity, fn = _FUNCTIONS[name]
        self.expect("(")
        args = [self.disjunction()]
        while self.peek() == ("punct", ","):
            self.take()
            args.append(self.disjunction())
        self.expect(")")
        if len(args) != arity:
            raise FilterSyntaxError(f"{name} takes {arity} arguments")
        return lambda row: fn(*(arg(row) for arg in args))


def compile_filter(text: str, properties: Mapping[str, object]) -> Callable[[Row], bool]:
    expr = _Parser(text, properties).parse()
    return lambda row: bool(expr(row))


@dataclass
class ODataQuery:
    select: list[str] | None = None
    expand: set[str] = field(default_factory=set)
    filter: str | None = None
    orderby: list[tuple[str, bool]] = field(default_factory=list)  # (property, descending)
    top: int | None = None
    skip: int = 0
    inlinecount: bool = False
    json: bool = False


class BadOption(ValueError):
    """400, code 14 for an unparsable query option."""


def _int_option(name: str, value: str) -> int:
    if not value.isdigit():
        raise BadOption(f"Ошибка при разборе опции запроса {name}")
    return int(value)


def parse_query(params: Mapping[str, str], accept: str) -> ODataQuery:
    query = ODataQuery()
    fmt = params.get("$format", "")
    query.json = fmt.startswith(("json", "application/json")) or (
        not fmt and "application/json" in accept
    )
    if "$select" in params:
        query.select = [part.strip() for part in params["$select"].split(",") if part.strip()]
    if "$expand" in params:
        query.expand = {part.strip() for part in params["$expand"].split(",") if part.strip()}
    if params.get("$filter"):
        query.filter = params["$filter"]
    if params.get("$orderby"):
        for part in params["$orderby"].split(","):
            words = part.split()
            if not words or len(words) > 2 or (len(words) == 2 and words[1] not in ("asc", "desc")):
                raise BadOption("Ошибка при разборе опции запроса $orderby")
            query.orderby.append((words[0], len(words) == 2 and words[1] == "desc"))
    if "$top" in params:
        query.top = _int_option("$top", params["$top"])
    if "$skip" in params:
        query.skip = _int_option("$skip", params["$skip"])
    inlinecount = params.get("$inlinecount", "none")
    if inlinecount not in ("allpages", "none"):
        raise BadOption("Ошибка при разборе опции запроса $inlinecount")
    query.inlinecount = inlinecount == "allpages"
    return query
