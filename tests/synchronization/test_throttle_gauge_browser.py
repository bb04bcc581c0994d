"""In a real browser, the throttle gauge on a job card follows the job row while the job runs,
and fits a laptop and a phone screen without scrolling the page sideways."""
# The fixtures are imported from pages_support, and pytest passes them in by name.
# ruff: noqa: F401, F811

import os

import pytest

from synchronization.models import JobStatus, SyncJob
from tests.synchronization.pages_support import connection, customer, make_job

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def gauge(in_flight: int, throttled: int, time_left: float) -> dict:
    reading = {"service": "dataverse", "identity": "", "dop_hint": 52, "requests_left": 1130,
               "time_left": time_left, "in_flight": in_flight, "peak_in_flight": 52,
               "requests": 70, "throttled": throttled, "waited_seconds": 8.0 * throttled,
               "held_seconds": 0.0}
    bc = {**reading, "service": "business_central", "dop_hint": None, "requests_left": None,
          "time_left": None, "in_flight": 0, "peak_in_flight": 1, "requests": 3,
          "throttled": 0, "waited_seconds": 0.0}
    return {"dataverse": {"application user": reading},
            "business_central": {"application user": bc}}


def fits_every_screen(page, name: str) -> None:
    """No sideways scrolling at 1,366 px or 390 px; screenshots into $GAUGE_SCREENSHOTS."""
    shots = os.environ.get("GAUGE_SCREENSHOTS")
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        if shots:
            page.screenshot(path=f"{shots}/{name}-{width}.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_gauge_updates_while_the_job_runs_and_fits_every_screen(signed_in_page,
                                                                    live_server, customer):
    page = signed_in_page
    job = make_job(customer, status=JobStatus.RUNNING, records_total=100_000, inserted=5_000,
                   throttle=gauge(52, 0, 240.0))
    page.goto(f"{live_server.url}/sync/jobs/{job.pk}/")
    assert "52 of 52" in page.locator(".throttle-gauge").inner_text()

    SyncJob.objects.filter(pk=job.pk).update(inserted=20_000, throttle=gauge(0, 3, 0.0))
    # A selector, not a JavaScript predicate: the pages' Content-Security-Policy forbids eval.
    page.wait_for_selector(".throttle-gauge tr[data-service='Dynamics 365 Sales'] .badge",
                           timeout=10_000)
    row = page.locator(".throttle-gauge tr[data-service='Dynamics 365 Sales']").inner_text()
    assert "0 of 52" in row and "24.0 s" in row and "0.0 s" in row
    fits_every_screen(page, "job-gauge")


def test_a_set_aside_identity_is_marked_and_the_gauge_still_fits(signed_in_page, live_server,
                                                                   customer):
    page = signed_in_page
    throttle = gauge(30, 1, 120.0)
    primary = throttle["dataverse"]["application user"]
    throttle["dataverse"]["bcsales pool 2"] = {
        **primary, "identity": "bcsales pool 2", "in_flight": 0,
        "set_aside": "HTTP 403: The user is not a member of the organization. Give the "
                     "application user the integration roles (Redeploy), then choose Test."}
    job = make_job(customer, status=JobStatus.RUNNING, records_total=100_000, throttle=throttle)
    page.goto(f"{live_server.url}/sync/jobs/{job.pk}/")
    text = page.locator(".throttle-gauge").inner_text()
    assert "Set aside" in text and "bcsales pool 2 was refused" in text.replace("\n", " ")
    fits_every_screen(page, "job-gauge-set-aside")
