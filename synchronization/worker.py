"""The RQ worker class `manage.py rqworker` uses (settings.RQ["WORKER_CLASS"]).

Idle workers drive the job queue: every SYNC_TICK_SECONDS one of them (a Redis lock picks it)
runs the scheduler tick — recover abandoned jobs, start the due entries. It runs in the worker's
own process between jobs, like RQ's maintenance, so no thread lives across the fork of a job.

Idle workers also move the delayed jobs that are due (a busy mapping's retry) to their queue,
which RQ's scheduler would do in a process of its own per worker (``--with-scheduler``, which is
ignored): that process held a sixth of a worker family's memory during a full synchronization,
and its lock outlives a killed worker by minutes. A job is taken off the schedule with one
atomic ZREM, so two idle workers never both enqueue it; a busy worker moves none, and none is
due to it, since it could not run one either.

A worker family's memory (synchronization.memory): the allocator is tuned before anything is
forked, and the worker's objects are frozen for the garbage collector before each fork, so the
work horse shares the worker's pages instead of copying them.
"""

import logging
import time

from django.conf import settings
from django.db import close_old_connections
from rq import Worker as RqWorker
from rq.utils import current_timestamp

from synchronization import memory

log = logging.getLogger(__name__)
TICK_LOCK = "bcsales:scheduler:tick"
# How often an idle worker looks for delayed jobs that are due (a busy mapping's retry waits
# five seconds).
PROMOTE_SECONDS = 1


class Worker(RqWorker):
    _last_tick = float("-inf")
    _last_promotion = float("-inf")

    def __init__(self, *args, **kwargs) -> None:
        # `manage.py rqworker` passes RQ's pickle serializer unless told otherwise: the queues'
        # serializer (JSON, settings.RQ_SERIALIZER) is the only one our jobs are read with.
        kwargs["serializer"] = settings.RQ_SERIALIZER
        super().__init__(*args, **kwargs)

    def work(self, *args, **kwargs) -> bool:
        memory.tune_allocator()
        kwargs["with_scheduler"] = False  # delayed jobs are moved here (see the module)
        return super().work(*args, **kwargs)

    def fork_work_horse(self, job, queue) -> None:
        memory.share_with_children()
        super().fork_work_horse(job, queue)

    @property
    def dequeue_timeout(self) -> int:
        # Wake up at least once a tick and once a promotion, even when no job comes.
        return max(1, min(super().dequeue_timeout, settings.SYNC_TICK_SECONDS,
                          PROMOTE_SECONDS))

    @property
    def should_run_maintenance_tasks(self) -> bool:
        return self._tick_due() or self._promotion_due() or super().should_run_maintenance_tasks

    def run_maintenance_tasks(self) -> None:
        if self._promotion_due():
            self._promote_due_jobs()
        if self._tick_due():
            self._tick()
        if super().should_run_maintenance_tasks:
            super().run_maintenance_tasks()

    def _promotion_due(self) -> bool:
        return time.monotonic() - self._last_promotion >= PROMOTE_SECONDS

    def _promote_due_jobs(self) -> None:
        """Enqueue the delayed jobs whose time has come, each once (see the module)."""
        self._last_promotion = time.monotonic()
        for queue in self.queues:
            registry = queue.scheduled_job_registry
            for job_id in registry.get_jobs_to_schedule(current_timestamp()):
                if not self.connection.zrem(registry.key, job_id):
                    continue  # another idle worker took it
                job = queue.fetch_job(job_id)
                if job is not None:
                    queue.enqueue_job(job)

    def _tick_due(self) -> bool:
        return time.monotonic() - self._last_tick >= settings.SYNC_TICK_SECONDS

    def _tick(self) -> None:
        self._last_tick = time.monotonic()
        if not self.connection.set(TICK_LOCK, self.name, nx=True,
                                   ex=max(1, settings.SYNC_TICK_SECONDS - 1)):
            return  # another worker ticks this time
        from synchronization import scheduler

        close_old_connections()
        try:
            scheduler.tick()
        except Exception:  # the schedule must survive a bad tick; the next one tries again
            log.exception("scheduler tick failed")
        finally:
            close_old_connections()
