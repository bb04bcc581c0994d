"""The mapping card's filters edited as rows, kept as the text the mappings store."""

import pytest

from tests.mappings.sandbox_clients import connect_to_sandbox
from tests.mappings.test_mapping_card_page import card_data


def rows_data(prefix, rows, initial=0):
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "20"}
    for index, (field, expression) in enumerate(rows):
        data[f"{prefix}-{index}-field"] = field
        data[f"{prefix}-{index}-expression"] = expression
    return data


def post_rows(client, mapping, bc_rows, **changes):
    data = card_data(mapping, table_filter_shown=mapping.table_filter, **changes)
    data.update(rows_data("bcrow", bc_rows, initial=1))
    return client.post(f"/mappings/{mapping.pk}/", data)


def test_the_stored_filter_is_shown_as_rows_with_the_fields_of_the_table(admin_client,
                                                                          defaults):
    response = admin_client.get(f"/mappings/{defaults['CUSTOMER'].pk}/")
    formset = response.context["bc_rows"].formset
    assert formset.initial == [{"field": "Blocked", "expression": "' '"}]
    choices = [value for value, _ in formset.forms[0].fields["field"].choices]
    assert {"No.", "Name", "Balance (LCY)", "Blocked"} <= set(choices)


def test_balance_lcy_above_zero_as_a_row_is_stored_as_filter_text(admin_client, defaults):
    customer = defaults["CUSTOMER"]
    response = post_rows(admin_client, customer, [("Blocked", "' '"), ("Balance (LCY)", ">0")])
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.table_filter == "Blocked: ' '\nBalance (LCY): >0"
    assert customer.bc_translation().filter_text == "blocked eq ' ' and balanceDue gt 0"


def test_saving_other_settings_keeps_the_filter_text_as_written(admin_client, defaults):
    customer = defaults["CUSTOMER"]
    customer.table_filter = "Blocked = ' ' (not blocked)"
    customer.save()
    post_rows(admin_client, customer, [("Blocked", "' '"), ("", "")],
              direction="ToIntegrationTable")
    customer.refresh_from_db()
    assert customer.direction == "ToIntegrationTable"
    assert customer.table_filter == "Blocked = ' ' (not blocked)"


def test_an_edited_text_wins_over_the_rows(admin_client, defaults):
    customer = defaults["CUSTOMER"]
    post_rows(admin_client, customer, [("Name", "x")], table_filter="No.: 10000")
    customer.refresh_from_db()
    assert customer.table_filter == "No.: 10000"


@pytest.mark.parametrize(("rows", "message"), [
    ([("", ">0")], "Choose the field"),
    ([("Balance (LCY)", "")], "Write a filter"),
    ([("Name", "'Smith")], "never closed"),
    ([("Name", "a"), ("Name", "b")], "Name is in two rows"),
    ([("Nmae", "a")], "Select a valid choice"),
    ([("Balance (LCY)", "abc")], "is not a number"),
    ([("Name", "x" * 251)], "at most 250 characters"),
])
def test_a_bad_row_gets_a_message_and_saves_nothing(admin_client, defaults, rows, message):
    customer = defaults["CUSTOMER"]
    stored = customer.table_filter
    response = post_rows(admin_client, customer, rows)
    assert response.status_code == 200
    assert message in response.content.decode()
    customer.refresh_from_db()
    assert customer.table_filter == stored


def test_a_filter_in_the_stored_view_form_is_edited_as_text_only(admin_client, defaults):
    customer = defaults["CUSTOMER"]
    customer.table_filter = "VERSION(1) SORTING(Field1) WHERE(Field1=1(10000..20000))"
    customer.save()
    rows = admin_client.get(f"/mappings/{customer.pk}/").context["bc_rows"]
    assert rows.formset is None and "stored view form" in rows.reason


def test_the_preview_fragment_lists_row_problems(admin_client, defaults):
    customer = defaults["CUSTOMER"]
    data = card_data(customer, table_filter_shown=customer.table_filter)
    data.update(rows_data("bcrow", [("", ">0")], initial=1))
    response = admin_client.post(f"/mappings/{customer.pk}/preview/", data,
                                 HTTP_HX_REQUEST="true")
    assert b"Row 1: Choose the field" in response.content


@pytest.fixture
def live_customer(defaults, connection, sandbox_clean):
    connect_to_sandbox(connection, sandbox_clean)
    return defaults["CUSTOMER"]


def test_the_sales_filter_rows_offer_the_columns_of_the_entity(admin_client, live_customer):
    rows = admin_client.get(f"/mappings/{live_customer.pk}/").context["sales_rows"]
    assert rows.formset is not None, rows.reason
    assert rows.formset.initial == [{"field": "statecode", "expression": "Active"},
                                    {"field": "customertypecode", "expression": "Customer"}]
    choices = dict(rows.formset.forms[0].fields["field"].choices)
    assert "name" in choices and "parentaccountid" in choices


def test_a_sales_row_is_validated_against_the_metadata_and_saved(admin_client, live_customer):
    customer = live_customer
    data = card_data(customer, table_filter_shown=customer.table_filter,
                     integration_table_filter_shown=customer.integration_table_filter)
    data.update(rows_data("salesrow", [("statecode", "Active"), ("name", "@*ski*")], initial=2))
    response = admin_client.post(f"/mappings/{customer.pk}/", data)
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.integration_table_filter == "statecode: Active\nname: @*ski*"
    data.update(rows_data("salesrow", [("statecode", "Sometimes")], initial=2))
    response = admin_client.post(f"/mappings/{customer.pk}/", data)
    assert "is not an option of statecode" in response.content.decode()


def test_viewers_see_the_rows_but_cannot_change_them(viewer_client, defaults):
    rows = viewer_client.get(f"/mappings/{defaults['CUSTOMER'].pk}/").context["bc_rows"]
    assert all(field.disabled for form in rows.formset.forms for field in form.fields.values())


def test_the_syntax_choice_names_both_notations(admin_client, defaults):
    response = admin_client.get(f"/mappings/{defaults['CUSTOMER'].pk}/")
    assert b"Field: filter or Field = filter" in response.content
