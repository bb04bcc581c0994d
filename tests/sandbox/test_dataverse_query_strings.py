"""Dataverse query strings are decoded as the real service decodes them."""

from __future__ import annotations

from connection.clients.odata import query_string


def test_plus_and_percent_20_both_decode_to_spaces(dataverse):
    """A form-encoded query (``+`` for spaces, as Microsoft's Python client sends it) and an
    RFC 3986 one (``%20``) select the same rows.

    https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/filter-rows
    """
    plus = dataverse.get("accounts?$select=name&$filter=name+eq+'Adatum+Corporation'")
    percent = dataverse.get("accounts?$select=name&$filter=name%20eq%20'Adatum%20Corporation'")
    assert plus.status_code == percent.status_code == 200, plus.text
    assert plus.json()["value"] == percent.json()["value"]
    assert [row["name"] for row in plus.json()["value"]] == ["Adatum Corporation"]


def test_a_literal_plus_must_be_percent_encoded(dataverse):
    """``%2B`` is a plus sign (e.g. a datetime offset); a bare ``+`` there would be a space.

    https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/filter-rows
    """
    encoded = dataverse.get(
        "accounts?$select=name&$filter=modifiedon%20gt%202000-01-01T00:00:00%2B01:00"
    )
    assert encoded.status_code == 200, encoded.text
    assert len(encoded.json()["value"]) == 11
    bare = dataverse.get("accounts?$select=name&$filter=modifiedon gt 2000-01-01T00:00:00+01:00")
    assert bare.status_code == 400
    assert bare.json()["error"]["code"] == "0x80060888"


def test_the_portal_clients_encode_a_literal_plus_as_percent_2b(dataverse):
    """The portal's own query builder sends offsets the service reads back unchanged.

    https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/filter-rows
    """
    query = query_string({"$select": "name", "$filter": "modifiedon gt 2000-01-01T00:00:00+01:00"})
    assert "%2B01:00" in query and "+" not in query
    response = dataverse.get(f"accounts?{query}")
    assert response.status_code == 200, response.text
    assert len(response.json()["value"]) == 11
