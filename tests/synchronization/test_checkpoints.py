"""Checkpoints per written batch, and adoption on resume.

The first attempt runs here and "dies" right after the sandbox applied one of its batches (an
exception no job handler catches, raised where a SIGKILL would land: after the batch was sent,
before it was confirmed). The scheduler then finds the job abandoned and resumes it; the
replacement runs here too. The kill -9 tests with real worker processes are in
test_kill_full_sync.py.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from connection.models import ConnectionSetup
from mappings.models import Coupling
from synchronization import jobs, runs, scheduler
from synchronization.models import JobStatus, SyncDirection, SyncJob, SyncMode
from synchronization.sides import SalesSide
from synchronization.writes import deterministic_id
from tests.synchronization.engine_support import mapping, run_now
from tests.synchronization.test_faults_support import (
    accounts,
    assert_couplings_consistent,
    assert_nothing_lost,
    duplicated,
    unblocked_customers,
)

pytestmark = pytest.mark.django_db

CUSTOMERS = 1000
BATCH = 100
DEPENDENCIES = ("SALESPEOPLE", "CURRENCY", "PAYMENT TERMS", "SHIPMENT METHOD", "SHIPPING AGENT")


class Killed(BaseException):
    """Stands for SIGKILL: no handler of the job catches it, nothing is recorded after it."""


@pytest.fixture
def customers(synced_connection, sandbox_clean):
    """Generated customers, their dependencies synchronized, Sales written one batch at a time."""
    sandbox_clean.reset(customers=CUSTOMERS)
    for name in DEPENDENCIES:
        run_now(mapping(synced_connection, name), SyncMode.ALL, ignore_synch_only_coupled=True)
    ConnectionSetup.objects.filter(pk=synced_connection.pk).update(
        sales_batch_size=BATCH, sales_concurrency=1)
    sandbox_clean.accounts_before = set(accounts(sandbox_clean))
    return mapping(synced_connection, "CUSTOMER")


def die_after_batches(monkeypatch, count: int) -> None:
    """The worker dies once the sandbox applied ``count`` batches of accounts."""
    real_send = SalesSide._send
    sent = []

    def send(side, batch):
        outcomes = real_send(side, batch)
        sent.append(len(batch.ids))
        if len(sent) == count:
            raise Killed
        return outcomes

    monkeypatch.setattr(SalesSide, "_send", send)


def first_attempt_killed(target, monkeypatch, batches: int) -> SyncJob:
    [job] = started(target)
    die_after_batches(monkeypatch, batches)
    with pytest.raises(Killed):
        jobs.run(job.pk)
    monkeypatch.undo()
    return SyncJob.objects.get(pk=job.pk)


def started(target) -> list[SyncJob]:
    return runs.start_mapping_sync(target, SyncMode.ALL, direction=SyncDirection.TO_SALES,
                                   ignore_synch_only_coupled=True)


def resume(job: SyncJob) -> SyncJob:
    """The scheduler's recovery after the heartbeat went stale, then the replacement's run."""
    SyncJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    [replacement] = scheduler.recover_abandoned()
    jobs.run(replacement.pk)
    return SyncJob.objects.get(pk=replacement.pk)


def test_a_killed_job_keeps_every_batch_confirmed_before_the_kill(customers, monkeypatch):
    killed = first_attempt_killed(customers, monkeypatch, batches=4)
    assert killed.status == JobStatus.RUNNING  # as a SIGKILL leaves it
    assert Coupling.objects.filter(mapping=customers).count() == 3 * BATCH
    assert killed.inserted + killed.modified == 3 * BATCH


def test_a_resumed_job_writes_no_confirmed_record_again(customers, sandbox_clean, monkeypatch):
    killed = first_attempt_killed(customers, monkeypatch, batches=4)
    confirmed = Coupling.objects.filter(mapping=customers).count()
    sandbox_clean.reset_counters()
    replacement = resume(killed)
    assert replacement.status == JobStatus.FINISHED, replacement.message
    writes = sandbox_clean.counters()["dataverse"]["writes"]
    # Nothing confirmed is written again, and the batch in flight when the worker died is
    # adopted instead of sent again (a rewrite of it alone would exceed this bound).
    assert writes <= len(unblocked_customers(sandbox_clean)) - confirmed - BATCH
    assert_one_account_per_customer(customers, sandbox_clean)


def test_a_resumed_job_adopts_the_records_the_killed_attempt_created(customers, sandbox_clean,
                                                                    monkeypatch):
    killed = first_attempt_killed(customers, monkeypatch, batches=2)
    in_flight = set(accounts(sandbox_clean)) - sandbox_clean.accounts_before - {
        str(i) for i in Coupling.objects.filter(mapping=customers)
        .values_list("sales_id", flat=True)}
    assert len(in_flight) == BATCH  # written by the killed attempt, never coupled
    replacement = resume(killed)
    coupled = {str(i) for i in Coupling.objects.filter(mapping=customers)
               .values_list("sales_id", flat=True)}
    assert in_flight <= coupled
    adopted = Coupling.objects.filter(mapping=customers, sales_id__in=in_flight)
    assert {str(c.sales_id) for c in adopted} == {deterministic_id(customers, str(c.bc_id))
                                                 for c in adopted}
    new = set(accounts(sandbox_clean)) - sandbox_clean.accounts_before
    assert killed.inserted + replacement.inserted == len(new)  # each counted once
    assert f"resumed as job #{replacement.pk} " in SyncJob.objects.get(pk=killed.pk).message
    assert_one_account_per_customer(customers, sandbox_clean)


def assert_one_account_per_customer(target, sandbox) -> None:
    created = accounts(sandbox)
    assert_nothing_lost(target, set(unblocked_customers(sandbox)))
    assert_couplings_consistent(target, set(created))
    new = {key: row for key, row in created.items() if key not in sandbox.accounts_before}
    coupled = {str(i) for i in target.couplings.values_list("sales_id", flat=True)}
    assert set(new) == coupled - sandbox.accounts_before  # no orphan from the killed attempt
    assert not duplicated(row["name"] for row in new.values())
