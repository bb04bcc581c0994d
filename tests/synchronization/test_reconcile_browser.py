"""The reconciliation page in a browser: findings with links, no sideways scroll at desktop
and phone widths, and a repair confirmed through its own page."""

import time

import pytest

from mappings.models import Coupling
from tests.synchronization.engine_support import admin_dataverse, mapping
from tests.synchronization.reconcile_support import reconcile_json
from tests.synchronization.test_reconcile import coupled_account, customers_synced  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = (1366, 390)


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_reconcile_page_lists_findings_without_sideways_scroll_and_repairs(
    signed_in_page, live_server, customers_synced, sandbox_clean, tmp_path_factory  # noqa: F811
):
    admin = admin_dataverse(customers_synced, sandbox_clean.credentials)
    admin.create("accounts", {"name": "Adatum Corporation", "customertypecode": 3})
    gone = coupled_account(customers_synced, "Trey Research")
    drifted = coupled_account(customers_synced, "Alpine Ski House")
    admin.delete("accounts", str(gone.sales_id))
    time.sleep(1.01)
    admin.update("accounts", str(drifted.sales_id),
                 {"telephone1": "555-0199 extension 4471 (reception desk)"})
    reconcile_json("--mapping", "CUSTOMER")
    page = signed_in_page
    url = f"{live_server.url}/sync/reconcile/{mapping(customers_synced, 'CUSTOMER').pk}/"
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        assert "Duplicates in Sales" in page.inner_text("main")
        assert page.locator("#dangling a[href*='etn=account']").count() == 1
        assert fits(page), f"sideways scroll at {width} px"
        page.screenshot(path=f"/tmp/reconcile-{width}.png", full_page=True)
    page.goto(f"{live_server.url}/sync/reconcile/")
    assert fits(page) and "problem" in page.inner_text("main")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(url)
    page.check(f"#dangling input[value='{gone.pk}']")
    page.get_by_role("button", name="Remove coupling…").click()
    page.wait_for_selector("text=no longer synchronized")
    page.get_by_role("button", name="Remove coupling (1)").click()
    page.wait_for_selector("text=Removed 1 coupling(s)")
    assert not Coupling.objects.filter(pk=gone.pk).exists()
