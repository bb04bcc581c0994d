"""Record counts for the CRM Full Synch. Review, counted by a job and stored in its row.

Counting asks each service for a ``$count`` per mapping and side (up to 32 requests), which a
page must never do inside a web request: a ``review_counts`` job counts in the worker and keeps
the counts in its result, and the pages read the latest such row. The jobs that start a full
synchronization count again in the worker and keep their counts the same way.
"""

from __future__ import annotations

from connection.models import ConnectionSetup
from synchronization import fullsync_review, jobs
from synchronization.models import JobKind, JobStatus, SyncJob

# Job kinds whose result holds the counts they worked from.
COUNTING_KINDS = (JobKind.REVIEW_COUNTS, JobKind.FULL_SYNC, JobKind.INITIAL_SYNC)


def stored(connection: ConnectionSetup) -> dict[str, dict]:
    """The latest counts a job stored for the connection ({} before any): reads rows only."""
    job = (SyncJob.objects.filter(connection=connection, kind__in=COUNTING_KINDS,
                                  status=JobStatus.FINISHED, result__has_key="counts")
           .order_by("-finished_at", "-pk").first())
    return job.result["counts"] if job else {}


def counting(connection: ConnectionSetup) -> SyncJob | None:
    """The count job of the connection that is still pending or running, if any."""
    return SyncJob.objects.filter(connection=connection, kind=JobKind.REVIEW_COUNTS,
                                  status__in=(JobStatus.PENDING, JobStatus.RUNNING)).first()


def request(connection: ConnectionSetup, started_by: str = "") -> SyncJob:
    """Count the records of every mapping in the background (once at a time)."""
    return counting(connection) or jobs.start(JobKind.REVIEW_COUNTS, connection=connection,
                                              started_by=started_by)


def run_count_job(job: SyncJob) -> dict:
    """Count both sides of every mapping and keep the counts in the job's result."""
    counts = fullsync_review.cached_counts(jobs.connection_of(job), refresh=True)
    job.message = f"Counted the records of {len(counts)} mapping(s)."
    return {"counts": counts}
