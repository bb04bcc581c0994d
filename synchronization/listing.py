"""What the list pages show besides their tables (those are in ``tables.py``): counter
columns, pages, links to the records in either service, durations and the daily chart.

The chart is drawn server-side as inline SVG from one aggregate query, so it needs no script and
shows in any browser.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import quote, urlencode

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import F, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.http import HttpRequest
from django.utils import timezone

from synchronization.models import SyncDirection

# (field, caption) of SyncJob counters, in BC's column order; captions link to the errors.
COUNTER_COLUMNS = (
    ("inserted", "Inserted"), ("modified", "Modified"), ("deleted", "Deleted"),
    ("unchanged", "Unchanged"), ("skipped", "Skipped"), ("failed", "Failed"),
    ("conflicts", "Conflicts"),
)
CHART_DAYS = 14


class PageForm(forms.Form):
    page = forms.IntegerField(min_value=1, required=False)


def paginate(request: HttpRequest, items, per_page: int) -> tuple[Page, str]:
    """The requested page of ``items`` and, for a page number that makes no sense, a message."""
    form = PageForm(request.GET)
    number = form.cleaned_data.get("page") if form.is_valid() else None
    problem = "" if form.is_valid() else "The page number was not understood; page 1 is shown."
    paginator = Paginator(items, per_page)
    if number and number > paginator.num_pages:
        problem = f"There are only {paginator.num_pages} pages; the last is shown."
        number = paginator.num_pages
    return paginator.get_page(number or 1), problem


@dataclass(frozen=True)
class Day:
    """Records synchronized and failed on one day."""

    day: date
    synced: int
    failed: int


@dataclass(frozen=True)
class Bar:
    """One bar of the chart, in SVG user units."""

    x: float
    y: float
    height: float
    value: int
    kind: str  # "synced" or "failed": the CSS class and the word of the tooltip


@dataclass(frozen=True)
class Column:
    """A day's pair of bars and its label."""

    day: Day
    bars: tuple[Bar, ...]  # synced, failed
    label_x: float
    show_label: bool


@dataclass(frozen=True)
class Chart:
    columns: list[Column]
    width: int
    height: int
    bar_width: float
    baseline: float
    peak: int

    @property
    def total_synced(self) -> int:
        return sum(c.day.synced for c in self.columns)

    @property
    def total_failed(self) -> int:
        return sum(c.day.failed for c in self.columns)


def daily_outcomes(jobs: QuerySet, days: int = CHART_DAYS) -> list[Day]:
    """Per calendar day of the last ``days``: records written (inserted, modified, deleted) and
    records failed, summed in one query; days without jobs are zero."""
    today = timezone.localdate()
    first = today - timedelta(days=days - 1)
    rows = (jobs.filter(created_at__date__gte=first).annotate(day=TruncDate("created_at"))
            .values("day")
            .annotate(synced=Sum(F("inserted") + F("modified") + F("deleted")),
                      failed=Sum("failed"))
            .order_by())
    found = {row["day"]: row for row in rows}
    return [Day(day, found.get(day, {}).get("synced") or 0, found.get(day, {}).get("failed") or 0)
            for day in (first + timedelta(days=n) for n in range(days))]


def chart(days: list[Day], width: int = 560, height: int = 120) -> Chart:
    """Bar geometry: a pair of bars (synced, failed) per day, scaled to the busiest day."""
    peak = max([max(d.synced, d.failed) for d in days] + [1])
    slot = width / max(len(days), 1)
    bar = round(slot * 0.38, 1)
    baseline = height - 16  # room for the day labels under the bars

    def place(n: int, day: Day) -> Column:
        left = n * slot + slot * 0.1
        bars = tuple(Bar(round(left + i * bar, 1), round(baseline - h, 1), h, value, kind)
                     for i, (value, kind) in enumerate(((day.synced, "synced"),
                                                        (day.failed, "failed")))
                     for h in [round(baseline * value / peak, 1)])
        # Every other label, so fourteen dates fit under a narrow chart.
        return Column(day, bars, round(n * slot + slot / 2, 1), (len(days) - 1 - n) % 2 == 0)

    return Chart([place(n, d) for n, d in enumerate(days)], width, height, bar, baseline, peak)


@dataclass(frozen=True)
class RecordLink:
    """A record on one side: its id, and a URL that opens it when the connection has one."""

    record_id: str
    url: str = ""


def bc_record(connection, mapping, record_id: str) -> RecordLink | None:
    """The BC record in the web client: table ``bc_table_id`` filtered on its SystemId."""
    if not record_id:
        return None
    base = getattr(connection, "web_client_url", "")
    if not (base and mapping and mapping.bc_table_id):
        return RecordLink(record_id)
    query = urlencode({"company": connection.bc_company_name, "table": mapping.bc_table_id,
                       "filter": f"'SystemId' IS '{record_id}'"}, quote_via=quote)
    return RecordLink(record_id, f"{base}{'&' if '?' in base else '?'}{query}")


def sales_record(connection, mapping, record_id: str) -> RecordLink | None:
    """The Sales row in its app: ``<url>/main.aspx?pagetype=entityrecord&etn=..&id=..``."""
    if not record_id:
        return None
    base = getattr(connection, "server_address", "")
    if not (base and mapping and mapping.sales_entity):
        return RecordLink(record_id)
    query = urlencode({"pagetype": "entityrecord", "etn": mapping.sales_entity,
                       "id": record_id})
    return RecordLink(record_id, f"{base.rstrip('/')}/main.aspx?{query}")


def record_ids(error) -> tuple[str, str]:
    """(Business Central id, Sales id) of an error's record, by the job's direction."""
    if error.direction == SyncDirection.FROM_SALES:
        return error.destination_id, error.source_id
    return error.source_id, error.destination_id


def link_error_records(errors, connection) -> None:
    """Give each error ``bc_record`` and ``sales_record`` links, by the job's direction."""
    for error in errors:
        bc_id, sales_id = record_ids(error)
        error.bc_record = bc_record(connection, error.mapping, bc_id)
        error.sales_record = sales_record(connection, error.mapping, sales_id)


def link_coupling_records(couplings, connection) -> None:
    """Give each coupling ``bc_record`` and ``sales_record`` links."""
    for coupling in couplings:
        coupling.bc_record = bc_record(connection, coupling.mapping, str(coupling.bc_id))
        coupling.sales_record = sales_record(connection, coupling.mapping,
                                             str(coupling.sales_id))


def format_duration(duration: timedelta | None) -> str:
    """``4.2 s``, ``3 min 05 s`` or ``2 h 03 min``: precise for short jobs, short for long."""
    if duration is None:
        return ""
    seconds = duration.total_seconds()
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, second = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {second:02d} s"
    return f"{minutes // 60} h {minutes % 60:02d} min"
