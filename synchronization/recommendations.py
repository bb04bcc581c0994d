"""The initial-synchronization recommendation per mapping, from record counts on both sides.

The full synchronization review uses it, and the assisted setup through
``connection.registry`` (the connection app sits below this one).

Like Business Central's full synchronization review: **Full Synchronization** when the
destination is empty, **Couple Records** when both sides hold records (synchronizing would make
duplicates), **Dependency Missing** when a table it depends on is not synchronized, **No Records
Found** when there is nothing on either side.
"""

from __future__ import annotations

from typing import Any

from connection.clients.errors import ClientError
from connection.models import ConnectionSetup
from connection.services import business_central_client, dataverse_client

FULL_SYNC = "Full Synchronization"
COUPLE = "Couple Records"
DEPENDENCY = "Dependency Missing"
NOTHING = "No Records Found"


def _count(client, entity: str, odata_page: bool = False) -> int | None:
    try:
        return client.odata_count(entity) if odata_page else client.count(entity)
    except (ClientError, ValueError):
        return None  # a table this environment does not offer: shown as unknown


def compute(connection: ConnectionSetup, plan: list[dict[str, Any]],
            selected: list[str]) -> list[dict[str, Any]]:
    """One row per selected mapping: counts on both sides and the recommendation."""
    try:
        bc = business_central_client(connection, interactive=True)
        dv = dataverse_client(connection, interactive=True)
    except ClientError:
        bc = dv = None
    offered = {item["name"] for item in plan}
    rows = []
    for item in plan:
        if item["name"] not in selected:
            continue
        bc_count = _count(bc, item["bc_entity"], item.get("odata_page", False)) if bc else None
        sales_count = None if item["option"] or dv is None else _count(dv, item["sales_entity_set"])
        missing = [d for d in item["depends_on"] if d in offered and d not in selected]
        rows.append({"name": item["name"], "bc_table": item["bc_table"],
                     "bc_count": bc_count, "sales_count": sales_count,
                     "recommendation": recommend(bc_count, sales_count, missing, item),
                     "missing": missing})
    for row in rows:  # what the assisted setup asks about, without knowing the words
        row["couple"] = row["recommendation"] == COUPLE
    return rows


def recommend(bc_count: int | None, sales_count: int | None, missing: list[str],
              item: dict[str, Any]) -> str:
    """The recommendation for one mapping."""
    if missing:
        return DEPENDENCY
    # An unknown count (None) may hide records: only known-empty tables count as empty.
    bc_has, sales_has = bc_count != 0, sales_count != 0
    if item["option"]:
        return FULL_SYNC if bc_has else NOTHING
    if not bc_has and not sales_has:
        return NOTHING
    if bc_count and sales_count:
        return COUPLE
    return FULL_SYNC
