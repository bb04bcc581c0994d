"""Couplings: the list, set up, delete, and match-based coupling."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from connection.access import administrator_required
from connection.current import get_current_connection
from connection.lists.controls import configure, csv_response, records
from mappings import actions, coupling_picker, remote
from mappings.coupling_forms import (
    MAX_SEARCH,
    CouplingSetupForm,
    DeleteCouplingsForm,
    MatchForm,
    PickerForm,
)
from mappings.filtersets import CouplingFilterSet
from mappings.matching import run_match_based_coupling
from mappings.models import Coupling, IntegrationTableMapping
from mappings.tables import CouplingTable

PAGE_SIZE = 100


def coupling_list(request: HttpRequest) -> HttpResponseBase:
    """Couplings of the current connection, by mapping, state and search."""
    connection = get_current_connection(request)
    if connection is None:
        return render(request, "mappings/couplings.html", {"connection": None})
    queryset = Coupling.objects.filter(mapping__connection=connection).select_related("mapping")
    filterset = CouplingFilterSet(request.GET or None, queryset=queryset, connection=connection)
    table = CouplingTable(filterset.qs.order_by("mapping__position", "bc_number", "pk"))
    for problem in configure(request, table, PAGE_SIZE):
        messages.warning(request, problem)
    if table.export_requested:
        return csv_response(table)
    mapping = filterset.form.cleaned_data.get("mapping") if filterset.is_valid() else None
    return render(request, "mappings/couplings.html", {
        "connection": connection, "filterset": filterset, "table": table,
        "couplings": records(table), "total": table.paginator.count, "mapping": mapping,
        **actions.action_urls()})


@administrator_required
def coupling_setup(request: HttpRequest, pk: int) -> HttpResponse:
    """Set Up Coupling: pick a record on one side from a list, then its match on the other."""
    mapping = get_object_or_404(IntegrationTableMapping.objects.select_related("connection"),
                                pk=pk)
    picker_form = PickerForm(request.GET)
    form = CouplingSetupForm(request.POST or None, mapping=mapping)
    if request.method == "POST" and form.is_valid():
        coupling = form.save(describe=lambda bc_id: _describe_bc(mapping, bc_id))
        record = " ".join(filter(None, [coupling.bc_number or str(coupling.bc_id),
                                        coupling.display_name]))
        messages.success(request, f"{mapping.bc_table} {record} is coupled to Dynamics 365 "
                                  f"Sales {mapping.sales_entity} {coupling.sales_id}.")
        return redirect(f"{_list_url()}?mapping={mapping.pk}")
    return render(request, "mappings/coupling_setup.html", {
        "mapping": mapping, "form": form, "picker_form": picker_form,
        "picker": coupling_picker.build(mapping, picker_form), "max_search": MAX_SEARCH})


def _describe_bc(mapping: IntegrationTableMapping, bc_id: str) -> remote.Candidate | None:
    """The BC record's No. and name for the coupling, or None when they cannot be read."""
    try:
        return remote.bc_candidate(mapping, bc_id)
    except remote.RemoteUnavailable:
        return None


def _list_url() -> str:
    from django.urls import reverse

    return reverse("mappings:couplings")


@require_POST
@administrator_required
def coupling_delete(request: HttpRequest) -> HttpResponse:
    """Delete Coupling for the selected rows: first a confirmation, then the deletion."""
    connection = get_current_connection(request)
    form = DeleteCouplingsForm(request.POST, connection=connection)
    if not form.is_valid():
        messages.error(request, "Select the couplings to delete.")
        return redirect("mappings:couplings")
    couplings = form.cleaned_data["coupling"]
    if not form.cleaned_data["confirm"]:
        return render(request, "mappings/coupling_delete.html", {"couplings": couplings})
    count = len(couplings)
    Coupling.objects.filter(pk__in=[c.pk for c in couplings]).delete()
    messages.success(request, f"{count} couplings were deleted; the records themselves are "
                              "unchanged on both sides.")
    return redirect("mappings:couplings")


@administrator_required
def match_based_coupling(request: HttpRequest, pk: int) -> HttpResponse:
    """Match-Based Coupling: choose fields, then run and show the log.

    Runs in the request until the synchronization app offers it as a background job
    (``synchronization:match_coupling``); the form then posts there instead.
    """
    mapping = get_object_or_404(IntegrationTableMapping.objects.select_related("connection"),
                                pk=pk)
    form = MatchForm(request.POST if request.method == "POST" else None, mapping=mapping)
    log, problem = None, ""
    if request.method == "POST" and form.is_valid():
        try:
            log = run_match_based_coupling(mapping, form.options())
        except remote.RemoteUnavailable as exc:
            problem = f"Reading the records failed; nothing was coupled: {exc}"
    return render(request, "mappings/match.html", {
        "mapping": mapping, "form": form, "log": log, "problem": problem,
        **actions.action_urls()})
