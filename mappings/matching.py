"""Match-based coupling: couple uncoupled BC records to Sales rows with equal field values.

As in BC, the fields chosen for matching are grouped by Match Priority: the fields of the lowest
priority are tried together first; when they find no single Sales row, the next priority is
tried. A record matching several rows, or a row already coupled to another record, is reported
and left uncoupled. Reading is done by the caller-supplied record lists or through
:mod:`mappings.remote`; the function itself writes only couplings, in one transaction.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from django.db import transaction

from mappings.models import Coupling, IntegrationTableMapping

MATCHED = "Matched"
NO_MATCH = "No match"
SEVERAL = "Several matches"
ALREADY_COUPLED = "Already coupled"
TARGET_COUPLED = "Match already coupled"
TO_CREATE = "No match, will be created"
OUTCOMES = (MATCHED, NO_MATCH, SEVERAL, ALREADY_COUPLED, TARGET_COUPLED, TO_CREATE)


@dataclass(frozen=True)
class MatchField:
    """One pair of fields compared for matching."""

    bc_property: str
    sales_attribute: str
    case_sensitive: bool = False
    priority: int = 0


@dataclass(frozen=True)
class MatchOptions:
    """What the person chose on the Match-Based Coupling page."""

    fields: tuple[MatchField, ...]
    create_new: bool = False
    synch_after: bool = False


@dataclass(frozen=True)
class MatchLine:
    """The outcome for one BC record."""

    bc_id: str
    number: str
    name: str
    outcome: str
    sales_id: str = ""


@dataclass
class MatchLog:
    """Every record's outcome, with counts per outcome."""

    lines: list[MatchLine] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(line.outcome for line in self.lines)
        return {outcome: found.get(outcome, 0) for outcome in OUTCOMES}

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form, for a job result."""
        return {"counts": self.counts, "lines": [line.__dict__ for line in self.lines]}


Progress = Callable[[int, int], None]


def run_match_based_coupling(mapping: IntegrationTableMapping, options: MatchOptions,
                             progress: Progress | None = None, *,
                             bc_records: Iterable[Mapping[str, Any]] | None = None,
                             sales_records: Iterable[Mapping[str, Any]] | None = None) -> MatchLog:
    """Couple the mapping's uncoupled BC records to the Sales rows they match.

    Records are read through the mapping's filters on both sides unless given. ``progress``
    is called with (done, total) every 100 records.
    """
    if bc_records is None or sales_records is None:
        from mappings import remote

        bc_records = remote.bc_records(mapping, select=_bc_select(mapping, options))
        sales_records = remote.sales_records(mapping, select=_sales_select(mapping, options))
    table = _Matcher(mapping, options, list(sales_records))
    bc_list = list(bc_records)
    log = MatchLog()
    for done, record in enumerate(bc_list, start=1):
        log.lines.append(table.match(record))
        if progress and (done % 100 == 0 or done == len(bc_list)):
            progress(done, len(bc_list))
    _save(mapping, table.new_couplings)
    return log


def _bc_select(mapping: IntegrationTableMapping, options: MatchOptions) -> list[str]:
    from mappings import catalogues

    table = catalogues.bc_table(mapping.bc_table)
    extra = [table.number_property, table.name_property] if table else []
    return sorted({"id", *extra, *(f.bc_property for f in options.fields)})


def _sales_select(mapping: IntegrationTableMapping, options: MatchOptions) -> list[str]:
    return sorted({mapping.integration_table_uid_field, *(f.sales_attribute
                                                           for f in options.fields)})


class _Matcher:
    def __init__(self, mapping: IntegrationTableMapping, options: MatchOptions,
                 sales_records: list[Mapping[str, Any]]) -> None:
        from mappings import catalogues

        self.mapping, self.options = mapping, options
        self.table = catalogues.bc_table(mapping.bc_table)
        self.groups = [tuple(group) for _, group in groupby(
            sorted(options.fields, key=lambda f: f.priority), key=lambda f: f.priority)]
        self.indexes = [self._index(group, sales_records) for group in self.groups]
        couplings = mapping.couplings.values_list("bc_id", "sales_id")
        self.coupled_bc = {str(bc) for bc, _ in couplings}
        self.coupled_sales = {str(sales) for _, sales in couplings}
        self.new_couplings: list[Coupling] = []

    def _index(self, group: tuple[MatchField, ...],
               records: list[Mapping[str, Any]]) -> dict[tuple, list[str]]:
        index: dict[tuple, list[str]] = defaultdict(list)
        uid = self.mapping.integration_table_uid_field
        for record in records:
            key = _key(group, record, sales=True)
            if key is not None:
                index[key].append(str(record.get(uid, "")))
        return index

    def match(self, record: Mapping[str, Any]) -> MatchLine:
        line = self._line(record)
        if line.bc_id in self.coupled_bc:
            return _with(line, ALREADY_COUPLED)
        several = False
        for group, index in zip(self.groups, self.indexes, strict=True):
            key = _key(group, record, sales=False)
            found = index.get(key, []) if key is not None else []
            if len(found) == 1:
                return self._couple(line, found[0], record)
            several = several or len(found) > 1
        if several:
            return _with(line, SEVERAL)
        return _with(line, TO_CREATE if self.options.create_new else NO_MATCH)

    def _couple(self, line: MatchLine, sales_id: str, record: Mapping[str, Any]) -> MatchLine:
        if sales_id in self.coupled_sales:
            return _with(line, TARGET_COUPLED, sales_id)
        self.coupled_sales.add(sales_id)
        self.coupled_bc.add(line.bc_id)
        self.new_couplings.append(Coupling(
            mapping=self.mapping, bc_id=uuid.UUID(line.bc_id), sales_id=uuid.UUID(sales_id),
            bc_number=line.number[:50], display_name=line.name[:250]))
        return _with(line, MATCHED, sales_id)

    def _line(self, record: Mapping[str, Any]) -> MatchLine:
        number = str(record.get(self.table.number_property, "")) if self.table else ""
        name = str(record.get(self.table.name_property, "")) if self.table else ""
        return MatchLine(str(record.get("id", "")), number, name, "")


def _key(group: tuple[MatchField, ...], record: Mapping[str, Any], *, sales: bool) -> tuple | None:
    values = []
    for match_field in group:
        value = record.get(match_field.sales_attribute if sales else match_field.bc_property)
        text = "" if value is None else str(value).strip()
        if not text:
            return None  # a blank value never matches (BC skips empty match fields)
        values.append(text if match_field.case_sensitive else text.casefold())
    return tuple(values)


def _with(line: MatchLine, outcome: str, sales_id: str = "") -> MatchLine:
    return MatchLine(line.bc_id, line.number, line.name, outcome, sales_id)


@transaction.atomic
def _save(mapping: IntegrationTableMapping, couplings: list[Coupling]) -> None:
    # ignore_conflicts: a coupling made meanwhile by a sync wins; the unique indexes decide.
    Coupling.objects.bulk_create(couplings, batch_size=1000, ignore_conflicts=True)

