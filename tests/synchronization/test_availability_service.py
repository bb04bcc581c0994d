"""The item availability service's root and $metadata: what an OData client reads first, with
the same web service key authentication as the entity set."""

import base64
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from connection.models import ConnectionSetup
from synchronization.leadtocash import availability

KEY = "b4Xy3E+availability/key="
EDM = "{http://docs.oasis-open.org/odata/ns/edm}"


@pytest.fixture
def connection(db) -> ConnectionSetup:
    # odata_access_key is a secret property: Model() takes it as a keyword, the plugin does not.
    return ConnectionSetup.objects.create(  # type: ignore[misc]
        name="CRONUS", bc_company_name="CRONUS USA, Inc.", item_availability_enabled=True,
        odata_username="ODATA-USER", odata_access_key=KEY)


def basic(user: str, key: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{key}".encode()).decode()


def root(connection) -> str:
    return reverse("synchronization:odata_root", kwargs={"pk": connection.pk})


@pytest.mark.parametrize("slash", ["", "/"])
def test_the_service_root_answers_the_service_document(client, connection, slash):
    response = client.get(root(connection) + slash, HTTP_AUTHORIZATION=basic("odata-user", KEY))
    assert response.status_code == 200
    assert response["OData-Version"] == "4.0"
    document = response.json()
    assert document["@odata.context"] == f"http://testserver{root(connection)}/$metadata"
    assert document["value"] == [{"name": "ItemAvailability", "kind": "EntitySet",
                                  "url": "ItemAvailability"}]


def test_metadata_describes_the_entity_and_its_fields(client, connection):
    response = client.get(root(connection) + "/$metadata",
                          HTTP_AUTHORIZATION=basic("ODATA-USER", KEY))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    edmx = ET.fromstring(response.content)
    assert edmx.get("Version") == "4.0"
    schema = edmx.find(f".//{EDM}Schema")
    entity = schema.find(f"{EDM}EntityType[@Name='ItemAvailability']")
    assert entity.find(f"{EDM}Key/{EDM}PropertyRef").get("Name") == "No"
    fields = {p.get("Name"): p.get("Type") for p in entity.findall(f"{EDM}Property")}
    assert tuple(fields) == availability.FIELDS
    assert fields["Available_Inventory"] == "Edm.Decimal" and fields["No"] == "Edm.String"
    entity_set = schema.find(f"{EDM}EntityContainer/{EDM}EntitySet")
    assert entity_set.get("Name") == "ItemAvailability"
    assert entity_set.get("EntityType") == f"{schema.get('Namespace')}.ItemAvailability"


@pytest.mark.parametrize("path", ["", "/", "/$metadata"])
@pytest.mark.parametrize("authorization", [None, basic("ODATA-USER", "wrong"),
                                           basic("someone", KEY), "Bearer abc"])
def test_root_and_metadata_refuse_a_wrong_key(client, connection, path, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = client.get(root(connection) + path, **headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    assert b"ItemAvailability" not in response.content


@pytest.mark.parametrize("path", ["", "/$metadata"])
def test_root_and_metadata_are_off_when_the_service_is(client, connection, path):
    connection.item_availability_enabled = False
    connection.save()
    response = client.get(root(connection) + path, HTTP_AUTHORIZATION=basic("ODATA-USER", KEY))
    assert response.status_code == 404
