"""The reconciliation check: do both systems hold exactly what each mapping says?

Per record mapping both sides are read (streamed, within the mapping's filters) together with
its couplings, and the check reports records on each side, coupled and uncoupled ones (with the
reason and any match on the other side), couplings whose record is gone (dangling), duplicates
by the mapping's match fields, blank records the integration wrote, and drift between coupled
records (see :mod:`synchronization.reconcile_drift`). Option mappings compare codes with option
values instead (:mod:`synchronization.reconcile_options`). The last report of each mapping is
stored, so pages show it without calling Microsoft; the check itself runs as a job.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from connection import sales_metadata, services
from connection.models import ConnectionSetup
from mappings.models import Coupling, IntegrationTableMapping
from synchronization import fullsync_lines, jobs
from synchronization.match_fields import match_key
from synchronization.models import JobKind, ReconcileReport, SyncError, SyncJob
from synchronization.reconcile_drift import DriftCheck
from synchronization.reconcile_options import check_options
from synchronization.reconcile_scan import SideScan
from synchronization.sides import BcSide, SalesSide

log = logging.getLogger(__name__)
RECONCILE_KIND = JobKind.RECONCILE
LIMIT = 200  # records listed per finding; the counts are always complete
PROBLEMS = ("dangling", "duplicates_bc", "duplicates_sales", "blank", "drift",
            "missing_options_bc", "missing_options_sales")
Progress = Callable[[str], None]


@dataclass
class Services:
    """The clients of one connection and the integration user's id in Sales."""

    bc_client: Any
    sales_client: Any
    integration_users: list[str]
    base_currency: str = ""  # what BC's blank (local) currency is in Sales

    @classmethod
    def of(cls, connection: ConnectionSetup) -> Services:
        sales = services.dataverse_client(connection)
        try:  # read once per connection, as the jobs do (connection.sales_metadata)
            base = sales_metadata.base_currency(connection, sales)
        except sales_metadata.BaseCurrencyUnavailable:
            base = ""
        who = sales_metadata.integration_user_ids(connection, sales)
        return cls(services.business_central_client(connection), sales, who, base)

    def sides(self, mapping: IntegrationTableMapping) -> tuple[BcSide, SalesSide]:
        return (BcSide(mapping, self.bc_client),
                SalesSide(mapping, self.sales_client, integration_user_ids=self.integration_users))

    def close(self) -> None:
        self.bc_client.close()
        self.sales_client.close()


def problems_of(report: dict) -> int:
    counts = report.get("counts", {})
    return sum(counts.get(name, 0) for name in PROBLEMS) + (1 if report.get("error") else 0)


# -- one mapping ---------------------------------------------------------------------------
def check_mapping(mapping: IntegrationTableMapping, clients: Services,
                  progress: Progress = lambda text: None) -> dict:
    """The report of one mapping (a check that could not run reports its error)."""
    try:
        if mapping.bc_table in fullsync_lines.NOT_ON_ITS_OWN:  # lines travel with their header
            report: dict[str, Any] = {"kind": "records", "counts": {}, "findings": {},
                                      "error": "", "note": fullsync_lines.WITH_HEADER}
            return {**report, "mapping": mapping.name, "problems": 0}
        bc, sales = clients.sides(mapping)
        if mapping.is_option_mapping:
            report = check_options(mapping, bc, sales, LIMIT)
        else:
            report = RecordCheck(mapping, bc, sales, progress, clients.base_currency).run()
    except Exception as exc:  # one mapping's failure must not hide the others' findings
        log.exception("reconciliation of %s failed", mapping.name)
        report = {"kind": "records", "counts": {}, "findings": {},
                  "error": f"The check could not run: {exc or type(exc).__name__}"}
    report["mapping"] = mapping.name
    report["problems"] = problems_of(report)
    return report


class RecordCheck:
    """Both sides of a record mapping and its couplings, compared."""

    def __init__(self, mapping: IntegrationTableMapping, bc: BcSide, sales: SalesSide,
                 progress: Progress, base_currency: str = "") -> None:
        self.mapping, self.bc, self.sales, self.progress = mapping, bc, sales, progress
        self.key = match_key(mapping, bc, sales)
        self.bc_scan, self.sales_scan = SideScan("bc"), SideScan("sales")
        self.bc_to_sales: dict[str, str] = {}
        self.coupling_ids: dict[str, int] = {}
        for pk, bc_id, sales_id in Coupling.objects.filter(mapping=mapping).values_list(
                "pk", "bc_id", "sales_id").iterator(chunk_size=5000):
            self.bc_to_sales[str(bc_id)] = str(sales_id)
            self.coupling_ids[str(bc_id)] = pk
        self.sales_to_bc = {s: b for b, s in self.bc_to_sales.items()}
        self.drift = DriftCheck(mapping, bc, sales, base_currency)

    def run(self) -> dict:
        self.bc_scan.read(self.bc.read_pages(None), self.bc, self.key, self._bc_blank,
                          self._bc_page)
        self.sales_scan.read(self.sales.read_pages(None), self.sales, self.key,
                             self._sales_blank, self._sales_page)
        self.progress(f"{self.mapping.name}: comparing")
        return self._report()

    # -- reading ---------------------------------------------------------------------------
    def _bc_blank(self, record: dict) -> bool:
        name = str(record.get(self.bc.name_field) or "").strip()
        return not name and self.bc.record_id(record) in self.bc_to_sales

    def _sales_blank(self, record: dict) -> bool:
        written = {str(record.get(f"_{who}_value") or "").lower()
                   for who in ("createdby", "modifiedby")}
        return not self.sales.number(record).strip() and \
            bool(written.intersection(self.sales.integration_user_ids))

    def _bc_page(self, page: list[dict]) -> None:
        coupled = [r for r in page if self.bc.record_id(r) in self.bc_to_sales]
        self.drift.remember_bc(coupled, self.bc_to_sales)
        self.progress(f"{self.mapping.name}: {self.bc_scan.count} Business Central records "
                      "read")

    def _sales_page(self, page: list[dict]) -> None:
        coupled = [r for r in page if self.sales.record_id(r) in self.sales_to_bc]
        self.drift.compare_sales(coupled, self.sales_to_bc)
        self.progress(f"{self.mapping.name}: {self.sales_scan.count} Sales records read")

    # -- the report ------------------------------------------------------------------------
    def _report(self) -> dict:
        dangling, outside = self._dangling()
        uncoupled_bc = [i for i in self.bc_scan.ids if i not in self.bc_to_sales]
        uncoupled_sales = [i for i in self.sales_scan.ids if i not in self.sales_to_bc]
        drifted, drift = self.drift.confirm(LIMIT)
        dup_bc = self.bc_scan.duplicate_groups()
        dup_sales = self.sales_scan.duplicate_groups()
        findings: dict[str, list] = {
            "dangling": dangling[:LIMIT], "outside_filter": outside[:LIMIT], "drift": drift,
            "duplicates_bc": [self._records("bc", g) for g in dup_bc[:LIMIT]],
            "duplicates_sales": [self._records("sales", g) for g in dup_sales[:LIMIT]],
            "blank": ([{"side": "bc", **r} for r in self._records("bc", self.bc_scan.blank)]
                      + [{"side": "sales", **r}
                         for r in self._records("sales", self.sales_scan.blank)])[:LIMIT],
            "uncoupled_bc": self._uncoupled("bc", uncoupled_bc[:LIMIT]),
            "uncoupled_sales": self._uncoupled("sales", uncoupled_sales[:LIMIT]),
        }
        counts = {
            "bc": self.bc_scan.count, "sales": self.sales_scan.count,
            "coupled": sum(1 for b, s in self.bc_to_sales.items()
                           if b in self.bc_scan.ids and s in self.sales_scan.ids),
            "uncoupled_bc": len(uncoupled_bc), "uncoupled_sales": len(uncoupled_sales),
            "uncoupled_matches": sum(1 for i in uncoupled_bc if self._match("bc", i)),
            "dangling": len(dangling), "outside_filter": len(outside),
            "duplicates_bc": sum(len(g) for g in dup_bc),
            "duplicates_sales": sum(len(g) for g in dup_sales),
            "blank": len(self.bc_scan.blank) + len(self.sales_scan.blank),
            "drift": drifted, "not_compared": self.drift.not_compared,
        }
        return {"kind": "records", "match_fields": self.key.caption, "counts": counts,
                "findings": findings, "error": "",
                "truncated": any(len(v) >= LIMIT for v in findings.values())}

    def _dangling(self) -> tuple[list[dict], list[dict]]:
        """Couplings whose record was not read: gone (dangling) or outside the filters."""
        unseen = [(b, s) for b, s in self.bc_to_sales.items()
                  if b not in self.bc_scan.ids or s not in self.sales_scan.ids]
        bc_found = self.bc.fetch([b for b, _ in unseen if b not in self.bc_scan.ids])
        sales_found = self.sales.fetch([s for _, s in unseen if s not in self.sales_scan.ids])
        names = dict(Coupling.objects.filter(pk__in=[self.coupling_ids[b] for b, _ in unseen])
                     .values_list("pk", "display_name"))
        dangling: list[dict] = []
        outside: list[dict] = []
        for bc_id, sales_id in unseen:
            bc_gone = bc_id not in self.bc_scan.ids and bc_id not in bc_found
            sales_gone = sales_id not in self.sales_scan.ids and sales_id not in sales_found
            pk = self.coupling_ids[bc_id]
            row = {"coupling_id": pk, "bc_id": bc_id, "sales_id": sales_id,
                   "label": names.get(pk, ""), "gone": _gone(bc_gone, sales_gone)}
            (dangling if bc_gone or sales_gone else outside).append(row)
        # A blank record the integration wrote is a problem inside the filters or outside them.
        self.bc_scan.blank += [i for i, r in bc_found.items() if self._bc_blank(r)]
        self.sales_scan.blank += [i for i, r in sales_found.items() if self._sales_blank(r)]
        return dangling, outside

    def _records(self, side: str, ids: Iterable[str]) -> list[dict]:
        ids = list(ids)[:LIMIT]
        found = (self.bc if side == "bc" else self.sales).fetch(ids) if ids else {}
        label = self.bc.label if side == "bc" else self.sales.label
        return [{"id": i, "label": label(found[i]) if i in found else ""} for i in ids]

    def _uncoupled(self, side: str, ids: list[str]) -> list[dict]:
        rows = self._records(side, ids)
        errors = _last_errors(self.mapping, ids)
        for row in rows:
            row["match_id"] = self._match(side, row["id"])
            row["reason"] = errors.get(row["id"]) or self._reason(row["match_id"])
        return rows

    def _match(self, side: str, record_id: str) -> str:
        """The one uncoupled record on the other side with the same match key ('' if none)."""
        if not self.key.comparable:
            return ""
        mine, other = ((self.bc_scan, self.sales_scan) if side == "bc"
                       else (self.sales_scan, self.bc_scan))
        partners = self.bc_to_sales if side == "sales" else self.sales_to_bc
        free = [i for i in other.with_key(mine.ids.get(record_id)) if i not in partners]
        return free[0] if len(free) == 1 else ""

    def _reason(self, match_id: str) -> str:
        if match_id:
            return f"Matches a record on the other side on {self.key.caption}: couple them."
        if self.mapping.synch_only_coupled_records:
            return ("Not coupled: Synch. Only Coupled Records is on, so scheduled runs leave "
                    "it alone.")
        return "Not synchronized yet."


def _gone(bc_gone: bool, sales_gone: bool) -> str:
    if bc_gone and sales_gone:
        return "both"
    return "bc" if bc_gone else "sales"


def _last_errors(mapping: IntegrationTableMapping, ids: list[str]) -> dict[str, str]:
    rows = SyncError.objects.filter(mapping=mapping, source_id__in=ids, resolved=False) \
        .order_by("created_at").values_list("source_id", "message")
    return {str(source).lower(): message for source, message in rows}


# -- a connection, as a job ------------------------------------------------------------------
def mappings_to_check(connection: ConnectionSetup, names: Iterable[str] | None = None
                      ) -> list[IntegrationTableMapping]:
    chosen = IntegrationTableMapping.objects.filter(connection=connection)
    if names:
        chosen = chosen.filter(name__in=list(names))
    return list(chosen.order_by("position", "name"))


def check_connection(connection: ConnectionSetup, mappings: list[IntegrationTableMapping],
                     job: SyncJob | None = None) -> list[dict]:
    """Check each mapping, store its report, and return the reports."""
    clients = Services.of(connection)
    reports = []
    try:
        for mapping in mappings:
            report = check_mapping(mapping, clients, _progress(job))
            report["checked_at"] = timezone.now().isoformat()
            ReconcileReport.objects.update_or_create(mapping=mapping, defaults={
                "job": job, "checked_at": timezone.now(), "problems": report["problems"],
                "report": report})
            reports.append(report)
    finally:
        clients.close()
    return reports


def _progress(job: SyncJob | None) -> Progress:
    if job is None:
        return lambda text: None
    return lambda text: job.beat(message=text[:2000])


def start_check(connection: ConnectionSetup, names: list[str] | None = None,
                started_by: str = "") -> SyncJob:
    """Run the check in the background (all mappings, or these)."""
    return jobs.start(RECONCILE_KIND, connection=connection, started_by=started_by,
                      parameters={"mappings": list(names or [])})


def new_job(connection: ConnectionSetup, names: list[str] | None, started_by: str) -> SyncJob:
    """A job row for a check run in this process (the command): the same row as a worker's."""
    return jobs.start(RECONCILE_KIND, connection=connection, started_by=started_by,
                      parameters={"mappings": names or []}, queue=False)


def run_check(job: SyncJob) -> dict:
    connection = job.connection
    if connection is None:
        raise RuntimeError("The connection was deleted.")
    mappings = mappings_to_check(connection, job.parameters.get("mappings"))
    reports = check_connection(connection, mappings, job)
    total = sum(r["problems"] for r in reports)
    job.message = (f"{total} problem(s) in {sum(1 for r in reports if r['problems'])} of "
                   f"{len(reports)} mapping(s)." if total else
                   f"No problems in {len(reports)} mapping(s).")
    return {"problems": total, "mappings": {r["mapping"]: r["problems"] for r in reports}}
