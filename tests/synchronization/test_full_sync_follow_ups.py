"""A full synchronization run ends once the work its lines started has ended: a job chained
after a line's job (the invoice lines after their headers) keeps the run In Process."""

import pytest

from synchronization import fullsync, jobs
from synchronization.models import (
    FullSyncLine,
    FullSyncRun,
    JobKind,
    JobStatus,
    LineStatus,
    SyncJob,
)

pytestmark = pytest.mark.django_db


def finished_line_with_a_follow_up(connection) -> tuple[FullSyncRun, SyncJob]:
    run = FullSyncRun.objects.create(connection=connection)
    header = jobs.start(JobKind.SYNC_MAPPING, connection=connection, started_by="test",
                        parameters={}, queue=False)
    follow_up = jobs.start(JobKind.SYNC_MAPPING, connection=connection, started_by="test",
                           parameters={}, after=header)
    SyncJob.objects.filter(pk=header.pk).update(status=JobStatus.FINISHED)
    FullSyncLine.objects.create(run=run, name="POSTEDSALESINV-INV", status=LineStatus.FINISHED,
                                job_ids=[header.pk])
    return run, follow_up


def test_a_run_waits_for_a_job_chained_after_its_last_line(synced_connection):
    run, follow_up = finished_line_with_a_follow_up(synced_connection)
    assert fullsync._work_left(run, list(run.lines.all()))
    SyncJob.objects.filter(pk=follow_up.pk).update(status=JobStatus.FINISHED)
    assert not fullsync._work_left(run, list(run.lines.all()))
