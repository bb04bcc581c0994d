"""DirectionRun._drain: while a write lane has no batch to take, planning the next page comes
before confirming answers; they wait in the lanes' queue and are all confirmed in the end.

A unit test: the side's transport is faked (the edge), the lanes are real threads.
"""

from __future__ import annotations

import time
from collections import deque

from synchronization.engine import DirectionRun
from synchronization.lanes import WriteLanes
from tests.synchronization.test_write_lanes import FakeSide, batch


def _run_with(lanes: WriteLanes) -> tuple[DirectionRun, list]:
    run = DirectionRun.__new__(DirectionRun)  # only what _drain reads
    run.lanes, run.pages = lanes, deque()
    confirmed: list = []
    run._confirm_answer = confirmed.append  # type: ignore[method-assign,assignment]
    return run, confirmed


def _until_answered(lanes: WriteLanes, count: int) -> None:
    deadline = time.monotonic() + 5
    while lanes._answers.qsize() < count:
        assert time.monotonic() < deadline, "the fake side did not answer"
        time.sleep(0.005)


def test_answers_wait_while_a_lane_is_free_and_are_all_confirmed_in_the_end():
    lanes = WriteLanes(FakeSide(lanes=3, seconds=0))
    try:
        run, confirmed = _run_with(lanes)
        lanes.send("first", batch(0, 0))
        _until_answered(lanes, 1)
        run._drain()
        assert confirmed == []  # two lanes are free: the next page is planned first
        run._drain(everything=True)
        assert [answer.tag for answer in confirmed] == ["first"]
    finally:
        lanes.close()


def test_answers_are_confirmed_between_pages_once_every_lane_has_a_batch():
    lanes = WriteLanes(FakeSide(lanes=3, seconds=0))
    try:
        run, confirmed = _run_with(lanes)
        for number in range(3):
            lanes.send(number, batch(0, number))
        _until_answered(lanes, 3)
        run._drain()
        assert sorted(answer.tag for answer in confirmed) == [0, 1, 2]
    finally:
        lanes.close()
