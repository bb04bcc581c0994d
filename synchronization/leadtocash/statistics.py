"""Customer Statistics job (every 30 minutes, bc-integration.md 5.10): each coupled customer's
figures to the Business Central Account Statistics row of its account in Sales.

From the API: Balance (LCY), Total Sales (LCY) and Overdue Amounts (LCY) from
``customerFinancialDetails``; Credit Limit (LCY) from the customer; Outstanding Orders (LCY) and
Shipped Not Invoiced (LCY) from the open quantities of its order lines; Outstanding Invoices (LCY)
from its unposted (draft) invoices. The service fields are not sent (as in newer BC) and the
API has no invoiced prepayments, so that figure is 0. A statistics row is created with an id
derived from the customer (so a rerun never makes a second one) and linked to the account.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date

from connection.clients import odata
from connection.clients.dataverse_batch import BatchOperation
from mappings.models import Coupling
from synchronization.leadtocash import couplings
from synchronization.leadtocash.jobs import clients, connection_of
from synchronization.models import SyncDirection, SyncError, SyncJob
from synchronization.rules.invoices import invoice_state

ENTITY_SET = "nav_accountstatisticses"
CHUNK = 50
MONEY_FIELDS = ("nav_balancelcy", "nav_outstandingorderslcy", "nav_shippednotinvoicedlcy",
                "nav_outstandinginvoiceslcy", "nav_totallcy", "nav_creditlimitlcy",
                "nav_overdueamountslcy", "nav_totalsaleslcy", "nav_invdprepaymentamountlcy")


def statistics_id(connection, customer_id: str) -> str:
    """The id of a customer's statistics row: the same on every run, so none is made twice."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"bcsales:{connection.pk}:statistics:"
                                              f"{customer_id.lower()}"))


def figures(customer: dict, financial: dict, lines: Iterable[dict],
            draft_invoices: Iterable[dict]) -> dict:
    """The statistics columns of one customer."""
    outstanding = shipped_not_invoiced = 0.0
    for line in lines:
        quantity = float(line.get("quantity") or 0)
        if not quantity:
            continue
        per_unit = float(line.get("amountIncludingTax") or 0) / quantity
        shipped = float(line.get("shippedQuantity") or 0)
        outstanding += (quantity - shipped) * per_unit
        shipped_not_invoiced += (shipped - float(line.get("invoicedQuantity") or 0)) * per_unit
    invoices = sum(float(i.get("totalAmountIncludingTax") or 0) for i in draft_invoices)
    balance = float(financial.get("balance") or 0)
    values = {
        "nav_name": str(customer.get("displayName") or "")[:100],
        "nav_customerno": str(customer.get("number") or "")[:20],
        "nav_balancelcy": balance,
        "nav_outstandingorderslcy": round(outstanding, 2),
        "nav_shippednotinvoicedlcy": round(shipped_not_invoiced, 2),
        "nav_outstandinginvoiceslcy": round(invoices, 2),
        "nav_creditlimitlcy": float(customer.get("creditLimit") or 0),
        "nav_overdueamountslcy": float(financial.get("overdueAmount") or 0),
        "nav_overdueamountsasofdate": date.today().isoformat(),
        "nav_totalsaleslcy": float(financial.get("totalSalesExcludingTax") or 0),
        "nav_invdprepaymentamountlcy": 0.0,
    }
    values["nav_totallcy"] = round(balance + outstanding + shipped_not_invoiced + invoices, 2)
    return values


def customer_statistics(job: SyncJob) -> dict:
    """Push the figures of every coupled, not skipped customer."""
    connection = connection_of(job)
    mapping = couplings.mapping_for(connection, couplings.CUSTOMER)
    rows = list(Coupling.objects.filter(mapping=mapping, skipped=False)) if mapping else []
    job.beat(records_total=len(rows))
    with clients(connection, job) as (bc, sales):
        for start in range(0, len(rows), CHUNK):
            StatisticsPage(job, connection, bc, sales).push(rows[start:start + CHUNK])
        paid = update_invoice_states(connection, bc, sales)
    return {"customers": len(rows), "invoice_states": paid}


def update_invoice_states(connection, bc, sales) -> int:
    """The same job moves coupled Sales invoices to Paid/Complete, Paid/Partial or Active/Billed
    as their BC invoices are paid (5.10); only invoices whose state differs are written."""
    mapping = couplings.mapping_for(connection, couplings.INVOICE_HEADER)
    rows = list(Coupling.objects.filter(mapping=mapping)) if mapping else []
    changed = 0
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        posted = {str(r["id"]).lower(): r for r in bc.query(
            "salesInvoices", filter=_any("id", [str(c.bc_id) for c in chunk]),
            select=["id", "totalAmountIncludingTax", "remainingAmount"])}
        current = {str(r["invoiceid"]).lower(): r for r in sales.query(
            "invoices", filter=odata.any_equal("invoiceid", (c.sales_id for c in chunk)),
            select=["statecode", "statuscode"])}
        operations = []
        for coupling in chunk:
            record = posted.get(str(coupling.bc_id).lower())
            now = current.get(str(coupling.sales_id).lower())
            wanted = invoice_state(record) if record else None
            if wanted and now and (now["statecode"], now["statuscode"]) != (
                    wanted["statecode"], wanted["statuscode"]):
                operations.append(BatchOperation("PATCH", f"invoices({coupling.sales_id})",
                                                 wanted, {"If-Match": "*"}))
        if operations:
            changed += sum(1 for r in sales.batch(operations, continue_on_error=True) if r.ok)
    return changed


class StatisticsPage:
    """One page of customers: a few reads per side, one Dataverse batch."""

    def __init__(self, job: SyncJob, connection, bc, sales) -> None:
        self.job, self.connection, self.bc, self.sales = job, connection, bc, sales

    def push(self, rows: list[Coupling]) -> None:
        ids = [str(c.bc_id).lower() for c in rows]
        customers = self._by("customers", "id", ids)
        financial = self._by("customerFinancialDetails", "id", ids)
        lines = self._order_lines(ids)
        drafts = self._grouped(self.bc.query("salesInvoices", filter=_any("customerId", ids)
                                             + " and status eq 'Draft'"), "customerId")
        accounts = self._accounts([str(c.sales_id) for c in rows])
        plans = []
        for coupling in rows:
            bc_id = str(coupling.bc_id).lower()
            if bc_id not in customers:
                self._fail(coupling, "The coupled customer does not exist in Business Central "
                                     "any more. Remove the coupling or couple it again.")
                continue
            values = figures(customers[bc_id], financial.get(bc_id, {}), lines.get(bc_id, []),
                             drafts.get(bc_id, []))
            plans += self._plan(coupling, values, accounts)
        self._write(plans)

    def _by(self, entity: str, key: str, ids: list[str]) -> dict[str, dict]:
        return {str(r[key]).lower(): r for r in self.bc.query(entity, filter=_any(key, ids))}

    def _grouped(self, records, key: str) -> dict[str, list[dict]]:
        grouped: dict[str, list[dict]] = {}
        for record in records:
            grouped.setdefault(str(record.get(key) or "").lower(), []).append(record)
        return grouped

    def _order_lines(self, customer_ids: list[str]) -> dict[str, list[dict]]:
        orders = {str(o["id"]).lower(): str(o["customerId"]).lower() for o in self.bc.query(
            "salesOrders", filter=_any("customerId", customer_ids), select=["id", "customerId"])}
        by_customer: dict[str, list[dict]] = {}
        order_ids = list(orders)
        for start in range(0, len(order_ids), CHUNK):
            for line in self.bc.query("salesOrderLines",
                                      filter=_any("documentId", order_ids[start:start + CHUNK])):
                customer = orders[str(line["documentId"]).lower()]
                by_customer.setdefault(customer, []).append(line)
        return by_customer

    def _accounts(self, account_ids: list[str]) -> dict[str, dict]:
        query = odata.any_equal("accountid", account_ids)
        rows = self.sales.query("accounts", filter=query,
                                select=["accountid", "_nav_accountstatisticsid_value"])
        return {str(r["accountid"]).lower(): r for r in rows}

    def _plan(self, coupling: Coupling, values: dict, accounts: dict) -> list[tuple]:
        """(coupling, operation, kind) for the statistics row and, if new, the account link."""
        account = accounts.get(str(coupling.sales_id).lower())
        if account is None:
            self._fail(coupling, "The coupled account does not exist in Dynamics 365 Sales any "
                                 "more. Remove the coupling or couple it again.")
            return []
        row_id = str(account.get("_nav_accountstatisticsid_value") or "") or \
            statistics_id(self.connection, str(coupling.bc_id))
        url = f"{ENTITY_SET}({row_id})"
        plans = [(coupling, BatchOperation("PATCH", url, values), "row")]
        if not account.get("_nav_accountstatisticsid_value"):
            link = {"nav_accountstatisticsid@odata.bind": odata.bind(ENTITY_SET, row_id)}
            plans.append((coupling, BatchOperation("PATCH", f"accounts({coupling.sales_id})",
                                                   link, {"If-Match": "*"}), "link"))
        return plans

    def _write(self, plans: list[tuple]) -> None:
        if not plans:
            return
        results = self.sales.batch([operation for _c, operation, _k in plans],
                                   continue_on_error=True)
        failed: set[int] = set()
        for (coupling, _operation, _kind), result in zip(plans, results, strict=True):
            if not result.ok and coupling.pk not in failed:
                failed.add(coupling.pk)
                self._fail(coupling, result.error_message or f"HTTP {result.status}", result)
        rows = {c.pk for c, _o, kind in plans if kind == "row"}
        self.job.add(modified=len(rows - failed))

    def _fail(self, coupling: Coupling, message: str, problem: object = None) -> None:
        SyncError.objects.create(job=self.job, mapping=coupling.mapping, coupling=coupling,
                                 direction=SyncDirection.TO_SALES, source_id=str(coupling.bc_id),
                                 destination_id=str(coupling.sales_id),
                                 source_label=f"{coupling.bc_number} {coupling.display_name}"
                                 [:250], message=message, **SyncError.details_of(problem))
        self.job.add(failed=1)


def _any(field: str, ids: list[str]) -> str:
    return "(" + odata.any_equal(field, ids) + ")"
