"""Integration Synchronization Errors: the list, deleting old entries, uncoupling records."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from connection.access import administrator_required, is_administrator
from connection.current import get_current_connection
from connection.lists.controls import configure, csv_response, records
from synchronization import runs
from synchronization.filtersets import ErrorFilterSet
from synchronization.forms import DeleteErrorsForm, ErrorSelectionForm
from synchronization.listing import link_error_records
from synchronization.models import SyncError
from synchronization.tables import ErrorTable
from synchronization.views.common import first_error, warn

ERRORS_PER_PAGE = 50


def error_list(request: HttpRequest) -> HttpResponseBase:
    """Errors of the current connection's jobs, filtered and paged, linking to both records."""
    connection = get_current_connection(request)
    errors = SyncError.objects.filter(job__connection=connection).select_related("mapping")
    filterset = ErrorFilterSet(request.GET or None, queryset=errors, connection=connection)
    selectable = is_administrator(request.user)
    table = ErrorTable(filterset.qs, exclude=() if selectable else ("select",))
    warn(request, [*filterset.problems(), *configure(request, table, ERRORS_PER_PAGE)])
    if table.export_requested:
        return csv_response(table)
    link_error_records(records(table), connection)
    return render(request, "synchronization/errors.html", {
        "filterset": filterset, "table": table, "errors": records(table)})


@require_POST
@administrator_required
def error_delete(request: HttpRequest) -> HttpResponse:
    """Delete Entries Older Than 7 Days / Delete All Entries: confirm with the count, delete."""
    connection = get_current_connection(request)
    form = DeleteErrorsForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose which errors to delete.")
        return redirect("synchronization:errors")
    doomed = form.errors_to_delete(connection)
    if not form.cleaned_data["confirm"]:
        return render(request, "synchronization/confirm_delete_errors.html", {
            "form": form, "count": doomed.count(),
            # a ChoiceField, whose choices here are a plain list of pairs
            "scope": dict(cast(Any, form.fields["scope"]).choices)[form.cleaned_data["scope"]]})
    count, _ = doomed.delete()
    messages.success(request, f"{count} error entr{'y was' if count == 1 else 'ies were'} "
                              "deleted. The couplings and records are unchanged.")
    return redirect("synchronization:errors")


@require_POST
@administrator_required
def error_remove_coupling(request: HttpRequest) -> HttpResponse:
    """Remove Coupling of the records the selected errors are about: confirm, then uncouple."""
    form = ErrorSelectionForm(request.POST, connection=get_current_connection(request))
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect("synchronization:errors")
    couplings = form.couplings()
    if not form.cleaned_data["confirm"]:
        return render(request, "synchronization/confirm_remove_coupling.html", {
            "form": form, "couplings": list(couplings)})
    removed = runs.remove_couplings(couplings)
    messages.success(request, f"{removed} coupling{'' if removed == 1 else 's'} removed; the "
                              "records are unchanged in Business Central and Sales.")
    return redirect("synchronization:errors")


@require_POST
@administrator_required
def error_retry(request: HttpRequest) -> HttpResponse:
    """Retry the records the selected errors are about (coupled or not): confirm, then start
    one selected-records job per mapping, in the direction each record failed."""
    form = ErrorSelectionForm(request.POST, connection=get_current_connection(request))
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect("synchronization:errors")
    chosen = list(form.cleaned_data["error"])
    if not form.cleaned_data["confirm"]:
        return render(request, "synchronization/confirm_retry_errors.html", {
            "form": form, "errors": chosen})
    try:
        with transaction.atomic():
            started = runs.retry_errors(chosen, started_by=request.user.get_username())
    except (runs.AlreadyRunning, runs.ConnectionDisabled) as exc:
        messages.warning(request, f"Nothing was started: {exc}")
        return redirect("synchronization:errors")
    jobs = ", ".join(f"job {job.pk} ({job.mapping_name})" for job in started) or "no job"
    messages.success(request, f"{len(chosen)} record(s) will be synchronized again: {jobs}.")
    return redirect("synchronization:errors")
