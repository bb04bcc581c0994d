"""WriteLanes: batches queued from several pages, at most ``lanes`` on the wire at once.

A unit test: the side's transport is faked (the edge), the lanes are real threads.
"""

from __future__ import annotations

import gc
import threading
import time
import weakref

import pytest

from synchronization.lanes import BACKLOG_BATCHES, WriteLanes
from synchronization.side_writes import BatchedWrites
from synchronization.writes import Outcome, Write


class Killed(BaseException):
    """Stands for SIGKILL: nothing on the way catches it."""


class FakeSide(BatchedWrites):
    """Counts the batches on the wire at once; a batch can be made to die like a killed worker."""

    key = "fake"

    def __init__(self, lanes: int, batch_size: int = 100, die_at: int | None = None,
                 seconds: float = 0.02) -> None:
        self.concurrency, self.batch_size, self.seconds = lanes, batch_size, seconds
        self.lock = threading.Lock()
        self.on_wire = self.peak = 0
        self.sent: list[str] = []
        self.die_at = die_at

    def _send(self, chunk) -> list[Outcome]:  # its writes: nothing prepares them
        with self.lock:
            self.sent.append(chunk[0].id)
            self.on_wire += 1
            self.peak = max(self.peak, self.on_wire)
            number = len(self.sent)
        time.sleep(self.seconds)
        with self.lock:
            self.on_wire -= 1
        if number == self.die_at:
            raise Killed
        return [Outcome(True, w.id) for w in chunk]


def batch(page: int, number: int, size: int = 10) -> list[Write]:
    return [Write("insert", f"{page}-{number}-{n}") for n in range(size)]


def test_batches_of_several_pages_share_the_lanes_and_each_comes_back_once():
    side = FakeSide(lanes=3)
    lanes = WriteLanes(side)
    for page in range(3):
        for number in range(4):
            lanes.send((page, number), batch(page, number))
    assert lanes.writes == 120 and lanes.free_lanes() == 0
    tags = []
    while (answer := lanes.answered()) is not None:
        tags.append(answer.tag)
        page, number = answer.tag
        assert [o.id for o in answer.outcomes] == [w.id for w in batch(page, number)]
    lanes.close()
    assert sorted(tags) == [(p, n) for p in range(3) for n in range(4)]
    assert side.peak == 3 and lanes.writes == 0


def test_there_is_a_backlog_once_more_batches_than_allowed_wait_for_a_busy_lane():
    side = FakeSide(lanes=1, batch_size=10, seconds=1)  # the first batch is on the wire throughout
    lanes = WriteLanes(side)
    for number in range(BACKLOG_BATCHES + 1):
        lanes.send(number, batch(0, number))
    assert not lanes.backlog()  # the batches allowed wait: the next page may be planned
    lanes.send("one more", batch(0, 99))
    assert lanes.backlog()
    lanes.close()


def test_nothing_waits_when_no_answer_is_ready_and_none_is_asked_to():
    lanes = WriteLanes(FakeSide(lanes=1))
    assert lanes.answered(wait=0) is None  # nothing queued
    lanes.send("a", batch(0, 0))
    assert lanes.answered(wait=0) is None  # on the wire for 20 ms
    assert lanes.answered().tag == "a"
    lanes.close()


def test_a_batch_that_dies_is_raised_to_the_caller_and_queued_batches_are_never_sent():
    side = FakeSide(lanes=1, die_at=2)
    lanes = WriteLanes(side)
    for number in range(5):
        lanes.send(number, batch(0, number))
    assert lanes.answered().tag == 0
    with pytest.raises(Killed):
        lanes.answered()
    lanes.close()
    assert side.sent == ["0-0-0", "0-1-0"]


class Tag:
    """What the engine tags a batch with (its page and plans): weakly referenceable here."""


def test_a_lane_waiting_for_its_next_batch_keeps_nothing_of_the_last_one():
    # An idle lane that still held its last batch kept that page's plans, write bodies and
    # answers alive until it took another one: with 52 lanes, 52 batches of 1,000 records.
    lanes = WriteLanes(FakeSide(lanes=2))
    tag, writes = Tag(), batch(0, 0)
    watched = [weakref.ref(tag), *(weakref.ref(w) for w in writes)]
    lanes.send(tag, writes)
    answer = lanes.answered()
    assert answer is not None and answer.tag is tag
    del tag, writes, answer
    gc.collect()
    assert [ref for ref in watched if ref() is not None] == []
    lanes.close()


class HeldSide(FakeSide):
    """A side the service holds (a 429's Retry-After) until ``release`` is set."""

    def __init__(self) -> None:
        super().__init__(lanes=2, batch_size=10)
        self.release = threading.Event()

    def held_seconds(self) -> float:
        return 0.0 if self.release.is_set() else 30.0


def test_a_lane_builds_no_request_while_the_service_holds_every_lane():
    side = HeldSide()
    lanes = WriteLanes(side)
    lanes.send("held", batch(0, 0))
    assert lanes.answered(wait=0.3) is None and side.sent == []
    side.release.set()
    answer = lanes.answered(wait=5)
    lanes.close()
    assert answer is not None and answer.tag == "held" and side.sent == ["0-0-0"]


def test_a_batch_held_when_the_run_stops_is_never_sent():
    side = HeldSide()
    lanes = WriteLanes(side)
    lanes.send("held", batch(0, 0))
    time.sleep(0.1)  # a lane took it and waits out the hold
    started = time.monotonic()
    lanes.close()
    side.release.set()
    assert side.sent == [] and time.monotonic() - started < 2
