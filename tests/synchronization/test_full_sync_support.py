"""Helpers for the full synchronization tests: run the queue in this process, read the lines."""

from __future__ import annotations

from synchronization import jobs
from synchronization.fullsync_lines import jobs_of
from synchronization.models import FullSyncLine, FullSyncRun, SyncJob


class InlineQueue:
    """Stands in for Redis: job ids are kept and ``drain`` runs them here, as a worker would
    (the job-finished listener included), in the order they were enqueued."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.ran: list[SyncJob] = []

    def enqueue(self, job_id: int, delay=None) -> None:
        self.ids.append(job_id)

    def drain(self, limit: int | None = None) -> list[SyncJob]:
        count = 0
        while self.ids and (limit is None or count < limit):
            job_id = self.ids.pop(0)
            jobs.run(job_id)
            self.ran.append(SyncJob.objects.get(pk=job_id))
            count += 1
        return self.ran


def install_inline_queue(monkeypatch) -> InlineQueue:
    """Route enqueues of this test to an InlineQueue (each test module wraps it in a fixture)."""
    queue = InlineQueue()
    monkeypatch.setattr(jobs, "enqueue", queue.enqueue)
    return queue


def lines(run: FullSyncRun) -> dict[str, FullSyncLine]:
    return {line.name: line for line in FullSyncLine.objects.filter(run=run)}


def line_jobs(run: FullSyncRun) -> dict[str, list[SyncJob]]:
    by_line = jobs_of(FullSyncLine.objects.filter(run=run))
    return {line.name: list(by_line.get(line.pk, {}).values())
            for line in FullSyncLine.objects.filter(run=run)}


def assert_dependency_order(run: FullSyncRun) -> None:
    """Every line's jobs started after all jobs of the lines it depends on had finished."""
    by_name = line_jobs(run)
    for line in FullSyncLine.objects.filter(run=run):
        started = [j.started_at for j in by_name[line.name] if j.started_at]
        for parent in line.depends_on():
            for job in by_name.get(parent, []):
                for start in started:
                    assert job.finished_at and job.finished_at <= start, (
                        f"{line.name} started before {parent} finished")
