"""Synchronize Now in a browser: the mappings list starts a job, its card follows it to the end."""

import pytest

from mappings.models import IntegrationTableMapping
from synchronization.models import JobQueueEntry, JobStatus, SyncJob

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def unscheduled(synced_connection):
    """The sandbox connection with its job queue entries off, so the worker's scheduler tick
    starts nothing but what the test starts (requested before the worker)."""
    JobQueueEntry.objects.filter(connection=synced_connection).update(enabled=False)
    return synced_connection


def test_synchronize_now_opens_the_job_card_which_follows_the_worker_to_success(
        signed_in_page, live_server, unscheduled, rq_worker):
    synced_connection = unscheduled
    IntegrationTableMapping.objects.filter(connection=synced_connection, name="CURRENCY").update(
        synch_only_coupled_records=False)
    page = signed_in_page
    page.goto(f"{live_server.url}/mappings/")
    row = page.locator("tr", has=page.locator("td strong", has_text="CURRENCY"))
    row.get_by_role("button", name="Synchronize Now").click()
    page.wait_for_url("**/sync/jobs/*/")
    assert "Synchronization of CURRENCY started" in page.content()
    page.wait_for_selector("#job-progress [data-status=finished]", timeout=30_000)
    job = SyncJob.objects.get(mapping_name="CURRENCY")
    assert job.status == JobStatus.FINISHED and job.requests > 0
    text = page.locator("#job-progress").inner_text()
    assert f"{job.records_done} of {job.records_total} records (100%)" in text
    page.goto(f"{live_server.url}/sync/jobs/")
    assert page.locator("table.job-list tbody tr").first.inner_text().count("CURRENCY") == 1
