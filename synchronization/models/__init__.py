"""What moved and what happened: the synchronization app's models, one module per area.

Business Central's Integration Synch. Job (5338) and Integration Synch. Job Errors (5339) in
``jobs``, Job Queue Entries in ``queue``, the full synchronization review in ``fullsync``, lead
to cash in ``leadtocash`` and reconciliation reports in ``reconcile``. Everything is imported
here, so Django finds the models and callers import from ``synchronization.models``.
"""

from synchronization.models.fullsync import (
    FULL_SYNC_LOCK,
    LINE_ACTIVE,
    LINE_ENDED,
    FullSyncLine,
    FullSyncRun,
    LineStatus,
    RunStatus,
)
from synchronization.models.jobs import (
    ACTIVE_STATUSES,
    COUNTERS,
    FINISHED_WITH_ERRORS,
    FINISHED_WITH_ERRORS_LABEL,
    JOB_CAPTIONS,
    MAPPING_SYNC_KINDS,
    STATUS_BADGES,
    TERMINAL_STATUSES,
    ErrorKind,
    JobKind,
    JobStatus,
    SyncDirection,
    SyncError,
    SyncJob,
    SyncMode,
    job_caption,
)
from synchronization.models.leadtocash import (
    NoteCoupling,
    ProcessedQuote,
    SalesReceivablesSetup,
    WriteInProductType,
)
from synchronization.models.queue import EntryKind, EntryStatus, JobQueueEntry
from synchronization.models.reconcile import ReconcileReport

__all__ = [
    "ACTIVE_STATUSES", "COUNTERS", "FINISHED_WITH_ERRORS", "FINISHED_WITH_ERRORS_LABEL",
    "FULL_SYNC_LOCK", "JOB_CAPTIONS", "LINE_ACTIVE", "LINE_ENDED", "MAPPING_SYNC_KINDS",
    "STATUS_BADGES", "TERMINAL_STATUSES", "EntryKind", "EntryStatus", "ErrorKind",
    "FullSyncLine", "FullSyncRun", "JobKind", "JobQueueEntry", "JobStatus", "LineStatus",
    "NoteCoupling", "ProcessedQuote", "ReconcileReport", "RunStatus", "SalesReceivablesSetup",
    "SyncDirection", "SyncError", "SyncJob", "SyncMode", "WriteInProductType", "job_caption",
]
