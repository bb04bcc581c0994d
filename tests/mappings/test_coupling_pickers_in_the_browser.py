"""An administrator couples records by picking them from lists on both sides, then syncs them.

The salesperson is coupled starting from Sales (pick the user, then its BC salesperson), the
customer starting from Business Central (pick the customer, then its account, found by live
search); a Synchronize Now of the customer mapping then leaves both records agreeing, read back
through the sandbox's APIs.
"""

import pytest

from connection import services
from connection.documents import apply_document, sandbox_document
from connection.models import ConnectionSetup
from mappings.defaults import apply_default_setup
from synchronization.models import TERMINAL_STATUSES, JobQueueEntry, JobStatus, SyncJob
from tests.fixtures.worker import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = (1366, 390)


@pytest.fixture
def connection(sandbox_clean):
    connection, _ = apply_document(sandbox_document(sandbox_clean.credentials, "CRONUS sandbox"))
    apply_default_setup(connection)
    ConnectionSetup.objects.filter(pk=connection.pk).update(is_enabled=True)
    JobQueueEntry.objects.filter(connection=connection).update(enabled=False)
    connection.refresh_from_db()
    return connection


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def couple_from_sales(page, url, search, sales_name, bc_name):
    """Without JavaScript's help: search, Choose, pick the match, Couple."""
    page.goto(f"{url}?start=sales")
    page.fill("#start-search", search)
    page.click("#start-side button[type=submit]")
    page.get_by_role("link", name=f"Choose {sales_name}").first.click()
    page.wait_for_selector("#match-results")
    assert fits(page), "sideways scroll"
    page.screenshot(path="/tmp/coupling-picker-from-sales.png", full_page=True)
    page.get_by_label(bc_name, exact=True).first.check()
    page.click("button[name=couple]")
    page.wait_for_selector(".message.success, .messages .success")


def test_coupling_by_picking_from_both_sides_then_syncing(signed_in_page, live_server,
                                                          connection, rq_worker):
    page = signed_in_page
    salespeople = connection.table_mappings.get(name="SALESPEOPLE")
    customer = connection.table_mappings.get(name="CUSTOMER")
    page.set_viewport_size({"width": 390, "height": 844})
    couple_from_sales(page, f"{live_server.url}/mappings/{salespeople.pk}/couplings/new/",
                      "saddow", "Peter Saddow", "Peter Saddow")
    assert salespeople.couplings.get().bc_number == "PS"

    url = f"{live_server.url}/mappings/{customer.pk}/couplings/new/"
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(url)
    assert page.locator("#start-results a[aria-label*='Trey Research']").count() == 1
    page.type("#start-search", "adatum")  # htmx searches as one types: no submit
    # Results of a search typed halfway ("ada") may arrive first: wait for the whole word's.
    page.wait_for_url("**search=adatum**")
    page.wait_for_selector("#start-results a[aria-label*='Trey Research']", state="detached")
    assert page.locator("#start-results a[aria-label^='Choose']").count() == 1
    page.click("#start-results a[aria-label='Choose 10000 · Adatum Corporation']")
    page.wait_for_selector("#match-results input[type=radio]")
    assert page.input_value("#start-search") == "adatum"
    assert page.input_value("#match-search") == "Adatum Corporation"
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert fits(page), f"sideways scroll at {width} px"
        page.screenshot(path=f"/tmp/coupling-picker-{width}.png", full_page=True)
    page.get_by_label("Adatum Corporation", exact=True).first.check()
    page.click("button[name=couple]")
    page.wait_for_selector("text=is coupled to")
    coupling = customer.couplings.get()
    assert (coupling.bc_number, coupling.display_name) == ("10000", "Adatum Corporation")

    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/mappings/{customer.pk}/")
    page.get_by_role("button", name="Synchronize Now").click()
    page.wait_for_selector("text=Synchronization of CUSTOMER started")

    def finished():
        jobs = list(SyncJob.objects.filter(connection=connection))
        return jobs if jobs and all(j.status in TERMINAL_STATUSES for j in jobs) else None

    jobs = wait_for(finished, timeout=60)
    assert all(job.status == JobStatus.FINISHED and job.failed == 0 for job in jobs), [
        (j.pk, j.status, j.failed) for j in jobs]

    bc = services.business_central_client(connection).get("customers", str(coupling.bc_id))
    account = services.dataverse_client(connection).get("accounts", str(coupling.sales_id))
    assert account["name"] == bc["displayName"] == "Adatum Corporation"
    assert account["address1_city"] == bc["city"]
    assert account["telephone1"] == bc["phoneNumber"]
    owner = salespeople.couplings.get().sales_id
    assert account["_ownerid_value"] == str(owner)
