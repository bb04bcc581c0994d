"""The setup page's reach into the apps built on top of ``connection``.

Imports run ``connection`` <- ``mappings`` <- ``synchronization``, yet the setup page and the
wizard offer **Use Default Synchronization Setup**, **Couple Salespersons** and **Run Full
Synchronization**, which live in those apps. This module is the single place that reaches
forward, at call time, so the import graph stays one-way everywhere else.
"""

from __future__ import annotations

import importlib
from typing import Any

from connection.models import ConnectionSetup

SALESPEOPLE = "SALESPEOPLE"
FULL_SYNC = "full_sync"
INITIAL_SYNC = "initial_sync"  # couple what both sides hold, then the full synchronization
MODIFIED_SYNC = "sync_modified"
ENGINE_MODULES = ("synchronization.engine", "synchronization.handlers", "synchronization.fullsync",
                  "synchronization.initial_sync")


class FeatureUnavailable(Exception):
    """The app that does this is not installed in this version; the message says which."""


def _module(name: str):
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and name.startswith(exc.name):
            raise FeatureUnavailable(f"{name} is not available in this version.") from exc
        raise


def has_synchronization_setup(connection: ConnectionSetup) -> bool:
    """Whether the connection has any integration table mapping yet."""
    return hasattr(connection, "table_mappings") and connection.table_mappings.exists()


def apply_default_setup(connection: ConnectionSetup) -> int:
    """Use Default Synchronization Setup; returns the number of mappings created or reset."""
    defaults = _module("mappings.defaults")
    mappings = defaults.apply_default_setup(
        connection, sales_order_integration=connection.sales_order_integration_enabled,
        ownership_model=connection.ownership_model,
    )
    return len(mappings)


def switch_sales_order_setup(connection: ConnectionSetup, enabled: bool) -> list[str]:
    """Sales order integration switched on or off: add the SALESORDER-ORDER mapping and its jobs
    (other mappings untouched), or remove its jobs. Returns sentences saying what changed."""
    defaults = _module("mappings.defaults")
    if not enabled:
        removed = defaults.remove_sales_order_jobs(connection)
        return [f"Removed {removed} sales order job queue entr{'y' if removed == 1 else 'ies'}."]
    added = defaults.add_sales_order_setup(connection, ownership_model=connection.ownership_model)
    return [f"Added {name}." for name in added] or [
        "The SALESORDER-ORDER mapping and the sales order jobs were already there."]


def default_mapping_plan(connection: ConnectionSetup) -> list[dict[str, Any]]:
    """The default mappings as the wizard shows them: name, tables and dependencies."""
    defaults = _module("mappings.defaults")
    plan = []
    for item in defaults.default_data()["mappings"]:
        if item["name"] not in defaults.default_names(
            sales_order_integration=connection.sales_order_integration_enabled,
            ownership_model=connection.ownership_model,
        ):
            continue
        values = defaults.mapping_values(item, connection.ownership_model)
        table = _module("mappings.catalogues").bc_table(values["bc_table"])
        plan.append({
            "odata_page": bool(table and table.odata_page),
            "name": item["name"], "bc_table": values["bc_table"],
            "bc_entity": values["bc_entity"], "sales_entity_set": values["sales_entity_set"],
            "direction": values["direction"],
            "option": values["integration_table_uid_type"] == "Option",
            "depends_on": [d for d in values["dependency_filter"].split("|") if d],
        })
    return plan


def remove_unselected_mappings(connection: ConnectionSetup, keep: list[str]) -> int:
    """Delete the default mappings the administrator chose not to synchronize."""
    deleted, _ = connection.table_mappings.exclude(name__in=keep).delete()
    return deleted


def couple_salespeople(connection: ConnectionSetup, pairs: list[dict[str, str]]) -> int:
    """Store salesperson <-> Sales user couplings under the SALESPEOPLE mapping.

    ``pairs`` hold ``bc_id``, ``sales_id``, ``bc_number`` and ``name``. Existing couplings of
    either record are replaced, as coupling in Business Central does.
    """
    models = _module("mappings.models")
    mapping = connection.table_mappings.filter(name=SALESPEOPLE).first()
    if mapping is None:
        raise FeatureUnavailable(
            "There is no SALESPEOPLE mapping: choose Use Default Synchronization Setup first."
        )
    for pair in pairs:
        models.Coupling.objects.filter(mapping=mapping, bc_id=pair["bc_id"]).delete()
        models.Coupling.objects.filter(mapping=mapping, sales_id=pair["sales_id"]).delete()
        models.Coupling.objects.create(
            mapping=mapping, bc_id=pair["bc_id"], sales_id=pair["sales_id"],
            bc_number=pair.get("bc_number", ""), display_name=pair.get("name", ""),
        )
    return len(pairs)


def coupled_salespeople(connection: ConnectionSetup) -> dict[str, str]:
    """Existing SALESPEOPLE couplings: Sales user id -> BC salesperson id."""
    if not hasattr(connection, "table_mappings"):
        return {}
    mapping = connection.table_mappings.filter(name=SALESPEOPLE).first()
    if mapping is None:
        return {}
    return {str(c.sales_id): str(c.bc_id) for c in mapping.couplings.all()}


def set_jobs_on_hold(connection: ConnectionSetup, on_hold: bool) -> int:
    """Put the connection's synchronization job queue entries on hold (or take them off)."""
    entries = getattr(connection, "mapping_job_queue_entries", None)
    return entries.update(enabled=not on_hold) if entries is not None else 0


def _jobs():
    jobs = _module("synchronization.jobs")
    for name in ENGINE_MODULES:  # handlers register themselves when their module is imported
        try:
            importlib.import_module(name)
        except ModuleNotFoundError:
            continue
    return jobs


def can_start(kind: str) -> bool:
    """Whether a worker knows how to run jobs of ``kind`` in this version."""
    try:
        return kind in getattr(_jobs(), "_HANDLERS", {})
    except FeatureUnavailable:
        return False


def start_job(kind: str, connection: ConnectionSetup, **parameters: Any):
    """Enqueue a synchronization job for the connection; FeatureUnavailable if unknown."""
    if not can_start(kind):
        raise FeatureUnavailable(
            f"The synchronization engine cannot run '{kind}' jobs in this version yet."
        )
    return _jobs().start(kind, connection_id=connection.pk, **parameters)


def last_full_sync(connection: ConnectionSetup) -> str:
    """The last full synchronization of the connection in words ("finished 12:03, 4 lines with
    errors"), from the full synchronization review."""
    try:
        review = _module("synchronization.fullsync_review")
    except FeatureUnavailable:
        return ""
    return review.summary(connection)
