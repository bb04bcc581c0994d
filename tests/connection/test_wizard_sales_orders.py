"""The assisted setup's sales order integration: the administrator account once at step 4, the
SALESORDER-ORDER mapping and its jobs in the setup, and a guide run again on an existing setup
adding the order mapping without resetting the others."""

import pytest

from mappings.models import IntegrationTableMapping
from synchronization.models import EntryKind, JobQueueEntry
from tests.connection.test_wizard import run_steps_1_to_3, step_url

pytestmark = pytest.mark.django_db


def step_4(client, connection, creds, **extra):
    return client.post(step_url(connection, 4), {
        "import_solution": "on", "sales_order_integration_enabled": "on",
        "admin_user": creds["admin_user"], "admin_password": creds["admin_password"],
        "enable_connection": "on", "proxy_version": "9.2", **extra})


def test_enabling_it_in_the_guide_sets_up_the_order_mapping_and_its_jobs(admin_client,
                                                                          sandbox_clean):
    creds = sandbox_clean.credentials
    connection = run_steps_1_to_3(admin_client, creds)
    assert step_4(admin_client, connection, creds).status_code == 302
    connection.refresh_from_db()
    assert connection.sales_order_integration_enabled
    response = admin_client.post(step_url(connection, 5), {
        "use_default_setup": "on", "mappings": ["CUSTOMER", "CURRENCY", "SALESORDER-ORDER"]})
    assert response.status_code == 302
    assert connection.table_mappings.filter(name="SALESORDER-ORDER").exists()
    assert JobQueueEntry.objects.filter(connection=connection,
                                        kind=EntryKind.SALES_ORDER_NOTES).exists()


def test_the_guide_run_again_adds_the_order_mapping_and_keeps_the_others(admin_client,
                                                                         sandbox_clean):
    creds = sandbox_clean.credentials
    connection = run_steps_1_to_3(admin_client, creds)
    admin_client.post(step_url(connection, 4), {
        "import_solution": "on", "admin_user": creds["admin_user"],
        "admin_password": creds["admin_password"], "enable_connection": "on",
        "proxy_version": "9.2"})
    admin_client.post(step_url(connection, 5), {"use_default_setup": "on",
                                                "mappings": ["CUSTOMER", "CURRENCY"]})
    IntegrationTableMapping.objects.filter(connection=connection, name="CUSTOMER").update(
        table_filter="No. = 10000")
    response = step_4(admin_client, connection, creds)
    assert response.status_code == 302, response.content.decode()[:2000]
    names = set(connection.table_mappings.values_list("name", flat=True))
    assert names == {"CUSTOMER", "CURRENCY", "SALESORDER-ORDER"}
    assert connection.table_mappings.get(name="CUSTOMER").table_filter == "No. = 10000"


def test_a_wrong_administrator_password_at_step_4_says_the_fix(admin_client, sandbox_clean):
    creds = sandbox_clean.credentials
    connection = run_steps_1_to_3(admin_client, creds)
    response = step_4(admin_client, connection, creds, admin_password="wrong")
    assert response.status_code == 400
    assert b"was refused" in response.content
    assert b"Check the administrator" in response.content
