"""In a real browser, with a real worker and the sandbox's demo data: a dry run, then Start,
lines finishing live in dependency order; a failed dependency blocks its dependents until
Restart failed lines; a second run is refused."""

import pytest

from mappings.models import IntegrationTableMapping
from synchronization.models import FullSyncLine, FullSyncRun, LineStatus, RunStatus
from tests.fixtures.worker import wait_for
from tests.synchronization.test_full_sync_support import assert_dependency_order, line_jobs

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]
WAVE_ONE = ("SALESPEOPLE", "CURRENCY", "PAYMENT TERMS", "SHIPMENT METHOD", "SHIPPING AGENT",
            "UNIT OF MEASURE")
RUN_ENDED = "[data-run-status=finished], [data-run-status=failed], [data-run-status=cancelled]"


def row(page, name: str):
    return page.locator(f'tr[data-line="{name}"]')


def start_from_the_review(page, live_server) -> None:
    page.goto(f"{live_server.url}/sync/full-sync/")
    page.get_by_role("button", name="Start", exact=True).click()
    page.wait_for_selector("text=Couple salespeople with Dynamics 365 Sales users first")
    page.check("#id_confirmed")
    page.get_by_role("button", name="Start", exact=True).click()
    page.wait_for_selector("text=Full synchronization started")


def test_a_dry_run_then_start_runs_every_line_live_in_dependency_order(
        signed_in_page, live_server, synced_connection, sandbox_clean, rq_worker):
    page = signed_in_page
    page.goto(f"{live_server.url}/sync/full-sync/")
    page.get_by_role("button", name="Count Records").click()
    page.wait_for_selector("text=Counting the records of every mapping")
    # The lines poll while the count job runs and show its counts when it ends.
    page.wait_for_selector("text=Record counts as of", timeout=60_000)
    assert row(page, "CUSTOMER").locator("text=Couple Records").count() == 1
    sandbox_clean.reset_counters()
    page.get_by_role("button", name="Dry run").click()
    page.wait_for_selector(RUN_ENDED, timeout=90_000)
    counters = sandbox_clean.counters()
    assert counters["dataverse"]["writes"] == 0 and counters["business_central"]["writes"] == 0
    assert "2 new · 3 coupled" in row(page, "CURRENCY").inner_text()
    dry = FullSyncRun.objects.get(dry_run=True)

    start_from_the_review(page, live_server)
    page.evaluate("window.sameDocument = true")  # gone if the page reloaded
    statuses: list[str] = []
    page.on("response", lambda r: statuses.append(r.status) if "/full-sync/lines/" in r.url
            else None)
    page.wait_for_selector(RUN_ENDED, timeout=120_000)
    assert page.evaluate("window.sameDocument") is True
    # The run's end came through a poll (the page did not reload) and stopped the polling; a
    # fast run may end before any poll answered "still running" (200).
    assert statuses and statuses[-1] == 286

    run = FullSyncRun.objects.get(dry_run=False)
    assert run.status == RunStatus.FINISHED and run.started_by == "alice"
    assert_dependency_order(run)
    for name in ("CURRENCY", "CUSTOMER", "CONTACT", "ITEM-PRODUCT", "OPPORTUNITY"):
        assert row(page, name).get_attribute("data-status") == "finished", name
    # Customers whose salesperson (JO, RB, BD) has no Sales user fail: finished with errors.
    assert row(page, "CUSTOMER").locator("text=with errors").count() == 1
    done, planned = line_jobs(run), line_jobs(dry)
    for name in WAVE_ONE:
        forecast = {}
        for job in planned[name]:
            for key, value in job.result["forecast"].items():
                forecast[key] = forecast.get(key, 0) + value
        assert forecast.get("insert", 0) == sum(j.inserted for j in done[name]), name
    # Drill into the job behind a status, then into its errors.
    row(page, "CUSTOMER").locator("td.to-status a").click()
    page.wait_for_selector("text=Errors of this job")
    assert "CUSTOMER" in page.title()


def test_a_failed_dependency_blocks_its_dependents_until_restart_failed_lines(
        signed_in_page, live_server, synced_connection, rq_worker):
    page = signed_in_page
    unit = IntegrationTableMapping.objects.get(connection=synced_connection,
                                               name="UNIT OF MEASURE")
    unit.table_filter = "No Such Field: X"
    unit.save()
    start_from_the_review(page, live_server)
    page.wait_for_selector(RUN_ENDED, timeout=120_000)
    assert row(page, "UNIT OF MEASURE").get_attribute("data-status") == "error"
    blocked = row(page, "ITEM-PRODUCT")
    assert blocked.get_attribute("data-status") == "not_started"
    assert "UNIT OF MEASURE ended with Error" in blocked.inner_text()

    page.goto(f"{live_server.url}/sync/full-sync/start/")  # a second run is refused meanwhile?
    assert page.locator("text=already running").count() == 0  # no: this one has ended

    unit.table_filter = ""
    unit.save()
    page.goto(f"{live_server.url}/sync/full-sync/")
    page.get_by_role("button", name="Restart failed lines").click()
    page.wait_for_selector("text=Restarted")
    page.wait_for_selector('tr[data-line="ITEM-PRODUCT"][data-status="finished"]',
                           timeout=120_000)
    page.wait_for_selector(RUN_ENDED, timeout=120_000)
    assert row(page, "UNIT OF MEASURE").get_attribute("data-status") == "finished"


def test_a_second_run_is_refused_while_one_runs(signed_in_page, live_server,
                                                synced_connection, sandbox_clean, rq_worker):
    sandbox_clean.settings(dataverse={"latency_ms": 100}, business_central={"latency_ms": 100})
    try:
        page = signed_in_page
        start_from_the_review(page, live_server)
        assert page.get_by_role("button", name="Start").is_disabled()
        page.goto(f"{live_server.url}/sync/full-sync/start/")
        assert "already running" in page.inner_text("main") and "alice" in page.inner_text(
            "main")
        page.goto(f"{live_server.url}/sync/full-sync/")
        page.get_by_role("button", name="Cancel", exact=True).click()
        page.wait_for_selector("text=Cancelled run")
        wait_for(lambda: not FullSyncLine.objects.filter(
            status__in=[LineStatus.READY, LineStatus.IN_PROCESS]).exists(), 60)
    finally:
        sandbox_clean.reset_settings()
