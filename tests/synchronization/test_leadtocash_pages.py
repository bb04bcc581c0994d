"""The Sales & Receivables Setup and submitted Sales orders pages (no browser)."""

import pytest
from django.urls import reverse

from synchronization.leadtocash import jobs as leadtocash_jobs
from synchronization.models import SalesReceivablesSetup, SyncJob
from tests.synchronization.leadtocash_support import order_integration

pytestmark = pytest.mark.django_db(transaction=True)
SETUP = reverse("synchronization:sales_receivables_setup")
ORDERS = reverse("synchronization:sales_orders")
CREATE = reverse("synchronization:sales_order_create")


def test_an_administrator_saves_the_write_in_product(admin_client, synced_connection):
    response = admin_client.post(SETUP, {"write_in_product_type": "Resource",
                                         "write_in_product_no": " marty "})
    assert response.status_code == 302
    setup = SalesReceivablesSetup.of(synced_connection)
    assert (setup.write_in_product_type, setup.write_in_product_no) == ("Resource", "MARTY")


def test_junk_input_re_renders_with_a_message(admin_client, synced_connection):
    response = admin_client.post(SETUP, {"write_in_product_type": "Car",
                                         "write_in_product_no": "A*B"})
    assert response.status_code == 200
    assert b"Select a valid choice" in response.content
    assert b"without filter characters" in response.content


def test_viewers_see_the_setup_but_cannot_change_it(viewer_client, synced_connection):
    assert viewer_client.get(SETUP).status_code == 200
    response = viewer_client.post(SETUP, {"write_in_product_type": "Item",
                                          "write_in_product_no": "1900-S"})
    assert response.status_code == 403


def test_the_list_explains_when_sales_order_integration_is_off(admin_client, synced_connection):
    response = admin_client.get(ORDERS)
    assert b"Sales Order Integration is not enabled" in response.content


def test_the_list_shows_submitted_orders_with_create_in_business_central(admin_client,
                                                                         synced_connection):
    synced_connection.sales_order_integration_enabled = True
    synced_connection.save()
    response = admin_client.get(ORDERS)
    assert b"Order from Sales" in response.content  # the sandbox's submitted order
    assert b"Create in Business Central" in response.content


def test_create_in_business_central_starts_a_job_for_that_order(admin_client, synced_connection):
    order_integration(synced_connection)
    order_id = "4422431c-6ea8-5da9-889f-c81d2424283e"
    response = admin_client.post(CREATE, {"sales_id": order_id})
    job = SyncJob.objects.get(kind=leadtocash_jobs.CREATE_ORDERS)
    assert response.url == reverse("synchronization:job", kwargs={"pk": job.pk})
    assert job.parameters["sales_ids"] == [order_id] and job.started_by == "alice"


def test_a_junk_order_id_is_a_message_not_a_500(admin_client, synced_connection):
    response = admin_client.post(CREATE, {"sales_id": "not-an-id"}, follow=True)
    assert b"Choose a Sales order from the list" in response.content
    assert not SyncJob.objects.exists()


def test_viewers_cannot_create_orders(viewer_client, synced_connection):
    response = viewer_client.post(CREATE, {"sales_id": "4422431c-6ea8-5da9-889f-c81d2424283e"})
    assert response.status_code == 403
