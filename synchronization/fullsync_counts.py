"""Record counts for the CRM Full Synch. Review, counted by a job in the worker.

Counting asks each service for a ``$count`` per mapping and side (up to 32 requests), which a
web request must never do: **Count Records** starts a ``review_counts`` job that counts in the
worker and keeps the counts in its result, and the pages read them from there
(``fullsync_review.stored_counts``). The jobs that start a full synchronization keep the counts
they worked from the same way.
"""

from __future__ import annotations

from connection.models import ConnectionSetup
from synchronization import fullsync_review, jobs
from synchronization.models import ACTIVE_STATUSES, JobKind, SyncJob


def counting(connection: ConnectionSetup) -> SyncJob | None:
    """The count job of the connection that is still pending or running, if any."""
    return SyncJob.objects.filter(connection=connection, kind=JobKind.REVIEW_COUNTS,
                                  status__in=ACTIVE_STATUSES).first()


def request(connection: ConnectionSetup, started_by: str = "") -> SyncJob:
    """Count the records of every mapping in the background (one count job at a time)."""
    return counting(connection) or jobs.start(JobKind.REVIEW_COUNTS, connection=connection,
                                              started_by=started_by)


def run_count_job(job: SyncJob) -> dict:
    """Count both sides of every mapping and keep the counts in the job's result."""
    counts = fullsync_review.cached_counts(jobs.connection_of(job), refresh=True)
    job.message = f"Counted the records of {len(counts)} mapping(s)."
    return {"counts": counts}
