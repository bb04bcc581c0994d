"""Dataverse "Integration Table Filter": condition rows and raw ``$filter`` text.

Rows are what the mapping form edits (attribute, operator, value); raw text is for everything
else. Both are validated against the attribute catalogue, which also lets people write option
labels (``customertypecode eq 'Customer'`` becomes ``customertypecode eq 3``) and lookups by
their attribute name (``parentcustomerid`` is read as ``_parentcustomerid_value``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast
from uuid import UUID

from .binding import TEXT_TYPES, bind
from .catalogue import Catalogue, FieldSpec, FieldType, ValueProblem, as_utc, parse_scalar
from .errors import FilterError, Problem
from .odata import (
    Dialect,
    Literal,
    ODataAnd,
    ODataCompare,
    ODataExpr,
    ODataFunction,
    ODataNot,
    ODataOr,
    and_all,
    like_escape,
    or_any,
    parse_odata,
)
from .tables import parse_table_filter
from .translate import Translation, translate

ROW_OPERATORS = ("eq", "ne", "gt", "ge", "lt", "le", "contains", "begins with", "ends with",
                 "null", "not null", "in")
_FUNCTIONS = {"contains": "contains", "begins with": "startswith", "ends with": "endswith"}


@dataclass(frozen=True)
class Condition:
    """One filter row. ``value`` is text as typed; for ``in`` a list (or text split on ``|``)."""

    attribute: str
    operator: str
    value: Any = None


def build_filter(rows: Sequence[Condition], catalogue: Catalogue, *,
                 match_any: bool = False) -> ODataExpr | None:
    """Combine rows with ``and`` (or ``or`` with ``match_any``); FilterError names each bad row."""
    problems: list[Problem] = []
    exprs = []
    for number, row in enumerate(rows, start=1):
        try:
            exprs.append(_row(row, catalogue))
        except ValueProblem as problem:
            problems.append(Problem(f"row {number}: {problem}", number - 1, 1, row.attribute))
    if problems:
        raise FilterError(problems)
    if not exprs:
        return None
    return or_any(*exprs) if match_any else and_all(*exprs)


def _row(row: Condition, catalogue: Catalogue) -> ODataExpr:
    spec = catalogue.get(row.attribute)
    if spec is None:
        raise ValueProblem(f"unknown attribute '{row.attribute}'")
    operator = row.operator.strip().lower()
    if operator not in ROW_OPERATORS:
        raise ValueProblem(f"unknown operator '{row.operator}' (use {', '.join(ROW_OPERATORS)})")
    if operator in ("null", "not null"):
        return ODataCompare(spec.name, "eq" if operator == "null" else "ne", None)
    if operator == "in":
        values = row.value.split("|") if isinstance(row.value, str) else list(row.value or ())
        if not values:
            raise ValueProblem(f"'in' needs at least one value for {spec.name}")
        return or_any(*(ODataCompare(spec.name, "eq", _value(str(v), spec)) for v in values))
    if operator in _FUNCTIONS:
        if spec.type not in TEXT_TYPES:
            raise ValueProblem(f"'{operator}' only works on text; {spec.name} is {spec.type}")
        # Row values are literal text: keep Dataverse from reading % _ [ as LIKE wildcards.
        return ODataFunction(_FUNCTIONS[operator], spec.name, like_escape(str(row.value or "")))
    _check_ordering(operator, spec)
    return ODataCompare(spec.name, operator, _value(str(row.value or ""), spec))


def _check_ordering(operator: str, spec: FieldSpec) -> None:
    if operator not in ("eq", "ne") and spec.type in (FieldType.GUID, FieldType.BOOLEAN):
        raise ValueProblem(f"{spec.name} is {spec.type}: only eq and ne are possible")


def _value(text: str, spec: FieldSpec) -> Literal:
    value = parse_scalar(text, spec)
    # An option's value parses to its label.
    return spec.wire_option(cast(str, value)) if spec.type is FieldType.OPTION else value


# ---------------------------------------------------------------------------------------------
# Raw $filter text


def parse_dataverse_filter(text: str, catalogue: Catalogue) -> ODataExpr:
    """Parse a raw ``$filter`` and validate it against the attribute catalogue."""
    return validate_odata(parse_odata(text), catalogue, text)


def validate_odata(expr: ODataExpr, catalogue: Catalogue, text: str = "") -> ODataExpr:
    """Resolve attribute names and convert literals (option labels to values, GUID text to GUIDs).

    Navigation paths (``primarycontactid/fullname``) are passed through unchecked.
    """
    problems: list[Problem] = []
    result = _Validator(catalogue, problems).visit(expr)
    if problems:
        raise FilterError(problems, text)
    return result


class _Validator:
    def __init__(self, catalogue: Catalogue, problems: list[Problem]) -> None:
        self.catalogue, self.problems = catalogue, problems

    def visit(self, expr: ODataExpr) -> ODataExpr:
        if isinstance(expr, ODataAnd):
            return ODataAnd(tuple(self.visit(item) for item in expr.items))
        if isinstance(expr, ODataOr):
            return ODataOr(tuple(self.visit(item) for item in expr.items))
        if isinstance(expr, ODataNot):
            return ODataNot(self.visit(expr.item))
        if "/" in expr.property:
            return expr
        spec = self.catalogue.get(expr.property)
        if spec is None:
            return self.fail(f"unknown attribute '{expr.property}'", expr)
        if isinstance(expr, ODataFunction):
            if spec.type not in TEXT_TYPES:
                return self.fail(f"{expr.name} only works on text; {spec.name} is {spec.type}",
                                 expr)
            return ODataFunction(expr.name, spec.name, expr.value, expr.position)
        try:
            value = _convert(expr.value, spec)
        except ValueProblem as problem:
            return self.fail(str(problem), expr)
        return ODataCompare(spec.name, expr.op, value, expr.position)

    def fail(self, message: str, expr: ODataExpr) -> ODataExpr:
        position = getattr(expr, "position", 0)
        self.problems.append(Problem(message, position, len(getattr(expr, "property", "x"))))
        return expr


def _convert(value: Literal, spec: FieldSpec) -> Literal:
    """A literal in the attribute's type; the option label ``'Customer'`` becomes its number."""
    if value is None:
        return None
    if spec.type is FieldType.OPTION:
        return spec.wire_option(cast(str, parse_scalar(str(value), spec)))  # a label
    expected = _LITERAL_TYPES[spec.type]
    if isinstance(value, expected) and not (isinstance(value, bool) and bool not in expected):
        # isinstance with a tuple of types widens to object: the value is still the literal.
        return as_utc(value) if isinstance(value, datetime) else cast(Literal, value)
    if isinstance(value, str) and spec.type is FieldType.GUID:
        return parse_scalar(value, spec)
    raise ValueProblem(f"{spec.name} is {spec.type}; {value!r} does not fit")


_LITERAL_TYPES: dict[FieldType, tuple[type, ...]] = {
    FieldType.TEXT: (str,), FieldType.CODE: (str,), FieldType.INTEGER: (int,),
    FieldType.DECIMAL: (int, Decimal), FieldType.BOOLEAN: (bool,), FieldType.DATE: (date,),
    FieldType.DATETIME: (datetime, date), FieldType.GUID: (UUID,),
}


# ---------------------------------------------------------------------------------------------
# BC-style filters on the Dataverse table


def translate_bc_style(text: str, catalogue: Catalogue, *,
                       placeholders: Mapping[str, str] | None = None) -> Translation:
    """A filter written BC's way on the CRM table (``StateCode = Active, CustomerTypeCode =
    Customer``, as BC stores Integration Table Filters and the reference data lists them) as a
    Dataverse ``$filter`` plus whatever must be checked after reading."""
    table_filter = parse_table_filter(text, catalogue, placeholders=placeholders)
    return translate(bind(table_filter, catalogue), Dialect.DATAVERSE)
