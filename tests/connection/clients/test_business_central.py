"""Business Central API v2.0 and OData V4 pages through BusinessCentralClient."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from connection.clients import (
    BadRequest,
    BasicCredential,
    BcOperation,
    BusinessCentralClient,
    Conflict,
    NotFound,
    Unauthorized,
)


def test_companies_include_the_demo_company(business_central, credentials):
    companies = {c.id: c for c in business_central.companies()}
    assert companies[credentials["company_id"]].name == credentials["company_name"]


def test_query_pages_follow_next_links_across_more_than_two_pages(sandbox_clean,
                                                                  business_central):
    pages = list(business_central.query_pages("customers", select=["id", "number"],
                                              page_size=3))
    numbers = [r["number"] for page in pages for r in page]
    assert len(pages) > 2 and all(len(page) <= 3 for page in pages)
    assert len(set(numbers)) == len(numbers) == business_central.count("customers")


def test_create_answers_the_full_record_and_update_needs_the_current_etag(business_central):
    created = business_central.create("customers", {"displayName": "Client test"})
    assert created["id"] and created["number"] and created["@odata.etag"]
    updated = business_central.update("customers", created["id"], {"phoneNumber": "555-0101"},
                                      created["@odata.etag"])
    assert updated["phoneNumber"] == "555-0101"
    with pytest.raises(Conflict) as caught:
        business_central.update("customers", created["id"], {"phoneNumber": "555-0102"},
                                created["@odata.etag"])
    assert caught.value.code == "Request_EntityChanged" and caught.value.correlation_id


def test_update_with_a_star_etag_overwrites(business_central):
    created = business_central.create("customers", {"displayName": "Star"})
    business_central.update("customers", created["id"], {"displayName": "Star 2"}, "*")
    assert business_central.get("customers", created["id"])["displayName"] == "Star 2"


def test_delete_removes_the_record(business_central):
    created = business_central.create("customers", {"displayName": "Short-lived"})
    business_central.delete("customers", created["id"])
    with pytest.raises(NotFound):
        business_central.get("customers", created["id"])


def test_modified_since_returns_only_later_changes(business_central):
    before = datetime.now(UTC) - timedelta(seconds=1)
    created = business_central.create("customers", {"displayName": "Recent"})
    recent = list(business_central.modified_since("customers", before, select=["id"]))
    assert [r["id"] for r in recent] == [created["id"]]


def test_an_unsupported_filter_is_a_bad_request_with_bcs_code(business_central):
    with pytest.raises(BadRequest) as caught:
        list(business_central.query("customers", filter="number eq '1' or city eq 'x'"))
    assert caught.value.code.startswith("BadRequest")


def test_a_json_batch_reports_each_operation(business_central):
    missing = str(uuid.uuid4())
    results = business_central.batch([
        BcOperation.create("customers", {"displayName": "Batch A"}),
        BcOperation.update("customers", missing, {"displayName": "x"}, "*"),
    ])
    assert results[0].status == 201 and results[0].id and results[0].etag
    assert results[1].status == 404 and results[1].error_code and not results[1].ok


def test_an_isolated_batch_rolls_everything_back(business_central):
    before = business_central.count("customers")
    results = business_central.batch([
        BcOperation.create("customers", {"displayName": "Isolated A"}),
        BcOperation.delete("customers", str(uuid.uuid4())),
    ], isolation_snapshot=True)
    assert results[0].rolled_back and "operation 2" in results[0].error_message
    assert results[1].status == 404 and not results[1].rolled_back
    assert business_central.count("customers") == before


def test_batches_over_100_operations_are_split(sandbox_clean, business_central):
    operations = [BcOperation.create("customers", {"displayName": f"Bulk {n}"})
                  for n in range(101)]
    sandbox_clean.reset_counters()
    results = business_central.batch(operations)
    assert len(results) == 101 and all(r.ok for r in results)
    assert sandbox_clean.counters()["business_central"]["requests"] == 2


def test_odata_v4_pages_are_read_by_company_name(business_central):
    rows = list(business_central.odata_query("Customer", select=["No", "Name"], page_size=4))
    assert rows and {"No", "Name"} <= set(rows[0])
    assert len(rows) == business_central.count("customers")


def test_a_refused_basic_credential_is_not_retried(sandbox_clean, credentials):
    client = BusinessCentralClient(credentials["business_central_url"],
                                   BasicCredential("ADMIN", "wrong-key"),
                                   credentials["company_id"], ca_bundle=sandbox_clean.ca_bundle)
    with pytest.raises(Unauthorized):
        client.companies()
    assert (client.counters().requests, client.counters().token_refreshes) == (1, 0)
