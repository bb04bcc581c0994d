"""kill -9 of the worker in the middle of a full synchronization, then a new worker: the
scheduler finds the job abandoned, resumes it from its last confirmed page, and the run ends
with every record coupled once to a record that exists, nothing missing and nothing twice."""

import contextlib
import os
import signal

import django_rq
import psutil
import pytest

from synchronization import jobs
from synchronization.models import JobQueueEntry, JobStatus, SyncDirection, SyncJob
from synchronization.worker import TICK_LOCK
from tests.fixtures.worker import wait_for
from tests.synchronization.engine_support import mapping
from tests.synchronization.test_faults_support import (
    accounts,
    assert_couplings_consistent,
    assert_nothing_lost,
    duplicated,
    presync,
    start,
    unblocked_customers,
)

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CUSTOMERS = 1000
# 4 ms per operation: each batch of 500 is answered 2 s after the sandbox applied it, a window
# in which the worker dies having written records it never heard about.
SLOW_DATAVERSE = {"server_time_ms": 4}
# A stale heartbeat is noticed quickly: a live job's heartbeat thread beats four times as often.
STALE_SECONDS = 3


def reading(sandbox) -> bool:
    """Source pages are being read and nothing has been written yet."""
    counters = sandbox.counters()
    return counters["business_central"]["requests"] >= 1 and counters["dataverse"]["writes"] == 0


def writing(sandbox) -> bool:
    """The sandbox applied part of a batch whose answer the worker has not received."""
    return sandbox.counters()["dataverse"]["writes"] > 0


@pytest.fixture
def crash_setup(synced_connection, sandbox_clean, start_worker, monkeypatch):
    """Dependencies synchronized by a worker whose scheduler ticks every second."""
    monkeypatch.setenv("SYNC_STALE_AFTER_SECONDS", str(STALE_SECONDS))
    monkeypatch.setenv("SYNC_TICK_SECONDS", "1")
    # A tick lock left by earlier tests' workers would skip this worker's first tick.
    django_rq.get_connection(jobs.QUEUE).delete(TICK_LOCK)
    # Only recovery is under test: the job queue entries must not start runs of their own.
    JobQueueEntry.objects.update(enabled=False)
    sandbox_clean.reset(customers=CUSTOMERS)
    worker = start_worker()
    presync(synced_connection)
    sandbox_clean.settings(dataverse=SLOW_DATAVERSE)
    sandbox_clean.reset_counters()
    sandbox_clean.accounts_before = set(accounts(sandbox_clean))
    return worker


def kill_hard(worker) -> None:
    """SIGKILL the worker and every process it forked. RQ's work horse calls setsid(), so
    killing the worker's process group alone leaves the horse running the job."""
    family = [worker.process.pid, *(child.pid for child in
                                    psutil.Process(worker.process.pid).children(recursive=True))]
    for pid in family:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    worker.process.wait()
    # The dead worker's tick lock would expire by itself within a tick; expire it now.
    django_rq.get_connection(jobs.QUEUE).delete(TICK_LOCK)


def resumed_and_ended(first: SyncJob) -> SyncJob | None:
    last = SyncJob.objects.filter(pk=first.pk).first()
    while last is not None and last.status == JobStatus.FAILED:
        last = SyncJob.objects.filter(resumed_from=last).first()
    return last if last is not None and last.status == JobStatus.FINISHED else None


@pytest.mark.parametrize("kill_when", [reading, writing], ids=["while reading",
                                                               "mid-batch"])
def test_a_killed_run_is_resumed_and_ends_without_duplicates(synced_connection, sandbox_clean,
                                                             crash_setup, start_worker,
                                                             kill_when):
    first = start(synced_connection, "CUSTOMER", direction=SyncDirection.TO_SALES)[0]
    wait_for(lambda: kill_when(sandbox_clean), 30, interval=0.02)
    kill_hard(crash_setup)
    start_worker()
    finished = wait_for(lambda: resumed_and_ended(first), 50)
    assert finished.pk != first.pk and finished.resumed_from_id is not None
    assert SyncJob.objects.get(pk=first.pk).status == JobStatus.FAILED

    customer = mapping(synced_connection, "CUSTOMER")
    created = accounts(sandbox_clean)
    assert_nothing_lost(customer, set(unblocked_customers(sandbox_clean)))
    assert_couplings_consistent(customer, set(created))
    new = {key: row for key, row in created.items() if key not in sandbox_clean.accounts_before}
    coupled = {str(i) for i in customer.couplings.values_list("sales_id", flat=True)}
    assert set(new) == coupled - sandbox_clean.accounts_before  # no orphan from the first try
    assert not duplicated(row["name"] for row in new.values())
