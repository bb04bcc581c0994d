"""A resumed job first adopts what the attempt before it wrote and never confirmed.

A worker killed in the middle of a page leaves records created in the destination but never
coupled: the batches it had sent and not yet heard back about. Creates carry an id derived from
the source id (``writes.deterministic_id``), so the job that resumes it knows where to look:
before it plans a page (before anything reads the other side, matches on fields, or the other
direction of the mapping runs), it reads those ids back from the destination and couples the
records that exist. Nothing is written twice and nothing is left for the other direction to
take for a new record.

Which records: the uncoupled ones of the page the killed attempt was writing, i.e. up to the
latest modified-on it noted in the job's cursor (``until``) before sending the page's creates.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F

from mappings.models import Coupling
from synchronization.models import ErrorKind, JobStatus, SyncError, SyncJob
from synchronization.writes import deterministic_id

if TYPE_CHECKING:
    from synchronization.engine import DirectionRun

# Resumes are followed this far back to find when the chain of attempts began.
MAX_CHAIN = 1000


class Adoption:
    """Couples, page by page, the records a killed attempt created but did not confirm."""

    # The cursor's ``until`` when the page's records have no modified-on: adopt any of them.
    ALL = "all"

    def __init__(self, run: DirectionRun, until: str, began: datetime | None) -> None:
        self.run = run
        self.until = None if until == self.ALL else datetime.fromisoformat(until)
        # Records changed after the first attempt began may differ from what it wrote.
        self.began = began

    @classmethod
    def of(cls, run: DirectionRun) -> Adoption | None:
        """The adoption of a resumed job whose predecessor was writing a page, else None.

        BC tables reached through a published page choose their own ids: nothing to find."""
        job = run.job
        until = job.cursor.get("until")
        if not job.resumed_from_id or not until or run.settings.dry_run:
            return None
        if getattr(run.destination, "page", None):
            return None
        return cls(run, until, chain_began(job))

    def adopt(self, records: list[dict]) -> dict[str, tuple[dict, str]]:
        """Couple the records of ``records`` that the killed attempt created; returns, by
        source id, (record, destination id) of those adopted as they are now, which need no
        write. Adopted records the source changed since are coupled but left to the plan."""
        run = self.run
        wanted = {deterministic_id(run.mapping, run.source.record_id(r)): r
                  for r in self._candidates(records)}
        if not wanted:
            return {}
        found = run.destination.fetch(list(wanted))
        adopted = [(wanted[key], row) for key, row in found.items() if key in wanted]
        if not adopted:
            return {}
        saved = self._save([self._coupling(record, row) for record, row in adopted])
        return {run.source.record_id(record): (record, key)
                for key, record in ((k, wanted[k]) for k in saved)
                if self._unchanged_since(record)}

    def _candidates(self, records: list[dict]) -> list[dict]:
        run = self.run
        reached = [r for r in records if self._within(run.source.modified_on(r))]
        coupled = run.couplings_of([run.source.record_id(r) for r in reached])
        return [r for r in reached if run.source.record_id(r) not in coupled]

    def _within(self, modified: datetime | None) -> bool:
        return self.until is None or modified is None or modified <= self.until

    def _unchanged_since(self, record: dict) -> bool:
        modified = self.run.source.modified_on(record)
        return bool(self.began and modified and modified < self.began)

    def _coupling(self, record: dict, row: dict) -> Coupling:
        """A coupling stamped as the killed attempt's write would have stamped it; a source
        changed since that attempt began gets no stamp, so the plan writes it again."""
        run = self.run
        fresh = self._unchanged_since(record)
        source_time = run.source.modified_on(record) if fresh else None
        written = run.destination.modified_on(row)
        if run.to_sales:
            bc_id, sales_id, number = run.source.record_id(record), run.destination.record_id(
                row), run.bc.number(record)
            bc_time, sales_time, version = source_time, written, run.destination.version(row)
        else:
            bc_id, sales_id, number = run.destination.record_id(row), run.source.record_id(
                record), run.bc.number(row)
            bc_time, sales_time = written, source_time
            version = run.source.version(record) if fresh else None
        coupling = Coupling(mapping=run.mapping, bc_id=bc_id, sales_id=sales_id,
                            bc_number=number[:50], display_name=run.source.label(record)[:250])
        coupling.record_success(run.direction, bc_time, sales_time, run.job.pk, version)
        return coupling

    def _save(self, couplings: list[Coupling]) -> set[str]:
        """Save the couplings (one already coupled elsewhere stays out), count them inserted
        and close the errors of their records; returns the destination ids coupled."""
        run = self.run
        key = "sales_id" if run.to_sales else "bc_id"
        with transaction.atomic():
            Coupling.objects.bulk_create(couplings, batch_size=1000, ignore_conflicts=True)
            pairs = {(str(c.bc_id).lower(), str(c.sales_id).lower()) for c in couplings}
            saved = [c for c in Coupling.objects.filter(
                mapping=run.mapping, **{f"{key}__in": [getattr(c, key) for c in couplings]})
                if (str(c.bc_id).lower(), str(c.sales_id).lower()) in pairs]
            sources = [str(c.bc_id if run.to_sales else c.sales_id).lower() for c in saved]
            SyncError.objects.filter(mapping=run.mapping, direction=run.direction,
                                     kind=ErrorKind.ERROR, resolved=False,
                                     source_id__in=sources).update(resolved=True)
            SyncJob.objects.filter(pk=run.job.pk, status=JobStatus.RUNNING).update(
                inserted=F("inserted") + len(saved))
        return {str(getattr(c, key)).lower() for c in saved}


def chain_began(job: SyncJob) -> datetime | None:
    """When the first attempt of a chain of resumed jobs started."""
    first = job
    for _ in range(MAX_CHAIN):
        if first.resumed_from_id is None:
            break
        earlier = SyncJob.objects.filter(pk=first.resumed_from_id).first()
        if earlier is None:
            break
        first = earlier
    return first.started_at or first.created_at
