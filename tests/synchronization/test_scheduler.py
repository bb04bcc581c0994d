"""Job queue entries: recurring runs, inactivity sleep, wake-ups, and abandoned-job recovery."""

from datetime import timedelta

import pytest
from django.utils import timezone

from synchronization import jobs, scheduler
from synchronization.models import EntryStatus, JobQueueEntry, JobStatus, SyncJob, SyncMode
from synchronization.worker import TICK_LOCK
from tests.fixtures.worker import wait_for
from tests.synchronization.engine_support import (
    admin_dataverse,
    couplings,
    full,
    mapping,
    run_now,
)

pytestmark = pytest.mark.django_db(transaction=True)


def entry_of(connection, name: str) -> JobQueueEntry:
    return JobQueueEntry.objects.get(mapping=mapping(connection, name))


def only(connection, *names):
    """Schedule just these entries, so a tick's work is easy to see."""
    entries = JobQueueEntry.objects.filter(connection=connection)
    entries.exclude(mapping__name__in=names).update(enabled=False)
    entries.filter(mapping__name__in=names).update(enabled=True)


def run_started(entry: JobQueueEntry) -> list[SyncJob]:
    entry.refresh_from_db()
    started = list(scheduler.last_run_jobs(entry).order_by("pk"))
    for job in started:
        jobs.run(job.pk)
    entry.refresh_from_db()
    return started


def test_a_due_entry_starts_a_modified_sync_of_its_mapping(synced_connection):
    only(synced_connection, "CURRENCY")
    scheduler.tick()
    (job,) = SyncJob.objects.filter(mapping_name="CURRENCY")
    assert job.mode == SyncMode.MODIFIED and job.started_by == "Job Queue"
    entry = entry_of(synced_connection, "CURRENCY")
    assert entry.status == EntryStatus.IN_PROCESS
    assert entry.next_run_at > timezone.now() + timedelta(minutes=29)


def test_an_entry_is_not_started_before_its_time(synced_connection):
    only(synced_connection, "CURRENCY")
    JobQueueEntry.objects.filter(connection=synced_connection).update(
        next_run_at=timezone.now() + timedelta(minutes=5))
    scheduler.tick()
    assert not SyncJob.objects.exists()


def test_a_run_that_changed_nothing_puts_the_entry_on_hold_due_to_inactivity(synced_connection):
    full(mapping(synced_connection, "CURRENCY"))
    only(synced_connection, "CURRENCY")
    scheduler.tick()
    entry = entry_of(synced_connection, "CURRENCY")
    run_started(entry)
    assert entry.status == EntryStatus.ON_HOLD_INACTIVITY
    assert entry.inactive_since is not None


def sleeping(connection, name: str) -> JobQueueEntry:
    entry = entry_of(connection, name)
    entry.status, entry.inactive_since = EntryStatus.ON_HOLD_INACTIVITY, timezone.now()
    entry.next_run_at = timezone.now() - timedelta(seconds=1)
    entry.save()
    return entry


def test_a_sleeping_entry_stays_asleep_while_nothing_changes(synced_connection):
    for name in ("SALESPEOPLE", "CURRENCY", "CUSTOMER"):
        full(mapping(synced_connection, name))
    run_now(mapping(synced_connection, "CUSTOMER"))  # its watermarks pass the sync's own writes
    only(synced_connection, "CUSTOMER")
    sleeping(synced_connection, "CUSTOMER")
    scheduler.tick()
    assert not SyncJob.objects.filter(mapping_name="CUSTOMER", started_by="Job Queue").exists()


def test_a_change_in_sales_wakes_a_sleeping_entry(synced_connection, sandbox_clean):
    for name in ("SALESPEOPLE", "CURRENCY", "CUSTOMER"):
        full(mapping(synced_connection, name))
    only(synced_connection, "CUSTOMER")
    sleeping(synced_connection, "CUSTOMER")
    coupled = couplings(mapping(synced_connection, "CUSTOMER")).first()
    admin_dataverse(synced_connection, sandbox_clean.credentials).update(
        "accounts", str(coupled.sales_id), {"telephone1": "555-0142"})
    scheduler.tick()
    assert SyncJob.objects.filter(mapping_name="CUSTOMER", started_by="Job Queue").exists()


def test_an_entry_sleeps_no_longer_than_its_inactivity_timeout(synced_connection):
    full(mapping(synced_connection, "CURRENCY"))
    only(synced_connection, "CURRENCY")
    entry = sleeping(synced_connection, "CURRENCY")
    entry.inactive_since = timezone.now() - timedelta(minutes=entry.inactivity_timeout_period)
    entry.save()
    scheduler.tick()
    assert SyncJob.objects.filter(mapping_name="CURRENCY").exists()


def test_a_job_whose_worker_died_is_resumed_from_its_last_confirmed_page(synced_connection,
                                                                          settings):
    currency = mapping(synced_connection, "CURRENCY")
    dead = SyncJob.objects.create(
        kind="sync_mapping", connection=synced_connection, mapping=currency,
        mapping_name="CURRENCY", direction="ToIntegrationTable", mode=SyncMode.ALL,
        status=JobStatus.RUNNING, cursor={"since": "2024-04-01T00:00:00+00:00"},
        heartbeat_at=timezone.now() - timedelta(seconds=settings.SYNC_STALE_AFTER_SECONDS + 1))
    (replacement,) = scheduler.recover_abandoned()
    dead.refresh_from_db()
    assert dead.status == JobStatus.FAILED and f"#{replacement.pk}" in dead.message
    assert replacement.resumed_from == dead and replacement.cursor == dead.cursor
    jobs.run(replacement.pk)
    replacement.refresh_from_db()
    assert replacement.status == JobStatus.FINISHED


def test_a_resumed_job_settles_its_entry_in_place_of_the_job_it_replaced(synced_connection,
                                                                          settings):
    entry = entry_of(synced_connection, "CURRENCY")
    entry.status, entry.last_run_at = EntryStatus.IN_PROCESS, timezone.now()
    entry.save()
    dead = SyncJob.objects.create(
        kind="sync_mapping", connection=synced_connection, mapping=entry.mapping,
        mapping_name="CURRENCY", direction="ToIntegrationTable", mode=SyncMode.MODIFIED,
        status=JobStatus.RUNNING, started_by=scheduler.QUEUE_USER, queue_entry=entry,
        heartbeat_at=timezone.now() - timedelta(seconds=settings.SYNC_STALE_AFTER_SECONDS + 1))
    (replacement,) = scheduler.recover_abandoned()
    assert replacement.queue_entry == entry and replacement.resumed_from == dead
    assert list(scheduler.last_run_jobs(entry)) == [replacement]
    jobs.run(replacement.pk)  # nothing changed since the full synchronization: it sleeps
    entry.refresh_from_db()
    assert entry.status == EntryStatus.ON_HOLD_INACTIVITY


def test_a_live_job_is_left_alone(synced_connection):
    job = SyncJob.objects.create(kind="sync_mapping", status=JobStatus.RUNNING,
                                 heartbeat_at=timezone.now())
    assert scheduler.recover_abandoned() == []
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING


@pytest.mark.worker
def test_a_worker_keeps_the_schedule_ticking(synced_connection, start_worker, monkeypatch,
                                             redis_url):
    import redis

    redis.Redis.from_url(redis_url).delete(TICK_LOCK)
    only(synced_connection, "CURRENCY")
    monkeypatch.setenv("SYNC_TICK_SECONDS", "1")
    start_worker()
    job = wait_for(lambda: SyncJob.objects.filter(mapping_name="CURRENCY").first(), 30)
    assert job.started_by == "Job Queue"


def document_entry(connection, kind: str) -> JobQueueEntry:
    from mappings.defaults import apply_default_setup

    apply_default_setup(connection, sales_order_integration=True)
    JobQueueEntry.objects.filter(connection=connection).update(enabled=False)
    JobQueueEntry.objects.filter(connection=connection, kind=kind).update(enabled=True)
    return JobQueueEntry.objects.get(connection=connection, kind=kind)


def test_automatic_order_creation_has_its_own_entry_that_runs_only_when_switched_on(
        synced_connection):
    document_entry(synced_connection, "create_sales_orders")
    scheduler.tick()
    assert not SyncJob.objects.filter(kind="create_sales_orders").exists()
    synced_connection.auto_create_sales_orders = True
    synced_connection.save()
    JobQueueEntry.objects.filter(kind="create_sales_orders").update(next_run_at=None)
    scheduler.tick()
    (job,) = SyncJob.objects.filter(kind="create_sales_orders")
    assert job.connection == synced_connection and job.started_by == "Job Queue"


def test_a_connection_job_s_run_settles_its_entry_like_a_mapping_s(synced_connection):
    entry = document_entry(synced_connection, "create_sales_orders")
    synced_connection.auto_create_sales_orders = True
    synced_connection.save()
    scheduler.tick()
    (job,) = run_started(entry)
    job.refresh_from_db()
    idle = job.inserted + job.modified + job.deleted + job.failed == 0
    assert entry.status == (EntryStatus.ON_HOLD_INACTIVITY if idle else EntryStatus.READY)


def test_a_full_synchronization_holds_the_connection_s_recurring_runs(synced_connection):
    from synchronization.models import FullSyncRun, RunStatus

    only(synced_connection, "CURRENCY")
    FullSyncRun.objects.create(connection=synced_connection, status=RunStatus.RUNNING)
    scheduler.tick()
    assert not SyncJob.objects.filter(mapping_name="CURRENCY").exists()


def test_a_pending_job_lost_with_redis_is_enqueued_again_and_runs(synced_connection, redis_url,
                                                                  rq_worker, settings):
    import redis

    redis.Redis.from_url(redis_url).flushdb()  # as a restarted Redis without persistence
    settings.SYNC_STALE_AFTER_SECONDS = 0
    lost = SyncJob.objects.create(kind="ping", connection=synced_connection)
    chained = SyncJob.objects.create(kind="ping", connection=synced_connection)
    waiting = SyncJob.objects.create(kind="ping", connection=synced_connection,
                                     parameters={"then": chained.pk})
    jobs.enqueue(waiting.pk, timedelta(hours=1))  # still scheduled: not lost
    # The worker's own tick may find the lost row first; either way only that row is sent again.
    assert set(scheduler.requeue_lost(timezone.now() + timedelta(seconds=1))) <= {lost.pk}
    assert wait_for(lambda: SyncJob.objects.get(pk=lost.pk).status == JobStatus.FINISHED, 30)
    assert SyncJob.objects.get(pk=chained.pk).status == JobStatus.PENDING
