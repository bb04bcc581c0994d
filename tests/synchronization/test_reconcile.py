"""The reconciliation check against the sandbox: each kind of finding, made through the
services' APIs the way people and faults make them, is found, and a clean state is clean."""

import time

import pytest

from connection import services
from mappings.models import Coupling
from synchronization.models import ReconcileReport, SyncJob
from tests.connection.pool_support import add_pool_identities
from tests.synchronization.engine_support import (
    admin_dataverse,
    bc,
    full,
    integration_dataverse,
    mapping,
)
from tests.synchronization.reconcile_support import mapping_report, reconcile_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def customers_synced(synced_connection):
    """CUSTOMER synchronized in full (with what it needs) and its couplings."""
    for name in ("SALESPEOPLE", "CURRENCY", "PAYMENT TERMS", "SHIPMENT METHOD",
                 "SHIPPING AGENT", "CUSTOMER"):
        full(mapping(synced_connection, name))
    return synced_connection


def coupled_account(connection, name: str) -> Coupling:
    couplings = Coupling.objects.filter(mapping=mapping(connection, "CUSTOMER"))
    client = integration_dataverse(connection)
    for coupling in couplings:
        row = client.get("accounts", str(coupling.sales_id), select=["name"])
        if row.get("name") == name:
            return coupling
    raise AssertionError(f"{name} is not coupled")


def test_a_freshly_synchronized_customer_mapping_reconciles_clean(customers_synced):
    status, report = reconcile_json("--mapping", "CUSTOMER")
    customer = mapping_report(report, "CUSTOMER")
    assert customer["error"] == ""
    assert customer["problems"] == 0, customer
    assert status == 0
    counts = customer["counts"]
    assert counts["coupled"] > 0 and counts["bc"] >= counts["coupled"]
    stored = ReconcileReport.objects.get(mapping__name="CUSTOMER")
    assert stored.problems == 0 and stored.report["counts"] == counts
    assert SyncJob.objects.filter(kind="reconcile").count() == 1


def test_it_finds_a_duplicate_account_made_in_sales(customers_synced, sandbox_clean):
    admin = admin_dataverse(customers_synced, sandbox_clean.credentials)
    admin.create("accounts", {"name": "Adatum Corporation", "customertypecode": 3})
    status, report = reconcile_json("--mapping", "CUSTOMER")
    customer = mapping_report(report, "CUSTOMER")
    assert status == 1
    assert customer["counts"]["duplicates_sales"] == 2
    [group] = customer["findings"]["duplicates_sales"]
    assert {r["label"] for r in group} == {"Adatum Corporation"}


def test_it_finds_a_dangling_coupling_when_the_sales_record_is_deleted(customers_synced,
                                                                       sandbox_clean):
    coupling = coupled_account(customers_synced, "Trey Research")
    admin_dataverse(customers_synced, sandbox_clean.credentials).delete(
        "accounts", str(coupling.sales_id))
    status, report = reconcile_json("--mapping", "CUSTOMER")
    customer = mapping_report(report, "CUSTOMER")
    assert status == 1 and customer["counts"]["dangling"] == 1
    [row] = customer["findings"]["dangling"]
    assert row["coupling_id"] == coupling.pk and row["gone"] == "sales"


def test_it_finds_drift_when_a_person_edits_sales_without_a_sync(customers_synced,
                                                                  sandbox_clean):
    coupling = coupled_account(customers_synced, "Alpine Ski House")
    time.sleep(1.01)  # an edit in a later second than the sync
    admin_dataverse(customers_synced, sandbox_clean.credentials).update(
        "accounts", str(coupling.sales_id), {"telephone1": "555-0199"})
    status, report = reconcile_json("--mapping", "CUSTOMER")
    customer = mapping_report(report, "CUSTOMER")
    assert status == 1 and customer["counts"]["drift"] == 1, customer["counts"]
    [row] = customer["findings"]["drift"]
    assert row["sales_id"] == str(coupling.sales_id)
    assert {f["field"] for f in row["fields"]} == {"telephone1"}
    assert any(f["sales"] == "555-0199" for f in row["fields"])


def test_it_finds_drift_when_a_person_edits_business_central_without_a_sync(customers_synced):
    coupling = coupled_account(customers_synced, "Relecloud")
    bc(customers_synced).update("customers", str(coupling.bc_id), {"phoneNumber": "555-0142"},
                                "*")
    status, report = reconcile_json("--mapping", "CUSTOMER")
    customer = mapping_report(report, "CUSTOMER")
    assert status == 1 and customer["counts"]["drift"] == 1
    [row] = customer["findings"]["drift"]
    assert {f["bc"] for f in row["fields"]} == {"555-0142"}


def test_it_finds_a_blank_account_the_integration_user_created(customers_synced):
    client = integration_dataverse(customers_synced)
    made = client.create("accounts", {"name": "", "customertypecode": 3})
    status, report = reconcile_json("--mapping", "CUSTOMER")
    customer = mapping_report(report, "CUSTOMER")
    assert status == 1 and customer["counts"]["blank"] == 1
    assert customer["findings"]["blank"][0]["id"] == str(made).lower()


def test_it_finds_a_blank_account_an_additional_application_user_created(customers_synced,
                                                                        sandbox_clean):
    [identity] = add_pool_identities(customers_synced, sandbox_clean.credentials, count=1)
    client = services.dataverse_client(
        customers_synced, tokens=services.identity_credential(customers_synced, identity))
    made = client.create("accounts", {"name": "", "customertypecode": 3})
    status, report = reconcile_json("--mapping", "CUSTOMER")
    customer = mapping_report(report, "CUSTOMER")
    assert status == 1 and customer["counts"]["blank"] == 1
    assert customer["findings"]["blank"][0]["id"] == str(made).lower()


def test_uncoupled_records_are_listed_with_their_match_and_reason(customers_synced,
                                                                  sandbox_clean):
    coupling = coupled_account(customers_synced, "Adatum Corporation")
    coupling.delete()
    status, report = reconcile_json("--mapping", "CUSTOMER")
    customer = mapping_report(report, "CUSTOMER")
    assert customer["problems"] == 0 and status == 0  # information, not a problem
    assert customer["counts"]["uncoupled_matches"] == 1
    row = next(r for r in customer["findings"]["uncoupled_bc"] if r["id"] == str(coupling.bc_id))
    assert row["match_id"] == str(coupling.sales_id)
    assert "couple them" in row["reason"]
