"""How a side writes: batches of writes spread over the lanes the destination allows.

Split from synchronization.sides, which says where records live and how they are read; here is
only what turns a list of Writes into requests. SalesWrites is Dataverse's: each write an
operation of a ``$batch`` that answers with the row's new modified-on and version, or a batch of
new rows one UpsertMultiple read back in the same ``$batch``. BcWrites is
Business Central's: API ``$batch`` requests, the fields the API lacks through the card page, and
tables without an API entity through their OData page, a record at a time.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from connection.clients import dataverse_bulk, odata
from connection.clients.business_central import BcOperation
from connection.clients.dataverse_batch import BatchOperation, PreparedBatch
from connection.clients.dataverse_bulk import PackedTargets
from connection.clients.errors import ClientError
from mappings.models import IntegrationTableMapping
from synchronization.bc_tables import CARD_ONLY_PROPERTIES, caption_of, page_field
from synchronization.side_clients import BcClient, SalesClient
from synchronization.writes import (
    VERSION_FIELD,
    Outcome,
    Write,
    outcome_of,
    parse_time,
    parse_version,
)

# No batch is cut below this many writes for the sake of parallelism.
MIN_SPLIT_BATCH = 100
# New rows sent as one UpsertMultiple at least (fewer go as operations of their own), and the
# ids read back per read after one (a filter of a hundred ids is a URL of 5 KB).
MIN_BULK_WRITES = 100
READ_BACK_IDS = 100


@dataclass(frozen=True, slots=True)
class PreparedWrites:
    """A batch written out ahead of its lane (SalesWrites.prepare): its request, and the ids of
    its writes, which its answer is matched to; for new rows sent as an UpsertMultiple, their
    targets too. Waiting or on the wire, a batch holds this, not its Writes and their bodies."""

    request: PreparedBatch
    ids: tuple[str, ...]
    bulk: PackedTargets | None = None


# A batch as it waits for a lane: its writes, or written out.
Batch = Sequence[Write] | PreparedWrites


class BatchedWrites:
    """Writes in batches of at most ``batch_size``, ``lanes()`` of them at once."""

    key = ""
    batch_size: int
    concurrency: int

    def lanes(self) -> int:
        """Batches to keep in flight: what the service recommends, else the configured count."""
        return self.concurrency

    def write(self, writes: Sequence[Write]) -> list[Outcome]:
        """Apply writes in batches, several at a time; one Outcome per write, in order."""
        outcomes: list[Outcome | None] = [None] * len(writes)
        for indices, batch in self.write_batches(writes):
            for index, outcome in zip(indices, batch, strict=True):
                outcomes[index] = outcome
        return [o for o in outcomes if o is not None]

    def write_batches(self, writes: Sequence[Write]) -> Iterator[tuple[list[int], list[Outcome]]]:
        """Apply writes in batches with every lane the service allows busy; yield each batch's
        indices (into ``writes``) and outcomes as it completes, in the caller's thread, so the
        caller records a batch while the others are still on the wire."""
        lanes = self.lanes()
        size = self.batch_size_for(len(writes), lanes)
        spans = [list(range(i, min(i + size, len(writes)))) for i in range(0, len(writes), size)]
        if len(spans) <= 1 or lanes == 1:
            for span in spans:
                yield span, self._send_guarded([writes[i] for i in span])
            return
        pool = ThreadPoolExecutor(max_workers=min(lanes, len(spans)),
                                  thread_name_prefix=f"write-{self.key}")
        try:
            running = {pool.submit(self._send_guarded, [writes[i] for i in span]): span
                       for span in spans}
            for done in as_completed(running):
                yield running.pop(done), done.result()
        finally:
            # A caller that stops early (the job was taken over) sends no further batch.
            pool.shutdown(wait=True, cancel_futures=True)

    def batch_size_for(self, count: int, lanes: int | None = None) -> int:
        """At most batch_size, and as many batches as fill ``lanes`` free lanes in every wave:
        1,000 writes in batches of 500 over 4 lanes would leave two lanes idle. Small work stays
        in few requests: no batch is cut below MIN_SPLIT_BATCH for the sake of parallelism."""
        lanes = lanes or self.concurrency
        waves = max(1, math.ceil(count / (self.batch_size * lanes)))
        even = math.ceil(count / (waves * lanes))
        return max(1, min(self.batch_size, max(even, MIN_SPLIT_BATCH)))

    def held_seconds(self) -> float:
        """How long the service still holds every lane (a 429's Retry-After); 0: send."""
        return 0.0

    def prepare(self, chunk: Sequence[Write]) -> Batch:
        """The batch as it waits for its lane: written out ahead where the side can
        (SalesWrites), else its writes."""
        return chunk

    def _send_guarded(self, batch: Batch) -> list[Outcome]:
        # A batch the service refused as a whole (after the client's retries) fails each of its
        # writes with the service's message; the job goes on with the next batch.
        try:
            return self._send(batch)
        except ClientError as exc:
            ids = batch.ids if isinstance(batch, PreparedWrites) else [w.id for w in batch]
            return [Outcome.failed(id, exc) for id in ids]

    def _send(self, batch: Batch) -> list[Outcome]:
        raise NotImplementedError


class SalesWrites(BatchedWrites):
    """A Dataverse table's writes: operations of a ``$batch``, each answered on its own; a
    batch of new rows of a table that takes ``UpsertMultiple`` is one such request instead."""

    client: SalesClient
    entity_set: str
    modified_field: str
    logical_name: str
    id_field: str
    # Whether the table takes UpsertMultiple (its metadata says, from the message filters).
    bulk = False

    def held_seconds(self) -> float:
        """How long the service still holds every identity that writes (each has its own
        Retry-After)."""
        return self.client.held_seconds()

    def prepare(self, chunk: Sequence[Write]) -> PreparedWrites:
        """The request, packed, and the writes' ids: a run keeps a few dozen batches waiting or
        on the wire, and their Writes and bodies can go."""
        ids = tuple(w.id for w in chunk)
        if self._in_bulk(chunk):
            return self._prepare_bulk(chunk, ids)
        return PreparedWrites(self.client.prepare_batch([self._operation(w) for w in chunk]), ids)

    def _in_bulk(self, chunk: Sequence[Write]) -> bool:
        """Whether ``chunk`` goes as one UpsertMultiple: new rows only (each to the id the run
        chose for it, so a request sent again creates nothing twice), enough of them to be
        worth the reads that go with it (a bulk answer carries no row), and a table that takes
        it. Its rows cost the service the same execution time as operations of their own, and
        it parses and answers a fraction of what they make it."""
        return (self.bulk and len(chunk) >= MIN_BULK_WRITES
                and all(w.kind == "insert" for w in chunk))

    def _send(self, batch: Batch) -> list[Outcome]:
        prepared = batch if isinstance(batch, PreparedWrites) else self.prepare(batch)
        if prepared.bulk is not None:
            return self._send_bulk(prepared, prepared.bulk)
        results = self.client.send_batch(prepared.request)
        # The bookkeeping of a Sales write reads the row's stamps, not the row: a run confirms
        # a few dozen batches at once after a burst, and the rows would be held until then.
        return [outcome_of(id, r, self.modified_field, keep_record=False)
                for id, r in zip(prepared.ids, results, strict=True)]

    def _prepare_bulk(self, chunk: Sequence[Write], ids: tuple[str, ...]) -> PreparedWrites:
        """The UpsertMultiple and the reads of what its answer lacks (each row's ETag,
        modified-on and version, which its coupling records) in one ``$batch``: one request
        for the service's limits, so no read waits for a window the write just filled."""
        text = dataverse_bulk.targets_text(self.logical_name, self.id_field,
                                           [(w.id, w.body) for w in chunk])
        columns = ",".join((self.id_field, self.modified_field, VERSION_FIELD))
        reads = [BatchOperation("GET", odata.with_query(self.entity_set, {
            "$select": columns,
            "$filter": odata.any_equal(self.id_field, ids[i:i + READ_BACK_IDS])}))
            for i in range(0, len(ids), READ_BACK_IDS)]
        write = BatchOperation.upsert_multiple(self.entity_set, text)
        request = self.client.prepare_batch([write, *reads])
        return PreparedWrites(request, ids, PackedTargets.of(self.id_field, text))

    def _send_bulk(self, prepared: PreparedWrites, targets: PackedTargets) -> list[Outcome]:
        results = self.client.send_batch(prepared.request)
        if not results[0].ok:
            # One row failed, and all with it: every row again as an operation of its own,
            # where each is written or refused alone, with its own message.
            writes = [Write("insert", id, body) for id, body in targets.writes()]
            again = self.client.prepare_batch([self._operation(w) for w in writes])
            return self._send(PreparedWrites(again, prepared.ids))
        rows = {str(row.get(self.id_field) or "").lower(): row
                for result in results[1:] for row in (result.body or {}).get("value", ())}
        return [self._read_outcome(id, rows.get(id)) for id in prepared.ids]

    def _read_outcome(self, id: str, row: dict | None) -> Outcome:
        if row is None:
            return Outcome(False, id, message=(
                "Written, but not found when read back right after; the next run writes it "
                "again (to the same id)."), request=f"GET {self.entity_set}({id})")
        return Outcome(True, id, parse_time(row.get(self.modified_field)),
                       version=parse_version(row.get(VERSION_FIELD)), status=204,
                       etag=str(row.get("@odata.etag") or ""))

    def _operation(self, write: Write) -> BatchOperation:
        # Ask for the new modifiedon and versionnumber back, so the coupling records the write
        # itself and the next run does not mistake our own change for a user's (protocols.md 3.5).
        returning = (self.modified_field, VERSION_FIELD)
        if write.kind == "insert":  # upsert to the chosen id: a retry updates, never duplicates
            return BatchOperation.upsert(self.entity_set, write.id, write.body, returning)
        if write.kind == "delete":
            return BatchOperation.delete(self.entity_set, write.id)
        # With the ETag the row had when it was judged: a row changed since answers 412 and is
        # judged again on a fresh read (protocols.md 3.6). The writes of a sync are independent
        # parts of the $batch, never a change set, so a 412 fails that write alone (3.9).
        return BatchOperation.update(self.entity_set, write.id, write.body,
                                     etag=write.if_match or None, returning=returning)


class BcWrites(BatchedWrites):
    """A Business Central table's writes (what synchronization.sides.BcSide says of it)."""

    client: BcClient
    mapping: IntegrationTableMapping
    table: Any  # the table's catalogue entry: its entity, number property, fields
    page: str | None  # the OData page of a table without an API entity
    modified_field: str

    if TYPE_CHECKING:  # BcSide's, through Side
        def record_id(self, record: dict) -> str: ...

        def modified_on(self, record: dict) -> datetime | None: ...

        @property
        def number_field(self) -> str: ...

        @property
        def _card_page_name(self) -> str: ...

        @property
        def _page_name(self) -> str: ...

    def _send(self, batch: Batch) -> list[Outcome]:
        chunk = cast(Sequence[Write], batch)  # BC writes wait for their lane as they are
        if self.page:
            return [self._send_page(write) for write in chunk]
        card_only = set(CARD_ONLY_PROPERTIES.get(self.mapping.bc_table, ()))
        api_writes = [Write(w.kind, w.id, {k: v for k, v in w.body.items() if k not in card_only},
                            w.number) for w in chunk]
        results = self.client.batch([self._operation(w) for w in api_writes])
        outcomes = [outcome_of(w.id, r, self.modified_field)
                    for w, r in zip(api_writes, results, strict=True)]
        outcomes = self._retry_existing(api_writes, outcomes)
        return [self._write_card(w, o, card_only) for w, o in zip(chunk, outcomes, strict=True)]

    def _operation(self, write: Write) -> BcOperation:
        entity = self.table.entity
        if write.kind == "insert":
            return BcOperation.create(entity, {"id": write.id, **write.body})
        if write.kind == "delete":
            return BcOperation.delete(entity, write.id)
        return BcOperation.update(entity, write.id, write.body, "*")

    def _retry_existing(self, chunk: list[Write], outcomes: list[Outcome]) -> list[Outcome]:
        """An insert whose id exists was made by a crashed attempt: update it instead."""
        again = [i for i, o in enumerate(outcomes)
                 if not o.ok and o.code == "Internal_EntityWithSameKeyExists"
                 and chunk[i].kind == "insert"]
        if not again:
            return outcomes
        updates = [Write("update", chunk[i].id, chunk[i].body) for i in again]
        results = self.client.batch([self._operation(w) for w in updates])
        for i, write, result in zip(again, updates, results, strict=True):
            outcomes[i] = outcome_of(write.id, result, self.modified_field)
        return outcomes

    def _write_card(self, write: Write, outcome: Outcome, card_only: set[str]) -> Outcome:
        """Fields the API lacks go through the card page, keyed by the record's number."""
        fields = {CARD_ONLY_PROPERTIES[self.mapping.bc_table][k]: v
                  for k, v in write.body.items() if k in card_only}
        if write.kind == "insert":  # a new record's card fields start blank: send only values
            fields = {caption: value for caption, value in fields.items() if value}
        if not outcome.ok or not fields or write.kind == "delete":
            return outcome
        number = (outcome.record or {}).get(self.number_field) or write.number
        body = {page_field(caption): value for caption, value in fields.items()}
        try:
            card = self.client.odata_update(self._card_page_name, {"No": number}, body)
        except ClientError as exc:
            return Outcome.failed(write.id, exc, "Saved, except the card fields: ")
        return Outcome(True, write.id, parse_time(card.get("SystemModifiedAt"))
                       or outcome.modified_on, outcome.record)

    def _send_page(self, write: Write) -> Outcome:
        try:
            if write.kind == "insert":
                record = self.client.odata_create(self._page_name, write.body)
            else:
                key = {page_field(caption_of(self.table, self.table.number_property)):
                       write.number}
                record = self.client.odata_update(self._page_name, key, write.body)
        except ClientError as exc:
            return Outcome.failed(write.id, exc)
        return Outcome(True, self.record_id(record) or write.id, self.modified_on(record),
                       record)
