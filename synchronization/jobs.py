"""The only module that talks to RQ: enqueue job rows on commit and run them by id.

A job row is created first and its id travels through Redis; the worker claims the row with a
conditional UPDATE, so a job enqueued twice, or picked up by two workers, still runs once.
"""

import logging
from collections.abc import Callable
from datetime import timedelta

import django_rq
from django.db import transaction
from rq import get_current_job
from rq.job import Job as RqJob

from connection.models import ConnectionSetup
from synchronization.models import JobStatus, SyncJob

log = logging.getLogger(__name__)

QUEUE = "default"
# A job whose mapping is busy waits this long before trying again.
BUSY_RETRY = timedelta(seconds=5)
_HANDLERS: dict[str, Callable[[SyncJob], dict]] = {}
_CLAIMERS: dict[str, Callable[[SyncJob, str], bool]] = {}
_FINISHED_LISTENERS: list[Callable[[SyncJob], None]] = []


def handler(kind: str):
    """Register the function that does the work of jobs of `kind`."""

    def register(function: Callable[[SyncJob], dict]) -> Callable[[SyncJob], dict]:
        _HANDLERS[kind] = function
        return function

    return register


def claimer(kind: str):
    """Register how jobs of `kind` are claimed (default: pending -> running, once)."""

    def register(function: Callable[[SyncJob, str], bool]) -> Callable[[SyncJob, str], bool]:
        _CLAIMERS[kind] = function
        return function

    return register


def can_run(kind: str) -> bool:
    """Whether a worker knows how to run jobs of ``kind``."""
    return kind in _HANDLERS


def when_finished(listener: Callable[[SyncJob], None]) -> Callable[[SyncJob], None]:
    """Register a function called (in the worker) after any job ends, whatever its status.

    Used to start dependent work, e.g. the next lines of a full synchronization.
    """
    _FINISHED_LISTENERS.append(listener)
    return listener


class ConnectionDisabled(Exception):
    """The connection is disabled (Disconnect, or a failed test): nothing of it may run."""


def disabled_message(connection: ConnectionSetup) -> str:
    return (f"The connection {connection.name} is disabled, so nothing is synchronized. Enable "
            "it again on its card (Test Connection) before synchronizing.")


def check_enabled(connection: ConnectionSetup | None) -> None:
    """The one rule: a disabled connection runs nothing. Raises ConnectionDisabled.

    Every way of starting work calls this (pages, commands, the scheduler, full
    synchronization), and the worker checks again when it claims a job, so a job queued before
    Disconnect does not run after it either.
    """
    if connection is not None and not connection.is_enabled:
        raise ConnectionDisabled(disabled_message(connection))


def start(kind: str, *, connection=None, started_by: str = "", **parameters) -> SyncJob:
    """Create a pending job row and enqueue it once the surrounding transaction commits.

    Raises ConnectionDisabled when the job's connection is disabled.
    """
    if connection is None and parameters.get("connection_id"):
        connection = ConnectionSetup.objects.filter(pk=parameters["connection_id"]).first()
    check_enabled(connection)
    job = SyncJob.objects.create(kind=kind, connection=connection, started_by=started_by,
                                 parameters=parameters)
    transaction.on_commit(lambda: enqueue(job.pk))
    return job


def enqueue(job_id: int, delay: timedelta | None = None) -> None:
    """Put a job row's id on the queue: the id is all that travels (as JSON)."""
    queue = django_rq.get_queue(QUEUE)
    if delay:
        queue.enqueue_in(delay, run, int(job_id))
    else:
        queue.enqueue(run, int(job_id))


def in_queue() -> set[int]:
    """Ids of the job rows an RQ job will still run: queued, scheduled (a busy mapping's retry)
    or being run. A pending row missing here was lost with Redis (a restart, a flush)."""
    queue = django_rq.get_queue(QUEUE)
    ids = [*queue.get_job_ids(), *queue.scheduled_job_registry.get_job_ids(),
           *queue.started_job_registry.get_job_ids()]
    found = RqJob.fetch_many(ids, connection=queue.connection, serializer=queue.serializer)
    return {job.args[0] for job in found if job is not None and job.args}


def run(job_id: int) -> None:
    """Entry point the RQ worker calls."""
    job = SyncJob.objects.filter(pk=job_id).first()
    if job is None or job.status != JobStatus.PENDING:
        log.info("job %s is not pending; not running it", job_id)
        return
    if job.connection is not None and not job.connection.is_enabled:
        _refuse(job, disabled_message(job.connection))
        return
    current = get_current_job()
    worker = current.worker_name if current and current.worker_name else "inline"
    claim = _CLAIMERS.get(job.kind, lambda j, w: j.claim(w))
    if not claim(job, worker):
        job.refresh_from_db()
        if job.status == JobStatus.PENDING:  # its mapping is busy: try again shortly
            enqueue(job_id, BUSY_RETRY)
        return
    _execute(job)


def _refuse(job: SyncJob | None, message: str) -> None:
    """Cancel a pending job and the jobs chained after it, saying why."""
    while job is not None and job.cancel(message):
        log.info("job %s not run: %s", job.pk, message)
        job.refresh_from_db()
        notify_finished(job)
        following = job.parameters.get("then")
        job = SyncJob.objects.filter(pk=following, status=JobStatus.PENDING).first() \
            if following else None


def _execute(job: SyncJob) -> None:
    try:
        result = _HANDLERS[job.kind](job)
    except Exception as exc:
        log.exception("job %s failed", job.pk)
        job.fail(f"{type(exc).__name__}: {exc}" if not str(exc) else str(exc))
    else:
        job.finish(result, job.message)
    notify_finished(job)
    following = job.parameters.get("then")
    if following:  # a chained job starts once this one has ended and released its mapping
        enqueue(following)


def notify_finished(job: SyncJob) -> None:
    """Tell the listeners a job ended; one failing listener does not stop the others."""
    job.refresh_from_db()
    for listener in _FINISHED_LISTENERS:
        try:
            listener(job)
        except Exception:
            log.exception("listener %s failed for job %s", listener.__name__, job.pk)


@handler("ping")
def ping(job: SyncJob) -> dict:
    """Round trip that proves the web -> Redis -> worker -> database wiring."""
    return {"pong": True, "worker": job.worker_name}


__all__ = ["ConnectionDisabled", "JobStatus", "can_run", "check_enabled", "claimer", "enqueue",
           "handler", "in_queue", "notify_finished", "run", "start", "when_finished"]
