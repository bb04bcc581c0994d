"""Microsoft's own Dataverse client (PowerPlatform-Dataverse-Client, unmodified) as the witness
that the sandbox answers as Dataverse does.

The client signs in with azure-identity's ``ClientSecretCredential`` at the sandbox's token
endpoint (``authority`` = the sandbox origin, no instance discovery) and trusts the sandbox CA
through ``REQUESTS_CA_BUNDLE``, which both azure-core and the client's ``requests`` read. No
client code is patched. Install with ``pip install -e '.[witness]'``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from azure.identity import ClientSecretCredential
from PowerPlatform.Dataverse.client import DataverseClient
from PowerPlatform.Dataverse.core.errors import HttpError
from PowerPlatform.Dataverse.models.upsert import UpsertItem

DEMO_ACCOUNTS = 11


@pytest.fixture
def client(sandbox_clean: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[DataverseClient]:
    """Microsoft's client against a freshly reset sandbox, as the application user."""
    creds = sandbox_clean.credentials
    for name in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.setenv(name, sandbox_clean.ca_bundle)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    credential = ClientSecretCredential(
        creds["tenant_id"],
        creds["client_id"],
        creds["client_secret"],
        authority=creds["dataverse_url"],
        disable_instance_discovery=True,
    )
    with DataverseClient(creds["dataverse_url"], credential) as dataverse:
        yield dataverse


def test_create_get_update_and_delete(client):
    """https://learn.microsoft.com/power-apps/developer/data-platform/webapi/create-entity-web-api
    and https://learn.microsoft.com/power-apps/developer/data-platform/webapi/update-delete-entities-using-web-api
    """
    record_id = client.records.create("account", {"name": "Witness One", "telephone1": "555-0100"})
    record = client.records.retrieve("account", record_id, select=["name", "telephone1"])
    assert record["name"] == "Witness One" and record["telephone1"] == "555-0100"
    client.records.update("account", record_id, {"telephone1": "555-0199"})
    assert client.records.retrieve("account", record_id)["telephone1"] == "555-0199"
    client.records.delete("account", record_id)
    assert client.records.retrieve("account", record_id) is None  # the client's reading of 404
    with pytest.raises(HttpError) as gone:
        client.records.delete("account", record_id)
    assert gone.value.status_code == 404
    assert gone.value.details["service_error_code"] == "0x80040217"


def test_list_follows_next_links_page_by_page(client):
    """https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/page-results"""
    pages = list(
        client.records.list_pages("account", select=["name"], orderby=["name asc"], page_size=4)
    )
    assert len(pages) == 3
    names = [record["name"] for page in pages for record in page]
    assert len(names) == len(set(names)) == DEMO_ACCOUNTS
    assert names == sorted(names, key=str.lower)
    found = client.records.list("account", filter="name eq 'Adatum Corporation'", select=["name"])
    assert [record["name"] for record in found] == ["Adatum Corporation"]


def test_upsert_by_alternate_key_creates_then_updates_keeping_the_key_case(client):
    """https://learn.microsoft.com/power-apps/developer/data-platform/use-upsert-insert-update-record"""
    key = {"accountnumber": "MS-UPS-1"}
    client.records.upsert("account", [UpsertItem(alternate_key=key, record={"name": "Ups 1"})])
    client.records.upsert(
        "account",
        [UpsertItem(alternate_key={"accountnumber": "ms-ups-1"}, record={"name": "Ups 1b"})],
    )
    rows = client.records.list(
        "account", filter="accountnumber eq 'MS-UPS-1'", select=["name", "accountnumber"]
    )
    assert [(r["name"], r["accountnumber"]) for r in rows] == [("Ups 1b", "MS-UPS-1")]


def test_create_multiple_and_update_multiple(client):
    """https://learn.microsoft.com/power-apps/developer/data-platform/bulk-operations"""
    ids = client.records.create("account", [{"name": f"Bulk {n}"} for n in range(3)])
    assert len(ids) == 3
    client.records.update("account", ids, {"telephone1": "555-0123"})
    for number, record_id in enumerate(ids):
        record = client.records.retrieve("account", record_id, select=["name", "telephone1"])
        assert (record["name"], record["telephone1"]) == (f"Bulk {number}", "555-0123")


def test_upsert_multiple_by_alternate_key(client):
    """https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/upsertmultiple"""
    client.records.create("account", {"name": "Before", "accountnumber": "UM-1"})
    client.records.upsert(
        "account",
        [
            UpsertItem(alternate_key={"accountnumber": "UM-1"}, record={"name": "After"}),
            UpsertItem(alternate_key={"accountnumber": "UM-2"}, record={"name": "Created"}),
        ],
    )
    rows = client.records.list(
        "account",
        filter="startswith(accountnumber,'UM-')",
        select=["name", "accountnumber"],
        orderby=["accountnumber asc"],
    )
    assert [(r["accountnumber"], r["name"]) for r in rows] == [
        ("UM-1", "After"),
        ("UM-2", "Created"),
    ]


def test_batch_with_a_change_set(client):
    """https://learn.microsoft.com/power-apps/developer/data-platform/webapi/execute-batch-operations-using-web-api"""
    batch = client.batch.new()
    batch.records.create("account", {"name": "Batch plain"})
    with batch.changeset() as change_set:
        reference = change_set.records.create("account", {"name": "Batch set"})
        change_set.records.update("account", reference, {"telephone1": "555-0111"})
    result = batch.execute()
    assert not result.has_errors, [(r.status_code, r.error_message) for r in result.failed]
    assert len(set(result.entity_ids)) == 2  # the update answers its row's id too
    rows = client.records.list(
        "account", filter="startswith(name,'Batch ')", select=["name", "telephone1"]
    )
    assert {r["name"]: r["telephone1"] for r in rows} == {
        "Batch plain": None,
        "Batch set": "555-0111",
    }


def test_404_and_412_error_shapes(client):
    """https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors"""
    missing = "00000000-0000-0000-0000-0000000000aa"
    with pytest.raises(HttpError) as not_found:
        client.records.update("account", missing, {"name": "x"})
    assert not_found.value.status_code == 404
    assert not_found.value.details["service_error_code"] == "0x80040217"
    assert "Does Not Exist" in str(not_found.value)
    record_id = client.records.create("account", {"name": "Twice"})
    with pytest.raises(HttpError) as duplicate:
        client.records.create("account", {"name": "Twice", "accountid": record_id})
    assert duplicate.value.status_code == 412
    assert duplicate.value.details["service_error_code"] == "0x80040237"
    assert str(duplicate.value) == "A record with matching key values already exists."


def test_429_carries_the_code_and_retry_after(client, sandbox_clean):
    """https://learn.microsoft.com/power-apps/developer/data-platform/api-limits"""
    client.records.list("account", select=["name"], top=1)  # resolves and caches metadata
    sandbox_clean.settings(
        time_scale=300, dataverse={"limits_enabled": True, "requests_per_window": 1}
    )
    client.records.list("account", select=["name"], top=1)
    with pytest.raises(HttpError) as throttled:
        client.records.list("account", select=["name"], top=1)
    assert throttled.value.status_code == 429
    assert throttled.value.details["service_error_code"] == "0x80072322"
    assert throttled.value.details["retry_after"] >= 1
    assert "Number of requests exceeded the limit of 1" in str(throttled.value)


def test_what_the_sandbox_cannot_answer_is_refused_not_wrong(client):
    """SQL and FetchXML queries are refused with 400 rather than answered with every row.

    https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/overview
    """
    with pytest.raises(HttpError) as sql:
        client.query.sql("SELECT TOP 2 name FROM account")
    assert sql.value.status_code == 400
    assert "not implemented in the sandbox" in str(sql.value)
