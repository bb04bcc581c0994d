"""What the Business Central API v2.0 does and does not publish of each table the mappings use.

Facts from protocols.md 4.3: some tables exist only as published OData V4 pages, some fields only
on a card page, and some not at all through the standard API.
"""

from __future__ import annotations

import re
from functools import lru_cache

from mappings.filters import FieldSpec

# BC tables the standard API v2.0 lacks are read and written through these published OData V4
# pages (protocols.md 4.3); their fields are the captions with underscores.
ODATA_PAGES = {
    "Resource": "Resources",
    "Customer Price Group": "CustomerPriceGroups",
    "Sales Price": "SalesPrices",
    "Shipping Agent": "ShippingAgents",
}
# API entities with fields only their card page shows (e.g. a customer's Fax No.): those fields
# are read from the page, joined on SystemId.
CARD_PAGES = {"Customer": "Customer"}


@lru_cache(maxsize=1024)  # read for every card field of every record of a page
def page_field(caption: str) -> str:
    """The OData page field of a BC caption: ``Fax No.`` -> ``Fax_No``."""
    return re.sub(r"[^0-9A-Za-z]+", "_", caption).strip("_")


# Fields of an API entity that only its card page carries, by API property -> caption.
CARD_ONLY_PROPERTIES: dict[str, dict[str, str]] = {
    "Customer": {
        "contact": "Contact",
        "faxNumber": "Fax No.",
        "shipmentMethodCode": "Shipment Method Code",
        "shippingAgentCode": "Shipping Agent Code",
        "paymentTermsCode": "Payment Terms Code",
        "primaryContactNumber": "Primary Contact No.",
        "customerPriceGroup": "Customer Price Group",
    },
}


# What an API entity implies for a field it lacks: the salesOrders entity holds only orders, so a
# Table Filter such as "Document Type = Order" (SALESORDER-ORDER) holds for every record.
IMPLIED_VALUES: dict[str, dict[str, str]] = {"Sales Header": {"documentType": "Order"}}


# Fields BC tables have that API v2.0 does not expose and no published page carries
# (protocols.md 4.3): they can be neither read nor written through the standard API.
NOT_IN_API: dict[str, set[str]] = {
    "Contact": {"firstName", "middleName", "surname", "currencyCode", "pager", "salespersonCode",
                "faxNumber"},
    "Item": {"unitVolume", "grossWeight", "vendorNumber", "vendorItemNumber"},
    "Opportunity": {"contactCompanyNumber"},
    "Sales Invoice Header": {"salespersonCode", "shipmentDate", "shippingAgentCode",
                             "paymentTermsCode", "shipmentMethodCode", "yourReference"},
    "Sales Invoice Line": {"documentNumber"},
    "Sales Header": {"documentType", "lastShipmentDate", "salespersonCode", "dueDate",
                     "shipmentDate", "shippingAgentCode", "paymentTermsCode",
                     "shipmentMethodCode", "yourReference"},
}


def caption_of(table, prop: str) -> str:
    """The caption of an API property of a catalogue table (the property when unknown)."""
    for spec in table.fields:
        if spec.name == prop:
            return spec.caption or spec.name
    return prop


def options_of(spec: FieldSpec) -> list:
    """The option labels of a field, for a page catalogue."""
    return [label for label, _value in spec.options] if spec.options else []
