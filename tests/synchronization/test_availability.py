"""Item availability: the portal's OData service Sales calls (basic authentication with the
connection's OData Web Service Username and Accesskey) and the availability page."""

import base64

import pytest
from django.urls import reverse

from tests.synchronization.engine_support import bc, full, mapping

pytestmark = pytest.mark.django_db(transaction=True)
KEY = "b4Xy3E+availability/key="


@pytest.fixture
def connection(synced_connection):
    synced_connection.item_availability_enabled = True
    synced_connection.odata_username = "ODATA-USER"
    synced_connection.odata_access_key = KEY
    synced_connection.save()
    return synced_connection


def url(connection, **query) -> str:
    path = reverse("synchronization:odata_item_availability",
                   kwargs={"pk": connection.pk, "company": connection.bc_company_name})
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def basic(user: str, key: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{key}".encode()).decode()


def test_valid_credentials_get_business_centrals_availability(client, connection):
    response = client.get(url(connection, **{"$filter": "No eq '1896-S'"}),
                          HTTP_AUTHORIZATION=basic("odata-user", KEY))
    assert response.status_code == 200
    (row,) = response.json()["value"]
    expected = next(iter(bc(connection).odata_query("ItemAvailability",
                                                    filter="No eq '1896-S'")))
    assert row["Available_Inventory"] == expected["Available_Inventory"]
    assert row["Inventory"] == expected["Inventory"]
    assert set(row) == {"No", "Description", "Inventory", "Qty_on_Sales_Order",
                        "Qty_on_Purch_Order", "Available_Inventory", "Base_Unit_of_Measure"}


def test_a_wrong_key_is_refused_with_a_basic_challenge(client, connection):
    response = client.get(url(connection), HTTP_AUTHORIZATION=basic("ODATA-USER", "wrong"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")


def test_no_credentials_are_refused(client, connection):
    assert client.get(url(connection)).status_code == 401


def test_the_service_answers_only_when_it_is_enabled(client, connection):
    connection.item_availability_enabled = False
    connection.save()
    response = client.get(url(connection), HTTP_AUTHORIZATION=basic("ODATA-USER", KEY))
    assert response.status_code == 404


def test_an_unsupported_filter_is_a_clear_400(client, connection):
    response = client.get(url(connection, **{"$filter": "Inventory gt 5"}),
                          HTTP_AUTHORIZATION=basic("ODATA-USER", KEY))
    assert response.status_code == 400
    assert "No eq" in response.json()["error"]["message"]


def test_the_page_shows_availability_of_coupled_items(admin_client, connection):
    for name in ("UNIT OF MEASURE", "ITEM-PRODUCT"):
        full(mapping(connection, name))
    response = admin_client.get(reverse("synchronization:item_availability"),
                                {"search": "1896"})
    assert response.status_code == 200
    assert b"1896-S" in response.content and b"Not available" not in response.content


def test_the_connection_can_point_sales_at_the_portal_service(admin_client, connection):
    response = admin_client.post(reverse("synchronization:use_availability_endpoint"))
    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.odata_url.endswith(f"/availability/{connection.pk}/ODataV4")


def test_viewers_cannot_change_the_service_url(viewer_client, connection):
    response = viewer_client.post(reverse("synchronization:use_availability_endpoint"))
    assert response.status_code == 403


def test_the_item_couplings_page_links_to_availability(admin_client, connection):
    item_product = mapping(connection, "ITEM-PRODUCT")
    response = admin_client.get(reverse("mappings:couplings"), {"mapping": item_product.pk})
    assert reverse("synchronization:item_availability").encode() in response.content


def test_the_entity_set_the_service_document_names_answers_for_the_connections_company(
        client, connection):
    path = reverse("synchronization:odata_root", kwargs={"pk": connection.pk})
    auth = basic("ODATA-USER", KEY)
    (entity_set,) = client.get(path, HTTP_AUTHORIZATION=auth).json()["value"]
    response = client.get(f"{path}/{entity_set['url']}?$filter=No eq '1896-S'",
                          HTTP_AUTHORIZATION=auth)
    assert response.status_code == 200
    assert [row["No"] for row in response.json()["value"]] == ["1896-S"]
    assert response.json()["@odata.context"].endswith("/ODataV4/$metadata#ItemAvailability")
    assert client.get(f"{path}/ItemAvailability").status_code == 401
