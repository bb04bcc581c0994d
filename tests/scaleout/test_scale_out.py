"""Scale-out as the README's production notes run it: three connections full-synchronizing at
once on three worker processes, PostgreSQL and an external Redis, while four signed-in browsers
poll the review and job pages through gunicorn.

The outcome is what counts: every connection reconciles clean and both services hold every
generated customer exactly once; each job row ran once, on one worker, and one mapping's jobs
never overlapped (its lock held); no page answered with an error.
"""

from __future__ import annotations

import os
from pathlib import Path

import django_rq
import pytest

from synchronization import fullsync
from synchronization.models import ACTIVE_STATUSES, JobStatus, RunStatus, SyncJob
from tests.fixtures import worker as worker_fixtures
from tests.fixtures.users import PASSWORD
from tests.scaleout import cluster, pollers, readme
from tests.scaleout.checks import (
    assert_each_mapping_ran_alone,
    assert_no_job_ran_twice,
    customers_on_both_sides,
    duplicated,
    failed_customers,
    findings,
    job_lines,
    reconcile_counts,
    reconcile_report,
)

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
CONNECTIONS = 3
WORKERS = 3
BROWSERS = 4
CUSTOMERS = 150  # generated per company, besides the demo's own customers
RUN_TIMEOUT = 1200


@pytest.fixture
def sandboxes(tmp_path):
    """One sandbox (tenant, BC company, Sales environment) per connection."""
    from tests.fixtures.sandbox import stop_sandbox

    started = cluster.start_sandboxes(tmp_path, CONNECTIONS, CUSTOMERS)
    yield started
    for sandbox in started:
        stop_sandbox(sandbox)


@pytest.fixture
def production(tmp_path, redis_url):
    """The README's processes: gunicorn and the workers, on the test database and Redis."""
    notes = readme.read()
    env = cluster.production_environment(notes, worker_fixtures.test_database_url(), redis_url,
                                         Path(os.environ["DATA_DIR"]))
    workers = [cluster.WorkerProcess(notes, env, tmp_path / f"worker-{n}.log")
               for n in range(WORKERS)]
    web = None
    try:
        web = cluster.WebServer(notes, env, tmp_path / "web.log")
        for worker in workers:
            worker.wait_until_registered(django_rq.get_connection("default"))
        yield web, workers
    finally:
        for process in [*workers, *([web] if web else [])]:
            process.stop()


def signed_in_browsers(web, administrator, connections) -> list[pollers.Poller]:
    """Four browsers, each watching one connection's run (the fourth a second on the first)."""
    started = []
    for n in range(BROWSERS):
        client = pollers.BrowserClient(web.url, web.host, f"198.51.100.{n + 10}")
        client.sign_in(administrator.username, PASSWORD)
        client.switch_to(connections[n % len(connections)].pk)
        started.append(pollers.Poller(client))
    for poller in started:
        poller.start()
    return started


def test_three_connections_full_sync_at_once_on_three_workers_while_browsers_poll(
        sandboxes, production, administrator):
    web, workers = production
    connections = [cluster.connect(sandbox, f"Company {n}")
                   for n, sandbox in enumerate(sandboxes, 1)]
    browsers = signed_in_browsers(web, administrator, connections)
    try:
        runs = [fullsync.start_run(connection, "scale-out test") for connection in connections]
        ended = cluster.wait_until_runs_end([run.pk for run in runs], RUN_TIMEOUT)
    finally:
        for browser in browsers:
            browser.stop()

    assert [run.status for run in ended] == [RunStatus.FINISHED] * CONNECTIONS
    assert not SyncJob.objects.filter(status__in=ACTIVE_STATUSES).exists()
    assert not SyncJob.objects.exclude(status=JobStatus.FINISHED).exists(), list(
        SyncJob.objects.exclude(status=JobStatus.FINISHED).values("pk", "status", "message"))
    assert_no_job_ran_twice({w.name for w in workers}, [w.output() for w in workers])
    assert_each_mapping_ran_alone()
    for connection, sandbox in zip(connections, sandboxes, strict=True):
        report = reconcile_report(connection)
        counts = reconcile_counts(connection, report)
        assert counts == {"problems": 0, "duplicates": 0, "missing": 0, "blank": 0,
                          "dangling": 0, "failed_visibly": counts["failed_visibly"]}, (
            findings(report), job_lines(connection))
        # Only the demo's customers of salespeople that exist in BC alone fail, and say so.
        assert all("Salesperson Code" in message
                   for message in failed_customers(connection).values())
        bc, sales = customers_on_both_sides(sandbox)
        customers = set(bc)
        assert duplicated(bc) == duplicated([n for n in sales if n in customers]) == 0
        # Read back: every BC customer has its account, but for the ones that failed visibly.
        not_in_sales = set(bc) - set(sales)
        assert len(not_in_sales) == counts["failed_visibly"] and len(bc) > CUSTOMERS, not_in_sales
    # The work was spread: more than one worker ran jobs.
    assert len(set(SyncJob.objects.values_list("worker_name", flat=True))) > 1
    summary = pollers.summarize(browsers)
    assert summary.requests > 0 and summary.errors == []
    assert sum(browser.lock_lost_seen for browser in browsers) == 0  # no run lost its lock
    assert "Traceback" not in web.output()
