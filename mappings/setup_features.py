"""The default setup and salesperson couplings, as the connection's card and wizard use them.

Handed to ``connection.registry`` in ``MappingsConfig.ready()``: the connection app sits below
this one and must not import it.
"""

from __future__ import annotations

from typing import Any

from connection.models import ConnectionSetup
from connection.registry import FeatureUnavailable, MappingsFeatures
from mappings import catalogues, defaults
from mappings.models import Coupling

SALESPEOPLE = "SALESPEOPLE"


def has_setup(connection: ConnectionSetup) -> bool:
    """Whether the connection has any integration table mapping yet."""
    return connection.table_mappings.exists()


def apply_default_setup(connection: ConnectionSetup) -> int:
    """Use Default Synchronization Setup; returns the number of mappings created or reset."""
    mappings = defaults.apply_default_setup(
        connection, sales_order_integration=connection.sales_order_integration_enabled,
        ownership_model=connection.ownership_model,
    )
    return len(mappings)


def default_mapping_plan(connection: ConnectionSetup) -> list[dict[str, Any]]:
    """The default mappings as the wizard shows them: name, tables and dependencies."""
    chosen = defaults.default_names(
        sales_order_integration=connection.sales_order_integration_enabled,
        ownership_model=connection.ownership_model,
    )
    return [_plan_item(item, connection.ownership_model)
            for item in defaults.default_data()["mappings"] if item["name"] in chosen]


def _plan_item(item: dict[str, Any], ownership_model: str) -> dict[str, Any]:
    values = defaults.mapping_values(item, ownership_model)
    table = catalogues.bc_table(values["bc_table"])
    return {
        "odata_page": bool(table and table.odata_page),
        "name": item["name"], "bc_table": values["bc_table"],
        "bc_entity": values["bc_entity"], "sales_entity_set": values["sales_entity_set"],
        "direction": values["direction"],
        "option": values["integration_table_uid_type"] == "Option",
        "depends_on": [d for d in values["dependency_filter"].split("|") if d],
    }


def remove_unselected_mappings(connection: ConnectionSetup, keep: list[str]) -> int:
    """Delete the default mappings the administrator chose not to synchronize."""
    deleted, _ = connection.table_mappings.exclude(name__in=keep).delete()
    return deleted


def couple_salespeople(connection: ConnectionSetup, pairs: list[dict[str, str]]) -> int:
    """Store salesperson <-> Sales user couplings under the SALESPEOPLE mapping.

    ``pairs`` hold ``bc_id``, ``sales_id``, ``bc_number`` and ``name``. Existing couplings of
    either record are replaced, as coupling in Business Central does.
    """
    mapping = connection.table_mappings.filter(name=SALESPEOPLE).first()
    if mapping is None:
        raise FeatureUnavailable(
            "There is no SALESPEOPLE mapping: choose Use Default Synchronization Setup first."
        )
    for pair in pairs:
        Coupling.objects.filter(mapping=mapping, bc_id=pair["bc_id"]).delete()
        Coupling.objects.filter(mapping=mapping, sales_id=pair["sales_id"]).delete()
        Coupling.objects.create(
            mapping=mapping, bc_id=pair["bc_id"], sales_id=pair["sales_id"],
            bc_number=pair.get("bc_number", ""), display_name=pair.get("name", ""),
        )
    return len(pairs)


def coupled_salespeople(connection: ConnectionSetup) -> dict[str, str]:
    """Existing SALESPEOPLE couplings: Sales user id -> BC salesperson id."""
    mapping = connection.table_mappings.filter(name=SALESPEOPLE).first()
    if mapping is None:
        return {}
    return {str(c.sales_id): str(c.bc_id) for c in mapping.couplings.all()}


def switch_sales_order_setup(connection: ConnectionSetup, enabled: bool) -> list[str]:
    """Sales order integration switched on or off: add the SALESORDER-ORDER mapping and its jobs
    (other mappings untouched), or remove its jobs. Returns sentences saying what changed."""
    if not enabled:
        removed = defaults.remove_sales_order_jobs(connection)
        return [f"Removed {removed} sales order job queue entr{'y' if removed == 1 else 'ies'}."]
    added = defaults.add_sales_order_setup(connection, ownership_model=connection.ownership_model)
    return [f"Added {name}." for name in added] or [
        "The SALESORDER-ORDER mapping and the sales order jobs were already there."]


FEATURES = MappingsFeatures(
    has_setup=has_setup, apply_default_setup=apply_default_setup,
    default_mapping_plan=default_mapping_plan,
    remove_unselected_mappings=remove_unselected_mappings,
    couple_salespeople=couple_salespeople, coupled_salespeople=coupled_salespeople,
    switch_sales_order_setup=switch_sales_order_setup,
)
