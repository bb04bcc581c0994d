"""Lead-to-cash pages: Sales & Receivables Setup, submitted Sales orders with Create in Business
Central, item availability of coupled products, and the availability web service Sales calls."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from connection.access import administrator_required, is_administrator
from connection.clients.errors import ClientError
from connection.current import get_current_connection
from connection.models import ConnectionSetup
from mappings.models import Coupling
from synchronization.leadtocash import availability, couplings
from synchronization.leadtocash import jobs as leadtocash_jobs
from synchronization.leadtocash.forms import (
    AvailabilitySearchForm,
    SalesDocumentForm,
    SalesReceivablesSetupForm,
)
from synchronization.leadtocash.orders import submitted_orders
from synchronization.models import SalesReceivablesSetup
from synchronization.views.common import first_error

AVAILABILITY_ROWS = 50


def _connection_or_empty(request: HttpRequest, template: str):
    connection = get_current_connection(request)
    if connection is None:
        return None, render(request, template, {"connection": None})
    return connection, None


def sales_receivables_setup(request: HttpRequest) -> HttpResponse:
    """The write-in product settings; viewers see them, administrators change them."""
    connection, empty = _connection_or_empty(request, "synchronization/leadtocash/setup.html")
    if empty:
        return empty
    # A GET writes no row: the blank setup is saved by the first administrator who saves it.
    setup = (SalesReceivablesSetup.objects.filter(connection=connection).first()
             or SalesReceivablesSetup(connection=connection))
    if request.method == "POST" and not is_administrator(request.user):
        raise PermissionDenied("Only administrators can change this.")
    form = SalesReceivablesSetupForm(request.POST or None, instance=setup)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Sales & Receivables Setup saved.")
        return redirect("synchronization:sales_receivables_setup")
    return render(request, "synchronization/leadtocash/setup.html",
                  {"connection": connection, "form": form, "setup": setup})


def sales_orders(request: HttpRequest) -> HttpResponse:
    """Submitted Sales orders not yet in Business Central, each with Create in Business Central."""
    connection, empty = _connection_or_empty(request, "synchronization/leadtocash/orders.html")
    if empty:
        return empty
    context = {"connection": connection, "orders": [], "problem": ""}
    if not connection.sales_order_integration_enabled:
        context["problem"] = ("Sales Order Integration is not enabled on the connection, so "
                              "Sales orders are not created in Business Central.")
        return render(request, "synchronization/leadtocash/orders.html", context)
    try:
        with leadtocash_jobs.clients(connection) as (_bc, sales):
            context["orders"] = submitted_orders(sales)
    except ClientError as exc:
        context["problem"] = f"The Sales orders could not be read: {exc}"
    return render(request, "synchronization/leadtocash/orders.html", context)


@require_POST
@administrator_required
def sales_order_create(request: HttpRequest) -> HttpResponse:
    """Create in Business Central: start a job for one Sales order and show it."""
    connection = get_current_connection(request)
    form = SalesDocumentForm(request.POST)
    if connection is None or not form.is_valid():
        messages.error(request, first_error(form) if connection else "No connection is set up.")
        return redirect("synchronization:sales_orders")
    job = leadtocash_jobs.start(leadtocash_jobs.CREATE_ORDERS, connection,
                                started_by=request.user.get_username(),
                                sales_ids=[str(form.cleaned_data["sales_id"])])
    messages.success(request, f"Creating the sales order in Business Central: job {job.pk}.")
    return redirect("synchronization:job", pk=job.pk)


def item_availability(request: HttpRequest) -> HttpResponse:
    """Availability in Business Central of the items coupled to Sales products."""
    connection, empty = _connection_or_empty(request,
                                             "synchronization/leadtocash/availability.html")
    if empty:
        return empty
    form = AvailabilitySearchForm(request.GET or None)
    search = form.cleaned_data["search"] if form.is_valid() else ""
    mapping = couplings.mapping_for(connection, couplings.ITEM)
    query = Coupling.objects.filter(mapping=mapping, bc_number__istartswith=search) \
        if mapping else Coupling.objects.none()
    rows = list(query.order_by("bc_number")[:AVAILABILITY_ROWS])
    context = {"connection": connection, "form": form, "rows": rows, "problem": "",
               "endpoint": endpoint_url(request, connection)}
    try:
        with leadtocash_jobs.clients(connection) as (bc, _sales):
            found = availability.by_number(bc, [r.bc_number for r in rows])
        context["rows"] = [(r, found.get(r.bc_number)) for r in rows]
    except ClientError as exc:
        context["rows"] = [(r, None) for r in rows]
        context["problem"] = f"Business Central availability could not be read: {exc}"
    return render(request, "synchronization/leadtocash/availability.html", context)


@require_POST
@administrator_required
def use_availability_endpoint(request: HttpRequest) -> HttpResponse:
    """Point the connection's OData Web Service URL at the portal's availability service."""
    connection = get_current_connection(request)
    if connection is None:
        raise Http404("No connection is set up.")
    connection.odata_url = endpoint_url(request, connection)
    connection.save(update_fields=["odata_url", "updated_at"])
    messages.success(request, "The OData Web Service URL now points at this portal. Redeploy "
                              "the integration solution to write it to Sales.")
    return redirect("synchronization:item_availability")


def endpoint_url(request: HttpRequest, connection: ConnectionSetup) -> str:
    """The OData root Sales is given: the portal's service for this connection."""
    return request.build_absolute_uri(
        reverse("synchronization:odata_root", kwargs={"pk": connection.pk}))


def _service_connection(request: HttpRequest, pk: int) -> tuple[ConnectionSetup | None,
                                                                  HttpResponse | None]:
    """The connection whose availability service is asked, or the OData error to answer: 404
    when the service is off, 401 (with a Basic challenge) unless the request carries the
    connection's OData Web Service Username and Accesskey."""
    connection = ConnectionSetup.objects.filter(pk=pk, item_availability_enabled=True).first()
    if connection is None:
        return None, _odata_error(404, "The item availability web service is not enabled.")
    if not availability.credentials_match(connection, request.headers.get("Authorization", "")):
        response = _odata_error(401, "The user name or access key is not valid.")
        response["WWW-Authenticate"] = 'Basic realm="Business Central OData"'
        return None, response
    return connection, None


def _root_url(request: HttpRequest, pk: int) -> str:
    return request.build_absolute_uri(reverse("synchronization:odata_root", kwargs={"pk": pk}))


def _odata(response: HttpResponse) -> HttpResponse:
    response["OData-Version"] = "4.0"
    return response


@login_not_required
@require_GET
def odata_item_availability(request: HttpRequest, pk: int, company: str = "") -> HttpResponse:
    """``<OData URL>/Company('<name>')/ItemAvailability`` (or ``<OData URL>/ItemAvailability``
    for the connection's company, or ``?company=``): BC's page, for Sales, with basic
    authentication by the connection's OData Web Service Username and Accesskey."""
    connection, refused = _service_connection(request, pk)
    if refused:
        return refused
    assert connection is not None  # given whenever nothing was refused
    company = company or request.GET.get("company") or connection.bc_company_name
    if company.lower() != connection.bc_company_name.lower():
        return _odata_error(404, f"Cannot find the company '{company}'.")
    try:
        query = availability.parse_query(request.GET.get("$filter"), request.GET.get("$top"))
    except availability.BadQuery as exc:
        return _odata_error(400, str(exc))
    try:
        with leadtocash_jobs.clients(connection) as (bc, _sales):
            rows = availability.read(bc, query)
    except ClientError as exc:
        return _odata_error(502, f"Business Central did not answer: {exc}")
    context = _root_url(request, pk) + "/$metadata#ItemAvailability"
    return _odata(JsonResponse({"@odata.context": context, "value": rows}))


@login_not_required
@require_GET
def odata_root(request: HttpRequest, pk: int) -> HttpResponse:
    """The service document: which entity sets this OData root publishes."""
    _connection, refused = _service_connection(request, pk)
    if refused:
        return refused
    return _odata(JsonResponse(availability.service_document(_root_url(request, pk))))


@login_not_required
@require_GET
def odata_metadata(request: HttpRequest, pk: int) -> HttpResponse:
    """``$metadata``: the CSDL document describing the ItemAvailability entity."""
    _connection, refused = _service_connection(request, pk)
    if refused:
        return refused
    return _odata(HttpResponse(availability.metadata(), content_type="application/xml"))


def _odata_error(status: int, message: str) -> HttpResponse:
    body = {"error": {"code": f"HTTP{status}", "message": message}}
    return HttpResponse(json.dumps(body), status=status, content_type="application/json")
