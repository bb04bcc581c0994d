"""Released BC orders reach their Sales order (SALESORDER-ORDER) and the Sales Order Status job
posts what happened on the order's wall, once."""


import pytest

from mappings.models import Coupling
from synchronization import jobs
from synchronization.leadtocash import jobs as leadtocash_jobs
from synchronization.leadtocash import status
from synchronization.models import SalesReceivablesSetup, SyncJob
from tests.synchronization.engine_support import bc, integration_dataverse, mapping, run_now
from tests.synchronization.leadtocash_support import (
    order_integration,
    product_line,
    sales_document,
    submit,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def created_order(synced_connection, sandbox_clean):
    connection = order_integration(synced_connection)
    SalesReceivablesSetup.objects.create(connection=connection, write_in_product_no="1900-S")
    order_id = sales_document(connection, sandbox_clean.credentials, "salesorders",
                              "Status order", [product_line(connection)])
    submit(connection, sandbox_clean.credentials, order_id)
    job = leadtocash_jobs.start(leadtocash_jobs.CREATE_ORDERS, connection, sales_ids=[order_id])
    jobs.run(job.pk)
    return connection, Coupling.objects.get(sales_id=order_id)


def release(connection, bc_id: str) -> None:
    client = bc(connection)
    record = client.get("salesOrders", bc_id)
    client.update("salesOrders", bc_id, {"status": "Released"}, record["@odata.etag"])


def run_status(connection) -> SyncJob:
    job = leadtocash_jobs.start(leadtocash_jobs.SALES_ORDER_STATUS, connection)
    jobs.run(job.pk)
    return SyncJob.objects.get(pk=job.pk)


def posts(connection, order_id) -> list[str]:
    return sorted(p["text"] for p in integration_dataverse(connection).query(
        "posts", filter=f"_regardingobjectid_value eq {order_id}"))


def test_a_released_order_reaches_sales_with_its_number_and_totals(created_order):
    connection, coupling = created_order
    release(connection, str(coupling.bc_id))
    (job,) = run_now(mapping(connection, "SALESORDER-ORDER"))
    assert (job.modified, job.failed) == (1, 0)
    order = integration_dataverse(connection).get("salesorders", str(coupling.sales_id))
    header = bc(connection).get("salesOrders", str(coupling.bc_id))
    assert order["ordernumber"] == header["number"]
    assert order["totalamount"] == header["totalAmountIncludingTax"]


def test_an_open_order_is_not_synchronized(created_order):
    connection, _coupling = created_order
    (job,) = run_now(mapping(connection, "SALESORDER-ORDER"))
    assert job.modified == 0


def test_the_status_job_posts_released_once(created_order):
    connection, coupling = created_order
    assert run_status(connection).modified == 0
    release(connection, str(coupling.bc_id))
    assert run_status(connection).modified == 1
    assert run_status(connection).modified == 0
    assert posts(connection, coupling.sales_id) == [status.RELEASED]


def test_the_status_job_posts_shipment_and_invoice(created_order):
    connection, coupling = created_order
    client = bc(connection)
    line = next(iter(client.query("salesOrderLines", filter=f"documentId eq {coupling.bc_id}")))
    client.update("salesOrderLines", line["id"], {"shippedQuantity": 1, "invoicedQuantity": 1},
                  line["@odata.etag"])
    run_status(connection)
    assert posts(connection, coupling.sales_id) == sorted([status.SHIPPED, status.INVOICED])
