"""Export the current connection's mappings as JSON, and import them after a diff."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify

from connection.access import administrator_required
from connection.current import get_current_connection
from mappings import exchange
from mappings.forms import ImportForm


class _ConfirmForm(forms.Form):
    payload = forms.CharField(widget=forms.HiddenInput, max_length=5 * 1024 * 1024)


def export_view(request: HttpRequest) -> HttpResponse:
    """Download the mappings (the same JSON as ``manage.py mappings export``)."""
    connection = get_current_connection(request)
    if connection is None:
        messages.error(request, "There is no connection to export.")
        return redirect("mappings:list")
    response = HttpResponse(exchange.dumps(connection), content_type="application/json")
    filename = f"mappings-{slugify(connection.name) or 'connection'}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@administrator_required
def import_view(request: HttpRequest) -> HttpResponse:
    """Upload -> validate -> show the diff -> confirm -> apply; errors save nothing."""
    connection = get_current_connection(request)
    if connection is None:
        messages.error(request, "Set up a connection first.")
        return redirect("mappings:list")
    if request.method == "POST" and "payload" in request.POST:
        return _confirm(request, connection)
    form = ImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form, "connection": connection}
    if request.method == "POST" and form.is_valid():
        text = _text(form.cleaned_data["file"].read())
        plan = exchange.parse(text) if text is not None else exchange.ImportPlan(
            errors=["The file is not UTF-8 text."])
        context["plan"] = plan
        if plan.ok:
            context["diff"] = exchange.diff(connection, plan)
            context["confirm"] = _ConfirmForm(initial={"payload": text})
    status = 400 if "plan" in context and context["plan"].errors else 200
    return render(request, "mappings/import.html", context, status=status)


def _text(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _confirm(request: HttpRequest, connection) -> HttpResponse:
    confirm = _ConfirmForm(request.POST)
    plan = exchange.parse(confirm.data.get("payload", "")) if confirm.is_valid() else None
    if plan is None or not plan.ok:
        errors = plan.errors if plan else ["The confirmed file was missing."]
        return render(request, "mappings/import.html", {
            "form": ImportForm(), "connection": connection,
            "plan": exchange.ImportPlan(errors=errors)}, status=400)
    count = exchange.apply(connection, plan)
    messages.success(request, f"{count} mappings were imported into {connection}.")
    return redirect("mappings:list")
