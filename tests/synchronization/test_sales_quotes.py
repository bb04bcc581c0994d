"""Activated Sales quotes become Business Central sales quotes; a revision updates the same BC
quote (Automatically Process Sales Quotes), against the sandbox."""

import pytest

from synchronization import jobs
from synchronization.leadtocash import jobs as leadtocash_jobs
from synchronization.models import ProcessedQuote, SalesReceivablesSetup, SyncError, SyncJob
from tests.synchronization.engine_support import admin_dataverse, bc
from tests.synchronization.leadtocash_support import (
    order_integration,
    product_line,
    sales_document,
    write_in_line,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def connection(synced_connection):
    order_integration(synced_connection)
    SalesReceivablesSetup.objects.update_or_create(
        connection=synced_connection,
        defaults={"write_in_product_type": "Item", "write_in_product_no": "1900-S"})
    return synced_connection


def activated_quote(connection, credentials, revision: int, details: list[dict]) -> str:
    quote_id = sales_document(connection, credentials, "quotes", "Office furniture",
                              details, quotenumber="QUO-01001-A", revisionnumber=revision)
    admin_dataverse(connection, credentials).update("quotes", quote_id,
                                                    {"statecode": 1, "statuscode": 2})
    return quote_id


def process(connection) -> SyncJob:
    job = leadtocash_jobs.start(leadtocash_jobs.PROCESS_QUOTES, connection)
    jobs.run(job.pk)
    return SyncJob.objects.get(pk=job.pk)


def bc_quote(connection):
    link = ProcessedQuote.objects.get(connection=connection, quote_number="QUO-01001-A")
    client = bc(connection)
    lines = sorted(client.query("salesQuoteLines", filter=f"documentId eq {link.bc_id}"),
                   key=lambda line: line["sequence"])
    return link, client.get("salesQuotes", str(link.bc_id)), lines


def test_an_activated_quote_becomes_a_business_central_quote(connection, sandbox_clean):
    activated_quote(connection, sandbox_clean.credentials, 0,
                    [product_line(connection), write_in_line()])
    job = process(connection)
    assert (job.inserted, job.failed) == (1, 0), list(SyncError.objects.values_list("message",
                                                                                    flat=True))
    _link, header, lines = bc_quote(connection)
    assert header["externalDocumentNumber"] == "Office furniture"
    assert [line["lineObjectNumber"] for line in lines] == ["1896-S", "1900-S"]


def test_a_revision_updates_the_same_business_central_quote(connection, sandbox_clean):
    credentials = sandbox_clean.credentials
    first = activated_quote(connection, credentials, 0, [product_line(connection)])
    process(connection)
    link, header, _lines = bc_quote(connection)
    admin_dataverse(connection, credentials).update("quotes", first,
                                                    {"statecode": 3, "statuscode": 7})
    revised = activated_quote(connection, credentials, 1,
                              [product_line(connection, quantity=5), write_in_line()])
    job = process(connection)
    assert (job.inserted, job.failed) == (1, 0)
    again, header_after, lines = bc_quote(connection)
    assert header_after["number"] == header["number"] and again.bc_id == link.bc_id
    assert str(again.sales_id) == revised and again.revision == 1
    assert [(line["lineObjectNumber"], line["quantity"]) for line in lines] == [
        ("1896-S", 5), ("1900-S", 1)]


def test_a_processed_quote_is_not_processed_twice(connection, sandbox_clean):
    activated_quote(connection, sandbox_clean.credentials, 0, [product_line(connection)])
    process(connection)
    again = process(connection)
    assert (again.inserted, again.failed) == (0, 0)
