"""Reconciliation: the last check of each mapping, its findings with links to both sides, Check
now (a job), and the repairs (admin only, confirmed). Pages read stored reports only."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from connection.access import administrator_required, is_administrator
from connection.current import get_current_connection
from mappings.models import IntegrationTableMapping
from synchronization import reconcile, reconcile_repair, runs
from synchronization.models import ReconcileReport, SyncJob
from synchronization.reconcile_view import ACTIONS, decorate
from synchronization.views.common import first_error


class CheckForm(forms.Form):
    mapping = forms.ModelChoiceField(queryset=IntegrationTableMapping.objects.none(),
                                     required=False)

    def __init__(self, connection, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["mapping"]).queryset = (
            IntegrationTableMapping.objects.filter(connection=connection))


class RepairForm(forms.Form):
    action = forms.ChoiceField(choices=[(name, a.caption) for name, a in ACTIONS.items()])
    record = forms.MultipleChoiceField(required=False)
    confirm = forms.BooleanField(required=False)

    def __init__(self, offered: list[str], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["record"]).choices = [
            (value, value) for value in offered]

    def clean(self) -> dict:
        data = super().clean()
        assert data is not None  # Form.clean() returns cleaned_data
        if not data.get("record"):
            raise forms.ValidationError("Choose the records to repair first.")
        return data


def overview(request: HttpRequest) -> HttpResponse:
    """Every mapping of the connection with the figures of its last check."""
    connection = get_current_connection(request)
    mappings = list(IntegrationTableMapping.objects.filter(connection=connection)
                    .select_related("reconcile_report").order_by("position", "name")) \
        if connection else []
    rows = [(m, getattr(m, "reconcile_report", None)) for m in mappings]
    return render(request, "synchronization/reconcile_overview.html", {
        "connection": connection, "rows": rows, "job": _latest_job(connection),
        "is_administrator": is_administrator(request.user)})


def mapping_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One mapping's last report: counts, then each finding with its records and repairs."""
    connection = get_current_connection(request)
    mapping = get_object_or_404(IntegrationTableMapping, pk=pk, connection=connection)
    stored = ReconcileReport.objects.filter(mapping=mapping).first()
    return render(request, "synchronization/reconcile.html", {
        "connection": connection, "mapping": mapping, "stored": stored,
        "sections": decorate(stored.report, connection, mapping) if stored else [],
        "job": _latest_job(connection), "is_administrator": is_administrator(request.user)})


@require_POST
@administrator_required
def check_now(request: HttpRequest) -> HttpResponse:
    connection = get_current_connection(request)
    form = CheckForm(connection, request.POST)
    if connection is None or not form.is_valid():
        messages.error(request, first_error(form) if connection else "Set up a connection first.")
        return redirect("synchronization:reconcile")
    mapping = form.cleaned_data["mapping"]
    job = reconcile.start_check(connection, [mapping.name] if mapping else None,
                                request.user.get_username())
    messages.success(request, f"Reconciliation check started (job #{job.pk}); this page shows "
                              "its report when it has finished.")
    return redirect("synchronization:reconcile_mapping", mapping.pk) if mapping \
        else redirect("synchronization:reconcile")


@require_POST
@administrator_required
def repair(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm first (what it does, to which records), then repair and check again."""
    connection = get_current_connection(request)
    mapping = get_object_or_404(IntegrationTableMapping, pk=pk, connection=connection)
    action = ACTIONS.get(request.POST.get("action", ""))
    offered = action.offered(mapping) if action else []
    form = RepairForm(offered, request.POST)
    if action is None or not form.is_valid():
        messages.error(request, first_error(form))
        return redirect("synchronization:reconcile_mapping", pk)
    chosen = form.cleaned_data["record"]
    if not form.cleaned_data["confirm"]:
        return render(request, "synchronization/reconcile_confirm.html", {
            "mapping": mapping, "action": action, "chosen": chosen,
            "name": form.cleaned_data["action"]})
    try:
        message = action.perform(mapping, chosen, request.user.get_username())
    except (reconcile_repair.RepairRefused, runs.AlreadyRunning) as exc:
        messages.warning(request, f"Nothing was changed: {exc}")
    else:
        messages.success(request, message)
    return redirect("synchronization:reconcile_mapping", pk)


def _latest_job(connection) -> SyncJob | None:
    if connection is None:
        return None
    return SyncJob.objects.filter(connection=connection, kind=reconcile.RECONCILE_KIND).first()
