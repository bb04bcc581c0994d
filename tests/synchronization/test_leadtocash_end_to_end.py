"""Lead to cash end to end against the sandbox: a submitted Sales order becomes a BC order, is
released (SALESORDER-ORDER), shipped and invoiced in BC, and its posted invoice reaches Sales
linked to the original order, with the status messages on the order's wall."""

import pytest

from mappings.models import Coupling
from synchronization import jobs
from synchronization.leadtocash import jobs as leadtocash_jobs
from synchronization.leadtocash import status
from synchronization.models import SalesReceivablesSetup, SyncJob
from tests.synchronization.engine_support import (
    bc,
    couplings,
    errors,
    full,
    integration_dataverse,
    mapping,
    run_now,
)
from tests.synchronization.leadtocash_support import (
    LONG_DESCRIPTION,
    order_integration,
    product_line,
    sales_document,
    submit,
    write_in_line,
)

pytestmark = pytest.mark.django_db(transaction=True)


def run(kind: str, connection, **parameters) -> SyncJob:
    job = leadtocash_jobs.start(kind, connection, **parameters)
    jobs.run(job.pk)
    return SyncJob.objects.get(pk=job.pk)


def test_from_a_submitted_sales_order_to_a_posted_invoice_back_in_sales(synced_connection,
                                                                         sandbox_clean):
    connection = order_integration(synced_connection)
    SalesReceivablesSetup.objects.create(connection=connection, write_in_product_no="1900-S")
    credentials = sandbox_clean.credentials
    order_id = sales_document(connection, credentials, "salesorders", "Lead to cash",
                              [product_line(connection), write_in_line(),
                               product_line(connection, 1, 80.0,
                                            description=LONG_DESCRIPTION)])
    submit(connection, credentials, order_id)

    created = run(leadtocash_jobs.CREATE_ORDERS, connection, sales_ids=[order_id])
    assert created.inserted == 1
    coupling = Coupling.objects.get(sales_id=order_id)
    client = bc(connection)
    order = client.get("salesOrders", str(coupling.bc_id))
    client.update("salesOrders", str(coupling.bc_id), {"status": "Released"},
                  order["@odata.etag"])
    (released,) = run_now(mapping(connection, "SALESORDER-ORDER"))
    assert released.modified == 1, errors(released)
    run(leadtocash_jobs.SALES_ORDER_STATUS, connection)

    client.http.request("POST", client._company_url(
        f"salesOrders({coupling.bc_id})/Microsoft.NAV.shipAndInvoice"))
    (invoices,) = full(mapping(connection, "POSTEDSALESINV-INV"))
    posted = next(iter(client.query("salesInvoices", filter=f"orderId eq {coupling.bc_id}")))
    invoice_coupling = couplings(mapping(connection, "POSTEDSALESINV-INV")).filter(
        bc_id=posted["id"]).first()
    assert invoice_coupling is not None, errors(invoices)
    sales = integration_dataverse(connection)
    invoice = sales.get("invoices", str(invoice_coupling.sales_id))
    assert invoice["_salesorderid_value"] == order_id and invoice["name"] == "Lead to cash"
    lines = list(sales.query("invoicedetails",
                             filter=f"_invoiceid_value eq {invoice_coupling.sales_id}"))
    assert len(lines) == 5  # item, write-in item, item and two Comment lines
    assert sum(1 for line in lines if line["isproductoverridden"]) == 2

    run(leadtocash_jobs.SALES_ORDER_STATUS, connection)
    texts = {p["text"] for p in sales.query("posts",
                                            filter=f"_regardingobjectid_value eq {order_id}")}
    assert texts == {status.RELEASED, status.INVOICED}
