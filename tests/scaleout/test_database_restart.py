"""PostgreSQL restarted in the middle of a full synchronization (every session cut, as a
service manager's restart does): the job that lost its database fails or resumes visibly, the
run ends, and nothing is lost or written twice.

The restarted server is this test's own throwaway cluster (initdb/pg_ctl in a temporary
folder), never the machine's shared service; the test process and the workers all use it.
"""

from __future__ import annotations

import time

import pytest
from django.core.management import call_command
from django.db import connections

from synchronization import fullsync
from synchronization.models import ACTIVE_STATUSES, JobStatus, RunStatus, SyncJob
from tests.fixtures import worker as worker_fixtures
from tests.scaleout import checks, cluster, restart_support
from tests.scaleout.servers import PostgresCluster

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
RUN_TIMEOUT = 900


@pytest.fixture
def own_postgres(transactional_db):
    """A private cluster this test may restart; Django's default database points at it for the
    test's duration (and back at the test database before pytest-django cleans that up)."""
    default = connections["default"]
    if default.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass: the restarted server is a PostgreSQL cluster")
    try:
        server = PostgresCluster().init()
    except RuntimeError as exc:  # a remote database and no server binaries here
        pytest.skip(str(exc))
    server.start()
    url = server.create_database("bcsales")
    saved = dict(default.settings_dict)
    default.close()
    default.settings_dict.update(NAME="bcsales", HOST="127.0.0.1", PORT=str(server.port),
                                 USER="postgres", PASSWORD="")
    try:
        call_command("migrate", verbosity=0)
        yield server, url
    finally:
        default.close()
        default.settings_dict.clear()
        default.settings_dict.update(saved)
        server.remove()


@pytest.fixture
def sandbox(tmp_path):
    from tests.fixtures.sandbox import stop_sandbox

    started = restart_support.start_sandbox(tmp_path)
    yield started
    stop_sandbox(started)


def run_until_ended(run, supervisor) -> None:
    """Wait for the run (reading its row), restarting workers that exit, as a supervisor does."""
    deadline = time.monotonic() + RUN_TIMEOUT
    while time.monotonic() < deadline:
        supervisor.keep_alive()
        run.refresh_from_db()
        if run.status != RunStatus.RUNNING:
            return
        time.sleep(0.5)
    pytest.fail(f"the run did not end within {RUN_TIMEOUT} s")


def restart_database(server: PostgresCluster) -> None:
    """Stop (ending every session) and start again; this process reconnects afterwards."""
    server.stop("fast")
    server.start()
    connections["default"].close()


def test_a_full_sync_survives_a_database_restart_with_nothing_lost_or_written_twice(
        tmp_path, own_postgres, sandbox, redis_url):
    server, database_url = own_postgres
    connection = cluster.connect(sandbox, "Restarted database")
    supervisor = restart_support.Supervisor(
        restart_support.worker_environment(database_url, redis_url), tmp_path)
    try:
        run = fullsync.start_run(connection, "database restart test")
        victim = worker_fixtures.wait_for(lambda: SyncJob.objects.filter(
            mapping_name="CUSTOMER", status=JobStatus.RUNNING).first(), 600)
        restart_database(server)
        run_until_ended(run, supervisor)
    finally:
        supervisor.stop()

    lines = checks.job_lines(connection)
    # The job that lost its database says so: it was resumed from its last confirmed page, or
    # it failed with a message.
    victim.refresh_from_db()
    assert victim.resumed_by.exists() or (victim.status == JobStatus.FAILED
                                          and victim.message), lines
    if run.status != RunStatus.FINISHED:  # failed visibly: a person restarts the failed lines
        assert run.message or SyncJob.objects.filter(status=JobStatus.FAILED).exists(), lines
        fullsync.restart_failed(run, "database restart test")
        supervisor = restart_support.Supervisor(supervisor.env, tmp_path / "again")
        try:
            run_until_ended(run, supervisor)
        finally:
            supervisor.stop()
    assert run.status == RunStatus.FINISHED, (run.message, checks.job_lines(connection))
    assert not SyncJob.objects.filter(status__in=ACTIVE_STATUSES).exists()
    result = restart_support.outcome(connection, sandbox)
    assert result == {**result, "problems": 0, "duplicates": 0, "missing": 0, "blank": 0,
                      "dangling": 0, "twice": 0,
                      "not_in_sales": result["failed_visibly"]}, checks.job_lines(connection)
    checks.assert_each_mapping_ran_alone()
