"""Translate a bound BC filter to an OData ``$filter`` plus a client-side remainder.

The server part is always *necessary* (it never drops a record the BC filter keeps); whatever it
cannot say exactly stays in ``Translation.client`` and is checked after reading, so
``server AND client`` selects exactly what the BC filter selects. Each table-filter field becomes
its own conjunct, so an ``or`` only ever joins conditions on one field: Business Central rejects
``or`` across fields.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from .bc import BcAnd, BcCompare, BcExpr, BcOr, BcRange, Pattern, Wildcard, format_value
from .binding import TEXT_TYPES, BoundField, BoundFilter, evaluate
from .catalogue import FieldSpec, FieldType, Scalar, blank_value, can_be_blank, record_value
from .odata import (
    Dialect,
    Literal,
    ODataCompare,
    ODataExpr,
    ODataFunction,
    ODataNot,
    and_all,
    format_odata,
    like_escape,
    or_any,
)

_OPS = {"=": "eq", "<>": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}


@dataclass(frozen=True)
class Translation:
    """What to send as ``$filter`` and what to check on each record that comes back."""

    server: ODataExpr | None
    client: BoundFilter
    notes: tuple[str, ...] = ()

    @property
    def filter_text(self) -> str:
        """The ``$filter`` value ('' when the server cannot narrow anything)."""
        return format_odata(self.server)

    @property
    def exact(self) -> bool:
        """True when the server filter alone is exact (no client-side check needed)."""
        return not self.client

    def matches(self, record: Mapping[str, Any]) -> bool:
        """The client-side predicate, for records the server returned."""
        return self.client.matches(record)


@dataclass(frozen=True)
class _Piece:
    server: ODataExpr | None  # None: no restriction
    exact: bool
    reasons: tuple[str, ...] = ()


def translate(bound: BoundFilter, dialect: Dialect = Dialect.BUSINESS_CENTRAL) -> Translation:
    """Split a bound BC filter into a server ``$filter`` for ``dialect`` and a client remainder."""
    servers: list[ODataExpr | None] = []
    client: list[BoundField] = []
    notes: list[str] = []
    for item in bound.fields:
        piece = _field(item, dialect)
        servers.append(piece.server)
        if not piece.exact:
            client.append(item)
            notes.extend(f"{item.spec.label}: {reason}" for reason in dict.fromkeys(piece.reasons))
    return Translation(and_all(*servers), BoundFilter(tuple(client)), tuple(notes))


def _field(item: BoundField, dialect: Dialect) -> _Piece:
    if not item.spec.filterable:
        return _Piece(None, False, ("the server cannot filter on this field; checked after "
                                    "reading",))
    return _Translator(item.spec, dialect).expr(item.expr)


class _Translator:
    def __init__(self, spec: FieldSpec, dialect: Dialect) -> None:
        self.spec, self.dialect = spec, dialect
        self.nulls = dialect is Dialect.DATAVERSE  # Dataverse stores blanks as null

    def expr(self, expr: BcExpr) -> _Piece:
        if isinstance(expr, BcOr):
            return self.either([self.expr(item) for item in expr.items])
        if isinstance(expr, BcAnd):
            pieces = [self.expr(item) for item in expr.items]
            return _Piece(and_all(*(p.server for p in pieces)), all(p.exact for p in pieces),
                          _reasons(pieces))
        piece = self.leaf(expr)
        return self.with_blanks(expr, piece)

    def either(self, pieces: list[_Piece]) -> _Piece:
        if any(p.server is None and p.exact for p in pieces):
            return _Piece(None, True)  # one branch accepts everything
        if any(p.server is None for p in pieces):
            return _Piece(None, False, _reasons(pieces))
        return _Piece(or_any(*(p.server for p in pieces if p.server is not None)),
                      all(p.exact for p in pieces), _reasons(pieces))

    def with_blanks(self, expr: BcExpr, piece: _Piece) -> _Piece:
        """On Dataverse a BC blank is a null, which no comparison matches: add ``eq null``."""
        if not self.nulls or piece.server is None or _is_null_test(piece.server):
            return piece
        blank = record_value(None, self.spec)
        if not evaluate(expr, blank, self.spec):
            return piece
        return _Piece(or_any(piece.server, self.compare("eq", None)), piece.exact, piece.reasons)

    def leaf(self, expr: BcCompare | BcRange) -> _Piece:
        if expr.ignore_case and self.dialect is Dialect.BUSINESS_CENTRAL and self.is_text:
            return _Piece(None, False, ("case-insensitive (@) matching is not available in "
                                        "Business Central's OData; checked after reading",))
        if isinstance(expr, BcRange):
            return self.case(self.range(expr), expr.ignore_case, positive=False)
        if isinstance(expr.value, Pattern):
            return self.pattern(expr.op, expr.value, expr.ignore_case)
        return self.case(self.scalar(expr.op, expr.value), expr.ignore_case,
                         positive=expr.op == "=")

    @property
    def is_text(self) -> bool:
        return self.spec.type in TEXT_TYPES

    def case(self, piece: _Piece, ignore_case: bool, positive: bool) -> _Piece:
        """Dataverse compares text case-insensitively, which is exact only for ``@``.

        For ``=`` and positive patterns the case-insensitive result is a superset, so the server
        can still narrow; ``<>`` and ordering would drop records BC keeps ('Z' is within A..c
        case-sensitively but not case-insensitively), so those stay client-side.
        """
        if self.dialect is Dialect.BUSINESS_CENTRAL or not self.is_text or ignore_case:
            return piece
        if piece.server is not None and _is_null_test(piece.server):
            return piece  # blank is blank in any case
        reason = ("Dataverse compares text case-insensitively; the exact case is checked after "
                  "reading",)
        return _Piece(piece.server if positive else None, False, piece.reasons + reason)

    def scalar(self, op: str, value: Scalar) -> _Piece:
        if self.spec.type is FieldType.OPTION and op not in ("=", "<>"):
            return self.option_set(lambda label: evaluate(BcCompare(op, value), label, self.spec))
        # A Dataverse blank is null, except for choices, whose blank BC option has a value.
        if (self.nulls and self.spec.type is not FieldType.OPTION and can_be_blank(self.spec)
                and value == blank_value(self.spec)):
            if op in ("=", "<>"):
                return _Piece(self.compare(_OPS[op], None), True)
            return _Piece(None, False, ("comparing with blank is checked after reading",))
        return _Piece(self.compare(_OPS[op], self.wire(value)), True)

    def range(self, expr: BcRange) -> _Piece:
        if self.spec.type is FieldType.OPTION:
            return self.option_set(lambda label: evaluate(expr, label, self.spec))
        # Bound ranges hold scalars (binding.range_end).
        parts = [self.scalar(op, cast(Scalar, value))
                 for op, value in ((">=", expr.low), ("<=", expr.high))
                 if value is not None]
        return _Piece(and_all(*(p.server for p in parts)), all(p.exact for p in parts),
                      _reasons(parts))

    def option_set(self, keep: Callable[[str], bool]) -> _Piece:
        # Enum ordering on the server is not documented, so an option range becomes a list.
        labels = [label for label in self.spec.option_labels() if keep(label)]
        if not labels:
            return _Piece(None, False, ("no option matches; checked after reading",))
        servers = [self.scalar("=", label).server for label in labels]
        return _Piece(or_any(*(s for s in servers if s is not None)), True)  # "=" never None

    def pattern(self, op: str, pattern: Pattern, ignore_case: bool) -> _Piece:
        if all(part is Wildcard.ANY for part in pattern.parts):
            if op == "=":
                return _Piece(None, True)
            return _Piece(None, False, ("'<>*' selects nothing",))
        piece = self.positive_pattern(pattern)
        if op == "<>":
            piece = self.negate(piece)
        return self.case(piece, ignore_case, positive=op == "=")

    def negate(self, piece: _Piece) -> _Piece:
        if self.dialect is Dialect.BUSINESS_CENTRAL:
            return _Piece(None, False, ("'<>' with wildcards needs 'not', which Business "
                                        "Central's OData lacks; checked after reading",))
        if not piece.exact or piece.server is None:
            return _Piece(None, False, piece.reasons)
        return _Piece(ODataNot(piece.server), True)

    def positive_pattern(self, pattern: Pattern) -> _Piece:
        runs = self.runs(pattern)
        opens_at_start = pattern.parts[0] is Wildcard.ANY
        opens_at_end = pattern.parts[-1] is Wildcard.ANY
        exact_possible = self.nulls or Wildcard.ONE not in pattern.parts
        if len(runs) == 1 and (opens_at_start or opens_at_end) and exact_possible:
            name = ("contains" if opens_at_start and opens_at_end
                    else "endswith" if opens_at_start else "startswith")
            return _Piece(self.function(name, runs[0]), True)
        # On BC a leading/trailing '?' means the first/last run is not at the very edge.
        anchored_start = not opens_at_start and (self.nulls or isinstance(pattern.parts[0], str))
        anchored_end = not opens_at_end and (self.nulls or isinstance(pattern.parts[-1], str))
        calls = []
        for index, text in enumerate(runs):
            first = index == 0 and anchored_start
            last = index == len(runs) - 1 and anchored_end
            if first:
                calls.append(self.function("startswith", text))
            if last:
                calls.append(self.function("endswith", text))
            if not (first or last):
                calls.append(self.function("contains", text))
        return _Piece(and_all(*calls), False, (f"the pattern {format_value(pattern)} cannot be "
                                               "expressed exactly on the server; it is checked "
                                               "after reading",))

    def runs(self, pattern: Pattern) -> list[str]:
        """Literal runs the server can search for, as function arguments.

        Dataverse LIKE has ``_`` for ``?`` (and needs % _ [ escaped); Business Central has no
        single-character wildcard, so there ``?`` splits runs.
        """
        runs, current = [], ""
        for part in (*pattern.parts, Wildcard.ANY):
            if isinstance(part, str):
                current += like_escape(part) if self.nulls else part
            elif part is Wildcard.ONE and self.nulls:
                current += "_"
            else:
                if current:
                    runs.append(current)
                current = ""
        return runs

    def function(self, name: str, text: str) -> ODataFunction:
        return ODataFunction(name, self.spec.name, text)

    def compare(self, op: str, value: Literal) -> ODataCompare:
        return ODataCompare(self.spec.name, op, value)

    def wire(self, value: Scalar) -> Literal:
        if self.spec.type is FieldType.OPTION:
            return self.spec.wire_option(str(value))
        return value


def _reasons(pieces: list[_Piece]) -> tuple[str, ...]:
    return tuple(reason for piece in pieces for reason in piece.reasons)


def _is_null_test(expr: ODataExpr) -> bool:
    return isinstance(expr, ODataCompare) and expr.value is None
