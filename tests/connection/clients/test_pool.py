"""IdentityPool: writes go to the least busy identity, everything else to the primary."""

import threading
import time

from connection.clients.pool import IdentityPool, Member
from connection.clients.results import ClientCounters
from connection.clients.throttle import GaugeReading


class Identity:
    """Stands for one identity's DataverseClient: records what it was asked."""

    def __init__(self, name: str, hint: int = 4, held: float = 0.0) -> None:
        self.name, self.hint, self.held = name, hint, held
        self.batches: list[list] = []
        self.closed = False
        self.release = threading.Event()
        self.release.set()

    def batch(self, operations, **options):
        self.release.wait(5)
        self.batches.append(list(operations))
        return [self.name] * len(operations)

    def upsert_multiple(self, entity_set, rows):
        return f"{self.name} wrote {len(rows)} {entity_set}"

    def whoami(self):
        return f"{self.name} answers"

    def parallelism(self, default: int) -> int:
        return self.hint

    def throttle(self) -> GaugeReading:
        return GaugeReading("dataverse", self.name, held_seconds=self.held)

    def counters(self) -> ClientCounters:
        return ClientCounters("dataverse", requests=len(self.batches), retries=1)

    def close(self) -> None:
        self.closed = True


def pool_of(*identities: Identity) -> IdentityPool:
    return IdentityPool([Member(i.name, f"client-{i.name}", i) for i in identities])  # type: ignore[arg-type]


def test_batches_take_turns_over_the_identities():
    one, two, three = Identity("one"), Identity("two"), Identity("three")
    pool = pool_of(one, two, three)
    answers = [pool.batch([n])[0] for n in range(6)]
    assert answers == ["one", "two", "three", "one", "two", "three"]


def test_a_batch_goes_to_an_identity_without_one_in_flight():
    one, two = Identity("one"), Identity("two")
    one.release.clear()
    pool = pool_of(one, two)
    busy = threading.Thread(target=pool.batch, args=([1],))
    busy.start()
    while not pool._in_flight[0]:  # the first identity has its batch on the wire
        time.sleep(0.01)
    assert pool.batch([2]) == ["two"] and pool.batch([3]) == ["two"]
    one.release.set()
    busy.join()


def test_among_equally_busy_identities_one_held_by_a_retry_after_comes_last():
    held, free = Identity("held", held=3.0), Identity("free")
    pool = pool_of(held, free)
    assert [pool.batch([n])[0] for n in range(3)] == ["free"] * 3


def test_a_held_identity_still_takes_its_even_share_of_the_work():
    held, free = Identity("held", held=3.0), Identity("free")
    held.release.clear()
    free.release.clear()
    pool = pool_of(held, free)
    first = threading.Thread(target=pool.batch, args=([1],))
    first.start()
    while not pool._in_flight[1]:  # the first batch is on the free identity's wire
        time.sleep(0.01)
    second = threading.Thread(target=pool.batch, args=([2],))
    second.start()
    while not pool._in_flight[0]:  # the second waits on the held one, not on the busy one
        time.sleep(0.01)
    assert pool._in_flight == [1, 1]
    held.release.set()
    free.release.set()
    first.join()
    second.join()


def test_bulk_messages_are_spread_and_reads_go_to_the_primary():
    one, two = Identity("one"), Identity("two")
    pool = pool_of(one, two)
    assert pool.upsert_multiple("accounts", [{}, {}]) == "one wrote 2 accounts"
    assert pool.upsert_multiple("accounts", [{}]) == "two wrote 1 accounts"
    assert pool.whoami() == "one answers"


def test_parallelism_counters_gauge_lines_and_close_cover_every_identity():
    one, two = Identity("one", hint=4), Identity("two", hint=6)
    pool = pool_of(one, two)
    pool.batch([1])
    assert pool.parallelism(4) == 10
    assert pool.counters().requests == 1 and pool.counters().retries == 2
    assert set(pool.throttle_readings()) == {"one", "two"}
    pool.close()
    assert one.closed and two.closed
