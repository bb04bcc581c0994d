"""Dataverse reads and writes through DataverseClient against the sandbox."""

import uuid

import pytest

from connection.clients import NotFound, PreconditionFailed


def test_query_pages_follow_next_links_across_more_than_two_pages(sandbox_clean, dataverse):
    pages = list(dataverse.query_pages("accounts", select=["name"], page_size=3))
    records = [record for page in pages for record in page]
    assert len(pages) > 2 and all(len(page) <= 3 for page in pages)
    assert len({r["accountid"] for r in records}) == len(records) == dataverse.count("accounts")
    assert sandbox_clean.counters()["dataverse"]["requests"] == len(pages) + 1


def test_query_fetches_the_next_page_only_when_it_is_needed(sandbox_clean, dataverse):
    records = dataverse.query("accounts", select=["name"], page_size=2)
    next(records)
    next(records)
    assert sandbox_clean.counters()["dataverse"]["requests"] == 1
    next(records)
    assert sandbox_clean.counters()["dataverse"]["requests"] == 2


def test_query_filters_orders_and_selects(dataverse):
    names = [r["name"] for r in dataverse.query("accounts", select=["name"],
                                                filter="statecode eq 0", orderby="name desc")]
    assert names == sorted(names, reverse=True) and names
    assert dataverse.count("accounts", filter="statecode eq 0") == len(names)


def test_a_filter_with_quotes_ampersands_and_plus_signs_round_trips(dataverse):
    name = "O'Brien & Sons +1"
    account_id = dataverse.create("accounts", {"name": name})
    found = list(dataverse.query("accounts", select=["name"],
                                 filter="name eq 'O''Brien & Sons +1'"))
    assert [r["accountid"] for r in found] == [account_id]


def test_create_returns_the_new_id_and_get_reads_it_back(dataverse):
    account_id = dataverse.create("accounts", {"name": "Client test"})
    record = dataverse.get("accounts", account_id, select=["name"])
    assert record["name"] == "Client test" and record["@odata.etag"]


def test_update_without_an_etag_never_creates(dataverse):
    with pytest.raises(NotFound):
        dataverse.update("accounts", str(uuid.uuid4()), {"name": "ghost"})


def test_update_with_a_stale_etag_is_refused_with_412(dataverse):
    account_id = dataverse.create("accounts", {"name": "Before"})
    etag = dataverse.get("accounts", account_id)["@odata.etag"]
    dataverse.update("accounts", account_id, {"name": "First"}, etag=etag)
    with pytest.raises(PreconditionFailed) as caught:
        dataverse.update("accounts", account_id, {"name": "Second"}, etag=etag)
    assert caught.value.status == 412
    assert dataverse.get("accounts", account_id)["name"] == "First"


def test_upsert_creates_with_the_chosen_id_then_updates_it(dataverse):
    chosen = str(uuid.uuid4())
    before = dataverse.count("accounts")
    dataverse.upsert("accounts", chosen, {"name": "Deterministic"})
    dataverse.upsert("accounts", chosen, {"name": "Deterministic again"})
    assert dataverse.count("accounts") == before + 1
    assert dataverse.get("accounts", chosen)["name"] == "Deterministic again"


def test_delete_removes_the_record_and_a_second_delete_is_not_found(dataverse):
    account_id = dataverse.create("accounts", {"name": "Short-lived"})
    dataverse.delete("accounts", account_id)
    with pytest.raises(NotFound):
        dataverse.get("accounts", account_id)
    with pytest.raises(NotFound):
        dataverse.delete("accounts", account_id)


def test_associate_links_a_user_to_a_security_role(dataverse):
    role = next(dataverse.query("roles", select=["name"]))
    user_id = dataverse.whoami().user_id
    dataverse.associate("systemusers", user_id, "systemuserroles_association", "roles",
                        role["roleid"])
    linked = dataverse.query(f"systemusers({user_id})/systemuserroles_association",
                             select=["name"])
    assert role["roleid"] in {r["roleid"] for r in linked}
    dataverse.disassociate("systemusers", user_id, "systemuserroles_association", role["roleid"])


def test_entity_metadata_lists_types_and_choice_labels(dataverse):
    account = dataverse.entity_metadata("account")
    assert (account.entity_set_name, account.primary_id_attribute) == ("accounts", "accountid")
    assert account.attributes["customertypecode"].options["Customer"] == 3
    assert account.attributes["statecode"].options == {"Active": 0, "Inactive": 1}
    assert account.attributes["name"].type == "String"
    assert account.attributes["name"].max_length == 160
    assert dataverse.entity_set_name("salesorderdetail") == "salesorderdetails"


def test_metadata_of_an_unknown_table_is_not_found(dataverse):
    with pytest.raises(NotFound):
        dataverse.entity_metadata("nosuchtable")
