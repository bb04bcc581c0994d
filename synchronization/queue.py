"""Job Queue Entries: what the page lists and the actions an administrator takes on an entry.

The entry model lives with the mappings today; everything in the portal that is not the
scheduler or the default setup reaches it through this module, so moving it next to SyncJob is a
change of the import below only.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from mappings.models import EntryStatus, JobKind, JobQueueEntry
from synchronization import scheduler
from synchronization.models import SyncJob

__all__ = ["EntryStatus", "JobKind", "JobQueueEntry", "entries_of", "last_jobs", "run_now",
           "set_on_hold", "set_ready"]

RUN_NOW_REASON = "Run now by {user}."


class EntryNotStarted(Exception):
    """Run now could not start the entry's jobs (already running, or the connection is off)."""


def entries_of(connection) -> QuerySet[JobQueueEntry]:
    """Every job queue entry of the connection, connection-level jobs first, then mappings."""
    return (JobQueueEntry.objects.filter(connection=connection)
            .select_related("mapping").order_by("kind", "mapping__position", "pk"))


def last_jobs(entries) -> dict[int, SyncJob]:
    """The last job each entry started, in one query, keyed by entry id."""
    wanted = {entry.pk: max(entry.last_job_ids) for entry in entries if entry.last_job_ids}
    found = SyncJob.objects.in_bulk(list(wanted.values()))
    return {entry_id: found[job_id] for entry_id, job_id in wanted.items() if job_id in found}


def caption(entry: JobQueueEntry) -> str:
    """BC's Object Caption to Run / description of the entry."""
    if entry.kind == JobKind.MAPPING and entry.mapping:
        return f"{entry.mapping.name} - Dynamics 365 Sales synchronization job"
    return entry.description or f"{entry.get_kind_display()} - Dynamics 365 Sales synchronization"


def short_name(entry: JobQueueEntry) -> str:
    """The mapping's name, or the job's caption, for lists that have little room."""
    if entry.kind == JobKind.MAPPING and entry.mapping:
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
