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
