"""Per-table rules from the reference (bc-integration.md 5.5-5.7), as small modules.

A rule set can ignore source records (with a reason), couple uncoupled records to rows that
already exist on the other side (currencies by ISO code, unit groups by name), and adjust the
body the field mappings produced before it is written.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from mappings.filters import FieldType
from mappings.models import Direction, IntegrationTableMapping
from synchronization.bc_tables import NOT_IN_API

BC_EMPTY_DATE = "0001-01-01"  # BC's blank date (protocols.md 4.3)
CHOICE_TYPES = {"picklist", "state", "status", "boolean", "multiselectpicklist"}


class TableRules:
    """No special rules: every record is processed as its field mappings say."""

    # The fields of a BC source record (API names) the hooks below read, besides those the
    # field mappings read: a run asks BC for no others. None: they may read any field, and
    # the run reads whole records. A rule set that overrides a hook says what it reads.
    reads_bc_fields: tuple[str, ...] | None = ()

    def __init__(self, mapping: IntegrationTableMapping, direction: str, bc, sales) -> None:
        self.mapping = mapping
        self.direction = direction
        self.bc = bc
        self.sales = sales
        self.to_sales = direction == "ToIntegrationTable"

    def ignore(self, record: dict) -> str:
        """A reason to leave this source record alone ('' to process it)."""
        return ""

    def match(self, records: list[dict]) -> dict[str, str]:
        """Existing destination ids for uncoupled source records, by source id."""
        return {}

    def adjust(self, body: dict[str, Any], record: dict, inserting: bool) -> dict[str, Any]:
        """The body to write, after the table's own rules (and templates for new records)."""
        return body

    def body_for(self, body: dict[str, Any], record: dict, inserting: bool) -> dict[str, Any]:
        """What a run writes: the field mappings' ``body`` after what holds for every table,
        then the table's own :meth:`adjust`.

        To Sales, a field BC's API does not publish is left alone (its absence is no blank to
        copy) and BC's empty date ``0001-01-01`` is an empty date. A record created in BC from
        Sales starts with Sales's values in the fields that otherwise only flow to Sales, so
        the two agree from the start instead of BC's defaults overwriting Sales later.
        """
        if self.to_sales:
            unpublished = self._unpublished_attributes()
            body = {k: None if v == BC_EMPTY_DATE else v for k, v in body.items()
                    if _attribute_of(k) not in unpublished}
        elif inserting:
            body = {**self._seed_from_sales(record), **body}
        return self.adjust(body, record, inserting)

    def _unpublished_attributes(self) -> set[str]:
        lacks = NOT_IN_API.get(self.mapping.bc_table, set())
        if not lacks:
            return set()
        return {fm.sales_attribute for fm in self.mapping.enabled_field_mappings(self.direction)
                if fm.sales_attribute and fm.bc_field
                and (fm.bc_property or self.bc.table.property_of(fm.bc_field)) in lacks}

    @cached_property
    def _seed_field_mappings(self) -> list:
        # Read once per run, not once per record: a query per created record was most of a
        # From Sales run's time (5,000 queries for a page of 5,000).
        return list(self.mapping.field_mappings.filter(status="Enabled",
                                                       direction=Direction.TO_SALES))

    def _seed_from_sales(self, record: dict) -> dict[str, Any]:
        seeded = {}
        for fm in self._seed_field_mappings:
            kind = self.sales.attribute_type(fm.sales_attribute or "").lower()
            if not (fm.bc_field and fm.sales_attribute) or kind in CHOICE_TYPES \
                    or self.sales.is_lookup(fm.sales_attribute):
                continue
            value = record.get(fm.sales_attribute)
            prop = fm.bc_property or self.bc.table.property_of(fm.bc_field)
            if value is None or not self.bc.is_writable(fm.bc_field, prop):
                continue
            spec = next((f for f in self.bc.table.fields if f.name == prop), None)
            if spec is not None and spec.type is FieldType.DATE and isinstance(value, str):
                value = value[:10]
            seeded[self.bc.field_name(fm.bc_field, prop)] = value
        return seeded

    def after_page(self, succeeded: list[tuple[dict, str]]) -> None:
        """Follow-up work once a page is written: (source record, destination id) pairs that
        succeeded, e.g. an invoice header's lines."""


def for_mapping(mapping: IntegrationTableMapping, direction: str, bc, sales) -> TableRules:
    """The rule set of a mapping's BC table."""
    from synchronization.rules import catalog

    rules_class = catalog.RULES.get(mapping.bc_table, TableRules)
    return rules_class(mapping, direction, bc, sales)


def _attribute_of(key: str) -> str:
    """The column a body key writes: ``parentaccountid@odata.bind`` and the polymorphic
    ``parentcustomerid_account@odata.bind`` write ``parentaccountid``/``parentcustomerid``."""
    if key.endswith("@odata.bind"):
        return key[: -len("@odata.bind")].split("_")[0]
    return key
