"""Pages about where we connect: the home dashboard, the setup card and the wizard."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from connection.models import ConnectionSetup


def home(request: HttpRequest) -> HttpResponse:
    connections = ConnectionSetup.objects.all()
    return render(request, "connection/home.html", {"connections": connections})


def setup(request: HttpRequest) -> HttpResponse:
    return render(request, "connection/setup.html", {"connections": ConnectionSetup.objects.all()})


def wizard(request: HttpRequest) -> HttpResponse:
    return render(request, "connection/wizard.html")
