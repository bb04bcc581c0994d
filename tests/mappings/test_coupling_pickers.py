"""Set Up Coupling's record pickers on both sides, over real HTTPS to the sandbox."""

import uuid

import pytest

from mappings import remote
from mappings.models import Coupling
from tests.mappings.sandbox_clients import connect_to_sandbox


@pytest.fixture
def customer(defaults, connection, sandbox_clean):
    connect_to_sandbox(connection, sandbox_clean)
    return defaults["CUSTOMER"]


def page(client, customer, query=""):
    response = client.get(f"/mappings/{customer.pk}/couplings/new/{query}")
    assert response.status_code == 200
    return response


def names(results):
    return [row.name for row in results]


def test_business_central_customers_are_found_by_name_in_any_case(admin_client, customer):
    picker = page(admin_client, customer, "?start=bc&search=adatum").context["picker"]
    assert not picker.start.problem
    assert names(picker.start.results) == ["Adatum Corporation"]
    assert picker.start.results[0].number == "10000"


def test_business_central_customers_are_found_by_number(admin_client, customer):
    picker = page(admin_client, customer, "?start=bc&search=20000").context["picker"]
    assert names(picker.start.results) == ["Trey Research"]


def test_sales_accounts_are_found_by_name_and_a_quote_in_the_text_is_a_quote(admin_client,
                                                                             customer):
    picker = page(admin_client, customer, "?start=sales&search=margie's").context["picker"]
    assert not picker.start.problem
    assert names(picker.start.results) == ["Margie's Travel"]


def test_the_table_filter_of_the_mapping_limits_the_list(admin_client, customer):
    customer.table_filter = "No.: 10000|20000"
    customer.save()
    picker = page(admin_client, customer, "?start=bc").context["picker"]
    assert sorted(row.number for row in picker.start.results) == ["10000", "20000"]


def test_choosing_a_customer_lists_its_sales_matches_by_name(admin_client, customer):
    adatum = remote.search_bc(customer, "Adatum")[0]
    response = page(admin_client, customer, f"?start=bc&search=Adatum&record={adatum.id}")
    picker = response.context["picker"]
    assert picker.chosen == adatum
    assert picker.other.search == "Adatum Corporation"
    assert names(picker.other.results) == ["Adatum Corporation"]
    assert b'name="sales_id"' in response.content


def test_coupling_from_the_business_central_side_keeps_its_number_and_name(admin_client,
                                                                           customer):
    adatum = remote.search_bc(customer, "Adatum")[0]
    account = remote.search_sales(customer, "Adatum Corporation")[0]
    response = admin_client.post(
        f"/mappings/{customer.pk}/couplings/new/?start=bc&record={adatum.id}",
        {"bc_id": adatum.id, "sales_id": account.id})
    assert response.status_code == 302
    coupling = customer.couplings.get()
    assert (str(coupling.bc_id), str(coupling.sales_id)) == (adatum.id, account.id)
    assert (coupling.bc_number, coupling.display_name) == ("10000", "Adatum Corporation")


def test_coupling_from_the_sales_side_reads_the_customer_number(admin_client, customer):
    account = remote.search_sales(customer, "Trey")[0]
    picker = page(admin_client, customer,
                  f"?start=sales&search=Trey&record={account.id}").context["picker"]
    trey = next(row for row in picker.other.results if row.name == "Trey Research")
    admin_client.post(f"/mappings/{customer.pk}/couplings/new/",
                      {"bc_id": trey.id, "sales_id": account.id})
    coupling = customer.couplings.get()
    assert (coupling.bc_number, coupling.display_name) == ("20000", "Trey Research")


def test_records_coupled_already_are_marked_and_cannot_be_picked(admin_client, customer):
    adatum = remote.search_bc(customer, "Adatum")[0]
    Coupling.objects.create(mapping=customer, bc_id=adatum.id, sales_id=uuid.uuid4())
    response = page(admin_client, customer, "?start=bc&search=Adatum")
    assert response.context["picker"].start.coupled == {adatum.id}
    assert b"Coupled</span>" in response.content
    assert f"record={adatum.id}".encode() not in response.content


@pytest.mark.parametrize("text", [
    "') or contains(name,'", "x' or 1 eq 1 or name eq '", "$filter=name eq 'x'", "'", "''",
    "Ünïcødé ☃ 東京", "<script>alert(1)</script>", "a%27b", "*", "City Power & Light"])
def test_hostile_search_text_is_searched_for_literally(admin_client, customer, text):
    for start in ("bc", "sales"):
        response = admin_client.get(f"/mappings/{customer.pk}/couplings/new/",
                                    {"start": start, "search": text})
        assert response.status_code == 200
        picker = response.context["picker"]
        assert not picker.start.problem, picker.start.problem
        assert all(text.casefold() in f"{r.number} {r.name}".casefold()
                   for r in picker.start.results)


def test_a_long_search_or_control_characters_get_a_message(admin_client, customer):
    long = admin_client.get(f"/mappings/{customer.pk}/couplings/new/",
                            {"search": "x" * 101})
    assert b"at most 100 characters" in long.content
    control = admin_client.get(f"/mappings/{customer.pk}/couplings/new/",
                               {"search": "a\x07b"})
    assert b"control characters" in control.content
    assert not control.context["picker"].start.searched


def test_a_record_id_that_is_not_a_guid_or_does_not_exist_gets_a_message(admin_client,
                                                                         customer):
    bad = page(admin_client, customer, "?start=bc&record=10000")
    assert b"not a GUID" in bad.content
    gone = page(admin_client, customer, f"?start=sales&record={uuid.uuid4()}")
    assert b"no longer exists" in gone.content
    assert gone.context["picker"].chosen is None
