"""Sales order integration switched on from the connection card in a browser, then a submitted
Sales order created in Business Central through the Sales orders page; both sides checked
through the services' APIs."""

import pytest

from mappings.models import Coupling, IntegrationFieldMapping, IntegrationTableMapping
from synchronization.models import EntryKind, JobQueueEntry, JobStatus, SyncJob
from tests.fixtures.worker import wait_for
from tests.synchronization.engine_support import admin_dataverse, bc, full, mapping
from tests.synchronization.leadtocash_support import (
    DEPENDENCIES,
    product_line,
    sales_document,
    submit,
)

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def dependencies_synchronized(synced_connection):
    for name in DEPENDENCIES:
        full(mapping(synced_connection, name))
    return synced_connection


def field_mapping_ids(connection) -> set[int]:
    return set(IntegrationFieldMapping.objects.filter(mapping__connection=connection)
               .values_list("pk", flat=True))


def test_switching_it_on_from_the_card_adds_the_mapping_and_an_order_reaches_business_central(
        signed_in_page, live_server, dependencies_synchronized, sandbox_clean, rq_worker):
    connection = dependencies_synchronized
    credentials = sandbox_clean.credentials
    before = field_mapping_ids(connection)
    page = signed_in_page
    page.goto(f"{live_server.url}/connection/")
    assert page.get_by_role("link", name="Sales orders", exact=True).count() == 0
    page.get_by_role("button", name="Enable Sales Order Integration…").click()
    page.get_by_label("Administrator email").fill(credentials["admin_user"])
    page.get_by_label("Administrator password").fill("wrong password")
    page.get_by_role("button", name="Enable Sales Order Integration").click()
    page.wait_for_selector("[role=alert]")
    assert "Check the administrator's email and password" in page.content().replace("&#x27;", "'")
    assert not IntegrationTableMapping.objects.filter(name="SALESORDER-ORDER").exists()

    page.get_by_label("Administrator password").fill(credentials["admin_password"])
    page.get_by_role("button", name="Enable Sales Order Integration").click()
    page.wait_for_selector("text=Sales order integration is enabled.")
    JobQueueEntry.objects.filter(connection=connection).update(enabled=False)
    connection.refresh_from_db()
    assert connection.sales_order_integration_enabled
    assert IntegrationTableMapping.objects.filter(connection=connection,
                                                  name="SALESORDER-ORDER").exists()
    assert JobQueueEntry.objects.filter(connection=connection,
                                        kind=EntryKind.SALES_ORDER_NOTES).exists()
    assert before <= field_mapping_ids(connection)  # no other mapping was reset
    organization = admin_dataverse(connection, credentials).get_json(
        "organizations?$select=issopintegrationenabled")["value"][0]
    assert organization["issopintegrationenabled"] is True

    order_id = sales_document(connection, credentials, "salesorders", "Card order",
                              [product_line(connection)])
    submit(connection, credentials, order_id)
    page.get_by_role("link", name="Sales orders", exact=True).click()
    row = page.locator("tr", has_text="Card order")
    row.get_by_role("button", name="Create in Business Central").click()
    page.wait_for_url("**/sync/jobs/*/")
    job = SyncJob.objects.get(kind="create_sales_orders")
    assert wait_for(lambda: SyncJob.objects.get(pk=job.pk).status == JobStatus.FINISHED, 60)

    coupling = Coupling.objects.get(sales_id=order_id, mapping__name="SALESORDER-ORDER")
    bc_order = bc(connection).get("salesOrders", str(coupling.bc_id))
    assert bc_order["customerNumber"] == "10000"
    sales_order = admin_dataverse(connection, credentials).get("salesorders", order_id)
    assert sales_order["bcbi_businesscentralordernumber"] == bc_order["number"]
    assert sales_order["statecode"] == 1  # Submitted again after the write-back
