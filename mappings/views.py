"""Pages about what maps to what: integration table mappings and couplings."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def mapping_list(request: HttpRequest) -> HttpResponse:
    return render(request, "mappings/list.html")


def coupling_list(request: HttpRequest) -> HttpResponse:
    return render(request, "mappings/couplings.html")
