"""An initial (full) synchronization never creates a record that already exists, uncoupled, on
the other side: it couples it on the mapping's match fields first. Read back from both
systems through the sandbox."""

import pytest

from mappings.models import Coupling, IntegrationTableMapping
from synchronization import fullsync
from synchronization.models import FullSyncRun, RunStatus, SyncJob
from tests.connection.test_wizard import run_steps_1_to_3, step_url
from tests.synchronization.reconcile_support import (
    MATCHING,
    assert_option_values_and_named_accounts,
    assert_reconciles_clean,
    bc_customer_names,
    duplicates,
    ids_by_name,
    mapping_report,
    sales_account_names,
)
from tests.synchronization.test_full_sync_support import InlineQueue, install_inline_queue

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queue(monkeypatch) -> InlineQueue:
    return install_inline_queue(monkeypatch)


def test_a_full_synchronization_couples_customers_that_exist_on_both_sides(
    synced_connection, queue
):
    bc_before = bc_customer_names(synced_connection)
    sales_before = sales_account_names(synced_connection)
    assert all(bc_before[name] == 1 and sales_before[name] == 1 for name in MATCHING)
    run = fullsync.start_run(synced_connection, "tester")
    queue.drain()
    run.refresh_from_db()
    assert run.status == RunStatus.FINISHED
    bc_after = bc_customer_names(synced_connection)
    sales_after = sales_account_names(synced_connection)
    assert duplicates(bc_after) == {} and duplicates(sales_after) == {}
    assert set(bc_after) == set(bc_before) | set(sales_before)
    # Customers whose salesperson has no Sales user fail to cross (the full sync tests say why).
    assert set(sales_before) <= set(sales_after) <= set(bc_before) | set(sales_before)
    customer = IntegrationTableMapping.objects.get(connection=synced_connection, name="CUSTOMER")
    pairs = set(Coupling.objects.filter(mapping=customer).values_list("bc_id", "sales_id"))
    bc_ids, sales_ids = ids_by_name(synced_connection)
    for name in MATCHING:
        assert (bc_ids[name], sales_ids[name]) in pairs, name


def test_the_review_pages_start_creates_no_duplicates_and_reconciles_clean(
    admin_client, synced_connection, queue
):
    response = admin_client.post("/sync/full-sync/start/", {"mode": "start", "confirmed": "on"})
    assert response.status_code == 302
    queue.drain()
    assert duplicates(bc_customer_names(synced_connection)) == {}
    assert duplicates(sales_account_names(synced_connection, active_customers_only=False)) == {}
    report = assert_reconciles_clean()  # every mapping, every line of the run
    assert {m["mapping"] for m in report["mappings"]} == set(
        IntegrationTableMapping.objects.filter(connection=synced_connection)
        .values_list("name", flat=True))
    prices = mapping_report(report, "SALESPRC-PRODPRICE")["counts"]
    assert prices["bc"] == prices["sales"] == prices["coupled"] == 12
    assert_option_values_and_named_accounts(synced_connection)


def test_the_wizards_full_synchronization_couples_first_and_creates_no_duplicates(
    admin_client, sandbox_clean, queue
):
    creds = sandbox_clean.credentials
    connection = run_steps_1_to_3(admin_client, creds)
    admin_client.post(step_url(connection, 4), {
        "import_solution": "on", "admin_user": creds["admin_user"],
        "admin_password": creds["admin_password"], "enable_connection": "on",
        "proxy_version": "9.2"})
    admin_client.post(step_url(connection, 5), {
        "use_default_setup": "on", "mappings": ["SALESPEOPLE", "CUSTOMER", "CURRENCY",
                                                 "PAYMENT TERMS", "SHIPMENT METHOD",
                                                 "SHIPPING AGENT", "CONTACT"]})
    form = admin_client.get(step_url(connection, 6)).context["form"]
    admin_client.post(step_url(connection, 6),
                      {name: field.initial or "" for name, field in form.fields.items()})
    summary = admin_client.get(step_url(connection, 7)).content.decode()
    assert "Couple Records" in summary and "nothing is created twice" in summary
    bc_before = bc_customer_names(connection)
    response = admin_client.post(step_url(connection, 7), {"run_full_sync": "1"})
    assert response.url == "/sync/full-sync/"
    queue.drain()
    job = SyncJob.objects.get(kind="initial_sync")
    assert job.status == "finished", job.message
    assert job.result["coupled"]["CUSTOMER"]["coupled"] == len(MATCHING)
    assert "CUSTOMER: 4 coupled on Name = name" in job.message
    assert FullSyncRun.objects.get(pk=job.result["full_sync_run"]).status == RunStatus.FINISHED
    bc_after = bc_customer_names(connection)
    assert duplicates(bc_after) == {} and sum(bc_after.values()) == sum(bc_before.values()) + 5
    assert duplicates(sales_account_names(connection, active_customers_only=False)) == {}
    customer = IntegrationTableMapping.objects.get(connection=connection, name="CUSTOMER")
    pairs = set(Coupling.objects.filter(mapping=customer).values_list("bc_id", "sales_id"))
    bc_ids, sales_ids = ids_by_name(connection)
    assert all((bc_ids[name], sales_ids[name]) in pairs for name in MATCHING)
    assert_reconciles_clean()
    assert_option_values_and_named_accounts(connection)
