"""OData query options shared by both services: query strings, ``$filter``, ``$orderby``,
``$select`` and ``$expand`` parsing.

``$filter`` compiles to a Python predicate over stored records. Dataverse compares strings
case-insensitively (protocols.md 3.3); Business Central rejects ``or`` across different fields
(protocols.md 4.4), which :func:`compile_filter` enforces with ``single_field_or``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

Record = dict[str, Any]
Getter = Callable[[Record], Any]
Predicate = Callable[[Record], bool]


class ODataError(ValueError):
    """A malformed or unsupported query; services answer 400 with their own error code."""


def parse_query(raw: str) -> dict[str, str]:
    """Split and decode a query string as the services do: ``+`` and ``%20`` are spaces, every
    other ``%XX`` is the byte it stands for (so a literal plus must be sent as ``%2B``).

    Microsoft's own clients form-encode query values (spaces as ``+``) and the Web API reads them
    as spaces: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/filter-rows
    asks for ``+`` to be URL-encoded in filter values for that reason.
    """
    options: dict[str, str] = {}
    for pair in filter(None, raw.split("&")):
        name, _, value = pair.partition("=")
        options[unquote_plus(name)] = unquote_plus(value)
    return options


TOKEN = re.compile(
    r"""\s*(?:
    (?P<string>'(?:[^']|'')*')
    |(?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-]))
    |(?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)
    |(?P<date>\d{4}-\d{2}-\d{2}(?![\w:]))
    |(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[mMdDlLfF]?)
    |(?P<name>[A-Za-z_@$][\w.@$]*(?:/[A-Za-z_][\w.]*)*)
    |(?P<punct>[(),=\[\]])
    )""",
    re.VERBOSE,
)
COMPARISONS = {"eq", "ne", "gt", "ge", "lt", "le"}


@dataclass
class Token:
    """One lexical token of a ``$filter`` expression."""

    kind: str
    text: str


def tokenize(text: str) -> list[Token]:
    """Split a ``$filter`` expression into tokens."""
    tokens, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = TOKEN.match(text, position)
        if not match or match.end() == position:
            raise ODataError(f"Syntax error at position {position} in '{text}'.")
        kind = match.lastgroup or ""
        tokens.append(Token(kind, match.group(kind)))
        position = match.end()
    return tokens


@dataclass
class Node:
    """Filter syntax tree node: ``op`` is and/or/not/eq.../call/prop/lit/list."""

    op: str
    args: list[Any] = field(default_factory=list)


class Parser:
    """Recursive-descent parser for the ``$filter`` grammar both services accept."""

    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.position = 0

    def parse(self) -> Node:
        node = self.parse_or()
        if self.position != len(self.tokens):
            raise ODataError(f"Unexpected '{self.tokens[self.position].text}' in $filter.")
        return node

    def peek(self) -> Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def next(self) -> Token:
        token = self.peek()
        if token is None:
            raise ODataError("Unexpected end of $filter expression.")
        self.position += 1
        return token

    def accept(self, text: str) -> bool:
        token = self.peek()
        if token is not None and token.text.lower() == text and token.kind in ("name", "punct"):
            self.position += 1
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.accept(text):
            found = following.text if (following := self.peek()) else "end of expression"
            raise ODataError(f"Expected '{text}' but found '{found}' in $filter.")

    def parse_or(self) -> Node:
        node = self.parse_and()
        while self.accept("or"):
            node = Node("or", [node, self.parse_and()])
        return node

    def parse_and(self) -> Node:
        node = self.parse_unary()
        while self.accept("and"):
            node = Node("and", [node, self.parse_unary()])
        return node

    def parse_unary(self) -> Node:
        if self.accept("not"):
            return Node("not", [self.parse_unary()])
        return self.parse_comparison()

    def parse_comparison(self) -> Node:
        left = self.parse_primary()
        token = self.peek()
        if token is not None and token.kind == "name" and token.text.lower() in COMPARISONS:
            self.position += 1
            return Node(token.text.lower(), [left, self.parse_primary()])
        if token is not None and token.kind == "name" and token.text.lower() == "in":
            self.position += 1
            return Node("in", [left, self.parse_list("(", ")")])
        return left

    def parse_list(self, opening: str, closing: str) -> Node:
        self.expect(opening)
        items = []
        while not self.accept(closing):
            items.append(self.parse_primary())
            self.accept(",")
        return Node("list", items)

    def parse_primary(self) -> Node:
        if self.accept("("):
            node = self.parse_or()
            self.expect(")")
            return node
        token = self.next()
        if token.kind == "name" and (nxt := self.peek()) is not None and nxt.text == "(":
            return self.parse_call(token.text)
        if token.kind == "name" and token.text.lower() not in ("true", "false", "null"):
            return Node("prop", [token.text])
        if token.kind == "punct" and token.text == "[":
            self.position -= 1
            return self.parse_list("[", "]")
        return Node("lit", [literal_value(token)])

    def parse_call(self, name: str) -> Node:
        self.expect("(")
        args: list[Any] = []
        while not self.accept(")"):
            args.append(self.parse_argument())
            self.accept(",")
        return Node("call", [name, args])

    def parse_argument(self) -> Any:
        token = self.peek()
        follower = self.tokens[self.position + 1] if self.position + 1 < len(self.tokens) else None
        if token and token.kind == "name" and follower is not None and follower.text == "=":
            self.position += 2
            return (token.text, self.parse_primary())
        return self.parse_or()


def literal_value(token: Token) -> Any:
    """Python value of a literal token (GUIDs lower-cased, dates as date/datetime)."""
    if token.kind == "string":
        return token.text[1:-1].replace("''", "'")
    if token.kind == "guid":
        return token.text.lower()
    if token.kind == "datetime":
        return parse_datetime(token.text)
    if token.kind == "date":
        return dt.date.fromisoformat(token.text)
    if token.kind == "number":
        return _number(token.text)
    lowered = token.text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "null":
        return None
    raise ODataError(f"Unexpected '{token.text}' in $filter.")


def _number(text: str) -> int | float:
    text = text.rstrip("mMdDlLfF")
    return float(text) if any(c in text for c in ".eE") else int(text)


def parse_datetime(text: str) -> dt.datetime:
    """Parse an ISO-8601 timestamp; naive values are taken as UTC."""
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
