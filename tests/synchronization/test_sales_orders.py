"""Submitted Sales orders become Business Central sales orders (Automatically Create Sales
Orders, seed 003 "Handling Special Sales Order Data"), against the sandbox."""

import pytest

from mappings.models import Coupling
from synchronization import jobs
from synchronization.leadtocash import jobs as leadtocash_jobs
from synchronization.models import JobStatus, SalesReceivablesSetup, SyncError, SyncJob
from tests.synchronization.engine_support import bc, integration_dataverse, mapping
from tests.synchronization.leadtocash_support import (
    LONG_DESCRIPTION,
    order_integration,
    product_line,
    sales_document,
    submit,
    write_in_line,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def connection(synced_connection):
    order_integration(synced_connection)
    setup = SalesReceivablesSetup.of(synced_connection)
    setup.write_in_product_type, setup.write_in_product_no = "Item", "1900-S"
    setup.save()
    return synced_connection


def submitted_order(connection, credentials, name="Conference room order", details=None):
    details = details or [product_line(connection), write_in_line(),
                          product_line(connection, 1, 80.0, description=LONG_DESCRIPTION)]
    order_id = sales_document(connection, credentials, "salesorders", name, details,
                              ordernumber="ORD-01001-X")
    submit(connection, credentials, order_id)
    return order_id


def create_orders(connection, **parameters) -> SyncJob:
    job = leadtocash_jobs.start(leadtocash_jobs.CREATE_ORDERS, connection, **parameters)
    jobs.run(job.pk)
    return SyncJob.objects.get(pk=job.pk)


def bc_order(connection, order_id):
    coupling = Coupling.objects.get(mapping=mapping(connection, "SALESORDER-ORDER"),
                                    sales_id=order_id)
    client = bc(connection)
    header = client.get("salesOrders", str(coupling.bc_id))
    lines = sorted(client.query("salesOrderLines", filter=f"documentId eq {coupling.bc_id}"),
                   key=lambda line: line["sequence"])
    return header, lines


def test_a_submitted_order_becomes_a_business_central_order_with_its_lines(connection,
                                                                             sandbox_clean):
    order_id = submitted_order(connection, sandbox_clean.credentials)
    job = create_orders(connection)
    assert (job.status, job.failed) == (JobStatus.FINISHED, 0), \
        list(SyncError.objects.values_list("message", flat=True))
    assert job.inserted == 2, "the demo's submitted order and this one"
    header, lines = bc_order(connection, order_id)
    assert header["externalDocumentNumber"] == "Conference room order"
    assert header["customerNumber"] == "10000"
    assert [line["lineType"] for line in lines] == ["Item", "Item", "Item", "Comment", "Comment"]
    assert lines[0]["lineObjectNumber"] == "1896-S" and lines[0]["quantity"] == 2


def test_a_write_in_line_uses_the_write_in_product_of_the_setup(connection, sandbox_clean):
    order_id = submitted_order(connection, sandbox_clean.credentials)
    create_orders(connection)
    _header, lines = bc_order(connection, order_id)
    assert lines[1]["lineObjectNumber"] == "1900-S"
    assert lines[1]["description"] == "Installation service"
    assert lines[1]["unitPrice"] == 250.0


def test_a_long_description_continues_on_comment_lines(connection, sandbox_clean):
    order_id = submitted_order(connection, sandbox_clean.credentials)
    create_orders(connection)
    _header, lines = bc_order(connection, order_id)
    text = "".join(line["description"] for line in lines[2:])
    assert text == LONG_DESCRIPTION
    assert all(len(line["description"]) <= 100 for line in lines)


def test_the_business_central_number_is_written_back_and_the_order_stays_submitted(
        connection, sandbox_clean):
    order_id = submitted_order(connection, sandbox_clean.credentials)
    job = create_orders(connection)
    order = integration_dataverse(connection).get("salesorders", order_id)
    assert order["bcbi_businesscentralordernumber"] == job.result["created"][order_id]
    assert order["lastbackofficesubmit"] and order["statecode"] == 1


def test_an_order_is_created_once_even_when_the_job_runs_again(connection, sandbox_clean):
    order_id = submitted_order(connection, sandbox_clean.credentials)
    create_orders(connection)
    again = create_orders(connection, sales_ids=[order_id])
    assert (again.inserted, again.unchanged) == (0, 1)
    externals = [o for o in bc(connection).query("salesOrders")
                 if o["externalDocumentNumber"] == "Conference room order"]
    assert len(externals) == 1


def test_a_crash_after_the_order_was_made_finds_it_again(connection, sandbox_clean):
    order_id = submitted_order(connection, sandbox_clean.credentials)
    create_orders(connection)
    Coupling.objects.filter(sales_id=order_id).delete()  # the crash: BC order made, no coupling
    again = create_orders(connection, sales_ids=[order_id])
    assert (again.unchanged, again.failed) == (1, 0)
    assert Coupling.objects.filter(sales_id=order_id).exists()
    externals = [o for o in bc(connection).query("salesOrders")
                 if o["externalDocumentNumber"] == "Conference room order"]
    assert len(externals) == 1


def test_a_write_in_line_without_the_setting_fails_with_the_fix_and_leaves_nothing(
        connection, sandbox_clean):
    SalesReceivablesSetup.objects.filter(connection=connection).update(write_in_product_no="")
    order_id = submitted_order(connection, sandbox_clean.credentials)
    before = len(list(bc(connection).query("salesOrders", select=["id"])))
    job = create_orders(connection, sales_ids=[order_id])
    assert job.failed == 1
    error = SyncError.objects.get(job=job)
    assert error.source_id == order_id
    assert "Sales & Receivables Setup" in error.message
    assert len(list(bc(connection).query("salesOrders", select=["id"]))) == before


def test_a_line_business_central_refuses_rolls_the_whole_order_back(connection, sandbox_clean):
    SalesReceivablesSetup.objects.filter(connection=connection).update(
        write_in_product_no="NO-SUCH-ITEM")
    order_id = submitted_order(connection, sandbox_clean.credentials)
    before = len(list(bc(connection).query("salesOrders", select=["id"])))
    job = create_orders(connection, sales_ids=[order_id])
    assert job.failed == 1
    assert "did not create sales order" in SyncError.objects.get(job=job).message
    assert len(list(bc(connection).query("salesOrders", select=["id"]))) == before


def test_an_order_of_an_uncoupled_account_fails_with_the_fix(connection, sandbox_clean):
    order_id = submitted_order(connection, sandbox_clean.credentials)
    Coupling.objects.filter(mapping=mapping(connection, "CUSTOMER")).delete()
    job = create_orders(connection, sales_ids=[order_id])
    assert "There is no customer coupled" in SyncError.objects.get(job=job).message
