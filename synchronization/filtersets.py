"""Filter panes of the jobs, errors and coupled-data errors lists.

Every filter value from a query string goes through these FilterSets; a value that does not
validate is left out of the filtering and reported by the view, never a 500.
"""

from __future__ import annotations

from typing import cast

import django_filters
import django_filters.widgets
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from connection.inputs import MAX_ID, MAX_SEARCH
from mappings.models import Coupling, IntegrationTableMapping, SyncResult
from synchronization.models import (
    FINISHED_WITH_ERRORS,
    FINISHED_WITH_ERRORS_LABEL,
    ErrorKind,
    JobStatus,
    SyncDirection,
    SyncError,
    SyncJob,
)


def mappings_of(connection) -> QuerySet:
    """The mappings a filter may choose from: the current connection's, in setup order."""
    return IntegrationTableMapping.objects.filter(connection=connection).order_by(
        "position", "name")


class MappingByName(django_filters.ModelChoiceFilter):
    """A mapping chosen by its name (links from the mappings list say ``?mapping=CUSTOMER``)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(label="Mapping", to_field_name="name",
                         queryset=IntegrationTableMapping.objects.none(), **kwargs)


class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number the database can hold (larger ones are refused, not a 500)."""

    # The stubs type NumberFilter.field_class as DecimalField; an IntegerField refuses "1.5".
    field_class = forms.IntegerField  # type: ignore[assignment]

    def __init__(self, **kwargs) -> None:
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


class ConnectionScopedFilterSet(django_filters.FilterSet):
    """A FilterSet whose mapping choices are the given connection's."""

    def __init__(self, *args, connection=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(django_filters.ModelChoiceFilter, self.filters["mapping"]).queryset = (
            mappings_of(connection))

    def problems(self) -> list[str]:
        """One sentence per filter that was not understood (and therefore ignored)."""
        if not self.is_bound or self.is_valid():
            return []
        return [f"{self.form.fields[name].label if name in self.form.fields else name}: "
                f"{' '.join(str(e) for e in errors)}" for name, errors in self.form.errors.items()]


# The statuses a job shows, in the order of its life; "Finished with errors" is derived.
JOB_STATUS_CHOICES = [*JobStatus.choices[:3], (FINISHED_WITH_ERRORS, FINISHED_WITH_ERRORS_LABEL),
                      *JobStatus.choices[3:]]


class JobFilterSet(ConnectionScopedFilterSet):
    """Integration Synchronization Jobs: mapping, status, direction, start date range."""

    mapping = MappingByName()
    status = django_filters.ChoiceFilter(label="Status", choices=JOB_STATUS_CHOICES,
                                         method="filter_status")
    direction = django_filters.ChoiceFilter(label="Synch. Direction",
                                            choices=SyncDirection.choices)
    date = django_filters.DateFromToRangeFilter(
        label="Date (from - to)", field_name="created_at",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}))

    class Meta:
        model = SyncJob
        fields = ["mapping", "status", "direction"]

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """The status as the list shows it: Success means finished with no failed record."""
        if value == FINISHED_WITH_ERRORS:
            return queryset.filter(status=JobStatus.FINISHED, failed__gt=0)
        if value == JobStatus.FINISHED:
            return queryset.filter(status=JobStatus.FINISHED, failed=0)
        return queryset.filter(status=value)


# An error that is still the current state of its record (one per failing record).
OPEN_ERROR = Q(resolved=False, kind=ErrorKind.ERROR)
ERROR_STATES = [("open", "Failing now"), ("closed", "Resolved or conflicts")]


class ErrorFilterSet(ConnectionScopedFilterSet):
    """Integration Synchronization Errors: mapping, job, direction, code, date and text."""

    mapping = MappingByName()
    job = IdFilter(label="Job ID", field_name="job_id")
    direction = django_filters.ChoiceFilter(label="Synch. Direction",
                                            choices=SyncDirection.choices)
    code = django_filters.CharFilter(label="Error code", field_name="error_code",
                                     lookup_expr="icontains", max_length=100)
    date = django_filters.DateFromToRangeFilter(
        label="Date (from - to)", field_name="created_at",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}))
    state = django_filters.ChoiceFilter(label="Show", choices=ERROR_STATES,
                                        method="filter_state")
    q = django_filters.CharFilter(label="Search", method="filter_text", max_length=MAX_SEARCH,
                                  help_text="Error message, record name or a record ID.")

    class Meta:
        model = SyncError
        fields = ["mapping", "job", "direction"]

    def filter_state(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "open":  # the records failing now: what a mapping's Errors count counts
            return queryset.filter(OPEN_ERROR)
        return queryset.exclude(OPEN_ERROR)

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        text = value.strip()
        return queryset.filter(
            Q(message__icontains=text) | Q(source_label__icontains=text)
            | Q(source_id__iexact=text) | Q(destination_id__iexact=text))


COUPLED_STATES = [
    ("skipped", "Skipped"),
    ("failed", "Last synchronization failed"),
    ("conflict", "Conflict to resolve"),
]


class CoupledErrorFilterSet(ConnectionScopedFilterSet):
    """Coupled Data Synchronization Errors: mapping, what is wrong, and a search."""

    mapping = MappingByName()
    state = django_filters.ChoiceFilter(label="Show", choices=COUPLED_STATES,
                                        method="filter_state")
    q = django_filters.CharFilter(label="Search", method="filter_text", max_length=MAX_SEARCH,
                                  help_text="No., name or error message.")

    class Meta:
        model = Coupling
        fields = ["mapping"]

    def filter_state(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter({"skipped": Q(skipped=True), "failed": FAILED,
                                "conflict": Q(open_conflict=True)}[value])

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        text = value.strip()
        return queryset.filter(Q(bc_number__icontains=text) | Q(display_name__icontains=text)
                               | Q(last_error__icontains=text))


FAILED = Q(last_result=SyncResult.FAILURE) | Q(last_sales_result=SyncResult.FAILURE)


def coupled_errors(connection) -> QuerySet:
    """Couplings of a connection that need a person: skipped, failed, or in open conflict."""
    conflicts = SyncError.objects.filter(coupling=OuterRef("pk"), kind=ErrorKind.CONFLICT,
                                         resolved=False)
    return (Coupling.objects.filter(mapping__connection=connection)
            .annotate(open_conflict=Exists(conflicts),
                      conflict_message=Subquery(
                          conflicts.order_by("-created_at").values("message")[:1]))
            .filter(Q(skipped=True) | FAILED | Q(open_conflict=True))
            .select_related("mapping"))

