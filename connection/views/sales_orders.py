"""Switching sales order integration on or off from the connection card."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from connection import audit, registry, solution
from connection.access import administrator_required
from connection.clients.errors import ClientError
from connection.forms import SalesOrderIntegrationForm
from connection.models import ConnectionSetup


@administrator_required
def sales_order_integration(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for the Sales administrator account once, switch Sales and the portal, and add the
    SALESORDER-ORDER mapping and its jobs without touching the other mappings."""
    connection = get_object_or_404(ConnectionSetup, pk=pk)
    enable = not connection.sales_order_integration_enabled
    form = SalesOrderIntegrationForm(request.POST or None,
                                     initial={"enable": "on" if enable else "off"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        before = audit.snapshot(connection)
        try:
            done = solution.switch_sales_order_integration(
                connection, data["enable"], data["admin_user"], data["admin_password"])
        except (ClientError, solution.SolutionError) as error:
            form.add_error(None, solution.failure_message(error, data["admin_user"]))
        else:
            audit.record_changes(connection, before, request.user)
            done += registry.mappings().switch_sales_order_setup(connection, data["enable"])
            state = "enabled" if data["enable"] else "disabled"
            messages.success(request, f"Sales order integration is {state}. " + " ".join(done))
            return redirect("connection:card", connection.pk)
    return render(request, "connection/sales_order_integration.html", {
        "connection": connection, "form": form, "enable": enable,
        "cancel_url": reverse("connection:card", args=[connection.pk])},
        status=400 if form.errors else 200)
