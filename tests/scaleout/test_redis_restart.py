"""Redis restarted in the middle of a full synchronization (its queues lost, as a Redis without
persistence loses them): the job rows are the truth, so the workers pick the work up again and
the run ends with nothing lost and nothing written twice."""

from __future__ import annotations

import pytest
from django.conf import settings

from synchronization import fullsync
from synchronization.models import ACTIVE_STATUSES, JobStatus, RunStatus, SyncJob
from tests.fixtures import worker as worker_fixtures
from tests.scaleout import checks, cluster, restart_support
from tests.scaleout.servers import RedisServer

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
RUN_TIMEOUT = 900


@pytest.fixture
def own_redis(tmp_path, monkeypatch):
    """A Redis of this test's own, which it may restart; this process queues through it too."""
    server = RedisServer(tmp_path / "redis").start()
    monkeypatch.setitem(settings.RQ_QUEUES["default"], "URL", server.url)
    monkeypatch.setenv("REDIS_URL", server.url)
    yield server
    server.stop()


@pytest.fixture
def sandbox(tmp_path):
    from tests.fixtures.sandbox import stop_sandbox

    started = restart_support.start_sandbox(tmp_path)
    yield started
    stop_sandbox(started)


def ended_or_silent(job) -> bool:
    """The job ended, or its heartbeat is older than the stale threshold (its worker lost it)."""
    from datetime import timedelta

    from django.utils import timezone

    silent = timezone.now() - timedelta(
        seconds=int(restart_support.FAST_RECOVERY["SYNC_STALE_AFTER_SECONDS"]))
    return not SyncJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING,
                                      heartbeat_at__gt=silent).exists()


def run_until_ended(run, supervisor) -> None:
    """Wait for the run, restarting workers that exit, as a supervisor would."""
    import time

    deadline = time.monotonic() + RUN_TIMEOUT
    while time.monotonic() < deadline:
        supervisor.keep_alive()
        run.refresh_from_db()
        if run.status != RunStatus.RUNNING:
            return
        time.sleep(0.5)
    pytest.fail(f"the run did not end within {RUN_TIMEOUT} s")


def test_a_full_sync_survives_a_redis_restart_with_nothing_lost_or_written_twice(
        tmp_path, own_redis, sandbox):
    connection = cluster.connect(sandbox, "Restarted Redis")
    env = restart_support.worker_environment(worker_fixtures.test_database_url(), own_redis.url)
    supervisor = restart_support.Supervisor(env, tmp_path)
    try:
        run = fullsync.start_run(connection, "redis restart test")
        victim = worker_fixtures.wait_for(lambda: SyncJob.objects.filter(
            mapping_name="CUSTOMER", status=JobStatus.RUNNING).first(), 600)
        # Redis stays down until the job ends (or its worker lost it): the job then ends, and
        # starts what follows it, with no queue to put anything on.
        own_redis.stop()
        worker_fixtures.wait_for(lambda: ended_or_silent(victim), 600)
        own_redis.start()
        run.refresh_from_db()
        assert run.status == RunStatus.RUNNING  # the outage fell in the middle of the run
        run_until_ended(run, supervisor)
    finally:
        supervisor.stop()

    assert run.status == RunStatus.FINISHED, (run.message, checks.job_lines(connection))
    assert not SyncJob.objects.filter(status__in=ACTIVE_STATUSES).exists()
    assert not checks.failed_jobs(connection), "\n".join(checks.job_lines(connection))
    result = restart_support.outcome(connection, sandbox)
    assert result == {**result, "problems": 0, "duplicates": 0, "missing": 0, "blank": 0,
                      "dangling": 0, "twice": 0,
                      "not_in_sales": result["failed_visibly"]}, checks.job_lines(connection)
    checks.assert_each_mapping_ran_alone()
