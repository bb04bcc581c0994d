"""The health probe and the worker check.

The job log is in views.jobs, errors in views.errors and views.coupled, the full
synchronization review in views.fullsync.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from connection.access import administrator_required
from synchronization import health, jobs


@login_not_required
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for monitoring: 200 when database, Redis and a worker are up, else 503."""
    report = health.report()
    return JsonResponse(report, status=200 if report["status"] == "up" else 503)


@require_POST
@administrator_required
def check_worker(request: HttpRequest) -> HttpResponse:
    """Send a ping job through Redis to a worker; the job list shows when it comes back."""
    job = jobs.start("ping")
    messages.info(request, f"Sent a test job (#{job.pk}) to the workers.")
    return redirect("synchronization:jobs")
