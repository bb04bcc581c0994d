"""Side.write_batches: every write in exactly one batch, each batch handed back (in the
caller's thread) as soon as it completes, and write() the same outcomes in order."""

import threading

from synchronization.sides import Side
from synchronization.writes import Outcome, Write


class Recording(Side):
    """A side whose batches 'succeed' without a service, noting where each one ran."""

    def __init__(self, batch_size: int, concurrency: int) -> None:
        self.batch_size, self.concurrency = batch_size, concurrency
        self.threads: set[str] = set()
        self.sent = 0

    def _send(self, chunk) -> list[Outcome]:  # its writes: nothing prepares them
        self.threads.add(threading.current_thread().name)
        self.sent += 1
        return [Outcome(True, w.id) for w in chunk]


def writes(count: int) -> list[Write]:
    return [Write("insert", str(i)) for i in range(count)]


def test_every_write_is_in_exactly_one_batch_with_its_own_outcome():
    side = Recording(batch_size=100, concurrency=4)
    batches = list(side.write_batches(writes(1000)))
    indices = [i for batch, _ in batches for i in batch]
    assert sorted(indices) == list(range(1000))
    assert all(len(batch) <= 100 for batch, _ in batches)
    for batch, outcomes in batches:
        assert [o.id for o in outcomes] == [str(i) for i in batch]


def test_batches_are_handed_back_in_the_caller_s_thread_while_sent_in_parallel():
    side = Recording(batch_size=100, concurrency=4)
    caller = threading.current_thread().name
    seen = {threading.current_thread().name for _ in side.write_batches(writes(1000))}
    assert seen == {caller}
    assert caller not in side.threads


def test_write_returns_one_outcome_per_write_in_order():
    side = Recording(batch_size=100, concurrency=4)
    assert [o.id for o in side.write(writes(450))] == [str(i) for i in range(450)]


def test_a_caller_that_stops_early_sends_no_batch_not_yet_started():
    side = Recording(batch_size=100, concurrency=1)
    iterator = side.write_batches(writes(1000))
    next(iterator)
    iterator.close()
    assert side.sent == 1
