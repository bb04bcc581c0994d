"""Filter panes of the Integration Table Mappings and Couplings lists."""

from __future__ import annotations

import uuid
from typing import Any, cast

import django_filters
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from connection.inputs import MAX_SEARCH
from mappings.models import Coupling, Direction, IntegrationTableMapping, SyncResult

YES_NO = [("true", "Yes"), ("false", "No")]


def _open_errors() -> Coalesce:
    """Records of the mapping failing now (BC's No. of Errors): its open errors, which the
    engine keeps at one per failing record (a newer error of a record closes the older, a
    success closes them all); conflicts are counted on the coupled-data errors page. Counted
    apart so the coupling join does not multiply them. The model is reached through the
    reverse relation: mappings never imports synchronization."""
    errors: Any = IntegrationTableMapping._meta.get_field("sync_errors").related_model
    rows = (errors.objects.filter(mapping=OuterRef("pk"), resolved=False, kind="error")
            .order_by()
            .values("mapping").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(rows), 0)


def _couplings(**conditions) -> Coalesce:
    """Couplings of the mapping, counted in a correlated subquery on the (mapping, skipped)
    index: a join of every coupling grouped over the mapping's columns took most of a second
    at 100,000 couplings; this reads the index only, once per listed mapping."""
    rows = (Coupling.objects.filter(mapping=OuterRef("pk"), **conditions)
            .order_by().values("mapping").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(rows), 0)


def mapping_queryset(connection) -> QuerySet:
    """Mappings of a connection with their counts, in one query. The schedule (the mapping's
    job queue entry, a model of the synchronization app) is joined in through its relation,
    as the errors are counted through theirs: mappings never imports synchronization."""
    return (IntegrationTableMapping.objects.filter(connection=connection)
            .select_related("job_queue_entry")
            .annotate(coupled_count=_couplings(),
                      error_count=_open_errors(),
                      skipped_count=_couplings(skipped=True))
            .order_by("position", "name"))


class MappingFilterSet(django_filters.FilterSet):
    """Name, direction, tables, errors, skipped and schedule."""

    name = django_filters.CharFilter(label="Name", lookup_expr="icontains", max_length=MAX_SEARCH)
    direction = django_filters.ChoiceFilter(label="Direction", choices=Direction.choices)
    bc_table = django_filters.ChoiceFilter(label="Table", choices=[])
    sales_entity = django_filters.ChoiceFilter(label="Integration Table", choices=[])
    has_errors = django_filters.BooleanFilter(label="Has errors", method="filter_errors")
    has_skipped = django_filters.BooleanFilter(label="Has skipped records",
                                               method="filter_skipped")
    scheduled = django_filters.BooleanFilter(label="Scheduled", method="filter_scheduled")

    class Meta:
        model = IntegrationTableMapping
        fields = ["name", "direction", "bc_table", "sales_entity"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        assert self.queryset is not None  # FilterSet defaults it to the model's rows
        base = IntegrationTableMapping.objects.filter(pk__in=self.queryset.values("pk"))
        for name in ("bc_table", "sales_entity"):
            values = base.order_by(name).values_list(name, flat=True).distinct()
            self.filters[name].extra["choices"] = [(v, v) for v in values]

    def filter_errors(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.filter(error_count__gt=0) if value else queryset.filter(error_count=0)

    def filter_skipped(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.filter(skipped_count__gt=0) if value else queryset.filter(skipped_count=0)

    def filter_scheduled(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        scheduled = Q(job_queue_entry__enabled=True)
        return queryset.filter(scheduled) if value else queryset.exclude(scheduled)


STATE_CHOICES = [
    ("coupled", "Coupled, last synchronization succeeded or not run"),
    ("skipped", "Skipped"),
    ("failed", "Last result failed"),
    ("never", "Never synchronized"),
]


class CouplingFilterSet(django_filters.FilterSet):
    """Mapping, state, last synchronized before, and a search by number, name or id."""

    mapping = django_filters.ModelChoiceFilter(label="Mapping",
                                               queryset=IntegrationTableMapping.objects.none())
    state = django_filters.ChoiceFilter(label="Show", choices=STATE_CHOICES,
                                        method="filter_state")
    synced_before = django_filters.DateTimeFilter(
        label="Not synchronized since", method="filter_synced_before",
        help_text="Couplings whose last synchronization is older than this (YYYY-MM-DD HH:MM).")
    q = django_filters.CharFilter(label="Search", method="filter_search", max_length=MAX_SEARCH,
                                  help_text="No., name, or a record ID on either side.")

    class Meta:
        model = Coupling
        fields = ["mapping"]

    def __init__(self, *args, connection=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        mapping = cast(django_filters.ModelChoiceFilter, self.filters["mapping"])
        mapping.queryset = IntegrationTableMapping.objects.filter(
            connection=connection).order_by("position", "name")

    def filter_state(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        failed = Q(last_result=SyncResult.FAILURE) | Q(last_sales_result=SyncResult.FAILURE)
        return {
            "coupled": queryset.filter(skipped=False).exclude(failed),
            "skipped": queryset.filter(skipped=True),
            "failed": queryset.filter(failed),
            "never": queryset.filter(last_result="", last_sales_result=""),
        }[value]

    def filter_synced_before(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(Q(bc_modified_on__lt=value) | Q(bc_modified_on__isnull=True))

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        text = value.strip()
        try:
            record_id = uuid.UUID(text)
        except ValueError:
            return queryset.filter(Q(bc_number__icontains=text) | Q(display_name__icontains=text))
        return queryset.filter(Q(bc_id=record_id) | Q(sales_id=record_id))
