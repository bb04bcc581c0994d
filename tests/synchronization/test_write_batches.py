"""Side.write_batches: every lane the service allows busy, each batch handed back as it completes.

A unit test: the side's transport is faked (the edge), the batching and ordering are real.
"""

from __future__ import annotations

import threading
import time

from connection.clients.errors import ClientError
from synchronization.sides import Side
from synchronization.writes import Outcome, Write


class FakeSide(Side):
    """Records how many batches were on the wire at once; batch 0 can be made to answer last."""

    key = "fake"

    def __init__(self, lanes: int, batch_size: int = 100, fail_batch: int | None = None,
                 first_answers_last: bool = False) -> None:
        super().__init__(mapping=None, client=None,  # type: ignore[arg-type]  # no mapping needed
                         batch_size=batch_size, concurrency=lanes)
        self.lock = threading.Lock()
        self.on_wire = self.peak = 0
        self.first_batch_may_end = threading.Event()
        self.fail_batch = fail_batch
        self.first_answers_last = first_answers_last
        self.sent: list[list[str]] = []

    def _send(self, chunk) -> list[Outcome]:  # its writes: nothing prepares them
        with self.lock:
            self.on_wire += 1
            self.peak = max(self.peak, self.on_wire)
            number = len(self.sent)
            self.sent.append([w.id for w in chunk])
        if chunk[0].id == "0" and self.first_answers_last:
            self.first_batch_may_end.wait(5)
            time.sleep(0.1)  # the other batch's future completes just after its _send returns
        with self.lock:
            self.on_wire -= 1
        if chunk[0].id != "0":
            self.first_batch_may_end.set()
        if number == self.fail_batch:
            raise ClientError("The service refused the whole batch.")
        return [Outcome(True, w.id) for w in chunk]


def writes(count: int) -> list[Write]:
    return [Write("insert", str(n), {"name": f"Account {n}"}) for n in range(count)]


def test_each_batch_comes_back_with_its_indices_as_it_completes_not_in_order():
    side = FakeSide(lanes=4, first_answers_last=True)
    done = list(side.write_batches(writes(800)))
    assert done[0][0][0] != 0  # the first batch answered last
    indices = sorted(i for batch, _ in done for i in batch)
    assert indices == list(range(800))
    for batch, outcomes in done:
        assert [o.id for o in outcomes] == [str(i) for i in batch]


class WaveSide(FakeSide):
    """The first wave's batches each wait until the whole wave is on the wire together."""

    def __init__(self, lanes: int) -> None:
        super().__init__(lanes)
        self.wave = threading.Barrier(lanes)

    def _send(self, chunk) -> list[Outcome]:  # its writes: nothing prepares them
        with self.lock:
            self.on_wire += 1
            self.peak = max(self.peak, self.on_wire)
        if int(chunk[0].id) < 100 * self.concurrency:
            self.wave.wait(5)  # raises BrokenBarrierError if fewer lanes were busy
        with self.lock:
            self.on_wire -= 1
        return [Outcome(True, w.id) for w in chunk]


def test_the_lanes_are_all_busy_and_never_more():
    side = WaveSide(lanes=4)
    outcomes = side.write(writes(800))
    assert all(o.ok for o in outcomes) and side.peak == 4


def test_write_returns_one_outcome_per_write_in_order():
    side = FakeSide(lanes=3)
    outcomes = side.write(writes(650))
    assert [o.id for o in outcomes] == [str(n) for n in range(650)]


def test_a_batch_refused_as_a_whole_fails_its_writes_and_the_others_go_on():
    side = FakeSide(lanes=2, fail_batch=1)
    outcomes = side.write(writes(400))
    failed = [o for o in outcomes if not o.ok]
    assert len(failed) == 100 and "refused the whole batch" in failed[0].message
    assert sum(o.ok for o in outcomes) == 300


def test_small_work_stays_in_one_request():
    side = FakeSide(lanes=52, batch_size=1000)
    assert [len(b) for b, _ in side.write_batches(writes(80))] == [80]
