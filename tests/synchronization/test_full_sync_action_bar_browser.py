"""The review's action bar follows the run: when a run ends, Start is offered again and Cancel
goes away, without a reload (the bar is part of the polled lines)."""

import os
import tempfile
from pathlib import Path

import pytest

from tests.test_every_page_fits import OVERFLOWING_TABLES

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]
RUN_ENDED = "[data-run-status=finished], [data-run-status=failed], [data-run-status=cancelled]"
BAR = "#full-sync-actions"


def test_the_action_bar_offers_start_again_when_a_run_ends_without_a_reload(
        signed_in_page, live_server, synced_connection, start_worker):
    page = signed_in_page
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/sync/full-sync/")
    page.get_by_role("button", name="Dry run").click()  # no worker yet: the run waits
    page.wait_for_selector(f"{BAR}[data-run-active=yes]")
    bar = page.locator(BAR)
    assert bar.get_by_role("button", name="Start", exact=True).is_disabled()
    assert bar.get_by_role("button", name="Cancel").is_enabled()
    page.evaluate("window.sameDocument = true")  # gone if the page reloaded

    start_worker()
    page.wait_for_selector(RUN_ENDED, timeout=120_000)
    page.wait_for_selector(f"{BAR}[data-run-active=no]")
    assert page.evaluate("window.sameDocument") is True
    assert bar.get_by_role("button", name="Start", exact=True).is_enabled()
    assert bar.get_by_role("button", name="Dry run").is_enabled()
    assert bar.get_by_role("button", name="Cancel").count() == 0

    # The lines of a real run, dry-run column included, fit 1,366 px.
    folder = Path(os.environ.get("PAGE_SCREENSHOTS") or tempfile.mkdtemp(prefix="pages-"))
    page.screenshot(path=str(folder / "desktop-review-after-dry-run.png"), full_page=True)
    assert page.evaluate(OVERFLOWING_TABLES) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
