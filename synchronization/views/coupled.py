"""Coupled Data Synchronization Errors: skipped records and conflicts, and what to do about them."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from connection.access import administrator_required, is_administrator
from connection.current import get_current_connection
from connection.lists.controls import configure, csv_response, records
from mappings.models import Coupling
from synchronization import runs
from synchronization.filtersets import CoupledErrorFilterSet, coupled_errors
from synchronization.forms import COUPLED_ACTIONS, CoupledActionForm
from synchronization.listing import link_coupling_records
from synchronization.models import ErrorKind, SyncError
from synchronization.tables import CoupledErrorTable
from synchronization.views.common import first_error, warn

COUPLINGS_PER_PAGE = 50
CONFIRM_SHOWN = 100


def coupled_error_list(request: HttpRequest) -> HttpResponseBase:
    """Couplings that are skipped, failed or in conflict, with their last error."""
    connection = get_current_connection(request)
    filterset = CoupledErrorFilterSet(request.GET or None, queryset=coupled_errors(connection),
                                      connection=connection)
    selectable = is_administrator(request.user)
    table = CoupledErrorTable(filterset.qs.order_by("mapping__position", "bc_number", "pk"),
                              exclude=() if selectable else ("select",))
    warn(request, [*filterset.problems(), *configure(request, table, COUPLINGS_PER_PAGE)])
    if table.export_requested:
        return csv_response(table)
    link_coupling_records(records(table), connection)
    return render(request, "synchronization/coupled_errors.html", {
        "filterset": filterset, "table": table, "couplings": records(table),
        "coupled_actions": SELECTION_ACTIONS, "filter_values": _filter_values(filterset)})


@require_POST
@administrator_required
def coupled_action(request: HttpRequest) -> HttpResponse:
    """Retry, remove coupling, restore or delete records, resolve conflicts: confirm, then do."""
    connection = get_current_connection(request)
    listed = CoupledErrorFilterSet(request.POST, queryset=coupled_errors(connection),
                                   connection=connection).qs
    form = CoupledActionForm(request.POST, couplings=listed)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect("synchronization:coupled_errors")
    # Pinned by id: once an action clears Skipped, the couplings would leave the filtered list.
    targets = Coupling.objects.filter(pk__in=list(form.targets().values_list("pk", flat=True)))
    if not form.cleaned_data["confirm"]:
        return _confirm(request, form, targets)
    try:
        with transaction.atomic():
            message = PERFORM[form.cleaned_data["action"]](request, targets)
    except (runs.AlreadyRunning, runs.ConnectionDisabled) as exc:
        messages.warning(request, f"Nothing was changed: {exc}")
    else:
        messages.success(request, message)
    return redirect("synchronization:coupled_errors")


def _confirm(request: HttpRequest, form: CoupledActionForm, targets) -> HttpResponse:
    count = targets.count()
    return render(request, "synchronization/confirm_coupled_action.html", {
        "form": form, "action": form.chosen(), "count": count,
        "couplings": targets.order_by("mapping__position", "bc_number", "pk")[:CONFIRM_SHOWN],
        "filter_values": [(k, request.POST[k]) for k in ("mapping", "state", "q")
                          if request.POST.get(k)]})


def _retry(request: HttpRequest, couplings) -> str:
    count = couplings.count()
    started = runs.retry_couplings(couplings, started_by=request.user.get_username())
    return f"{count} record(s) will be synchronized again: {_jobs(started)}."


def _remove(request: HttpRequest, couplings) -> str:
    removed = runs.remove_couplings(couplings)
    return (f"{removed} coupling(s) removed; the records are unchanged in Business Central "
            "and Sales.")


def _restore(request: HttpRequest, couplings) -> str:
    started = runs.restore_records(couplings, started_by=request.user.get_username())
    return f"The deleted records will be created again: {_jobs(started)}."


def _delete(request: HttpRequest, couplings) -> str:
    job = runs.delete_source_records(couplings, started_by=request.user.get_username())
    return f"The remaining records will be deleted and uncoupled by job {job.pk}."


def _take(side: str):
    def resolve(request: HttpRequest, couplings) -> str:
        conflicts = SyncError.objects.filter(coupling__in=couplings, kind=ErrorKind.CONFLICT,
                                             resolved=False)
        started = runs.resolve_conflicts(conflicts, take=side,
                                         started_by=request.user.get_username())
        return f"The conflicts will be resolved: {_jobs(started)}."

    return resolve


def _filter_values(filterset) -> list[tuple[str, str]]:
    """The valid filters of the list, for Retry All to act on exactly what is listed."""
    if not filterset.is_bound or not filterset.is_valid():
        return []
    return [(name, filterset.data[name]) for name in ("mapping", "state", "q")
            if filterset.form.cleaned_data.get(name)]


def _jobs(started) -> str:
    return ", ".join(f"job {job.pk} ({job.mapping_name})" for job in started) or "no job"


PERFORM = {"retry": _retry, "retry_all": _retry, "remove": _remove, "restore": _restore,
           "delete": _delete, "send": _take("bc"), "get": _take("sales")}
SELECTION_ACTIONS = [(key, action.caption) for key, action in COUPLED_ACTIONS.items()
                     if action.needs_selection and key in PERFORM]
