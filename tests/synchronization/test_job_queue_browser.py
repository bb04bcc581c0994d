"""Job Queue Entries in a browser: from the connection card to an entry and its actions."""

from datetime import timedelta

import pytest
from django.utils import timezone

from synchronization.models import EntryStatus, JobQueueEntry, JobStatus, SyncJob

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sleeping_currency(synced_connection):
    """Every entry off so the worker's tick starts nothing by itself; CURRENCY asleep."""
    JobQueueEntry.objects.filter(connection=synced_connection).update(enabled=False)
    entry = JobQueueEntry.objects.get(connection=synced_connection, mapping__name="CURRENCY")
    JobQueueEntry.objects.filter(pk=entry.pk).update(
        status=EntryStatus.ON_HOLD_INACTIVITY, inactive_since=timezone.now() - timedelta(hours=1))
    return entry


def entry_status(page) -> str:
    return page.locator("dl.facts [data-entry-status]").first.get_attribute("data-entry-status")


def test_an_administrator_holds_readies_reschedules_and_runs_an_entry(
        signed_in_page, live_server, sleeping_currency, rq_worker):
    page = signed_in_page
    page.goto(f"{live_server.url}/connection/")
    page.get_by_role("button", name="Job Queue Entries").click()
    page.wait_for_url("**/sync/job-queue/")
    row = page.locator("tr[data-entry]", has_text="CURRENCY")
    assert "On Hold Due to Inactivity" in row.inner_text()
    row.get_by_role("link").first.click()

    page.get_by_role("button", name="Set On Hold").click()
    page.wait_for_selector("dl.facts [data-entry-status=on_hold]")
    page.get_by_role("button", name="Set Status to Ready").click()
    page.wait_for_selector("dl.facts [data-entry-status=ready]")

    page.get_by_label("No. of Minutes between Runs").fill("0")
    page.get_by_role("button", name="Save recurrence").click()
    page.wait_for_selector(".errorlist")
    assert "Enter between 1 and 10,080 minutes" in page.content()
    page.get_by_label("No. of Minutes between Runs").fill("45")
    page.get_by_role("button", name="Save recurrence").click()
    page.wait_for_selector("text=The recurrence of CURRENCY")
    sleeping_currency.refresh_from_db()
    assert sleeping_currency.no_of_minutes_between_runs == 45 and sleeping_currency.enabled

    JobQueueEntry.objects.filter(pk=sleeping_currency.pk).update(
        status=EntryStatus.ON_HOLD_INACTIVITY, inactive_since=timezone.now(), enabled=False)
    page.reload()
    page.get_by_role("button", name="Run now").click()
    page.wait_for_selector("text=started (job #")
    assert "Run now by" in page.locator("[data-woken-reason]").inner_text()
    job = SyncJob.objects.filter(mapping_name="CURRENCY").latest("pk")
    page.get_by_role("link", name=f"job #{job.pk}").click()
    page.wait_for_selector("#job-progress [data-status=finished]", timeout=30_000)
    job.refresh_from_db()
    assert job.status == JobStatus.FINISHED and job.started_by == "Job Queue"
