"""The tables of the Integration Table Mappings and Couplings lists."""

from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime

from connection.lists.tables import SELECT, BaseTable, register

CELLS = "mappings/cells/"
NUM = {"th": {"class": "num"}, "td": {"class": "num"}}


ARROWS = {"ToIntegrationTable": "BC → Sales", "FromIntegrationTable": "Sales → BC",
          "Bidirectional": "BC ⇄ Sales"}


def short_direction(value: str, caption: str):
    """The direction as an arrow between the two systems, BC's caption on hover: the caption
    ran to five lines in a narrow column."""
    return format_html('<span class="nowrap" title="{}">{}</span>', caption,
                       ARROWS.get(value, caption))


def filter_cell(text: str):
    return format_html('<code class="filter">{}</code>', text or "\N{EN DASH}")


@register
class MappingTable(BaseTable):
    """Integration Table Mappings: the filters are shown on the card; they can be chosen here."""

    name = "mappings"
    caption = "Integration Table Mappings"
    default_columns = ("bc_table", "sales_entity", "direction", "coupled_count", "error_count",
                       "skipped_count", "last_synced_at", "schedule")
    always = ("mapping_name", "actions")
    sticky_start = "mapping_name"
    sticky_end = "actions"
    not_exported = ("actions",)

    # Cells are rendered by methods, not templates: a template per cell was most of the time
    # the list took to answer (the counts come from the index in one query).
    mapping_name = tables.Column(verbose_name="Name", accessor="name",
                                 order_by=("position", "name"))
    bc_table = tables.Column(verbose_name="Table")
    sales_entity = tables.Column(verbose_name="Integration Table")
    direction = tables.Column(verbose_name="Direction")
    table_filter = tables.Column(verbose_name="Table Filter", empty_values=())
    integration_table_filter = tables.Column(verbose_name="Integration Table Filter",
                                             empty_values=())
    coupled_count = tables.Column(verbose_name="Coupled", attrs=NUM)
    error_count = tables.TemplateColumn(verbose_name="Errors", attrs=NUM,
                                        template_name=f"{CELLS}errors.html")
    skipped_count = tables.Column(verbose_name="Skipped", attrs=NUM)
    last_synced_at = tables.Column(verbose_name="Last Synch.", empty_values=())
    schedule = tables.Column(
        verbose_name="Schedule", accessor="job_queue_entry", empty_values=(),
        order_by=("job_queue_entry__no_of_minutes_between_runs",))
    actions = tables.TemplateColumn(verbose_name="Actions", orderable=False, empty_values=(),
                                    template_name=f"{CELLS}mapping_actions.html",
                                    attrs={"td": {"class": "row-actions"}})

    def render_mapping_name(self, record):
        return format_html('<a href="{}"><strong>{}</strong></a>',
                           reverse("mappings:detail", args=[record.pk]), record.name)

    def value_mapping_name(self, value: str) -> str:
        return value

    def render_direction(self, record) -> str:
        return short_direction(record.direction, record.get_direction_display())

    def value_direction(self, record) -> str:
        return record.get_direction_display()

    def render_table_filter(self, value: str):
        return filter_cell(value)

    def render_integration_table_filter(self, value: str):
        return filter_cell(value)

    def value_table_filter(self, value: str) -> str:
        return value

    def value_integration_table_filter(self, value: str) -> str:
        return value

    def value_coupled_count(self, value: int) -> int:
        return value

    def value_skipped_count(self, value: int) -> int:
        return value

    def render_coupled_count(self, record):
        return format_html('<a href="{}?mapping={}">{}</a>', reverse("mappings:couplings"),
                           record.pk, record.coupled_count)

    def render_skipped_count(self, record):
        if not record.skipped_count:
            return "0"
        return format_html('<a href="{}?mapping={}&amp;state=skipped">'
                           '<span class="badge warning">{}</span></a>',
                           reverse("mappings:couplings"), record.pk, record.skipped_count)

    def render_last_synced_at(self, record):
        if not record.last_synced_at:
            return mark_safe('<span class="muted">Never</span>')
        return format_html(
            '<span class="nowrap">{}</span> <span class="badge {}">{}</span>',
            date_format(localtime(record.last_synced_at), "Y-m-d H:i"),
            "error" if record.last_sync_result == "failure" else "ok",
            record.get_last_sync_result_display())

    def value_last_synced_at(self, record) -> str:
        if not record.last_synced_at:
            return "Never"
        when = date_format(localtime(record.last_synced_at), "Y-m-d H:i")
        return f"{when} {record.get_last_sync_result_display()}"

    def render_schedule(self, value):
        """The mapping's job queue entry (the synchronization app's, reached by its relation)."""
        if value is None:
            return mark_safe('<span class="muted">Not scheduled</span>')
        if not value.enabled:
            return mark_safe('<span class="badge off">Off</span>')
        if value.next_run_at is None:
            return f"every {value.no_of_minutes_between_runs} min"
        return format_html("every {} min<br><small>next {}</small>",
                           value.no_of_minutes_between_runs,
                           date_format(localtime(value.next_run_at), "H:i"))

    def value_schedule(self, value) -> str:
        if value is None:
            return "Not scheduled"
        return f"every {value.no_of_minutes_between_runs} min" if value.enabled else "Off"

    class Meta(BaseTable.Meta):
        attrs = {"class": "list mapping-list"}
        empty_text = "No integration table mappings match."


def result_badge(value: str, caption: str):
    """A last-result cell: a badge with the word (empty when never synchronized)."""
    if not value:
        return ""
    return format_html('<span class="badge {}">{}</span>',
                       "error" if value == "failure" else "ok", caption)


class CouplingRowsTable(BaseTable):
    """What every list of couplings shares: a selection box and the BC No. kept in view."""

    always = ("select", "bc_number")
    sticky_start = "bc_number"
    not_exported = ("select",)

    select = tables.TemplateColumn(
        verbose_name=SELECT, orderable=False, empty_values=(),
        template_code='<input type="checkbox" name="coupling" value="{{ record.pk }}" '
                      'form="selection" aria-label="Select '
                      '{{ record.bc_number|default:record.bc_id }}">')
    bc_number = tables.Column(verbose_name="No.", order_by=("bc_number", "pk"))


@register
class CouplingTable(CouplingRowsTable):
    """Couplings (BC's CRM Integration Records): the record ids are there to choose."""

    name = "couplings"
    caption = "Couplings"
    default_columns = ("display_name", "mapping", "bc_modified_on", "sales_modified_on",
                       "last_result", "last_sales_result", "skipped")
    display_name = tables.Column(verbose_name="Name")
    mapping = tables.Column(verbose_name="Mapping", accessor="mapping__name",
                            order_by=("mapping__position", "bc_number", "pk"))
    bc_id = tables.TemplateColumn(verbose_name="Business Central ID",
                                  template_code="<code>{{ record.bc_id }}</code>")
    sales_id = tables.TemplateColumn(verbose_name="Sales ID",
                                     template_code="<code>{{ record.sales_id }}</code>")
    bc_modified_on = tables.DateTimeColumn(verbose_name="Last Synch. Modified On",
                                           format="Y-m-d H:i:s")
    sales_modified_on = tables.DateTimeColumn(verbose_name="Last Synch. CRM Modified On",
                                              format="Y-m-d H:i:s")
    last_result = tables.Column(verbose_name="To Business Central")
    last_sales_result = tables.Column(verbose_name="To Sales")
    skipped = tables.Column(verbose_name="Skipped")

    class Meta(BaseTable.Meta):
        attrs = {"class": "list coupling-list"}
        empty_text = "No couplings match."

    def render_last_result(self, record):
        return result_badge(record.last_result, record.get_last_result_display())

    def render_last_sales_result(self, record):
        return result_badge(record.last_sales_result, record.get_last_sales_result_display())

    def render_skipped(self, value: bool):
        return mark_safe('<span class="badge warning">Skipped</span>') if value else ""

    def value_skipped(self, value: bool) -> str:
        return "Yes" if value else "No"
