"""Integration Table Mappings: the list, the card (edit + preview) and the default setup."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from connection import registry
from connection.access import administrator_required, is_administrator
from connection.current import get_current_connection
from connection.lists.controls import configure, csv_response, records
from mappings import actions, filter_rows, remote
from mappings.defaults import apply_default_setup
from mappings.filtersets import MappingFilterSet, mapping_queryset
from mappings.forms import MappingForm, ResetForm
from mappings.models import IntegrationTableMapping
from mappings.sales_filters import sales_filter
from mappings.tables import MappingTable


def mapping_list(request: HttpRequest) -> HttpResponseBase:
    """Integration Table Mappings of the current connection, filtered by the query string."""
    connection = get_current_connection(request)
    if connection is None:
        return render(request, "mappings/list.html", {"connection": None})
    filterset = MappingFilterSet(request.GET or None, queryset=mapping_queryset(connection))
    table = MappingTable(filterset.qs)
    for problem in configure(request, table, per_page=100):
        messages.warning(request, problem)
    if table.export_requested:
        return csv_response(table)
    return render(request, "mappings/list.html", {
        "connection": connection, "filterset": filterset, "table": table,
        "mappings": records(table), **actions.action_urls()})


def mapping_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The card: every setting, both filters, the schedule; POST saves (administrators)."""
    mapping = get_object_or_404(IntegrationTableMapping.objects.select_related("connection"),
                                pk=pk)
    if request.method == "POST" and not is_administrator(request.user):
        raise PermissionDenied("Only administrators can change mappings.")
    form, job_form, rows = _forms(request, mapping, mapping)
    if request.method == "POST" and form.is_valid() and all(r.is_valid() for r in rows) and (
            job_form is None or job_form.is_valid()):
        form.save()
        if job_form is not None:
            job_form.save()
        messages.success(request, f"{mapping.name} was saved.")
        return redirect("mappings:detail", pk=mapping.pk)
    return _render_card(request, mapping, form, job_form, rows)


def _forms(request: HttpRequest, mapping: IntegrationTableMapping,
           instance: IntegrationTableMapping):
    """The card's form (bound to ``instance``), its schedule form and the filter rows."""
    data: QueryDict | None = request.POST if request.method == "POST" else None
    catalogue = remote.sales_catalogue_or_none(mapping)
    names = remote.sales_display_names(mapping) if catalogue else {}
    rows = filter_rows.for_card(mapping, catalogue, names, data)
    if data is not None:
        data = filter_rows.merge(rows, data)
    form = MappingForm(data, instance=instance, sales_catalogue=catalogue)
    # The schedule is the mapping's job queue entry, which the synchronization app keeps.
    job_form = registry.schedules().schedule_form(mapping, data)
    if not is_administrator(request.user):
        row_forms = [f for r in rows if r.formset is not None for f in r.formset.forms]
        for field in [*form.fields.values(), *(job_form.fields.values() if job_form else []),
                      *(f for row in row_forms for f in row.fields.values())]:
            field.disabled = True
    return form, job_form, rows


def _render_card(request: HttpRequest, mapping: IntegrationTableMapping, form, job_form,
                 rows, preview: dict | None = None, status: int = 200) -> HttpResponse:
    counts = mapping_queryset(mapping.connection).filter(pk=mapping.pk).values(
        "coupled_count", "error_count", "skipped_count").first()
    return render(request, "mappings/detail.html", {
        "mapping": mapping, "form": form, "job_form": job_form, "counts": counts,
        "bc_rows": rows[0], "sales_rows": rows[1],
        "preview": preview, **actions.action_urls()}, status=status)


@require_POST
def mapping_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """How many records each (unsaved) filter selects right now, with a sample; saves nothing.

    htmx asks for the fragment only; without JavaScript the whole card comes back with the
    form as typed and the preview under it.
    """
    mapping = get_object_or_404(IntegrationTableMapping.objects.select_related("connection"),
                                pk=pk)
    form, job_form, rows = _forms(request, mapping,
                                  IntegrationTableMapping.objects.get(pk=pk))
    valid = form.is_valid() and all(r.is_valid() for r in rows)
    preview = _preview(mapping, form, form.sales_catalogue) if valid else None
    if request.headers.get("HX-Request"):
        return render(request, "mappings/_preview.html", {
            "preview": preview, "form": form, "row_errors": _row_errors(rows)})
    return _render_card(request, mapping, form, job_form, rows, preview)


def _row_errors(rows) -> list[str]:
    return [error for item in rows for error in item.errors()]


def _preview(mapping: IntegrationTableMapping, form: MappingForm, catalogue) -> dict:
    candidate = form.instance  # carries the typed values; never saved here
    compiled = sales_filter(candidate.integration_table_filter,
                            candidate.integration_table_filter_syntax, catalogue)
    assert form.translation is not None  # set by the valid form's clean_table_filter
    return {"bc": remote.preview_bc(mapping, form.translation),
            "sales": remote.preview_sales(mapping, compiled)}


@administrator_required
def reset_defaults(request: HttpRequest) -> HttpResponse:
    """Use Default Synchronization Setup, after a confirmation saying what it overwrites."""
    connection = get_current_connection(request)
    if connection is None:
        messages.error(request, "Set up a connection first.")
        return redirect("mappings:list")
    form = ResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created = apply_default_setup(
            connection, sales_order_integration=form.cleaned_data["sales_order_integration"],
            ownership_model=form.cleaned_data["ownership_model"])
        messages.success(request, f"{len(created)} default mappings were set up for "
                                  f"{connection}.")
        return redirect("mappings:list")
    return render(request, "mappings/reset.html", {"form": form, "connection": connection})


@require_POST
@administrator_required
def delete_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a mapping with its field mappings, couplings and schedule (confirmed on the card)."""
    mapping = get_object_or_404(IntegrationTableMapping, pk=pk)
    if request.POST.get("confirm") != mapping.name:
        messages.error(request, f"Type {mapping.name} to confirm the deletion.")
        return redirect("mappings:detail", pk=pk)
    mapping.delete()
    messages.success(request, f"{mapping.name} and its couplings were deleted.")
    return redirect("mappings:list")
