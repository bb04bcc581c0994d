"""Sales orders and quotes as Business Central documents (bc-integration.md 5.9, seed 003).

A Sales document and its detail lines become one API v2.0 document body with its lines (a deep
insert): the customer, currency, products and units come through couplings; lines without a
registered product use the write-in product of the Sales & Receivables Setup; a description
longer than BC's Description field goes on as many extra Comment lines as it needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connection import sales_metadata
from connection.clients import odata
from synchronization.leadtocash import couplings
from synchronization.models import SalesReceivablesSetup

# Sales Line Description is Text[100]; External Document No. is Code[35].
DESCRIPTION_LENGTH = 100
EXTERNAL_DOCUMENT_LENGTH = 35
SALES_INVENTORY, SERVICES = 1, 3  # product type codes
RETIRED = 1
ADDRESS_PARTS = (("line1", "AddressLine1"), ("line2", "AddressLine2"), ("city", "City"),
                 ("postalcode", "PostCode"), ("country", "Country"), ("stateorprovince", "State"))


class ConversionError(Exception):
    """The Sales document cannot become a BC document; the message says what to fix."""


@dataclass(frozen=True)
class Kind:
    """Where one kind of document lives on each side."""

    label: str
    entity_set: str
    key: str
    details: str
    bc_entity: str
    bc_lines: str


ORDER = Kind("sales order", "salesorders", "salesorderid", "salesorderdetails", "salesOrders",
             "salesOrderLines")
QUOTE = Kind("sales quote", "quotes", "quoteid", "quotedetails", "salesQuotes",
             "salesQuoteLines")


@dataclass
class SalesDocument:
    """A Sales order or quote with its detail lines, as read from Dataverse."""

    kind: Kind
    header: dict[str, Any]
    lines: list[dict[str, Any]]

    @property
    def id(self) -> str:
        return str(self.header[self.kind.key]).lower()

    @property
    def name(self) -> str:
        return str(self.header.get("name") or self.id)


def read_document(client, kind: Kind, sales_id: str) -> SalesDocument:
    """The header and detail lines of one Sales order or quote (two reads)."""
    header = client.get(kind.entity_set, sales_id)
    lines = list(client.query(kind.details, filter=odata.equal(f"_{kind.key}_value", sales_id)))
    lines.sort(key=lambda d: (d.get("sequencenumber") or 0, d.get("lineitemnumber") or 0))
    return SalesDocument(kind, header, lines)


class DocumentBuilder:
    """Builds BC document bodies for one connection; caches what every document needs."""

    def __init__(self, connection, sales_client) -> None:
        self.connection = connection
        self.client = sales_client
        self.setup = SalesReceivablesSetup.of(connection)
        self._base_currency: str | None = None

    def body(self, document: SalesDocument) -> dict[str, Any]:
        """The API v2.0 body of the header with its lines; raises ConversionError."""
        header = document.header
        body: dict[str, Any] = {
            "customerId": self._customer(document),
            "externalDocumentNumber": document.name[:EXTERNAL_DOCUMENT_LENGTH],
            "currencyCode": self._currency(document),
        }
        if document.kind is ORDER and header.get("requestdeliveryby"):
            body["requestedDeliveryDate"] = str(header["requestdeliveryby"])[:10]
        body.update(_addresses(header, "shipto", "shipTo"))
        body.update(_addresses(header, "billto", "billTo"))
        body[document.kind.bc_lines] = self.lines(document)
        return body

    # -- header --------------------------------------------------------------------------
    def _customer(self, document: SalesDocument) -> str:
        header = document.header
        customer = str(header.get("_customerid_value") or "").lower()
        if not customer:
            raise ConversionError(f"There is no potential customer defined on the Dynamics 365 "
                                  f"Sales {document.kind.label} {document.name}.")
        account = self._account_of(document, customer)
        found = couplings.bc_couplings(self.connection, couplings.CUSTOMER, [account])
        if account not in found:
            raise ConversionError(
                f"There is no customer coupled to the Dynamics 365 Sales account of "
                f"{document.kind.label} {document.name}. Couple the account to a customer "
                "first (CUSTOMER), then try again.")
        return str(found[account].bc_id)

    def _account_of(self, document: SalesDocument, customer: str) -> str:
        """The account itself, or the parent account of a contact customer."""
        kind = str(document.header.get("customeridtype") or "")
        if kind == "account":
            return customer
        contacts = list(self.client.query("contacts", filter=odata.equal("contactid", customer),
                                          select=["fullname", "_parentcustomerid_value"]))
        if not contacts:
            return customer
        parent = str(contacts[0].get("_parentcustomerid_value") or "").lower()
        if not parent:
            raise ConversionError(
                f"{document.kind.label.capitalize()} {document.name} is created for contact "
                f"{contacts[0].get('fullname')}, which doesn't correspond to an account in "
                "Dynamics 365 Sales. Give the contact a parent account.")
        return parent

    def _currency(self, document: SalesDocument) -> str:
        currency = str(document.header.get("_transactioncurrencyid_value") or "").lower()
        if not currency or currency == self.base_currency():
            return ""  # the Sales base currency is BC's local currency
        found = couplings.bc_couplings(self.connection, couplings.CURRENCY, [currency])
        if currency not in found:
            raise ConversionError(
                f"The currency of {document.kind.label} {document.name} is not coupled to a "
                "Business Central currency. Couple currencies first (CURRENCY).")
        return found[currency].bc_number

    def base_currency(self) -> str:
        """The Sales base currency id (kept per connection); ConversionError when unknown."""
        if self._base_currency is None:
            try:
                self._base_currency = sales_metadata.base_currency(self.connection, self.client)
            except sales_metadata.BaseCurrencyUnavailable as exc:
                raise ConversionError(str(exc)) from exc
        return self._base_currency

    # -- lines ---------------------------------------------------------------------------
    def lines(self, document: SalesDocument) -> list[dict[str, Any]]:
        """BC lines of the document's details, with Comment lines for long descriptions."""
        products = self._products(document)
        units = self._units(document)
        result: list[dict[str, Any]] = []
        for detail in document.lines:
            line = self._line(document, detail, products, units)
            text = str(detail.get("description") or detail.get("productdescription") or "")
            if text:
                line["description"] = text[:DESCRIPTION_LENGTH]
            result.append(line)
            result += [{"lineType": "Comment", "description": chunk}
                       for chunk in _chunks(text[DESCRIPTION_LENGTH:], DESCRIPTION_LENGTH)]
        return result

    def _line(self, document, detail: dict, products: dict, units: dict) -> dict[str, Any]:
        product_id = str(detail.get("_productid_value") or "").lower()
        line = self._write_in(document) if not product_id \
            else self._product_line(products[product_id])
        line["quantity"] = float(detail.get("quantity") or 0)
        line["unitPrice"] = float(detail.get("priceperunit") or 0)
        discount = line["quantity"] * float(detail.get("volumediscountamount") or 0) \
            + float(detail.get("manualdiscountamount") or 0)
        if discount:
            line["discountAmount"] = round(discount, 2)
        unit = units.get(str(detail.get("_uomid_value") or "").lower())
        if unit and product_id:
            line["unitOfMeasureCode"] = unit
        return line

    def _write_in(self, document: SalesDocument) -> dict[str, Any]:
        if not self.setup.write_in_product_no:
            raise ConversionError(
                f"{document.kind.label.capitalize()} {document.name} contains a write-in "
                "product. You must choose the default write-in product in Sales & Receivables "
                "Setup window (Write-in Product Type and Write-in Product No.).")
        return {"lineType": self.setup.write_in_product_type,
                "lineObjectNumber": self.setup.write_in_product_no}

    def _products(self, document: SalesDocument) -> dict[str, dict]:
        """Each product of the document with the BC item or resource it is coupled to."""
        ids = {str(d.get("_productid_value")).lower() for d in document.lines
               if d.get("_productid_value")}
        if not ids:
            return {}
        query = odata.any_equal("productid", sorted(ids))
        rows = {str(r["productid"]).lower(): r for r in self.client.query(
            "products", filter=query, select=["name", "productnumber", "producttypecode",
                                              "statecode"])}
        items = couplings.bc_couplings(self.connection, couplings.ITEM, ids)
        resources = couplings.bc_couplings(self.connection, couplings.RESOURCE, ids)
        return {i: {**rows.get(i, {"name": i}), "item": items.get(i),
                    "resource": resources.get(i)} for i in ids}

    def _product_line(self, product: dict) -> dict[str, Any]:
        name = product.get("name") or product.get("productnumber")
        if product.get("statecode") == RETIRED:
            raise ConversionError(f"The Dynamics 365 Sales product {name} is retired. Use an "
                                  "active product.")
        kind = product.get("producttypecode")
        if kind in (SALES_INVENTORY, None) and product["item"] is not None:
            return {"lineType": "Item", "itemId": str(product["item"].bc_id)}
        if kind == SERVICES and product["resource"] is not None:
            return {"lineType": "Resource", "lineObjectNumber": product["resource"].bc_number}
        if kind not in (SALES_INVENTORY, SERVICES, None):
            raise ConversionError(f"Unexpected value of product type code {kind} of the "
                                  f"Dynamics 365 Sales product {name}.")
        table = "resource" if kind == SERVICES else "item"
        raise ConversionError(f"The Dynamics 365 Sales product {name} is not coupled to an "
                              f"{table}. Couple it first "
                              f"({'RESOURCE' if kind == SERVICES else 'ITEM'}-PRODUCT).")

    def _units(self, document: SalesDocument) -> dict[str, str]:
        """BC unit codes of the Sales units the lines use, when the unit's group is coupled."""
        ids = {str(d.get("_uomid_value")).lower() for d in document.lines
               if d.get("_uomid_value")}
        if not ids:
            return {}
        query = odata.any_equal("uomid", sorted(ids))
        names = {str(r["uomid"]).lower(): str(r.get("name") or "")
                 for r in self.client.query("uoms", filter=query, select=["name"])}
        coupled = couplings.sales_ids_by_number(self.connection, couplings.UNIT, names.values())
        return {uom: name for uom, name in names.items() if name in coupled}


def _addresses(header: dict, sales_prefix: str, bc_prefix: str) -> dict[str, Any]:
    """Address fields are copied only when the Sales document has one (else BC's defaults)."""
    values = {f"{bc_prefix}{bc}": str(header.get(f"{sales_prefix}_{part}") or "")
              for part, bc in ADDRESS_PARTS}
    if not any(values.values()):
        return {}
    if header.get(f"{sales_prefix}_name"):
        values[f"{bc_prefix}Name"] = str(header[f"{sales_prefix}_name"])
    return values


def _chunks(text: str, size: int) -> list[str]:
    return [text[start:start + size] for start in range(0, len(text), size)]
