"""Two workers, one mapping: a job enqueued twice runs once, and two jobs of one mapping never
run at the same time; the records are written as often as by a single run."""

import pytest

from synchronization import jobs, runs
from synchronization.models import JobStatus, SyncDirection, SyncJob, SyncMode
from tests.fixtures.worker import wait_for
from tests.synchronization.engine_support import mapping
from tests.synchronization.test_faults_support import accounts, ended, start

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CUSTOMERS = 1000
# 3 ms per operation: a batch of 500 takes 1.5 s, so a run lasts long enough to overlap.
SLOW_DATAVERSE = {"server_time_ms": 3}


@pytest.fixture
def two_workers(synced_connection, sandbox_clean, start_worker):
    sandbox_clean.reset(customers=CUSTOMERS)
    sandbox_clean.settings(dataverse=SLOW_DATAVERSE)
    sandbox_clean.accounts_before = set(accounts(sandbox_clean))
    return start_worker(), start_worker()


class RunningWatch:
    """Follows how many jobs of a mapping are running at once while waiting for the end."""

    def __init__(self, watched: list[SyncJob]) -> None:
        self.watched = watched
        self.most_running = 0

    def __call__(self):
        running = SyncJob.objects.filter(mapping_id=self.watched[0].mapping_id,
                                         status=JobStatus.RUNNING).count()
        self.most_running = max(self.most_running, running)
        return ended(self.watched)


def second_job_like(job: SyncJob) -> SyncJob:
    """A pending twin, as if two requests had passed the already-running check together."""
    twin = SyncJob.objects.create(
        kind=runs.SYNC_KIND, connection=job.connection, mapping=job.mapping,
        mapping_name=job.mapping_name, direction=job.direction, mode=job.mode,
        parameters=job.parameters)
    jobs.enqueue(twin.pk)
    return twin


def test_a_job_enqueued_twice_runs_once(synced_connection, sandbox_clean, two_workers):
    job = start(synced_connection, "CUSTOMER", direction=SyncDirection.TO_SALES)[0]
    jobs.enqueue(job.pk)
    watch = RunningWatch([job])
    (done,) = wait_for(watch, 60)
    assert done.status == JobStatus.FINISHED, done.message
    assert watch.most_running == 1
    assert done.inserted > 0
    assert sandbox_clean.counters()["dataverse"]["writes"] == done.inserted
    new = set(accounts(sandbox_clean)) - sandbox_clean.accounts_before
    assert len(new) == done.inserted == mapping(synced_connection, "CUSTOMER").couplings.count()


def test_two_jobs_of_one_mapping_run_one_after_the_other(synced_connection, sandbox_clean,
                                                         two_workers):
    first = start(synced_connection, "CUSTOMER", direction=SyncDirection.TO_SALES)[0]
    second = second_job_like(first)
    watch = RunningWatch([first, second])
    first, second = wait_for(watch, 60)
    assert [first.status, second.status] == [JobStatus.FINISHED] * 2
    assert watch.most_running == 1
    earlier, later = sorted([first, second], key=lambda j: j.started_at)
    assert later.started_at >= earlier.finished_at
    assert later.inserted == 0 and later.mode == SyncMode.ALL
    new = set(accounts(sandbox_clean)) - sandbox_clean.accounts_before
    assert len(new) == earlier.inserted == mapping(synced_connection, "CUSTOMER").couplings.count()
