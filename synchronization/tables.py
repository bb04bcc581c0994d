"""The tables of the jobs and errors lists (django-tables2, see connection/lists/tables.py)."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.safestring import mark_safe

from connection.lists.tables import SELECT, BaseTable, register
from mappings.tables import NUM, CouplingRowsTable, result_badge, short_direction
from synchronization.listing import COUNTER_COLUMNS, format_duration, record_ids

CELLS = "synchronization/cells/"
DASH = "\N{EN DASH}"


def counter(field: str, caption: str) -> tables.Column:
    """A counter column; skipped, failed and conflicts link to the records behind them."""
    if field in ("skipped", "failed", "conflicts"):
        return tables.TemplateColumn(verbose_name=caption, attrs=NUM,
                                     template_name=f"{CELLS}job_{field}.html")
    return tables.Column(verbose_name=caption, attrs=NUM)


CAPTIONS = dict(COUNTER_COLUMNS)


@register
class JobTable(BaseTable):
    """Integration Synchronization Jobs, newest first."""

    name = "jobs"
    caption = "Integration Synchronization Jobs"
    default_columns = ("finished_at", "job_name", "direction", "status", "inserted", "modified",
                       "deleted", "unchanged", "skipped", "failed", "duration", "message")
    always = ("started_at",)
    sticky_start = "started_at"

    started_at = tables.TemplateColumn(
        verbose_name="Start Date/Time", order_by=("created_at", "id"),
        template_code='<a class="nowrap" href="{% url "synchronization:job" record.pk %}">'
                      '{{ record.started_at|default:record.created_at|date:"Y-m-d H:i" }}</a>')
    finished_at = tables.DateTimeColumn(verbose_name="Finish Date/Time", format="Y-m-d H:i",
                                        attrs={"td": {"class": "nowrap"}})
    job_name = tables.Column(verbose_name="Name", accessor="mapping_name", empty_values=(),
                             order_by=("mapping_name", "kind"))
    direction = tables.Column(verbose_name="Direction")
    status = tables.TemplateColumn(verbose_name="Status", template_name=f"{CELLS}job_status.html")
    inserted = counter("inserted", CAPTIONS["inserted"])
    modified = counter("modified", CAPTIONS["modified"])
    deleted = counter("deleted", CAPTIONS["deleted"])
    unchanged = counter("unchanged", CAPTIONS["unchanged"])
    skipped = counter("skipped", CAPTIONS["skipped"])
    failed = counter("failed", CAPTIONS["failed"])
    conflicts = counter("conflicts", CAPTIONS["conflicts"])
    duration = tables.Column(verbose_name="Duration", attrs=NUM, orderable=False,
                             empty_values=())
    records_per_second = tables.Column(verbose_name="Records/s", attrs=NUM, orderable=False,
                                       empty_values=())
    message = tables.TemplateColumn(verbose_name="Message", orderable=False,
                                    template_name=f"{CELLS}job_message.html",
                                    attrs={"td": {"class": "job-message"}})

    class Meta(BaseTable.Meta):
        attrs = {"class": "list job-list"}
        sequence = ("started_at", "finished_at", "job_name", "direction", "status",
                    *(field for field, _ in COUNTER_COLUMNS), "duration",
                    "records_per_second", "message")
        empty_text = "No jobs match these filters."

    def render_job_name(self, record) -> str:
        return record.name

    def value_job_name(self, record) -> str:
        return record.name

    def render_direction(self, record):
        return short_direction(record.direction, record.get_direction_display())

    def value_direction(self, record) -> str:
        return record.get_direction_display()

    def render_duration(self, record) -> str:
        return format_duration(record.duration) or "-"

    def render_records_per_second(self, record) -> str:
        rate = record.records_per_second
        return "-" if rate is None else f"{rate:.1f}"

    def value_message(self, record) -> str:
        if record.parameters.get("dry_run"):
            forecast = (record.result or {}).get("forecast") or {}
            counted = ", ".join(f"{key} {value}" for key, value in sorted(forecast.items()))
            return f"Dry run: {counted or 'nothing to do'}. {record.message}".strip()
        return record.message


LINK = "synchronization/_record_link.html"


def record_link(caption: str, attribute: str) -> tables.TemplateColumn:
    """A link to the row's record in one service: ``record.<attribute>``, set on the page's rows
    by ``listing.link_error_records`` / ``link_coupling_records``."""
    return tables.TemplateColumn(
        verbose_name=caption, orderable=False, empty_values=(),
        template_code='{% include "' + LINK + '" with record=record.' + attribute + " %}")


@register
class ErrorTable(BaseTable):
    """Integration Synchronization Errors, newest first; both records link to their pages."""

    name = "errors"
    caption = "Integration Synchronization Errors"
    default_columns = ("mapping", "direction", "record", "bc_record", "sales_record", "message",
                       "job")
    always = ("select", "created_at")
    sticky_start = "created_at"
    not_exported = ("select",)

    select = tables.TemplateColumn(
        verbose_name=SELECT, orderable=False, empty_values=(),
        template_code='<input type="checkbox" name="error" value="{{ record.pk }}" '
                      'form="selection" aria-label="Select error {{ record.pk }}">')
    created_at = tables.DateTimeColumn(verbose_name="Date/Time", format="Y-m-d H:i:s",
                                       order_by=("created_at", "id"),
                                       attrs={"td": {"class": "nowrap"}})
    mapping = tables.Column(verbose_name="Mapping", accessor="mapping__name")
    direction = tables.Column(verbose_name="Direction")
    record = tables.TemplateColumn(verbose_name="Record", accessor="source_label",
                                   template_name=f"{CELLS}error_record.html")
    bc_record = record_link("Business Central", "bc_record")
    sales_record = record_link("Sales", "sales_record")
    message = tables.TemplateColumn(verbose_name="Error Message", orderable=False,
                                    template_name=f"{CELLS}error_message.html",
                                    attrs={"td": {"class": "error-message"}})
    error_code = tables.TemplateColumn(verbose_name="Code",
                                       template_name=f"{CELLS}error_code.html")
    job = tables.TemplateColumn(
        verbose_name="Job", accessor="job_id", attrs=NUM,
        template_code='<a href="{% url "synchronization:job" record.job_id %}">'
                      '{{ record.job_id }}</a>')

    class Meta(BaseTable.Meta):
        attrs = {"class": "list error-list"}
        empty_text = "No errors match these filters."

    def render_direction(self, record):
        return short_direction(record.direction, record.get_direction_display())

    def value_direction(self, record) -> str:
        return record.get_direction_display()

    def value_bc_record(self, record) -> str:
        return record_ids(record)[0]

    def value_sales_record(self, record) -> str:
        return record_ids(record)[1]

    def value_message(self, record) -> str:
        return record.message

    def value_record(self, record) -> str:
        return record.source_label


@register
class CoupledErrorTable(CouplingRowsTable):
    """Coupled Data Synchronization Errors: couplings skipped, failing or in conflict."""

    name = "coupled-errors"
    caption = "Coupled Data Synchronization Errors"
    default_columns = ("mapping", "display_name", "bc_record", "sales_record", "skipped",
                       "last_result", "last_sales_result", "last_error")
    mapping = tables.Column(verbose_name="Mapping", accessor="mapping__name",
                            order_by=("mapping__position", "bc_number", "pk"))
    display_name = tables.Column(verbose_name="Name")
    bc_record = record_link("Business Central", "bc_record")
    sales_record = record_link("Sales", "sales_record")
    skipped = tables.Column(verbose_name="Skipped")
    last_result = tables.Column(verbose_name="To Business Central")
    last_sales_result = tables.Column(verbose_name="To Sales")
    last_error = tables.TemplateColumn(
        verbose_name="Last error", orderable=False, empty_values=(),
        attrs={"td": {"class": "error-message"}},
        template_code='{% if record.open_conflict %}<span class="badge warning">Conflict</span> '
                      '{{ record.conflict_message }}{% if record.last_error %}<br>{% endif %}'
                      '{% endif %}{{ record.last_error }}')

    class Meta(BaseTable.Meta):
        attrs = {"class": "list coupled-errors"}
        empty_text = "No coupled records match these filters."

    def render_skipped(self, value: bool):
        return mark_safe('<span class="badge warning">Skipped</span>') if value else DASH

    def value_skipped(self, value: bool) -> str:
        return "Yes" if value else "No"

    def render_last_result(self, record):
        return result_badge(record.last_result, record.get_last_result_display()) or DASH

    def render_last_sales_result(self, record):
        return (result_badge(record.last_sales_result, record.get_last_sales_result_display())
                or DASH)

    def value_bc_record(self, record) -> str:
        return str(record.bc_id)

    def value_sales_record(self, record) -> str:
        return str(record.sales_id)

    def value_last_error(self, record) -> str:
        return " ".join(filter(None, [getattr(record, "conflict_message", ""),
                                      record.last_error]))
