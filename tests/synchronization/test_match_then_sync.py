"""Match-Based Coupling with "Synch. after match-based coupling": the synchronization is a job
chained to the match job, so it runs once the match job has released the mapping."""

import pytest

from mappings.matching import MatchField, MatchOptions
from synchronization import runs
from synchronization.models import JobStatus, SyncError, SyncJob
from tests.synchronization.engine_support import (
    bc,
    couplings,
    full,
    integration_dataverse,
    mapping,
)
from tests.synchronization.reconcile_support import (
    assert_reconciles_clean,
    mapping_report,
    reconcile_json,
)
from tests.synchronization.test_full_sync_support import install_inline_queue

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_sync_after_matching_runs_after_the_match_job_and_writes_the_coupled_accounts(
        synced_connection, monkeypatch, admin_client):
    for name in ("SALESPEOPLE", "CURRENCY", "PAYMENT TERMS", "SHIPMENT METHOD",
                 "SHIPPING AGENT"):
        full(mapping(synced_connection, name))
    queue = install_inline_queue(monkeypatch)
    customer = mapping(synced_connection, "CUSTOMER")
    match = runs.start_match_coupling(customer, MatchOptions(
        (MatchField("displayName", "name"),), synch_after=True))
    queue.drain()

    match.refresh_from_db()
    matched = match.result["counts"]["Matched"]
    assert match.status == JobStatus.FINISHED and matched == 4
    assert (match.modified, match.failed) == (4, 0)
    assert match.records_done == sum(match.result["counts"].values())  # every record counted
    sync = SyncJob.objects.get(pk=match.result["sync_job"])
    assert sync.status == JobStatus.FINISHED and sync.started_at >= match.finished_at
    assert sync.modified + sync.unchanged + sync.failed == matched
    assert sync.modified > 0
    # Both systems: each matched account now carries its BC customer's phone number.
    phones = {c["id"]: c["phoneNumber"] for c in bc(synced_connection).query("customers")}
    sales = integration_dataverse(synced_connection)
    for coupling in couplings(customer).filter(last_sales_result="success"):
        account = sales.get("accounts", str(coupling.sales_id), select=["telephone1"])
        assert account["telephone1"] == phones[str(coupling.bc_id)]
    page = admin_client.get(f"/sync/jobs/{match.pk}/").content.decode()
    assert "Adatum Corporation" in page and f"job {sync.pk}" in page
    # The oracle: nothing is duplicated, blank or dangling, and the matched pairs agree except
    # those whose synchronization failed, each with its open error saying why (Relecloud's
    # salesperson has no Sales user).
    assert_reconciles_clean("PAYMENT TERMS", "SHIPMENT METHOD", "SHIPPING AGENT")
    status, report = reconcile_json("--mapping", "CUSTOMER")
    found = mapping_report(report, "CUSTOMER")
    failing = {str(e.source_id).lower(): e.message for e in SyncError.objects.filter(
        mapping=customer, resolved=False)}
    assert sync.failed == len(failing) == found["counts"]["drift"] == 1
    assert {d["bc_id"] for d in found["findings"]["drift"]} == set(failing)
    assert "must be coupled" in next(iter(failing.values()))
    assert found["counts"]["coupled"] == matched and status == 1
    assert found["problems"] == found["counts"]["drift"]
