"""Couplings list, set up, delete, and match-based coupling (against the sandbox, over HTTPS)."""

import uuid

import pytest

from connection import services
from mappings.matching import MatchField, MatchOptions, run_match_based_coupling
from mappings.models import Coupling, SyncResult
from tests.mappings.sandbox_clients import connect_to_sandbox


@pytest.fixture
def live(connection, sandbox_clean):
    """The connection reads the sandbox's demo customers and accounts, over HTTPS."""
    connect_to_sandbox(connection, sandbox_clean)
    return sandbox_clean


def bc_customer(connection, name: str) -> dict:
    customers = services.business_central_client(connection).query("customers")
    return next(c for c in customers if c["displayName"] == name)


def account_id(connection, name: str) -> str:
    accounts = services.dataverse_client(connection).query("accounts", select=["name"])
    return next(a["accountid"] for a in accounts if a["name"] == name)


def add_account(connection, name: str) -> str:
    return services.dataverse_client(connection).create(
        "accounts", {"name": name, "customertypecode": 3})


def couple(mapping, number="", name="", **fields):
    return Coupling.objects.create(mapping=mapping, bc_id=uuid.uuid4(), sales_id=uuid.uuid4(),
                                   bc_number=number, display_name=name, **fields)


def test_the_list_filters_by_mapping_state_and_search(admin_client, defaults,
                                                      django_assert_max_num_queries):
    customer, contact = defaults["CUSTOMER"], defaults["CONTACT"]
    for n in range(30):
        couple(customer, f"C{n:05}", f"Customer {n}")
    couple(customer, "10000", "Adatum Corporation", skipped=True)
    failed = couple(contact, "CT1", "Robin", last_sales_result=SyncResult.FAILURE)
    with django_assert_max_num_queries(12):
        response = admin_client.get(f"/mappings/couplings/?mapping={customer.pk}")
    assert response.context["total"] == 31

    def found(query):
        return [c.bc_number for c in admin_client.get(
            f"/mappings/couplings/?{query}").context["couplings"]]

    assert found("state=skipped") == ["10000"]
    assert found("state=failed") == ["CT1"]
    assert found("q=adatum") == ["10000"]
    assert found(f"q={failed.sales_id}") == ["CT1"]
    assert len(found("state=never")) == 31


def test_bad_coupling_filters_are_not_a_500(admin_client, defaults):
    response = admin_client.get("/mappings/couplings/?mapping=abc&state=x&synced_before=never")
    assert response.status_code == 200
    assert response.context["filterset"].errors


def test_set_up_coupling_and_refuse_a_second_one(admin_client, defaults, connection, live):
    customer = defaults["CUSTOMER"]
    page = admin_client.get(f"/mappings/{customer.pk}/couplings/new/?start=sales&search=Trey")
    assert [r.name for r in page.context["picker"].start.results] == ["Trey Research"]
    trey = bc_customer(connection, "Trey Research")
    data = {"bc_id": trey["id"], "bc_number": trey["number"], "display_name": "Trey Research",
            "sales_id": account_id(connection, "Trey Research")}
    assert admin_client.post(f"/mappings/{customer.pk}/couplings/new/", data).status_code == 302
    again = admin_client.post(f"/mappings/{customer.pk}/couplings/new/", data)
    assert again.status_code == 200
    assert set(again.context["form"].errors) == {"bc_id", "sales_id"}
    assert customer.couplings.count() == 1


def test_set_up_coupling_rejects_bad_ids(admin_client, defaults):
    customer = defaults["CUSTOMER"]
    response = admin_client.post(f"/mappings/{customer.pk}/couplings/new/",
                                 {"bc_id": "nope", "sales_id": ""})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_searching_without_clients_explains(admin_client, defaults):
    response = admin_client.get(f"/mappings/{defaults['CUSTOMER'].pk}/couplings/new/?search=x")
    assert b"Searching Business Central failed" in response.content


def test_delete_coupling_confirms_first(admin_client, defaults):
    coupling = couple(defaults["CUSTOMER"], "10000", "Adatum")
    response = admin_client.post("/mappings/couplings/delete/", {"coupling": [coupling.pk]})
    assert response.status_code == 200
    assert b"Delete 1 coupling?" in response.content
    assert Coupling.objects.filter(pk=coupling.pk).exists()
    admin_client.post("/mappings/couplings/delete/", {"coupling": [coupling.pk],
                                                      "confirm": "on"})
    assert not Coupling.objects.filter(pk=coupling.pk).exists()


def test_delete_with_nothing_selected_or_a_bad_id(admin_client, defaults):
    assert admin_client.post("/mappings/couplings/delete/", {}).status_code == 302
    assert admin_client.post("/mappings/couplings/delete/",
                             {"coupling": ["x"]}).status_code == 302


def test_viewers_cannot_change_couplings(viewer_client, defaults):
    customer = defaults["CUSTOMER"]
    assert viewer_client.get("/mappings/couplings/").status_code == 200
    assert viewer_client.post("/mappings/couplings/delete/", {}).status_code == 403
    assert viewer_client.get(f"/mappings/{customer.pk}/couplings/new/").status_code == 403
    assert viewer_client.get(f"/mappings/{customer.pk}/match/").status_code == 403


def test_matching_couples_unique_matches_and_reports_the_rest(defaults, connection, live):
    customer = defaults["CUSTOMER"]
    trey = bc_customer(connection, "Trey Research")
    Coupling.objects.create(mapping=customer, bc_id=uuid.UUID(trey["id"]),
                            sales_id=uuid.UUID(account_id(connection, "Trey Research")))
    add_account(connection, "Alpine Ski House")  # now two accounts have that name
    log = run_match_based_coupling(customer, MatchOptions(
        (MatchField("displayName", "name", case_sensitive=False),)))
    outcomes = {line.name: line.outcome for line in log.lines}
    assert {name: outcomes[name] for name in ("Adatum Corporation", "Trey Research",
                                               "Alpine Ski House", "School of Fine Art")} == {
        "Adatum Corporation": "Matched", "Trey Research": "Already coupled",
        "Alpine Ski House": "Several matches", "School of Fine Art": "No match"}
    adatum = bc_customer(connection, "Adatum Corporation")
    assert customer.couplings.get(bc_id=uuid.UUID(adatum["id"])).sales_id == uuid.UUID(
        account_id(connection, "Adatum Corporation"))
    assert customer.couplings.count() == log.counts["Matched"] + 1


def test_case_sensitive_matching_does_not_match_other_case(defaults, connection, live):
    services.dataverse_client(connection).update(
        "accounts", account_id(connection, "Adatum Corporation"), {"name": "ADATUM CORPORATION"})
    log = run_match_based_coupling(defaults["CUSTOMER"], MatchOptions(
        (MatchField("displayName", "name", case_sensitive=True),), create_new=True))
    outcomes = {line.name: line.outcome for line in log.lines}
    assert outcomes["Adatum Corporation"] == "No match, will be created"
    assert outcomes["Trey Research"] == "Matched"


def test_the_match_page_runs_and_shows_the_log(admin_client, defaults, connection, live):
    customer = defaults["CUSTOMER"]
    add_account(connection, "Alpine Ski House")
    name_field = customer.field_mappings.get(sales_attribute="name")
    response = admin_client.post(f"/mappings/{customer.pk}/match/", {
        f"f{name_field.pk}_use": "on", f"f{name_field.pk}_priority": "1"})
    assert response.status_code == 200
    matched = response.context["log"].counts["Matched"]
    assert matched >= 2 and customer.couplings.count() == matched
    assert b"Several matches: 1" in response.content


def test_the_match_page_needs_a_field(admin_client, defaults, live):
    customer = defaults["CUSTOMER"]
    response = admin_client.post(f"/mappings/{customer.pk}/match/", {})
    assert b"Choose at least one field" in response.content
    assert customer.couplings.count() == 0


def test_the_match_page_without_clients_couples_nothing(admin_client, defaults):
    customer = defaults["CUSTOMER"]
    field = customer.field_mappings.get(sales_attribute="name")
    response = admin_client.post(f"/mappings/{customer.pk}/match/", {
        f"f{field.pk}_use": "on", f"f{field.pk}_priority": "0"})
    assert b"nothing was coupled" in response.content
