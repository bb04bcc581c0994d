"""The fields two records are matched on, as the engine and the reconciliation check read them.

Business Central's match-based coupling compares the fields flagged **Use For Match-Based
Coupling**, lowest Match Priority first. A mapping that flags none (the default CUSTOMER and
CONTACT mappings) is matched on its primary name: the field mapping of the BC table's name field
(Customer Name <-> account name), else the table's name field against the Sales table's primary
name column (Contact Name <-> fullname). Values are compared trimmed and, unless a field is
case-sensitive, case-folded; a blank value never matches (BC skips empty match fields).

Tables whose name is not what identifies a record get their own default key (``TABLE_KEYS``):
products by number, documents by number, price groups by code. A sales price is identified by
several columns on each side, some of them lookups whose values differ between the systems
(``SIDE_KEYS``): that key finds duplicates within one side but never matches across sides.

Here the fields are named as the sides read them (API property or page field on the BC side,
``_x_value`` for Sales lookups), so records read by :mod:`synchronization.sides` can be keyed
without another read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from mappings.matching import MatchField
from mappings.models import Coupling, IntegrationTableMapping
from synchronization.rules import TableRules
from synchronization.sides import BcSide, SalesSide

SEVERAL = "Several records on the other side match on {fields}; couple one of them by hand."

# BC table -> (BC field caption, Sales attribute) identifying a record when no field of the
# mapping is flagged for matching (the primary name is not unique for these tables).
TABLE_KEYS: dict[str, tuple[tuple[str, str], ...]] = {
    "Item": (("No.", "productnumber"),),
    "Resource": (("No.", "productnumber"),),
    "Customer Price Group": (("Code", "name"),),
    "Unit of Measure": (("Code", "name"),),  # the unit group is `NAV <code>` (its own rule)
    "Sales Invoice Header": (("No.", "invoicenumber"),),
    "Sales Header": (("No.", "ordernumber"),),
}
# BC table -> (BC captions, Sales attributes): what makes a record unique on each side, when
# that cannot be compared across sides. Sales Price's primary key (bc-integration.md 5.6: a
# price list line is price list + product + unit); the leading REQUIRED parts must be filled.
SIDE_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Sales Price": (("Sales Code", "Item No.", "Unit of Measure Code", "Minimum Quantity",
                     "Currency Code", "Starting Date"),
                    ("pricelevelid", "productid", "uomid")),
}
REQUIRED = 2


@dataclass(frozen=True)
class MatchKey:
    """The first (lowest priority) group of match fields, as wire names on each side."""

    bc_fields: tuple[str, ...]
    sales_fields: tuple[str, ...]
    case_sensitive: tuple[bool, ...]
    caption: str
    comparable: bool = True  # False: the key finds duplicates within a side, never matches
    required: int = 0  # leading fields that must be filled (0: all of them)

    def bc(self, record: Mapping[str, Any]) -> tuple | None:
        return _key(record, self.bc_fields, self._exact(self.bc_fields), self.required)

    def sales(self, record: Mapping[str, Any]) -> tuple | None:
        return _key(record, self.sales_fields, self._exact(self.sales_fields), self.required)

    def _exact(self, names: tuple[str, ...]) -> tuple[bool, ...]:
        return self.case_sensitive if len(names) == len(self.case_sensitive) \
            else (False,) * len(names)

    def of(self, record: Mapping[str, Any], side: str) -> tuple | None:
        return self.bc(record) if side == "bc" else self.sales(record)


def _key(record: Mapping[str, Any], names: tuple[str, ...], exact: tuple[bool, ...],
         required: int = 0) -> tuple | None:
    values = []
    for index, (name, case_sensitive) in enumerate(zip(names, exact, strict=True)):
        value = record.get(name)
        text = "" if value is None else str(value).strip()
        if not text and (not required or index < required):
            return None
        values.append(text if case_sensitive else text.casefold())
    return tuple(values)


def match_fields(mapping: IntegrationTableMapping, bc: BcSide, sales: SalesSide
                 ) -> list[MatchField]:
    """The mapping's match fields (flagged ones, else its primary name), API names."""
    flagged = [MatchField(f.bc_property or bc.table.property_of(f.bc_field), f.sales_attribute,
                          f.case_sensitive_matching, f.match_priority)
               for f in mapping.field_mappings.filter(use_for_match_based_coupling=True)
               if f.bc_field and f.sales_attribute]
    if flagged:
        return flagged
    table_key = [MatchField(bc.table.property_of(caption), attribute)
                 for caption, attribute in TABLE_KEYS.get(mapping.bc_table, ())]
    if table_key and all(f.bc_property for f in table_key):
        return table_key
    name = bc.table.name_property or bc.table.number_property
    mapped = [f for f in mapping.field_mappings.filter(status="Enabled")
              if f.sales_attribute and f.bc_field
              and (f.bc_property or bc.table.property_of(f.bc_field)) == name]
    if mapped:
        return [MatchField(name, mapped[0].sales_attribute)]
    return [MatchField(name, sales.metadata.primary_name_attribute)]


def match_key(mapping: IntegrationTableMapping, bc: BcSide, sales: SalesSide) -> MatchKey:
    """The key records of this mapping are matched and grouped by (first priority group)."""
    if mapping.bc_table in SIDE_KEYS and not mapping.field_mappings.filter(
            use_for_match_based_coupling=True).exists():
        return _side_key(mapping, bc, sales)
    fields = sorted(match_fields(mapping, bc, sales), key=lambda f: f.priority)
    group = list(next(groupby(fields, key=lambda f: f.priority))[1])
    bc_names = tuple(bc.field_name(_caption(bc, f.bc_property), f.bc_property) for f in group)
    sales_names = tuple(sales.read_name(f.sales_attribute) for f in group)
    caption = ", ".join(f"{_caption(bc, f.bc_property)} = {f.sales_attribute}" for f in group)
    return MatchKey(bc_names, sales_names, tuple(f.case_sensitive for f in group), caption)


def _side_key(mapping: IntegrationTableMapping, bc: BcSide, sales: SalesSide) -> MatchKey:
    captions, attributes = SIDE_KEYS[mapping.bc_table]
    bc_names = tuple(bc.field_name(c, bc.table.property_of(c)) for c in captions)
    sales_names = tuple(sales.read_name(a) for a in attributes)
    caption = f"{', '.join(captions)} (Business Central); {', '.join(attributes)} (Sales)"
    return MatchKey(bc_names, sales_names, (), caption, comparable=False, required=REQUIRED)


def _caption(bc: BcSide, prop: str) -> str:
    spec = next((s for s in bc.table.fields if s.name == prop), None)
    return (spec.caption or spec.name) if spec else prop


class FieldMatcher:
    """Couples a run's uncoupled source records to uncoupled destination records with the same
    match key, so an initial synchronization never creates a record that already exists.

    The destination is read once, when the first uncoupled record needs it, keeping only each
    record's id under its key.
    """

    def __init__(self, mapping: IntegrationTableMapping, to_sales: bool, bc: BcSide,
                 sales: SalesSide, table_rules: TableRules | None = None) -> None:
        self.mapping, self.to_sales = mapping, to_sales
        self.source: Any = bc if to_sales else sales
        self.destination: Any = sales if to_sales else bc
        self.key = match_key(mapping, bc, sales)
        self._index: dict[tuple, list[str]] | None = None
        # Option mappings couple codes to option values, and tables whose rules couple records
        # themselves (currencies by ISO code, salespeople by user) keep their own rule.
        own_rule = table_rules is not None and type(table_rules).match is not TableRules.match
        self.applies = not mapping.is_option_mapping and not own_rule and self.key.comparable

    def index(self) -> dict[tuple, list[str]]:
        if self._index is None:
            side = "sales" if self.to_sales else "bc"
            index: dict[tuple, list[str]] = defaultdict(list)
            for page in self.destination.read_pages(None):
                for record in page:
                    key = self.key.of(record, side)
                    if key is not None:
                        index[key].append(self.destination.record_id(record))
            self._index = dict(index)
        return self._index

    def match(self, records: Iterable[Mapping[str, Any]]) -> tuple[dict[str, str], set[str]]:
        """(source id -> the one uncoupled destination id with its key, source ids that have
        several)."""
        if not self.applies:
            return {}, set()
        side = "bc" if self.to_sales else "sales"
        candidates = {}
        for record in records:
            key = self.key.of(record, side)
            if key is not None and key in self.index():
                candidates[self.source.record_id(record)] = self.index()[key]
        coupled = self._coupled({i for ids in candidates.values() for i in ids})
        found, several = {}, set()
        for source_id, ids in candidates.items():
            free = [i for i in ids if i not in coupled]
            if len(free) == 1:
                found[source_id] = free[0]
            elif len(free) > 1:
                several.add(source_id)
        return found, several

    def _coupled(self, ids: set[str]) -> set[str]:
        column = "sales_id" if self.to_sales else "bc_id"
        rows = Coupling.objects.filter(mapping=self.mapping, **{f"{column}__in": ids})
        return {str(v) for v in rows.values_list(column, flat=True)}

    def several_message(self) -> str:
        return SEVERAL.format(fields=self.key.caption)
