"""The mapping card: edit, validate filters, preview without saving, reset, delete."""

import pytest

from mappings.models import IntegrationTableMapping


def card_data(mapping, **changes):
    data = {
        "direction": mapping.direction, "table_filter": mapping.table_filter,
        "integration_table_filter": mapping.integration_table_filter,
        "integration_table_filter_syntax": mapping.integration_table_filter_syntax,
        "synch_only_coupled_records": "on", "dependency_filter": mapping.dependency_filter,
        "table_config_template_code": "", "int_tbl_config_template_code": "",
        "update_conflict_resolution": "none", "deletion_conflict_resolution": "none",
        "job-enabled": "on", "job-no_of_minutes_between_runs": "30",
        "job-inactivity_timeout_period": "720",
    }
    data.update(changes)
    return data


def test_the_card_shows_every_setting(admin_client, defaults):
    response = admin_client.get(f"/mappings/{defaults['CUSTOMER'].pk}/")
    assert response.status_code == 200
    for text in (b"Table Filter", b"Integration Table Filter", b"Dependency Filter",
                 b"Update-Conflict Resolution", b"Inactivity Timeout Period", b"accounts"):
        assert text in response.content


def test_an_administrator_saves_filters_and_schedule(admin_client, defaults):
    customer = defaults["CUSTOMER"]
    response = admin_client.post(f"/mappings/{customer.pk}/", card_data(
        customer, table_filter="No.: 10000..20000|3*\nName: @*ski*",
        **{"job-no_of_minutes_between_runs": "15"}))
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.table_filter == "No.: 10000..20000|3*\nName: @*ski*"
    assert customer.job_queue_entry.no_of_minutes_between_runs == 15


@pytest.mark.parametrize("bad", ["Nmae: Adatum", "Credit Limit (LCY): abc", "No.: 20000..10000",
                                 "Blocked: Sometimes"])
def test_a_bad_table_filter_points_at_the_problem_and_saves_nothing(admin_client, defaults, bad):
    customer = defaults["CUSTOMER"]
    response = admin_client.post(f"/mappings/{customer.pk}/", card_data(customer,
                                                                         table_filter=bad))
    assert response.status_code == 200
    assert "table_filter" in response.context["form"].errors
    assert b'class="pointer"' in response.content
    customer.refresh_from_db()
    assert customer.table_filter == "Blocked = ' '"


def test_a_bad_odata_sales_filter_saves_nothing(admin_client, defaults):
    customer = defaults["CUSTOMER"]
    response = admin_client.post(f"/mappings/{customer.pk}/", card_data(
        customer, integration_table_filter="statecode eq and (",
        integration_table_filter_syntax="odata"))
    assert response.status_code == 200
    assert "integration_table_filter" in response.context["form"].errors
    customer.refresh_from_db()
    assert customer.integration_table_filter_syntax == "bc"


def test_an_unknown_dependency_is_refused(admin_client, defaults):
    contact = defaults["CONTACT"]
    response = admin_client.post(f"/mappings/{contact.pk}/", card_data(
        contact, dependency_filter="CUSTOMER|NOPE"))
    assert "dependency_filter" in response.context["form"].errors


def test_a_schedule_of_zero_minutes_is_refused(admin_client, defaults):
    contact = defaults["CONTACT"]
    response = admin_client.post(f"/mappings/{contact.pk}/", card_data(
        contact, **{"job-no_of_minutes_between_runs": "0"}))
    assert response.status_code == 200
    assert response.context["job_form"].errors


def test_preview_without_clients_says_why_and_saves_nothing(admin_client, defaults):
    customer = defaults["CUSTOMER"]
    response = admin_client.post(f"/mappings/{customer.pk}/preview/", card_data(
        customer, table_filter="No.: 1*"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b"Could not read" in response.content
    customer.refresh_from_db()
    assert customer.table_filter == "Blocked = ' '"


def test_preview_of_a_bad_filter_shows_the_error_in_the_full_page(admin_client, defaults):
    customer = defaults["CUSTOMER"]
    response = admin_client.post(f"/mappings/{customer.pk}/preview/",
                                 card_data(customer, table_filter="Nmae: x"))
    assert response.status_code == 200
    assert b"unknown field" in response.content


def test_viewers_cannot_save(viewer_client, defaults):
    customer = defaults["CUSTOMER"]
    assert viewer_client.get(f"/mappings/{customer.pk}/").status_code == 200
    response = viewer_client.post(f"/mappings/{customer.pk}/", card_data(customer))
    assert response.status_code == 403


def test_an_unknown_mapping_is_404(admin_client, defaults):
    assert admin_client.get("/mappings/999999/").status_code == 404


def test_reset_needs_confirmation_then_restores_defaults(admin_client, defaults, connection):
    defaults["CUSTOMER"].delete()
    response = admin_client.post("/mappings/defaults/", {"ownership_model": "person"})
    assert response.status_code == 200
    assert not connection.table_mappings.filter(name="CUSTOMER").exists()
    response = admin_client.post("/mappings/defaults/", {"ownership_model": "person",
                                                         "confirm": "on"})
    assert response.status_code == 302
    assert connection.table_mappings.filter(name="CUSTOMER").exists()
    assert not connection.table_mappings.filter(name="SALESORDER-ORDER").exists()


def test_reset_refuses_an_unknown_ownership_model(admin_client, defaults):
    response = admin_client.post("/mappings/defaults/", {"ownership_model": "x",
                                                         "confirm": "on"})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_viewers_cannot_reset(viewer_client, defaults):
    assert viewer_client.get("/mappings/defaults/").status_code == 403


def test_deleting_a_mapping_needs_its_name(admin_client, defaults):
    opportunity = defaults["OPPORTUNITY"]
    admin_client.post(f"/mappings/{opportunity.pk}/delete/", {"confirm": "nope"})
    assert IntegrationTableMapping.objects.filter(pk=opportunity.pk).exists()
    admin_client.post(f"/mappings/{opportunity.pk}/delete/", {"confirm": "OPPORTUNITY"})
    assert not IntegrationTableMapping.objects.filter(pk=opportunity.pk).exists()
