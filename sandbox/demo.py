"""Seeding: the deterministic demo data of both services plus generated volume.

``python manage.py sandbox --customers 100000`` adds generated Business Central customers
(and ``--items``, ``--contacts``, ``--accounts`` likewise) after the demo records; rows are built
in memory and bulk-inserted with ``executemany``.
"""

from __future__ import annotations

from typing import Any

from sandbox.bc_records import SERVICE as BC
from sandbox.dataverse_records import SERVICE as DV
from sandbox.dataverse_schema import ENTITIES
from sandbox.demo_bc import Builder as BcBuilder
from sandbox.demo_bc import seed_business_central
from sandbox.demo_dataverse import Builder as DvBuilder
from sandbox.demo_dataverse import seed_dataverse
from sandbox.store import Store

SIZE_KEYS = ("customers", "items", "contacts", "accounts")
CITIES = [
    ("Atlanta", "GA", "31772"),
    ("Chicago", "IL", "61236"),
    ("Miami", "FL", "37125"),
    ("Seattle", "WA", "98052"),
    ("Boston", "MA", "02108"),
]


def seed(store: Store, state: dict[str, Any], sizes: dict[str, int]) -> None:
    """Replace all records with the demo data (and ``sizes`` generated extras)."""
    bc_rows: dict[str, list[dict[str, Any]]] = {}
    dv_rows: dict[str, list[dict[str, Any]]] = {}
    bc = seed_business_central(state, bc_rows)
    dv = seed_dataverse(state, dv_rows)
    generate(bc, dv, sizes)
    tables: dict[tuple[str, str], Any] = {}
    for name, rows in bc_rows.items():
        tables[(BC, name)] = [(row["id"] if "id" in row else row["SystemId"], row) for row in rows]
    for logical, rows in dv_rows.items():
        key = ENTITIES[logical].primary_id
        tables[(DV, logical)] = [(row[key], row) for row in rows]
    store.replace_all(tables)
    store.set_meta("bc_version", str(bc.tick))
    store.set_meta("dataverse_version", str(dv.version))


def generate(bc: BcBuilder, dv: DvBuilder, sizes: dict[str, int]) -> None:
    """Append generated rows: ``customers``/``items``/``contacts`` in BC, ``accounts`` in Sales."""
    for index in range(sizes.get("customers", 0)):
        city, state, postcode = CITIES[index % len(CITIES)]
        number = f"G{index + 1:07d}"
        bc.add(
            "customers",
            number,
            number=number,
            displayName=f"Generated Customer {index + 1:07d}",
            addressLine1=f"{index + 1} Generated Street",
            city=city,
            state=state,
            country="US",
            postalCode=postcode,
            email=f"customer{index + 1}@example.com",
            type="Company",
        )
    for index in range(sizes.get("items", 0)):
        number = f"GI{index + 1:06d}"
        bc.add(
            "items",
            number,
            number=number,
            displayName=f"Generated Item {index + 1:06d}",
            unitPrice=float(10 + index % 90),
            unitCost=float(5 + index % 45),
            baseUnitOfMeasureCode="PCS",
        )
    for index in range(sizes.get("contacts", 0)):
        number = f"GC{index + 1:07d}"
        bc.add(
            "contacts",
            number,
            number=number,
            type="Person",
            displayName=f"Generated Person {index + 1}",
            email=f"person{index + 1}@example.com",
        )
    for index in range(sizes.get("accounts", 0)):
        dv.add(
            "account",
            f"generated:{index}",
            name=f"Generated Account {index + 1:07d}",
            customertypecode=3,
            accountnumber=f"GA{index + 1:07d}",
        )
