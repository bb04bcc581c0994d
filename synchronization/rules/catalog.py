"""The rule sets of the tables the default mappings use."""

from __future__ import annotations

import re
from typing import Any

from connection.clients import odata
from mappings.models import Coupling
from synchronization.rules import TableRules
from synchronization.rules.invoices import InvoiceLineRules, InvoiceRules, SalesOrderRules
from synchronization.transform import TransferError

ISO_CODE = re.compile(r"^[A-Z]{3}$")


class CurrencyRules(TableRules):
    """Currencies couple by ISO code; only standard ISO codes synchronize (seed 003)."""

    reads_bc_fields = ("code",)

    def ignore(self, record: dict) -> str:
        if self.to_sales and not ISO_CODE.match(str(record.get("code") or "")):
            return "Only currencies with a standard ISO code are synchronized."
        return ""

    def match(self, records: list[dict]) -> dict[str, str]:
        if not self.to_sales:
            return {}
        existing = {str(row.get("isocurrencycode") or "").upper(): str(row["transactioncurrencyid"])
                    for row in self.sales.client.query("transactioncurrencies",
                                                       select=["isocurrencycode"])}
        return {self.bc.record_id(r): existing[r["code"]] for r in records
                if r.get("code") in existing}

    def adjust(self, body: dict[str, Any], record: dict, inserting: bool) -> dict[str, Any]:
        if self.to_sales:
            body.setdefault("exchangerate", 1.0)
            body.setdefault("currencyprecision", 2)
        return body


class UnitOfMeasureRules(TableRules):
    """A unit of measure is a unit group named `NAV <code>` with exactly one unit (5.6)."""

    reads_bc_fields = ("code",)

    def match(self, records: list[dict]) -> dict[str, str]:
        if not self.to_sales:
            return {}
        groups = {str(row.get("name") or ""): str(row["uomscheduleid"])
                  for row in self.sales.client.query("uomschedules", select=["name"])}
        return {self.bc.record_id(r): groups[group_name(r)] for r in records
                if group_name(r) in groups}

    def adjust(self, body: dict[str, Any], record: dict, inserting: bool) -> dict[str, Any]:
        if self.to_sales:
            body["name"] = group_name(record)
        return body


def group_name(record: dict) -> str:
    return f"NAV {record.get('code') or ''}"[:200]


class SalespersonRules(TableRules):
    """Salespeople come from licensed, enabled, non-integration users; new ones get a code."""

    reads_bc_fields = ()  # reads Sales users, never BC records

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self._next: int | None = None

    def ignore(self, record: dict) -> str:
        if self.to_sales:
            return ""
        if record.get("isdisabled") or record.get("islicensed") is False \
                or record.get("isintegrationuser"):
            return "Only enabled, licensed users who are not integration users are synchronized."
        return ""

    def match(self, records: list[dict]) -> dict[str, str]:
        """A Sales user couples to the salesperson with the same e-mail, else the same name."""
        if self.to_sales:
            return {}
        people = list(self.bc.client.query("salespeoplePurchasers",
                                           select=["id", "email", "displayName"]))
        by_email = {str(p.get("email") or "").lower(): p["id"] for p in people if p.get("email")}
        by_name = {str(p.get("displayName") or "").lower(): p["id"] for p in people}
        matches = {}
        for user in records:
            email = str(user.get("internalemailaddress") or "").lower()
            found = by_email.get(email) or by_name.get(str(user.get("fullname") or "").lower())
            if found:
                matches[self.sales.record_id(user)] = str(found).lower()
        return matches

    def adjust(self, body: dict[str, Any], record: dict, inserting: bool) -> dict[str, Any]:
        if not self.to_sales and inserting:
            body.setdefault("code", self._new_code())
        return body

    def _new_code(self) -> str:
        """`SP NO. <n>`: the first free number, as BC names salespeople it creates (5.5)."""
        if self._next is None:
            codes = {row.get("code") for row in self.bc.client.query(
                "salespeoplePurchasers", select=["code"])}
            self._next = 1
            self._taken = codes
        while f"SP NO. {self._next}" in self._taken:
            self._next += 1
        code = f"SP NO. {self._next}"
        self._taken.add(code)
        return code


class ProductRules(TableRules):
    """Items are Sales Inventory products, resources Services; no negative price or stock."""

    reads_bc_fields = ()  # adjusts the body only

    product_type = 1  # Sales Inventory

    def adjust(self, body: dict[str, Any], record: dict, inserting: bool) -> dict[str, Any]:
        if not self.to_sales:
            return body
        for column in ("price", "quantityonhand"):
            if isinstance(body.get(column), int | float) and body[column] < 0:
                body[column] = 0
        body.setdefault("producttypecode", self.product_type)
        body.setdefault("quantitydecimal", 2)
        return body


class ResourceRules(ProductRules):
    product_type = 3  # Services


class CustomerRules(TableRules):
    """New accounts get the template BCICUSTOME: Relationship Type = Customer (2.4)."""

    reads_bc_fields = ()  # adjusts the body only

    def adjust(self, body: dict[str, Any], record: dict, inserting: bool) -> dict[str, Any]:
        if self.to_sales and inserting:
            body.setdefault("customertypecode", 3)
        return body


class ContactRules(TableRules):
    """Company contacts are not synchronized: only persons (5.3 step 1). To Sales a person's
    ParentCustomerId is the account coupled to the customer of its contact company (5.7: "The
    contact %1 must have a contact company that has a business relation to a customer.")."""

    reads_bc_fields = None

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self._customers: dict[str, str] | None = None  # company contact No. -> customer id
        self._accounts: dict[str, str] = {}  # customer id -> coupled account id ('' if none)

    def ignore(self, record: dict) -> str:
        if self.to_sales and str(record.get("type") or "") == "Company":
            return "Contacts of type Company are not synchronized."
        return ""

    def adjust(self, body: dict[str, Any], record: dict, inserting: bool) -> dict[str, Any]:
        if not self.to_sales:
            return self._to_business_central(body, record, inserting)
        body.update(_names(record))
        account = self._account_of(record)
        body.pop("parentcustomerid", None)
        body["parentcustomerid_account@odata.bind"] = odata.bind("accounts", account)
        return body

    def _to_business_central(self, body: dict[str, Any], record: dict, inserting: bool
                             ) -> dict[str, Any]:
        """The API takes no first name or surname: BC's Name is the Sales full name. A new
        contact belongs to the company contact of the customer coupled to its parent account
        (5.7: "The contact cannot be created because the company does not exist.")."""
        name = str(record.get("fullname") or "").strip() or " ".join(
            str(record.get(k) or "").strip() for k in ("firstname", "lastname")).strip()
        if name:
            body["displayName"] = name
        if inserting:
            body["companyNumber"] = self._company_of(record)
        return body

    def _company_of(self, record: dict) -> str:
        account = str(record.get("_parentcustomerid_value") or "").lower()
        coupling = Coupling.objects.filter(
            mapping__connection=self.mapping.connection, mapping__bc_table="Customer",
            sales_id=account).first() if account else None
        customer = str(coupling.bc_id).lower() if coupling else ""
        company = next((number for number, of in self._company_customers().items()
                        if customer and of == customer), "")
        if not company:
            raise TransferError("The contact cannot be created because the company does not "
                                "exist.")
        return company

    def _account_of(self, record: dict) -> str:
        customer = self._company_customers().get(str(record.get("companyNumber") or ""))
        if not customer:
            raise TransferError(f"The contact {record.get('number') or ''} must have a contact "
                                "company that has a business relation to a customer.")
        if customer not in self._accounts:
            coupling = Coupling.objects.filter(mapping__connection=self.mapping.connection,
                                               mapping__bc_table="Customer",
                                               bc_id=customer).first()
            self._accounts[customer] = str(coupling.sales_id) if coupling else ""
        if not self._accounts[customer]:
            raise TransferError(f"The customer of contact company {record.get('companyName')} "
                                "is not coupled to an account: synchronize CUSTOMER first.")
        return self._accounts[customer]

    def _company_customers(self) -> dict[str, str]:
        """Company contacts with a customer business relation, to that customer's id. The API
        does not publish the Contact Business Relation table: a company contact created for a
        customer carries the customer's name, so the two are paired on it."""
        if self._customers is None:
            client = self.bc.client
            by_name = {str(c.get("displayName") or "").casefold(): str(c["id"]).lower()
                       for c in client.query("customers", select=["id", "displayName"])}
            companies = client.query("contacts", filter="type eq 'Company'",
                                     select=["number", "displayName", "contactBusinessRelation"])
            self._customers = {
                str(c.get("number")): by_name.get(str(c.get("displayName") or "").casefold(), "")
                for c in companies if c.get("contactBusinessRelation") in (None, "Customer")}
        return self._customers


def _names(record: dict) -> dict[str, str]:
    """First and last name for Sales (its full name is composed of them): BC's own fields when
    the record carries them, else its Name split at the first space."""
    if record.get("firstName") or record.get("surname"):
        return {k: v for k, v in (("firstname", record.get("firstName")),
                                  ("middlename", record.get("middleName")),
                                  ("lastname", record.get("surname"))) if v}
    first, _, last = str(record.get("displayName") or "").strip().partition(" ")
    return {"firstname": first, "lastname": last.strip()} if last else {"lastname": first}


RULES: dict[str, type[TableRules]] = {
    "Currency": CurrencyRules,
    "Unit of Measure": UnitOfMeasureRules,
    "Salesperson/Purchaser": SalespersonRules,
    "Item": ProductRules,
    "Resource": ResourceRules,
    "Contact": ContactRules,
    "Customer": CustomerRules,
    "Sales Invoice Header": InvoiceRules,
    "Sales Invoice Line": InvoiceLineRules,
    "Sales Header": SalesOrderRules,
}
