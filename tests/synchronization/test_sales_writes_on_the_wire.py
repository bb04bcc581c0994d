"""A batch of Sales writes on the wire is held once, as its request's bytes: the writes' bodies
and texts are let go once the request is written (a run keeps dozens of batches in flight)."""

from connection.clients import dataverse_batch
from connection.clients.results import OperationResult
from synchronization.side_writes import SalesWrites
from synchronization.writes import Write


class Wire:
    """A client that writes the request as Dataverse's does and, while it is "on the wire",
    looks at what the writes still hold."""

    def __init__(self) -> None:
        self.writes: list[Write] = []
        self.held_on_the_wire: list[tuple[str, dict]] = []
        self.sent = b""

    def prepare_batch(self, operations, continue_on_error=True, atomic=False):
        return dataverse_batch.prepare(operations, "/api/data/v9.2", dataverse_batch.INDEPENDENT,
                                       continue_on_error)

    def send_batch(self, prepared, offset=0):
        self.held_on_the_wire = [(w.text, w.body) for w in self.writes]
        self.sent = prepared.body
        return [OperationResult(offset + i, 204, body={"modifiedon": "2026-12-07T10:00:00Z"})
                for i in range(len(prepared.operations))]


class Writer(SalesWrites):
    def __init__(self, client: Wire) -> None:
        self.client = client  # type: ignore[assignment]
        self.entity_set, self.modified_field = "accounts", "modifiedon"
        self.batch_size, self.concurrency = 1000, 1


def test_a_batch_on_the_wire_holds_its_request_and_not_its_writes_bodies():
    wire = Wire()
    writes = [Write("insert", f"00000000-0000-0000-0000-00000000000{n}", {"name": f"Wire {n}"})
              for n in range(3)]
    Writer(wire).compact(writes[:2])  # two waited for a lane (texts), one went straight out
    wire.writes = writes
    outcomes = Writer(wire).write(writes)
    assert wire.held_on_the_wire == [("", {})] * 3
    assert all(f'{{"name":"Wire {n}"}}'.encode() in wire.sent for n in range(3))
    assert [o.ok for o in outcomes] == [True] * 3 and outcomes[0].modified_on is not None
