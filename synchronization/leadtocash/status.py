"""Sales Order Status job (every 7 minutes with sales order integration, bc-integration.md 5.9):
messages on the wall of each coupled Sales order when its BC order is released, shipped or
invoiced. Each message is posted once: the job reads the order's existing posts first, so it
keeps no state of its own and a rerun after a crash never posts twice.
"""

from __future__ import annotations

from connection.clients import odata
from mappings.models import Coupling
from synchronization.leadtocash import couplings
from synchronization.leadtocash.jobs import (
    clients,
    connection_of,
)
from synchronization.models import SyncJob

RELEASED = "The order status has changed to Released."
SHIPPED = "A shipment has been created for the order."
INVOICED = "An invoice has been created for the order."
CHUNK = 50
AUTO_POST, STATUS_POST = 2, 1  # post source "Auto post", type "Status"


def messages_for(order: dict | None, lines: list[dict], invoiced: bool) -> list[str]:
    """The wall messages a BC order's state calls for (a deleted order was fully invoiced)."""
    if order is None:
        return [INVOICED] if invoiced else []
    found = []
    if order.get("status") == "Released":
        found.append(RELEASED)
    if order.get("fullyShipped") or any(float(li.get("shippedQuantity") or 0) for li in lines):
        found.append(SHIPPED)
    if invoiced or any(float(li.get("invoicedQuantity") or 0) for li in lines):
        found.append(INVOICED)
    return found


def sales_order_status(job: SyncJob) -> dict:
    """Post the status messages of every coupled order that calls for new ones."""
    connection = connection_of(job)
    mapping = couplings.mapping_for(connection, couplings.SALES_HEADER)
    if mapping is None:
        return {"posted": 0, "note": "Sales order integration is not enabled."}
    rows = list(Coupling.objects.filter(mapping=mapping, skipped=False))
    posted = 0
    with clients(connection, job) as (bc, sales):
        for start in range(0, len(rows), CHUNK):
            posted += _chunk(job, bc, sales, rows[start:start + CHUNK])
    return {"posted": posted}


def _chunk(job: SyncJob, bc, sales, rows: list[Coupling]) -> int:
    ids = [str(c.bc_id) for c in rows]
    orders = {str(o["id"]).lower(): o for o in bc.query(
        "salesOrders", filter=odata.any_equal("id", ids))}
    lines = _by_document(bc.query("salesOrderLines",
                                  filter=odata.any_equal("documentId", ids)))
    invoiced = {str(r.get("orderId") or "").lower() for r in bc.query(
        "salesInvoices", filter=odata.any_equal("orderId", ids), select=["orderId"])}
    posts = _existing_posts(sales, [str(c.sales_id) for c in rows])
    count = 0
    for coupling in rows:
        bc_id, sales_id = str(coupling.bc_id).lower(), str(coupling.sales_id).lower()
        wanted = messages_for(orders.get(bc_id), lines.get(bc_id, []), bc_id in invoiced)
        for text in [t for t in wanted if t not in posts.get(sales_id, set())]:
            sales.create("posts", {"text": text, "source": AUTO_POST, "type": STATUS_POST,
                                   "regardingobjectid_salesorder@odata.bind":
                                       f"/salesorders({sales_id})"})
            count += 1
    job.add(modified=count)
    return count


def _by_document(lines) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for line in lines:
        grouped.setdefault(str(line["documentId"]).lower(), []).append(line)
    return grouped


def _existing_posts(sales, order_ids: list[str]) -> dict[str, set[str]]:
    query = odata.any_equal("_regardingobjectid_value", order_ids)
    found: dict[str, set[str]] = {}
    for post in sales.query("posts", filter=query, select=["text", "_regardingobjectid_value"]):
        found.setdefault(str(post["_regardingobjectid_value"]).lower(), set()).add(post["text"])
    return found
