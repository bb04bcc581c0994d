"""Additional application users of a connection (the identity pool): add, disable, remove.

Each is a POST from the setup card; a bad entry re-renders the card with the form's messages.
Secrets are written once and never rendered back.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from connection.access import administrator_required
from connection.forms import ConfirmForm, SalesIdentityForm
from connection.models import ConnectionSetup, SalesIdentity, SettingChange
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
            messages.success(request, f"Added the application user {identity.name}. Choose "
                             "Redeploy Integration Solution to give it the integration roles, "
                             "then Test Connection.")
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
    state = "enabled: jobs write with it too" if identity.enabled else \
        "disabled: jobs no longer write with it"
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
