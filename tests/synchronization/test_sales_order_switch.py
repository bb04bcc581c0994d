"""Sales order integration switched from the card: administrator account once, only the order
mapping and its jobs added, removed jobs on the way back, viewers refused."""

import pytest

from mappings.models import IntegrationFieldMapping, IntegrationTableMapping
from synchronization.models import EntryKind, JobQueueEntry
from tests.synchronization.engine_support import admin_dataverse

pytestmark = pytest.mark.django_db(transaction=True)
ORDER_JOBS = {EntryKind.SALES_ORDER_STATUS, EntryKind.SALES_ORDER_NOTES,
              EntryKind.CREATE_SALES_ORDERS, EntryKind.PROCESS_SALES_QUOTES}


def switch(client, connection, credentials, enable: str = "on"):
    return client.post(f"/connection/{connection.pk}/sales-order-integration/", {
        "admin_user": credentials["admin_user"], "admin_password": credentials["admin_password"],
        "enable": enable})


def order_jobs(connection) -> set[str]:
    return set(JobQueueEntry.objects.filter(connection=connection, kind__in=ORDER_JOBS)
               .values_list("kind", flat=True))


def sales_setting(connection, credentials) -> bool:
    return admin_dataverse(connection, credentials).get_json(
        "organizations?$select=issopintegrationenabled")["value"][0]["issopintegrationenabled"]


def test_enabling_adds_the_order_mapping_and_jobs_and_keeps_every_other_mapping(
        admin_client, synced_connection, sandbox_clean):
    customer = IntegrationTableMapping.objects.get(connection=synced_connection, name="CUSTOMER")
    IntegrationTableMapping.objects.filter(pk=customer.pk).update(table_filter="No. = 10000")
    fields = set(IntegrationFieldMapping.objects.values_list("pk", flat=True))
    response = switch(admin_client, synced_connection, sandbox_clean.credentials)
    assert response.status_code == 302
    synced_connection.refresh_from_db()
    assert synced_connection.sales_order_integration_enabled
    assert IntegrationTableMapping.objects.get(pk=customer.pk).table_filter == "No. = 10000"
    assert fields <= set(IntegrationFieldMapping.objects.values_list("pk", flat=True))
    assert synced_connection.table_mappings.filter(name="SALESORDER-ORDER").exists()
    assert order_jobs(synced_connection) == ORDER_JOBS
    assert sales_setting(synced_connection, sandbox_clean.credentials) is True
    page = admin_client.get("/sync/job-queue/").content.decode()
    assert "Sales Order Notes" in page and 'href="/sync/sales-orders/"' in page


def test_disabling_removes_the_jobs_and_keeps_the_mapping(admin_client, synced_connection,
                                                         sandbox_clean):
    credentials = sandbox_clean.credentials
    switch(admin_client, synced_connection, credentials)
    response = switch(admin_client, synced_connection, credentials, enable="off")
    assert response.status_code == 302
    synced_connection.refresh_from_db()
    assert not synced_connection.sales_order_integration_enabled
    assert order_jobs(synced_connection) == set()
    assert synced_connection.table_mappings.filter(name="SALESORDER-ORDER").exists()
    assert sales_setting(synced_connection, credentials) is False


def test_a_wrong_password_changes_nothing_and_says_the_fix(admin_client, synced_connection,
                                                           sandbox_clean):
    credentials = {**sandbox_clean.credentials, "admin_password": "wrong"}
    response = switch(admin_client, synced_connection, credentials)
    assert response.status_code == 400
    assert "was refused" in response.content.decode()
    synced_connection.refresh_from_db()
    assert not synced_connection.sales_order_integration_enabled
    assert not synced_connection.table_mappings.filter(name="SALESORDER-ORDER").exists()


def test_viewers_are_refused(viewer_client, synced_connection, sandbox_clean):
    url = f"/connection/{synced_connection.pk}/sales-order-integration/"
    assert viewer_client.get(url).status_code == 403
    assert switch(viewer_client, synced_connection, sandbox_clean.credentials).status_code == 403


def test_bad_input_re_renders_with_the_reason(admin_client, synced_connection):
    url = f"/connection/{synced_connection.pk}/sales-order-integration/"
    response = admin_client.post(url, {"admin_user": "x", "enable": "maybe"})
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()


def test_the_card_checkbox_alone_cannot_switch_it(admin_client, synced_connection):
    admin_client.post(f"/connection/{synced_connection.pk}/", {
        "name": synced_connection.name, "sales_order_integration_enabled": "on"})
    synced_connection.refresh_from_db()
    assert not synced_connection.sales_order_integration_enabled
