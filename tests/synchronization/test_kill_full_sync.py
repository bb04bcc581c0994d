"""kill -9 of the worker and its work horse at five moments of a full synchronization of the
demo plus 10,000 generated customers, a new worker started each time: right after the CUSTOMER
job starts, right after its resumption starts, twice in the middle of its writes, and in its
From Integration Table direction. The run ends Finished, and both systems hold exactly what the
mappings say: reconcile (the oracle) is clean, and reading both sides back through their APIs
finds no duplicate, no missing customer, no blank account and no dangling coupling. A smaller
run does the same while a tenth of all requests fail (bench/faults.py measures the full size)."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import redis
from django.db import transaction

from mappings.models import Coupling
from synchronization import fullsync, runs
from synchronization.models import (
    ErrorKind,
    FullSyncRun,
    JobStatus,
    RunStatus,
    SyncDirection,
    SyncError,
    SyncJob,
    SyncMode,
)
from synchronization.worker import TICK_LOCK
from tests.fixtures.worker import wait_for
from tests.synchronization.engine_support import mapping
from tests.synchronization.outcome_support import PROBLEMS, read_back
from tests.synchronization.reconcile_support import assert_reconciles_clean
from tests.synchronization.test_faults_support import (
    CUSTOMER_DEPENDENCIES,
    ended,
    run_through_worker,
)

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CUSTOMERS = 10_000
# A live job beats four times per threshold; a killed one is found within a few seconds.
STALE_SECONDS = 5
DEMO_FAILURES = 3


def running(direction: str, resumed: bool | None = None) -> SyncJob | None:
    jobs = SyncJob.objects.filter(mapping_name="CUSTOMER", direction=direction,
                                  status=JobStatus.RUNNING)
    if resumed is not None:
        jobs = jobs.filter(resumed_from__isnull=not resumed)
    return jobs.first()


def coupled(connection) -> int:
    return Coupling.objects.filter(mapping=mapping(connection, "CUSTOMER")).count()


def moments(connection) -> list[tuple[str, Callable[[], object]]]:
    return [
        ("right after the CUSTOMER job started", lambda: running(SyncDirection.TO_SALES, False)),
        ("right after its resumption started", lambda: running(SyncDirection.TO_SALES, True)),
        ("with 2,500 customers confirmed", lambda: coupled(connection) >= 2_500),
        ("with 6,500 customers confirmed", lambda: coupled(connection) >= 6_500),
        ("in the From Integration Table direction",
         lambda: running(SyncDirection.FROM_SALES)),
    ]


def faults_and_kills(connection) -> list[tuple[str, Callable[[], object]]]:
    return [
        ("right after the CUSTOMER job started", lambda: running(SyncDirection.TO_SALES, False)),
        ("with 1,000 customers confirmed", lambda: coupled(connection) >= 1_000),
    ]


def kill_and_replace(worker, start_worker, redis_url):
    """SIGKILL the worker and its work horse; start another (its tick resumes the job)."""
    worker.kill()
    # The dead worker's locks would delay the new worker's tick and scheduled jobs.
    redis.Redis.from_url(redis_url).delete(TICK_LOCK, "rq:scheduler-lock:default")
    return start_worker()


def test_five_kills_during_a_10000_customer_full_sync_leave_both_systems_right(
        synced_connection, sandbox_clean, start_worker, monkeypatch, redis_url):
    monkeypatch.setenv("SYNC_STALE_AFTER_SECONDS", str(STALE_SECONDS))
    monkeypatch.setenv("SYNC_TICK_SECONDS", "1")
    redis.Redis.from_url(redis_url).delete(TICK_LOCK)
    sandbox_clean.reset(customers=CUSTOMERS)
    bc_before = sandbox_clean.records("business_central", "customers")["count"]
    began = time.monotonic()
    worker = start_worker()
    run = fullsync.start_run(synced_connection, "tester")
    for moment, reached in moments(synced_connection):
        wait_for(reached, 600, interval=0.02)
        worker = kill_and_replace(worker, start_worker, redis_url)
        print(f"killed {moment} at {time.monotonic() - began:.1f} s")
    run = wait_for(lambda: FullSyncRun.objects.filter(pk=run.pk).exclude(
        status=RunStatus.RUNNING).first(), 900)
    elapsed = time.monotonic() - began
    # The check below runs here, in the test process: no worker tick (time-scaled to take a
    # job silent for 5 s for abandoned) may take it for a dead worker's job.
    worker.stop()
    assert run.status == RunStatus.FINISHED, (run.status, run.message)
    assert SyncJob.objects.filter(mapping_name="CUSTOMER", resumed_from__isnull=False).count() >= 4

    figures = read_back(synced_connection)
    print(f"5 kills, {CUSTOMERS} customers: {figures}, {elapsed:.0f} s")
    assert {k: figures[k] for k in PROBLEMS} == dict.fromkeys(PROBLEMS, 0), figures
    # As without kills: the demo's three customers whose salesperson Sales lacks fail, visibly.
    assert figures["failed"] == DEMO_FAILURES, figures
    # No BC customer was created from an account a killed job wrote and did not couple.
    created_in_bc = figures["bc customers"] - bc_before
    assert created_in_bc <= figures["sales accounts"] - CUSTOMERS, figures
    assert_reconciles_clean()


FAULTS = {"fault_rate": 0.1, "timeout_seconds": 0.3,
          "fault_kinds": ["429", "500", "503", "timeout", "drop"]}


def retry_open_errors(connection, names) -> None:
    """The errors page's Retry of each mapping's open errors, one mapping after the other."""
    for name in names:
        errors = SyncError.objects.filter(mapping=mapping(connection, name), resolved=False,
                                          kind=ErrorKind.ERROR)
        if not errors.exists():
            continue
        with transaction.atomic():
            retried = runs.retry_errors(errors)
        wait_for(lambda jobs=retried: ended(jobs), 300)


def test_kills_while_a_tenth_of_requests_fail_leave_both_systems_right(
        synced_connection, sandbox_clean, start_worker, monkeypatch, redis_url):
    monkeypatch.setenv("SYNC_STALE_AFTER_SECONDS", str(STALE_SECONDS))
    monkeypatch.setenv("SYNC_TICK_SECONDS", "1")
    redis.Redis.from_url(redis_url).delete(TICK_LOCK)
    sandbox_clean.reset(customers=2_000)
    worker = start_worker()
    # time_scale 60: Retry-After waits last a second or two.
    sandbox_clean.settings(time_scale=60, dataverse=FAULTS, business_central=FAULTS)
    try:
        run = fullsync.start_run(synced_connection, "tester")
        for _moment, reached in faults_and_kills(synced_connection):
            wait_for(reached, 600, interval=0.02)
            worker = kill_and_replace(worker, start_worker, redis_url)
        run = wait_for(lambda: FullSyncRun.objects.filter(pk=run.pk).exclude(
            status=RunStatus.RUNNING).first(), 900)
        faults = sandbox_clean.counters()
    finally:
        sandbox_clean.reset_settings()
    assert run.status == RunStatus.FINISHED, (run.status, run.message)
    assert faults["dataverse"]["faults"] + faults["business_central"]["faults"] > 0
    figures = read_back(synced_connection)
    assert {k: figures[k] for k in PROBLEMS} == dict.fromkeys(PROBLEMS, 0), figures
    # A write the client gave up on (a 500 is not retried) is a visible error, not a loss:
    # the next scheduled run synchronizes it, as it retries every failed record.
    assert figures["failed"] >= DEMO_FAILURES, figures
    # A fault may also have failed what the customers look up (a salesperson's coupling, and
    # with it every customer of that salesperson): the errors page's Retry of those mappings
    # first, as an administrator does, then the customers.
    retry_open_errors(synced_connection, CUSTOMER_DEPENDENCIES)
    # Both directions, as the job queue entry runs them: a fault may have failed an account's
    # creation in Business Central as well as a customer's in Sales.
    run_through_worker(synced_connection, "CUSTOMER", 300, mode=SyncMode.MODIFIED)
    # A record that failed twice with the same fault is skipped (as in BC); the errors page's
    # Retry runs it again, in Selected mode.
    retry_open_errors(synced_connection, ["CUSTOMER"])
    customers = mapping(synced_connection, "CUSTOMER")
    worker.stop()  # no tick may take the check below for a dead worker's job
    figures = read_back(synced_connection)
    assert {k: figures[k] for k in PROBLEMS} == dict.fromkeys(PROBLEMS, 0), figures
    still_failing = list(SyncError.objects.filter(mapping=customers, resolved=False).values_list(
        "direction", "source_label", "message"))
    # Printed whole (shown when the test fails): pytest cuts a long assertion message short.
    print("open errors of every mapping:", *SyncError.objects.filter(resolved=False).values_list(
        "mapping__name", "direction", "source_label", "message"), sep="\n  ")
    assert figures["failed"] == DEMO_FAILURES, (figures, still_failing)
    assert_reconciles_clean()
