"""In a real browser: an administrator fills in the write-in product, then creates a submitted
Sales order in Business Central from the list; a worker runs the job."""

import pytest

from mappings.models import Coupling
from synchronization.models import JobQueueEntry, JobStatus, SalesReceivablesSetup, SyncJob
from tests.fixtures.worker import wait_for
from tests.synchronization.leadtocash_support import (
    order_integration,
    product_line,
    sales_document,
    submit,
    write_in_line,
)

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_write_in_settings_then_create_in_business_central(signed_in_page, live_server,
                                                           synced_connection, sandbox_clean,
                                                           rq_worker):
    connection = order_integration(synced_connection)
    JobQueueEntry.objects.filter(connection=connection).update(enabled=False)
    order_id = sales_document(connection, sandbox_clean.credentials, "salesorders",
                              "Browser order", [product_line(connection), write_in_line()])
    submit(connection, sandbox_clean.credentials, order_id)
    page = signed_in_page

    page.goto(f"{live_server.url}/sync/sales-receivables-setup/")
    page.select_option("#id_write_in_product_type", "Item")
    page.fill("#id_write_in_product_no", "1900-s")
    page.click("button:has-text('Save')")
    page.wait_for_selector("text=Sales & Receivables Setup saved.")
    assert page.input_value("#id_write_in_product_no") == "1900-S"
    assert SalesReceivablesSetup.of(connection).write_in_product_no == "1900-S"

    page.goto(f"{live_server.url}/sync/sales-orders/")
    row = page.locator("tr", has_text="Browser order")
    row.get_by_role("button", name="Create in Business Central").click()
    page.wait_for_url("**/sync/jobs/*/")
    job = SyncJob.objects.get(kind="create_sales_orders")
    assert wait_for(lambda: SyncJob.objects.get(pk=job.pk).status == JobStatus.FINISHED, 60)
    assert Coupling.objects.filter(sales_id=order_id).exists()
    page.reload()
    assert "Success" in page.locator("main").inner_text()
