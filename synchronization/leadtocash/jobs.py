"""The lead-to-cash jobs: kinds the worker runs and how views and commands start them.

Job kinds (SyncJob.kind; parameters in brackets):

- ``create_sales_orders`` [sales_ids]: Automatically Create Sales Orders (every 30 min when the
  connection's setting is on) or Create in Business Central for chosen orders.
- ``process_sales_quotes`` [sales_ids]: Automatically Process Sales Quotes (every 30 min).
- ``sales_order_status`` (7 min) and ``sales_order_notes`` (5 min): see status.py, notes.py.
- ``customer_statistics`` (30 min): see statistics.py.

Each document is counted (inserted, unchanged when it was done before, failed) and each failure
becomes a SyncError naming the Sales document and the fix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from connection import services
from connection.clients.errors import ClientError
from connection.models import ConnectionSetup
from synchronization import jobs
from synchronization.leadtocash.documents import ConversionError
from synchronization.leadtocash.orders import Created, OrderCreator, submitted_orders
from synchronization.leadtocash.quotes import QuoteProcessor, activated_quotes
from synchronization.models import SyncDirection, SyncError, SyncJob

CREATE_ORDERS = "create_sales_orders"
PROCESS_QUOTES = "process_sales_quotes"
SALES_ORDER_STATUS = "sales_order_status"
SALES_ORDER_NOTES = "sales_order_notes"
CUSTOMER_STATISTICS = "customer_statistics"
TITLES = {
    CREATE_ORDERS: "Automatically Create Sales Orders",
    PROCESS_QUOTES: "Automatically Process Sales Quotes",
    SALES_ORDER_STATUS: "Sales Order Status",
    SALES_ORDER_NOTES: "Sales Order Notes",
    CUSTOMER_STATISTICS: "Customer Statistics",
}
# What the job list shows in its 20-character mapping name column.
LIST_NAMES = {CREATE_ORDERS: "AUTO-CREATE ORDERS", PROCESS_QUOTES: "AUTO-PROCESS QUOTES",
              SALES_ORDER_STATUS: "SALES ORDER STATUS", SALES_ORDER_NOTES: "SALES ORDER NOTES",
              CUSTOMER_STATISTICS: "CUSTOMER STATISTICS"}


def start(kind: str, connection, started_by: str = "", **parameters) -> SyncJob:
    """Create a pending job of the connection; it is enqueued when the transaction commits."""
    return jobs.start(kind, connection=connection, started_by=started_by,
                      mapping_name=LIST_NAMES.get(kind, "")[:20], parameters=parameters)


def connection_of(job: SyncJob) -> ConnectionSetup:
    """The job's connection (scheduled jobs carry only its id in their parameters)."""
    if job.connection_id is None or not job.mapping_name:
        if job.connection_id is None:
            job.connection = ConnectionSetup.objects.get(pk=job.parameters["connection_id"])
        job.mapping_name = job.mapping_name or LIST_NAMES.get(job.kind, "")[:20]
        job.save(update_fields=["connection", "mapping_name"])
    assert job.connection is not None  # set above when the job had none
    return job.connection


@contextmanager
def clients(connection, job: SyncJob | None = None) -> Iterator[tuple]:
    """Business Central and Sales clients of the connection, closed afterwards; for a job, the
    pool identities Sales refused meanwhile are named in its message."""
    bc = services.business_central_client(connection)
    sales = services.dataverse_client(connection)
    try:
        yield bc, sales
        if job is not None:
            jobs.note_set_aside(job, connection, sales)
    finally:
        bc.close()
        sales.close()


def create_sales_orders(job: SyncJob) -> dict:
    """Create BC sales orders from submitted Sales orders (the chosen ones, or all pending)."""
    connection = connection_of(job)
    with clients(connection, job) as (bc, sales):
        creator = OrderCreator(connection, bc, sales)
        ids = job.parameters.get("sales_ids") or [
            str(o["salesorderid"]) for o in submitted_orders(sales)]
        return each_document(job, ids, creator.create, "salesorders")


def process_sales_quotes(job: SyncJob) -> dict:
    """Create or revise BC sales quotes from activated Sales quotes."""
    connection = connection_of(job)
    with clients(connection, job) as (bc, sales):
        processor = QuoteProcessor(connection, bc, sales)
        ids = job.parameters.get("sales_ids") or [
            str(q["quoteid"]) for q in processor.pending(activated_quotes(sales))]
        return each_document(job, ids, processor.process, "quotes")


def each_document(job: SyncJob, ids: list[str], convert: Callable[[str], Created],
                  entity_set: str) -> dict:
    """Convert documents one by one; one failing never stops the others."""
    job.beat(records_total=len(ids))
    numbers = {}
    for sales_id in ids:
        try:
            created = convert(sales_id)
        except (ConversionError, ClientError) as exc:
            record_error(job, sales_id, exc, entity_set)
            job.add(failed=1)
            continue
        numbers[sales_id] = created.number
        job.add(**({"unchanged": 1} if created.existed else {"inserted": 1}))
    return {"created": numbers}


def record_error(job: SyncJob, sales_id: str, problem: Exception, label: str) -> None:
    SyncError.objects.create(job=job, direction=SyncDirection.FROM_SALES, source_id=sales_id,
                             source_label=f"{label}({sales_id})"[:250],
                             message=str(problem)[:2048], **SyncError.details_of(problem))
