"""CRONUS-like Business Central demo company (deterministic)."""

from __future__ import annotations

from typing import Any

from sandbox import credentials as creds
from sandbox.bc_schema import ENTITIES, PAGES

Rows = dict[str, list[dict[str, Any]]]

CURRENCIES = [
    ("CAD", "Canadian dollar", "$"),
    ("EUR", "Euro", "€"),
    ("GBP", "Pound Sterling", "£"),
    ("MXN", "Mexican peso", "$"),
    ("JPY", "Japanese yen", "¥"),
]
UNITS = [
    ("PCS", "Piece", "EA"),
    ("BOX", "Box", "BX"),
    ("HOUR", "Hour", "HUR"),
    ("DAY", "Day", "DAY"),
    ("SET", "Set", "SET"),
    ("PACK", "Pack", "PK"),
]
CATEGORIES = [
    ("FURNITURE", "Office Furniture"),
    ("CHAIR", "Office Chair"),
    ("DESK", "Office Desk"),
    ("TABLE", "Assorted Tables"),
    ("MISC", "Miscellaneous"),
]
PAYMENT_TERMS = [
    ("14 DAYS", "Net 14 days", "14D", "", 0),
    ("1M(8D)", "1 Month/2% 8 days", "1M", "8D", 2),
    ("30 DAYS", "Net 30 days", "30D", "", 0),
    ("60 DAYS", "Net 60 days", "60D", "", 0),
    ("COD", "Cash on delivery", "0D", "", 0),
    ("NET 30", "Net 30", "30D", "", 0),
    ("NET 45", "Net 45", "45D", "", 0),
]
SHIPMENT_METHODS = [
    ("CIF", "Cost Insurance and Freight"),
    ("EXW", "Ex Warehouse"),
    ("FOB", "Free on Board"),
    ("PICKUP", "Pickup at Location"),
    ("DELIVERY", "Delivery"),
]
SALESPEOPLE = [
    ("AH", "Annette Hill", "ah@contoso.com"),
    ("BD", "Bart Duncan", "bd@contoso.com"),
    ("JO", "Jim Olive", "jo@contoso.com"),
    ("PS", "Peter Saddow", f"peter.saddow@{creds.DOMAIN}"),
    ("RB", "Robin Bettencourt", "rb@contoso.com"),
]
ITEMS = [
    ("1896-S", "ATHENS Desk", 1000.8, 780.7, "DESK", 12),
    ("1900-S", "PARIS Guest Chair, black", 192.8, 150.4, "CHAIR", 100),
    ("1906-S", "ATHENS Mobile Pedestal", 281.4, 219.5, "DESK", 40),
    ("1908-S", "LONDON Swivel Chair, blue", 190.1, 148.3, "CHAIR", 48),
    ("1920-S", "ANTWERP Conference Table", 420.4, 328.0, "TABLE", 22),
    ("1928-S", "AMSTERDAM Lamp", 54.9, 42.8, "MISC", 110),
    ("1936-S", "BERLIN Guest Chair, yellow", 192.8, 150.4, "CHAIR", 86),
    ("1960-S", "ROME Guest Chair, green", 192.8, 150.4, "CHAIR", 95),
    ("1964-S", "TOKYO Guest Chair, blue", 192.8, 150.4, "CHAIR", 80),
    ("1968-S", "MEXICO Swivel Chair, black", 190.1, 148.3, "CHAIR", 70),
    ("1972-S", "MUNICH Swivel Chair, yellow", 190.1, 148.3, "CHAIR", 65),
    ("1980-S", "MOSCOW Swivel Chair, red", 190.1, 148.3, "CHAIR", 55),
    ("1988-S", "SEOUL Guest Chair, red", 192.8, 150.4, "CHAIR", 30),
    ("1996-S", "ATLANTA Whiteboard, base", 1397.3, 1089.9, "FURNITURE", 15),
    ("2000-S", "SYDNEY Swivel Chair, green", 190.1, 148.3, "CHAIR", -2),
]
CUSTOMERS = [
    (
        "10000",
        "Adatum Corporation",
        "192 Market Square",
        "Atlanta",
        "GA",
        "31772",
        "robert.townes@contoso.com",
        "PS",
        "",
        "30 DAYS",
    ),
    (
        "20000",
        "Trey Research",
        "153 Thomas Drive",
        "Chicago",
        "IL",
        "61236",
        "helen.ray@contoso.com",
        "AH",
        "",
        "NET 30",
    ),
    (
        "30000",
        "School of Fine Art",
        "10 High Tower Green",
        "Miami",
        "FL",
        "37125",
        "meagan.bond@contoso.com",
        "JO",
        "",
        "1M(8D)",
    ),
    (
        "40000",
        "Alpine Ski House",
        "10 Deerfield Road",
        "Atlanta",
        "GA",
        "31772",
        "ian.deberry@contoso.com",
        "PS",
        "CAD",
        "14 DAYS",
    ),
    (
        "50000",
        "Relecloud",
        "49 Lotus Drive",
        "Chicago",
        "IL",
        "61236",
        "jesse.homer@contoso.com",
        "BD",
        "",
        "NET 45",
    ),
    (
        "60000",
        "Coho Winery",
        "53 Sunrise Ave",
        "Miami",
        "FL",
        "37125",
        "mark.hanson@contoso.com",
        "RB",
        "EUR",
        "30 DAYS",
    ),
    (
        "70000",
        "Fabrikam, Inc.",
        "9 Lake Street",
        "Seattle",
        "WA",
        "98052",
        "jim.glynn@contoso.com",
        "AH",
        "",
        "COD",
    ),
    (
        "80000",
        "Wide World Importers",
        "42 Harbour Road",
        "Houston",
        "TX",
        "77002",
        "sanjay.shah@contoso.com",
        "JO",
        "GBP",
        "60 DAYS",
    ),
    (
        "90000",
        "Litware, Inc.",
        "7 Maple Court",
        "Atlanta",
        "GA",
        "31772",
        "elizabeth.moore@contoso.com",
        "",
        "",
        "30 DAYS",
    ),
    (
        "95000",
        "Northwind Traders",
        "11 Pine Street",
        "Boston",
        "MA",
        "02108",
        "nancy.davolio@contoso.com",
        "PS",
        "",
        "NET 30",
    ),
]
PERSONS = [
    ("10000", "Robert Townes", "Purchasing Manager"),
    ("10000", "Mary Smith", "Buyer"),
    ("20000", "Helen Ray", "CEO"),
    ("40000", "Ian Deberry", "Owner"),
    ("50000", "Jesse Homer", "Office Manager"),
    ("60000", "Mark Hanson", "Buyer"),
]


class Builder:
    """Creates complete BC rows with deterministic ids and increasing timestamps."""

    def __init__(self, state: dict[str, Any], rows: Rows) -> None:
        self.state, self.rows, self.tick = state, rows, 0

    def add(self, entity_name: str, key: str, **values: Any) -> dict[str, Any]:
        """One row of ``entity_name``; ``key`` seeds its deterministic id."""
        self.tick += 1
        seconds = self.tick
        stamp = (
            f"2024-04-{1 + seconds // 86400:02d}T{(seconds // 3600) % 24:02d}:"
            f"{(seconds // 60) % 60:02d}:{seconds % 60:02d}.{(seconds * 37) % 1000:03d}Z"
        )
        row = {
            **ENTITIES[entity_name].fields,
            **values,
            "id": creds.stable_id(self.state, f"bc:{entity_name}", key),
            "lastModifiedDateTime": stamp,
            "_version": self.tick,
        }
        self.rows.setdefault(entity_name, []).append(row)
        return row

    def page(self, page_name: str, key: str, **values: Any) -> dict[str, Any]:
        """One row of an OData page."""
        self.tick += 1
        row = {name: "" for name in PAGES[page_name].fields} | values
        row["SystemId"] = creds.stable_id(self.state, f"page:{page_name}", key)
        row["SystemModifiedAt"] = "2024-04-01T00:00:00.000Z"
        row["_version"] = self.tick
        self.rows.setdefault(page_name, []).append(row)
        return row


def seed_business_central(state: dict[str, Any], rows: Rows) -> Builder:
    """Add the demo company's records to ``rows``."""
    b = Builder(state, rows)
    lookup: dict[str, dict[str, str]] = {}
    b.add("companyInformation", "company", displayName=creds.COMPANY_NAME,
          addressLine1="7122 South Ashford Street", city="Atlanta", state="GA",
          country="US", postalCode="31772", currencyCode="USD",
          currentFiscalYearStartDate="2024-01-01")
    for code, name, symbol in CURRENCIES:
        lookup.setdefault("currencies", {})[code] = b.add(
            "currencies", code, code=code, displayName=name, symbol=symbol
        )["id"]
    for code, name, iso in UNITS:
        lookup.setdefault("units", {})[code] = b.add(
            "unitsOfMeasure",
            code,
            code=code,
            displayName=name,
            internationalStandardCode=iso,
            symbol=code.lower(),
        )["id"]
    for code, name in CATEGORIES:
        lookup.setdefault("categories", {})[code] = b.add(
            "itemCategories", code, code=code, displayName=name
        )["id"]
    for code, name, due, discount_date, percent in PAYMENT_TERMS:
        lookup.setdefault("terms", {})[code] = b.add(
            "paymentTerms",
            code,
            code=code,
            displayName=name,
            dueDateCalculation=due,
            discountDateCalculation=discount_date,
            discountPercent=percent,
        )["id"]
    for code, name in SHIPMENT_METHODS:
        lookup.setdefault("shipment", {})[code] = b.add(
            "shipmentMethods", code, code=code, displayName=name
        )["id"]
    for code, name, email in SALESPEOPLE:
        b.add(
            "salespeoplePurchasers",
            code,
            code=code,
            displayName=name,
            email=email,
            jobTitle="Sales",
        )
    _items(b, lookup)
    _customers(b, lookup)
    _contacts(b)
    from sandbox.demo_bc_documents import seed_documents, seed_pages

    seed_pages(b)
    seed_documents(b)
    return b


def _items(b: Builder, lookup: dict[str, dict[str, str]]) -> None:
    for number, name, price, cost, category, inventory in ITEMS:
        b.add(
            "items",
            number,
            number=number,
            displayName=name,
            unitPrice=price,
            unitCost=cost,
            itemCategoryCode=category,
            itemCategoryId=lookup["categories"][category],
            baseUnitOfMeasureCode="PCS",
            baseUnitOfMeasureId=lookup["units"]["PCS"],
            inventory=inventory,
            generalProductPostingGroupCode="RETAIL",
            inventoryPostingGroupCode="RESALE",
            taxGroupCode="FURNITURE",
            _ext={
                "Unit_Volume": 0.5,
                "Gross_Weight": 12.0,
                "Vendor_No": "30000",
                "Vendor_Item_No": f"V-{number}",
            },
        )
    b.add(
        "items",
        "1925-W",
        number="1925-W",
        displayName="Conference Bundle 1-6",
        blocked=True,
        baseUnitOfMeasureCode="PCS",
        baseUnitOfMeasureId=lookup["units"]["PCS"],
        type="Non-Inventory",
    )


def _customers(b: Builder, lookup: dict[str, dict[str, str]]) -> None:
    for index, (
        number,
        name,
        street,
        city,
        state,
        postcode,
        email,
        sp,
        currency,
        terms,
    ) in enumerate(CUSTOMERS):
        customer = b.add(
            "customers",
            number,
            number=number,
            displayName=name,
            addressLine1=street,
            city=city,
            state=state,
            country="US",
            postalCode=postcode,
            email=email,
            salespersonCode=sp,
            phoneNumber=f"(555) 01{index:02d}",
            website=f"www.{name.split()[0].lower().strip(',')}.com",
            currencyCode=currency,
            currencyId=lookup["currencies"].get(currency, "00000000-0000-0000-0000-000000000000"),
            paymentTermsId=lookup["terms"][terms],
            shipmentMethodId=lookup["shipment"]["EXW" if index % 2 else "FOB"],
            creditLimit=10000.0 * (index % 4),
            taxLiable=True,
            blocked="All" if number == "90000" else " ",
            balanceDue=round(1234.5 * index, 2),
            _ext={
                "Fax_No": f"(555) 02{index:02d}",
                "Contact": "",
                "Shipping_Agent_Code": ["DHL", "FEDEX", "UPS"][index % 3],
                "Payment_Terms_Code": terms,
                "Shipment_Method_Code": "EXW" if index % 2 else "FOB",
                "Customer_Price_Group": "RETAIL" if index % 2 else "WHOLESALE",
            },
        )
        b.add(
            "customerFinancialDetails",
            number,
            number=number,
            balance=customer["balanceDue"],
            totalSalesExcludingTax=round(5000.0 * (index + 1), 2),
            overdueAmount=0,
        )
        b.rows["customerFinancialDetails"][-1]["id"] = customer["id"]


def _contacts(b: Builder) -> None:
    companies = {}
    for index, (number, name, street, city, state, postcode, *_rest) in enumerate(CUSTOMERS):
        contact_no = f"CT{100000 + index * 10:06d}"
        companies[number] = (contact_no, name)
        b.add(
            "contacts",
            contact_no,
            number=contact_no,
            type="Company",
            displayName=name,
            companyNumber=contact_no,
            companyName=name,
            contactBusinessRelation="Customer",
            addressLine1=street,
            city=city,
            state=state,
            country="US",
            postalCode=postcode,
            searchName=name.upper(),
        )
    for index, (customer_no, name, title) in enumerate(PERSONS):
        contact_no = f"CT{100100 + index * 10:06d}"
        company_no, company_name = companies[customer_no]
        b.add(
            "contacts",
            contact_no,
            number=contact_no,
            type="Person",
            displayName=name,
            jobTitle=title,
            companyNumber=company_no,
            companyName=company_name,
            contactBusinessRelation="Customer",
            email=f"{name.lower().replace(' ', '.')}@contoso.com",
            searchName=name.upper(),
            phoneNumber=f"(555) 03{index:02d}",
            mobilePhoneNumber=f"(555) 04{index:02d}",
        )
    opportunities = [
        ("OP000101", "Furnish new office", "CT100100", "PS", 25000.0, "In_x0020_Progress"),
        ("OP000102", "Conference room refresh", "CT100120", "AH", 8400.0, "Not_x0020_Started"),
        ("OP000103", "Chairs for training center", "CT100130", "PS", 12000.0, "In_x0020_Progress"),
        ("OP000104", "Lobby whiteboards", "CT100140", "BD", 4200.0, "Won"),
    ]
    for number, description, contact_no, sp, value, status in opportunities:
        person = next(r for r in b.rows["contacts"] if r["number"] == contact_no)
        b.add(
            "opportunities",
            number,
            number=number,
            description=description,
            contactNumber=contact_no,
            contactName=person["displayName"],
            contactCompanyName=person["companyName"],
            salespersonCode=sp,
            estimatedValue=value,
            status=status,
            closed=status == "Won",
            creationDate="2024-03-01",
            estimatedClosingDate="2024-06-30",
            chancesOfSuccessPrc=50,
            systemCreatedAt="2024-03-01T09:00:00.000Z",
        )
