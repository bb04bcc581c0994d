"""Business Central demo data that is not master data: OData page rows (shipping agents,
resources, price groups, sales prices, item availability) and sales documents with lines."""

from __future__ import annotations

from typing import Any

from sandbox.bc_records import _line_amounts
from sandbox.bc_schema import ENTITIES
from sandbox.demo_bc import ITEMS, Builder

SHIPPING_AGENTS = [
    ("DHL", "DHL Systems, Inc.", "www.dhl.com"),
    ("FEDEX", "Federal Express Corporation", "www.fedex.com"),
    ("UPS", "UPS Parcel Service", "www.ups.com"),
    ("OWN LOG.", "Own Logistics", ""),
]


def seed_pages(b: Builder) -> None:
    """Rows of the OData pages."""
    for code, name, url in SHIPPING_AGENTS:
        b.page("ShippingAgents", code, Code=code, Name=name, Internet_Address=url)
    resources = [
        ("LIFT", "Lift for Furniture", "Machine", 100.0, 80.0),
        ("LINDA", "Linda Martin", "Person", 110.0, 77.0),
        ("MARTY", "Marty Horst", "Person", 90.0, 60.0),
        ("TERRY", "Terry Dodds", "Person", 95.0, 66.0),
    ]
    for number, name, kind, price, cost in resources:
        b.page(
            "Resources",
            number,
            No=number,
            Name=name,
            Type=kind,
            Base_Unit_of_Measure="HOUR",
            Unit_Price=price,
            Unit_Cost=cost,
            Capacity=160.0,
            Blocked=False,
            Search_Name=name.upper(),
        )
    for code, description in (("RETAIL", "Retail customers"), ("WHOLESALE", "Wholesale customers")):
        b.page(
            "CustomerPriceGroups",
            code,
            Code=code,
            Description=description,
            Allow_Invoice_Disc=True,
            Price_Includes_VAT=False,
            Allow_Line_Disc=True,
        )
    for number, _name, price, _cost, _category, _inventory in ITEMS[:6]:
        for group, factor in (("RETAIL", 1.0), ("WHOLESALE", 0.9)):
            b.page(
                "SalesPrices",
                f"{number}:{group}",
                Item_No=number,
                Sales_Type="Customer Price Group",
                Sales_Code=group,
                Starting_Date="2024-01-01",
                Currency_Code="",
                Unit_of_Measure_Code="PCS",
                Minimum_Quantity=0,
                Unit_Price=round(price * factor, 2),
                Ending_Date="0001-01-01",
            )
    for number, name, _price, _cost, _category, inventory in ITEMS:
        b.page(
            "ItemAvailability",
            number,
            No=number,
            Description=name,
            Inventory=inventory,
            Qty_on_Sales_Order=2,
            Qty_on_Purch_Order=5,
            Available_Inventory=inventory - 2,
            Base_Unit_of_Measure="PCS",
        )


def seed_documents(b: Builder) -> None:
    """Posted invoices, orders and a quote with lines and totals."""
    customers = {r["number"]: r for r in b.rows["customers"]}
    items = {r["number"]: r for r in b.rows["items"]}
    documents = [
        ("salesInvoices", "103001", "10000", [("1896-S", 2), ("1900-S", 4)], "Paid"),
        ("salesInvoices", "103002", "20000", [("1908-S", 6)], "Open"),
        ("salesInvoices", "103003", "40000", [("1920-S", 1), ("1928-S", 3)], "Open"),
        ("salesInvoices", "103004", "50000", [("1996-S", 1)], "Paid"),
        ("salesOrders", "101001", "10000", [("1936-S", 8), ("1896-S", 1)], "Open"),
        ("salesOrders", "101002", "30000", [("1960-S", 10)], "Draft"),
        ("salesQuotes", "1001", "20000", [("1964-S", 12)], "Draft"),
    ]
    for entity_name, number, customer_no, lines, status in documents:
        customer = customers[customer_no]
        header = b.add(
            entity_name,
            number,
            number=number,
            customerId=customer["id"],
            customerNumber=customer_no,
            customerName=customer["displayName"],
            billToName=customer["displayName"],
            billToCustomerId=customer["id"],
            billToCustomerNumber=customer_no,
            shipToName=customer["displayName"],
            currencyId=customer["currencyId"],
            currencyCode=customer["currencyCode"],
            paymentTermsId=customer["paymentTermsId"],
            shipmentMethodId=customer["shipmentMethodId"],
            salesperson=customer["salespersonCode"],
            postingDate="2024-04-02",
            status=status,
            **{
                f"{p}{s}": customer[f]
                for p in ("sellTo", "billTo", "shipTo")
                for s, f in (
                    ("AddressLine1", "addressLine1"),
                    ("City", "city"),
                    ("State", "state"),
                    ("Country", "country"),
                    ("PostCode", "postalCode"),
                )
            },
        )
        _document_dates(header, entity_name)
        _lines(b, ENTITIES[entity_name].lines or "", header, [(items[n], q) for n, q in lines])


def _document_dates(header: dict[str, Any], entity_name: str) -> None:
    if entity_name == "salesInvoices":
        header.update(invoiceDate="2024-04-02", dueDate="2024-05-02")
    elif entity_name == "salesOrders":
        header.update(orderDate="2024-04-03", requestedDeliveryDate="2024-04-20")
    else:
        header.update(documentDate="2024-04-03", validUntilDate="2024-05-03")


def _lines(
    b: Builder, lines_entity: str, header: dict[str, Any], lines: list[tuple[dict, int]]
) -> None:
    for sequence, (item, quantity) in enumerate(lines, start=1):
        line = b.add(
            lines_entity,
            f"{header['number']}:{sequence}",
            documentId=header["id"],
            sequence=sequence * 10000,
            itemId=item["id"],
            lineObjectNumber=item["number"],
            description=item["displayName"],
            unitOfMeasureCode="PCS",
            unitOfMeasureId=item["baseUnitOfMeasureId"],
            quantity=quantity,
            unitPrice=item["unitPrice"],
            taxPercent=6,
        )
        _line_amounts(line)
    own = [r for r in b.rows[lines_entity] if r["documentId"] == header["id"]]
    header["totalAmountExcludingTax"] = round(sum(r["amountExcludingTax"] for r in own), 2)
    header["totalTaxAmount"] = round(sum(r["totalTaxAmount"] for r in own), 2)
    header["totalAmountIncludingTax"] = round(sum(r["amountIncludingTax"] for r in own), 2)
    if "remainingAmount" in header:
        header["remainingAmount"] = (
            0 if header["status"] == "Paid" else header["totalAmountIncludingTax"]
        )
