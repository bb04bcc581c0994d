"""Reading both systems back for the reconciliation and initial synchronization tests."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from io import StringIO

from django.core.management import call_command

from connection import services

MATCHING = ("Adatum Corporation", "Trey Research", "Alpine Ski House", "Relecloud")


def bc_customer_names(connection) -> Counter:
    client = services.business_central_client(connection)
    return Counter(str(r.get("displayName") or "") for r in client.query("customers"))


def sales_account_names(connection, active_customers_only: bool = True) -> Counter:
    client = services.dataverse_client(connection)
    rows = client.query("accounts", select=["name", "statecode", "customertypecode"])
    return Counter(str(r.get("name") or "") for r in rows
                   if not active_customers_only
                   or (r.get("statecode") == 0 and r.get("customertypecode") == 3))


def ids_by_name(connection) -> tuple[dict, dict]:
    """(BC customer id by name, Sales account id by name), as UUIDs."""
    bc = services.business_central_client(connection)
    dv = services.dataverse_client(connection)
    return ({r["displayName"]: uuid.UUID(r["id"]) for r in bc.query("customers")},
            {r["name"]: uuid.UUID(r["accountid"]) for r in dv.query("accounts",
                                                                   select=["name"])})


def duplicates(names: Counter) -> dict[str, int]:
    """Names held more than once. Blank names are not counted here: until option mappings stop
    synchronizing codes as accounts they leave blank accounts (reconcile reports them)."""
    return {name: count for name, count in names.items() if count > 1 and name}


def reconcile_json(*args: str) -> tuple[int, dict]:
    """``manage.py reconcile --json ...``: (exit status, the report)."""
    out = StringIO()
    try:
        call_command("reconcile", "--json", *args, stdout=out)
        status = 0
    except SystemExit as exc:
        status = int(exc.code or 0)
    return status, json.loads(out.getvalue())


def mapping_report(report: dict, name: str) -> dict:
    return next(m for m in report["mappings"] if m["mapping"] == name)


# -- reconcile as the oracle -------------------------------------------------------------------
CLEAN = ("dangling", "duplicates_bc", "duplicates_sales", "blank", "drift",
         "missing_options_bc", "missing_options_sales")
# Option mapping -> the account's choice column and how many codes the demo holds.
OPTION_SETS = {"PAYMENT TERMS": ("paymenttermscode", 7),
               "SHIPMENT METHOD": ("address1_freighttermscode", 5),
               "SHIPPING AGENT": ("address1_shippingmethodcode", 4)}


def assert_reconciles_clean(*names: str) -> dict:
    """``reconcile --json`` (these mappings, or all) exits 0 and reports nothing to fix: no
    duplicates, blank records, dangling couplings, drift or missing option values."""
    status, report = reconcile_json(*[a for name in names for a in ("--mapping", name)])
    for mapping in report["mappings"]:
        assert mapping["error"] == "", mapping
        found = {name: mapping["counts"].get(name, 0) for name in CLEAN}
        assert not any(found.values()) and mapping["problems"] == 0, (mapping["mapping"], found,
                                                                      mapping["findings"])
    assert status == 0 and report["problems"] == 0
    return report


def bc_codes(connection, option_mapping: str) -> set[str]:
    from mappings.models import IntegrationTableMapping
    from synchronization.sides import BcSide

    mapping = IntegrationTableMapping.objects.get(connection=connection, name=option_mapping)
    client = services.business_central_client(connection)
    try:
        side = BcSide(mapping, client)
        return {side.number(r) for page in side.read_pages(None) for r in page if side.number(r)}
    finally:
        client.close()


def assert_option_values_and_named_accounts(connection) -> None:
    """Sales holds every BC payment term, shipment method and shipping agent code as an option
    of the account's choice columns, and no account without a name (read back)."""
    client = services.dataverse_client(connection)
    for name, (column, demo_count) in OPTION_SETS.items():
        codes = bc_codes(connection, name)
        assert len(codes) == demo_count, (name, codes)
        labels = {label.casefold() for label in client.choice_labels("account", column)}
        assert {code.casefold() for code in codes} <= labels, (name, codes, labels)
    nameless = [r["accountid"] for r in client.query("accounts", select=["name"])
                if not str(r.get("name") or "").strip()]
    assert nameless == []
