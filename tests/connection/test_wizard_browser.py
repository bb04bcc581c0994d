"""A new administrator completes the assisted setup in the browser with the demo values."""

import pytest

from connection.models import ConnectionSetup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def next_step(page, number: int) -> None:
    page.get_by_role("button", name="Next").click()
    page.wait_for_selector(f"text=Step {number} of 7")


def test_the_wizard_runs_from_an_empty_database_to_the_full_sync_review(
    signed_in_page, live_server, portal_sees_sandbox
):
    page = signed_in_page
    page.goto(f"{live_server.url}/")  # now that the portal knows where the sandbox is
    page.get_by_role("button", name="Set up with the sandbox's demo credentials").click()
    page.wait_for_selector("text=Step 1 of 7")
    assert page.input_value("#id_server_address") == portal_sees_sandbox.url
    next_step(page, 2)
    page.get_by_role("button", name="Fill in the sandbox's demo values").click()
    page.wait_for_selector("text=Filled in the sandbox's demo values")
    next_step(page, 3)
    page.get_by_role("button", name="Fill in the sandbox's demo values").click()
    page.wait_for_selector("text=Filled in the sandbox's demo values")
    assert "CRONUS USA, Inc." in page.inner_text("#id_company")
    next_step(page, 4)
    page.get_by_role("button", name="Fill in the sandbox's demo values").click()
    page.wait_for_selector("text=password is read from the sandbox")
    next_step(page, 5)
    assert page.locator("text=Full Synchronization").count() > 0
    next_step(page, 6)
    assert page.locator("text=Suggested").count() > 0
    next_step(page, 7)
    checklist = page.inner_text("table.checklist")
    assert "Failed" not in checklist and "Passed" in checklist
    page.get_by_role("button", name="Run Full Synchronization").click()
    page.wait_for_url(f"{live_server.url}/sync/full-sync/")
    connection = ConnectionSetup.objects.get()
    assert connection.is_enabled and connection.wizard_completed
    assert connection.table_mappings.exists()
    assert connection.table_mappings.get(name="SALESPEOPLE").couplings.exists()
