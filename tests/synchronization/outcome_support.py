"""Reading both systems back after a faulty or interrupted full synchronization (no tests
here): the figures the kill -9 and fault runs report and assert, from the services' APIs and
the reconciliation check."""

from __future__ import annotations

from collections import Counter

from connection import services
from mappings.models import Coupling, IntegrationTableMapping
from synchronization import reconcile
from synchronization.models import SyncError

PROBLEMS = ("duplicates", "missing", "blank", "dangling")


def read_back(connection) -> dict[str, int]:
    """CUSTOMER read through both APIs against its couplings: records, duplicates by name,
    unblocked BC customers neither coupled nor failed with an open error saying why (missing),
    those that failed (failed: the demo has three whose salesperson Sales lacks), nameless
    accounts and dangling couplings."""
    bc = services.business_central_client(connection)
    dv = services.dataverse_client(connection)
    try:
        customers = list(bc.query("customers"))
        accounts = list(dv.query("accounts", select=["name"]))
    finally:
        bc.close()
        dv.close()
    target = IntegrationTableMapping.objects.get(connection=connection, name="CUSTOMER")
    couplings = list(Coupling.objects.filter(mapping=target).values_list("bc_id", "sales_id"))
    bc_ids = {str(r["id"]).lower() for r in customers}
    sales_ids = {str(r["accountid"]).lower() for r in accounts}
    unblocked = {str(r["id"]).lower() for r in customers if r.get("blocked", " ") == " "}
    uncoupled = unblocked - {str(b) for b, _ in couplings}
    explained = set(SyncError.objects.filter(
        mapping=target, resolved=False, source_id__in=uncoupled).values_list("source_id",
                                                                             flat=True))
    return {
        "bc customers": len(customers), "sales accounts": len(accounts),
        "couplings": len(couplings),
        "duplicates": extra(r.get("displayName") for r in customers)
        + extra(r.get("name") for r in accounts),
        "missing": len(uncoupled - explained),
        "failed": len(uncoupled & explained),
        "blank": sum(1 for r in accounts if not str(r.get("name") or "").strip()),
        "dangling": sum(1 for b, s in couplings
                        if str(b) not in bc_ids or str(s) not in sales_ids),
    }


def extra(names) -> int:
    """Records beyond the first of each (non-blank) name."""
    return sum(count - 1 for name, count in Counter(names).items() if name and count > 1)


def reconcile_problems(connection) -> dict[str, int]:
    """The reconciliation check of every mapping: problems by kind, summed over mappings, and
    CUSTOMER's uncoupled records on each side."""
    totals: Counter = Counter()
    for report in reconcile.check_connection(connection,
                                             reconcile.mappings_to_check(connection, None)):
        counts = report.get("counts", {})
        totals.update({k: counts.get(k, 0) for k in reconcile.PROBLEMS})
        totals["errors"] += 1 if report.get("error") else 0
        if report.get("mapping") == "CUSTOMER":
            totals["uncoupled_bc"] += counts.get("uncoupled_bc", 0)
            totals["uncoupled_sales"] += counts.get("uncoupled_sales", 0)
    return dict(totals)
