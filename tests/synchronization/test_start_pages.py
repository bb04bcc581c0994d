"""Synchronize Now from the mappings pages: validated, one job per direction, no double runs."""
# The fixtures are imported from pages_support, and pytest passes them in by name.
# ruff: noqa: F401, F811

import pytest

from connection.models import ConnectionSetup
from mappings.models import Direction, IntegrationTableMapping
from synchronization.models import JobStatus, SyncDirection, SyncJob, SyncMode
from tests.synchronization.pages_support import (
    connection,
    contact,
    couple,
    customer,
    make_job,
    make_mapping,
)


@pytest.fixture
def no_enqueue(monkeypatch):
    """Job rows are created as the pages do, without a worker picking them up."""
    from synchronization import jobs

    monkeypatch.setattr(jobs, "enqueue", lambda *args, **kwargs: None)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_synchronize_now_starts_one_job_per_direction_and_opens_the_first(
        admin_client, customer, no_enqueue):
    response = admin_client.post("/sync/start/", {"mapping_id": customer.pk, "mode": "full"},
                                 follow=True)
    jobs = list(SyncJob.objects.order_by("pk"))
    assert [(j.direction, j.mode, j.status) for j in jobs] == [
        (SyncDirection.TO_SALES, SyncMode.ALL, JobStatus.PENDING),
        (SyncDirection.FROM_SALES, SyncMode.ALL, JobStatus.PENDING)]
    assert jobs[0].started_by == "alice"
    assert response.redirect_chain[-1][0] == f"/sync/jobs/{jobs[0].pk}/"
    assert any("Synchronization of CUSTOMER started" in m for m in messages_of(response))


def test_synchronize_modified_records_of_a_one_way_mapping_starts_one_job(
        admin_client, customer, no_enqueue):
    IntegrationTableMapping.objects.filter(pk=customer.pk).update(direction=Direction.TO_SALES)
    admin_client.post("/sync/start/", {"mapping_id": customer.pk, "mode": "modified"})
    assert [(j.direction, j.mode) for j in SyncJob.objects.all()] == [
        (SyncDirection.TO_SALES, SyncMode.MODIFIED)]


def test_synchronize_selected_couplings_passes_their_record_ids(admin_client, customer,
                                                                no_enqueue):
    first, second = couple(customer, "10000"), couple(customer, "20000")
    admin_client.post("/sync/start/", {"mapping_id": customer.pk, "mode": "selected",
                                       "coupling": [first.pk, second.pk]})
    job = SyncJob.objects.order_by("pk").first()
    assert job.mode == SyncMode.SELECTED
    assert sorted(job.parameters["bc_ids"]) == sorted([str(first.bc_id), str(second.bc_id)])
    assert sorted(job.parameters["sales_ids"]) == sorted([str(first.sales_id),
                                                          str(second.sales_id)])


def test_a_mapping_with_an_active_job_is_not_started_twice(admin_client, customer, no_enqueue):
    make_job(customer, status=JobStatus.RUNNING)
    response = admin_client.post("/sync/start/", {"mapping_id": customer.pk, "mode": "full"},
                                 follow=True)
    assert SyncJob.objects.count() == 1
    assert response.redirect_chain[-1][0] == "/sync/jobs/?mapping=CUSTOMER"
    assert any("already being synchronized" in m for m in messages_of(response))


@pytest.mark.parametrize("data, message", [
    ({"mode": "full"}, "Choose a mapping."),
    ({"mapping_id": "abc", "mode": "full"}, "That mapping does not exist"),
    ({"mapping_id": "99999999", "mode": "full"}, "That mapping does not exist"),
    ({"mapping_id": "CUSTOMER", "mode": "everything"}, "not one of the available choices"),
    ({"mapping_id": "CUSTOMER", "mode": "selected"}, "Select the records to synchronize."),
    ({"mapping_id": "CUSTOMER", "mode": "selected", "coupling": "x"}, "valid value"),
])
def test_bad_requests_say_why_and_start_nothing(admin_client, customer, no_enqueue, data,
                                                message):
    if data.get("mapping_id") == "CUSTOMER":
        data = {**data, "mapping_id": customer.pk}
    response = admin_client.post("/sync/start/", data, follow=True)
    assert response.status_code == 200
    assert any(message in m for m in messages_of(response)), messages_of(response)
    assert not SyncJob.objects.exists()


def test_couplings_of_another_mapping_are_refused(admin_client, customer, contact, no_enqueue):
    other = couple(contact, "CT1")
    response = admin_client.post("/sync/start/", {"mapping_id": customer.pk, "mode": "selected",
                                                  "coupling": [other.pk]}, follow=True)
    assert "The selected couplings belong to another mapping." in messages_of(response)
    assert not SyncJob.objects.exists()


def test_another_connections_mapping_cannot_be_started(admin_client, customer, no_enqueue):
    theirs = make_mapping(ConnectionSetup.objects.create(name="OTHER"), "CUSTOMER", "Customer",
                          18, "account")
    admin_client.post("/sync/start/", {"mapping_id": theirs.pk, "mode": "full"})
    assert not SyncJob.objects.exists()


def test_viewers_cannot_start_a_synchronization(viewer_client, customer, no_enqueue):
    response = viewer_client.post("/sync/start/", {"mapping_id": customer.pk, "mode": "full"})
    assert response.status_code == 403
    assert viewer_client.get("/sync/start/").status_code == 405
    assert not SyncJob.objects.exists()


def test_the_mappings_list_offers_synchronize_now(admin_client, customer):
    html = admin_client.get("/mappings/").content.decode()
    assert 'action="/sync/start/"' in html


def test_match_based_coupling_starts_a_job_whose_card_shows_the_log(admin_client, customer,
                                                                     monkeypatch):
    from mappings.models import IntegrationFieldMapping
    from synchronization import jobs
    from synchronization.models import JobStatus, SyncJob

    monkeypatch.setattr(jobs, "enqueue", lambda *args, **kwargs: None)
    name = IntegrationFieldMapping.objects.create(
        mapping=customer, bc_field="Name", bc_property="displayName", sales_attribute="name")
    response = admin_client.post("/sync/match/", {
        "mapping_id": customer.pk, f"f{name.pk}_use": "on", f"f{name.pk}_priority": 0},
        follow=True)
    job = SyncJob.objects.get(kind="match_coupling")
    assert response.redirect_chain[-1][0] == f"/sync/jobs/{job.pk}/"
    SyncJob.objects.filter(pk=job.pk).update(status=JobStatus.FINISHED, result={
        "counts": {"Matched": 1, "No match": 1},
        "lines": [{"number": "10000", "name": "Adatum", "outcome": "Matched", "sales_id": "x"}]})
    page = admin_client.get(f"/sync/jobs/{job.pk}/").content.decode()
    assert "Matched: 1" in page and "Adatum" in page
