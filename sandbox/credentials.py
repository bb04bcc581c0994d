"""Sandbox secrets and identities: generated once per data directory, then read back.

Everything a client needs to connect (tenant, app registrations, users, URLs, scopes) comes
from :func:`public_credentials`; the token-signing key never leaves the data directory.
"""

from __future__ import annotations

import json
import secrets
import uuid
from pathlib import Path
from typing import Any

DOMAIN = "cronus-sandbox.onmicrosoft.com"
ENVIRONMENT = "production"
COMPANY_NAME = "CRONUS USA, Inc."
# protocols.md 1.1: the real Business Central resource id. The sandbox accepts it as the BC
# audience, so clients request the same scope as against the real service.
BUSINESS_CENTRAL_RESOURCE = "https://api.businesscentral.dynamics.com"
INTEGRATION_USER = f"bcintegration@{DOMAIN}"
ADMIN_USER = f"admin@{DOMAIN}"
# Further app registrations for a connection's identity pool: Dataverse's service protection
# limits apply per user, so each application user brings its own windows.
# https://learn.microsoft.com/power-apps/developer/data-platform/api-limits
POOL_APPS = 3


def load_or_create(data_dir: Path) -> dict[str, Any]:
    """Return the stored secrets of ``data_dir``, generating them on first use."""
    path = data_dir / "credentials.json"
    if path.exists():
        state = json.loads(path.read_text())
        if "pool_apps" in state:
            return state
        state["pool_apps"] = _new_pool_apps()  # a data directory from before the pool
    else:
        data_dir.mkdir(parents=True, exist_ok=True)
        state = _new_secrets()
    path.write_text(json.dumps(state, indent=2))
    path.chmod(0o600)
    return state


def _new_secrets() -> dict[str, Any]:
    return {
        "tenant_id": str(uuid.uuid4()),
        "client_id": str(uuid.uuid4()),
        "client_secret": secrets.token_urlsafe(30),
        "bc_client_id": str(uuid.uuid4()),
        "bc_client_secret": secrets.token_urlsafe(30),
        "company_id": str(uuid.uuid4()),
        "organization_id": str(uuid.uuid4()),
        "integration_password": secrets.token_urlsafe(12),
        "admin_password": secrets.token_urlsafe(12),
        "sales_password": secrets.token_urlsafe(12),
        "signing_key": secrets.token_hex(32),
        "pool_apps": _new_pool_apps(),
    }


def _new_pool_apps() -> list[dict[str, str]]:
    return [{"client_id": str(uuid.uuid4()), "client_secret": secrets.token_urlsafe(30)}
            for _ in range(POOL_APPS)]


def pool_apps(state: dict[str, Any]) -> list[dict[str, str]]:
    """The pool's app registrations, each with its display name (``bcsales pool <n>``)."""
    return [{"name": f"bcsales pool {number}", **app}
            for number, app in enumerate(state.get("pool_apps", []), start=1)]


def stable_id(state: dict[str, Any], kind: str, key: str) -> str:
    """A GUID derived from the tenant and ``kind``/``key``: the same on every reseed."""
    return str(uuid.uuid5(uuid.UUID(state["tenant_id"]), f"{kind}:{key}"))


def base_url(port: int) -> str:
    """The https origin the sandbox serves on."""
    return f"https://localhost:{port}"


def business_central_url(state: dict[str, Any], port: int) -> str:
    """API v2.0 base URL including tenant and environment (protocols.md 4.1)."""
    return f"{base_url(port)}/v2.0/{state['tenant_id']}/{ENVIRONMENT}/api/v2.0"


def public_credentials(state: dict[str, Any], port: int, ca_bundle: Path) -> dict[str, Any]:
    """The JSON printed by ``--show-credentials`` and served at ``/_sandbox/credentials``."""
    root = base_url(port)
    tenant = state["tenant_id"]
    return {
        "tenant_id": tenant,
        "client_id": state["client_id"],
        "client_secret": state["client_secret"],
        "authority": f"{root}/{tenant}",
        "token_endpoint": f"{root}/{tenant}/oauth2/v2.0/token",
        "dataverse_url": root,
        "dataverse_api_url": f"{root}/api/data/v9.2/",
        "dataverse_scope": f"{root}/.default",
        "dataverse_user_scope": f"{root}/user_impersonation",
        "business_central_url": business_central_url(state, port),
        "business_central_odata_url": f"{root}/v2.0/{tenant}/{ENVIRONMENT}/ODataV4",
        "business_central_audience": BUSINESS_CENTRAL_RESOURCE,
        "business_central_scope": f"{BUSINESS_CENTRAL_RESOURCE}/.default",
        "business_central_client_id": state["bc_client_id"],
        "business_central_client_secret": state["bc_client_secret"],
        "environment": ENVIRONMENT,
        "company_id": state["company_id"],
        "company_name": COMPANY_NAME,
        "organization_id": state["organization_id"],
        "integration_user": INTEGRATION_USER,
        "integration_password": state["integration_password"],
        "admin_user": ADMIN_USER,
        "admin_password": state["admin_password"],
        "sales_users": [user["email"] for user in sales_users()],
        "pool_identities": pool_apps(state),
        "sales_password": state["sales_password"],
        "ca_bundle": str(ca_bundle),
        "control_url": f"{root}/_sandbox/",
    }


def sales_users() -> list[dict[str, Any]]:
    """Seeded Sales users besides the integration user and the administrator.

    Peter Saddow and Annette Hill match Business Central salespeople by e-mail and name, Alicia
    Thomber exists only in Sales, Tom Disabled is disabled and Una Licensed has no licence.
    """
    return [
        _user("Peter", "Saddow", enabled=True, licensed=True),
        _user("Annette", "Hill", enabled=True, licensed=True),
        _user("Alicia", "Thomber", enabled=True, licensed=True),
        _user("Tom", "Disabled", enabled=False, licensed=True),
        _user("Una", "Licensed", enabled=True, licensed=False),
    ]


def _user(first: str, last: str, *, enabled: bool, licensed: bool) -> dict[str, Any]:
    email = f"{first}.{last}@{DOMAIN}".lower()
    return {"first": first, "last": last, "email": email, "enabled": enabled, "licensed": licensed}


def user_passwords(state: dict[str, Any]) -> dict[str, str]:
    """Map of sign-in name (lower case) to password for every seeded user."""
    passwords = {
        INTEGRATION_USER: state["integration_password"],
        ADMIN_USER: state["admin_password"],
    }
    for user in sales_users():
        passwords[user["email"]] = state["sales_password"]
    return passwords
