"""The job queue, sales order integration and connection card pages fit 1,366 px and 390 px
without sideways scrolling (screenshots are kept when SCREENSHOT_DIR is set)."""

import os

import pytest

from synchronization.models import JobQueueEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = [(1366, 768), (390, 844)]


@pytest.mark.parametrize(("width", "height"), WIDTHS)
def test_the_setup_and_job_queue_pages_do_not_scroll_sideways(signed_in_page, live_server,
                                                              synced_connection, width, height):
    page = signed_in_page
    page.set_viewport_size({"width": width, "height": height})
    entry = JobQueueEntry.objects.filter(connection=synced_connection).first()
    pages = {"queue": "/sync/job-queue/", "entry": f"/sync/job-queue/{entry.pk}/",
             "card": f"/connection/{synced_connection.pk}/",
             "sales-orders-switch": f"/connection/{synced_connection.pk}/sales-order-integration/"}
    for name, url in pages.items():
        page.goto(f"{live_server.url}{url}")
        page.wait_for_selector("main h1")
        shots = os.environ.get("SCREENSHOT_DIR")
        if shots:
            page.screenshot(path=f"{shots}/{name}-{width}.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
