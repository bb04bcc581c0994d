"""``manage.py sync`` end to end: a real command process, Redis, an RQ worker and the sandbox."""

import os
import subprocess
import sys

import pytest

from mappings.models import IntegrationTableMapping
from synchronization.models import JobQueueEntry, JobStatus, SyncJob
from tests.fixtures import worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def unscheduled(synced_connection):
    """The sandbox connection with its job queue entries off, so the worker's scheduler tick
    starts nothing but what the test starts (requested before the worker)."""
    JobQueueEntry.objects.filter(connection=synced_connection).update(enabled=False)
    return synced_connection


def sync(*args: str, redis_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": worker.test_database_url(), "REDIS_URL": redis_url}
    return subprocess.run([sys.executable, "manage.py", "sync", *args], cwd=worker.ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_sync_all_then_modified_with_wait_reports_counters_and_succeeds(
        unscheduled, rq_worker, redis_url):
    synced_connection = unscheduled
    IntegrationTableMapping.objects.filter(connection=synced_connection, name="CURRENCY").update(
        synch_only_coupled_records=False)
    first = sync("CURRENCY", "--connection", synced_connection.name, "--all", "--wait",
                 redis_url=redis_url)
    assert first.returncode == 0, first.stderr
    job = SyncJob.objects.get(mapping_name="CURRENCY")
    assert job.status == JobStatus.FINISHED and job.inserted > 0
    assert (f"job {job.pk} CURRENCY To Integration Table (Success): inserted {job.inserted}, "
            f"modified {job.modified}, unchanged {job.unchanged}, skipped {job.skipped}, "
            "failed 0, deleted 0") in first.stdout
    assert f"{job.records_done}/{job.records_total}" in first.stdout  # the last progress line

    again = sync("currency", "--wait", redis_url=redis_url)
    assert again.returncode == 0, again.stderr
    second = SyncJob.objects.filter(mapping_name="CURRENCY").order_by("pk").last()
    assert second.mode == "modified" and second.inserted == 0
    assert f"job {second.pk} CURRENCY To Integration Table (Success): inserted 0" in again.stdout


def test_an_unknown_mapping_exits_with_status_2_and_says_so(synced_connection, redis_url):
    result = sync("NOSUCHMAPPING", redis_url=redis_url)
    assert result.returncode == 2
    assert "There is no mapping named 'NOSUCHMAPPING'" in result.stderr
