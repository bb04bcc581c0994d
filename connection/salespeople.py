"""Couple Salespersons: pair Business Central salespeople with Dynamics 365 Sales users.

Sales users are read with the SALESPEOPLE mapping's integration table filter (enabled, licensed,
not the integration user); suggestions match by e-mail first, then by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django import forms

from connection import registry
from connection.models import ConnectionSetup
from connection.services import business_central_client, dataverse_client

SALES_USER_FILTER = (
    "isdisabled eq false and islicensed eq true and isintegrationuser eq false "
    "and applicationid eq null"
)


@dataclass(frozen=True)
class Salesperson:
    id: str
    code: str
    name: str
    email: str


@dataclass(frozen=True)
class SalesUser:
    id: str
    name: str
    email: str
    suggested: str = ""  # id of the BC salesperson proposed for this user
    coupled: str = ""  # id of the BC salesperson this user is coupled with


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", (text or "").lower())


def read_salespeople(connection: ConnectionSetup) -> list[Salesperson]:
    client = business_central_client(connection, interactive=True)
    rows = client.query("salespeoplePurchasers", select=["id", "code", "displayName", "email"])
    return [Salesperson(r["id"], r.get("code", ""), r.get("displayName", ""), r.get("email") or "")
            for r in rows]


def read_sales_users(connection: ConnectionSetup) -> list[dict]:
    client = dataverse_client(connection, interactive=True)
    return list(client.query("systemusers", select=["systemuserid", "fullname",
                                                     "internalemailaddress"],
                             filter=SALES_USER_FILTER, orderby="fullname"))


def suggest(users: list[dict], salespeople: list[Salesperson],
            coupled: dict[str, str]) -> list[SalesUser]:
    """Each Sales user with the salesperson that matches by e-mail, else by name."""
    by_email = {sp.email.lower(): sp.id for sp in salespeople if sp.email}
    by_name = {_key(sp.name): sp.id for sp in salespeople if sp.name}
    result = []
    for row in users:
        email = (row.get("internalemailaddress") or "").lower()
        name = row.get("fullname") or ""
        match = by_email.get(email) or by_name.get(_key(name)) or ""
        user_id = str(row["systemuserid"]).lower()
        result.append(SalesUser(user_id, name, email, match, coupled.get(user_id, "")))
    return result


def load(connection: ConnectionSetup) -> tuple[list[SalesUser], list[Salesperson]]:
    """Sales users with suggestions and the BC salespeople to choose from."""
    salespeople = read_salespeople(connection)
    users = suggest(read_sales_users(connection), salespeople,
                    registry.coupled_salespeople(connection))
    return users, salespeople


class CoupleSalespersonsForm(forms.Form):
    """One choice per Sales user: the BC salesperson to couple, or none."""

    def __init__(self, users: list[SalesUser], salespeople: list[Salesperson], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.users, self.salespeople = users, {sp.id: sp for sp in salespeople}
        choices = [("", "(do not couple)")] + [
            (sp.id, f"{sp.code} {sp.name}".strip()) for sp in salespeople]
        for user in users:
            self.fields[f"user_{user.id}"] = forms.ChoiceField(
                label=f"{user.name} ({user.email})" if user.email else user.name,
                choices=choices, required=False, initial=user.coupled or user.suggested,
            )

    def rows(self):
        """(Sales user, bound field) pairs for the table."""
        return [(user, self[f"user_{user.id}"]) for user in self.users]

    def clean(self) -> dict:
        data = super().clean()
        assert data is not None  # Form.clean() returns cleaned_data
        chosen = [value for value in data.values() if value]
        twice = {self.salespeople[v].code for v in chosen if chosen.count(v) > 1}
        if twice:
            codes = ", ".join(sorted(twice))
            raise forms.ValidationError(
                f"A salesperson can be coupled with one Sales user only: {codes}."
            )
        return data

    def pairs(self) -> list[dict[str, str]]:
        result = []
        for user in self.users:
            chosen = self.cleaned_data.get(f"user_{user.id}")
            if chosen:
                sp = self.salespeople[chosen]
                result.append({"bc_id": sp.id, "sales_id": user.id, "bc_number": sp.code,
                               "name": sp.name})
        return result
