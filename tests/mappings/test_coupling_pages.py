"""Couplings list, set up, delete, and match-based coupling (with in-memory clients)."""

import uuid

import pytest

from mappings import remote
from mappings.matching import MatchField, MatchOptions, run_match_based_coupling
from mappings.models import Coupling, SyncResult
from tests.mappings.fake_clients import FakeBusinessCentral, FakeDataverse

ADATUM, TREY, ALPINE, NOBODY = (str(uuid.uuid4()) for _ in range(4))
BC_CUSTOMERS = [
    {"id": ADATUM, "number": "10000", "displayName": "Adatum Corporation", "blocked": " "},
    {"id": TREY, "number": "20000", "displayName": "Trey Research", "blocked": " "},
    {"id": ALPINE, "number": "30000", "displayName": "Alpine Ski House", "blocked": " "},
    {"id": NOBODY, "number": "40000", "displayName": "School of Fine Art", "blocked": " "},
]
ACCOUNT_A, ACCOUNT_T, ACCOUNT_X1, ACCOUNT_X2 = (str(uuid.uuid4()) for _ in range(4))
ACCOUNTS = [
    {"accountid": ACCOUNT_A, "name": "ADATUM CORPORATION", "statecode": 0, "customertypecode": 3},
    {"accountid": ACCOUNT_T, "name": "Trey Research", "statecode": 0, "customertypecode": 3},
    {"accountid": ACCOUNT_X1, "name": "Alpine Ski House", "statecode": 0, "customertypecode": 3},
    {"accountid": ACCOUNT_X2, "name": "Alpine Ski House", "statecode": 0, "customertypecode": 3},
]


@pytest.fixture
def fake_clients(connection):
    remote.use_clients(connection, FakeBusinessCentral({"customers": BC_CUSTOMERS}),
                       FakeDataverse({"accounts": ACCOUNTS}))
    yield
    remote.forget_clients(connection)


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


def test_set_up_coupling_and_refuse_a_second_one(admin_client, defaults, fake_clients):
    customer = defaults["CUSTOMER"]
    page = admin_client.get(f"/mappings/{customer.pk}/couplings/new/?start=sales&search=Trey")
    # The in-memory client ignores the search, so the list is every account, unfiltered.
    assert [r.name for r in page.context["picker"].start.results][:1] == ["ADATUM CORPORATION"]
    data = {"bc_id": TREY, "bc_number": "20000", "display_name": "Trey Research",
            "sales_id": ACCOUNT_T}
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


def test_matching_couples_unique_matches_and_reports_the_rest(defaults, fake_clients):
    customer = defaults["CUSTOMER"]
    already = Coupling.objects.create(mapping=customer, bc_id=uuid.UUID(TREY),
                                      sales_id=uuid.UUID(ACCOUNT_T))
    log = run_match_based_coupling(customer, MatchOptions(
        (MatchField("displayName", "name", case_sensitive=False),)))
    outcomes = {line.number: line.outcome for line in log.lines}
    assert outcomes == {"10000": "Matched", "20000": "Already coupled",
                        "30000": "Several matches", "40000": "No match"}
    assert log.counts["Matched"] == 1
    assert customer.couplings.get(bc_id=uuid.UUID(ADATUM)).sales_id == uuid.UUID(ACCOUNT_A)
    assert customer.couplings.count() == 2
    assert already.pk


def test_case_sensitive_matching_does_not_match_other_case(defaults, fake_clients):
    log = run_match_based_coupling(defaults["CUSTOMER"], MatchOptions(
        (MatchField("displayName", "name", case_sensitive=True),), create_new=True))
    outcomes = {line.number: line.outcome for line in log.lines}
    assert outcomes["10000"] == "No match, will be created"
    assert outcomes["20000"] == "Matched"


def test_the_match_page_runs_and_shows_the_log(admin_client, defaults, fake_clients):
    customer = defaults["CUSTOMER"]
    name_field = customer.field_mappings.get(sales_attribute="name")
    response = admin_client.post(f"/mappings/{customer.pk}/match/", {
        f"f{name_field.pk}_use": "on", f"f{name_field.pk}_priority": "1"})
    assert response.status_code == 200
    assert response.context["log"].counts["Matched"] == 2
    assert b"Several matches: 1" in response.content


def test_the_match_page_needs_a_field(admin_client, defaults, fake_clients):
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
