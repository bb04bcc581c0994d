"""A batch of Sales writes waiting for a lane or on the wire is held once, as its request
packed and its writes' ids: its Writes and their bodies go once the request is written (a run
keeps dozens of batches waiting or in flight)."""

import gc
import threading
import weakref

from connection.clients import dataverse_batch
from connection.clients.results import OperationResult
from synchronization.lanes import WriteLanes
from synchronization.side_writes import SalesWrites
from synchronization.writes import Write


class Wire:
    """A client that writes the request as Dataverse's does; a request stays "on the wire"
    until ``answer`` is set."""

    def __init__(self) -> None:
        self.prepared = 0
        self.sent = b""
        self.on_the_wire = threading.Event()
        self.answer = threading.Event()
        self.answer.set()

    def prepare_batch(self, operations, continue_on_error=True, atomic=False):
        self.prepared += 1
        return dataverse_batch.prepare(operations, "/api/data/v9.2", dataverse_batch.INDEPENDENT,
                                       continue_on_error)

    def send_batch(self, prepared, offset=0):
        self.sent = bytes(prepared.body)
        self.on_the_wire.set()
        self.answer.wait(5)
        return [OperationResult(offset + i, 204, body={"modifiedon": "2026-12-07T10:00:00Z"})
                for i in range(len(prepared.requests()))]

    def held_seconds(self):
        return 0.0


class Writer(SalesWrites):
    def __init__(self, client: Wire) -> None:
        self.client = client  # type: ignore[assignment]
        self.entity_set, self.modified_field = "accounts", "modifiedon"
        self.batch_size, self.concurrency = 1000, 1


def writes_named(*names: str) -> list[Write]:
    return [Write("insert", f"00000000-0000-0000-0000-00000000000{n}", {"name": name})
            for n, name in enumerate(names)]


def test_a_batch_written_at_once_answers_each_write_by_its_id():
    wire = Wire()
    writes = writes_named("Wire 0", "Wire 1", "Wire 2")
    outcomes = Writer(wire).write(writes)
    assert wire.prepared == 1
    assert all(f'{{"name":"Wire {n}"}}'.encode() in wire.sent for n in range(3))
    assert [o.id for o in outcomes] == [w.id for w in writes]
    assert all(o.ok and o.modified_on is not None for o in outcomes)


def test_a_queued_batch_holds_its_request_not_its_writes_until_answered():
    wire = Wire()
    wire.answer.clear()
    lanes = WriteLanes(Writer(wire))
    writes = writes_named("Queued 0", "Queued 1")
    ids = [w.id for w in writes]
    held = [weakref.ref(w) for w in writes]
    lanes.send("page", writes)
    del writes
    assert wire.on_the_wire.wait(5)
    gc.collect()
    assert [ref() for ref in held] == [None, None]  # on the wire: no Write is held
    wire.answer.set()
    answer = lanes.answered(wait=5)
    lanes.close()
    assert answer is not None and answer.tag == "page" and wire.prepared == 1
    assert [o.id for o in answer.outcomes] == ids
    assert all(f'{{"name":"Queued {n}"}}'.encode() in wire.sent for n in range(2))
