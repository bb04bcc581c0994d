"""Integration Synchronization Errors: filters, links to both records, deleting entries."""
# The fixtures are imported from pages_support, and pytest passes them in by name.
# ruff: noqa: F401, F811

from datetime import timedelta

import pytest
from django.utils import timezone

from connection.models import ConnectionSetup
from mappings.models import Coupling
from synchronization.models import SyncDirection, SyncError
from tests.synchronization.pages_support import (
    connection,
    contact,
    couple,
    customer,
    make_error,
    make_job,
    make_mapping,
)

JUNK = ["job=abc", "job=-1", "mapping=NOPE", "direction=up", "date_after=yesterday",
        "page=0", "page=%FF", "q=" + "x" * 500, "code=" + "y" * 300, "job=99999999999999999999"]


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_list_filters_by_mapping_job_direction_code_date_and_text(admin_client, customer,
                                                                      contact):
    first, second = make_job(customer), make_job(contact, direction=SyncDirection.FROM_SALES)
    make_error(first, "Account name is required.", error_code="0x80040203")
    make_error(first, "Currency EURO is not an ISO code.", error_code="CurrencyCode",
               source_label="30000 Alpine Ski House")
    old = make_error(second, "The contact has no parent account.", error_code="NoParent")
    SyncError.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=9))

    def found(query: str) -> list[str]:
        response = admin_client.get(f"/sync/errors/?{query}")
        assert response.status_code == 200
        return sorted(e.message for e in response.context["errors"])

    assert len(found("")) == 3
    assert found("mapping=CONTACT") == ["The contact has no parent account."]
    assert len(found(f"job={first.pk}")) == 2
    assert found("direction=FromIntegrationTable") == ["The contact has no parent account."]
    assert found("code=currency") == ["Currency EURO is not an ISO code."]
    assert found("q=alpine") == ["Currency EURO is not an ISO code."]
    assert found("q=ISO code") == ["Currency EURO is not an ISO code."]
    since = (timezone.now() - timedelta(days=2)).date()
    assert len(found(f"date_after={since}")) == 2


def test_an_error_links_to_both_records(admin_client, customer):
    to_sales = make_error(make_job(customer))
    from_sales = make_error(make_job(customer, direction=SyncDirection.FROM_SALES))
    html = admin_client.get("/sync/errors/").content.decode()
    sales_url = ("https://cronus.crm4.dynamics.com/main.aspx?pagetype=entityrecord&amp;"
                 "etn=account&amp;id=")
    assert sales_url + to_sales.destination_id in html
    assert sales_url + from_sales.source_id in html
    bc_url = "https://businesscentral.dynamics.com/tenant/Production?company=CRONUS%20USA%2C"
    assert bc_url in html
    assert f"filter=%27SystemId%27%20IS%20%27{to_sales.source_id}%27" in html
    assert f"filter=%27SystemId%27%20IS%20%27{from_sales.destination_id}%27" in html


def test_without_urls_on_the_connection_the_ids_are_shown(admin_client, customer, connection):
    ConnectionSetup.objects.filter(pk=connection.pk).update(server_address="",
                                                            web_client_url="")
    error = make_error(make_job(customer))
    html = admin_client.get("/sync/errors/").content.decode()
    assert f"<code>{error.source_id}</code>" in html
    assert f"<code>{error.destination_id}</code>" in html
    assert "main.aspx" not in html


def test_the_list_keeps_a_constant_number_of_queries(admin_client, customer,
                                                     django_assert_max_num_queries):
    job = make_job(customer)
    make_error(job)
    with django_assert_max_num_queries(12) as few:
        admin_client.get("/sync/errors/")
    for n in range(40):
        make_error(job, f"Error {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = admin_client.get("/sync/errors/")
    assert len(response.context["errors"]) == 41


def test_the_list_shows_only_the_current_connections_errors(admin_client, customer):
    other = make_mapping(ConnectionSetup.objects.create(name="OTHER"), "CUSTOMER", "Customer",
                         18, "account")
    make_error(make_job(other), "Not mine")
    make_error(make_job(customer), "Mine")
    assert [e.message for e in admin_client.get("/sync/errors/").context["errors"]] == ["Mine"]


@pytest.mark.parametrize("query", JUNK)
def test_junk_in_the_query_string_re_renders_with_a_message(admin_client, customer, query):
    make_error(make_job(customer))
    response = admin_client.get(f"/sync/errors/?{query}")
    assert response.status_code == 200
    assert messages_of(response), f"no message for {query}"


def old_and_new_errors(customer) -> tuple[SyncError, SyncError]:
    job = make_job(customer)
    old, new = make_error(job, "Old"), make_error(job, "New")
    SyncError.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    return old, new


def test_deleting_entries_older_than_7_days_confirms_with_the_count_first(admin_client,
                                                                          customer):
    old_and_new_errors(customer)
    confirm = admin_client.post("/sync/errors/delete/", {"scope": "older"})
    assert confirm.status_code == 200
    assert "This deletes <strong>1</strong> error entry" in confirm.content.decode()
    assert SyncError.objects.count() == 2
    done = admin_client.post("/sync/errors/delete/", {"scope": "older", "confirm": "on"},
                             follow=True)
    assert [e.message for e in SyncError.objects.all()] == ["New"]
    assert "1 error entry was deleted" in done.content.decode()


def test_deleting_all_entries_leaves_other_connections_alone(admin_client, customer):
    old_and_new_errors(customer)
    other = make_mapping(ConnectionSetup.objects.create(name="OTHER"), "CUSTOMER", "Customer",
                         18, "account")
    make_error(make_job(other), "Not mine")
    confirm = admin_client.post("/sync/errors/delete/", {"scope": "all"})
    assert "This deletes <strong>2</strong> error entries" in confirm.content.decode()
    admin_client.post("/sync/errors/delete/", {"scope": "all", "confirm": "on"})
    assert [e.message for e in SyncError.objects.all()] == ["Not mine"]


def test_a_bad_delete_request_says_so(admin_client, customer):
    response = admin_client.post("/sync/errors/delete/", {"scope": "everything"}, follow=True)
    assert response.status_code == 200
    assert "Choose which errors to delete." in messages_of(response)


def test_viewers_see_errors_but_cannot_delete_them(viewer_client, customer):
    make_error(make_job(customer))
    html = viewer_client.get("/sync/errors/").content.decode()
    assert "Delete All Entries" not in html and 'name="error"' not in html
    response = viewer_client.post("/sync/errors/delete/", {"scope": "all", "confirm": "on"})
    assert response.status_code == 403
    assert SyncError.objects.count() == 1


def test_remove_coupling_uncouples_the_records_the_selected_errors_are_about(admin_client,
                                                                            customer):
    linked, by_ids, other = couple(customer, "10000"), couple(customer, "20000"), couple(
        customer, "30000")
    job = make_job(customer)
    first = make_error(job, coupling=linked)
    second = make_error(job, source_id=str(by_ids.bc_id), destination_id=str(by_ids.sales_id))
    confirm = admin_client.post("/sync/errors/remove-coupling/",
                                {"error": [first.pk, second.pk]})
    assert "2 couplings" in confirm.content.decode()
    assert "Removing a coupling changes nothing in Business Central or Sales" in \
        confirm.content.decode()
    response = admin_client.post("/sync/errors/remove-coupling/",
                                 {"error": [first.pk, second.pk], "confirm": "on"}, follow=True)
    assert "2 couplings removed" in " ".join(messages_of(response))
    assert [c.pk for c in Coupling.objects.all()] == [other.pk]


def test_remove_coupling_needs_a_selection(admin_client, customer):
    response = admin_client.post("/sync/errors/remove-coupling/", {}, follow=True)
    assert "Select errors first." in messages_of(response)


def test_viewers_cannot_remove_couplings(viewer_client, customer):
    error = make_error(make_job(customer), coupling=couple(customer, "10000"))
    response = viewer_client.post("/sync/errors/remove-coupling/",
                                  {"error": [error.pk], "confirm": "on"})
    assert response.status_code == 403
    assert Coupling.objects.count() == 1
