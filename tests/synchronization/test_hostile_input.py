"""Hostile input on the synchronization pages: ids past 64 bits, and a GET writes no row."""
# The fixtures are imported from pages_support, and pytest passes them in by name.
# ruff: noqa: F401, F811

import pytest

from synchronization.models import SalesReceivablesSetup, SyncJob
from tests.synchronization.pages_support import (
    connection,
    couple,
    customer,
    make_error,
    make_job,
)

pytestmark = pytest.mark.django_db
HUGE, NEGATIVE = "9223372036854775808", "-9223372036854775809"


@pytest.mark.parametrize("value", [HUGE, NEGATIVE])
def test_starting_a_sync_of_selected_records_by_ids_past_64_bits_is_a_message(
        admin_client, customer, value):
    response = admin_client.post("/sync/start/", {"mapping_id": customer.pk, "mode": "selected",
                                                  "coupling": value})
    assert response.status_code == 302
    assert not SyncJob.objects.exists()


@pytest.mark.parametrize("value", [HUGE, NEGATIVE])
def test_a_coupled_errors_action_on_ids_past_64_bits_is_a_message(admin_client, customer, value):
    couple(customer, "10000", skipped=True)
    response = admin_client.post("/sync/coupled-errors/action/",
                                 {"action": "remove", "coupling": value})
    assert response.status_code == 302
    assert response.url == "/sync/coupled-errors/"


@pytest.mark.parametrize("url", ["/sync/errors/remove-coupling/", "/sync/errors/retry/"])
@pytest.mark.parametrize("value", [HUGE, NEGATIVE])
def test_removing_couplings_or_retrying_errors_by_ids_past_64_bits_is_a_message(
        admin_client, customer, url, value):
    make_error(make_job(customer))
    response = admin_client.post(url, {"error": value})
    assert response.status_code == 302
    assert response.url == "/sync/errors/"


def test_showing_the_sales_receivables_setup_writes_no_row(viewer_client, connection):
    response = viewer_client.get("/sync/sales-receivables-setup/")
    assert response.status_code == 200
    assert not SalesReceivablesSetup.objects.exists()


def test_a_job_id_past_64_bits_in_the_path_is_a_404(admin_client, connection):
    assert admin_client.get(f"/sync/jobs/{HUGE}/").status_code == 404
