"""Coupled Data Synchronization Errors: skipped records and conflicts, retry and uncouple."""
# The fixtures are imported from pages_support, and pytest passes them in by name.
# ruff: noqa: F401, F811

import pytest

from mappings.models import Coupling, SyncResult
from synchronization.models import ErrorKind, SyncJob, SyncMode
from tests.synchronization.pages_support import (
    connection,
    contact,
    couple,
    customer,
    make_error,
    make_job,
)

JUNK = ["state=broken", "mapping=%00", "page=two", "q=" + "z" * 300, "mapping=NOPE&page=-1"]


@pytest.fixture
def no_enqueue(monkeypatch):
    from synchronization import jobs

    monkeypatch.setattr(jobs, "enqueue", lambda *args, **kwargs: None)


@pytest.fixture
def troubles(customer, contact) -> dict[str, Coupling]:
    """A skipped, a failed, a conflicting and a healthy coupling."""
    skipped = couple(customer, "10000", "Adatum Corporation", skipped=True,
                     last_sales_result=SyncResult.FAILURE, last_error="Name is required.")
    failed = couple(contact, "CT1", "Robin Bundy", last_result=SyncResult.FAILURE,
                    last_error="The contact has no parent account.")
    conflict = couple(customer, "20000", "Trey Research")
    make_error(make_job(customer), "Both sides changed.", kind=ErrorKind.CONFLICT,
               coupling=conflict)
    healthy = couple(customer, "30000", "Alpine Ski House", last_result=SyncResult.SUCCESS)
    return {"skipped": skipped, "failed": failed, "conflict": conflict, "healthy": healthy}


def listed(client, query: str = "") -> list[str]:
    response = client.get(f"/sync/coupled-errors/?{query}")
    assert response.status_code == 200
    return sorted(c.bc_number for c in response.context["couplings"])


def test_the_list_shows_skipped_failed_and_conflicting_records_only(admin_client, troubles):
    assert listed(admin_client) == ["10000", "20000", "CT1"]
    html = admin_client.get("/sync/coupled-errors/").content.decode()
    for text in ("Name is required.", "Both sides changed.", "Skipped", "Conflict"):
        assert text in html


def test_the_list_filters_by_mapping_state_and_text(admin_client, troubles):
    assert listed(admin_client, "mapping=CONTACT") == ["CT1"]
    assert listed(admin_client, "state=skipped") == ["10000"]
    assert listed(admin_client, "state=failed") == ["10000", "CT1"]
    assert listed(admin_client, "state=conflict") == ["20000"]
    assert listed(admin_client, "q=parent account") == ["CT1"]


def test_a_resolved_conflict_leaves_the_list(admin_client, troubles):
    from synchronization.models import SyncError

    SyncError.objects.update(resolved=True)
    assert "20000" not in listed(admin_client)


def test_the_list_keeps_a_constant_number_of_queries(admin_client, troubles, customer,
                                                     django_assert_max_num_queries):
    with django_assert_max_num_queries(12) as few:
        admin_client.get("/sync/coupled-errors/")
    for n in range(30):
        couple(customer, f"C{n}", skipped=True, last_error="Same again")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = admin_client.get("/sync/coupled-errors/")
    assert len(response.context["couplings"]) == 33


def test_records_link_to_both_sides(admin_client, troubles):
    html = admin_client.get("/sync/coupled-errors/").content.decode()
    coupling = troubles["skipped"]
    assert f"etn=account&amp;id={coupling.sales_id}" in html
    assert f"%27SystemId%27%20IS%20%27{coupling.bc_id}%27" in html


@pytest.mark.parametrize("query", JUNK)
def test_junk_in_the_query_string_re_renders_with_a_message(admin_client, troubles, query):
    response = admin_client.get(f"/sync/coupled-errors/?{query}")
    assert response.status_code == 200
    assert list(response.context["messages"]), f"no message for {query}"


def test_retry_confirms_what_it_overwrites_then_clears_skipped_and_syncs_those_records(
        admin_client, troubles, no_enqueue):
    skipped = troubles["skipped"]
    confirm = admin_client.post("/sync/coupled-errors/action/",
                                {"action": "retry", "coupling": [skipped.pk]})
    html = confirm.content.decode()
    assert "fresh data read from the source" in html and "Adatum Corporation" in html
    assert not SyncJob.objects.filter(mode=SyncMode.SELECTED).exists()
    admin_client.post("/sync/coupled-errors/action/",
                      {"action": "retry", "coupling": [skipped.pk], "confirm": "on"})
    skipped.refresh_from_db()
    assert not skipped.skipped
    job = SyncJob.objects.filter(mode=SyncMode.SELECTED).order_by("pk").first()
    assert job.parameters["bc_ids"] == [str(skipped.bc_id)]


def test_retry_all_retries_every_listed_record_of_the_filter(admin_client, troubles,
                                                            no_enqueue):
    confirm = admin_client.post("/sync/coupled-errors/action/",
                                {"action": "retry_all", "mapping": "CUSTOMER"})
    assert "2 coupled records." in confirm.content.decode()
    response = admin_client.post("/sync/coupled-errors/action/", {
        "action": "retry_all", "mapping": "CUSTOMER", "confirm": "on"}, follow=True)
    assert any("2 record(s) will be synchronized again" in str(m)
               for m in response.context["messages"])
    started = SyncJob.objects.filter(mode=SyncMode.SELECTED)
    assert set(started.values_list("mapping_name", flat=True)) == {"CUSTOMER"}
    troubles["failed"].refresh_from_db()
    assert troubles["failed"].last_error  # the CONTACT record was not touched


def test_retry_of_a_mapping_that_is_running_changes_nothing(admin_client, troubles, customer,
                                                            no_enqueue):
    from synchronization.models import JobStatus

    make_job(customer, status=JobStatus.RUNNING)
    skipped = troubles["skipped"]
    response = admin_client.post("/sync/coupled-errors/action/", {
        "action": "retry", "coupling": [skipped.pk], "confirm": "on"}, follow=True)
    skipped.refresh_from_db()
    assert skipped.skipped
    assert any("Nothing was changed" in str(m) for m in response.context["messages"])


def test_remove_coupling_uncouples_the_selected_records(admin_client, troubles):
    failed = troubles["failed"]
    confirm = admin_client.post("/sync/coupled-errors/action/",
                                {"action": "remove", "coupling": [failed.pk]})
    assert "Nothing is changed in Business Central or in Sales" in confirm.content.decode()
    admin_client.post("/sync/coupled-errors/action/",
                      {"action": "remove", "coupling": [failed.pk], "confirm": "on"})
    assert not Coupling.objects.filter(pk=failed.pk).exists()
    assert Coupling.objects.count() == 3


def test_healthy_couplings_cannot_be_acted_on_from_this_page(admin_client, troubles):
    healthy = troubles["healthy"]
    response = admin_client.post("/sync/coupled-errors/action/", {
        "action": "remove", "coupling": [healthy.pk], "confirm": "on"}, follow=True)
    assert Coupling.objects.filter(pk=healthy.pk).exists()
    assert list(response.context["messages"])


@pytest.mark.parametrize("data", [{}, {"action": "explode"}, {"action": "retry"},
                                  {"action": "remove", "coupling": "abc"}])
def test_bad_action_requests_say_why(admin_client, troubles, data):
    response = admin_client.post("/sync/coupled-errors/action/", data, follow=True)
    assert response.status_code == 200
    assert list(response.context["messages"])
    assert Coupling.objects.count() == 4


def test_viewers_see_the_list_but_cannot_act(viewer_client, troubles):
    html = viewer_client.get("/sync/coupled-errors/").content.decode()
    assert 'name="coupling"' not in html and "Retry All" not in html
    response = viewer_client.post("/sync/coupled-errors/action/", {
        "action": "remove", "coupling": [troubles["skipped"].pk], "confirm": "on"})
    assert response.status_code == 403
    assert Coupling.objects.count() == 4


def test_get_from_sales_resolves_the_conflict_with_a_from_sales_sync(admin_client, troubles,
                                                                     no_enqueue):
    conflict = troubles["conflict"]
    confirm = admin_client.post("/sync/coupled-errors/action/",
                                {"action": "get", "coupling": [conflict.pk]})
    assert "changes made in Business Central" in confirm.content.decode()
    admin_client.post("/sync/coupled-errors/action/",
                      {"action": "get", "coupling": [conflict.pk], "confirm": "on"})
    job = SyncJob.objects.get(mode=SyncMode.SELECTED)
    assert job.direction == "FromIntegrationTable"
    assert job.parameters["sales_ids"] == [str(conflict.sales_id)]
    assert not conflict.sync_errors.filter(resolved=False).exists()


def test_restore_recreates_the_deleted_side_of_the_selected_records(admin_client, troubles,
                                                                    no_enqueue):
    skipped = troubles["skipped"]
    admin_client.post("/sync/coupled-errors/action/",
                      {"action": "restore", "coupling": [skipped.pk], "confirm": "on"})
    jobs = SyncJob.objects.filter(mode=SyncMode.SELECTED)
    assert jobs and all(j.parameters["deletion_policy"] == "restore" for j in jobs)


def test_delete_records_starts_a_job_for_the_selected_records(admin_client, troubles,
                                                              no_enqueue):
    skipped = troubles["skipped"]
    confirm = admin_client.post("/sync/coupled-errors/action/",
                                {"action": "delete", "coupling": [skipped.pk]})
    assert "This cannot be undone" in confirm.content.decode()
    admin_client.post("/sync/coupled-errors/action/",
                      {"action": "delete", "coupling": [skipped.pk], "confirm": "on"})
    job = SyncJob.objects.get(kind="delete_records")
    assert job.parameters["coupling_ids"] == [skipped.pk]
