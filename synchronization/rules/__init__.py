"""Per-table rules from the reference (bc-integration.md 5.5-5.7), as small modules.

A rule set can ignore source records (with a reason), couple uncoupled records to rows that
already exist on the other side (currencies by ISO code, unit groups by name), and adjust the
body the field mappings produced before it is written.
"""

from __future__ import annotations

from typing import Any

from mappings.models import IntegrationTableMapping


class TableRules:
    """No special rules: every record is processed as its field mappings say."""

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

    def after_page(self, succeeded: list[tuple[dict, str]]) -> None:
        """Follow-up work once a page is written: (source record, destination id) pairs that
        succeeded, e.g. an invoice header's lines."""


def for_mapping(mapping: IntegrationTableMapping, direction: str, bc, sales) -> TableRules:
    """The rule set of a mapping's BC table."""
    from synchronization.rules import catalog

    rules_class = catalog.RULES.get(mapping.bc_table, TableRules)
    return rules_class(mapping, direction, bc, sales)
