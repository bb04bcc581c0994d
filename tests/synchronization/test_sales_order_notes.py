"""Sales Order Notes: notes of coupled sales orders cross both ways, once."""

import pytest

from mappings.models import Coupling
from synchronization import jobs
from synchronization.leadtocash import jobs as leadtocash_jobs
from synchronization.leadtocash import notes
from synchronization.models import NoteCoupling, SalesReceivablesSetup, SyncJob
from tests.synchronization.engine_support import admin_dataverse, bc, integration_dataverse
from tests.synchronization.leadtocash_support import (
    order_integration,
    product_line,
    sales_document,
    submit,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def coupled_order(synced_connection, sandbox_clean):
    connection = order_integration(synced_connection)
    SalesReceivablesSetup.objects.create(connection=connection, write_in_product_no="1900-S")
    order_id = sales_document(connection, sandbox_clean.credentials, "salesorders",
                              "Noted order", [product_line(connection)])
    submit(connection, sandbox_clean.credentials, order_id)
    job = leadtocash_jobs.start(leadtocash_jobs.CREATE_ORDERS, connection, sales_ids=[order_id])
    jobs.run(job.pk)
    return connection, Coupling.objects.get(sales_id=order_id)


def run_notes(connection) -> SyncJob:
    job = leadtocash_jobs.start(leadtocash_jobs.SALES_ORDER_NOTES, connection)
    jobs.run(job.pk)
    return SyncJob.objects.get(pk=job.pk)


def bc_notes(connection, number: str) -> list[dict]:
    return [row for row in bc(connection).odata_query(notes.PAGE)
            if row["Record_ID"] == notes.record_id(number)]


def sales_notes(connection, order_id) -> list[dict]:
    return list(integration_dataverse(connection).query(
        "annotations", filter=f"_objectid_value eq {order_id}"))


def test_a_note_written_in_sales_reaches_the_business_central_order(coupled_order,
                                                                     sandbox_clean):
    connection, coupling = coupled_order
    admin_dataverse(connection, sandbox_clean.credentials).create("annotations", {
        "subject": "Delivery", "notetext": "Call before delivery.",
        "objectid_salesorder@odata.bind": f"/salesorders({coupling.sales_id})"})
    job = run_notes(connection)
    assert job.result == {"to_sales": 0, "to_business_central": 1}
    (note,) = bc_notes(connection, coupling.bc_number)
    assert (note["Description"], note["Note"], note["Type"]) == (
        "Delivery", "Call before delivery.", "Note")


def test_a_note_written_in_business_central_reaches_the_sales_order(coupled_order):
    connection, coupling = coupled_order
    bc(connection).odata_create(notes.PAGE, {"Record_ID": notes.record_id(coupling.bc_number),
                                             "Description": "Credit check",
                                             "Note": "Approved by finance.", "Type": "Note"})
    job = run_notes(connection)
    assert job.result == {"to_sales": 1, "to_business_central": 0}
    (annotation,) = sales_notes(connection, coupling.sales_id)
    assert (annotation["subject"], annotation["notetext"]) == ("Credit check",
                                                               "Approved by finance.")


def test_notes_cross_once(coupled_order, sandbox_clean):
    connection, coupling = coupled_order
    admin_dataverse(connection, sandbox_clean.credentials).create("annotations", {
        "subject": "Once", "notetext": "Only once.",
        "objectid_salesorder@odata.bind": f"/salesorders({coupling.sales_id})"})
    run_notes(connection)
    again = run_notes(connection)
    assert again.result == {"to_sales": 0, "to_business_central": 0}
    assert len(bc_notes(connection, coupling.bc_number)) == 1
    assert len(sales_notes(connection, coupling.sales_id)) == 1


def test_a_crash_before_the_coupling_was_saved_pairs_the_notes_instead_of_copying(
        coupled_order, sandbox_clean):
    connection, coupling = coupled_order
    admin_dataverse(connection, sandbox_clean.credentials).create("annotations", {
        "subject": "Crash", "notetext": "Written, not remembered.",
        "objectid_salesorder@odata.bind": f"/salesorders({coupling.sales_id})"})
    run_notes(connection)
    NoteCoupling.objects.all().delete()
    again = run_notes(connection)
    assert again.result == {"to_sales": 0, "to_business_central": 0}
    assert NoteCoupling.objects.count() == 1
