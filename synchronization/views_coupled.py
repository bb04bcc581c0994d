"""Coupled Data Synchronization Errors: skipped records and conflicts, and what to do about them."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from connection.current import get_current_connection
from synchronization.filtersets import CoupledErrorFilterSet, coupled_errors
from synchronization.tables import link_coupling_records, paginate
from synchronization.views_common import query_without_page, warn

COUPLINGS_PER_PAGE = 50


def coupled_error_list(request: HttpRequest) -> HttpResponse:
    """Couplings that are skipped, failed or in conflict, with their last error."""
    connection = get_current_connection(request)
    filterset = CoupledErrorFilterSet(request.GET or None, queryset=coupled_errors(connection),
                                      connection=connection)
    couplings = filterset.qs.order_by("mapping__position", "bc_number", "pk")
    page, problem = paginate(request, couplings, COUPLINGS_PER_PAGE)
    warn(request, [*filterset.problems(), problem])
    link_coupling_records(page.object_list, connection)
    return render(request, "synchronization/coupled_errors.html", {
        "filterset": filterset, "page": page, "couplings": page.object_list,
        "query": query_without_page(request)})
