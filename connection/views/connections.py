"""Pages about where we connect: home dashboard, the setup card, the connection list."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from connection import audit, lifecycle, registry, sandbox_link
from connection.access import administrator_required, is_administrator
from connection.current import get_current_connection, set_current_connection
from connection.forms import (
    ConfirmForm,
    ConnectionSetupForm,
    NewConnectionForm,
    SalesIdentityForm,
    SwitchConnectionForm,
)
from connection.inputs import safe_next
from connection.models import ConnectionSetup


def home(request: HttpRequest) -> HttpResponse:
    """Dashboard; a fresh install offers the assisted setup (with the sandbox's demo values)."""
    connections = list(ConnectionSetup.objects.all())
    demo = not connections and sandbox_link.available()
    return render(request, "connection/home.html",
                  {"connections": connections, "sandbox_available": demo})


def setup(request: HttpRequest) -> HttpResponse:
    """The setup card of the current connection (or the empty state)."""
    connection = get_current_connection(request)
    if connection is None:
        return render(request, "connection/setup.html", {"connection": None})
    return card(request, connection.pk)


def card(request: HttpRequest, pk: int) -> HttpResponse:
    """Microsoft Dynamics 365 Sales Connection Setup: every setting, actions and fact box."""
    connection = get_object_or_404(ConnectionSetup, pk=pk)
    set_current_connection(request, connection)
    if request.method == "POST":
        if not is_administrator(request.user):
            raise PermissionDenied("Only administrators can change the connection setup.")
        form = ConnectionSetupForm(request.POST, instance=connection)
        if form.is_valid():
            return _save_card(request, form, connection)
    else:
        form = ConnectionSetupForm(instance=connection)
    return render_card(request, connection, form)


def render_card(request, connection, form=None, report=None, status=200,
                identity_form=None) -> HttpResponse:
    form = form or ConnectionSetupForm(instance=connection)
    if not is_administrator(request.user):
        for field in form.fields.values():
            field.disabled = True
    context = {
        "connection": connection, "form": form, "report": report,
        "open_tabs": _tabs_with_errors(form),
        "user_mapped": connection.is_user_mapped(request.user),
        "last_full_sync": registry.last_full_sync(connection),
        "identities": connection.sales_identities.all(),
        "identity_form": identity_form or SalesIdentityForm(connection),
    }
    return render(request, "connection/setup.html", context, status=status)


def _tabs_with_errors(form: ConnectionSetupForm) -> set[str]:
    if not form.is_bound:
        return set()
    return {title for title, fields in form.fasttabs() if any(f.errors for f in fields)}


def _save_card(request, form: ConnectionSetupForm, connection: ConnectionSetup) -> HttpResponse:
    was_enabled = ConnectionSetup.objects.get(pk=connection.pk).is_enabled
    wants_enabled = form.cleaned_data["is_enabled"]
    before = audit.snapshot(ConnectionSetup.objects.get(pk=connection.pk))
    with transaction.atomic():
        saved = form.save(commit=False)
        saved.is_enabled = was_enabled  # enabling and disabling go through their workflows
        saved.save()
        audit.record_changes(saved, before, request.user)
    if form.url_change:
        messages.info(request, form.url_change.message())
    messages.success(request, "The connection setup was saved.")
    if wants_enabled and not was_enabled:
        return enable(request, saved)
    if was_enabled and not wants_enabled:
        lifecycle.disconnect(saved, request.user)
        messages.info(request, "The connection was disabled; its settings were kept.")
    return redirect("connection:card", saved.pk)


def enable(request: HttpRequest, connection: ConnectionSetup) -> HttpResponse:
    """Enable after a passing Test Connection; offer the default setup when none exists."""
    report = lifecycle.enable(connection, request.user)
    if not report.passed:
        messages.error(
            request, "The connection setup cannot be validated. Verify the settings and try "
            "again. The checklist below says what failed and how to fix it.",
        )
        return render_card(request, connection, report=report)
    messages.success(request, "The connection is enabled.")
    if not registry.has_synchronization_setup(connection):
        return redirect(f"{_url('connection:default_setup', connection)}?after_enable=1")
    return redirect("connection:card", connection.pk)


def _url(name: str, connection: ConnectionSetup) -> str:
    from django.urls import reverse

    return reverse(name, args=[connection.pk])


def connection_list(request: HttpRequest) -> HttpResponse:
    connections = ConnectionSetup.objects.all()
    return render(request, "connection/list.html", {"connections": connections})


@administrator_required
def new(request: HttpRequest) -> HttpResponse:
    form = NewConnectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        connection = form.save()
        audit.record_changes(connection, {}, request.user)
        set_current_connection(request, connection)
        messages.success(request, f"Created the connection {connection.name}.")
        return redirect("connection:card", connection.pk)
    return render(request, "connection/new.html", {"form": form})


@administrator_required
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    connection = get_object_or_404(ConnectionSetup, pk=pk)
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        name = connection.name
        connection.delete()
        messages.success(request, f"Deleted the connection {name}.")
        return redirect("connection:list")
    return render(request, "connection/confirm.html", {
        "connection": connection, "form": form, "title": "Delete connection",
        "warning": [
            f"This deletes the connection {connection.name} with its settings, stored secrets, "
            "change log and everything kept for it in this portal (mappings, couplings, jobs).",
            "Nothing is deleted in Business Central or Dynamics 365 Sales.",
        ],
        "button": "Delete connection", "button_class": "contrast",
        "cancel_url": _url("connection:card", connection),
    })


def changes(request: HttpRequest, pk: int) -> HttpResponse:
    connection = get_object_or_404(ConnectionSetup, pk=pk)
    rows = connection.changes.select_related("user")[:500]
    return render(request, "connection/changes.html", {"connection": connection, "changes": rows})


@require_POST
def switch(request: HttpRequest) -> HttpResponse:
    """Make another connection the current one and go back where the person was."""
    form = SwitchConnectionForm(request.POST)
    if not form.is_valid():
        raise Http404("No such connection.")
    set_current_connection(request, form.cleaned_data["connection"])
    return redirect(safe_next(request, form.cleaned_data["next"], "home"))
