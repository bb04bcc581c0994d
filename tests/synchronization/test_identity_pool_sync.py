"""A full synchronization through an identity pool: the primary credential and three further
application users write, nothing is duplicated, and their writes are the integration's own."""

from datetime import timedelta

import pytest
from django.utils import timezone

from connection import sales_metadata, services, solution
from connection.models import ConnectionSetup, IdentityCheck
from synchronization.models import JobStatus, SyncDirection, SyncMode
from synchronization.sides import SalesSide
from synchronization.throttle import gauge_rows
from tests.connection.pool_support import add_pool_identities
from tests.synchronization.engine_support import admin_dataverse, errors, mapping, run_now
from tests.synchronization.test_faults_support import (
    accounts,
    assert_couplings_consistent,
    duplicated,
)

pytestmark = pytest.mark.django_db

CUSTOMERS = 1000
DEPENDENCIES = ("SALESPEOPLE", "CURRENCY", "PAYMENT TERMS", "SHIPMENT METHOD", "SHIPPING AGENT")


@pytest.fixture
def pooled(synced_connection, sandbox_clean):
    """Generated customers, their dependencies synchronized, three pool identities added."""
    sandbox_clean.reset(customers=CUSTOMERS)
    for name in DEPENDENCIES:
        run_now(mapping(synced_connection, name), SyncMode.ALL, ignore_synch_only_coupled=True)
    add_pool_identities(synced_connection, sandbox_clean.credentials)
    ConnectionSetup.objects.filter(pk=synced_connection.pk).update(sales_batch_size=100)
    sandbox_clean.reset_counters()
    return mapping(synced_connection, "CUSTOMER")


def full_to_sales(target):
    [job] = run_now(target, SyncMode.ALL, direction=SyncDirection.TO_SALES,
                    ignore_synch_only_coupled=True)
    return job


def test_a_full_sync_writes_through_every_identity_without_duplicates(pooled, sandbox_clean):
    job = full_to_sales(pooled)
    assert job.status == JobStatus.FINISHED, job.message
    assert job.inserted >= CUSTOMERS
    # The demo's customers whose salesperson has no Sales user fail as they do without a pool.
    assert all("must be coupled" in message for message in errors(job)), errors(job)
    writes = sandbox_clean.counters()["dataverse"]["writes_by_caller"]
    pool = [app["client_id"] for app in sandbox_clean.credentials["pool_identities"]]
    assert all(writes.get(client_id, 0) > 0 for client_id in pool), writes
    rows = accounts(sandbox_clean).values()
    assert not duplicated(row["name"] for row in rows if row["name"].startswith("Generated"))
    assert_couplings_consistent(pooled, set(accounts(sandbox_clean)))


def test_the_gauge_has_a_line_per_identity(pooled, sandbox_clean):
    job = full_to_sales(pooled)
    lines = job.throttle["dataverse"]
    assert set(lines) == {"application user", "bcsales pool 1", "bcsales pool 2",
                          "bcsales pool 3"}
    assert all(line["requests"] > 0 for line in lines.values())
    shown = [row.identity for row in gauge_rows(job.throttle) if row.service != "Business Central"]
    assert sorted(shown) == sorted(lines)


def test_the_pool_identities_writes_are_not_taken_for_a_users_changes(pooled, sandbox_clean):
    before = timezone.now() - timedelta(seconds=2)
    run_now(pooled, SyncMode.ALL, ignore_synch_only_coupled=True)  # both directions
    target = mapping(pooled.connection, "CUSTOMER")
    client = services.dataverse_client(pooled.connection)
    ids = sales_metadata.integration_user_ids(pooled.connection, client)
    assert len(ids) == 4
    assert not SalesSide(target, client, integration_user_ids=ids) \
        .has_changes_since(target.sales_watermark)
    # The same question asked with the integration user alone sees the pool's writes (asked
    # from before the run: whether they fall in the watermark's last second depends on load).
    assert SalesSide(target, client, integration_user_ids=ids[:1]).has_changes_since(before)
    assert not SalesSide(target, client, integration_user_ids=ids).has_changes_since(before)
    [from_sales] = run_now(target, SyncMode.MODIFIED, direction=SyncDirection.FROM_SALES)
    assert from_sales.status == JobStatus.FINISHED, from_sales.message
    assert from_sales.inserted == from_sales.modified == from_sales.failed == 0


def test_refused_identities_are_set_aside_and_their_share_written_by_the_others(
        pooled, sandbox_clean):
    creds = sandbox_clean.credentials
    first, second, third = pooled.connection.sales_identities.order_by("pk")
    # One secret was rotated in Entra ID (no token), one application user disabled in Sales
    # (403 "not a member of the organization") after both had passed their check.
    second.client_secret = "rotated-away"
    second.save()
    admin = admin_dataverse(pooled.connection, creds)
    admin.update("systemusers", solution.application_user_id(admin, third.client_id),
                 {"isdisabled": True})
    job = full_to_sales(pooled)
    assert job.status == JobStatus.FINISHED, job.message
    assert all("must be coupled" in message for message in errors(job)), errors(job)
    for refused in (second, third):
        assert f"The application user {refused.name} was refused" in job.message
        refused.refresh_from_db()
        assert refused.check_status == IdentityCheck.FAILED
        assert refused.check_detail.startswith("Refused during a synchronization job")
    assert "set aside for the rest of the run" in job.message
    # The job's gauge, live and after the end, marks them with the services' answer.
    aside = {row.identity: row.set_aside for row in gauge_rows(job.throttle) if row.set_aside}
    assert set(aside) == {second.name, third.name} and all(aside.values())
    writes = sandbox_clean.counters()["dataverse"]["writes_by_caller"]
    assert writes.get(first.client_id, 0) > 0 and not writes.get(third.client_id)
    rows = accounts(sandbox_clean).values()
    assert not duplicated(row["name"] for row in rows if row["name"].startswith("Generated"))
    assert_couplings_consistent(pooled, set(accounts(sandbox_clean)))
    # The next run leaves them out from the start: they wait for a passing check.
    assert [i.name for i in services.writing_identities(pooled.connection)] == [first.name]
