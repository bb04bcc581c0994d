"""The reconciliation pages: the stored report with links to both sides, Check now as a job,
and the repairs (confirmed, administrators only), checked against both systems read back."""

import pytest

from mappings.models import Coupling
from synchronization.models import ReconcileReport, SyncJob
from tests.synchronization.engine_support import (
    admin_dataverse,
    integration_dataverse,
    mapping,
)
from tests.synchronization.reconcile_support import mapping_report, reconcile_json
from tests.synchronization.test_full_sync_support import InlineQueue, install_inline_queue
from tests.synchronization.test_reconcile import coupled_account, customers_synced  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queue(monkeypatch) -> InlineQueue:
    return install_inline_queue(monkeypatch)


def page_url(connection, name: str) -> str:
    return f"/sync/reconcile/{mapping(connection, name).pk}/"


def repair(client, connection, action: str, records: list[str], confirm: bool = True):
    data = {"action": action, "record": records}
    if confirm:
        data["confirm"] = "on"
    return client.post(page_url(connection, "CUSTOMER") + "repair/", data)


def test_check_now_runs_a_job_and_the_page_shows_its_report_with_links(
    admin_client, customers_synced, queue, django_assert_max_num_queries  # noqa: F811
):
    customer = mapping(customers_synced, "CUSTOMER")
    response = admin_client.post("/sync/reconcile/check/", {"mapping": customer.pk})
    assert response.status_code == 302
    queue.drain()
    job = SyncJob.objects.get(kind="reconcile")
    assert job.status == "finished" and job.parameters["mappings"] == ["CUSTOMER"]
    assert ReconcileReport.objects.get(mapping=customer).job_id == job.pk
    with django_assert_max_num_queries(15):
        page = admin_client.get(page_url(customers_synced, "CUSTOMER"))
    text = page.content.decode()
    assert "Uncoupled in Business Central" in text and "OK" in text
    assert "table=18" in text  # uncoupled customers open in the BC web client
    overview = admin_client.get("/sync/reconcile/").content.decode()
    assert "CUSTOMER" in overview and "Not checked" in overview  # the other mappings


def test_a_dangling_coupling_is_removed_after_confirmation(
    admin_client, customers_synced, sandbox_clean, queue  # noqa: F811
):
    coupling = coupled_account(customers_synced, "Trey Research")
    admin_dataverse(customers_synced, sandbox_clean.credentials).delete(
        "accounts", str(coupling.sales_id))
    reconcile_json("--mapping", "CUSTOMER")
    page = admin_client.get(page_url(customers_synced, "CUSTOMER")).content.decode()
    assert "Dangling couplings" in page and "gone in Sales" in page
    assert f"id={coupling.sales_id}" in page and "etn=account" in page
    confirm = repair(admin_client, customers_synced, "uncouple", [str(coupling.pk)],
                     confirm=False)
    assert b"no longer synchronized" in confirm.content
    assert Coupling.objects.filter(pk=coupling.pk).exists()
    repair(admin_client, customers_synced, "uncouple", [str(coupling.pk)])
    assert not Coupling.objects.filter(pk=coupling.pk).exists()
    queue.drain()  # the check that follows the repair
    status, report = reconcile_json("--mapping", "CUSTOMER")
    assert mapping_report(report, "CUSTOMER")["counts"]["dangling"] == 0 and status == 0


def test_an_uncoupled_match_is_coupled_from_the_page(admin_client, customers_synced,  # noqa: F811
                                                      queue):
    coupling = coupled_account(customers_synced, "Adatum Corporation")
    pair = (coupling.bc_id, coupling.sales_id)
    coupling.delete()
    reconcile_json("--mapping", "CUSTOMER")
    repair(admin_client, customers_synced, "couple", [str(pair[0])])
    assert Coupling.objects.filter(bc_id=pair[0], sales_id=pair[1]).count() == 1


def test_a_blank_account_the_integration_made_is_deleted_in_sales(
    admin_client, customers_synced, queue  # noqa: F811
):
    client = integration_dataverse(customers_synced)
    made = str(client.create("accounts", {"name": "", "customertypecode": 3})).lower()
    reconcile_json("--mapping", "CUSTOMER")
    repair(admin_client, customers_synced, "delete_blank", [made])
    queue.drain()
    ids = {str(r["accountid"]).lower() for r in client.query("accounts", select=["name"])}
    assert made not in ids
    stored = ReconcileReport.objects.get(mapping__name="CUSTOMER")
    assert stored.report["counts"]["blank"] == 0


def test_drift_is_synchronized_again_keeping_business_central(
    admin_client, customers_synced, sandbox_clean, queue  # noqa: F811
):
    import time

    coupling = coupled_account(customers_synced, "Alpine Ski House")
    time.sleep(1.01)
    admin = admin_dataverse(customers_synced, sandbox_clean.credentials)
    admin.update("accounts", str(coupling.sales_id), {"telephone1": "555-0199"})
    reconcile_json("--mapping", "CUSTOMER")
    repair(admin_client, customers_synced, "resync_bc",
           [f"{coupling.bc_id}:{coupling.sales_id}"])
    queue.drain()
    row = admin.get("accounts", str(coupling.sales_id), select=["telephone1"])
    assert row["telephone1"] != "555-0199"
    status, report = reconcile_json("--mapping", "CUSTOMER")
    assert mapping_report(report, "CUSTOMER")["counts"]["drift"] == 0 and status == 0


def test_viewers_see_the_report_but_cannot_repair(viewer_client, customers_synced):  # noqa: F811
    reconcile_json("--mapping", "CUSTOMER")
    assert viewer_client.get(page_url(customers_synced, "CUSTOMER")).status_code == 200
    response = repair(viewer_client, customers_synced, "uncouple", ["1"])
    assert response.status_code == 403


def test_a_repair_of_records_the_report_does_not_offer_changes_nothing(
    admin_client, customers_synced  # noqa: F811
):
    reconcile_json("--mapping", "CUSTOMER")
    before = Coupling.objects.count()
    response = repair(admin_client, customers_synced, "uncouple", ["999999"])
    assert response.status_code == 302 and Coupling.objects.count() == before
