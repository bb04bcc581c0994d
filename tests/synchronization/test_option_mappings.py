"""Option mappings end to end: BC codes become options of the account's choice columns, never
accounts; a full synchronization of the demo leaves both systems right."""

import pytest

from mappings.models import Coupling, OptionMapping
from synchronization import fullsync
from synchronization.models import RunStatus
from tests.synchronization.engine_support import bc, full, integration_dataverse, mapping
from tests.synchronization.test_full_sync_support import install_inline_queue

pytestmark = pytest.mark.django_db(transaction=True)

OPTION_COLUMNS = {"PAYMENT TERMS": "paymenttermscode",
                  "SHIPMENT METHOD": "address1_freighttermscode",
                  "SHIPPING AGENT": "address1_shippingmethodcode"}


def bc_codes(connection, name: str) -> set[str]:
    from synchronization.sides import BcSide

    side = BcSide(mapping(connection, name), bc(connection))
    return {side.number(r) for page in side.read_pages(None) for r in page}


def labels_of(connection, column: str) -> dict[str, int]:
    """The column's options by case-folded label (BC codes are upper case: NET 30 = Net 30)."""
    labels = integration_dataverse(connection).choice_labels("account", column)
    return {label.casefold(): value for label, value in labels.items()}


def accounts(connection, customers_only: bool = False) -> list[dict]:
    rows = integration_dataverse(connection).query(
        "accounts", select=["name", "customertypecode", "statecode"])
    return [r for r in rows if not customers_only
            or (r.get("customertypecode"), r.get("statecode")) == (3, 0)]


def bc_customer_names(connection) -> set[str]:
    return {c.get("displayName") or "" for c in bc(connection).query("customers")}


def test_an_option_mapping_inserts_its_codes_as_options_and_writes_no_account(
        synced_connection):
    before = len(accounts(synced_connection))
    terms = mapping(synced_connection, "PAYMENT TERMS")
    [job] = full(terms)
    codes = bc_codes(synced_connection, "PAYMENT TERMS")
    labels = labels_of(synced_connection, "paymenttermscode")
    assert codes and {code.casefold() for code in codes} <= set(labels)
    rows = {row.bc_code: row.option_value for row in OptionMapping.objects.filter(mapping=terms)}
    assert rows == {code: labels[code.casefold()] for code in codes}
    # NET 30 is the existing "Net 30"; the others are new, in the publisher's range.
    assert rows["NET 30"] == 1 and sorted(rows.values())[-1] >= 100_000_000
    assert len(accounts(synced_connection)) == before
    assert not Coupling.objects.filter(mapping=terms).exists()
    assert (job.status, job.inserted, job.unchanged, job.failed) == (
        "finished", len(codes) - 2, 2, 0)


def test_a_second_run_finds_every_code_coupled_and_inserts_nothing(synced_connection):
    agent = mapping(synced_connection, "SHIPPING AGENT")
    full(agent)
    [again] = full(agent)
    assert (again.inserted, again.unchanged, again.failed) == (0, 4, 0)


def test_a_code_whose_label_already_exists_is_coupled_to_that_option(synced_connection):
    client = integration_dataverse(synced_connection)
    value = client.insert_option_value("account", "address1_freighttermscode", "PICKUP")
    [job] = full(mapping(synced_connection, "SHIPMENT METHOD"))
    row = OptionMapping.objects.get(mapping__name="SHIPMENT METHOD", bc_code="PICKUP")
    # FOB is a built-in option, PICKUP was added above: the other three codes are new.
    assert row.option_value == value and (job.inserted, job.unchanged) == (3, 2)


def test_the_option_mappings_page_lists_the_coupled_codes(synced_connection, admin_client):
    terms = mapping(synced_connection, "PAYMENT TERMS")
    full(terms)
    page = admin_client.get(f"/mappings/{terms.pk}/options/").content.decode()
    assert "No codes are coupled to options yet" not in page
    assert all(code in page for code in bc_codes(synced_connection, "PAYMENT TERMS"))


def test_a_full_sync_of_the_demo_leaves_no_blank_account_and_the_options_in_sales(
        synced_connection, monkeypatch):
    customers_before = bc_customer_names(synced_connection)
    sales_customers = {a["name"] for a in accounts(synced_connection, customers_only=True)}
    queue = install_inline_queue(monkeypatch)
    run = fullsync.start_run(synced_connection, "tester")
    queue.drain()
    run.refresh_from_db()
    assert run.status == RunStatus.FINISHED
    assert [a for a in accounts(synced_connection) if not (a.get("name") or "").strip()] == []
    for name, column in OPTION_COLUMNS.items():
        codes = bc_codes(synced_connection, name)
        assert len(codes) == {"PAYMENT TERMS": 7, "SHIPMENT METHOD": 5, "SHIPPING AGENT": 4}[name]
        assert {code.casefold() for code in codes} <= set(labels_of(synced_connection, column))
    # The customer mapping converts codes through the option mapping rows: 10000 has 30 DAYS.
    adatum = Coupling.objects.get(mapping__name="CUSTOMER", bc_number="10000")
    row = integration_dataverse(synced_connection).get("accounts", str(adatum.sales_id))
    assert row["paymenttermscode"] == OptionMapping.objects.get(
        mapping__name="PAYMENT TERMS", bc_code="30 DAYS").option_value
    # From Sales, the full synchronization created the Sales customers BC lacked, and only them:
    # none from an option mapping's blank account.
    created = bc_customer_names(synced_connection) - customers_before
    assert "" not in created and created <= sales_customers
