"""Job Queue Entries: the list of the connection's recurring jobs, an entry's card, its actions."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from connection.access import administrator_required
from connection.current import get_current_connection
from synchronization import queue
from synchronization.queue_forms import ACTIONS, EntryActionForm, RecurrenceForm
from synchronization.views.common import first_error

BADGES = {"ready": "ok", "in_process": "running", "on_hold": "off",
          "on_hold_inactivity": "warning", "error": "error"}


def entry_list(request: HttpRequest) -> HttpResponse:
    """Every job queue entry of the current connection with its status and last job."""
    entries = list(queue.entries_of(get_current_connection(request)))
    return render(request, "synchronization/queue_list.html", {"rows": _rows(entries)})


def entry_card(request: HttpRequest, pk: int) -> HttpResponse:
    """One entry's card: its facts, the actions and the recurrence form."""
    entry = _entry(request, pk)
    return _card(request, entry, RecurrenceForm(instance=entry))


@require_POST
@administrator_required
def entry_action(request: HttpRequest, pk: int) -> HttpResponse:
    """Run now, Set On Hold or Set Status to Ready, then back to where the action was taken."""
    entry = _entry(request, pk)
    form = EntryActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect("synchronization:queue_entry", pk=entry.pk)
    try:
        _act(request, entry, form.cleaned_data["action"])
    except queue.EntryNotStarted as problem:
        messages.error(request, str(problem))
    if form.cleaned_data["back"] == "list":
        return redirect("synchronization:queue")
    return redirect("synchronization:queue_entry", pk=entry.pk)


@require_POST
@administrator_required
def entry_recurrence(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the recurrence; bad input re-renders the card with the message beside the field."""
    entry = _entry(request, pk)
    form = RecurrenceForm(request.POST, instance=entry)
    if not form.is_valid():
        return _card(request, entry, form, status=400)
    form.save()
    messages.success(request, f"The recurrence of {queue.caption(entry)} was saved.")
    return redirect("synchronization:queue_entry", pk=entry.pk)


def _act(request: HttpRequest, entry, action: str) -> None:
    name = queue.caption(entry)
    if action == "run":
        started = queue.run_now(entry, request.user.get_username())
        ids = ", ".join(f"#{job.pk}" for job in started)
        messages.success(request, f"{name} started (job {ids}).")
    elif action == "hold":
        queue.set_on_hold(entry)
        messages.success(request, f"{name} is On Hold: it does not run until you set it ready.")
    else:
        queue.set_ready(entry)
        messages.success(request, f"{name} is Ready: it runs at the next scheduler tick.")


def _entry(request: HttpRequest, pk: int):
    return get_object_or_404(queue.entries_of(get_current_connection(request)), pk=pk)


def _rows(entries) -> list[dict]:
    jobs = queue.last_jobs(entries)
    return [{"entry": e, "caption": queue.caption(e), "name": queue.short_name(e),
             "job": jobs.get(e.pk),
             "badge": BADGES.get(e.status, "off")} for e in entries]


def _card(request: HttpRequest, entry, form, status: int = 200) -> HttpResponse:
    return render(request, "synchronization/queue_entry.html", {
        "row": _rows([entry])[0], "entry": entry, "form": form, "actions": ACTIONS},
        status=status)
