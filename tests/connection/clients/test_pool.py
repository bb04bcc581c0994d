"""IdentityPool: writes go to the least busy identity, everything else to the primary."""

import threading
import time

import pytest

from connection.clients.errors import AuthenticationError, BadRequest, Forbidden, Unauthorized
from connection.clients.pool import IdentityPool, Member
from connection.clients.results import ClientCounters
from connection.clients.throttle import GaugeReading


class Identity:
    """Stands for one identity's DataverseClient: records what it was asked."""

    def __init__(self, name: str, hint: int = 4, held: float = 0.0,
                 refuses: Exception | None = None) -> None:
        self.name, self.hint, self.held, self.refuses = name, hint, held, refuses
        self.refused = 0
        self.batches: list[list] = []
        self.closed = False
        self.release = threading.Event()
        self.release.set()

    def batch(self, operations, **options):
        self.release.wait(5)
        if self.refuses is not None:
            self.refused += 1
            raise self.refuses
        self.batches.append(list(operations))
        return [self.name] * len(operations)

    def prepare_batch(self, operations, **options):
        return ("prepared by", self.name, list(operations))

    def send_batch(self, prepared, offset=0):
        return self.batch(prepared[2])

    def upsert_multiple(self, entity_set, rows):
        return f"{self.name} wrote {len(rows)} {entity_set}"

    def whoami(self):
        return f"{self.name} answers"

    def parallelism(self, default: int) -> int:
        return self.hint

    def throttle(self) -> GaugeReading:
        return GaugeReading("dataverse", self.name, held_seconds=self.held)

    def held_seconds(self) -> float:
        return self.held

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


@pytest.mark.parametrize("refusal", [
    Unauthorized("The token was refused", status=401),
    Forbidden("The user is not a member of the organization.", status=403),
    AuthenticationError("AADSTS7000215: Invalid client secret provided."),
])
def test_a_refused_identity_is_set_aside_and_its_batch_sent_again_by_another(refusal):
    one, two, three = Identity("one"), Identity("two", refuses=refusal), Identity("three")
    pool = pool_of(one, two, three)
    answers = [pool.batch([n])[0] for n in range(6)]
    assert "two" not in answers and len(answers) == 6
    assert two.refused == 1  # asked once, then left alone for the rest of the run
    [aside] = pool.set_aside()
    assert aside.member.name == "two" and str(refusal) in aside.reason
    assert pool._in_flight == [0, 0, 0]


def test_the_connections_own_credential_is_never_set_aside():
    one, two = Identity("one", refuses=Unauthorized("refused", status=401)), Identity("two")
    pool = pool_of(one, two)
    with pytest.raises(Unauthorized):
        pool.batch([1])
    assert pool.set_aside() == []


def test_a_record_error_is_the_callers_and_sets_no_identity_aside():
    one, two = Identity("one"), Identity("two", refuses=BadRequest("bad field", status=400))
    pool = pool_of(one, two)
    pool.batch([1])
    with pytest.raises(BadRequest):
        pool.batch([2])
    assert pool.set_aside() == [] and pool.batch([3]) == ["one"]


def test_with_every_further_identity_refused_the_primary_writes_alone():
    refusal = Forbidden("no", status=403)
    one, two, three = Identity("one"), Identity("two", refuses=refusal), \
        Identity("three", refuses=refusal)
    pool = pool_of(one, two, three)
    assert [pool.batch([n])[0] for n in range(4)] == ["one"] * 4
    assert [a.member.name for a in pool.set_aside()] == ["two", "three"]


def test_the_pool_is_held_only_while_every_identity_that_writes_is():
    primary, refused = Identity("primary", held=3.0), Identity(
        "refused", refuses=Unauthorized("refused", status=401))
    pool = pool_of(primary, refused, Identity("other", held=1.5))
    assert pool.held_seconds() == 0.0  # the refused one is free: not known to refuse yet
    primary.held = 0.0
    pool.batch([1])
    pool.batch([2])  # the refused identity's turn: it is set aside, the batch sent again
    primary.held = 3.0
    assert [a.member.name for a in pool.set_aside()] == ["refused"]
    assert pool.held_seconds() == 1.5


def test_a_prepared_batch_is_written_by_the_primary_and_sent_by_the_least_busy():
    first, second = Identity("first"), Identity("second")
    pool = pool_of(first, second)
    busy = threading.Thread(target=pool.batch, args=(["a"],))
    first.release.clear()
    busy.start()
    time.sleep(0.05)  # the first identity now has a request in flight
    prepared = pool.prepare_batch(["x", "y"])
    assert prepared[:2] == ("prepared by", "first")
    assert pool.send_batch(prepared) == ["second", "second"]
    first.release.set()
    busy.join()


def test_a_prepared_batch_a_refused_identity_sent_goes_again_by_another():
    refused, kept = Identity("refused", refuses=Unauthorized("expired")), Identity("kept")
    pool = IdentityPool([Member("own", "client-own", kept),
                         Member("refused", "client-refused", refused)])
    answers = [pool.send_batch(pool.prepare_batch([n])) for n in range(4)]
    assert answers == [["kept"]] * 4 and refused.refused == 1
