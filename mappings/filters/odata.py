"""OData ``$filter`` expressions: AST, parser, canonical formatter and evaluator.

Covers the subset both services share: ``eq ne gt ge lt le``, ``and or not``, parentheses,
``contains/startswith/endswith(property,'text')`` and string, number, GUID, date, datetime,
boolean and ``null`` literals. Dataverse:
https://learn.microsoft.com/en-us/power-apps/developer/data-platform/webapi/query/filter-rows
Business Central:
https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/webservices/use-filter-expressions-in-odata-uris
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Any, cast
from uuid import UUID

from .catalogue import as_utc
from .errors import FilterError

Literal = None | bool | int | Decimal | str | UUID | date | datetime
COMPARISONS = ("eq", "ne", "gt", "ge", "lt", "le")
FUNCTIONS = ("contains", "startswith", "endswith")
_FLIPPED = {"eq": "eq", "ne": "ne", "gt": "lt", "ge": "le", "lt": "gt", "le": "ge"}


class Dialect(StrEnum):
    """Whose server semantics an OData filter is evaluated with."""

    # BC: case-sensitive text, literal function arguments, no nulls.
    BUSINESS_CENTRAL = "business_central"
    # Dataverse: case-insensitive text, SQL LIKE wildcards (% _ [..]) in functions, nulls.
    DATAVERSE = "dataverse"


@dataclass(frozen=True)
class ODataCompare:
    """``property op literal``."""

    property: str
    op: str
    value: Literal
    position: int = field(default=0, compare=False)


@dataclass(frozen=True)
class ODataFunction:
    """``contains|startswith|endswith(property,'text')``."""

    name: str
    property: str
    value: str
    position: int = field(default=0, compare=False)


@dataclass(frozen=True)
class ODataAnd:
    items: tuple[ODataExpr, ...]


@dataclass(frozen=True)
class ODataOr:
    items: tuple[ODataExpr, ...]


@dataclass(frozen=True)
class ODataNot:
    item: ODataExpr


ODataExpr = ODataCompare | ODataFunction | ODataAnd | ODataOr | ODataNot


def and_all(*items: ODataExpr | None) -> ODataExpr | None:
    """``and`` of the items (None means 'no restriction' and is dropped), flattened."""
    flat = tuple(x for item in items if item is not None
                 for x in (item.items if isinstance(item, ODataAnd) else (item,)))
    return None if not flat else flat[0] if len(flat) == 1 else ODataAnd(flat)


def or_any(*items: ODataExpr) -> ODataExpr:
    """``or`` of the items, flattened."""
    flat = tuple(x for item in items
                 for x in (item.items if isinstance(item, ODataOr) else (item,)))
    return flat[0] if len(flat) == 1 else ODataOr(flat)


def properties(expr: ODataExpr) -> set[str]:
    """Every property an expression reads."""
    if isinstance(expr, ODataCompare | ODataFunction):
        return {expr.property}
    if isinstance(expr, ODataNot):
        return properties(expr.item)
    return set().union(*(properties(item) for item in expr.items))


# ---------------------------------------------------------------------------------------------
# Formatting


def format_literal(value: Literal) -> str:
    """OData literal text: strings quoted with ``'`` doubled, dates and GUIDs bare."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return as_utc(value).isoformat().replace("+00:00", "Z")
    return str(value)


def format_odata(expr: ODataExpr | None) -> str:
    """Canonical ``$filter`` text ('' for no filter); parsing it gives the same AST."""
    if expr is None:
        return ""
    if isinstance(expr, ODataCompare):
        return f"{expr.property} {expr.op} {format_literal(expr.value)}"
    if isinstance(expr, ODataFunction):
        return f"{expr.name}({expr.property},{format_literal(expr.value)})"
    if isinstance(expr, ODataNot):
        return f"not {_operand(expr.item, atomic_only=True)}"
    joiner = " and " if isinstance(expr, ODataAnd) else " or "
    return joiner.join(_operand(item, atomic_only=False) for item in expr.items)


def _operand(item: ODataExpr, atomic_only: bool) -> str:
    text = format_odata(item)
    # 'not' binds tighter than 'eq' in OData, so a comparison under 'not' needs parentheses too.
    nested = isinstance(item, ODataAnd | ODataOr) or (
        atomic_only and isinstance(item, ODataCompare))
    return f"({text})" if nested else text


# ---------------------------------------------------------------------------------------------
# Parsing

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<string>'(?:[^']|'')*')
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)
  | (?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?!\w))
  | (?P<date>\d{4}-\d{2}-\d{2}(?!\w))
  | (?P<number>-?\d+(?:\.\d+)?(?![\w.]))
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:/[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<punct>[(),])
""", re.VERBOSE)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    position: int


def _tokenize(text: str) -> list[_Token]:
    tokens, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            if text[pos] == "'":
                raise FilterError.at("unbalanced quote: this ' is never closed", text, pos)
            raise FilterError.at(f"unexpected '{text[pos]}'", text, pos)
        if match.lastgroup != "space":
            tokens.append(_Token(match.lastgroup or "", match.group(), pos))
        pos = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


def parse_odata(text: str) -> ODataExpr:
    """Parse a ``$filter`` string; FilterError points at the offending token."""
    parser = _ODataParser(text)
    if parser.peek().kind == "end":
        raise parser.error("the filter is empty")
    expr = parser.parse_or()
    if parser.peek().kind != "end":
        token = parser.peek()
        raise parser.error("')' without a matching '('" if token.text == ")"
                           else f"expected 'and', 'or' or the end, found '{token.text}'")
    return expr


class _ODataParser:
    def __init__(self, text: str) -> None:
        self.text, self.tokens, self.index = text, _tokenize(text), 0

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += token.kind != "end"
        return token

    def error(self, message: str, token: _Token | None = None) -> FilterError:
        token = token or self.peek()
        return FilterError.at(message, self.text, token.position, max(1, len(token.text)))

    def is_word(self, word: str) -> bool:
        return self.peek().kind == "name" and self.peek().text == word

    def expect(self, text: str, message: str) -> _Token:
        if self.peek().text != text or self.peek().kind not in ("punct",):
            raise self.error(message)
        return self.take()

    def parse_or(self) -> ODataExpr:
        items = [self.parse_and()]
        while self.is_word("or"):
            self.take()
            items.append(self.parse_and())
        return items[0] if len(items) == 1 else ODataOr(tuple(items))

    def parse_and(self) -> ODataExpr:
        items = [self.parse_unary()]
        while self.is_word("and"):
            self.take()
            items.append(self.parse_unary())
        return items[0] if len(items) == 1 else ODataAnd(tuple(items))

    def parse_unary(self) -> ODataExpr:
        if self.is_word("not"):
            self.take()
            return ODataNot(self.parse_unary())
        if self.peek().text == "(" and self.peek().kind == "punct":
            opening = self.take()
            expr = self.parse_or()
            if self.peek().text != ")":
                raise self.error("'(' is never closed", opening)
            self.take()
            return expr
        return self.parse_condition()

    def parse_condition(self) -> ODataExpr:
        token = self.peek()
        if token.kind == "name" and token.text in FUNCTIONS:
            return self.parse_function()
        if token.kind == "name" and self.tokens[self.index + 1].text == "(":
            raise self.error(f"unknown function '{token.text}'; use contains, startswith or "
                             "endswith")
        left, left_is_property = self.parse_operand()
        op = self.take()
        if op.kind != "name" or op.text not in COMPARISONS:
            raise self.error("expected eq, ne, gt, ge, lt or le", op)
        right, right_is_property = self.parse_operand()
        if left_is_property == right_is_property:
            raise self.error("compare a property with a value", token)
        if left_is_property:
            return ODataCompare(str(left), op.text, right, token.position)
        return ODataCompare(str(right), _FLIPPED[op.text], left, token.position)

    def parse_operand(self) -> tuple[Literal, bool]:
        token = self.take()
        if token.kind == "name" and token.text not in ("null", "true", "false", *COMPARISONS,
                                                       "and", "or", "not"):
            return token.text, True
        try:
            return _literal(token), False
        except ValueError:
            raise self.error("expected a property name or a value", token) from None

    def parse_function(self) -> ODataFunction:
        name = self.take()
        self.expect("(", f"expected '(' after {name.text}")
        prop = self.take()
        if prop.kind != "name":
            raise self.error(f"expected a property name as the first argument of {name.text}",
                             prop)
        self.expect(",", "expected ','")
        value = self.take()
        if value.kind != "string":
            raise self.error(f"the second argument of {name.text} must be a quoted text", value)
        self.expect(")", "expected ')'")
        text = cast(str, _literal(value))  # a quoted text token reads as a str
        return ODataFunction(name.text, prop.text, text, name.position)


def _literal(token: _Token) -> Literal:
    """The Python value of a literal token; ValueError when the token is not a literal."""
    kind, text = token.kind, token.text
    if kind == "string":
        return text[1:-1].replace("''", "'")
    if kind == "name" and text in ("null", "true", "false"):
        return {"null": None, "true": True, "false": False}[text]
    if kind == "number":
        return Decimal(text) if "." in text else int(text)
    if kind == "guid":
        return UUID(text)
    if kind == "date":
        return date.fromisoformat(text)
    if kind == "datetime":
        return as_utc(datetime.fromisoformat(text))
    raise ValueError(text)


# ---------------------------------------------------------------------------------------------
# Evaluation


def matches(expr: ODataExpr | None, record: Mapping[str, Any],
            dialect: Dialect = Dialect.DATAVERSE) -> bool:
    """Whether a record (JSON as read from the API) passes the filter, as the server decides.

    Nulls behave as in SQL: a comparison with a null value is false except ``eq null``. Values
    are converted to the literal's type first (ISO strings to dates, GUID strings to UUIDs).
    """
    if expr is None:
        return True
    if isinstance(expr, ODataAnd):
        return all(matches(item, record, dialect) for item in expr.items)
    if isinstance(expr, ODataOr):
        return any(matches(item, record, dialect) for item in expr.items)
    if isinstance(expr, ODataNot):
        return not matches(expr.item, record, dialect)
    actual = _read(record, expr.property)
    if isinstance(expr, ODataFunction):
        return isinstance(actual, str) and _string_function(expr, actual, dialect)
    return _compare(expr.op, actual, expr.value, dialect)


def _read(record: Mapping[str, Any], path: str) -> Any:
    value: Any = record
    for name in path.split("/"):  # navigation: primarycontactid/fullname
        value = value.get(name) if isinstance(value, Mapping) else None
    return value


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq, "ne": operator.ne, "gt": operator.gt, "ge": operator.ge,
    "lt": operator.lt, "le": operator.le,
}


def _compare(op: str, actual: Any, literal: Literal, dialect: Dialect) -> bool:
    if literal is None:
        return {"eq": actual is None, "ne": actual is not None}.get(op, False)
    if actual is None:
        return False
    try:
        left, right = _comparable(actual, literal, dialect)
        return _OPERATORS[op](left, right)
    except (TypeError, ValueError):
        return False  # a value of another type never matches


def _comparable(actual: Any, literal: Literal, dialect: Dialect) -> tuple[Any, Any]:
    if isinstance(literal, bool) or isinstance(actual, bool):
        if not (isinstance(literal, bool) and isinstance(actual, bool)):
            raise TypeError
        return actual, literal
    if isinstance(literal, int | Decimal):
        if not isinstance(actual, int | float | Decimal):
            raise TypeError
        return Decimal(str(actual)), Decimal(literal)
    if isinstance(literal, str):
        if not isinstance(actual, str):
            raise TypeError
        fold = dialect is Dialect.DATAVERSE  # Dataverse compares text case-insensitively
        return (actual.casefold(), literal.casefold()) if fold else (actual, literal)
    if isinstance(literal, UUID):
        return (actual if isinstance(actual, UUID) else UUID(str(actual))), literal
    if isinstance(literal, datetime):
        value = actual if isinstance(actual, datetime) else datetime.fromisoformat(str(actual))
        return as_utc(value), literal
    day = actual if isinstance(actual, date) else date.fromisoformat(str(actual)[:10])
    return day, literal


def _string_function(expr: ODataFunction, actual: str, dialect: Dialect) -> bool:
    if dialect is Dialect.BUSINESS_CENTRAL:
        tests: dict[str, Callable[[str, str], bool]] = {
            "contains": operator.contains, "startswith": str.startswith,
            "endswith": str.endswith}
        return tests[expr.name](actual, expr.value)
    anchored_start = expr.name == "startswith"
    anchored_end = expr.name == "endswith"
    regex = _like_regex(expr.value, anchored_start, anchored_end)
    return regex.search(actual) is not None


@lru_cache(maxsize=512)
def _like_regex(value: str, anchored_start: bool, anchored_end: bool) -> re.Pattern[str]:
    """Dataverse turns these functions into SQL LIKE: % _ [abc] [^abc] are wildcards."""
    pieces, pos = [], 0
    while pos < len(value):
        char = value[pos]
        close = value.find("]", pos + 2) if char == "[" else -1
        if char == "%":
            pieces.append(".*")
        elif char == "_":
            pieces.append(".")
        elif close != -1:
            inner = value[pos + 1:close]
            negate = inner.startswith("^") and len(inner) > 1
            body = re.escape(inner[1:] if negate else inner)
            pieces.append(f"[{'^' if negate else ''}{body}]")
            pos = close
        else:
            pieces.append(re.escape(char))
        pos += 1
    body = "".join(pieces)
    return re.compile(("^" if anchored_start else "") + body + ("$" if anchored_end else ""),
                      re.IGNORECASE | re.DOTALL)


def like_escape(text: str) -> str:
    """Make text literal inside a Dataverse contains/startswith/endswith argument."""
    return re.sub(r"([%_\[])", r"[\1]", text)


def business_central_problems(expr: ODataExpr) -> list[str]:
    """Why Business Central would reject this filter (empty when it accepts it).

    BC allows ``or`` only between conditions on the same field and has no ``not`` or nulls.
    """
    if isinstance(expr, ODataNot):
        return ["Business Central's OData does not support 'not'"]
    if isinstance(expr, ODataCompare):
        return ["Business Central has no null values"] if expr.value is None else []
    if isinstance(expr, ODataFunction):
        return []
    problems = [problem for item in expr.items for problem in business_central_problems(item)]
    if isinstance(expr, ODataOr) and len(properties(expr)) > 1:
        names = ", ".join(sorted(properties(expr)))
        problems.append(f"Business Central cannot combine different fields with 'or' ({names})")
    return problems


def split_for_business_central(expr: ODataExpr | None) -> tuple[ODataExpr | None,
                                                                  ODataExpr | None]:
    """Split into (what BC accepts, what must be checked after reading) at the top-level 'and's."""
    if expr is None:
        return None, None
    conjuncts = expr.items if isinstance(expr, ODataAnd) else (expr,)
    server = [item for item in conjuncts if not business_central_problems(item)]
    client = [item for item in conjuncts if business_central_problems(item)]
    return and_all(*server), and_all(*client)
