"""In a real browser, a job card's progress bar follows the job row and stops polling at the end."""
# The fixtures are imported from pages_support, and pytest passes them in by name.
# ruff: noqa: F401, F811

import time

import pytest

from synchronization.models import JobStatus, SyncJob
from tests.synchronization.pages_support import connection, customer, make_job

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_progress_bar_advances_while_the_job_runs_and_polling_stops_when_it_ends(
        signed_in_page, live_server, customer):
    page = signed_in_page
    job = make_job(customer, status=JobStatus.RUNNING, records_total=200, inserted=20)
    polls: list[int] = []
    page.on("response", lambda r: polls.append(r.status) if "/progress/" in r.url else None)
    page.goto(f"{live_server.url}/sync/jobs/{job.pk}/")
    bar = page.locator("#job-progress progress")
    assert bar.get_attribute("value") == "20"

    SyncJob.objects.filter(pk=job.pk).update(inserted=90, modified=10, requests=7)
    # A selector, not a JavaScript predicate: the pages' Content-Security-Policy forbids eval.
    page.wait_for_selector("#job-progress progress[value='100']", timeout=10_000)
    assert "100 of 200 records (50%)" in page.locator("#job-progress").inner_text()

    SyncJob.objects.filter(pk=job.pk).update(inserted=190, status=JobStatus.FINISHED)
    page.wait_for_selector("#job-progress [data-status=finished]", timeout=10_000)
    assert "200 of 200 records (100%)" in page.locator("#job-progress").inner_text()
    assert polls[-1] == 286
    ended_at = len(polls)
    time.sleep(4.5)  # two more polling periods: no request may follow the 286
    assert len(polls) == ended_at
    assert page.locator("text=Cancel job").count() == 0


def test_an_administrator_cancels_a_running_job_from_its_card(signed_in_page, live_server,
                                                               customer):
    page = signed_in_page
    job = make_job(customer, status=JobStatus.RUNNING, records_total=50)
    page.goto(f"{live_server.url}/sync/jobs/{job.pk}/")
    page.click("text=Cancel job")
    page.wait_for_selector("text=will stop after the page it is writing")
    assert SyncJob.objects.get(pk=job.pk).cancel_requested
    assert page.locator("#job-progress .badge.cancelled").inner_text() == "Stopping"
