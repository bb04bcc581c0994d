"""Delayed jobs (a busy mapping's retry) are moved to their queue by idle workers themselves,
each once: no RQ scheduler process runs beside a worker. Real Redis; the worker runs in this
process (it forks nothing, so there is nothing more to prove in a separate one)."""

from __future__ import annotations

import time
from datetime import timedelta

import django_rq
import pytest

from synchronization.worker import Worker
from tests.fixtures.worker import _InThread


def remember(key: str) -> None:
    """The delayed job: leaves a mark in Redis."""
    django_rq.get_connection("default").set(key, "ran")


@pytest.fixture
def queue(redis_url):
    queue = django_rq.get_queue("default")
    queue.connection.flushdb()
    yield queue
    queue.connection.flushdb()


def idle_worker(queue) -> Worker:
    return Worker([queue], connection=queue.connection, serializer=queue.serializer)


def test_a_due_job_is_enqueued_once_whichever_idle_workers_look(queue):
    due = queue.enqueue_in(timedelta(0), remember, "due")
    later = queue.enqueue_in(timedelta(minutes=10), remember, "later")
    for worker in (idle_worker(queue), idle_worker(queue)):
        worker._promote_due_jobs()
    assert queue.get_job_ids() == [due.id]
    assert queue.scheduled_job_registry.get_job_ids() == [later.id]


def test_a_worker_asked_for_rq_s_scheduler_runs_a_due_delayed_job_without_one(queue):
    queue.enqueue_in(timedelta(0), remember, "ran-by-the-worker")
    worker = _InThread([queue], connection=queue.connection, serializer=queue.serializer)
    worker._last_tick = time.monotonic()  # the job queue's tick is not what this test is about
    worker.work(burst=True, with_scheduler=True, logging_level="WARNING")
    assert worker.scheduler is None  # no scheduler process was started
    assert queue.connection.get("ran-by-the-worker") == b"ran"
    assert not queue.scheduled_job_registry.get_job_ids()
