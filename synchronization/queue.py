"""Job Queue Entries: what the page lists and the actions an administrator takes on an entry."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from synchronization import scheduler
from synchronization.models import EntryKind, EntryStatus, JobQueueEntry, SyncJob

RUN_NOW_REASON = "Run now by {user}."


class EntryNotStarted(Exception):
    """Run now could not start the entry's jobs (already running, or the connection is off)."""


def entries_of(connection) -> QuerySet[JobQueueEntry]:
    """Every job queue entry of the connection, connection-level jobs first, then mappings,
    each with the id of the last job it started (``last_job_id``)."""
    last = SyncJob.objects.filter(queue_entry=OuterRef("pk")).order_by("-pk").values("pk")[:1]
    return (JobQueueEntry.objects.filter(connection=connection)
            .annotate(last_job_id=Subquery(last))
            .select_related("mapping").order_by("kind", "mapping__position", "pk"))


def last_jobs(entries) -> dict[int, SyncJob]:
    """The last job each entry (from ``entries_of``) started, in one query, by entry id."""
    wanted = {entry.pk: entry.last_job_id for entry in entries if entry.last_job_id}
    found = SyncJob.objects.in_bulk(list(wanted.values()))
    return {entry_id: found[job_id] for entry_id, job_id in wanted.items() if job_id in found}


def caption(entry: JobQueueEntry) -> str:
    """BC's Object Caption to Run / description of the entry."""
    if entry.kind == EntryKind.MAPPING and entry.mapping:
        return f"{entry.mapping.name} - Dynamics 365 Sales synchronization job"
    return entry.description or f"{entry.get_kind_display()} - Dynamics 365 Sales synchronization"


def short_name(entry: JobQueueEntry) -> str:
    """The mapping's name, or the job's caption, for lists that have little room."""
    if entry.kind == EntryKind.MAPPING and entry.mapping:
        return entry.mapping.name
    return entry.get_kind_display()


def run_now(entry: JobQueueEntry, user: str) -> list[SyncJob]:
    """Start the entry's jobs at once, awake or asleep, and keep its schedule from now on."""
    entry.status = EntryStatus.READY
    entry.woken_reason = RUN_NOW_REASON.format(user=user) if entry.inactive_since else ""
    entry.woken_at = timezone.now() if entry.inactive_since else None
    entry.inactive_since = None
    entry.save(update_fields=["status", "woken_reason", "woken_at", "inactive_since"])
    started = scheduler.run_entry(entry, timezone.now())
    if not started:
        raise EntryNotStarted(
            f"{caption(entry)} did not start: it is already running, or the connection is "
            "disabled (Test Connection enables it again).")
    return started


def set_on_hold(entry: JobQueueEntry) -> None:
    """Stop the schedule: the scheduler skips entries On Hold until they are set ready."""
    entry.status = EntryStatus.ON_HOLD
    entry.save(update_fields=["status"])


def set_ready(entry: JobQueueEntry) -> None:
    """Restart the schedule now (BC's Set Status to Ready): it runs at the next tick."""
    entry.status, entry.inactive_since = EntryStatus.READY, None
    entry.enabled, entry.next_run_at = True, timezone.now()
    entry.save(update_fields=["status", "inactive_since", "enabled", "next_run_at"])
