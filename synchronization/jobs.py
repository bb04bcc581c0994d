"""The only module that talks to RQ: enqueue job rows on commit and run them by id.

A job row is created first and its id travels through Redis; the worker claims the row with a
conditional UPDATE, so a job enqueued twice, or picked up by two workers, still runs once.
"""

import logging
from collections.abc import Callable

import django_rq
from django.db import transaction
from rq import get_current_job

from synchronization.models import JobStatus, SyncJob

log = logging.getLogger(__name__)

QUEUE = "default"
_HANDLERS: dict[str, Callable[[SyncJob], dict]] = {}


def handler(kind: str):
    """Register the function that does the work of jobs of `kind`."""

    def register(function: Callable[[SyncJob], dict]) -> Callable[[SyncJob], dict]:
        _HANDLERS[kind] = function
        return function

    return register


def start(kind: str, **parameters) -> SyncJob:
    """Create a pending job row and enqueue it once the surrounding transaction commits."""
    job = SyncJob.objects.create(kind=kind, parameters=parameters)
    transaction.on_commit(lambda: enqueue(job.pk))
    return job


def enqueue(job_id: int) -> None:
    django_rq.get_queue(QUEUE).enqueue(run, job_id, job_id=f"syncjob-{job_id}")


def run(job_id: int) -> None:
    """Entry point the RQ worker calls."""
    job = SyncJob.objects.get(pk=job_id)
    current = get_current_job()
    if not job.claim(worker_name=current.worker_name if current else "inline"):
        log.info("job %s is %s already; not running it again", job_id, job.status)
        return
    try:
        result = _HANDLERS[job.kind](job)
    except Exception as exc:
        log.exception("job %s failed", job_id)
        job.fail(f"{type(exc).__name__}: {exc}")
        return
    job.finish(result)


@handler("ping")
def ping(job: SyncJob) -> dict:
    """Round trip that proves the web -> Redis -> worker -> database wiring."""
    return {"pong": True, "worker": job.worker_name}


__all__ = ["JobStatus", "handler", "run", "start"]
