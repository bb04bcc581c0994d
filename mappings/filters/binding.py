"""Check a parsed BC filter against a field catalogue and evaluate it on records.

Binding resolves field names (caption, API name, alias or ``FieldN``) and turns every literal into
the field's type, collecting every problem with its position. The bound filter's ``matches`` is
the reference semantics: the client-side predicate of the sync engine and the oracle of tests.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .bc import (
    BcAnd,
    BcCompare,
    BcExpr,
    BcOr,
    BcRange,
    LeafValue,
    Pattern,
    Wildcard,
    all_of,
    any_of,
    format_expression,
)
from .catalogue import (
    Catalogue,
    FieldSpec,
    FieldType,
    Scalar,
    ValueProblem,
    blank_value,
    can_be_blank,
    parse_scalar,
    record_value,
)
from .errors import FilterError, Problem
from .tables import TableFilter

TEXT_TYPES = (FieldType.TEXT, FieldType.CODE)


@dataclass(frozen=True)
class BoundField:
    """A field filter whose literals have the field's type (wildcard text stays a Pattern)."""

    spec: FieldSpec
    expr: BcExpr

    def matches(self, record: Mapping[str, Any]) -> bool:
        return evaluate(self.expr, record_value(record.get(self.spec.name), self.spec), self.spec)

    def __str__(self) -> str:
        return f"{self.spec.label}: {format_expression(self.expr)}"


@dataclass(frozen=True)
class BoundFilter:
    """A validated BC table filter: every field filter must hold."""

    fields: tuple[BoundField, ...] = ()

    def matches(self, record: Mapping[str, Any]) -> bool:
        """Whether a record (keyed by API property name) passes, with BC's semantics."""
        return all(item.matches(record) for item in self.fields)

    def __str__(self) -> str:
        return "\n".join(str(item) for item in self.fields)

    def __bool__(self) -> bool:
        return bool(self.fields)


def bind(table_filter: TableFilter, catalogue: Catalogue) -> BoundFilter:
    """Validate a parsed filter against the catalogue; raise FilterError listing every problem."""
    binder = _Binder()
    fields = []
    seen: set[str] = set()
    for item in table_filter.fields:
        spec = catalogue.get(item.field)
        if spec is None:
            binder.problem(f"unknown field '{item.field}'", (item.position,
                           item.position + len(item.field)), item.field)
            continue
        if spec.name in seen:
            binder.problem(f"{spec.label} is filtered twice", (item.position,
                           item.position + len(item.field)), item.field)
        seen.add(spec.name)
        fields.append(BoundField(spec, binder.bind(item.expr, spec)))
    if binder.problems:
        raise FilterError(binder.problems, table_filter.source)
    return BoundFilter(tuple(fields))


class _Binder:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(self, message: str, span: tuple[int, int], field: str | None) -> None:
        self.problems.append(Problem(message, span[0], max(1, span[1] - span[0]), field))

    def bind(self, expr: BcExpr, spec: FieldSpec) -> BcExpr:
        if isinstance(expr, BcOr):
            return any_of(*(self.bind(item, spec) for item in expr.items))
        if isinstance(expr, BcAnd):
            return all_of(*(self.bind(item, spec) for item in expr.items))
        if isinstance(expr, BcRange):
            return self.bind_range(expr, spec)
        return self.bind_compare(expr, spec)

    def bind_compare(self, expr: BcCompare, spec: FieldSpec) -> BcExpr:
        if not self.check_ignore_case(expr.ignore_case, expr.span, spec):
            return expr
        value = expr.value
        if isinstance(value, Pattern) and value.has_wildcards:
            return self.bind_wildcards(expr, value, spec)
        if spec.type is FieldType.GUID and expr.op not in ("=", "<>"):
            self.problem(f"{spec.label} is a GUID: only = and <> are possible", expr.span,
                         spec.label)
            return expr
        typed = self.value(value, expr.span, spec)
        return BcCompare(expr.op, typed, expr.ignore_case, expr.span) if typed is not None else expr

    def bind_wildcards(self, expr: BcCompare, pattern: Pattern, spec: FieldSpec) -> BcExpr:
        if spec.type not in (*TEXT_TYPES, FieldType.OPTION):
            self.problem(f"wildcards (* ?) only work on text fields; {spec.label} is "
                         f"{spec.type.value}", expr.span, spec.label)
        elif expr.op not in ("=", "<>"):
            self.problem(f"wildcards cannot be combined with '{expr.op}'", expr.span, spec.label)
        elif spec.type is FieldType.OPTION:
            return self.expand_option_pattern(expr, pattern, spec)
        else:
            return BcCompare(expr.op, _upper_if_code(pattern, spec), expr.ignore_case, expr.span)
        return expr

    def expand_option_pattern(self, expr: BcCompare, pattern: Pattern, spec: FieldSpec) -> BcExpr:
        # An option has a closed set of labels, so a pattern is simply the labels it matches.
        labels = [label for label in spec.option_labels()
                  if wildcard_match(pattern, label, ignore_case=True)]
        if not labels:
            self.problem(f"no option of {spec.label} matches '{pattern}'", expr.span, spec.label)
            return expr
        leaves = [BcCompare(expr.op, label, span=expr.span) for label in labels]
        return any_of(*leaves) if expr.op == "=" else all_of(*leaves)

    def bind_range(self, expr: BcRange, spec: FieldSpec) -> BcExpr:
        if not self.check_ignore_case(expr.ignore_case, expr.low_span, spec):
            return expr
        if spec.type is FieldType.GUID:
            self.problem(f"{spec.label} is a GUID: ranges are not possible", expr.low_span,
                         spec.label)
            return expr
        low = self.range_end(expr.low, expr.low_span, spec)
        high = self.range_end(expr.high, expr.high_span, spec)
        bound = BcRange(low, high, expr.ignore_case, expr.low_span, expr.high_span)
        if low is not None and high is not None and _key(low, spec, expr.ignore_case) > _key(
                high, spec, expr.ignore_case):
            self.problem(f"empty range: {format_expression(bound)} selects nothing because "
                         "the start is after the end", (expr.low_span[0], expr.high_span[1]),
                         spec.label)
        return bound

    def range_end(self, value: LeafValue | None, span: tuple[int, int],
                  spec: FieldSpec) -> Scalar | None:
        if value is None:
            return None
        if isinstance(value, Pattern) and value.has_wildcards:
            self.problem("wildcards (* ?) cannot be used in a range", span, spec.label)
            return None
        return self.value(value, span, spec)

    def check_ignore_case(self, ignore_case: bool, span: tuple[int, int], spec: FieldSpec) -> bool:
        if ignore_case and spec.type not in (*TEXT_TYPES, FieldType.OPTION):
            self.problem(f"@ (ignore case) only works on text fields; {spec.label} is "
                         f"{spec.type.value}", (span[0] - 1, span[1]), spec.label)
            return False
        return True

    def value(self, value: LeafValue, span: tuple[int, int], spec: FieldSpec) -> Scalar | None:
        if not isinstance(value, Pattern):
            return value  # already typed (binding a bound filter again)
        try:
            if value.parts:
                return parse_scalar(value.literal, spec)
            if not can_be_blank(spec):
                raise ValueProblem(f"{spec.label} cannot be blank ('')" + (
                    "; use 0" if spec.type is not FieldType.BOOLEAN else "; use No"))
            return blank_value(spec)
        except ValueProblem as problem:
            self.problem(str(problem), span, spec.label)
            return None


def _upper_if_code(pattern: Pattern, spec: FieldSpec) -> Pattern:
    if spec.type is not FieldType.CODE:
        return pattern
    return Pattern.of(*(part.upper() if isinstance(part, str) else part for part in pattern.parts))


# ---------------------------------------------------------------------------------------------
# Evaluation


def evaluate(expr: BcExpr, value: Scalar, spec: FieldSpec) -> bool:
    """Whether one (already normalised) field value satisfies a bound expression."""
    if isinstance(expr, BcOr):
        return any(evaluate(item, value, spec) for item in expr.items)
    if isinstance(expr, BcAnd):
        return all(evaluate(item, value, spec) for item in expr.items)
    if isinstance(expr, BcRange):
        key = _key(value, spec, expr.ignore_case)
        return ((expr.low is None or _key(expr.low, spec, expr.ignore_case) <= key)
                and (expr.high is None or key <= _key(expr.high, spec, expr.ignore_case)))
    if isinstance(expr.value, Pattern):
        found = wildcard_match(expr.value, str(value), expr.ignore_case)
        return found if expr.op == "=" else not found
    return _COMPARE[expr.op](_key(value, spec, expr.ignore_case),
                             _key(expr.value, spec, expr.ignore_case))


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b, "<>": lambda a, b: a != b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}


def _key(value: Any, spec: FieldSpec, ignore_case: bool) -> Any:
    """Sort/equality key: options compare by ordinal, @ compares case-folded text."""
    if spec.type is FieldType.OPTION:
        labels = spec.option_labels()
        return labels.index(value) if value in labels else -1
    if ignore_case and isinstance(value, str):
        return value.casefold()
    return value


def wildcard_match(pattern: Pattern, text: str, ignore_case: bool = False) -> bool:
    """Anchored match of ``*``/``?`` wildcards (the whole value must match)."""
    if ignore_case:
        return _regex(pattern, True).fullmatch(text.casefold()) is not None
    return _regex(pattern, False).fullmatch(text) is not None


@lru_cache(maxsize=512)
def _regex(pattern: Pattern, folded: bool) -> re.Pattern[str]:
    pieces = []
    for part in pattern.parts:
        if part is Wildcard.ANY:
            pieces.append(".*")
        elif part is Wildcard.ONE:
            pieces.append(".")
        else:
            pieces.append(re.escape(part.casefold() if folded else part))
    return re.compile("".join(pieces), re.DOTALL)
