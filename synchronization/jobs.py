"""The job spine: the only module that creates job rows and the only one that talks to RQ.

``start`` creates the row and enqueues its id once the transaction commits (or chains it after
another job); only the id travels through Redis. The worker's ``run`` claims the row with a
conditional UPDATE, so a job enqueued twice, or picked up by two workers, still runs once, and
calls the handler the table of ``synchronization.handlers`` names for the row's kind.
"""

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import django_rq
from django.db import transaction
from rq import Worker, get_current_job
from rq.job import Job as RqJob

from connection.identity_checks import record_set_aside
from connection.models import ConnectionSetup
from synchronization.models import JobKind, JobStatus, SyncJob

log = logging.getLogger(__name__)

QUEUE = "default"
# A job whose mapping is busy waits this long before trying again.
BUSY_RETRY = timedelta(seconds=5)
Run = Callable[[SyncJob], dict]
Claim = Callable[[SyncJob, str], bool]
Listener = Callable[[SyncJob], None]


@dataclass(frozen=True)
class Handler:
    """How the worker runs one kind of job: the work, and how it claims the row (by default
    pending -> running, once; a mapping sync also waits while its mapping is busy)."""

    run: Run
    claim: Claim | None = None


@dataclass
class _Table:
    handlers: dict[str, Handler] = field(default_factory=dict)
    listeners: tuple[Listener, ...] = ()


_table = _Table()


def install(handlers: Mapping[JobKind, Handler] | Mapping[str, Handler],
            listeners: tuple[Listener, ...] = ()) -> None:
    """Install the handler table (one entry per JobKind) and the listeners called after any job
    ends. ``SynchronizationConfig.ready()`` calls this once with ``synchronization.handlers``."""
    _table.handlers = {str(kind): handler for kind, handler in handlers.items()}
    _table.listeners = tuple(listeners)


def can_run(kind: str) -> bool:
    """Whether a worker knows how to run jobs of ``kind``."""
    return kind in _table.handlers


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


def start(kind: str, *, connection: ConnectionSetup | None = None, started_by: str = "",
          parameters: dict[str, Any] | None = None, after: SyncJob | None = None,
          queue: bool = True, **fields: Any) -> SyncJob:
    """Create a pending job row of ``kind`` (a JobKind) and have it run: the one place that
    creates job rows.

    ``fields`` are other SyncJob columns (mapping, mapping_name, direction, mode, cursor,
    resumed_from, records_total). The row is enqueued once the surrounding transaction commits;
    with ``after`` it joins that job's chain right after it instead, and the worker enqueues it
    when that job ends. ``queue=False`` only records the row, for work this process runs itself
    through ``run`` (a command). Raises ConnectionDisabled when the job's connection is disabled.
    """
    if connection is None and fields.get("mapping") is not None:
        connection = fields["mapping"].connection
    check_enabled(connection)
    job = SyncJob.objects.create(kind=kind, connection=connection, started_by=started_by,
                                 parameters=dict(parameters or {}), **fields)
    if after is not None:
        _chain_after(after, job)
    elif queue:
        transaction.on_commit(lambda: enqueue(job.pk))
    return job


def _chain_after(before: SyncJob, job: SyncJob) -> None:
    """Put ``job`` right after ``before`` in its chain (``parameters["then"]``), keeping the
    jobs that followed ``before`` after the new one."""
    before.refresh_from_db(fields=["parameters"])
    following = before.parameters.get("then")
    if following:
        job.parameters["then"] = following
        SyncJob.objects.filter(pk=job.pk).update(parameters=job.parameters)
    before.parameters["then"] = job.pk
    SyncJob.objects.filter(pk=before.pk).update(parameters=before.parameters)


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


def ping_redis() -> None:
    """Raise unless the queue's Redis answers (the health page)."""
    django_rq.get_connection(QUEUE).ping()


def worker_count() -> int:
    """Workers registered in Redis; RQ drops a worker whose heartbeat stops."""
    return Worker.count(connection=django_rq.get_connection(QUEUE))


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
    handler = _table.handlers.get(job.kind)
    if handler is None:
        _refuse(job, f"No worker knows how to run {job.kind} jobs in this version.")
        return
    claim = handler.claim or (lambda j, w: j.claim(w))
    if not claim(job, worker):
        job.refresh_from_db()
        if job.status == JobStatus.PENDING:  # its mapping is busy: try again shortly
            enqueue(job_id, BUSY_RETRY)
        return
    _execute(job, handler)


def _refuse(job: SyncJob | None, message: str) -> None:
    """Cancel a pending job and the jobs chained after it, saying why."""
    while job is not None and job.cancel(message):
        log.info("job %s not run: %s", job.pk, message)
        job.refresh_from_db()
        notify_finished(job)
        following = job.parameters.get("then")
        job = SyncJob.objects.filter(pk=following, status=JobStatus.PENDING).first() \
            if following else None


def _execute(job: SyncJob, handler: Handler) -> None:
    try:
        result = handler.run(job)
    except Exception as exc:
        log.exception("job %s failed", job.pk)
        job.fail(f"{type(exc).__name__}: {exc}" if not str(exc) else str(exc))
    else:
        job.finish(result, job.message)
    notify_finished(job)
    following = job.parameters.get("then")
    if following:  # a chained job starts once this one has ended and released its mapping
        enqueue(following)


def note_set_aside(job: SyncJob, connection: ConnectionSetup, sales_client: object) -> None:
    """After a job that wrote to Sales: the pool identities the services refused (401/403, no
    token) are recorded as failed on the connection card and named in the job's message."""
    job.message = " ".join([job.message, *record_set_aside(connection, sales_client)]).strip()


def notify_finished(job: SyncJob) -> None:
    """Tell the listeners a job ended; one failing listener does not stop the others."""
    job.refresh_from_db()
    for listener in _table.listeners:
        try:
            listener(job)
        except Exception:
            log.exception("listener %s failed for job %s", listener.__name__, job.pk)


def connection_of(job: SyncJob) -> ConnectionSetup:
    """The connection a connection-wide job works on (rows from before the ``connection``
    column was always filled carry only ``connection_id`` in their parameters)."""
    if job.connection is not None:
        return job.connection
    return ConnectionSetup.objects.get(pk=job.parameters["connection_id"])


def ping(job: SyncJob) -> dict:
    """Round trip that proves the web -> Redis -> worker -> database wiring."""
    return {"pong": True, "worker": job.worker_name}


__all__ = ["ConnectionDisabled", "Handler", "JobStatus", "can_run", "check_enabled", "enqueue",
           "in_queue", "install", "notify_finished", "run", "start"]
