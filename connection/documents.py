"""Configuration as code: a connection's settings as a JSON document, and back.

``setup_connection FILE`` applies a document through the same form as the setup page, so every
rule of the page holds for scripts too; ``connection export`` writes it back without secrets.
Secrets may be given inline or, better, by naming an environment variable:
``"client_secret_env": "BC_CLIENT_SECRET"``. The additional application users (identity pool)
travel in ``sales_identities`` the same way (connection.identity_documents).
"""

from __future__ import annotations

import os
from typing import Any

from django.db import transaction
from django.forms.models import model_to_dict

from connection import audit
from connection import identity_documents as identities
from connection.forms import SECRET_CAPTIONS, ConnectionSetupForm
from connection.identity_documents import IdentityDocumentError
from connection.models import ConnectionSetup

SETTINGS = [name for name in ConnectionSetupForm.Meta.fields if name != "is_enabled"]


class DocumentError(ValueError):
    """The document cannot be applied; the message names the settings at fault."""


def export_document(connection: ConnectionSetup) -> dict[str, Any]:
    """Every setting of the page except secrets (listed as ``<name>_env`` placeholders)."""
    document: dict[str, Any] = {name: getattr(connection, name) for name in SETTINGS}
    document["is_enabled"] = connection.is_enabled
    for name in SECRET_CAPTIONS:
        if connection.has_secret(name):
            document[f"{name}_env"] = ""  # fill in the variable that holds it
    document[identities.KEY] = identities.export_identities(connection)
    return document


def _secrets(document: dict[str, Any]) -> dict[str, str]:
    found = {}
    for name in SECRET_CAPTIONS:
        variable = document.get(f"{name}_env")
        if variable:
            if variable not in os.environ:
                raise DocumentError(f"{name}_env names {variable}, which is not set.")
            found[name] = os.environ[variable]
        elif document.get(name):
            found[name] = str(document[name])
    return found


def _unknown(document: dict[str, Any]) -> list[str]:
    known = set(SETTINGS) | {"is_enabled", identities.KEY} | set(SECRET_CAPTIONS)
    known |= {f"{name}_env" for name in SECRET_CAPTIONS}
    return sorted(set(document) - known)


def apply_document(document: dict[str, Any], name: str | None = None,
                   user=None) -> tuple[ConnectionSetup, bool]:
    """Create or update the connection named ``name`` (or the document's ``name``).

    Returns the connection and whether the document asks for it to be enabled; enabling runs
    Test Connection, which the caller does (see ``lifecycle.enable``).
    """
    if not isinstance(document, dict):
        raise DocumentError("The document must be a JSON object of settings.")
    if unknown := _unknown(document):
        raise DocumentError(f"Unknown settings: {', '.join(unknown)}.")
    name = name or document.get("name")
    if not name:
        raise DocumentError("Give the connection a name (\"name\" in the file or --name).")
    connection = ConnectionSetup.objects.filter(name=name).first() or ConnectionSetup(name=name)
    settings = {key: value for key, value in document.items() if key != identities.KEY}
    data = {**model_to_dict(connection, fields=SETTINGS), **settings, "name": name,
            **_secrets(document)}
    data["is_enabled"] = connection.is_enabled
    form = ConnectionSetupForm({k: "" if v is None else v for k, v in data.items()},
                               instance=connection)
    if not form.is_valid():
        problems = "; ".join(f"{field}: {' '.join(str(e) for e in errors)}"
                             for field, errors in form.errors.items())
        raise DocumentError(problems)
    before = audit.snapshot(connection) if connection.pk else {}
    try:
        with transaction.atomic():
            saved = form.save()
            audit.record_changes(saved, before, user)
            if identities.KEY in document:
                identities.apply_identities(saved, document[identities.KEY])
    except IdentityDocumentError as error:
        raise DocumentError(str(error)) from error
    return saved, bool(document.get("is_enabled"))


def sandbox_document(creds: dict[str, Any], name: str) -> dict[str, Any]:
    """A document connecting to the sandbox whose public credentials are ``creds``."""
    root = creds["dataverse_url"].rstrip("/")
    return {
        "name": name, "server_address": root, "custom_endpoint": True,
        "authentication_type": "client_secret",
        "authority_host": creds["authority"].rsplit("/", 1)[0],
        "tenant_id": creds["tenant_id"], "client_id": creds["client_id"],
        "client_secret": creds["client_secret"], "ca_bundle": creds["ca_bundle"],
        "user_name": creds["integration_user"], "user_password": creds["integration_password"],
        "bc_deployment": "online", "bc_service_root": root, "bc_tenant_id": "",
        "bc_environment": creds["environment"], "bc_same_credentials": True,
        "bc_company_id": creds["company_id"], "bc_company_name": creds["company_name"],
        "web_client_url": f"{root}/{creds['tenant_id']}/{creds['environment']}",
        "proxy_version": "9.2", "ownership_model": "person", "is_enabled": True,
    }
