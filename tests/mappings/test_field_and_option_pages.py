"""Field mappings table, adding a field mapping, and option mappings."""

import pytest

from mappings.models import FieldStatus, OptionMapping
from tests.mappings.sandbox_clients import connect_to_sandbox


@pytest.fixture
def live(connection, sandbox_clean):
    """The Sales metadata the page offers comes from the sandbox, over HTTPS."""
    connect_to_sandbox(connection, sandbox_clean)


def formset_data(mapping, row_changes=None):
    rows = list(mapping.field_mappings.all())
    data = {"fields-TOTAL_FORMS": str(len(rows)), "fields-INITIAL_FORMS": str(len(rows)),
            "fields-MIN_NUM_FORMS": "0", "fields-MAX_NUM_FORMS": "1000"}
    for i, row in enumerate(rows):
        values = {"id": row.pk, "direction": row.direction, "constant_value": row.constant_value,
                  "status": row.status, "transformation": row.transformation,
                  "match_priority": row.match_priority}
        for flag in ("validate_field", "clear_value_on_failed_sync", "not_null"):
            if getattr(row, flag):
                values[flag] = "on"
        values.update((row_changes or {}).get(i, {}))
        data.update({f"fields-{i}-{k}": v for k, v in values.items() if v is not None})
    return data


def test_the_field_mappings_table_edits_direction_and_status(admin_client, defaults):
    currency = defaults["CURRENCY"]
    response = admin_client.post(f"/mappings/{currency.pk}/fields/", formset_data(
        currency, {1: {"status": "Disabled", "direction": "Bidirectional"}}))
    assert response.status_code == 302
    second = currency.field_mappings.order_by("position")[1]
    assert (second.status, second.direction) == ("Disabled", "Bidirectional")


def test_clear_on_failed_sync_and_not_null_together_are_refused(admin_client, defaults):
    customer = defaults["CUSTOMER"]
    before = customer.field_mappings.filter(not_null=True).count()
    response = admin_client.post(f"/mappings/{customer.pk}/fields/", formset_data(
        customer, {1: {"clear_value_on_failed_sync": "on"}}))
    assert response.status_code == 200
    assert b"cannot both be set" in response.content
    assert customer.field_mappings.filter(not_null=True).count() == before
    assert not customer.field_mappings.filter(not_null=True,
                                              clear_value_on_failed_sync=True).exists()


def test_a_tampered_formset_is_not_a_500(admin_client, defaults):
    customer = defaults["CUSTOMER"]
    response = admin_client.post(f"/mappings/{customer.pk}/fields/", {"fields-TOTAL_FORMS": "x"})
    assert response.status_code == 200


def test_viewers_cannot_edit_field_mappings(viewer_client, defaults):
    customer = defaults["CUSTOMER"]
    assert viewer_client.get(f"/mappings/{customer.pk}/fields/").status_code == 200
    assert viewer_client.post(f"/mappings/{customer.pk}/fields/", {}).status_code == 403


def test_a_new_field_mapping_starts_disabled(admin_client, defaults, live):
    customer = defaults["CUSTOMER"]
    response = admin_client.post(f"/mappings/{customer.pk}/fields/add/", {
        "bc_field": "Credit Limit (LCY)", "sales_attribute": "creditlimit",
        "direction": "ToIntegrationTable"})
    assert response.status_code == 302
    added = customer.field_mappings.order_by("-position").first()
    assert (added.bc_property, added.sales_attribute, added.status) == (
        "creditLimit", "creditlimit", FieldStatus.DISABLED)
    assert added.user_defined


def test_an_incompatible_type_is_not_offered(admin_client, defaults, live):
    customer = defaults["CUSTOMER"]
    count = customer.field_mappings.count()
    response = admin_client.post(f"/mappings/{customer.pk}/fields/add/", {
        "bc_field": "Credit Limit (LCY)", "sales_attribute": "name", "direction": "Bidirectional"})
    assert response.status_code == 200
    assert b"cannot be mapped to a string attribute" in response.content
    assert customer.field_mappings.count() == count


def test_adding_without_metadata_explains_and_adds_nothing(admin_client, defaults):
    customer = defaults["CUSTOMER"]
    response = admin_client.post(f"/mappings/{customer.pk}/fields/add/", {
        "bc_field": "Name", "sales_attribute": "name", "direction": "Bidirectional"})
    assert response.status_code == 200
    assert b"cannot be read right now" in response.content


def test_option_mappings_couple_codes_to_options(admin_client, defaults):
    terms = defaults["PAYMENT TERMS"]
    response = admin_client.post(f"/mappings/{terms.pk}/options/", {
        "bc_code": "30 days", "option_value": "1", "option_label": "Net 30"})
    assert response.status_code == 302
    assert OptionMapping.objects.get(mapping=terms).bc_code == "30 DAYS"
    again = admin_client.post(f"/mappings/{terms.pk}/options/", {
        "bc_code": "30 DAYS", "option_value": "1", "option_label": "Net 30"})
    assert again.status_code == 200
    assert set(again.context["form"].errors) == {"bc_code", "option_value"}


def test_uncoupling_an_option(admin_client, defaults):
    terms = defaults["PAYMENT TERMS"]
    option = OptionMapping.objects.create(mapping=terms, bc_code="COD", option_value=2)
    response = admin_client.post(f"/mappings/{terms.pk}/options/{option.pk}/delete/")
    assert response.status_code == 302
    assert not OptionMapping.objects.filter(pk=option.pk).exists()


def test_an_entity_mapping_has_no_option_page(admin_client, defaults):
    response = admin_client.get(f"/mappings/{defaults['CUSTOMER'].pk}/options/")
    assert response.status_code == 302


def test_bad_option_values_are_reported(admin_client, defaults):
    terms = defaults["SHIPPING AGENT"]
    response = admin_client.post(f"/mappings/{terms.pk}/options/", {"bc_code": "",
                                                                     "option_value": "x"})
    assert response.status_code == 200
    assert response.context["form"].errors
