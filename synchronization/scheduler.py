"""Recurring job queue entries, inactivity sleep and wake-ups, and recovery of abandoned jobs.

BC runs each mapping's job queue entry every 30 minutes; after a run that changed nothing the
entry goes "On Hold Due to Inactivity" for its inactivity timeout (720 or 1,440 minutes) and
wakes when the Sales side has changes (bc-integration.md 3.1-3.2). Beyond BC, a change on either
side wakes it, found by a one-row query per side. The tick that drives all this runs on a worker
every SYNC_TICK_SECONDS (see synchronization.worker); no RQ here.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from connection import sales_metadata, services
from mappings.models import Direction
from synchronization import fullsync, jobs, runs
from synchronization.models import (
    ACTIVE_STATUSES,
    EntryKind,
    EntryStatus,
    FullSyncRun,
    JobQueueEntry,
    JobStatus,
    RunStatus,
    SyncJob,
    SyncMode,
)
from synchronization.sides import BcSide, SalesSide

log = logging.getLogger(__name__)
# A job is resumed as long as its attempts make progress; it gives up after this many resumes
# in a row that confirmed nothing (no record written, adopted or confirmed unchanged).
MAX_IDLE_RESUMES = 3
QUEUE_USER = "Job Queue"
# Entries that run only while a connection setting is on (BC creates and deletes them with it).
SWITCHED_BY: dict[str, str] = {
    EntryKind.CREATE_SALES_ORDERS: "auto_create_sales_orders",
    EntryKind.PROCESS_SALES_QUOTES: "auto_process_sales_quotes",
}


def tick(now: datetime | None = None) -> None:
    """One pass of the scheduler: recover abandoned jobs, then start what is due."""
    now = now or timezone.now()
    recover_abandoned(now)
    requeue_lost(now)
    for entry in due_entries(now):
        try:
            run_entry(entry, now)
        except Exception:  # one broken connection must not stop the others' schedules
            log.exception("job queue entry %s could not run", entry.pk)
    fullsync.tick()  # advance full synchronization runs and recover stuck ones


def due_entries(now: datetime):
    """Enabled entries whose time has come. While a full synchronization of a connection runs,
    its mappings' recurring jobs wait, as BC puts them on hold (3.3 step 4)."""
    in_full_sync = FullSyncRun.objects.filter(status=RunStatus.RUNNING).values("connection_id")
    return (JobQueueEntry.objects
            .filter(enabled=True, connection__is_enabled=True)
            .filter(Q(next_run_at__isnull=True) | Q(next_run_at__lte=now))
            .exclude(status=EntryStatus.ON_HOLD)
            .exclude(kind=EntryKind.MAPPING, connection_id__in=in_full_sync)
            .select_related("mapping", "connection"))


@transaction.atomic  # the jobs are enqueued once they name their entry, so settle_entry finds it
def run_entry(entry: JobQueueEntry, now: datetime) -> list[SyncJob]:
    """Start the entry's jobs (unless it sleeps and nothing wakes it); return the jobs started."""
    interval = timedelta(minutes=entry.no_of_minutes_between_runs)
    entry.next_run_at = now + interval
    if entry.status == EntryStatus.ON_HOLD_INACTIVITY:
        reason = _wake_reason(entry, now)
        if not reason:
            entry.save(update_fields=["next_run_at"])
            return []
        entry.woken_reason, entry.woken_at = reason, now
    started = _start(entry)
    if started:
        entry.status, entry.last_run_at = EntryStatus.IN_PROCESS, now
        SyncJob.objects.filter(pk__in=[job.pk for job in started]).update(queue_entry=entry)
    entry.save(update_fields=["next_run_at", "status", "last_run_at", "woken_reason",
                              "woken_at"])
    return started


def _start(entry: JobQueueEntry) -> list[SyncJob]:
    if entry.kind == EntryKind.MAPPING:
        assert entry.mapping is not None  # a mapping entry names its mapping
        try:
            return runs.start_mapping_sync(entry.mapping, SyncMode.MODIFIED,
                                           started_by=QUEUE_USER)
        except (runs.AlreadyRunning, runs.ConnectionDisabled):
            return []
    switch = SWITCHED_BY.get(entry.kind)
    if not jobs.can_run(entry.kind) or (switch and not getattr(entry.connection, switch)):
        return []
    try:
        return [jobs.start(entry.kind, connection=entry.connection, started_by=QUEUE_USER)]
    except jobs.ConnectionDisabled:
        return []


def _wake_reason(entry: JobQueueEntry, now: datetime) -> str:
    """Why a sleeping entry runs again ("" while it keeps sleeping): the inactivity timeout
    elapsed, or at once on a change. The reason is stored and shown on the entry's card."""
    asleep_since = entry.inactive_since or entry.last_run_at or now
    if now - asleep_since >= timedelta(minutes=entry.inactivity_timeout_period):
        return (f"The inactivity timeout period ({entry.inactivity_timeout_period} minutes) "
                "elapsed.")
    if entry.kind != EntryKind.MAPPING:
        return ""
    try:
        return changed_side(entry.mapping)
    except Exception:
        log.info("could not check %s for changes; waking it", entry.mapping, exc_info=True)
        return "The check for changes failed; the entry ran to be safe."


def changed_side(mapping) -> str:
    """Which side has records changed since its watermark, as a sentence ("" for none)."""
    connection = mapping.connection
    directions = runs.directions_of(mapping)
    if Direction.TO_SALES in directions and mapping.bc_watermark:
        side: BcSide | SalesSide = BcSide(mapping, services.business_central_client(connection))
        if side.has_changes_since(mapping.bc_watermark):
            return "Records changed in Business Central."
    if Direction.FROM_SALES in directions and mapping.sales_watermark:
        client = services.dataverse_client(connection)
        users = sales_metadata.integration_user_ids(connection, client)
        side = SalesSide(mapping, client, integration_user_ids=users)
        if side.has_changes_since(mapping.sales_watermark):
            return "Records changed in Dynamics 365 Sales."
    if mapping.bc_watermark or mapping.sales_watermark:
        return ""
    return "The mapping has never been synchronized."


def settle_entry(job: SyncJob) -> None:
    """After the last job of a scheduled run: sleep when it changed nothing, else stay ready."""
    if job.queue_entry_id is None:
        return
    entry = JobQueueEntry.objects.filter(pk=job.queue_entry_id).first()  # as it is now
    if entry is None:
        return
    started = list(last_run_jobs(entry))
    if any(j.is_active for j in started):
        return
    idle = all(j.inserted + j.modified + j.deleted + j.failed == 0 for j in started)
    if any(j.status == JobStatus.FAILED for j in started):
        # BC's Error status; the entry keeps its schedule, so the next run may clear it.
        entry.status = EntryStatus.ERROR
    elif idle:
        entry.status = EntryStatus.ON_HOLD_INACTIVITY
        entry.inactive_since = entry.inactive_since or timezone.now()
    else:
        entry.status, entry.inactive_since = EntryStatus.READY, None
    entry.save(update_fields=["status", "inactive_since"])


def last_run_jobs(entry: JobQueueEntry):
    """The jobs of the entry's last run; a job resumed after its worker died counts through the
    job that replaced it."""
    if entry.last_run_at is None:
        return SyncJob.objects.none()
    return entry.jobs.filter(created_at__gte=entry.last_run_at, resumed_by__isnull=True)


# -- recovery ------------------------------------------------------------------------------
def recover_abandoned(now: datetime | None = None) -> list[SyncJob]:
    """Running jobs whose heartbeat stopped lost their worker: mark them and resume them."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.SYNC_STALE_AFTER_SECONDS)
    resumed = []
    for job in SyncJob.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=stale):
        replacement = _resume(job)
        if replacement:
            resumed.append(replacement)
    return resumed


def requeue_lost(now: datetime | None = None) -> list[int]:
    """Pending rows that no RQ job will run (Redis restarted or its queue was flushed): enqueue
    them again. A row waiting for the job it is chained after is not lost; one that has waited
    less than the stale threshold may still be on its way to the queue."""
    now = now or timezone.now()
    settled = now - timedelta(seconds=settings.SYNC_STALE_AFTER_SECONDS)
    pending = set(SyncJob.objects.filter(status=JobStatus.PENDING, created_at__lt=settled)
                  .values_list("pk", flat=True))
    if not pending:
        return []
    chained = {job.parameters.get("then") for job in
               SyncJob.objects.filter(status__in=ACTIVE_STATUSES).only("parameters")}
    lost = sorted(pending - chained - jobs.in_queue())
    for job_id in lost:
        jobs.enqueue(job_id)
    if lost:
        log.warning("job rows %s were pending with no queued job; enqueued them again", lost)
    return lost


def _resume(job: SyncJob) -> SyncJob | None:
    with transaction.atomic():
        if not job.abandon("The worker stopped while running this job."):
            return None  # it finished, or another scheduler took it
        if job.kind != runs.SYNC_KIND:
            return None
        idle = idle_attempts(job)
        if idle > MAX_IDLE_RESUMES:
            SyncJob.objects.filter(pk=job.pk).update(
                message=f"The worker stopped while running this job, and {idle} attempts in a "
                        "row confirmed no record: not resumed again. Start the synchronization "
                        "again once the cause is fixed.")
            return None
        if job.connection is not None and not job.connection.is_enabled:
            return None  # a disabled connection runs nothing, not even a resumed job
        replacement = jobs.start(
            job.kind, connection=job.connection, mapping=job.mapping,
            mapping_name=job.mapping_name, direction=job.direction, mode=job.mode,
            parameters=job.parameters, cursor=job.cursor, started_by=job.started_by,
            resumed_from=job, records_total=job.records_total, queue_entry=job.queue_entry)
        SyncJob.objects.filter(pk=job.pk).update(
            message=f"The worker stopped while running this job; resumed as job #{replacement.pk} "
                    "from its last confirmed batch.")
    log.warning("job %s was abandoned by its worker; resumed as %s", job.pk, replacement.pk)
    return replacement


def idle_attempts(job: SyncJob) -> int:
    """How many attempts in a row, ending with ``job``, confirmed no record."""
    idle = 0
    current: SyncJob | None = job
    while current is not None and current.records_done == 0 and idle <= MAX_IDLE_RESUMES:
        idle += 1
        current = SyncJob.objects.filter(pk=current.resumed_from_id).first() \
            if current.resumed_from_id else None
    return idle
