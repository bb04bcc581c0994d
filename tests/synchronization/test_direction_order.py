"""The From Integration Table job of a bidirectional mapping runs only after its To Integration
Table job finished: while that job (or the job resuming it) is active it waits, and when it
stopped before its end it is cancelled, so it never creates records from Sales rows the first
direction wrote but did not couple."""

from datetime import timedelta

import pytest
from django.utils import timezone

from synchronization import jobs, runs, scheduler
from synchronization.models import JobStatus, SyncDirection, SyncJob, SyncMode
from tests.synchronization.engine_support import mapping

pytestmark = pytest.mark.django_db


def both_directions(connection) -> tuple[SyncJob, SyncJob]:
    first, second = runs.start_mapping_sync(mapping(connection, "CUSTOMER"), SyncMode.ALL,
                                            ignore_synch_only_coupled=True)
    assert (first.direction, second.direction) == (SyncDirection.TO_SALES,
                                                   SyncDirection.FROM_SALES)
    return first, second


def killed(job: SyncJob) -> None:
    """The job's worker died while it ran: running, with a heartbeat long gone."""
    SyncJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING,
                                             heartbeat_at=timezone.now() - timedelta(hours=1))


def test_the_second_direction_is_cancelled_when_the_first_stopped_before_its_end(
        synced_connection):
    first, second = both_directions(synced_connection)
    SyncJob.objects.filter(pk=first.pk).update(status=JobStatus.FAILED,
                                               message="ConnectionError: gone")
    jobs.run(second.pk)
    second.refresh_from_db()
    assert second.status == JobStatus.CANCELLED
    assert f"job #{first.pk}" in second.message and "Error" in second.message


def test_the_second_direction_waits_while_the_job_resuming_the_first_is_active(
        synced_connection):
    first, second = both_directions(synced_connection)
    killed(first)
    [replacement] = scheduler.recover_abandoned()
    assert replacement.parameters["then"] == second.pk
    assert not runs.claim_sync(second, "a worker")
    second.refresh_from_db()
    assert second.status == JobStatus.PENDING


def test_the_second_direction_runs_once_the_job_resuming_the_first_finished(synced_connection):
    first, second = both_directions(synced_connection)
    killed(first)
    [replacement] = scheduler.recover_abandoned()
    SyncJob.objects.filter(pk=replacement.pk).update(status=JobStatus.FINISHED)
    assert runs.claim_sync(second, "a worker")


def test_a_job_is_resumed_again_and_again_while_it_makes_progress(synced_connection):
    job, _ = both_directions(synced_connection)
    for attempt in range(6):
        killed(job)
        SyncJob.objects.filter(pk=job.pk).update(inserted=100)  # each attempt confirmed a batch
        [replacement] = scheduler.recover_abandoned()
        message = SyncJob.objects.get(pk=job.pk).message
        assert f"resumed as job #{replacement.pk} " in message, attempt
        job = replacement


def test_a_job_gives_up_after_three_resumes_in_a_row_that_confirmed_nothing(synced_connection):
    job, _ = both_directions(synced_connection)
    chain = [job]
    for _ in range(scheduler.MAX_IDLE_RESUMES):
        killed(job)
        [job] = scheduler.recover_abandoned()
        chain.append(job)
    killed(job)
    assert scheduler.recover_abandoned() == []
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "4 attempts in a row" in job.message
