"""The tables of the Integration Table Mappings and Couplings lists."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html

from lists.tables import BaseTable, register

CELLS = "mappings/cells/"
NUM = {"th": {"class": "num"}, "td": {"class": "num"}}


ARROWS = {"ToIntegrationTable": "BC → Sales", "FromIntegrationTable": "Sales → BC",
          "Bidirectional": "BC ⇄ Sales"}


def short_direction(value: str, caption: str):
    """The direction as an arrow between the two systems, BC's caption on hover: the caption
    ran to five lines in a narrow column."""
    return format_html('<span title="{}">{}</span>', caption, ARROWS.get(value, caption))


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

    mapping_name = tables.TemplateColumn(
        verbose_name="Name", accessor="name", order_by=("position", "name"),
        template_code='<a href="{% url "mappings:detail" record.pk %}"><strong>'
                      '{{ record.name }}</strong></a>')
    bc_table = tables.Column(verbose_name="Table")
    sales_entity = tables.Column(verbose_name="Integration Table")
    direction = tables.Column(verbose_name="Direction")
    table_filter = tables.TemplateColumn(
        verbose_name="Table Filter", template_name=f"{CELLS}filter.html",
        extra_context={"field": "table_filter"})
    integration_table_filter = tables.TemplateColumn(
        verbose_name="Integration Table Filter", template_name=f"{CELLS}filter.html",
        extra_context={"field": "integration_table_filter"})
    coupled_count = tables.TemplateColumn(
        verbose_name="Coupled", attrs=NUM,
        template_code='<a href="{% url "mappings:couplings" %}?mapping={{ record.pk }}">'
                      '{{ record.coupled_count }}</a>')
    error_count = tables.TemplateColumn(verbose_name="Errors", attrs=NUM,
                                        template_name=f"{CELLS}errors.html")
    skipped_count = tables.TemplateColumn(verbose_name="Skipped", attrs=NUM,
                                          template_name=f"{CELLS}skipped.html")
    last_synced_at = tables.TemplateColumn(verbose_name="Last Synch.",
                                           template_name=f"{CELLS}last_sync.html")
    schedule = tables.TemplateColumn(
        verbose_name="Schedule", accessor="job_queue_entry",
        order_by=("job_queue_entry__no_of_minutes_between_runs",),
        template_name=f"{CELLS}schedule.html")
    actions = tables.TemplateColumn(verbose_name="Actions", orderable=False, empty_values=(),
                                    template_name=f"{CELLS}mapping_actions.html",
                                    attrs={"td": {"class": "row-actions"}})

    def render_direction(self, record) -> str:
        return short_direction(record.direction, record.get_direction_display())

    def value_direction(self, record) -> str:
        return record.get_direction_display()

    class Meta(BaseTable.Meta):
        attrs = {"class": "list mapping-list"}
        empty_text = "No integration table mappings match."
