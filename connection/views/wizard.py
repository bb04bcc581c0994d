"""Set Up Dynamics 365 Sales Connection: thin views over ``connection.wizard``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from connection import audit, registry, salespeople, sandbox_link, wizard
from connection.access import is_administrator
from connection.clients.errors import ClientError
from connection.current import set_current_connection
from connection.models import ConnectionSetup

DEMO_STEPS = (1, 2, 3, 4)


def _step_url(connection: ConnectionSetup, step: int) -> str:
    return reverse("connection:wizard_step", args=[connection.pk, step])


def start(request: HttpRequest) -> HttpResponse:
    """Resume an unfinished guide, or start a new connection at step 1."""
    if request.method == "POST":
        return step(request, None, 1)
    pending = ConnectionSetup.objects.filter(wizard_completed=False, wizard_step__gt=1)
    connection = pending.order_by("-updated_at").first()
    if connection is not None and is_administrator(request.user):
        return redirect(_step_url(connection, connection.wizard_step))
    return _render(request, None, 1, wizard.form_for(1, None))


def resume(request: HttpRequest, pk: int) -> HttpResponse:
    connection = get_object_or_404(ConnectionSetup, pk=pk)
    return redirect(_step_url(connection, min(connection.wizard_step, wizard.LAST)))


def step(request: HttpRequest, pk: int | None, step: int) -> HttpResponse:
    """Show or submit one step; steps not reached yet send the browser to the furthest one."""
    connection = get_object_or_404(ConnectionSetup, pk=pk) if pk else None
    if step not in wizard.STEPS:
        return redirect("connection:wizard")
    if connection and step > connection.wizard_step:
        return redirect(_step_url(connection, connection.wizard_step))
    if request.method != "POST":
        return _show(request, connection, step)
    if not is_administrator(request.user):
        raise PermissionDenied("Only administrators can run the assisted setup.")
    if "back" in request.POST and connection:
        return redirect(_step_url(connection, max(step - 1, 1)))
    if "demo" in request.POST:
        return _fill_demo(request, connection, step)
    return _submit(request, connection, step)


def _extra(request, connection, step: int) -> dict:
    """Data a step shows besides its form (read from the services when needed)."""
    if step == 5:
        try:
            plan = registry.mappings().default_mapping_plan(connection)
        except registry.FeatureUnavailable as error:
            messages.error(request, str(error))
            plan = []
        return {"plan": plan}
    if step == 6:
        try:
            users, people = salespeople.load(connection)
        except ClientError as error:
            messages.error(request, f"The salespeople could not be read: {error}")
            users, people = [], []
        return {"users": users, "people": people}
    return {}


def _show(request, connection, step: int, initial: dict | None = None) -> HttpResponse:
    extra = _extra(request, connection, step)
    form = wizard.form_for(step, connection, initial=initial, **extra)
    return _render(request, connection, step, form, extra=extra)


def _submit(request, connection, step: int) -> HttpResponse:
    extra = _extra(request, connection, step)
    form = wizard.form_for(step, connection, request.POST, **extra)
    if not form.is_valid():
        return _render(request, connection, step, form, extra=extra, status=400)
    outcome = _process(request, connection, step, form, extra)
    for note in outcome.messages:
        messages.success(request, note)
    if not outcome.done:
        connection = connection or getattr(form, "instance", None)
        if step == 3:  # show the companies the API just returned
            form = wizard.form_for(3, connection, request.POST)
            form.is_valid()
        return _render(request, connection, step, form, extra=extra, outcome=outcome, status=400)
    connection = connection or form.instance
    set_current_connection(request, connection)
    if step == wizard.LAST and "run_full_sync" in request.POST:
        return redirect("synchronization:full_sync")
    if step == wizard.LAST:
        return redirect("connection:card", connection.pk)
    assert outcome.next_step is not None  # every step before the last names the next one
    return redirect(_step_url(connection, outcome.next_step))


def _process(request, connection, step: int, form, extra: dict) -> wizard.Outcome:
    user = request.user
    if step == 1:
        return wizard.save_sales_url(form, connection, user)
    if step == 2:
        return wizard.check_credentials(form, connection, user)
    if step == 3:
        return wizard.pick_company(form, connection, user)
    if step == 4:
        return wizard.apply_advanced(form, connection, user, _sandbox_admin(form, connection))
    if step == 5:
        return wizard.apply_synchronization(form, connection, extra["plan"])
    if step == 6:
        return wizard.couple(form, connection)
    return wizard.finish(connection, "run_full_sync" in request.POST)


def _sandbox_admin(form, connection) -> str:
    """The sandbox administrator's password, read from the sandbox when the demo asked for it.

    It is fetched at the moment of use and never stored or rendered.
    """
    if not form.cleaned_data.get("sandbox_admin") or form.cleaned_data.get("admin_password"):
        return ""
    try:
        creds = sandbox_link.credentials()
    except sandbox_link.SandboxUnavailable:
        return ""
    if not sandbox_link.is_sandbox_connection(connection.server_address, creds):
        return ""
    return creds["admin_password"] if form.cleaned_data["admin_user"] == creds["admin_user"] else ""


def _fill_demo(request, connection, step: int) -> HttpResponse:
    """Fill this step with the sandbox's demo values (secrets go straight to the database)."""
    try:
        creds = sandbox_link.credentials()
    except sandbox_link.SandboxUnavailable as error:
        messages.error(request, str(error))
        return redirect(_step_url(connection, step) if connection else "connection:wizard")
    if step == 4:
        messages.info(request, "Filled in the sandbox's administrator; its password is read "
                      "from the sandbox when you choose Next and is not stored.")
        return _show(request, connection, 4, initial={
            "admin_user": creds["admin_user"], "sandbox_admin": True, "import_solution": True,
            "enable_connection": True})
    connection = _apply_demo(request, connection, step, creds)
    messages.info(request, "Filled in the sandbox's demo values. Check them and choose Next.")
    return redirect(_step_url(connection, step))


def _apply_demo(request, connection, step: int, creds: dict) -> ConnectionSetup:
    values = sandbox_link.demo_values(step, creds)
    if connection is None:
        name = values.pop("name")
        taken = set(ConnectionSetup.objects.values_list("name", flat=True))
        suffix = next(n for n in range(1, 1000) if f"{name} {n}" not in taken)
        connection = ConnectionSetup(name=name if name not in taken else f"{name} {suffix}")
    values.pop("name", None)
    before = audit.snapshot(connection) if connection.pk else {}
    for key, value in values.items():
        setattr(connection, key, value)
    connection.save()
    audit.record_changes(connection, before, request.user)
    if step == 3:
        wizard.load_companies(connection)
    set_current_connection(request, connection)
    return connection


def _render(request, connection, step: int, form, *, extra=None, outcome=None,
            status=200) -> HttpResponse:
    administrator = is_administrator(request.user)
    if not administrator:
        for field in form.fields.values():
            field.disabled = True
    extra = extra or {}
    context = {
        "connection": connection, "step": step, "title": wizard.STEPS[step], "form": form,
        "steps": [(n, title, n < step, n == step) for n, title in wizard.STEPS.items()],
        "outcome": outcome, "report": outcome.report if outcome else None,
        "demo": administrator and step in DEMO_STEPS and sandbox_link.available(),
        "plan": extra.get("plan"), "last": wizard.LAST,
    }
    if step == 5 and connection and extra.get("plan"):
        context["recommendations"] = wizard.preview_recommendations(connection, extra["plan"])
    if step == wizard.LAST and connection:
        context["summary"] = wizard.test_report(connection, request.user)
        context["chosen"] = connection.wizard_data.get("recommendations", [])
        context["to_couple"] = [r["name"] for r in context["chosen"]
                                if r.get("couple")]
    return render(request, "connection/wizard.html", context, status=status)
