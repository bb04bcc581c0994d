"""Integration Synchronization Jobs: the list with its chart, a job's card, its live fragment."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from connection.access import administrator_required
from connection.current import get_current_connection
from connection.lists.controls import configure, csv_response, records
from synchronization.filtersets import JobFilterSet
from synchronization.listing import (
    COUNTER_COLUMNS,
    chart,
    daily_outcomes,
    format_duration,
    link_error_records,
    paginate,
)
from synchronization.models import JobStatus, SyncJob
from synchronization.tables import JobTable
from synchronization.views.common import jobs_of, warn

JOBS_PER_PAGE = 50
ERRORS_PER_PAGE = 25
# htmx stops polling when a response has this status (https://htmx.org/docs/#polling).
STOP_POLLING = 286


def job_list(request: HttpRequest) -> HttpResponseBase:
    """Jobs of the current connection, filtered and paged, with synced/failed per day."""
    connection = get_current_connection(request)
    filterset = JobFilterSet(request.GET or None, queryset=jobs_of(connection),
                             connection=connection)
    table = JobTable(filterset.qs)
    warn(request, [*filterset.problems(), *configure(request, table, JOBS_PER_PAGE)])
    if table.export_requested:
        return csv_response(table)
    return render(request, "synchronization/jobs.html", {
        "filterset": filterset, "table": table, "jobs": records(table),
        "chart": chart(daily_outcomes(jobs_of(connection).exclude(connection=None)))})


def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A job's card: counters, progress while it runs, requests and throttling, its errors."""
    connection = get_current_connection(request)
    job = get_object_or_404(jobs_of(connection), pk=pk)
    errors = job.errors.select_related("mapping").order_by("-created_at", "-id")
    page, problem = paginate(request, errors, ERRORS_PER_PAGE)
    warn(request, [problem])
    link_error_records(page.object_list, connection)
    return render(request, "synchronization/job_detail.html", {
        **_progress_context(job), "page": page, "errors": page.object_list})


def job_partial(request: HttpRequest, pk: int) -> HttpResponse:
    """The polled part of the job card; answers 286 once the job ended so polling stops."""
    job = get_object_or_404(jobs_of(get_current_connection(request)), pk=pk)
    return render(request, "synchronization/_partial.html", _progress_context(job),
                  status=200 if job.is_active else STOP_POLLING)


@require_POST
@administrator_required
def job_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel a pending job now; ask a running one to stop after the page it is writing."""
    job = get_object_or_404(jobs_of(get_current_connection(request)), pk=pk)
    was_running = job.status == JobStatus.RUNNING
    if not (job.is_active and job.cancel(f"Cancelled by {request.user.get_username()}.")):
        job.refresh_from_db()
        messages.info(request, f"Job {job.pk} has already ended ({job.status_label}).")
    elif was_running:
        messages.success(request, f"Job {job.pk} will stop after the page it is writing; what "
                                  "was written so far stays written.")
    else:
        messages.success(request, f"Job {job.pk} was cancelled before it started.")
    return redirect("synchronization:job", pk=job.pk)


def _progress_context(job: SyncJob) -> dict:
    return {"job": job, "duration": format_duration(job.duration), "counters": COUNTER_COLUMNS,
            "error_count": job.errors.count()}

