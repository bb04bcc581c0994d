"""A worker killed in the middle of a full synchronization: another worker resumes the job from
its last confirmed page, the run completes, and nothing exists twice."""

import contextlib
import os
import signal
from pathlib import Path

import pytest
import redis
from django.db.models import Count

from mappings.models import Coupling
from synchronization import fullsync
from synchronization.models import FullSyncRun, JobStatus, LineStatus, RunStatus, SyncJob
from synchronization.worker import TICK_LOCK
from tests.fixtures.worker import wait_for
from tests.synchronization.reconcile_support import (
    assert_option_values_and_named_accounts,
    assert_reconciles_clean,
)
from tests.synchronization.test_full_sync_support import assert_dependency_order

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
SALES = ("accounts", "contacts", "products", "transactioncurrencies", "uomschedules",
         "pricelevels", "opportunities", "invoices")
BC = ("customers", "contacts", "items", "currencies", "salespeoplePurchasers", "opportunities")


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def kill_with_its_work_horse(worker) -> None:
    """SIGKILL the worker and the work horse running the job (RQ puts the horse in a process
    group of its own, so killing the worker's group alone leaves the job running)."""
    for pid in children(worker.process.pid):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
    worker.kill()


def ended(run: FullSyncRun) -> bool:
    run.refresh_from_db()
    return run.status != RunStatus.RUNNING


def snapshot(sandbox) -> dict[str, int]:
    counts = {f"sales {e}": sandbox.records("dataverse", e)["count"] for e in SALES}
    counts.update({f"bc {e}": sandbox.records("business_central", e)["count"] for e in BC})
    return counts


def assert_couplings_unique() -> None:
    for side in ("bc_id", "sales_id"):
        twice = Coupling.objects.values("mapping", side).annotate(n=Count("pk")).filter(n__gt=1)
        assert not twice.exists(), list(twice)


def test_a_killed_worker_s_run_completes_on_another_worker_with_no_duplicates(
        synced_connection, sandbox_clean, start_worker, monkeypatch, redis_url):
    monkeypatch.setenv("SYNC_STALE_AFTER_SECONDS", "3")
    monkeypatch.setenv("SYNC_TICK_SECONDS", "1")
    redis.Redis.from_url(redis_url).delete(TICK_LOCK)  # the new workers' 1 s tick takes over
    sandbox_clean.settings(dataverse={"latency_ms": 60}, business_central={"latency_ms": 60})
    try:
        first = start_worker()
        run = fullsync.start_run(synced_connection, "tester")
        victim = wait_for(lambda: SyncJob.objects.filter(
            mapping_name="CUSTOMER", status=JobStatus.RUNNING).first(), 120)
        kill_with_its_work_horse(first)
        # The dead worker's RQ scheduler lock would keep scheduled work (the tick that resumes
        # abandoned jobs) waiting for RQ's maintenance interval (10 minutes); a test expires it.
        store = redis.Redis.from_url(redis_url)
        store.delete("rq:scheduler-lock:default", TICK_LOCK)
        start_worker()
        wait_for(lambda: ended(run), 180)
        victim.refresh_from_db()
        assert victim.status == JobStatus.FAILED and "worker stopped" in victim.message
        resumed = SyncJob.objects.get(resumed_from=victim)
        assert resumed.status in (JobStatus.FINISHED, JobStatus.FAILED)
        assert run.lines.get(name="CUSTOMER").status == LineStatus.FINISHED
        assert run.status == RunStatus.FINISHED
        assert_dependency_order(run)
        assert_couplings_unique()
        after_crash = snapshot(sandbox_clean)
        # The oracle: both systems hold what the mappings say after the crash and the resume.
        assert_reconciles_clean()
        assert_option_values_and_named_accounts(synced_connection)

        # The same run on the same demo data, uninterrupted, leaves the same records (no
        # latency needed now: nothing is to be killed mid-way).
        sandbox_clean.reset_settings()
        sandbox_clean.reset()
        Coupling.objects.all().delete()
        again = fullsync.start_run(synced_connection, "tester")
        wait_for(lambda: ended(again), 300)
        assert snapshot(sandbox_clean) == after_crash
    finally:
        sandbox_clean.reset_settings()
