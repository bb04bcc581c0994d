"""Turning a page's plans and write outcomes into couplings, error rows and counters.

BC's bookkeeping per record (bc-integration.md 1.3, 5.3 steps 9-10): a success stamps both
sides' modified-on on the coupling (so the sync's own write is not seen as a change next time);
a failure is logged and marks the coupling failed, skipped when the same error repeats.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from mappings.models import Coupling
from synchronization.bookkeeping_insert import insert_couplings, new_coupling
from synchronization.models import ErrorKind, SyncError
from synchronization.plans import WRITING, Action, Plan, RunContext
from synchronization.writes import Outcome


class Bookkeeping:
    """Turns a page's plans and write outcomes into coupling rows, errors and counters."""

    def __init__(self, run: RunContext, plans: list[Plan], outcomes: dict[int, Outcome]):
        self.run = run
        self.plans = plans
        self.outcomes = outcomes
        self.counters = dict.fromkeys(
            ("inserted", "modified", "unchanged", "skipped", "failed", "conflicts"), 0)
        self.new_couplings: list[Coupling] = []
        self.changed_couplings: list[Coupling] = []
        self.errors: list[SyncError] = []
        self.removed: list[int] = []
        # Source ids of records this page synchronized: their open errors are closed.
        self.succeeded: set[str] = set()
        # The plan behind each new coupling and the counter it was counted in.
        self.origin: dict[int, tuple[Plan, str]] = {}
        self.now = timezone.now()  # the couplings of one batch are created together

    def save(self) -> None:
        for index, plan in enumerate(self.plans):
            self._account(plan, self.outcomes.get(index))
        self._create_couplings()
        Coupling.objects.bulk_update(self.changed_couplings, COUPLING_FIELDS, batch_size=1000)
        Coupling.objects.filter(pk__in=self.removed).delete()
        self._supersede()
        SyncError.objects.bulk_create(self.errors, batch_size=1000)
        self._resolve_succeeded()

    def _create_couplings(self) -> None:
        """All new couplings at once; if the database refuses one (a unique constraint), each
        on its own, and the refused ones become errors: one record never aborts the job."""
        try:
            with transaction.atomic():
                insert_couplings(self.new_couplings)
            return
        except IntegrityError:
            pass  # one at a time below, to tell which one was refused
        saved = []
        for coupling in self.new_couplings:
            try:
                with transaction.atomic():
                    coupling.save(force_insert=True)
                saved.append(coupling)
            except IntegrityError as exc:
                self._coupling_refused(coupling, exc)
        self.new_couplings = saved

    def _coupling_refused(self, coupling: Coupling, exc: IntegrityError) -> None:
        plan, counted = self.origin[id(coupling)]
        self.succeeded.discard(plan.source_id)
        self.counters[counted] -= 1
        self.counters["failed"] += 1
        plan.message = ("The record was written, but its coupling could not be saved because "
                        "one side is already coupled to another record "
                        f"({exc}). Remove the other coupling, then retry.")
        self.errors.append(self._error(plan, ErrorKind.ERROR))

    def _supersede(self) -> None:
        """One open error per failing record: a record's new error closes its older ones (of
        the coupling in either direction, or of the uncoupled source record), so the open
        errors are exactly the records failing now, and the mapping's Errors count says so."""
        failing = [e for e in self.errors if e.kind == ErrorKind.ERROR]
        open_errors = SyncError.objects.filter(mapping=self.run.mapping, kind=ErrorKind.ERROR,
                                               resolved=False)
        coupled = [e.coupling_id for e in failing if e.coupling_id]
        uncoupled = [e.source_id for e in failing if not e.coupling_id and e.source_id]
        for chunk in _chunks(coupled):
            open_errors.filter(coupling_id__in=chunk).update(resolved=True)
        for chunk in _chunks(uncoupled):
            open_errors.filter(coupling=None, direction=self.run.direction,
                               source_id__in=chunk).update(resolved=True)

    def _resolve_succeeded(self) -> None:
        """Records synchronized now (created, updated or found unchanged) no longer fail in
        this direction: their open errors are resolved."""
        open_errors = SyncError.objects.filter(mapping=self.run.mapping, kind=ErrorKind.ERROR,
                                               direction=self.run.direction, resolved=False)
        if not self.succeeded or not open_errors.exists():  # a first full sync has none
            return
        for chunk in _chunks(sorted(self.succeeded)):
            open_errors.filter(source_id__in=chunk).update(resolved=True)

    def _account(self, plan: Plan, outcome: Outcome | None) -> None:
        action = plan.action
        if action == Action.IGNORE:
            return
        if action in WRITING and outcome is not None and not outcome.ok:
            plan.message, plan.code = outcome.message, outcome.code
            plan.correlation_id, plan.request = outcome.correlation_id, outcome.request
            action = Action.FAIL
        handler = getattr(self, f"_{action}")
        handler(plan, outcome)

    def _insert(self, plan: Plan, outcome: Outcome) -> None:
        self.counters["inserted"] += 1
        self.succeeded.add(plan.source_id)
        destination_id = outcome.id or plan.destination_id
        if plan.coupling is not None:  # restored a deleted destination with the same id
            self._succeeded(plan, outcome)
            return
        coupling = self._new_coupling(plan, destination_id)
        self._stamp(coupling, plan, outcome)
        self._add_new(coupling, plan, "inserted")

    def _update(self, plan: Plan, outcome: Outcome) -> None:
        self.counters["modified"] += 1
        self.succeeded.add(plan.source_id)
        self._succeeded(plan, outcome)

    def _unchanged(self, plan: Plan, _outcome: Outcome | None) -> None:
        """IgnoreUnchanged: counted, and the coupling's timestamps refreshed (5.3 step 6)."""
        self.counters["unchanged"] += 1
        self.succeeded.add(plan.source_id)
        self._succeeded(plan, None)

    def _skip(self, plan: Plan, _outcome: Outcome | None) -> None:
        self.counters["skipped"] += 1

    def _uncouple(self, plan: Plan, _outcome: Outcome | None) -> None:
        self.counters["skipped"] += 1
        assert plan.coupling is not None  # only a coupled record is uncoupled
        self.removed.append(plan.coupling.pk)

    def _conflict(self, plan: Plan, _outcome: Outcome | None) -> None:
        self.counters["conflicts"] += 1
        error = self._error(plan, ErrorKind.CONFLICT)
        error.coupling = plan.coupling  # the page resolves conflicts through their coupling
        self.errors.append(error)

    def _fail(self, plan: Plan, _outcome: Outcome | None) -> None:
        self.counters["failed"] += 1
        error = self._error(plan, ErrorKind.ERROR)
        coupling = plan.coupling
        if coupling is not None:
            coupling.record_failure(self.run.direction, plan.message, self.run.job.pk)
            self.changed_couplings.append(coupling)
            error.coupling = coupling
        self.errors.append(error)

    def _add_new(self, coupling: Coupling, plan: Plan, counted: str) -> None:
        self.new_couplings.append(coupling)
        self.origin[id(coupling)] = (plan, counted)

    def _succeeded(self, plan: Plan, outcome: Outcome | None) -> None:
        if plan.coupling is None:  # just coupled by matching an existing record
            coupling = self._new_coupling(plan, plan.destination_id)
            self._stamp(coupling, plan, outcome)
            self._add_new(coupling, plan, "modified" if outcome is not None else "unchanged")
            return
        coupling = plan.coupling
        before = _values(coupling)
        self._stamp(coupling, plan, outcome)
        coupling.skipped = False
        if _values(coupling) != before:  # an unchanged record often leaves it as it was
            self.changed_couplings.append(coupling)

    def _new_coupling(self, plan: Plan, destination_id: str) -> Coupling:
        run = self.run
        bc_id, sales_id = ((plan.source_id, destination_id) if run.to_sales
                           else (destination_id, plan.source_id))
        number = run.bc.number(plan.record) if run.to_sales \
            else plan.destination_number
        return new_coupling(run.mapping, bc_id=bc_id, sales_id=sales_id, bc_number=number[:50],
                            display_name=run.source.label(plan.record)[:250],
                            created_at=self.now)

    def _stamp(self, coupling: Coupling, plan: Plan, outcome: Outcome | None) -> None:
        """SetLastSynchModifiedOns: both sides' modified-on as they are after the write."""
        run, record = self.run, plan.record
        source_time = run.source.modified_on(record)
        written = outcome.modified_on if outcome else None
        destination_time = written or (coupling.sales_modified_on if run.to_sales
                                       else coupling.bc_modified_on)
        bc_time, sales_time = ((source_time, destination_time) if run.to_sales
                               else (destination_time, source_time))
        if run.to_sales:
            written_version = outcome.version if outcome else None
            sales_version = written_version if written_version is not None \
                else coupling.sales_version
        else:
            sales_version = run.source.version(record)
        as_written = run.to_sales or sales_version == coupling.sales_version
        coupling.record_success(run.direction, bc_time, sales_time, run.job.pk, sales_version)
        if outcome is not None and run.to_sales:  # the Sales row's state, as written
            coupling.sales_etag, coupling.sales_fingerprint = outcome.etag[:100], plan.fingerprint
        elif not as_written:  # a Sales row changed by someone else: its state is unknown
            coupling.sales_etag = coupling.sales_fingerprint = ""
        if outcome and outcome.record and not run.to_sales and not coupling.bc_number:
            coupling.bc_number = run.bc.number(outcome.record)[:50]

    def _error(self, plan: Plan, kind: str) -> SyncError:
        run = self.run
        return SyncError(
            job=run.job, mapping=run.mapping, kind=kind, direction=run.direction,
            source_id=plan.source_id, destination_id=plan.destination_id,
            source_label=run.source.label(plan.record)[:250], message=plan.message[:2048],
            error_code=plan.code[:100], correlation_id=plan.correlation_id[:100],
            request=plan.request[:500],
        )


COUPLING_FIELDS = ["bc_modified_on", "sales_modified_on", "sales_version", "sales_etag",
                   "sales_fingerprint", "last_result",
                   "last_sales_result", "last_job_id", "last_sales_job_id", "last_error",
                   "skipped", "bc_number"]


def _chunks(values: list, size: int = 500):
    """``values`` in slices small enough for any database's parameter limit."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _values(coupling: Coupling) -> tuple:
    return tuple(getattr(coupling, name) for name in COUPLING_FIELDS)


# Creation failures older than this are not retried by scheduled runs any more (BC itself never
# retries them); "Delete older than 7 days" on the errors page clears them alike.
RETRY_FAILED_INSERTS_FOR = timedelta(days=7)


def failed_inserts(mapping, direction: str) -> list[str]:
    """Source ids of recently failed creations (errors with no coupling) still uncoupled."""
    since = timezone.now() - RETRY_FAILED_INSERTS_FOR
    ids = set(SyncError.objects.filter(
        mapping=mapping, direction=direction, coupling=None, resolved=False, kind=ErrorKind.ERROR,
        created_at__gte=since).exclude(source_id="").values_list("source_id", flat=True))
    return sorted(ids)
