"""Starting runs, holding job queue entries and the last full synchronization, as the
connection's card and wizard use them.

Handed to ``connection.registry`` in ``SynchronizationConfig.ready()``: the connection app sits
below this one and must not import it.
"""

from __future__ import annotations

from connection.models import ConnectionSetup
from connection.registry import SynchronizationFeatures
from synchronization import fullsync_review, jobs, recommendations
from synchronization.models import JobKind, JobQueueEntry, SyncJob


def start_full_sync(connection: ConnectionSetup, started_by: str = "") -> SyncJob:
    """Run Full Synchronization (the card's action): a job that starts the review's run."""
    return jobs.start(JobKind.FULL_SYNC, connection=connection, started_by=started_by)


def start_modified_sync(connection: ConnectionSetup, started_by: str = "") -> SyncJob:
    """Synchronize Modified Records of every mapping of the connection."""
    return jobs.start(JobKind.SYNC_MODIFIED, connection=connection, started_by=started_by)


def start_initial_sync(connection: ConnectionSetup, started_by: str = "") -> SyncJob:
    """The assisted setup's last step: couple what both sides hold, then the full sync."""
    return jobs.start(JobKind.INITIAL_SYNC, connection=connection, started_by=started_by)


def set_jobs_on_hold(connection: ConnectionSetup, on_hold: bool) -> int:
    """Put the connection's job queue entries on hold (or take them off)."""
    return JobQueueEntry.objects.filter(connection=connection).update(enabled=not on_hold)


FEATURES = SynchronizationFeatures(
    start_full_sync=start_full_sync, start_modified_sync=start_modified_sync,
    start_initial_sync=start_initial_sync, set_jobs_on_hold=set_jobs_on_hold,
    last_full_sync=fullsync_review.summary, recommend=recommendations.compute,
)
