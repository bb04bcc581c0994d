import pytest
from django.db import transaction

from synchronization import jobs
from synchronization.models import JobKind, JobStatus, SyncJob
from tests.fixtures.worker import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def finished(job: SyncJob) -> SyncJob | None:
    job.refresh_from_db()
    return job if job.status in (JobStatus.FINISHED, JobStatus.FAILED) else None


def test_a_job_goes_through_redis_to_a_worker_and_its_result_is_stored(rq_worker):
    with transaction.atomic():
        job = jobs.start("ping")
    wait_for(lambda: finished(job))
    assert job.status == JobStatus.FINISHED
    assert job.result == {"pong": True, "worker": rq_worker.name}
    assert job.started_at <= job.finished_at


def test_a_job_is_enqueued_only_when_its_transaction_commits(rq_worker):
    with pytest.raises(RuntimeError), transaction.atomic():
        jobs.start("ping")
        raise RuntimeError("rolled back")
    assert not SyncJob.objects.exists()


def test_a_job_enqueued_twice_runs_once(start_worker):
    with transaction.atomic():
        job = jobs.start("ping")
    jobs.enqueue(job.pk)  # a duplicate message, as a retry after a lost ack would send
    start_worker(), start_worker()
    wait_for(lambda: finished(job))
    assert SyncJob.objects.get(pk=job.pk).worker_name
    assert SyncJob.objects.filter(status=JobStatus.RUNNING).count() == 0


def test_a_claimed_job_cannot_be_claimed_again(db):
    job = SyncJob.objects.create(kind="ping")
    assert job.claim("first")
    assert not SyncJob.objects.get(pk=job.pk).claim("second")
    assert SyncJob.objects.get(pk=job.pk).worker_name == "first"


def test_a_job_started_after_another_runs_when_it_ends_before_the_jobs_already_chained(
        rq_worker):
    with transaction.atomic():
        first = jobs.start(JobKind.PING)
        last = jobs.start(JobKind.PING, after=first)
        middle = jobs.start(JobKind.PING, after=first)
    assert SyncJob.objects.get(pk=first.pk).parameters["then"] == middle.pk
    assert SyncJob.objects.get(pk=middle.pk).parameters["then"] == last.pk
    wait_for(lambda: finished(last))
    ran = sorted(SyncJob.objects.all(), key=lambda j: j.started_at)
    assert [j.pk for j in ran] == [first.pk, middle.pk, last.pk]


def test_a_job_of_a_kind_no_handler_knows_is_cancelled_saying_so(rq_worker):
    with transaction.atomic():
        job = jobs.start("no_such_kind")
    wait_for(lambda: SyncJob.objects.get(pk=job.pk).status == JobStatus.CANCELLED)
    assert "no_such_kind" in SyncJob.objects.get(pk=job.pk).message
