"""Pages about where we connect: the home dashboard, the setup card and the wizard."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from connection.current import set_current_connection
from connection.forms import SwitchConnectionForm
from connection.models import ConnectionSetup


def home(request: HttpRequest) -> HttpResponse:
    connections = ConnectionSetup.objects.all()
    return render(request, "connection/home.html", {"connections": connections})


def setup(request: HttpRequest) -> HttpResponse:
    return render(request, "connection/setup.html", {"connections": ConnectionSetup.objects.all()})


def wizard(request: HttpRequest) -> HttpResponse:
    return render(request, "connection/wizard.html")


@require_POST
def switch(request: HttpRequest) -> HttpResponse:
    """Make another connection the current one and go back where the person was."""
    form = SwitchConnectionForm(request.POST)
    if not form.is_valid():
        raise Http404("No such connection.")
    set_current_connection(request, form.cleaned_data["connection"])
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    return redirect(target if safe else "home")
