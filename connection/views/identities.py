"""Additional application users of a connection (the identity pool): add, edit, test,
disable, remove.

Each is a POST from the setup card (edit and remove have their own page first); a bad entry
re-renders with the form's messages. Secrets are written once and never rendered back. A new or
changed credential takes no writes until its check (Test here, or Test Connection) passes.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from connection import identity_checks
from connection.access import administrator_required
from connection.forms import ConfirmForm, SalesIdentityForm
from connection.models import ConnectionSetup, IdentityCheck, SalesIdentity, SettingChange
from connection.views.connections import render_card

ANCHOR = "#additional-application-users"


def _back(connection: ConnectionSetup) -> HttpResponse:
    return redirect(reverse("connection:card", args=[connection.pk]) + ANCHOR)


@require_POST
@administrator_required
def add(request: HttpRequest, pk: int) -> HttpResponse:
    connection = get_object_or_404(ConnectionSetup, pk=pk)
    form = SalesIdentityForm(connection, request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                identity = form.save()
                _log(request, identity, "", f"added (client ID {identity.client_id})")
        except IntegrityError:  # the same name or client ID added at the same moment
            form.add_error(None, "This name or Client ID was added meanwhile; choose another.")
        else:
            messages.success(request, f"Added the application user {identity.name}. It takes "
                             "no writes until its check passes: choose Redeploy Integration "
                             "Solution to give it the integration roles, then Test.")
            return _back(connection)
    return render_card(request, connection, identity_form=form, status=400)


def _log(request: HttpRequest, identity: SalesIdentity, old: str, new: str) -> None:
    """The change log of the connection shows who added, disabled or removed an identity."""
    user = request.user if request.user.is_authenticated else None
    SettingChange.objects.create(
        connection=identity.connection, user=user, field="sales_identity",
        caption=f"Additional application user {identity.name}", old_value=old, new_value=new)


def _identity(connection: ConnectionSetup, identity_pk: int) -> SalesIdentity:
    return get_object_or_404(SalesIdentity, pk=identity_pk, connection=connection)


@require_POST
@administrator_required
def toggle(request: HttpRequest, pk: int, identity_pk: int) -> HttpResponse:
    connection = get_object_or_404(ConnectionSetup, pk=pk)
    identity = _identity(connection, identity_pk)
    identity.enabled = not identity.enabled
    identity.save(update_fields=["enabled"])
    _log(request, identity, "disabled" if identity.enabled else "enabled",
         "enabled" if identity.enabled else "disabled")
    if not identity.enabled:
        state = "disabled: jobs no longer write with it"
    elif identity.takes_writes:
        state = "enabled: jobs write with it too"
    else:
        state = "enabled; it takes writes once its check passes (choose Test)"
    messages.success(request, f"The application user {identity.name} is {state}.")
    return _back(connection)


@administrator_required
def remove(request: HttpRequest, pk: int, identity_pk: int) -> HttpResponse:
    """Confirm, then remove an identity with its stored secret (nothing changes in Sales)."""
    connection = get_object_or_404(ConnectionSetup, pk=pk)
    identity = _identity(connection, identity_pk)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        _log(request, identity, "enabled" if identity.enabled else "disabled", "removed")
        identity.remove()
        messages.success(request, f"Removed the application user {identity.name} and its "
                         "stored secret from this connection.")
        return _back(connection)
    return render(request, "connection/confirm.html", {
        "connection": connection, "form": form,
        "title": f"Remove application user {identity.name}",
        "warning": [
            f"This removes {identity.name} (client ID {identity.client_id}) and its stored "
            "secret or certificate from this connection: jobs no longer write with it.",
            "Its application user and its roles in Dynamics 365 Sales are kept; records it "
            "wrote stay the integration's own.",
        ],
        "button": "Remove application user", "button_class": "contrast",
        "cancel_url": reverse("connection:card", args=[connection.pk]) + ANCHOR,
    }, status=400 if form.is_bound else 200)


@administrator_required
def edit(request: HttpRequest, pk: int, identity_pk: int) -> HttpResponse:
    """Rename an identity or give it a new client ID, secret or certificate (which it must
    pass a check with before it writes again)."""
    connection = get_object_or_404(ConnectionSetup, pk=pk)
    identity = _identity(connection, identity_pk)
    before = (identity.client_id, identity.credential_version)
    form = SalesIdentityForm(connection, request.POST if request.method == "POST" else None,
                             identity=identity)
    if form.is_valid():
        try:
            with transaction.atomic():
                saved = form.save()
                _log(request, saved, "", _what_changed(saved, before))
        except IntegrityError:
            form.add_error(None, "This name or Client ID was taken meanwhile; choose another.")
        else:
            again = "" if saved.check_status != IdentityCheck.NEVER else \
                " It takes no writes until its check passes: choose Test."
            messages.success(request, f"Saved the application user {saved.name}.{again}")
            return _back(connection)
    return render(request, "connection/confirm.html", {
        "connection": connection, "form": form,
        "title": f"Edit application user {identity.name}",
        "warning": [
            "The stored secret or certificate is never shown. Leave both blank to keep it.",
            "A new Client ID, secret or certificate takes no writes until its check passes.",
        ],
        "button": "Save application user",
        "cancel_url": reverse("connection:card", args=[connection.pk]) + ANCHOR,
    }, status=400 if form.is_bound else 200)


def _what_changed(identity: SalesIdentity, before: tuple[str, int]) -> str:
    client_id, version = before
    if identity.client_id != client_id:
        return f"client ID changed to {identity.client_id}; never checked"
    if identity.credential_version != version:
        return "new secret or certificate entered; never checked"
    return f"saved as {identity.name}; credential unchanged"


@require_POST
@administrator_required
def test(request: HttpRequest, pk: int, identity_pk: int) -> HttpResponse:
    """Check one identity now (token, WhoAmI, roles) and record the outcome on it."""
    connection = get_object_or_404(ConnectionSetup, pk=pk)
    identity = _identity(connection, identity_pk)
    result = identity_checks.run_identity_check(connection, identity)
    if result.ok:
        messages.success(request, f"{result.detail} It takes writes"
                         f"{'' if identity.enabled else ' once enabled'}.")
    else:
        fix = f" Fix: {result.fix}" if result.fix else ""
        messages.error(request, f"{result.detail} It takes no writes until a check passes.{fix}")
    return _back(connection)
