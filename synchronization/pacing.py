"""Keeping a long job alive and busy: a heartbeat thread and read-ahead of source pages."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from django.conf import settings
from django.db import DatabaseError
from django.db import connection as db_connection
from django.utils import timezone

from synchronization.models import JobStatus, SyncJob

log = logging.getLogger(__name__)
T = TypeVar("T")
BEAT_SECONDS = 10


class Heartbeat:
    """Beat the job's heartbeat every few seconds while it runs, however long a page takes.

    Without it a page that takes longer than the stale threshold would look abandoned and be
    resumed by another worker while this one still writes.
    """

    def __init__(self, job: SyncJob, every: float | None = None) -> None:
        self.job = job
        # Several beats per stale threshold, so one slow beat never makes a live job look dead.
        self.every = every or min(BEAT_SECONDS, settings.SYNC_STALE_AFTER_SECONDS / 4)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{job.pk}",
                                        daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(timeout=self.every + 5)

    def _beat(self) -> None:
        try:
            while not self._stop.wait(self.every):
                try:
                    SyncJob.objects.filter(pk=self.job.pk, status=JobStatus.RUNNING).update(
                        heartbeat_at=timezone.now())
                except DatabaseError:  # a busy database: the next beat tries again
                    log.warning("heartbeat of job %s missed", self.job.pk, exc_info=True)
        finally:
            db_connection.close()  # this thread's own connection


def prefetched(pages: Iterable[T]) -> Iterator[T]:
    """Yield pages while the next one is already being read in a second thread.

    Reading (HTTP and the page's coupling lookups happen later, in the caller) overlaps with the
    caller's writes, so the destination is never idle while a page boundary is crossed.
    """
    source = iter(pages)
    done: Any = object()  # the end marker; any other result is a page
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="read-ahead") as reader:
        try:
            ahead = reader.submit(next, source, done)
            while (page := ahead.result()) is not done:
                ahead = reader.submit(next, source, done)
                # Handed over, not kept: suspended at the yield, this frame holds no page.
                box = [page]
                del page
                yield box.pop()
        finally:
            # Resolved in the reader's thread: its own connection, if anything opened one.
            reader.submit(lambda: db_connection.close()).result()
