"""Filters answered through the tables' indexes (key chains, watermark ranges, the Customer
card by SystemId or No.) return exactly what a scan of every row returns, in the same order,
after inserts, replacements, deletes and rolled-back transactions."""

from __future__ import annotations

import contextlib
import random
import uuid
from typing import cast

import pytest

from sandbox import bc_pages
from sandbox.bc_records import BcRecords
from sandbox.bc_schema import ENTITIES as BC_ENTITIES
from sandbox.bc_schema import PAGES
from sandbox.business_central import select_rows
from sandbox.dataverse_read import Reader
from sandbox.dataverse_records import Records
from sandbox.dataverse_schema import ENTITIES as DV_ENTITIES
from sandbox.errors import ServiceError
from sandbox.query import FilterContext, parse_filter
from sandbox.query_plan import TableSource
from sandbox.store import Store

BC = "business_central"
STAMPS = ["2024-04-01T10:00:00.000Z", "2024-04-01T10:00:00.500Z", "2024-04-01T10:00:01.000Z",
          "2024-04-02T08:00:00Z", "2024-04-02", None, "not a time"]


def _id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128)))


def _customer(rng: random.Random, number: int) -> dict:
    return {"id": _id(rng), "number": f"C{number:05d}", "displayName": rng.choice("ABC"),
            "lastModifiedDateTime": rng.choice(STAMPS), "_version": number,
            "_ext": {"Fax_No": rng.choice(["", "555"])}}


@pytest.fixture
def store(tmp_path):
    """A store whose customers and accounts went through every kind of write, indexes on."""
    store = Store(tmp_path / "sandbox.sqlite3")
    rng = random.Random(7)
    for number in range(60):
        row = _customer(rng, number)
        store.put(BC, "customers", row["id"], row)
        account = {"accountid": _id(rng), "name": rng.choice("AB"),
                   "modifiedon": rng.choice(STAMPS)}
        store.put("dataverse", "account", account["accountid"], account)
    _churn(store, rng)
    return store


def _churn(store: Store, rng: random.Random) -> None:
    """Build the indexes, then change rows so only their upkeep keeps them right."""
    for entity, field in (("customers", "lastModifiedDateTime"), ("account", "modifiedon")):
        service = BC if entity == "customers" else "dataverse"
        store.indexes(service, entity).by_time(field)
        store.indexes(service, entity).by_value("number")
        ids = list(store.table(service, entity))
        for record_id in rng.sample(ids, 10):
            store.put(service, entity, record_id,
                      {**cast(dict, store.get(service, entity, record_id)),
                       field: rng.choice(STAMPS)})
        for record_id in rng.sample(ids, 5):
            store.delete(service, entity, record_id)
        for record_id in [*rng.sample(ids, 3), *(_id(rng) for _ in range(8))]:
            key = "id" if entity == "customers" else "accountid"
            row = {**_customer(rng, len(ids)), key: record_id, field: rng.choice(STAMPS)}
            store.put(service, entity, record_id, row)  # new and re-inserted ids go last
        with contextlib.suppress(RuntimeError), store.transaction():
            first, *_, last = store.table(service, entity)
            store.delete(service, entity, first)  # comes back last, as in the dict
            store.put(service, entity, last, {**cast(dict, store.get(service, entity, last)),
                                              field: "2030-01-01T00:00:00Z"})
            raise RuntimeError("roll back")


def _chain(field: str, ids: list[str]) -> str:
    return " or ".join(f"{field} eq {record_id}" for record_id in ids)


def _bc_filters(ids: list[str]) -> list[str]:
    return [
        _chain("id", [*ids[3:9], str(uuid.uuid4())]),
        f"id eq {ids[0]}",
        f"id eq {ids[0]} and displayName eq 'A'",
        f"displayName eq 'B' and ({_chain('id', ids[:20])})",
        "lastModifiedDateTime gt 2024-04-01T10:00:00.000Z",
        "lastModifiedDateTime ge 2024-04-01T10:00:00.5Z and "
        "lastModifiedDateTime le 2024-04-02T00:00:00Z",
        "lastModifiedDateTime lt 2024-04-02T00:00:00Z and displayName ne 'A'",
        "lastModifiedDateTime eq 2024-04-01T10:00:01Z",
        "2024-04-01T10:00:00Z lt lastModifiedDateTime",
        "lastModifiedDateTime gt 2024-04-01",
        "displayName eq 'C'",
    ]


@pytest.mark.parametrize("orderby", [None, "lastModifiedDateTime", "displayName desc"])
def test_bc_api_filters_answer_as_a_scan(store, orderby):
    entity = BC_ENTITIES["customers"]
    source = TableSource(store, BC, "customers", "id",
                         {"lastModifiedDateTime": "lastModifiedDateTime"})
    table = store.table(BC, "customers")
    for text in _bc_filters(list(table)):
        options = {"$filter": text, **({"$orderby": orderby} if orderby else {})}
        indexed = select_rows(entity, table.values(), options, source)
        assert indexed == select_rows(entity, table.values(), options), text


def test_dataverse_key_chains_and_watermarks_answer_as_a_scan(store):
    reader = Reader(Records(store))
    entity = DV_ENTITIES["account"]
    table = store.table("dataverse", "account")
    ids = list(table)
    for text in [_chain("accountid", [i.upper() for i in ids[:7]]),
                 f"accountid eq '{ids[2]}' and name eq 'a'",
                 f"accountid in ('{ids[1]}', '{ids[4]}')",
                 "modifiedon gt 2024-04-01T10:00:00Z",
                 "modifiedon ge 2024-04-01T10:00:00Z and modifiedon lt 2024-04-02T08:00:00Z",
                 "name eq 'b' or modifiedon gt 2024-04-01T00:00:00Z"]:
        for orderby in ({}, {"$orderby": "modifiedon"}):
            options = {"$filter": text, **orderby}
            indexed = reader.select_rows(entity, table.values(), options, reader.source(entity))
            assert indexed == reader.select_rows(entity, table.values(), options), text


class _Bc:
    """What the Customer card page reads of the Business Central emulator."""

    def __init__(self, store: Store) -> None:
        self.store = store


def test_the_customer_card_answers_as_rows_built_from_every_customer(store):
    page, bc = PAGES["Customer"], _Bc(store)
    source = bc_pages.source(bc, page)
    customers = list(store.table(BC, "customers").values())
    built = [dict(bc_pages.CustomerRow(customer)) for customer in customers]
    ids = [customer["id"] for customer in customers]
    for text in [_chain("SystemId", ids[5:15]),
                 "SystemModifiedAt ge 2024-04-01T10:00:00.5Z and "
                 "SystemModifiedAt le 2024-04-02T00:00:00Z",
                 "Fax_No eq '555'"]:
        options = {"$filter": text, "$orderby": "SystemModifiedAt"}
        indexed = [dict(row) for row in select_rows(page, source.rows(), options, source)]
        assert indexed == select_rows(page, built, options), text


def test_a_customer_card_row_has_the_api_fields_and_the_card_only_fields(store):
    customer = next(iter(store.table(BC, "customers").values()))
    row = bc_pages.CustomerRow(customer)
    assert row["No"] == row.get("No") == customer["number"]
    assert row["SystemId"] == customer["id"] and row["_version"] == customer["_version"]
    assert row.get("Fax_No") == customer["_ext"]["Fax_No"]
    assert row.get("Shipping_Agent_Code") == ""  # not set: blank, as the card shows it
    assert row.get("nonsense") is None and set(row) == set(page_fields()) | {"_version"}


def page_fields() -> tuple[str, ...]:
    return PAGES["Customer"].fields


def test_a_customer_card_is_found_by_its_number_after_a_renumbering(store):
    page, bc = PAGES["Customer"], _Bc(store)
    customer = next(iter(store.table(BC, "customers").values()))
    store.put(BC, "customers", customer["id"], {**customer, "number": "RENUMBERED"})
    assert bc_pages._find(bc, page, "'RENUMBERED'")["SystemId"] == customer["id"]
    with pytest.raises(ServiceError):
        bc_pages._find(bc, page, f"'{customer['number']}'")


def test_key_chains_and_watermarks_read_only_the_rows_they_can_match(store):
    source = TableSource(store, BC, "customers", "id",
                         {"lastModifiedDateTime": "lastModifiedDateTime"})
    context = FilterContext(lambda name: lambda record: record.get(name))
    ids = list(store.table(BC, "customers"))

    def candidates(text: str):
        return source.candidates(parse_filter(text, context), False)

    chain = candidates(_chain("id", [*ids[3:9], str(uuid.uuid4())]))
    assert len(chain.rows) == 6 and chain.exact  # a chain of keys alone: the whole answer
    assert not candidates(f"({_chain('id', ids[3:9])}) and displayName eq 'C'").exact
    recent = candidates("lastModifiedDateTime gt 2024-04-01T10:00:01Z")
    assert 0 < len(recent.rows) < len(ids) and not recent.exact
    assert all(row["lastModifiedDateTime"] in ("2024-04-02T08:00:00Z", "2024-04-02")
               for row in recent.rows)
    assert candidates("displayName eq 'C'") is None  # no index: the caller scans


def test_a_record_is_found_by_a_field_value_as_the_first_in_table_order(store):
    records = BcRecords(store)
    first, second, *_ = store.table(BC, "customers").values()
    store.put(BC, "customers", second["id"], {**second, "number": first["number"]})
    assert records.find("customers", "number", first["number"])["id"] == first["id"]
    store.delete(BC, "customers", first["id"])
    assert records.find("customers", "number", first["number"])["id"] == second["id"]
    assert records.find("customers", "number", "NOPE") is None
