"""Business Central filter expressions for one field: AST, parser and canonical formatter.

Syntax as on BC's filter pane ("Entering Criteria in Filters"): ``|`` or, ``&`` and (binds
tighter than ``|``), parentheses, ``a..b`` ranges (either side may be empty), ``=`` ``<>`` ``<``
``<=`` ``>`` ``>=``, ``*``/``?`` wildcards, ``@`` ignore case, ``''`` blank and single-quoted
values in which ``''`` is a quote. Everything inside quotes is literal, so ``'A|B'`` is one value.
https://learn.microsoft.com/en-us/dynamics365/business-central/ui-enter-criteria-filters
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import cast
from uuid import UUID

from .catalogue import Scalar
from .errors import FilterError


class Wildcard(Enum):
    """``*`` (any run of characters, also none) and ``?`` (exactly one character)."""

    ANY = "*"
    ONE = "?"


@dataclass(frozen=True)
class Pattern:
    """A value as written: literal text interleaved with wildcards; no parts means blank ('')."""

    parts: tuple[str | Wildcard, ...] = ()

    @classmethod
    def of(cls, *parts: str | Wildcard) -> Pattern:
        """Normalise: merge neighbouring literal pieces and drop empty ones."""
        merged: list[str | Wildcard] = []
        for part in parts:
            if isinstance(part, str) and merged and isinstance(merged[-1], str):
                merged[-1] += part
            elif part != "":
                merged.append(part)
        return cls(tuple(merged))

    @property
    def has_wildcards(self) -> bool:
        return any(isinstance(part, Wildcard) for part in self.parts)

    @property
    def literal(self) -> str:
        """The text of a pattern without wildcards."""
        return "".join(part for part in self.parts if isinstance(part, str))

    def __str__(self) -> str:
        return format_pattern(self)


LeafValue = Pattern | Scalar


@dataclass(frozen=True)
class BcCompare:
    """``value`` alone (op ``=``) or preceded by ``<>``, ``<``, ``<=``, ``>``, ``>=``."""

    op: str
    value: LeafValue
    ignore_case: bool = False
    span: tuple[int, int] = field(default=(0, 0), compare=False)


@dataclass(frozen=True)
class BcRange:
    """``low..high``; both ends inclusive, a missing end is open."""

    low: LeafValue | None
    high: LeafValue | None
    ignore_case: bool = False
    low_span: tuple[int, int] = field(default=(0, 0), compare=False)
    high_span: tuple[int, int] = field(default=(0, 0), compare=False)


@dataclass(frozen=True)
class BcAnd:
    """``a&b``: every item holds."""

    items: tuple[BcExpr, ...]


@dataclass(frozen=True)
class BcOr:
    """``a|b``: any item holds."""

    items: tuple[BcExpr, ...]


BcExpr = BcCompare | BcRange | BcAnd | BcOr
OPERATORS = ("<>", "<=", ">=", "<", ">", "=")


def any_of(*items: BcExpr) -> BcExpr:
    """``|`` of the items, flattened; a single item is returned as is."""
    flat = tuple(x for item in items for x in (item.items if isinstance(item, BcOr) else (item,)))
    return flat[0] if len(flat) == 1 else BcOr(flat)


def all_of(*items: BcExpr) -> BcExpr:
    """``&`` of the items, flattened; a single item is returned as is."""
    flat = tuple(x for item in items for x in (item.items if isinstance(item, BcAnd) else (item,)))
    return flat[0] if len(flat) == 1 else BcAnd(flat)


# ---------------------------------------------------------------------------------------------
# Formatting


# Characters that would be read as syntax; a literal containing one is written in quotes.
_SPECIAL = set("|&()'*?<>=@;,\n\"")


def needs_quotes(text: str) -> bool:
    """Whether a literal must be quoted to be read back as the same literal."""
    return (text == "" or text != text.strip() or any(ch in _SPECIAL for ch in text)
            or ".." in text or text.startswith(".") or text.endswith("."))


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def format_pattern(pattern: Pattern) -> str:
    """Canonical text of a pattern; blank is ``''``."""
    if not pattern.parts:
        return "''"
    return "".join(
        part.value if isinstance(part, Wildcard) else (quote(part) if needs_quotes(part) else part)
        for part in pattern.parts)


def format_value(value: LeafValue) -> str:
    """Canonical text of a leaf value, raw (Pattern) or typed (after binding)."""
    if isinstance(value, Pattern):
        return format_pattern(value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date | UUID | int | Decimal):
        return str(value)
    return quote(value) if needs_quotes(value) else value


def format_expression(expr: BcExpr) -> str:
    """Canonical BC filter text of an expression; parsing it gives the same AST back."""
    if isinstance(expr, BcCompare):
        op = "" if expr.op == "=" else expr.op
        return op + ("@" if expr.ignore_case else "") + format_value(expr.value)
    if isinstance(expr, BcRange):
        low = "" if expr.low is None else format_value(expr.low)
        high = "" if expr.high is None else format_value(expr.high)
        return ("@" if expr.ignore_case else "") + low + ".." + high
    separator = "|" if isinstance(expr, BcOr) else "&"
    return separator.join(_format_operand(item) for item in expr.items)


def _format_operand(item: BcExpr) -> str:
    text = format_expression(item)
    return f"({text})" if isinstance(item, BcAnd | BcOr) else text


# ---------------------------------------------------------------------------------------------
# Parsing


_PLACEHOLDER = re.compile(r"<([^<>]+)>")


def parse_expression(text: str, start: int = 0, end: int | None = None, *,
                     placeholders: Mapping[str, str] | None = None,
                     allow_comment: bool = False) -> BcExpr:
    """Parse the filter expression in ``text[start:end]``.

    Positions in errors are offsets into the whole ``text``. ``placeholders`` replace ``<name>``
    tokens (the reference data writes ``<CDS company id>``). With ``allow_comment`` a trailing
    ``(note)`` after whitespace is ignored, as in ``' ' (not blocked)``.
    """
    parser = _ExpressionParser(text, start, len(text) if end is None else end, placeholders or {})
    return parser.parse(allow_comment)


class _ExpressionParser:
    def __init__(self, text: str, start: int, end: int, placeholders: Mapping[str, str]) -> None:
        self.text, self.pos, self.end, self.placeholders = text, start, end, placeholders

    def error(self, message: str, position: int | None = None, length: int = 1) -> FilterError:
        return FilterError.at(message, self.text, self.pos if position is None else position,
                              length)

    def peek(self, token: str) -> bool:
        return self.text.startswith(token, self.pos) and self.pos + len(token) <= self.end

    def skip_spaces(self) -> None:
        while self.pos < self.end and self.text[self.pos].isspace():
            self.pos += 1

    def parse(self, allow_comment: bool) -> BcExpr:
        self.skip_spaces()
        if self.pos >= self.end:
            raise self.error("the filter is empty; write '' to filter for blank values")
        expr = self.parse_or()
        self.skip_spaces()
        if self.pos < self.end and not (allow_comment and self.rest_is_comment()):
            raise self.unexpected()
        return expr

    def rest_is_comment(self) -> bool:
        rest = self.text[self.pos:self.end].rstrip()
        return rest.startswith("(") and rest.endswith(")") and self.text[self.pos - 1].isspace()

    def unexpected(self) -> FilterError:
        char = self.text[self.pos]
        if char == ")":
            return self.error("')' without a matching '('")
        return self.error(f"unexpected '{char}'; put values that contain special characters "
                          "in single quotes")

    def parse_or(self) -> BcExpr:
        items = [self.parse_and()]
        while self.peek("|"):
            self.pos += 1
            items.append(self.parse_and())
        return items[0] if len(items) == 1 else BcOr(tuple(items))

    def parse_and(self) -> BcExpr:
        items = [self.parse_unary()]
        while self.peek("&"):
            self.pos += 1
            items.append(self.parse_unary())
        return items[0] if len(items) == 1 else BcAnd(tuple(items))

    def parse_unary(self) -> BcExpr:
        self.skip_spaces()
        if not self.peek("("):
            return self.parse_term()
        opening = self.pos
        self.pos += 1
        expr = self.parse_or()
        self.skip_spaces()
        if self.pos < self.end and not self.peek(")"):
            raise self.unexpected()
        if not self.peek(")"):
            raise self.error("'(' is never closed", opening)
        self.pos += 1
        self.skip_spaces()
        return expr

    def parse_term(self) -> BcExpr:
        start = self.pos
        op = None if self.at_placeholder() else next(
            (candidate for candidate in OPERATORS if self.peek(candidate)), None)
        self.pos += len(op or "")
        self.skip_spaces()
        ignore_case = self.peek("@")
        self.pos += ignore_case
        self.skip_spaces()
        low, low_span, written = self.parse_pattern()
        if self.peek(".."):
            if op:
                raise self.error(f"'{op}' cannot be combined with a range", start, len(op))
            return self.parse_range(start, low if written else None, low_span, ignore_case)
        if not written:
            raise self.error("expected a value" + ("" if self.pos >= self.end else
                                                   f" before '{self.text[self.pos]}'"))
        return BcCompare(op or "=", low, ignore_case, low_span)

    def parse_range(self, start: int, low: Pattern | None, low_span: tuple[int, int],
                    ignore_case: bool) -> BcRange:
        self.pos += 2
        self.skip_spaces()
        high, high_span, written = self.parse_pattern()
        if low is None and not written:
            raise self.error("empty range: '..' needs a value on at least one side", start,
                             self.pos - start)
        return BcRange(low, high if written else None, ignore_case, low_span, high_span)

    def parse_pattern(self) -> tuple[Pattern, tuple[int, int], bool]:
        """Read one value up to ``| & ( ) ..``: (value, span, whether anything was written)."""
        start = self.pos
        parts: list[str | Wildcard] = []
        last_bare = False  # trailing spaces of a bare (unquoted) run don't belong to the value
        while self.pos < self.end and not self.at_value_end():
            piece, bare = self.read_piece()
            if bare and last_bare:
                parts[-1] = cast(str, parts[-1]) + cast(str, piece)  # bare runs are text
            else:
                parts.append(piece)
            last_bare = bare
        if last_bare:
            parts[-1] = cast(str, parts[-1]).rstrip()
        written = self.pos > start
        return Pattern.of(*parts), (start, self.pos), written

    def at_value_end(self) -> bool:
        return self.text[self.pos] in "|&()" or self.peek("..")

    def read_piece(self) -> tuple[str | Wildcard, bool]:
        char = self.text[self.pos]
        if char == "'":
            return self.read_quoted(), False
        if char in "*?":
            self.pos += 1
            return Wildcard(char), False
        placeholder = self.read_placeholder()
        if placeholder is not None:
            return placeholder, False
        self.pos += 1
        return char, True

    def read_quoted(self) -> str:
        opening = self.pos
        self.pos += 1
        chars: list[str] = []
        while self.pos < self.end:
            if self.text[self.pos] != "'":
                chars.append(self.text[self.pos])
                self.pos += 1
            elif self.peek("''"):
                chars.append("'")
                self.pos += 2
            else:
                self.pos += 1
                return "".join(chars)
        raise self.error("unbalanced quote: this ' is never closed", opening)

    def at_placeholder(self) -> bool:
        match = _PLACEHOLDER.match(self.text, self.pos, self.end)
        return match is not None and match.group(1) in self.placeholders

    def read_placeholder(self) -> str | None:
        match = _PLACEHOLDER.match(self.text, self.pos, self.end)
        if not match or match.group(1) not in self.placeholders:
            return None
        self.pos = match.end()
        return self.placeholders[match.group(1)]
