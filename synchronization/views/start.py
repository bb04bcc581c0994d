"""Starting work from the mappings pages: Synchronize Now (all, modified or selected records)
and Match-Based Coupling."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from connection.access import administrator_required
from connection.current import get_current_connection
from mappings import actions
from mappings.coupling_forms import MatchForm
from synchronization import runs
from synchronization.forms import MappingForm, StartSyncForm
from synchronization.models import SyncJob, SyncMode
from synchronization.views.common import first_error

MODES = {"full": SyncMode.ALL, "modified": SyncMode.MODIFIED, "selected": SyncMode.SELECTED}


@require_POST
@administrator_required
def sync_mapping(request: HttpRequest) -> HttpResponse:
    """Start a run of one mapping (all, modified or the selected records) and show its job."""
    form = StartSyncForm(request.POST, connection=get_current_connection(request))
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect("mappings:list")
    data = form.cleaned_data
    mapping = data["mapping_id"]
    couplings = data["coupling"] if data["mode"] == "selected" else []
    try:
        started = runs.start_mapping_sync(
            mapping, MODES[data["mode"]], started_by=request.user.get_username(),
            bc_ids=[c.bc_id for c in couplings] or None,
            sales_ids=[c.sales_id for c in couplings] or None)
    except runs.ConnectionDisabled as exc:
        messages.error(request, str(exc))
        return redirect("mappings:list")
    except runs.AlreadyRunning as exc:
        messages.warning(request, str(exc))
        return redirect(f"{reverse('synchronization:jobs')}?{urlencode({'mapping': mapping.name})}")
    messages.success(request, _started_message(mapping.name, started))
    return redirect("synchronization:job", pk=started[0].pk)


def _started_message(name: str, jobs: list[SyncJob]) -> str:
    parts = [f"job {job.pk} ({job.get_direction_display()})" for job in jobs]
    return f"Synchronization of {name} started: {', then '.join(parts)}."


@require_POST
@administrator_required
def match_coupling(request: HttpRequest) -> HttpResponse:
    """Run Match-Based Coupling as a background job; a bad form re-renders the mappings page."""
    chosen = MappingForm(request.POST, connection=get_current_connection(request))
    if not chosen.is_valid():
        messages.error(request, first_error(chosen))
        return redirect("mappings:list")
    mapping = chosen.cleaned_data["mapping_id"]
    form = MatchForm(request.POST, mapping=mapping)
    if not form.is_valid():
        return render(request, "mappings/match.html", {
            "mapping": mapping, "form": form, "log": None, "problem": "",
            **actions.action_urls()})
    try:
        job = runs.start_match_coupling(mapping, form.options(),
                                        started_by=request.user.get_username())
    except runs.ConnectionDisabled as exc:
        messages.error(request, str(exc))
        return redirect("mappings:list")
    messages.success(request, f"Match-based coupling of {mapping.name} started as job "
                              f"{job.pk}; its log shows here when it is done.")
    return redirect("synchronization:job", pk=job.pk)
