"""A connection with sales order integration and its dependencies synchronized, and Sales
documents written as a Sales user would (the administrator, not the integration user)."""

from mappings.defaults import apply_default_setup
from synchronization.models import JobQueueEntry
from tests.synchronization.engine_support import admin_dataverse, couplings, full, mapping

DEPENDENCIES = ("SALESPEOPLE", "CURRENCY", "UNIT OF MEASURE", "CUSTOMER", "ITEM-PRODUCT")
LONG_DESCRIPTION = ("Assembled conference table with cable management, "
                    "delivered to the third floor and installed by two people. " * 5)[:300]


def order_integration(connection):
    """Sales order integration on, default mappings reset, dependencies fully synchronized."""
    connection.sales_order_integration_enabled = True
    connection.save()
    apply_default_setup(connection, sales_order_integration=True)
    # The default setup schedules its entries again: off, so a worker's tick cannot start a
    # mapping's job while the runs below synchronize it (its job would make theirs wait).
    JobQueueEntry.objects.filter(connection=connection).update(enabled=False)
    for name in DEPENDENCIES:
        full(mapping(connection, name))
    return connection


def coupled_account(connection, number: str = "10000") -> str:
    return str(couplings(mapping(connection, "CUSTOMER")).get(bc_number=number).sales_id)


def coupled_product(connection, number: str = "1896-S") -> str:
    return str(couplings(mapping(connection, "ITEM-PRODUCT")).get(bc_number=number).sales_id)


def sales_document(connection, credentials, kind: str, name: str, details: list[dict],
                   **header) -> str:
    """Create a Sales order ('salesorders') or quote ('quotes') with detail lines."""
    client = admin_dataverse(connection, credentials)
    body = {"name": name, **header,
            "customerid_account@odata.bind": f"/accounts({coupled_account(connection)})"}
    document_id = client.create(kind, body)
    lookup = "salesorderid" if kind == "salesorders" else "quoteid"
    details_set = "salesorderdetails" if kind == "salesorders" else "quotedetails"
    for number, detail in enumerate(details, start=1):
        client.create(details_set, {**detail, "sequencenumber": number,
                                    f"{lookup}@odata.bind": f"/{kind}({document_id})"})
    return document_id


def product_line(connection, quantity: float = 2, price: float = 100.0, **extra) -> dict:
    return {"productid@odata.bind": f"/products({coupled_product(connection)})",
            "quantity": quantity, "priceperunit": price, **extra}


def write_in_line(description: str = "Installation service", quantity: float = 1,
                  price: float = 250.0) -> dict:
    return {"isproductoverridden": True, "productdescription": description,
            "quantity": quantity, "priceperunit": price}


def submit(connection, credentials, order_id: str) -> None:
    admin_dataverse(connection, credentials).update("salesorders", order_id,
                                                    {"statecode": 1, "statuscode": 3})
