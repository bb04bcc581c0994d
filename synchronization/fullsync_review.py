"""What the CRM Full Synch. Review page, its polled fragment, the JSON status and the command
show: record counts on both sides, the initial synchronization recommendation, and one row of
statuses, progress and counters per line. Reads rows only: the record counts are those a job
counted in the worker and kept in its result (``stored_counts``), never fetched by a page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from django.core.cache import cache
from django.db.models import Count
from django.utils import timezone

from connection.models import ConnectionSetup
from mappings.models import Coupling, IntegrationTableMapping
from synchronization import fullsync_lines, recommendations
from synchronization.models import (
    LINE_ACTIVE,
    FullSyncLine,
    FullSyncRun,
    JobKind,
    JobStatus,
    LineStatus,
    RunStatus,
    SyncDirection,
    SyncJob,
)
from synchronization.rules import TableRules, catalog

DEPENDENCY_NOT_SATISFIED = "Dependency not satisfied"
COUNTS_SECONDS = 300
FORECAST_KEYS = ("insert", "couple", "update", "unchanged", "skip", "fail", "conflict", "ignore")
COUNTER_KEYS = ("inserted", "modified", "unchanged", "skipped", "failed", "conflicts")
STATUS_BADGES: dict[str, str] = {LineStatus.FINISHED: "ok", LineStatus.ERROR: "error",
                                 LineStatus.IN_PROCESS: "running", LineStatus.READY: "pending",
                                 LineStatus.CANCELLED: "cancelled"}
DIRECTION_BADGES = {"Success": "ok", "Error": "error", "In Process": "running",
                    "Cancelled": "cancelled"}


# -- record counts and the recommendation --------------------------------------------------
def cached_counts(connection: ConnectionSetup, refresh: bool = False) -> dict[str, dict]:
    """Counts and recommendation by mapping name, computed at most every few minutes and again
    whenever a full synchronization ended (the cache key names the latest run)."""
    latest = FullSyncRun.objects.filter(connection=connection).first()
    key = f"fullsync-counts:{connection.pk}:{connection.updated_at.timestamp()}:" + (
        f"{latest.pk}:{latest.created_at.timestamp()}:{latest.status}" if latest else "")
    counts = None if refresh else cache.get(key)
    if counts is None:
        counts = compute_counts(connection)
        cache.set(key, counts, COUNTS_SECONDS)
    return counts


# Job kinds whose result holds the counts they worked from (a count job, a full sync's start).
COUNTING_KINDS = (JobKind.REVIEW_COUNTS, JobKind.FULL_SYNC, JobKind.INITIAL_SYNC)


def counts_job(connection: ConnectionSetup) -> SyncJob | None:
    """The latest finished job that kept counts for the connection, if any (reads rows only)."""
    return (SyncJob.objects.filter(connection=connection, kind__in=COUNTING_KINDS,
                                   status=JobStatus.FINISHED, result__has_key="counts")
            .order_by("-finished_at", "-pk").first())


def stored_counts(connection: ConnectionSetup) -> dict[str, dict]:
    """The counts and recommendations the latest counting job kept ({} before any)."""
    job = counts_job(connection)
    return job.result["counts"] if job else {}


def compute_counts(connection: ConnectionSetup) -> dict[str, dict]:
    """BC and Sales record counts per mapping (one count request per side) and the
    recommendation, with the connection app's rules plus BC's dependency rule."""
    mappings = [m for m, _ in fullsync_lines.dependency_order(
        IntegrationTableMapping.objects.filter(connection=connection))]
    plan = [{"name": m.name, "bc_table": m.bc_table, "bc_entity": m.bc_entity,
             "sales_entity_set": m.sales_entity_set, "option": m.is_option_mapping,
             "depends_on": m.depends_on()} for m in mappings]
    rows = {row["name"]: row for row in recommendations.compute(
        connection, plan, [m.name for m in mappings])}
    for mapping in mappings:
        row = rows[mapping.name]
        if row["recommendation"] == recommendations.COUPLE and couples_by_itself(mapping):
            row["recommendation"] = recommendations.FULL_SYNC
        row["own"] = row["recommendation"]
        if any(blocks(rows[d]["recommendation"])
               for d in mapping.depends_on() if d in rows and d != "SALESPEOPLE"):
            row["recommendation"] = DEPENDENCY_NOT_SATISFIED
    return {name: {k: row[k] for k in ("bc_count", "sales_count", "recommendation", "own")}
            for name, row in rows.items()}


def blocks(recommendation: str) -> bool:
    """Whether a dependency with this recommendation is not satisfied (BC: it is not itself
    "Full Synchronization" material; empty tables and unknown counts do not block)."""
    return recommendation in (recommendations.COUPLE, DEPENDENCY_NOT_SATISFIED)


def couples_by_itself(mapping: IntegrationTableMapping) -> bool:
    """Tables whose rules couple existing records during the run (currencies by ISO code, unit
    groups by name, salespeople by user): both sides holding data is no reason to couple first."""
    rules = catalog.RULES.get(mapping.bc_table, TableRules)
    return rules.match is not TableRules.match


# -- rows for the page ---------------------------------------------------------------------
@dataclass
class Row:
    """One review line as shown: statuses, progress and counters of its jobs."""

    name: str
    line: FullSyncLine | None
    mapping: IntegrationTableMapping | None
    wave: int
    jobs: dict[str, SyncJob] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)
    coupled: int = 0
    forecast: dict[str, int] = field(default_factory=dict)
    approximate: bool = False
    # Names of the connection's mappings: dependencies on other names are not shown (BC's
    # AreAllParentalJobsFinished ignores them too).
    mapping_names: frozenset[str] = frozenset()
    # The recommendation as this run sees it (set by rows_for); "" before it is worked out.
    advice: str = ""
    duration_text: str = ""  # set by the review page

    @property
    def status(self) -> str:
        return self.line.status if self.line else LineStatus.BLANK

    @property
    def status_display(self) -> str:
        return self.line.get_status_display().strip() if self.line else ""

    @property
    def is_active(self) -> bool:
        return self.status in LINE_ACTIVE

    @property
    def dependency_filter(self) -> str:
        if self.line:
            return self.line.dependency_filter
        return self.mapping.dependency_filter if self.mapping else ""

    @property
    def depends_on(self) -> list[str]:
        """The dependencies that exist as mappings of this connection, in filter order."""
        names = [name.strip() for name in self.dependency_filter.split("|") if name.strip()]
        return [name for name in names if name in self.mapping_names and name != self.name]

    @property
    def status_badge(self) -> str:
        return STATUS_BADGES.get(self.status, "off")

    @property
    def to_badge(self) -> str:
        return DIRECTION_BADGES.get(self.to_status, "off")

    @property
    def from_badge(self) -> str:
        return DIRECTION_BADGES.get(self.from_status, "off")

    @property
    def first_job(self) -> SyncJob | None:
        return min(self.jobs.values(), key=lambda job: job.pk, default=None)

    @property
    def to_job(self) -> SyncJob | None:
        return self.jobs.get(SyncDirection.TO_SALES)

    @property
    def from_job(self) -> SyncJob | None:
        return self.jobs.get(SyncDirection.FROM_SALES)

    @property
    def to_status(self) -> str:
        return fullsync_lines.direction_status(self.to_job)

    @property
    def from_status(self) -> str:
        return fullsync_lines.direction_status(self.from_job)

    @property
    def recommendation(self) -> str:
        return self.advice or self.counts.get("recommendation") or (
            self.line.recommendation if self.line else "")

    @property
    def done(self) -> int:
        return sum(job.records_done for job in self.jobs.values())

    @property
    def total(self) -> int | None:
        totals = [job.records_total for job in self.jobs.values()]
        return sum(cast(list[int], totals)) if totals and None not in totals else None

    @property
    def percent(self) -> int | None:
        if self.status == LineStatus.FINISHED:
            return 100
        total = self.total
        return min(100, round(100 * self.done / total)) if total else None

    def counter(self, name: str) -> int:
        return sum(getattr(job, name) for job in self.jobs.values())

    @property
    def counters(self) -> dict[str, int]:
        return {name: self.counter(name) for name in COUNTER_KEYS}

    @property
    def failed_jobs(self) -> list[SyncJob]:
        return [job for job in self.jobs.values() if job.failed or job.conflicts]

    @property
    def duration(self) -> timedelta | None:
        starts = [job.started_at for job in self.jobs.values() if job.started_at]
        if not starts:
            return None
        ends = [job.finished_at for job in self.jobs.values()]
        end = max(cast(list[datetime], ends)) if ends and None not in ends else timezone.now()
        return end - min(starts)

    @property
    def records_per_second(self) -> float | None:
        seconds = self.duration.total_seconds() if self.duration else 0
        return self.done / seconds if seconds > 0 else None

    @property
    def message(self) -> str:
        return self.line.message if self.line else ""


def rows_for(connection: ConnectionSetup, run: FullSyncRun | None, *, with_counts: bool
             ) -> list[Row]:
    """The lines of ``run`` (or, before any run, the mappings as lines would be), with live job
    data, couplings per mapping and, when ``with_counts``, current record counts."""
    counts = stored_counts(connection) if with_counts else {}
    coupled = _coupled(connection)
    if run is None:
        rows = [Row(m.name, None, m, wave) for m, wave in fullsync_lines.dependency_order(
            IntegrationTableMapping.objects.filter(connection=connection))]
    else:
        lines = list(run.lines.select_related("mapping", "run"))
        jobs = fullsync_lines.jobs_of(lines)
        rows = [Row(line.name, line, line.mapping, line.wave, jobs.get(line.pk, {}))
                for line in lines]
    names = frozenset(IntegrationTableMapping.objects.filter(connection=connection)
                      .values_list("name", flat=True))
    for row in rows:
        row.counts = counts.get(row.name) or _stored_counts(row.line)
        row.coupled = coupled.get(row.mapping.pk, 0) if row.mapping else 0
        row.mapping_names = names
    if run is not None:
        _advise(rows)
    _add_forecast(rows, forecast_run(connection, run))
    return rows


def _advise(rows: list[Row]) -> None:
    """The recommendation of each line of a run, agreeing with the lines: a dependency whose
    line finished in this run is satisfied, so "Dependency not satisfied" is never shown next
    to lines that ran after their parents. A line that started keeps the recommendation it
    had when the run started (BC refreshes only lines not started); a line not started yet
    gets today's counts. Rows come in dependency order, so parents are advised first."""
    by_name = {row.name: row for row in rows}
    for row in rows:
        own = _own_recommendation(row)
        waiting = [by_name[d] for d in row.depends_on if d in by_name and d != "SALESPEOPLE"]
        if any(parent.status != LineStatus.FINISHED and blocks(parent.recommendation)
               for parent in waiting):
            own = DEPENDENCY_NOT_SATISFIED
        row.advice = own


def _own_recommendation(row: Row) -> str:
    """The line's recommendation before the dependency rule."""
    started = row.line is not None and row.status != LineStatus.BLANK
    if not started and row.counts.get("own"):
        return row.counts["own"]
    stored = row.line.recommendation if row.line else ""
    if stored and stored != DEPENDENCY_NOT_SATISFIED:
        return stored
    if row.line is None or row.mapping is None:
        return stored
    # Stored after the dependency rule: work the line's own one out from its stored counts.
    own = recommendations.recommend(row.line.bc_count, row.line.sales_count, [],
                                    {"option": row.mapping.is_option_mapping})
    if own == recommendations.COUPLE and couples_by_itself(row.mapping):
        return recommendations.FULL_SYNC
    return own


def _stored_counts(line: FullSyncLine | None) -> dict[str, Any]:
    if line is None:
        return {}
    return {"bc_count": line.bc_count, "sales_count": line.sales_count,
            "recommendation": line.recommendation}


def _coupled(connection: ConnectionSetup) -> dict[int, int]:
    rows = (Coupling.objects.filter(mapping__connection=connection).values("mapping")
            .annotate(n=Count("pk")))
    return {row["mapping"]: row["n"] for row in rows}


def forecast_run(connection: ConnectionSetup, run: FullSyncRun | None) -> FullSyncRun | None:
    """The dry run whose numbers go with ``run``: itself, or the last dry run before it (and
    after the previous real run); before any run, the latest dry run."""
    if run is not None and run.dry_run:
        return run
    dry = FullSyncRun.objects.filter(connection=connection, dry_run=True)
    if run is not None:
        dry = dry.filter(created_at__lte=run.created_at)
        previous = FullSyncRun.objects.filter(connection=connection, dry_run=False,
                                              created_at__lt=run.created_at).first()
        if previous:
            dry = dry.filter(created_at__gt=previous.created_at)
    else:
        last_real = FullSyncRun.objects.filter(connection=connection, dry_run=False).first()
        if last_real:
            dry = dry.filter(created_at__gt=last_real.created_at)
    return dry.first()


def _add_forecast(rows: list[Row], dry: FullSyncRun | None) -> None:
    if dry is None:
        return
    lines = list(dry.lines.all())
    jobs = fullsync_lines.jobs_of(lines)
    by_name = {}
    for line in lines:
        totals: dict[str, int] = {}
        for job in jobs.get(line.pk, {}).values():
            for key, value in (job.result or {}).get("forecast", {}).items():
                totals[key] = totals.get(key, 0) + int(value)
        by_name[line.name] = (line, totals)
    for row in rows:
        _line, row.forecast = by_name.get(row.name, (None, {}))
        row.approximate = _approximate(row, by_name)


def _approximate(row: Row, by_name: dict) -> bool:
    """A dry run's failures may only be records that refer to records a line it depends on
    would insert or couple first (nothing is written, so those lookups fail in a dry run)."""
    if not row.forecast.get("fail") or row.mapping is None:
        return False
    parents = [by_name[d][1] for d in row.mapping.depends_on() if d in by_name]
    return any(p.get("insert") or p.get("couple") for p in parents)


# -- summaries -----------------------------------------------------------------------------
def latest_run(connection: ConnectionSetup) -> FullSyncRun | None:
    return FullSyncRun.objects.filter(connection=connection).first()


def polling_done(run: FullSyncRun | None, rows: list[Row]) -> bool:
    """Nothing left to change on the page: the run ended and every line's jobs too."""
    return run is None or (not run.is_running and not any(row.is_active for row in rows))


def summary(connection: ConnectionSetup) -> str:
    """The connection page's line: "finished 12:03, 4 lines with errors"."""
    run = FullSyncRun.objects.filter(connection=connection, dry_run=False).first()
    if run is None:
        return ""
    lines = list(run.lines.all())
    jobs = fullsync_lines.jobs_of(lines)
    troubled = sum(1 for line in lines if line.status in (LineStatus.ERROR, LineStatus.CANCELLED)
                   or any(j.failed for j in jobs.get(line.pk, {}).values()))
    if run.is_running:
        finished = sum(1 for line in lines if line.status == LineStatus.FINISHED)
        return (f"running since {_time(run.created_at)}, {finished} of {len(lines)} lines "
                "finished")
    verb = "cancelled" if run.status == RunStatus.CANCELLED else "finished"
    return f"{verb} {_time(run.finished_at or run.created_at)}, " + (
        f"{troubled} line{'s' if troubled != 1 else ''} with errors" if troubled
        else "no errors")


def _time(when) -> str:
    local = timezone.localtime(when)
    if local.date() == timezone.localdate():
        return f"{local:%H:%M}"
    return f"{local:%Y-%m-%d %H:%M}"


def status_json(connection: ConnectionSetup, run: FullSyncRun | None, rows: list[Row]) -> dict:
    """The JSON status endpoint: the run, and per line its statuses, counters and jobs."""
    return {
        "connection": connection.name,
        "run": None if run is None else {
            "id": run.pk, "dry_run": run.dry_run, "status": run.status,
            "started_by": run.started_by, "started_at": _iso(run.created_at),
            "finished_at": _iso(run.finished_at), "lock_expires_at": _iso(run.lock_expires_at),
            "message": run.message},
        "lines": [_line_json(row) for row in rows],
    }


def _line_json(row: Row) -> dict:
    return {
        "name": row.name, "wave": row.wave, "status": row.status or "not_started",
        "job_queue_entry_status": row.status_display, "to_int_table_job_status": row.to_status,
        "from_int_table_job_status": row.from_status, "recommendation": row.recommendation,
        "bc_count": row.counts.get("bc_count"), "sales_count": row.counts.get("sales_count"),
        "coupled": row.coupled, "records_done": row.done, "records_total": row.total,
        "counters": row.counters, "forecast": row.forecast,
        "duration_seconds": row.duration.total_seconds() if row.duration else None,
        "records_per_second": row.records_per_second, "message": row.message,
        "jobs": {direction: job.pk for direction, job in row.jobs.items()},
    }


def _iso(when) -> str | None:
    return when.isoformat() if when else None
