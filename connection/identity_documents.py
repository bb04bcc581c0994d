"""The identity pool in the connection document (``connection export`` / ``setup_connection``).

Each additional application user is exported with its name, client ID, enabled flag and
certificate thumbprint; its secret or certificate never is: like the connection's own secrets it
becomes an empty ``client_secret_env`` (or ``certificate_env``) placeholder to fill with the name
of an environment variable. Applying goes through the card's form, so every rule of the page
holds. An identity the document creates, or gives a new client ID, secret or certificate, is
"never checked" and takes no writes until a check passes; one left without a secret waits for
the administrator to enter it on the card. Identities the document does not list are kept.
"""

from __future__ import annotations

import os
from typing import Any

from connection.forms import SalesIdentityForm
from connection.models import ConnectionSetup, SalesIdentity

KEY = "sales_identities"
SECRETS = ("client_secret", "certificate")
FIELDS = {"name", "client_id", "enabled", "certificate_thumbprint", *SECRETS,
          *(f"{name}_env" for name in SECRETS)}


class IdentityDocumentError(ValueError):
    """An identity entry cannot be applied; the message names it and the fields at fault."""


def export_identities(connection: ConnectionSetup) -> list[dict[str, Any]]:
    """Every identity of the connection, oldest first, without secrets."""
    entries = []
    for identity in connection.sales_identities.all():
        entry: dict[str, Any] = {"name": identity.name, "client_id": identity.client_id,
                                 "enabled": identity.enabled}
        if identity.uses_certificate:
            entry.update(certificate_thumbprint=identity.certificate_thumbprint,
                         certificate_env="")
        elif identity.has_credential:
            entry["client_secret_env"] = ""  # fill in the variable that holds it
        entries.append(entry)
    return entries


def apply_identities(connection: ConnectionSetup, entries: object) -> list[SalesIdentity]:
    """Create or update the listed identities (matched by client ID, else by name). Call it in
    the transaction that saved ``connection``: an error leaves nothing half applied."""
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise IdentityDocumentError(f"{KEY} must be a list of objects (name, client_id, ...).")
    _refuse_repeats(entries)
    return [_apply(connection, number, entry) for number, entry in enumerate(entries, start=1)]


def _refuse_repeats(entries: list[dict[str, Any]]) -> None:
    for field in ("name", "client_id"):
        values = [str(e.get(field) or "").strip().lower() for e in entries]
        repeated = sorted({v for v in values if v and values.count(v) > 1})
        if repeated:
            raise IdentityDocumentError(f"{KEY}: the {field} {', '.join(repeated)} is listed "
                                        "more than once.")


def _apply(connection: ConnectionSetup, number: int, entry: dict[str, Any]) -> SalesIdentity:
    where = f"{KEY} entry {number} ({entry.get('name') or 'no name'})"
    if unknown := sorted(set(entry) - FIELDS):
        raise IdentityDocumentError(f"{where}: unknown settings: {', '.join(unknown)}.")
    if not isinstance(entry.get("enabled", True), bool):
        raise IdentityDocumentError(f"{where}: enabled must be true or false.")
    data = {key: str(entry.get(key) or "") for key in
            ("name", "client_id", "certificate_thumbprint")}
    data.update(_secrets(entry, where))
    form = SalesIdentityForm(connection, {f"identity-{k}": v for k, v in data.items()},
                             identity=_existing(connection, data), require_credential=False)
    if not form.is_valid():
        problems = "; ".join(f"{field}: {' '.join(str(e) for e in errors)}"
                             for field, errors in form.errors.items())
        raise IdentityDocumentError(f"{where}: {problems}")
    identity = form.save()
    enabled = entry.get("enabled", True)
    if identity.enabled != enabled:
        identity.enabled = enabled
        identity.save(update_fields=["enabled"])
    return identity


def _existing(connection: ConnectionSetup, data: dict[str, str]) -> SalesIdentity | None:
    identities = connection.sales_identities.all()
    client_id = data["client_id"].strip()
    return (identities.filter(client_id__iexact=client_id).first() if client_id else None) \
        or identities.filter(name__iexact=data["name"].strip()).first()


def _secrets(entry: dict[str, Any], where: str) -> dict[str, str]:
    found = {}
    for name in SECRETS:
        variable = entry.get(f"{name}_env")
        if variable:
            if not isinstance(variable, str) or variable not in os.environ:
                raise IdentityDocumentError(f"{where}: {name}_env names {variable}, which is "
                                            "not set.")
            found[name] = os.environ[variable]
        elif entry.get(name):
            found[name] = str(entry[name])
    return found
