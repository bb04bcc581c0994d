"""What a DirectionRun reads: the source pages of its mode (changed since the watermark, the
failed records again, or the chosen ones), and of a Business Central record only the fields the
run uses. Database reads happen here, in the job's thread.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from itertools import chain

from mappings.models import Coupling, IntegrationTableMapping, SyncResult
from synchronization import retries
from synchronization.match_fields import match_key
from synchronization.models import SyncJob, SyncMode
from synchronization.plans import Settings
from synchronization.rules import TableRules
from synchronization.sides import BcSide, SalesSide, Side
from synchronization.transform import Transformer


class RunReads:
    """The reads of a DirectionRun (its attributes, below)."""

    job: SyncJob
    mapping: IntegrationTableMapping
    settings: Settings
    direction: str
    to_sales: bool
    source: Side
    bc: BcSide
    sales: SalesSide
    transformer: Transformer
    table_rules: TableRules
    follow_up: bool
    # Source ids tried again (failed before, or chosen): matched on fields, as in mode All.
    retried: set[str]

    def _pages(self) -> Iterable[list[dict]]:
        """The source pages of this run. Database reads happen here, in the job's thread; the
        pages themselves are read over HTTP, ahead, by another thread (pacing.prefetched)."""
        if self.settings.mode == SyncMode.SELECTED:
            self.retried = set(self.settings.selected_ids)
            return self._fetched_pages(self.settings.selected_ids)
        since = self._since()
        pages = self.bc.read_pages(since, fields=self._bc_fields_read()) if self.to_sales \
            else self.source.read_pages(since)
        if self.settings.mode == SyncMode.MODIFIED:
            failed = self._failed_ids()
            self.retried = {i.lower() for i in failed}
            return chain(self._fetched_pages(failed), pages)
        return pages

    def _bc_fields_read(self) -> set[str] | None:
        """What the run reads of a BC record besides what every read needs: the field
        mappings', the match key's and the rules' fields; None (whole records) when the rules
        may read any field, or follow up on the written records."""
        if self.table_rules.reads_bc_fields is None or self.follow_up:
            return None
        key = match_key(self.mapping, self.bc, self.sales)
        return {*self.transformer.source_fields(), *key.bc_fields,
                *self.table_rules.reads_bc_fields}

    def _since(self) -> datetime | None:
        resume = self.job.cursor.get("since")
        if resume:
            return datetime.fromisoformat(resume)
        if self.settings.mode == SyncMode.ALL:
            return None
        return self.mapping.bc_watermark if self.to_sales else self.mapping.sales_watermark

    def _failed_ids(self) -> list[str]:
        """Records whose last sync in this direction failed are tried again: coupled ones that
        are not skipped, and uncoupled ones whose creation failed (from their open errors)."""
        field_name = "last_sales_result" if self.to_sales else "last_result"
        id_field = "bc_id" if self.to_sales else "sales_id"
        ids = [str(i) for i in Coupling.objects.filter(
            mapping=self.mapping, skipped=False, **{field_name: SyncResult.FAILURE}
        ).values_list(id_field, flat=True)]
        return ids + retries.creations_to_retry(self.mapping, self.direction)

    def _fetched_pages(self, ids: list[str]):
        for start in range(0, len(ids), 1000):
            found = self.source.fetch(ids[start:start + 1000])
            if found:
                yield list(found.values())
