"""One full synchronization per connection: the lock, its 24-hour expiry and a dead worker."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from synchronization import fullsync
from synchronization.models import FullSyncRun, JobStatus, RunStatus, SyncJob
from tests.synchronization.test_full_sync_support import InlineQueue, install_inline_queue

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queue(monkeypatch) -> InlineQueue:
    return install_inline_queue(monkeypatch)


def test_a_second_run_is_refused_while_the_first_holds_the_lock(synced_connection,
                                                                 queue):
    first = fullsync.start_run(synced_connection, "alice")
    with pytest.raises(fullsync.RunInProgress, match="started by alice") as refused:
        fullsync.start_run(synced_connection, "bob", dry_run=True)
    assert refused.value.run == first
    assert FullSyncRun.objects.filter(status=RunStatus.RUNNING).count() == 1


def test_the_lock_expires_after_24_hours(synced_connection, queue):
    first = fullsync.start_run(synced_connection, "alice")
    FullSyncRun.objects.filter(pk=first.pk).update(
        lock_expires_at=timezone.now() - timedelta(minutes=1))
    second = fullsync.start_run(synced_connection, "bob")
    first.refresh_from_db()
    assert first.status == RunStatus.CANCELLED and "expired" in first.message
    assert second.is_running
    assert not SyncJob.objects.filter(parameters__full_sync_run=first.pk,
                                      status=JobStatus.PENDING).exists()


def test_the_lock_is_released_when_the_run_s_worker_is_gone(synced_connection, queue):
    first = fullsync.start_run(synced_connection, "alice")
    silent = timezone.now() - timedelta(seconds=settings.SYNC_STALE_AFTER_SECONDS + 5)
    running = SyncJob.objects.filter(parameters__full_sync_run=first.pk).order_by("pk").first()
    SyncJob.objects.filter(pk=running.pk).update(status=JobStatus.RUNNING, started_at=silent,
                                                 heartbeat_at=silent)
    assert "worker stopped" in fullsync.lock_problem(first)
    fullsync.start_run(synced_connection, "bob")
    running.refresh_from_db()
    assert running.status == JobStatus.FAILED  # abandoned: no one resumes it behind the new run
    first.refresh_from_db()
    assert first.status == RunStatus.CANCELLED


def test_a_live_run_keeps_the_lock(synced_connection, queue):
    first = fullsync.start_run(synced_connection, "alice")
    job = SyncJob.objects.filter(parameters__full_sync_run=first.pk).first()
    SyncJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING,
                                             heartbeat_at=timezone.now())
    assert fullsync.lock_problem(first) == ""
    with pytest.raises(fullsync.RunInProgress):
        fullsync.start_run(synced_connection, "bob")
