"""CRM Full Synch. Review: the page, its polled lines, Start / Dry run / Restart failed lines /
Cancel, the end-of-run question about Synch. Only Coupled Records, and a JSON status."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from connection.access import administrator_required
from connection.current import get_current_connection
from synchronization import fullsync, fullsync_counts, fullsync_review, recommendations
from synchronization.fullsync import FULL_SYNC_KIND
from synchronization.fullsync_forms import ConnectionForm, KeepLiftedForm, RunForm, StartForm
from synchronization.initial_sync import INITIAL_SYNC_KIND
from synchronization.listing import COUNTER_COLUMNS, format_duration
from synchronization.models import ACTIVE_STATUSES, FullSyncRun, SyncJob
from synchronization.views.common import first_error

# htmx stops polling when a response has this status (https://htmx.org/docs/#polling).
STOP_POLLING = 286
REVIEW = "synchronization:full_sync"
RUN_STARTERS = (FULL_SYNC_KIND, INITIAL_SYNC_KIND)


def full_sync_review(request: HttpRequest) -> HttpResponse:
    """The review page: one line per mapping in dependency order, live while a run goes on."""
    connection = get_current_connection(request)
    if connection is None:
        return render(request, "synchronization/full_sync.html", {"connection": None})
    return render(request, "synchronization/full_sync.html", {
        **_lines_context(connection), "start_form": StartForm(), "connection": connection})


@never_cache
def full_sync_lines(request: HttpRequest) -> HttpResponse:
    """The polled lines; answers 286 once the run and all its jobs ended, so polling stops."""
    connection = get_current_connection(request)
    if connection is None:
        return HttpResponse(status=STOP_POLLING)
    context = _lines_context(connection)
    return render(request, "synchronization/_full_sync_lines.html", context,
                  status=STOP_POLLING if context["polling_done"] else 200)


@never_cache
def full_sync_status(request: HttpRequest) -> JsonResponse:
    """The run as JSON for monitoring tools: lines, statuses, counters, jobs."""
    form = ConnectionForm(request.GET)
    connection = form.chosen(get_current_connection(request))
    if connection is None:
        return JsonResponse({"error": "There is no such connection."}, status=404)
    run = fullsync_review.latest_run(connection)
    rows = fullsync_review.rows_for(connection, run, with_counts=False)
    return JsonResponse(fullsync_review.status_json(connection, run, rows))


@administrator_required
def full_sync_start(request: HttpRequest) -> HttpResponse:
    """Start (with a confirmation that warns to couple salespeople first) or Dry run."""
    connection = get_current_connection(request)
    if connection is None:
        messages.error(request, "Set up a connection first.")
        return redirect(REVIEW)
    form = StartForm(request.POST or None, initial={"mode": request.GET.get("mode", "start")})
    if request.method == "POST" and form.is_valid():
        return _start(request, connection, form)
    rows = fullsync_review.rows_for(connection, None, with_counts=True)
    return render(request, "synchronization/full_sync_confirm.html", {
        "form": form, "connection": connection,
        "to_couple": [r for r in rows if r.recommendation == recommendations.COUPLE],
        "running": fullsync.running_run(connection),
        "counted": fullsync_review.counts_job(connection) is not None},
        status=400 if form.errors else 200)


@require_POST
@administrator_required
def full_sync_count(request: HttpRequest) -> HttpResponse:
    """Count Records: a job counts both sides of every mapping; the page shows its counts."""
    connection = get_current_connection(request)
    if connection is None:
        messages.error(request, "Set up a connection first.")
        return redirect(REVIEW)
    try:
        job = fullsync_counts.request(connection, request.user.get_username())
    except fullsync.ConnectionDisabled as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Counting the records of every mapping (job #{job.pk}).")
    return redirect(REVIEW)


def _start(request: HttpRequest, connection, form: StartForm) -> HttpResponse:
    # The counts a job kept: a web request never asks the services for them.
    counts = fullsync_review.stored_counts(connection)
    if form.cleaned_data["only_ready"] and not counts:
        messages.error(request, "Which lines are ready depends on the record counts: choose "
                                "Count Records first.")
        return redirect(REVIEW)
    only = {name for name, row in counts.items()
            if row["recommendation"] == recommendations.FULL_SYNC} \
        if form.cleaned_data["only_ready"] else None
    try:
        run = fullsync.start_run(connection, request.user.get_username(),
                                 dry_run=form.dry_run, counts=counts, only=only)
    except (fullsync.RunInProgress, fullsync.ConnectionDisabled) as exc:
        messages.error(request, str(exc))
        return redirect(REVIEW)
    what = "Dry run" if run.dry_run else "Full synchronization"
    messages.success(request, f"{what} started: {run.lines.count()} lines; lines start as "
                              "the lines they depend on finish.")
    return redirect(REVIEW)


@require_POST
@administrator_required
def full_sync_restart(request: HttpRequest) -> HttpResponse:
    """Restart failed lines: lines that ended with Error or were cancelled start again."""
    form = RunForm(get_current_connection(request), request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect(REVIEW)
    try:
        count = fullsync.restart_failed(form.cleaned_data["run"], request.user.get_username())
    except (fullsync.NothingToRestart, fullsync.RunInProgress,
            fullsync.ConnectionDisabled) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Restarted {count} line(s).")
    return redirect(REVIEW)


@require_POST
@administrator_required
def full_sync_cancel(request: HttpRequest) -> HttpResponse:
    """Cancel: lines not started never start; running jobs stop after the page they write."""
    form = RunForm(get_current_connection(request), request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect(REVIEW)
    run: FullSyncRun = form.cleaned_data["run"]
    if not run.is_running:
        messages.info(request, f"Run #{run.pk} has already ended ({run.get_status_display()}).")
    else:
        stopped = fullsync.cancel_run(run, request.user.get_username())
        messages.success(request, f"Cancelled run #{run.pk}; {stopped} job(s) stop after the "
                                  "page they are writing. What was written stays written.")
    return redirect(REVIEW)


@require_POST
@administrator_required
def full_sync_only_coupled(request: HttpRequest) -> HttpResponse:
    """Answer "keep Synch. Only Coupled Records lifted?" for the mappings of a run."""
    form = KeepLiftedForm(get_current_connection(request), request.POST)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect(REVIEW)
    keep = form.cleaned_data["keep"]
    changed = fullsync.set_keep_lifted(form.cleaned_data["run"], keep)
    messages.success(request, (f"Synch. Only Coupled Records stays off for {changed} mapping(s)."
                               if keep else f"Synch. Only Coupled Records is on again for "
                                            f"{changed} mapping(s)."))
    return redirect(REVIEW)


def _lines_context(connection) -> dict:
    run = fullsync_review.latest_run(connection)
    active = run is not None and run.is_running
    rows = fullsync_review.rows_for(connection, run, with_counts=not active)
    for row in rows:
        row.duration_text = format_duration(row.duration)
    counted = fullsync_review.counts_job(connection)
    counting = fullsync_counts.counting(connection)
    starting = _starting_job(connection)
    return {
        "run": run, "rows": rows, "counters": COUNTER_COLUMNS, "starting": starting,
        "counted_at": counted.finished_at if counted else None,
        "counting": counting,
        # A count job in progress, or a job about to start a run, keeps the lines polling:
        # what they bring shows when they end.
        "polling_done": (fullsync_review.polling_done(run, rows) and counting is None
                         and starting is None),
        "lock_problem": fullsync.lock_problem(run) if active and run is not None else "",
        "show_forecast": any(row.forecast for row in rows),
        "can_restart": run is not None and not run.is_running and any(
            row.status in ("error", "cancelled") for row in rows),
        "ask_keep_lifted": _ask_keep_lifted(run, rows),
    }


def _starting_job(connection) -> SyncJob | None:
    """A job that will start a run when a worker takes it (Run Full Synchronization from the
    card or the assisted setup, which couples records first): while it waits the page says so,
    rather than "no full synchronization has been started" beside "started (job #N)"."""
    return (SyncJob.objects.filter(connection=connection, kind__in=RUN_STARTERS,
                                   status__in=ACTIVE_STATUSES)
            .order_by("-created_at", "-id").first())


def _ask_keep_lifted(run: FullSyncRun | None, rows) -> bool:
    """At the end of a real run that lifted the flag on some mapping (the answer can change)."""
    if run is None or run.dry_run or run.is_running:
        return False
    return any(row.line and row.line.only_coupled_before for row in rows)
