"""Coupled ids of related tables, looked up by the BC table a mapping synchronizes.

The lead-to-cash work reads couplings of other mappings (customer -> account, item -> product,
salesperson -> user); a user may rename mappings, so they are found by BC table, the way the
transformer finds the mapping behind a lookup.
"""

from __future__ import annotations

from collections.abc import Iterable

from mappings.models import Coupling, IntegrationTableMapping

CUSTOMER = "Customer"
ITEM = "Item"
RESOURCE = "Resource"
SALESPERSON = "Salesperson/Purchaser"
CURRENCY = "Currency"
UNIT = "Unit of Measure"
PRICE_GROUP = "Customer Price Group"
SALES_HEADER = "Sales Header"
INVOICE_HEADER = "Sales Invoice Header"
INVOICE_LINE = "Sales Invoice Line"


def mapping_for(connection, bc_table: str) -> IntegrationTableMapping | None:
    """The first mapping of ``bc_table`` on this connection (None when it is not mapped)."""
    return (IntegrationTableMapping.objects.filter(connection=connection, bc_table=bc_table)
            .order_by("position").first())


def _couplings(connection, bc_table: str):
    mapping = mapping_for(connection, bc_table)
    return Coupling.objects.filter(mapping=mapping) if mapping else Coupling.objects.none()


def sales_ids(connection, bc_table: str, bc_ids: Iterable[str | None]) -> dict[str, str]:
    """Sales ids of coupled BC records, by lower-case BC id (one query)."""
    wanted = {str(i).lower() for i in bc_ids if i}
    rows = _couplings(connection, bc_table).filter(bc_id__in=wanted)
    return {str(bc).lower(): str(sales) for bc, sales in rows.values_list("bc_id", "sales_id")}


def sales_ids_by_number(connection, bc_table: str, numbers: Iterable[str]) -> dict[str, str]:
    """Sales ids of coupled BC records, by BC number or code (one query)."""
    wanted = {n for n in numbers if n}
    rows = _couplings(connection, bc_table).filter(bc_number__in=wanted)
    return {number: str(sales) for number, sales in rows.values_list("bc_number", "sales_id")}


def bc_couplings(connection, bc_table: str, sales: Iterable[str]) -> dict[str, Coupling]:
    """Couplings of these Sales rows, by lower-case Sales id (one query)."""
    wanted = {str(i).lower() for i in sales if i}
    rows = _couplings(connection, bc_table).filter(sales_id__in=wanted)
    return {str(c.sales_id).lower(): c for c in rows}
