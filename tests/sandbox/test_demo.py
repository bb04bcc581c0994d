"""Demo data, the volume generator and coverage of the default integration mappings."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from sandbox import credentials, demo
from sandbox.dataverse_schema import ENTITIES
from sandbox.store import Store

MAPPINGS = Path(__file__).resolve().parents[3] / "shared" / "reference" / "bc-default-mappings.json"


def test_demo_company_has_the_cronus_customers_and_items(business_central):
    names = {c["displayName"] for c in business_central.get("customers").json()["value"]}
    assert {
        "Adatum Corporation",
        "Trey Research",
        "Alpine Ski House",
        "School of Fine Art",
        "Relecloud",
    } <= names
    items = {i["displayName"] for i in business_central.get("items").json()["value"]}
    assert {"ATHENS Desk", "PARIS Guest Chair, black", "LONDON Swivel Chair, blue"} <= items
    for collection in (
        "currencies",
        "unitsOfMeasure",
        "paymentTerms",
        "shipmentMethods",
        "salespeoplePurchasers",
        "opportunities",
        "salesInvoices",
        "salesOrders",
        "contacts",
        "customerFinancialDetails",
        "itemCategories",
    ):
        assert business_central.get(collection).json()["value"], collection


def test_sales_has_matching_and_non_matching_accounts_and_nothing_coupled(dataverse):
    accounts = dataverse.get(
        "accounts?$select=name,bcbi_companyid,_bcbi_companyid_value"
    ).status_code
    assert accounts == 400  # the lookup is read as _bcbi_companyid_value only
    rows = dataverse.get("accounts?$select=name,_bcbi_companyid_value").json()["value"]
    names = {row["name"] for row in rows}
    assert {"Adatum Corporation", "Trey Research", "Alpine Ski House", "Relecloud"} <= names
    assert "Blue Yonder Airlines" in names
    assert all(row["_bcbi_companyid_value"] is None for row in rows)
    assert dataverse.get("nav_connections").json()["value"] == []


def test_sales_users_cover_integration_admin_salespeople_and_a_disabled_user(
    dataverse, sandbox_clean
):
    users = dataverse.get(
        "systemusers?$select=fullname,internalemailaddress,isdisabled,islicensed,isintegrationuser"
    ).json()["value"]
    by_email = {u["internalemailaddress"]: u for u in users}
    creds = sandbox_clean.credentials
    assert by_email[creds["integration_user"]]["isintegrationuser"] is True
    assert by_email[creds["admin_user"]]["fullname"] == "Sandbox Administrator"
    assert any(u["isdisabled"] for u in users)
    active = {u["fullname"] for u in users if u["islicensed"] and not u["isdisabled"]}
    assert {"Peter Saddow", "Annette Hill"} <= active
    base = dataverse.get("organizations?$select=_basecurrencyid_value").json()["value"][0]
    currency = dataverse.get(
        f"transactioncurrencies({base['_basecurrencyid_value']})?$select=isocurrencycode"
    )
    assert currency.json()["isocurrencycode"] == "USD"


def test_reset_restores_the_demo_state(dataverse, sandbox_clean):
    dataverse.post("accounts", json={"name": "Temporary"})
    sandbox_clean.reset()
    assert sandbox_clean.records("dataverse", "accounts", name="Temporary")["count"] == 0


def test_reset_accepts_generator_sizes(sandbox_clean):
    sandbox_clean.reset(customers=250, accounts=20)
    assert sandbox_clean.records("business_central", "customers", top=0)["count"] == 260
    assert sandbox_clean.records("dataverse", "accounts", top=0)["count"] == 31


def test_the_generator_seeds_100k_customers_quickly(tmp_path):
    state = credentials.load_or_create(tmp_path)
    store = Store(tmp_path / "sandbox.sqlite3")
    started = time.monotonic()
    demo.seed(store, state, {"customers": 100_000})
    assert time.monotonic() - started < 30
    assert len(store.table("business_central", "customers")) == 100_010
    store.close()
    assert (
        len(Store(tmp_path / "sandbox.sqlite3").table("business_central", "customers")) == 100_010
    )


@pytest.mark.skipif(not MAPPINGS.exists(), reason="shared reference data not available")
def test_every_entity_and_attribute_of_the_default_mappings_exists():
    data = json.loads(MAPPINGS.read_text())
    missing = []
    for mapping in data["mappings"] + data["mappings_dataverse_era"]["mappings"]:
        entity = ENTITIES.get(mapping["crm_entity"].split(" ")[0])
        if entity is None:
            missing.append(mapping["crm_entity"])
            continue
        fields = mapping.get("fields") or mapping.get("field_mappings") or []
        names = [f["crm_attribute"] for f in fields] + [mapping["integration_table_uid_attribute"]]
        missing += [f"{entity.logical_name}.{n}" for n in names if n and n not in entity.attributes]
    assert missing == []
