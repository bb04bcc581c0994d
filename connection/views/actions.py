"""The setup card's actions: Test Connection, Redeploy Integration Solution, Couple
Salespersons, Use Default Synchronization Setup, synchronization starts, Disconnect."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from connection import audit, lifecycle, registry, salespeople, solution
from connection.access import administrator_required
from connection.checks import run_test_connection
from connection.clients.errors import ClientError
from connection.forms import AdministratorCredentialsForm, ConfirmForm
from connection.inputs import safe_next
from connection.models import ConnectionSetup
from connection.views.connections import render_card

log = logging.getLogger(__name__)


def _connection(pk: int) -> ConnectionSetup:
    return get_object_or_404(ConnectionSetup, pk=pk)


def _card_url(connection: ConnectionSetup) -> str:
    return reverse("connection:card", args=[connection.pk])


def _confirm(request, connection, form, title, warning, button, status=200) -> HttpResponse:
    return render(request, "connection/confirm.html", {
        "connection": connection, "form": form, "title": title, "warning": warning,
        "button": button, "cancel_url": _card_url(connection),
    }, status=status)


@require_POST
@administrator_required
def test(request: HttpRequest, pk: int) -> HttpResponse:
    """Test Connection: run the checklist and show it under the card."""
    connection = _connection(pk)
    report = run_test_connection(connection, request.user)
    if report.passed:
        messages.success(request, "The connection test was successful. The settings are valid.")
        if aside := report.identity_failures():
            messages.warning(request, f"{len(aside)} additional application user(s) failed "
                             "their check and take no writes until a check passes; the other "
                             "identities write. Each line below says why.")
    else:
        messages.error(request, f"The connection test failed: {len(report.failures())} check(s) "
                       "did not pass. Each failure below says how to fix it.")
    return render_card(request, connection, report=report)


@administrator_required
def redeploy(request: HttpRequest, pk: int) -> HttpResponse:
    """Redeploy Integration Solution with a Sales administrator account used once."""
    connection = _connection(pk)
    form = AdministratorCredentialsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            done = solution.deploy(connection, form.cleaned_data["admin_user"],
                                   form.cleaned_data["admin_password"])
        except (ClientError, solution.SolutionError) as error:
            form.add_error(None, solution.failure_message(error, form.cleaned_data["admin_user"]))
        else:
            messages.success(request, "The solution, user roles, and entities have been "
                             "deployed. " + " ".join(done))
            return redirect(_card_url(connection))
    return _confirm(request, connection, form, "Redeploy Integration Solution", [
        "Enter a Dynamics 365 Sales account that holds the System Administrator and Solution "
        "Customizer roles. It is used once for this deployment and is not stored.",
        "This creates the Integration Administrator, Integration User and Product Availability "
        "User roles where missing, assigns them to the integration user and to each "
        "additional application user, and overwrites the Web Client URL and OData details on "
        "the Business Central connection row in Sales.",
    ], "Deploy", status=400 if form.errors else 200)


@require_POST
@administrator_required
def reset_web_client_url(request: HttpRequest, pk: int) -> HttpResponse:
    """Reset Web Client URL to the default and write it to Sales."""
    connection = _connection(pk)
    before = audit.snapshot(connection)
    connection.web_client_url = connection.default_web_client_url
    connection.save()
    audit.record_changes(connection, before, request.user)
    try:
        from connection.services import dataverse_client

        solution.write_connection_data(dataverse_client(connection, interactive=True), connection)
    except ClientError as error:
        messages.warning(request, f"The Web Client URL was reset here but could not be written "
                         f"to Dynamics 365 Sales: {error}")
    else:
        messages.success(request, "The Dynamics 365 Business Central Web Client URL has been "
                         "reset to the default value.")
    return redirect(_card_url(connection))


@administrator_required
def default_setup(request: HttpRequest, pk: int) -> HttpResponse:
    """Use Default Synchronization Setup, after a confirmation saying what it overwrites."""
    connection = _connection(pk)
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            count = registry.mappings().apply_default_setup(connection)
        except registry.FeatureUnavailable as error:
            messages.error(request, f"The default synchronization setup is not available: {error}")
        else:
            messages.success(request, "The default setup for Dynamics 365 Sales synchronization "
                             f"has completed successfully ({count} integration table mappings).")
        return redirect(_card_url(connection))
    warning = [
        "This will delete all existing integration table mappings and Dynamics 365 Sales "
        "synchronization jobs and install the default integration table mappings and jobs for "
        "Dynamics 365 Sales synchronization. Field mappings you changed are overwritten; "
        "couplings are kept.",
    ]
    if request.GET.get("after_enable"):
        warning.insert(0, "The connection is enabled, but no synchronization is set up yet. Do "
                       "you want to use the default synchronization setup?")
    return _confirm(request, connection, form, "Use Default Synchronization Setup", warning,
                    "Use the default setup", status=400 if form.errors else 200)


@administrator_required
def couple_salespersons(request: HttpRequest, pk: int) -> HttpResponse:
    """Couple Salespersons: Sales users with the BC salespeople suggested by e-mail or name."""
    connection = _connection(pk)
    try:
        users, people = salespeople.load(connection)
    except ClientError as error:
        messages.error(request, f"The salespeople could not be read: {error}")
        return redirect(_card_url(connection))
    form = salespeople.CoupleSalespersonsForm(users, people, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            count = registry.mappings().couple_salespeople(connection, form.pairs())
        except registry.FeatureUnavailable as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Coupled {count} salespeople with Dynamics 365 Sales users.")
            return redirect(safe_next(request, request.POST.get("next"), _card_url(connection)))
    return render(request, "connection/couple_salespersons.html", {
        "connection": connection, "form": form, "cancel_url": _card_url(connection),
    }, status=400 if form.errors else 200)


def _start(request: HttpRequest, pk: int, full: bool, title: str, warning: list[str]):
    connection = _connection(pk)
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not connection.is_enabled:
            messages.error(request, "Enable the connection first (it must pass Test Connection).")
            return redirect(_card_url(connection))
        try:
            features = registry.synchronization()
            start = features.start_full_sync if full else features.start_modified_sync
            job = start(connection, started_by=request.user.get_username())
        except registry.FeatureUnavailable as error:
            messages.warning(request, str(error))
        else:
            messages.success(request, f"{title} started (job #{job.pk}).")
        return redirect("synchronization:full_sync" if full else "synchronization:jobs")
    return _confirm(request, connection, form, title, warning, title,
                    status=400 if form.errors else 200)


@administrator_required
def sync_modified(request: HttpRequest, pk: int) -> HttpResponse:
    return _start(request, pk, False, "Synchronize Modified Records", [
        "This will synchronize all modified records in all Integration Table Mappings."])


@administrator_required
def full_sync(request: HttpRequest, pk: int) -> HttpResponse:
    return _start(request, pk, True, "Run Full Synchronization", [
        "This synchronizes every record of every integration table mapping that has not been "
        "coupled yet, in dependency order. The Full Synchronization Review page shows progress.",
    ])


@administrator_required
def disconnect(request: HttpRequest, pk: int) -> HttpResponse:
    """Disconnect: clear Enabled, keep settings, put synchronization jobs on hold."""
    connection = _connection(pk)
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        lifecycle.disconnect(connection, request.user)
        messages.success(request, "The connection is disconnected. Its settings were kept; "
                         "synchronization jobs are on hold until it is enabled again.")
        return redirect(_card_url(connection))
    return _confirm(request, connection, form, "Disconnect", [
        "This clears Enabled: no synchronization runs until the connection is enabled again. "
        "Every setting, mapping and coupling is kept.",
    ], "Disconnect", status=400 if form.errors else 200)
