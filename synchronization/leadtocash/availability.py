"""Item availability for Sales users (seed 000 "Item Availability Web Service Enabled").

Sales asks the OData web service written to its connection row (``nav_dynamicsnavodataurl``)
with the Username/Accesskey stored there. The portal answers that request itself: it checks
those credentials against the connection (basic authentication, as BC's OData web services do),
reads BC's ``ItemAvailability`` page with the portal's own app registration, and answers in the
OData V4 shape of that page, so the integration solution needs no change and BC's web service
key never leaves the portal.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from dataclasses import dataclass

PAGE = "ItemAvailability"
FIELDS = ("No", "Description", "Inventory", "Qty_on_Sales_Order", "Qty_on_Purch_Order",
          "Available_Inventory", "Base_Unit_of_Measure")
# The page's fields as BC's $metadata types them (code and text lengths of the Item table).
FIELD_TYPES = {
    "No": ('Edm.String', 'Nullable="false" MaxLength="20"'),
    "Description": ("Edm.String", 'MaxLength="100"'),
    "Inventory": ("Edm.Decimal", 'Scale="Variable"'),
    "Qty_on_Sales_Order": ("Edm.Decimal", 'Scale="Variable"'),
    "Qty_on_Purch_Order": ("Edm.Decimal", 'Scale="Variable"'),
    "Available_Inventory": ("Edm.Decimal", 'Scale="Variable"'),
    "Base_Unit_of_Measure": ("Edm.String", 'MaxLength="10"'),
}
assert tuple(FIELD_TYPES) == FIELDS
# The filters Sales sends: one item number, or several joined with "or".
NUMBER_FILTER = re.compile(r"^No eq '([^']{1,20})'$")
MAX_ROWS = 1000


class BadQuery(ValueError):
    """The OData query is one this service does not answer."""


@dataclass(frozen=True)
class Query:
    """A validated availability query: item numbers (empty for all) and a row limit."""

    numbers: tuple[str, ...]
    top: int

    def bc_filter(self) -> str | None:
        return " or ".join(f"No eq '{n}'" for n in self.numbers) or None


def parse_query(filter_text: str | None, top_text: str | None) -> Query:
    """``$filter`` of ``No eq '...'`` terms joined by ``or``, and ``$top``; raises BadQuery."""
    numbers: list[str] = []
    for term in filter(None, (filter_text or "").split(" or ")):
        match = NUMBER_FILTER.match(term.strip())
        if match is None:
            raise BadQuery("Only $filter=No eq '<item no.>' (joined by 'or') is supported.")
        numbers.append(match.group(1))
    try:
        top = int(top_text) if top_text else MAX_ROWS
    except ValueError as exc:
        raise BadQuery("$top must be a whole number.") from exc
    if not 0 < top <= MAX_ROWS:
        raise BadQuery(f"$top must be between 1 and {MAX_ROWS}.")
    return Query(tuple(numbers[:50]), top)


def credentials_match(connection, authorization: str) -> bool:
    """Basic authentication with the connection's OData Web Service Username and Accesskey."""
    if not authorization.lower().startswith("basic "):
        return False
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return False
    user, _, key = decoded.partition(":")
    expected_key = connection.odata_access_key or ""
    user_ok = hmac.compare_digest(user.lower().encode(), connection.odata_username.lower().encode())
    key_ok = hmac.compare_digest(key.encode(), expected_key.encode())
    return bool(connection.odata_username and expected_key and user_ok and key_ok)


def read(bc_client, query: Query) -> list[dict]:
    """Availability rows from BC's page, only the page's own fields."""
    rows = []
    for row in bc_client.odata_query(PAGE, filter=query.bc_filter(), select=list(FIELDS)):
        rows.append({name: row.get(name) for name in FIELDS})
        if len(rows) >= query.top:
            break
    return rows


def by_number(bc_client, numbers: list[str]) -> dict[str, dict]:
    """Availability of these items by item number (for the couplings page)."""
    found: dict[str, dict] = {}
    for start in range(0, len(numbers), 50):
        query = Query(tuple(numbers[start:start + 50]), MAX_ROWS)
        found.update((row["No"], row) for row in read(bc_client, query))
    return found


def service_document(root_url: str) -> dict:
    """The OData V4 service document of the service root: the one entity set it publishes."""
    return {"@odata.context": f"{root_url}/$metadata",
            "value": [{"name": PAGE, "kind": "EntitySet", "url": PAGE}]}


def metadata() -> str:
    """The CSDL document of ``$metadata``: the ItemAvailability entity and its entity set, in
    BC's ``NAV`` namespace (the ``@odata.context`` of the answers points here)."""
    properties = "\n".join(f'        <Property Name="{name}" Type="{edm_type}" {facets}/>'
                           for name, (edm_type, facets) in FIELD_TYPES.items())
    return f"""<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema Namespace="NAV" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EntityType Name="{PAGE}">
        <Key><PropertyRef Name="No"/></Key>
{properties}
      </EntityType>
      <EntityContainer Name="NAV">
        <EntitySet Name="{PAGE}" EntityType="NAV.{PAGE}"/>
      </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>
"""
