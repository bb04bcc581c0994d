"""Full synchronization: review lines started in dependency waves by the engine's own scheduler.

Business Central's CRM Full Synch. Review (bc-integration.md 3.3), re-created. Start creates a
run with one line per mapping; a line starts (one SyncJob per direction, mode All, Synch. Only
Coupled Records lifted) once every line it depends on has Finished. No worker ever waits: each
time any job ends, the ``job_finished`` listener below refreshes the lines from their job rows
and starts the lines that became startable, so independent lines run in parallel on as many
workers as are running. A line whose dependency ended with Error stays not started and says why
until **Restart failed lines**.

One run per connection is In Process at a time: a partial unique index on the run table is the
lock; it is released when the run ends, is cancelled, is older than 24 hours, or its worker is
gone (its running jobs stopped beating).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from connection.models import ConnectionSetup
from mappings.models import IntegrationTableMapping
from synchronization import fullsync_lines, fullsync_review, jobs, runs
from synchronization.models import (
    ACTIVE_STATUSES,
    FULL_SYNC_LOCK,
    LINE_ACTIVE,
    LINE_ENDED,
    FullSyncLine,
    FullSyncRun,
    JobKind,
    JobStatus,
    LineStatus,
    RunStatus,
    SyncJob,
    SyncMode,
)

log = logging.getLogger(__name__)
FULL_SYNC_KIND = JobKind.FULL_SYNC
MODIFIED_SYNC_KIND = JobKind.SYNC_MODIFIED
NUDGE_EVERY = 30  # seconds
PENDING_TOO_LONG = timedelta(seconds=60)


class RunInProgress(Exception):
    """Another full synchronization of the connection holds the lock."""

    def __init__(self, run: FullSyncRun) -> None:
        self.run = run
        who = f" by {run.started_by}" if run.started_by else ""
        super().__init__(
            f"A full synchronization of {run.connection.name} is already running (run "
            f"#{run.pk}, started{who} at {timezone.localtime(run.created_at):%Y-%m-%d %H:%M}). "
            "Wait for it to finish or cancel it.")


ConnectionDisabled = jobs.ConnectionDisabled  # raised by start_run and restart_failed


class NothingToRestart(Exception):
    """The run has no failed or cancelled line."""


# -- the lock ------------------------------------------------------------------------------
BUSY_PREFIX = "Waits for job #"


def running_run(connection: ConnectionSetup) -> FullSyncRun | None:
    """The run that holds (or last held) the connection's lock, if it is still In Process."""
    return FullSyncRun.objects.filter(connection=connection, status=RunStatus.RUNNING).first()


def lock_problem(run: FullSyncRun) -> str:
    """Why an In Process run no longer holds the lock ('' while it does)."""
    if run.lock_expires_at and timezone.now() >= run.lock_expires_at:
        return "Its lock expired after 24 hours."
    jobs_by_line = fullsync_lines.jobs_of(run.lines.all())
    running = [j for per_line in jobs_by_line.values() for j in per_line.values()
               if j.status == JobStatus.RUNNING]
    if running and all(j.is_stale for j in running):
        return "Its worker stopped (no heartbeat from its running jobs)."
    return ""


def _take_lock(connection: ConnectionSetup) -> None:
    """Refuse while another run holds the lock; release a lock that expired or lost its worker."""
    current = running_run(connection)
    if current is None:
        return
    problem = lock_problem(current)
    if not problem:
        raise RunInProgress(current)
    _release(current, f"{problem} The lock was released for a new run.")


def _release(run: FullSyncRun, message: str) -> None:
    """End a run whose lock is gone: stop its jobs so nothing of it goes on behind the new one."""
    for per_line in fullsync_lines.jobs_of(run.lines.all()).values():
        for job in per_line.values():
            if job.is_stale:
                job.abandon(message)
            elif job.is_active:
                job.cancel(message)
    FullSyncRun.objects.filter(pk=run.pk).update(
        status=RunStatus.CANCELLED, finished_at=timezone.now(), message=message)
    for line in run.lines.filter(lifted=True):
        _restore(line, keep=False)


# -- starting, restarting, cancelling -----------------------------------------------------
def start_run(connection: ConnectionSetup, started_by: str = "", *, dry_run: bool = False,
              counts: dict[str, dict] | None = None, only: set[str] | None = None
              ) -> FullSyncRun:
    """Start a full synchronization (or a dry run) of every mapping of the connection.

    Raises RunInProgress while another run holds the connection's lock. ``counts`` are the
    review's record counts and recommendations by mapping name, kept on the lines; ``only``
    limits the lines to these mapping names (lines left out do not block their dependents).
    """
    jobs.check_enabled(connection)
    mappings = [m for m in IntegrationTableMapping.objects.filter(connection=connection)
                if only is None or m.name in only]
    run = None
    try:
        with transaction.atomic():
            ConnectionSetup.objects.select_for_update().filter(pk=connection.pk).first()
            _take_lock(connection)
            run = FullSyncRun.objects.create(
                connection=connection, dry_run=dry_run, started_by=started_by,
                lock_expires_at=timezone.now() + FULL_SYNC_LOCK)
            _create_lines(run, mappings, counts or {})
            transaction.on_commit(lambda: advance(run.pk))
    except IntegrityError as exc:  # another request took the lock between check and insert
        holder = running_run(connection)
        if holder is None:
            raise
        raise RunInProgress(holder) from exc
    return run


def _create_lines(run: FullSyncRun, mappings: list[IntegrationTableMapping],
                  counts: dict[str, dict]) -> None:
    lines = []
    for position, (mapping, wave) in enumerate(fullsync_lines.dependency_order(mappings), 1):
        known = counts.get(mapping.name, {})
        lines.append(FullSyncLine(
            run=run, mapping=mapping, name=mapping.name, position=position, wave=wave,
            dependency_filter=mapping.dependency_filter, direction=mapping.direction,
            bc_count=known.get("bc_count"), sales_count=known.get("sales_count"),
            recommendation=known.get("recommendation", "")))
    FullSyncLine.objects.bulk_create(lines)


def restart_failed(run: FullSyncRun, started_by: str = "") -> int:
    """Restart the lines that ended with Error or were cancelled (and so the ones they block).

    Raises NothingToRestart, or RunInProgress while another run holds the lock.
    """
    jobs.check_enabled(run.connection)
    again = run.lines.filter(status__in=[LineStatus.ERROR, LineStatus.CANCELLED])
    if run.is_running or not again.exists():
        raise NothingToRestart("There are no failed or cancelled lines to restart"
                               + (" until the run ends." if run.is_running else "."))
    try:
        with transaction.atomic():
            ConnectionSetup.objects.select_for_update().filter(pk=run.connection_id).first()
            _take_lock(run.connection)
            count = again.update(status=LineStatus.BLANK, job_ids=[], message="",
                                 started_at=None, finished_at=None)
            FullSyncRun.objects.filter(pk=run.pk).update(
                status=RunStatus.RUNNING, finished_at=None, message="",
                started_by=started_by or run.started_by,
                lock_expires_at=timezone.now() + FULL_SYNC_LOCK)
            transaction.on_commit(lambda: advance(run.pk))
    except IntegrityError as exc:
        holder = running_run(run.connection)
        if holder is None:
            raise
        raise RunInProgress(holder) from exc
    return count


def cancel_run(run: FullSyncRun, cancelled_by: str = "") -> int:
    """Cancel the run: lines not started yet never start, running jobs stop after their page.

    Returns the number of jobs asked to stop or cancelled.
    """
    message = f"Cancelled by {cancelled_by}." if cancelled_by else "Cancelled."
    stopped = 0
    with transaction.atomic():
        updated = FullSyncRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            status=RunStatus.CANCELLED, finished_at=timezone.now(), message=message)
        if not updated:
            return 0
        run.lines.filter(status=LineStatus.BLANK).update(status=LineStatus.CANCELLED,
                                                         message="Cancelled before it started.")
        for per_line in fullsync_lines.jobs_of(run.lines.all()).values():
            stopped += sum(1 for job in per_line.values() if job.is_active and job.cancel(message))
    refresh(run)
    return stopped


def set_keep_lifted(run: FullSyncRun, keep: bool) -> int:
    """The answer to "keep Synch. Only Coupled Records lifted?"; returns the mappings changed."""
    FullSyncRun.objects.filter(pk=run.pk).update(keep_lifted=keep)
    lines = run.lines.filter(only_coupled_before=True).exclude(status__in=LINE_ACTIVE)
    mapping_ids = [line.mapping_id for line in lines if line.mapping_id]
    return IntegrationTableMapping.objects.filter(pk__in=mapping_ids).update(
        synch_only_coupled_records=not keep)


# -- the scheduler -------------------------------------------------------------------------
def advance(run_id: int) -> None:
    """Refresh the run's lines from their jobs, start every line that can start, end the run
    when nothing is left to run. Safe to call from several workers at once."""
    run = FullSyncRun.objects.filter(pk=run_id).select_related("connection").first()
    if run is None:
        return
    lines = refresh(run)
    if not run.is_running:
        return
    by_name = {line.name: line for line in lines}
    for line in lines:
        if line.status == LineStatus.BLANK:
            _start_if_ready(run, line, by_name)
    if _work_left(run, lines):
        return
    # This snapshot is stale when another worker (or the page) advanced the run at the same
    # time: a line it claimed first still reads Blank here. Read the lines again before ending.
    lines = refresh(run)
    if not _work_left(run, lines):
        _finish(run, lines)


def _work_left(run: FullSyncRun, lines: list[FullSyncLine]) -> bool:
    """A line runs, waits for another job of its mapping, or could start now; or a job chained
    after a line's job (invoice lines after their headers) has not ended yet."""
    by_name = {line.name: line for line in lines}
    return any(
        line.status in LINE_ACTIVE
        or (line.status == LineStatus.BLANK
            and (line.message.startswith(BUSY_PREFIX)
                 or not fullsync_lines.blockers(line, by_name, ignore=run.dry_run)))
        for line in lines) or _follow_ups_active(lines)


def _follow_ups_active(lines: list[FullSyncLine]) -> bool:
    """Whether a job chained after one of the lines' jobs is still pending or running: the run
    ends once the work its lines started has ended, not only the lines' own jobs."""
    line_jobs = {pk for line in lines for pk in line.job_ids}
    chained = {job["parameters"].get("then") for job in SyncJob.objects.filter(
        pk__in=line_jobs).values("parameters")} - {None} - line_jobs
    return SyncJob.objects.filter(pk__in=chained, status__in=ACTIVE_STATUSES).exists()


def refresh(run: FullSyncRun) -> list[FullSyncLine]:
    """Lines with their status derived from their jobs (saved when it changed)."""
    lines = list(run.lines.select_related("mapping"))
    jobs_by_line = fullsync_lines.jobs_of(lines)
    for line in lines:
        status = fullsync_lines.status_from_jobs(list(jobs_by_line.get(line.pk, {}).values()))
        if status and status != line.status:
            _move(line, status, jobs_by_line.get(line.pk, {}), run)
    return lines


def _move(line: FullSyncLine, status: str, jobs_of_line: dict, run: FullSyncRun) -> None:
    line.status = status
    fields = ["status"]
    if status in LINE_ENDED:
        line.finished_at = max((j.finished_at for j in jobs_of_line.values() if j.finished_at),
                               default=timezone.now())
        line.message = "; ".join(j.message for j in jobs_of_line.values()
                                 if j.status != JobStatus.FINISHED and j.message)[:2000]
        fields += ["finished_at", "message"]
    FullSyncLine.objects.filter(pk=line.pk).update(**{f: getattr(line, f) for f in fields})
    if status in LINE_ENDED and line.lifted:
        _restore(line, keep=bool(run.keep_lifted))


def _start_if_ready(run: FullSyncRun, line: FullSyncLine, by_name: dict) -> None:
    waiting = fullsync_lines.blockers(line, by_name, ignore=run.dry_run)
    if waiting:
        message = fullsync_lines.waiting_message(waiting)
        if message != line.message:
            FullSyncLine.objects.filter(pk=line.pk).update(message=message)
            line.message = message
        return
    with transaction.atomic():
        # The conditional UPDATE is the claim: two workers advancing at once start it once.
        if not FullSyncLine.objects.filter(pk=line.pk, status=LineStatus.BLANK).update(
                status=LineStatus.READY, message=""):
            return
        line.status = LineStatus.READY
        _start_line(run, line)


def _start_line(run: FullSyncRun, line: FullSyncLine) -> None:
    mapping = line.mapping
    if mapping is None:
        _set(line, status=LineStatus.ERROR, message="The integration table mapping was deleted.")
        return
    if mapping.bc_table in fullsync_lines.NOT_ON_ITS_OWN:
        _set(line, status=LineStatus.FINISHED, started_at=timezone.now(),
             finished_at=timezone.now(), message=fullsync_lines.WITH_HEADER)
        return
    extra: dict[str, Any] = {"dry_run": True} if run.dry_run else {}
    try:
        started = runs.start_mapping_sync(
            mapping, SyncMode.ALL, ignore_synch_only_coupled=True, started_by=run.started_by,
            full_sync_run=run.pk, full_sync_line=line.pk, **extra)
    except runs.ConnectionDisabled as exc:
        _set(line, status=LineStatus.ERROR, message=str(exc))
        return
    except runs.AlreadyRunning:
        busy = runs.active_jobs(mapping).order_by("pk").first()
        _set(line, status=LineStatus.BLANK,
             message=f"{BUSY_PREFIX}{busy.pk if busy else '?'} of this mapping to finish.")
        return
    _set(line, job_ids=[job.pk for job in started], started_at=timezone.now())
    if not run.dry_run:
        _lift(line, mapping)


def _finish(run: FullSyncRun, lines: list[FullSyncLine]) -> None:
    """End the run: Finished only when every line finished, else Finished with errors."""
    blocked = sum(1 for line in lines if line.status == LineStatus.BLANK)
    failed = [line.name for line in lines
              if line.status in (LineStatus.ERROR, LineStatus.CANCELLED)]
    message = " ".join(part for part in (
        f"Lines that did not finish: {', '.join(failed)}." if failed else "",
        f"{blocked} line(s) could not start because a line they depend on did not finish."
        if blocked else "") if part)
    status = RunStatus.FAILED if failed or blocked else RunStatus.FINISHED
    FullSyncRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
        status=status, finished_at=timezone.now(), message=message)


def _set(line: FullSyncLine, **fields) -> None:
    for name, value in fields.items():
        setattr(line, name, value)
    FullSyncLine.objects.filter(pk=line.pk).update(**fields)


# -- Synch. Only Coupled Records, lifted while a line runs ---------------------------------
def _lift(line: FullSyncLine, mapping: IntegrationTableMapping) -> None:
    """As BC's full-sync copy of the mapping: uncoupled records are created on the other side."""
    _set(line, only_coupled_before=mapping.synch_only_coupled_records, lifted=True)
    IntegrationTableMapping.objects.filter(pk=mapping.pk).update(synch_only_coupled_records=False)


def _restore(line: FullSyncLine, keep: bool) -> None:
    if line.mapping_id and not keep:
        IntegrationTableMapping.objects.filter(pk=line.mapping_id).update(
            synch_only_coupled_records=bool(line.only_coupled_before))
    _set(line, lifted=False)


def tick() -> None:
    """The worker's tick: catch up every full synchronization In Process (a page never does)."""
    for run in FullSyncRun.objects.filter(status=RunStatus.RUNNING).select_related("connection"):
        try:
            nudge(run)
        except Exception:  # one broken run must not stop the others
            log.exception("full synchronization run %s could not advance", run.pk)


def nudge(run: FullSyncRun) -> None:
    """Catch up after a worker died between two steps (the worker's tick, and ``fullsync
    --wait`` while it watches, call it): start what can start, and enqueue again the run's jobs
    that have been pending for a while (the message may be lost; a job runs once however often
    it is sent). At most once per NUDGE_EVERY per run."""
    key = f"fullsync-nudge:{run.pk}:{run.created_at.timestamp()}"
    if not run.is_running or not cache.add(key, 1, NUDGE_EVERY):
        return
    advance(run.pk)
    waited = timezone.now() - PENDING_TOO_LONG
    for per_line in fullsync_lines.jobs_of(run.lines.all()).values():
        for job in per_line.values():
            if job.status == JobStatus.PENDING and job.created_at < waited and _is_next(job):
                jobs.enqueue(job.pk)


def _is_next(job: SyncJob) -> bool:
    """A chained job is sent by the job before it, unless that one has ended."""
    before = SyncJob.objects.filter(parameters__then=job.pk).first()
    return before is None or not before.is_active


def job_finished(job: SyncJob) -> None:
    """Any job ended: advance the connection's runs (a line's job, or a job a line waited for)."""
    if job.connection_id is None:
        return
    for run_id in _runs_to_advance(job):
        advance(run_id)


def _runs_to_advance(job: SyncJob) -> Iterable[int]:
    ids = set(FullSyncRun.objects.filter(connection_id=job.connection_id,
                                         status=RunStatus.RUNNING).values_list("pk", flat=True))
    own = job.parameters.get("full_sync_run")
    if isinstance(own, int):  # a cancelled run still records how its last jobs ended
        ids.add(own)
    return sorted(ids)


# -- the connection page's actions ---------------------------------------------------------
def run_full_sync_job(job: SyncJob) -> dict:
    """Run Full Synchronization from the connection page or the assisted setup."""
    connection = jobs.connection_of(job)
    started_by = job.started_by or job.parameters.get("started_by") or "Connection setup"
    counts = fullsync_review.cached_counts(connection)
    run = start_run(connection, started_by, counts=counts)
    return {"full_sync_run": run.pk, "counts": counts}


def run_modified_job(job: SyncJob) -> dict:
    """Synchronize Modified Records: every mapping in BC's priority order (3.3, last paragraph),
    skipping mappings that already have an active job."""
    connection = jobs.connection_of(job)
    started_by = job.started_by or job.parameters.get("started_by") or "Connection setup"
    started, skipped = [], []
    for mapping in fullsync_lines.modified_priority(connection):
        try:
            with transaction.atomic():
                started += runs.start_mapping_sync(mapping, SyncMode.MODIFIED,
                                                   started_by=started_by)
        except runs.AlreadyRunning:
            skipped.append(mapping.name)
    if skipped:
        job.message = f"Already running, not started again: {', '.join(skipped)}."
        job.beat(message=job.message)
    return {"jobs": [j.pk for j in started], "skipped": skipped}
