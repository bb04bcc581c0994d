"""A batch of Sales writes waiting for a lane or on the wire is held once, as its request
packed: the writes' bodies are let go once the request is written (a run keeps dozens of
batches waiting or in flight)."""

from connection.clients import dataverse_batch
from connection.clients.results import OperationResult
from synchronization.lanes import WriteLanes
from synchronization.side_writes import SalesWrites
from synchronization.writes import Write


class Wire:
    """A client that writes the request as Dataverse's does and, while it is "on the wire",
    looks at what the writes still hold."""

    def __init__(self) -> None:
        self.writes: list[Write] = []
        self.held_on_the_wire: list[dict] = []
        self.prepared = 0
        self.sent = b""

    def prepare_batch(self, operations, continue_on_error=True, atomic=False):
        self.prepared += 1
        return dataverse_batch.prepare(operations, "/api/data/v9.2", dataverse_batch.INDEPENDENT,
                                       continue_on_error)

    def send_batch(self, prepared, offset=0):
        self.held_on_the_wire = [w.body for w in self.writes]
        self.sent = bytes(prepared.body)
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


def test_a_batch_on_the_wire_holds_its_request_and_not_its_writes_bodies():
    wire = Wire()
    wire.writes = writes_named("Wire 0", "Wire 1", "Wire 2")
    outcomes = Writer(wire).write(wire.writes)
    assert wire.held_on_the_wire == [{}] * 3 and wire.prepared == 1
    assert all(f'{{"name":"Wire {n}"}}'.encode() in wire.sent for n in range(3))
    assert [o.ok for o in outcomes] == [True] * 3 and outcomes[0].modified_on is not None


def test_a_queued_batch_is_written_out_once_when_queued_and_sent_as_written():
    wire = Wire()
    lanes = WriteLanes(Writer(wire))
    wire.writes = writes_named("Queued 0", "Queued 1")
    lanes.send("page", wire.writes)
    assert [w.body for w in wire.writes] == [{}, {}]  # let go while the batch waits
    answer = lanes.answered(wait=5)
    lanes.close()
    assert answer is not None and answer.tag == "page" and wire.prepared == 1
    assert all(f'{{"name":"Queued {n}"}}'.encode() in wire.sent for n in range(2))
