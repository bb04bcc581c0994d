"""Run one mapping in one direction: read changed pages, plan, write in batches, record.

Per page (design.md "How a sync runs"): the couplings of the whole page come in one query, the
destination rows that may change in a few reads, bodies are computed in memory. Writes go out as
batches on the run's lanes (synchronization.lanes), which stay busy across page boundaries: the
next page is read, planned and queued while the batches of earlier pages are on the wire, until
a bounded backlog waits for a lane (a bounded number of pages in memory). Each batch is confirmed
as soon as the destination answers it: its couplings, errors and counters are saved in one
transaction, so a worker killed in the middle of a page loses at most the batches in flight. The
cursor moves per page, in reading order, once every batch of it is confirmed; a page read again
costs no writes, because its confirmed records are coupled and unchanged. Creates carry an id
derived from the source id, so a resumed job first adopts what the killed attempt wrote in
flight (synchronization.adoption) and a retried write updates instead of duplicating. No RQ and
no request objects here.
"""

from __future__ import annotations

import logging
from collections import deque
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from connection.clients.results import ClientCounters
from mappings.models import (
    Coupling,
    IntegrationTableMapping,
)
from synchronization import conditional, memory, rules
from synchronization.adoption import Adoption
from synchronization.bookkeeping import Bookkeeping
from synchronization.conflicts import ConflictRules
from synchronization.lanes import Answered, WriteLanes
from synchronization.match_fields import FieldMatcher
from synchronization.models import JobStatus, SyncDirection, SyncJob, SyncMode
from synchronization.pacing import Heartbeat, prefetched
from synchronization.plans import SENT, WRITING, Action, PageWork, Plan, RunContext, Settings
from synchronization.run_reads import RunReads
from synchronization.sides import BC_PAGE_SIZE, BcSide, SalesSide, Side
from synchronization.transform import BaseCurrency, TransferError, Transformer
from synchronization.writes import Outcome, Write, deterministic_id

log = logging.getLogger(__name__)


# How often a writer waiting for a lane looks again whether one took the queued batch.
ANSWER_POLL = 0.05


class Cancelled(Exception):
    """Someone asked the job to stop (it stopped after a confirmed page), or the job was taken
    for abandoned and resumed by another worker (it stopped after its last confirmed batch)."""


class DirectionRun(RunReads, ConflictRules):
    """One SyncJob: a mapping synchronized in one direction."""

    def __init__(self, job: SyncJob, mapping: IntegrationTableMapping, bc: BcSide,
                 sales: SalesSide, base_currency: BaseCurrency = None) -> None:
        self.job = job
        self.mapping = mapping
        self.direction = job.direction
        self.to_sales = self.direction == SyncDirection.TO_SALES
        self.source: Side = bc if self.to_sales else sales
        self.destination: Side = sales if self.to_sales else bc
        self.bc, self.sales = bc, sales
        self.transformer = Transformer(mapping, self.direction, bc, sales, base_currency)
        self.table_rules = rules.for_mapping(mapping, self.direction, bc, sales)
        self.settings = self._settings()
        bc.card_fields  # noqa: B018 -- read the field mappings now, in the job's own thread
        self.latest_seen: datetime | None = None
        self.counted = self._client_counters()
        self.field_matcher: FieldMatcher | None = None
        self.adoption = Adoption.of(self)
        self.context = RunContext(job, mapping, self.direction, self.to_sales, bc, self.source)
        self.retried: set[str] = set()
        # Source id -> destination id of every write queued or on the wire.
        self.in_flight: dict[str, str] = {}
        # The table's rules read the written records once their page is confirmed.
        self.follow_up = type(self.table_rules).after_page is not rules.TableRules.after_page

    def _settings(self) -> Settings:
        params = self.job.parameters
        mode = self.job.mode or SyncMode.MODIFIED
        only_coupled = self.mapping.synch_only_coupled_records
        if params.get("ignore_synch_only_coupled") or mode == SyncMode.SELECTED:
            only_coupled = False
        ids = [str(i).lower() for i in params.get("bc_ids" if self.to_sales else "sales_ids", [])]
        return Settings(mode, mode in (SyncMode.ALL, SyncMode.SELECTED), only_coupled, ids,
                        bool(params.get("dry_run")))

    # -- the run -------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        """Synchronize; returns a result summary. Raises Cancelled when asked to stop."""
        if self.transformer.warnings:
            self.job.beat(message="\n".join(self.transformer.warnings))
        self.forecast: dict[str, int] = {}
        self.pages: deque[PageWork] = deque()
        self.lanes = WriteLanes(self.destination)
        try:
            with Heartbeat(self.job), memory.fewer_collections():
                for page in prefetched(self._pages()):
                    self._check_cancel()
                    self._process(page)
                    del page  # a lane may be waited for below: the page's records are not kept
                    self._drain()
                self._drain(everything=True)
        finally:
            self.lanes.close()
        if self.settings.dry_run:
            return {"dry_run": True, "forecast": self.forecast,
                    "warnings": self.transformer.warnings}
        self._close_watermark()
        return {"warnings": self.transformer.warnings}

    def _check_cancel(self) -> None:
        """Stop between pages when asked to, or when the job is no longer ours (it was taken
        for abandoned and resumed elsewhere). What is on the wire is confirmed first."""
        state = SyncJob.objects.filter(pk=self.job.pk).values("status", "cancel_requested")
        row = state.first()
        if row is None or row["cancel_requested"] or row["status"] != JobStatus.RUNNING:
            self._drain(everything=True)  # raises Cancelled itself when the job is no longer ours
            raise Cancelled

    # -- one page ------------------------------------------------------------------------
    def _process(self, records: list[dict]) -> None:
        """Plan a page and queue its batches behind those of the pages still on the wire (the
        caller drains the lanes once it let go of the page)."""
        records = [r for r in records if self.source.record_id(r)]
        if self.in_flight.keys() & {self.source.record_id(r) for r in records}:
            self._drain(everything=True)  # it changed again: plan it on its confirmed coupling
        # Before anything reads the other side: couple what a killed attempt wrote.
        adopted = self.adoption.adopt(records) if self.adoption else {}
        fresh = [r for r in records if self.source.record_id(r) not in adopted]
        plans = self._plan(fresh)
        if self._collides(plans):  # matched to a row another page is writing: plan again
            self._drain(everything=True)
            plans = self._plan(fresh)
        if self.settings.dry_run:
            self._tally(plans)
            return
        self._mark_writing(plans)
        stamps = [t for t in map(self.source.modified_on, records) if t]
        work = PageWork(stamps, [p for p in plans if p.action not in WRITING],
                        list(adopted.values()))
        self.pages.append(work)
        self._send(work, [p for p in plans if p.action in WRITING],
                   more=len(records) >= BC_PAGE_SIZE)

    def _collides(self, plans: list[Plan]) -> bool:
        ids = {p.destination_id for p in plans if p.action in WRITING}
        return bool(ids & set(self.in_flight.values()))

    def _send(self, work: PageWork, writing: list[Plan], more: bool) -> None:
        """Queue the page's writes in batches: full ones when ``more`` pages are likely to
        follow (small ones would spend the service's execution time with little on the wire),
        else spread over the free lanes, so a short run still uses every lane."""
        if not writing:
            return
        lanes = 1 if more else max(1, self.lanes.free_lanes())
        size = self.destination.batch_size_for(len(writing), lanes)
        for start in range(0, len(writing), size):
            batch = writing[start:start + size]
            work.pending += 1
            for plan in batch:
                self.in_flight[plan.source_id] = plan.destination_id
            writes = [Write(str(p.action), p.destination_id, p.body, p.destination_number,
                            p.if_match if p.action == Action.UPDATE else "")
                      for p in batch]
            self._slim(batch)
            self.lanes.send((work, batch), writes)

    def _slim(self, batch: list[Plan]) -> None:
        """What a plan on the wire keeps: its body goes with its batch's request, and of its
        record only what the bookkeeping reads, unless the table's rules follow up on the
        written records. The pages in flight then cost little memory each."""
        if self.follow_up:
            return
        for plan in batch:
            plan.body = SENT
            if not plan.if_match:  # a conditional update refused is judged again on its record
                plan.record = self.source.essentials(plan.record)

    def _drain(self, everything: bool = False) -> None:
        """Confirm the answered batches: those ready now, then, waiting, until ``everything``
        is confirmed or, else, until the lanes have no backlog (the next pages are planned
        while the lanes are busy, but only so far: memory stays bounded). Pages whose batches
        are all confirmed are recorded, in the order they were read."""
        while True:
            waiting = bool(self.lanes.batches) and (everything or self.lanes.backlog())
            answer = self.lanes.answered(wait=ANSWER_POLL if waiting else 0)
            if answer is None and not waiting:
                break
            if answer is not None:
                self._confirm_answer(answer)
                del answer  # not held while the next one is waited for
        self._finish_pages()

    def _confirm_answer(self, answer: Answered) -> None:
        work, batch = answer.tag
        refused = [p for p, o in zip(batch, answer.outcomes, strict=True)
                   if conditional.stale(p, o.status)]
        kept = [(p, o) for p, o in zip(batch, answer.outcomes, strict=True)
                if not conditional.stale(p, o.status)]
        batch = [p for p, _ in kept]
        outcomes = {i: o for i, (_, o) in enumerate(kept)}
        self._confirm(batch, outcomes)
        for plan in batch + refused:
            self.in_flight.pop(plan.source_id, None)
        work.written += [(p.record, outcomes[i].id or p.destination_id)
                         for i, p in enumerate(batch) if outcomes[i].ok]
        if refused:
            self._judge_again(work, refused)
        work.pending -= 1
        self._finish_pages()

    def _judge_again(self, work: PageWork, refused: list[Plan]) -> None:
        """Conditional updates the Sales row refused (changed or deleted since it was judged):
        read those rows, judge them as any read row (conflict and deletion policies), and send
        what is still to write, conditional on the ETag just read."""
        again = [p for p in refused if conditional.reset_for_read(p)]
        current = self.destination.fetch([p.destination_id for p in again]) if again else {}
        for plan in again:
            self._guarded(plan, lambda p: self._complete(p, current))
        writing = [p for p in refused if p.action in WRITING]
        work.rest += [p for p in refused if p.action not in WRITING]
        self._mark_writing(writing)
        self._send(work, writing, more=False)

    def _finish_pages(self) -> None:
        while self.pages and not self.pages[0].pending:
            work = self.pages.popleft()
            self._record(work.rest, work.stamps)
            self.table_rules.after_page(work.written)
            memory.release_free_memory()  # what the page's lanes freed goes back to the system

    def _tally(self, plans: list[Plan]) -> None:
        """Dry run: what a real run would do with each record, nothing written."""
        for plan in plans:
            outcome = str(plan.action)
            if outcome == "update" and plan.coupling is None:
                outcome = "couple"  # matched to an existing record
            self.forecast[outcome] = self.forecast.get(outcome, 0) + 1
        self.job.add(requests=self._requests_since_last_page()["requests"])

    def _plan(self, records: list[dict]) -> list[Plan]:
        couplings = self.couplings_of([self.source.record_id(r) for r in records])
        plans = [self._first_look(r, couplings.get(self.source.record_id(r))) for r in records]
        self._match_uncoupled(plans)
        self.transformer.prepare([p.record for p in plans if p.action in WRITING])
        unread = {id(p) for p in plans if self._guarded(p, self._judged_unread)}
        current = self._current_destinations([p for p in plans if id(p) not in unread])
        for plan in plans:
            if plan.action in WRITING and id(plan) not in unread:
                self._guarded(plan, lambda p: self._complete(p, current))
        return plans

    def _guarded(self, plan: Plan, step) -> bool:
        """One record's failure, whatever it is, becomes its error row; the job goes on."""
        try:
            return bool(step(plan))
        except Exception as exc:
            log.exception("job %s: record %s could not be prepared", self.job.pk, plan.source_id)
            plan.action, plan.message = Action.FAIL, f"{type(exc).__name__}: {exc}"
            return False

    def _judged_unread(self, plan: Plan) -> bool:
        """An update of a Sales row planned from its coupling's stored state, conditional on
        the row's stored ETag: no read (synchronization.conditional)."""
        if not self.to_sales or plan.action != Action.UPDATE or plan.coupling is None \
                or plan.rounds:
            return False
        body = self._body(plan, inserting=False)
        return body is not None and conditional.judge_unread(plan, body)

    def _body(self, plan: Plan, inserting: bool) -> dict | None:
        """The destination body of the plan's record; None (the plan fails) if it has none."""
        try:
            return self.table_rules.body_for(self.transformer.transform(plan.record),
                                             plan.record, inserting)
        except TransferError as exc:
            plan.action, plan.message, plan.code = Action.FAIL, str(exc), exc.code
            return None

    def couplings_of(self, ids: list[str]) -> dict[str, Coupling]:
        """The couplings of these source ids, by source id (lower case)."""
        if self.to_sales:
            found = Coupling.objects.for_bc_ids(self.mapping, ids)
        else:
            found = Coupling.objects.for_sales_ids(self.mapping, ids)
        return {str(key).lower(): value for key, value in found.items()}

    def _first_look(self, record: dict, coupling: Coupling | None) -> Plan:
        source_id = self.source.record_id(record)
        plan = Plan(record, source_id, Action.UPDATE, coupling)
        reason = self.table_rules.ignore(record)
        if reason or (not self.settings.force and self._changed_by_us(record)):
            plan.action, plan.message = Action.IGNORE, reason or ""
        elif coupling is None:
            plan.action = Action.SKIP if self.settings.only_coupled else Action.INSERT
            plan.message = "The record is not coupled." if self.settings.only_coupled else ""
        elif coupling.skipped and self.settings.mode != SyncMode.SELECTED:
            plan.action, plan.message = Action.SKIP, "The record is skipped after repeated errors."
        elif not self.settings.force and not self._source_changed(record, coupling):
            plan.action = Action.UNCHANGED
        if coupling is not None:
            plan.destination_id = str(coupling.sales_id if self.to_sales else coupling.bc_id)
        if plan.action == Action.SKIP and coupling is None \
                and self.settings.mode == SyncMode.MODIFIED:
            plan.action = Action.IGNORE  # BC: uncoupled rows are not processed by a scheduled run
        return plan

    def _changed_by_us(self, record: dict) -> bool:
        return not self.to_sales and self.sales.changed_by_integration(record)

    def _source_changed(self, record: dict, coupling: Coupling) -> bool:
        modified = self.source.modified_on(record)
        if self.to_sales:
            return coupling.is_bc_modified_after_last_sync(modified)
        return coupling.is_sales_modified_after_last_sync(modified, self.source.version(record))

    def _match_uncoupled(self, plans: list[Plan]) -> None:
        """Couple uncoupled records to existing destination rows the table rules recognise."""
        uncoupled = [p for p in plans if p.action == Action.INSERT]
        if not uncoupled:
            return
        matches = self.table_rules.match([p.record for p in uncoupled])
        # An initial sync never duplicates a record; nor does a retry: what failed may have
        # been an update of a record matched on its fields, not a creation.
        unmatched = [p for p in uncoupled if p.source_id not in matches and (
            self.settings.mode == SyncMode.ALL or p.source_id in self.retried)]
        if unmatched:
            self._match_on_fields(unmatched, matches)
        taken = self._already_coupled(set(matches.values()))
        for plan in uncoupled:
            match = matches.get(plan.source_id)
            if match and match not in taken:
                plan.action, plan.destination_id = Action.UPDATE, match
                taken.add(match)

    def _match_on_fields(self, plans: list[Plan], matches: dict[str, str]) -> None:
        """Add matches on the mapping's match fields; a record with several is not created."""
        if self.field_matcher is None:  # reads the destination's keys once, when first needed
            self.field_matcher = FieldMatcher(self.mapping, self.to_sales, self.bc, self.sales,
                                              self.table_rules)
        found, several = self.field_matcher.match([p.record for p in plans])
        matches.update(found)
        for plan in (p for p in plans if p.source_id in several):
            plan.action, plan.message = Action.SKIP, self.field_matcher.several_message()

    def _already_coupled(self, destination_ids: set[str]) -> set[str]:
        if not destination_ids:
            return set()
        field_name = "sales_id__in" if self.to_sales else "bc_id__in"
        column = "sales_id" if self.to_sales else "bc_id"
        rows = Coupling.objects.filter(mapping=self.mapping, **{field_name: destination_ids})
        return {str(v) for v in rows.values_list(column, flat=True)}

    def _current_destinations(self, plans: list[Plan]) -> dict[str, dict]:
        ids = [p.destination_id for p in plans if p.action == Action.UPDATE and p.destination_id]
        return self.destination.fetch(ids) if ids else {}

    def _complete(self, plan: Plan, current: dict[str, dict]) -> None:
        existing = current.get(plan.destination_id)
        inserting = plan.action == Action.INSERT or existing is None
        body = self._body(plan, inserting)
        if body is None:
            return
        if self.to_sales:  # what the row holds once written (synchronization.conditional)
            plan.fingerprint = conditional.fingerprint(body)
        if plan.action == Action.INSERT:
            plan.destination_id = deterministic_id(self.mapping, plan.source_id)
            plan.body = body
            return
        if existing is None:
            self._destination_deleted(plan, body)
            return
        plan.body = self.transformer.changes(body, existing)
        plan.destination_number = self.destination.number(existing)
        if self.to_sales:  # the write is refused if the row changes after this read
            plan.if_match = str(existing.get("@odata.etag") or "")
        if not plan.body:
            plan.action = Action.UNCHANGED
        elif self._is_conflict(plan, existing):
            self._resolve_conflict(plan)

    # -- writes and bookkeeping ----------------------------------------------------------
    def _mark_writing(self, plans: list[Plan]) -> None:
        """Before a page's creates go out, keep in the cursor how far its records reach (their
        latest modified-on): a job resumed after a kill adopts uncoupled records up to there."""
        inserts = [p.record for p in plans if p.action == Action.INSERT]
        if not inserts:
            return
        stamps = [s for s in map(self.source.modified_on, inserts) if s]
        until = max(stamps).isoformat() if len(stamps) == len(inserts) else Adoption.ALL
        previous = self.job.cursor.get("until")
        if previous and until != Adoption.ALL and previous != Adoption.ALL:
            until = max(until, previous)  # a resumed job still owes its predecessor's page
        if previous == Adoption.ALL:
            until = Adoption.ALL
        self._save_cursor({**self.job.cursor, "until": until})

    def _confirm(self, plans: list[Plan], outcomes: dict[int, Outcome]) -> None:
        """Save one written batch (couplings, errors, counters) at once, in one transaction;
        only while the job is still ours (not taken for abandoned and resumed elsewhere)."""
        book = Bookkeeping(self.context, plans, outcomes)
        with transaction.atomic():
            book.save()
            if not self._add_while_running(book.counters):
                raise Cancelled  # rolled back: the job that resumed this one adopts the batch

    def _add_while_running(self, counters: dict[str, int]) -> bool:
        changes = {name: F(name) + value for name, value in counters.items() if value}
        return bool(SyncJob.objects.filter(pk=self.job.pk, status=JobStatus.RUNNING).update(
            heartbeat_at=timezone.now(), **changes))

    def _record(self, plans: list[Plan], stamps: list[datetime]) -> None:
        """The page's records that wrote nothing (unchanged, skipped, failed, conflicts), its
        request counters, and the cursor past the page: the page is confirmed."""
        book = Bookkeeping(self.context, plans, {})
        requests = self._requests_since_last_page()
        with transaction.atomic():
            book.save()
            self._advance(stamps)
            self.job.add(**book.counters, **requests)

    def _requests_since_last_page(self) -> dict[str, int | float]:
        """Requests, retries and throttle waits of both clients since the last page (reads
        of the page itself included)."""
        now = self._client_counters()
        delta, self.counted = now.minus(self.counted), now
        return {"requests": delta.requests, "throttle_waits": delta.throttle_waits,
                "throttle_seconds": delta.throttle_wait_seconds, "retries": delta.retries}

    def _client_counters(self) -> ClientCounters:
        return ClientCounters.total("both", [self.bc.client.counters(),
                                             self.sales.client.counters()])

    def _advance(self, stamps: list[datetime]) -> None:
        """Remember how far the source has been read (the records' modified-on). Records that
        failed are not lost: the next run retries them from their couplings or error rows."""
        if stamps:
            self.latest_seen = max([*stamps, self.latest_seen] if self.latest_seen else stamps)
        # A later page's creates may be on the wire: the ``until`` noted for them stays.
        keep = {"until"} if any(p.pending for p in self.pages) else set()
        if self.latest_seen and self.settings.mode != SyncMode.SELECTED:
            kept = {k: v for k, v in self.job.cursor.items() if k in keep}
            self._save_cursor({"since": self.latest_seen.isoformat(), **kept})
        elif "until" in self.job.cursor and not keep:
            self._save_cursor({k: v for k, v in self.job.cursor.items() if k != "until"})

    def _save_cursor(self, cursor: dict[str, str]) -> None:
        self.job.cursor = cursor
        self.job.beat(cursor=cursor)

    def _close_watermark(self) -> None:
        if self.settings.mode == SyncMode.SELECTED or self.latest_seen is None:
            return
        field_name = "bc_watermark" if self.to_sales else "sales_watermark"
        IntegrationTableMapping.objects.filter(pk=self.mapping.pk).update(
            **{field_name: self.latest_seen})

