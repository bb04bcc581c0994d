"""Posted sales invoices and their lines (bc-integration.md 5.7, POSTEDSALESINV-INV and
POSTEDSALESLINE-INV): Business Central -> Sales only.

The header gets its customer, owner and, when it came from a Sales order, the order's name and
links; its state follows the payment (Paid/Complete, Paid/Partial, Active/Billed). Once a page
of headers is written, the lines of those invoices are added to a job chained after the header
job; the line mapping cannot run by itself, because a line needs its coupled header.
"""

from __future__ import annotations

import logging
from typing import Any

from connection.clients import odata
from synchronization import jobs
from synchronization.leadtocash import couplings
from synchronization.models import JobKind, JobStatus, SyncDirection, SyncJob, SyncMode
from synchronization.rules import TableRules
from synchronization.transform import TransferError

log = logging.getLogger(__name__)

# Sales invoice states (statecode, statuscode) as BC sets them from the customer ledger entry.
PAID_COMPLETE = (2, 100001)
PAID_PARTIAL = (2, 100002)
ACTIVE_BILLED = (0, 4)
LINE_BATCH = 50
LINES_ALONE = ("Cannot synchronize invoice lines separately. Synchronize POSTEDSALESINV-INV: "
               "it synchronizes the lines of every invoice it writes.")


def invoice_state(record: dict) -> dict[str, int]:
    """statecode/statuscode from the remaining amount of the posted invoice."""
    total = float(record.get("totalAmountIncludingTax") or 0)
    remaining = float(record.get("remainingAmount") or 0)
    if remaining <= 0:
        state, status = PAID_COMPLETE
    elif remaining < total:
        state, status = PAID_PARTIAL
    else:
        state, status = ACTIVE_BILLED
    return {"statecode": state, "statuscode": status}


def owner(connection, record: dict) -> dict[str, Any]:
    """The user coupled to a BC document's salesperson (the API names the code `salesperson`);
    a blank salesperson leaves the owner as it is."""
    code = str(record.get("salesperson") or record.get("salespersonCode") or "")
    if not code:
        return {}
    found = couplings.sales_ids_by_number(connection, couplings.SALESPERSON, [code])
    if code not in found:
        raise TransferError(f"Salesperson Code {code} must be coupled to a record in "
                            "Dynamics 365 Sales. Couple it first (SALESPEOPLE).")
    return {"ownerid@odata.bind": odata.bind("systemusers", found[code])}


class InvoiceRules(TableRules):
    """POSTEDSALESINV-INV: customer, owner, originating order and payment state."""

    reads_bc_fields = None

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.connection = self.mapping.connection

    def ignore(self, record: dict) -> str:
        if not self.to_sales:
            return "Posted sales invoices synchronize from Business Central to Sales only."
        if str(record.get("status") or "") == "Draft":
            return "Only posted sales invoices are synchronized."
        return ""

    def adjust(self, body: dict[str, Any], record: dict, inserting: bool) -> dict[str, Any]:
        body.update(owner(self.connection, record))
        body.update(invoice_state(record))
        if inserting:
            body.update(self._origin(record))
        return body

    def _origin(self, record: dict) -> dict[str, Any]:
        """From the coupled Sales order when the invoice posted one, else the invoice itself."""
        order = self._sales_order(record)
        customer = self._account(record)
        if order is None:
            return {"name": str(record.get("number") or ""),
                    "customerid_account@odata.bind": odata.bind("accounts", customer)}
        if str(order.get("_customerid_value") or "").lower() != customer.lower():
            raise TransferError(
                f"Cannot create the invoice in Dynamics 365 Sales. The customer from the original "
                f"Dynamics 365 Sales sales order {order.get('name')} was changed or is no longer "
                "coupled.")
        body = {"name": order.get("name") or str(record.get("number") or ""),
                "customerid_account@odata.bind": odata.bind("accounts", customer),
                "salesorderid@odata.bind": odata.bind("salesorders", order['salesorderid'])}
        for column, entity_set in (("pricelevelid", "pricelevels"),
                                   ("opportunityid", "opportunities")):
            if order.get(f"_{column}_value"):
                body[f"{column}@odata.bind"] = odata.bind(entity_set, order[f"_{column}_value"])
        return body

    def _account(self, record: dict) -> str:
        customer_id = str(record.get("customerId") or "").lower()
        found = couplings.sales_ids(self.connection, couplings.CUSTOMER, [customer_id])
        if customer_id not in found:
            raise TransferError(
                f"Customer {record.get('customerNumber')} must be coupled to an account in "
                "Dynamics 365 Sales. Couple it first (CUSTOMER).")
        return found[customer_id]

    def _sales_order(self, record: dict) -> dict | None:
        """The Sales order the invoiced BC order was created from, if any (by order id, else by
        the order number the invoice keeps)."""
        order_id = str(record.get("orderId") or "").lower()
        found = couplings.sales_ids(self.connection, couplings.SALES_HEADER, [order_id])
        sales_id = found.get(order_id)
        if sales_id is None and record.get("orderNumber"):
            number = str(record["orderNumber"])
            sales_id = couplings.sales_ids_by_number(self.connection, couplings.SALES_HEADER,
                                                     [number]).get(number)
        if sales_id is None:
            return None
        rows = list(self.sales.client.query(
            "salesorders", filter=odata.equal("salesorderid", sales_id),
            select=["name", "_customerid_value", "_pricelevelid_value", "_opportunityid_value"]))
        return rows[0] if rows else None

    def after_page(self, succeeded: list[tuple[dict, str]]) -> None:
        if succeeded:
            InvoiceLinePush(self).run([self.bc.record_id(record) for record, _ in succeeded])


class InvoiceLineRules(TableRules):
    """POSTEDSALESLINE-INV: a line of a coupled header, its product or a write-in line."""

    reads_bc_fields = None

    def __init__(self, mapping, direction, bc, sales) -> None:
        super().__init__(mapping, direction, bc, sales)
        if not is_invoice_line_job(mapping):
            raise RuntimeError(LINES_ALONE)
        self.connection = mapping.connection
        self.products: dict[str, dict] = {}

    def ignore(self, record: dict) -> str:
        return "" if self.to_sales else "Invoice lines synchronize to Sales only."

    def adjust(self, body: dict[str, Any], record: dict, inserting: bool) -> dict[str, Any]:
        body.update(self._header(record))
        body.update(self._product(record))
        amount = float(record.get("amountExcludingTax") or 0)
        body["tax"] = round(float(record.get("amountIncludingTax") or 0) - amount, 2)
        body["lineitemnumber"] = int(record.get("sequence") or 0)
        return body

    def _header(self, record: dict) -> dict[str, Any]:
        header_id = str(record.get("documentId") or "").lower()
        found = couplings.sales_ids(self.connection, couplings.INVOICE_HEADER, [header_id])
        if header_id not in found:
            raise TransferError("Cannot find the coupled Dynamics 365 Sales invoice header.")
        return {"invoiceid@odata.bind": odata.bind("invoices", found[header_id])}

    def _product(self, record: dict) -> dict[str, Any]:
        kind = str(record.get("lineType") or "")
        number = str(record.get("lineObjectNumber") or "")
        if kind == "Item":
            found = couplings.sales_ids(self.connection, couplings.ITEM, [record.get("itemId")])
            product = found.get(str(record.get("itemId") or "").lower())
        elif kind == "Resource":
            product = couplings.sales_ids_by_number(self.connection, couplings.RESOURCE,
                                                    [number]).get(number)
        else:
            return write_in(record)
        if product is None:
            raise TransferError(f"Cannot synchronize the product {number}. Couple the "
                                f"{kind.lower()} to a Sales product first "
                                f"({'ITEM' if kind == 'Item' else 'RESOURCE'}-PRODUCT).")
        return {"productid@odata.bind": odata.bind("products", product),
                "isproductoverridden": False, **self._unit(product)}

    def _unit(self, product_id: str) -> dict[str, Any]:
        """The product's default unit: Sales needs a unit on a product line."""
        if product_id not in self.products:
            rows = self.sales.client.query("products", filter=odata.equal("productid", product_id),
                                           select=["_defaultuomid_value"])
            self.products[product_id] = next(iter(rows), {})
        unit = self.products[product_id].get("_defaultuomid_value")
        return {"uomid@odata.bind": odata.bind("uoms", unit)} if unit else {}


def write_in(record: dict) -> dict[str, Any]:
    """Lines that are not items or resources (G/L account, comment, ...) are write-in products."""
    text = f"{record.get('lineObjectNumber') or ''} {record.get('description') or ''}".strip()
    return {"isproductoverridden": True, "productdescription": f"{text}."[:500]}


class InvoiceLinePush:
    """Chain a job that synchronizes the lines of the invoices a header page just wrote.

    One line job per header job: it runs when the header job has ended (``jobs.start`` with
    ``after``), claimed like any job, and each page of headers adds its lines to it.
    """

    def __init__(self, header_rules: InvoiceRules) -> None:
        self.header = header_rules
        self.mapping = couplings.mapping_for(header_rules.connection, couplings.INVOICE_LINE)

    def run(self, invoice_ids: list[str]) -> SyncJob | None:
        if self.mapping is None:
            return None
        line_ids = self._line_ids(invoice_ids)
        parent = SyncJob.objects.filter(mapping=self.header.mapping,
                                        status=JobStatus.RUNNING).first()
        if not line_ids:
            return None
        waiting = self._waiting(parent)
        if waiting is not None:
            waiting.parameters["bc_ids"] = [*waiting.parameters["bc_ids"], *line_ids]
            SyncJob.objects.filter(pk=waiting.pk).update(parameters=waiting.parameters)
            return waiting
        return jobs.start(
            JobKind.SYNC_MAPPING, mapping=self.mapping, mapping_name=self.mapping.name,
            direction=SyncDirection.TO_SALES, mode=SyncMode.SELECTED, after=parent,
            started_by=f"POSTEDSALESINV-INV job #{parent.pk}" if parent else "",
            parameters={"bc_ids": line_ids, "sales_ids": [],
                        "invoice_job": parent.pk if parent else None})

    def _waiting(self, parent: SyncJob | None) -> SyncJob | None:
        """The line job already chained after this header job, still pending."""
        if parent is None:
            return None
        return SyncJob.objects.filter(mapping=self.mapping, status=JobStatus.PENDING,
                                      parameters__invoice_job=parent.pk).first()

    def _line_ids(self, invoice_ids: list[str]) -> list[str]:
        client, ids = self.header.bc.client, []
        for start in range(0, len(invoice_ids), LINE_BATCH):
            chunk = invoice_ids[start:start + LINE_BATCH]
            query = odata.any_equal("documentId", chunk)
            ids += [str(row["id"]).lower() for row in client.query(
                "salesInvoiceLines", filter=query, select=["id"])]
        return ids


def is_invoice_line_job(mapping) -> bool:
    """Whether the mapping runs now as the job chained after an invoice header job (the only
    way its lines may run: a line needs its coupled header)."""
    return SyncJob.objects.filter(mapping=mapping, status=JobStatus.RUNNING,
                                  parameters__has_key="invoice_job").exists()


class SalesOrderRules(TableRules):
    """SALESORDER-ORDER: released BC orders update their Sales order; the owner is the user
    coupled to the order's salesperson (the API names the code ``salesperson``)."""

    reads_bc_fields = None

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.connection = self.mapping.connection

    def adjust(self, body: dict[str, Any], record: dict, inserting: bool) -> dict[str, Any]:
        if self.to_sales:
            body.update(owner(self.connection, record))
        return body
