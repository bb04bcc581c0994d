"""Review lines of a full synchronization: dependency order, the jobs behind each line, and the
statuses Business Central shows (Job Queue Entry Status, To/From Int. Table Job Status).

Pure reading and arithmetic; starting and stopping live in ``synchronization.fullsync``.
"""

from __future__ import annotations

from collections.abc import Iterable

from connection.models import ConnectionSetup
from mappings.models import IntegrationTableMapping, UidFieldType
from synchronization.models import (
    TERMINAL_STATUSES,
    FullSyncLine,
    JobStatus,
    LineStatus,
    SyncJob,
)

# A job resumed after its worker died replaces the original. A job is resumed as long as it
# makes progress, so a chain can be long; one query per link follows it, up to this bound.
MAX_RESUME_DEPTH = 1000


def dependency_order(mappings: Iterable[IntegrationTableMapping]
                     ) -> list[tuple[IntegrationTableMapping, int]]:
    """Mappings with their wave (1 = no dependency), ordered by wave then mapping position.

    Dependency names with no mapping do not block, as in BC (AreAllParentalJobsFinished); a
    dependency cycle puts its members in a last wave where they wait on each other, visibly.
    """
    by_name = {m.name: m for m in mappings}
    waves: dict[str, int] = {}
    pending = dict(by_name)
    while pending:
        placed = {name: 1 + max((waves[d] for d in _parents(m, by_name)), default=0)
                  for name, m in pending.items()
                  if all(d in waves for d in _parents(m, by_name))}
        if not placed:  # a cycle: no member can ever be placed by its parents
            last = max(waves.values(), default=0) + 1
            placed = dict.fromkeys(pending, last)
        waves.update(placed)
        for name in placed:
            pending.pop(name)
    ordered = sorted(by_name.values(), key=lambda m: (waves[m.name], m.position, m.name))
    return [(m, waves[m.name]) for m in ordered]


def _parents(mapping: IntegrationTableMapping, by_name: dict) -> list[str]:
    return [d for d in mapping.depends_on() if d in by_name and d != mapping.name]


def jobs_of(lines: Iterable[FullSyncLine]) -> dict[int, dict[str, SyncJob]]:
    """The current job of each line and direction: line id -> {direction: job}.

    Starts from the jobs the lines started and follows resumptions (a replacement job has a
    higher id than the job it resumes, so the latest per direction wins).
    """
    wanted = {pk for line in lines for pk in line.job_ids}
    found = {job.pk: job for job in SyncJob.objects.filter(pk__in=wanted)}
    frontier = set(found)
    for _ in range(MAX_RESUME_DEPTH):
        if not frontier:
            break
        newer = list(SyncJob.objects.filter(resumed_from_id__in=frontier))
        found.update({job.pk: job for job in newer})
        frontier = {job.pk for job in newer}
    current: dict[int, dict[str, SyncJob]] = {}
    for job in sorted(found.values(), key=lambda j: j.pk):
        line_id = job.parameters.get("full_sync_line")
        if isinstance(line_id, int):
            current.setdefault(line_id, {})[job.direction] = job
    return current


def status_from_jobs(jobs: list[SyncJob]) -> str | None:
    """Job Queue Entry Status from the line's jobs; None when it has none (keep what it has).

    A job that ran to its end is Finished even when some or all records failed (as a BC job queue
    entry is); the line's dependents then start. A job that stopped with an error is Error.
    """
    if not jobs:
        return None
    statuses = {JobStatus.FINISHED if ran_through(job) else job.status for job in jobs}
    if statuses <= set(TERMINAL_STATUSES):
        if JobStatus.FAILED in statuses:
            return LineStatus.ERROR
        if JobStatus.CANCELLED in statuses:
            return LineStatus.CANCELLED
        return LineStatus.FINISHED
    if statuses == {JobStatus.PENDING}:
        return LineStatus.READY
    return LineStatus.IN_PROCESS


def ran_through(job: SyncJob) -> bool:
    """Whether the job went through all its records, even if every one of them failed (the
    engine then ends it as Error; BC's job queue entry still reads Finished)."""
    return job.status == JobStatus.FINISHED or (
        job.status == JobStatus.FAILED and job.failed > 0 and job.records_done == job.failed)


def direction_status(job: SyncJob | None) -> str:
    """To/From Int. Table Job Status as BC computes it: ' ', In Process, Error or Success.

    Error when the job stopped with an error, or when every record it touched failed
    (AreAllRecordsFailed); Success otherwise, even with some failed records.
    """
    if job is None:
        return ""
    if job.status in (JobStatus.PENDING, JobStatus.RUNNING):
        return "In Process"
    if job.status == JobStatus.CANCELLED:
        return "Cancelled"
    if job.status == JobStatus.FAILED or (job.failed and job.records_done == job.failed):
        return "Error"
    return "Success"


def blockers(line: FullSyncLine, by_name: dict[str, FullSyncLine], *, ignore: bool = False
             ) -> list[FullSyncLine]:
    """The lines this line still waits for (a dry run writes nothing, so it waits for none)."""
    if ignore:
        return []
    return [by_name[name] for name in line.depends_on()
            if name in by_name and name != line.name
            and by_name[name].status != LineStatus.FINISHED]


def waiting_message(waiting: list[FullSyncLine]) -> str:
    """Why a line has not started, in words."""
    ended = [line for line in waiting if line.status in (LineStatus.ERROR, LineStatus.CANCELLED)]
    if ended:
        which = ", ".join(f"{line.name} ended with {line.get_status_display()}" for line in ended)
        return (f"Not started: {which}. Fix the problem, then choose Restart failed lines "
                "(the lines it depends on must finish first).")
    return f"Waits for {', '.join(line.name for line in waiting)} to finish."


# -- Synchronize Modified Records ----------------------------------------------------------
# GetPrioritizedMappingList: (BC table, Sales entity set) pairs first, in this order.
MODIFIED_PRIORITY = (
    (None, "systemusers"), ("Currency", None), ("Unit of Measure", None),
    ("Customer", "accounts"), ("Contact", "contacts"), ("Item", "products"),
    ("Resource", "products"),
)
# Invoice lines are written by the invoice header's job (bc-integration 3.3: a standalone Sales
# Invoice Line sync fails with "Cannot synchronize invoice lines separately."), so their review
# line finishes with its header instead of failing as in BC.
NOT_ON_ITS_OWN = {"Sales Invoice Line"}
WITH_HEADER = ("Invoice lines are synchronized with their posted sales invoice (the lines of "
               "every invoice the invoice job writes); no job of its own.")


def modified_priority(connection: ConnectionSetup) -> list[IntegrationTableMapping]:
    """The mappings Synchronize Modified Records runs, in BC's priority order: the prioritised
    tables, then every other mapping with a GUID UID by position (no invoice lines)."""
    candidates = [m for m in IntegrationTableMapping.objects.filter(connection=connection)
                  if m.integration_table_uid_type == UidFieldType.GUID
                  and m.bc_table not in NOT_ON_ITS_OWN]

    def rank(mapping: IntegrationTableMapping) -> tuple[int, int]:
        for index, (table, entity_set) in enumerate(MODIFIED_PRIORITY):
            if table in (None, mapping.bc_table) and entity_set in (None,
                                                                     mapping.sales_entity_set):
                return index, mapping.position
        return len(MODIFIED_PRIORITY), mapping.position

    return sorted(candidates, key=rank)

