"""The rule sets of the tables the default mappings use."""

from __future__ import annotations

import re
from typing import Any

from synchronization.rules import TableRules
from synchronization.rules.invoices import InvoiceLineRules, InvoiceRules, SalesOrderRules

ISO_CODE = re.compile(r"^[A-Z]{3}$")


class CurrencyRules(TableRules):
    """Currencies couple by ISO code; only standard ISO codes synchronize (seed 003)."""

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

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self._next = None

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

    def adjust(self, body: dict[str, Any], record: dict, inserting: bool) -> dict[str, Any]:
        if self.to_sales and inserting:
            body.setdefault("customertypecode", 3)
        return body


class ContactRules(TableRules):
    """Company contacts are not synchronized: only persons (5.3 step 1)."""

    def ignore(self, record: dict) -> str:
        if self.to_sales and str(record.get("type") or "") == "Company":
            return "Contacts of type Company are not synchronized."
        return ""


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
