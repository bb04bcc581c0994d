"""Batches of writes on the wire for a whole run, from several pages at once.

A run's writer keeps as many batches in flight as the destination allows (its lanes) across page
boundaries: the next page is read, planned and its batches queued while the current page's are
still on the wire, so no lane idles while a page's slowest batch finishes or its bookkeeping
runs. Each lane is a thread that takes the next queued batch when its previous one is answered;
answers are handed back to the caller's thread (which alone touches the database) in the order
they arrive. A batch that was queued but not sent when the run stops is never sent.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from synchronization.writes import Outcome, Write

if TYPE_CHECKING:
    from synchronization.sides import Side


# Full batches that may wait for a lane before the writer stops planning pages ahead.
BACKLOG_BATCHES = 10
# How often a lane waiting out the service's hold looks whether it ended (or was lifted).
HOLD_POLL = 0.25


@dataclass
class Answered:
    """One batch handed back: what the caller tagged it with, and its outcomes in order."""

    tag: Any
    outcomes: list[Outcome]


class WriteLanes:
    """Up to ``side.lanes()`` batches of ``side`` in flight at once, fed from a queue."""

    def __init__(self, side: Side) -> None:
        self.side = side
        # (tag, its number of writes, the batch as the side prepared it); answers: (tag, number
        # of writes, outcomes or the exception that escaped the side)
        self._todo: queue.Queue[tuple[Any, int, Any] | None] = queue.Queue()
        self._answers: queue.Queue[tuple[Any, int, Any]] = queue.Queue()
        self._threads: list[threading.Thread] = []
        # Queued or on the wire, not handed back yet: batches and their writes.
        self.batches = 0
        self.writes = 0
        self._lock = threading.Lock()
        self._queued = 0  # writes no lane has taken yet
        self._closing = threading.Event()

    def lanes(self) -> int:
        """How many batches may be on the wire at once (the service's hint, once known)."""
        return max(1, self.side.lanes())

    def backlog(self) -> bool:
        """Whether more than BACKLOG_BATCHES full batches wait for a lane: every lane is busy
        (or held by the service's Retry-After), and more planned pages would only hold memory
        until one is free. Up to there, planning goes on while the lanes wait, so that when the
        service's window opens again there is work for every lane at once."""
        with self._lock:
            return self._queued > BACKLOG_BATCHES * self.side.batch_size

    def free_lanes(self) -> int:
        """Lanes that no queued or running batch will take."""
        return max(0, self.lanes() - self.batches)

    def send(self, tag: Any, writes: Sequence[Write]) -> None:
        """Queue one batch; a lane sends it as soon as one is free."""
        count = len(writes)
        batch = self.side.prepare(list(writes))
        self.batches += 1
        self.writes += count
        with self._lock:
            self._queued += count
        self._todo.put((tag, count, batch))
        if len(self._threads) < min(self.lanes(), self.batches):
            self._start_lane()

    def _start_lane(self) -> None:
        thread = threading.Thread(target=self._lane, daemon=True,
                                  name=f"write-{self.side.key}-{len(self._threads) + 1}")
        self._threads.append(thread)
        thread.start()

    def _lane(self) -> None:
        while (item := self._todo.get()) is not None:
            tag, count, batch = item
            with self._lock:
                self._queued -= count
            if not self._wait_for_window():
                return  # the run stopped while the service held every lane: never sent
            try:
                outcomes: Any = self.side._send_guarded(batch)
            except BaseException as exc:  # handed to the caller, who re-raises it
                self._answers.put((tag, count, exc))
                return
            self._answers.put((tag, count, outcomes))
            # Waiting for the next batch, the lane holds nothing of this one: its page's plans,
            # bodies and answers go as soon as the caller has recorded them.
            del item, tag, batch, outcomes

    def _wait_for_window(self) -> bool:
        """Wait out the service's Retry-After hold before sending: a batch sent while the
        service holds every lane would only be refused again. False when the lanes close
        meanwhile."""
        while (pause := self.side.held_seconds()) > 0:
            if self._closing.wait(min(pause, HOLD_POLL)):
                return False
        return not self._closing.is_set()

    def answered(self, wait: float | None = None) -> Answered | None:
        """The next answered batch, waiting for it (at most ``wait`` seconds when given; None
        when none came). A failure that escaped the side (not a service error: those are
        outcomes) is raised here."""
        if not self.batches:
            return None
        try:
            tag, count, result = self._answers.get(timeout=wait) if wait != 0 \
                else self._answers.get_nowait()
        except queue.Empty:
            return None
        self.batches -= 1
        self.writes -= count
        if isinstance(result, BaseException):
            raise result
        return Answered(tag, result)

    def close(self) -> None:
        """Drop what was not sent yet, let what is on the wire end, stop the lanes."""
        self._closing.set()
        while True:
            try:
                self._todo.get_nowait()
            except queue.Empty:
                break
        for _ in self._threads:
            self._todo.put(None)
        for thread in self._threads:
            thread.join()
        self._threads.clear()
