"""Read the demo credentials of the sandbox that runs beside the portal.

The sandbox imports nothing from the portal and the portal imports nothing from it: the portal
only reads the sandbox's public JSON (``GET /_sandbox/credentials``) over HTTPS, trusting the
sandbox's own CA in ``<DATA_DIR>/sandbox/tls/ca.pem``. The address is ``https://localhost:
<SANDBOX_PORT>``; ``SANDBOX_URL`` / ``SANDBOX_CA_BUNDLE`` settings, when present, override it
(tests run a sandbox on a free port and data folder).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from django.conf import settings

from connection.clients.errors import ClientError
from connection.clients.sandbox import SandboxClient

log = logging.getLogger(__name__)


class SandboxUnavailable(Exception):
    """The sandbox does not answer (not started, another port, or not trusted)."""


def url() -> str:
    return getattr(settings, "SANDBOX_URL", None) or f"https://localhost:{settings.SANDBOX_PORT}"


def ca_bundle() -> Path:
    configured = getattr(settings, "SANDBOX_CA_BUNDLE", None)
    if configured:
        return Path(configured)
    return Path(settings.DATA_DIR) / "sandbox" / "tls" / "ca.pem"


def _get(path: str) -> Any:
    bundle = ca_bundle()
    if not bundle.exists():
        raise SandboxUnavailable(f"No sandbox CA at {bundle}: the sandbox has not started here.")
    client = SandboxClient(url(), str(bundle))
    try:
        return client.get(path)
    except (ClientError, ValueError) as exc:
        raise SandboxUnavailable(f"The sandbox at {url()} does not answer: {exc}") from exc
    finally:
        client.close()


def credentials() -> dict[str, Any]:
    """The sandbox's demo credentials; raises SandboxUnavailable."""
    return _get("credentials")


def available() -> bool:
    """Whether a sandbox answers (for offering the demo button)."""
    try:
        _get("health")
    except SandboxUnavailable:
        return False
    return True


def wait(timeout: float) -> dict[str, Any]:
    """Poll until the sandbox answers or ``timeout`` seconds pass; return its credentials."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return credentials()
        except SandboxUnavailable:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.5)


def origin(creds: dict[str, Any]) -> str:
    """The https origin of the sandbox's services (also its authority host)."""
    return creds["dataverse_url"].rstrip("/")


def is_sandbox_connection(server_address: str, creds: dict[str, Any]) -> bool:
    return server_address.rstrip("/") == origin(creds)


def demo_values(step: int, creds: dict[str, Any]) -> dict[str, Any]:
    """The connection settings the demo button fills in at wizard ``step``."""
    root = origin(creds)
    values = {
        1: {"name": "CRONUS sandbox", "server_address": root, "custom_endpoint": True,
            "authentication_type": "client_secret"},
        2: {"authority_host": creds["authority"].rsplit("/", 1)[0], "tenant_id": creds["tenant_id"],
            "client_id": creds["client_id"], "client_secret": creds["client_secret"],
            "user_name": creds["integration_user"],
            "user_password": creds["integration_password"], "ca_bundle": creds["ca_bundle"]},
        3: {"bc_deployment": "online", "bc_service_root": root, "bc_tenant_id": "",
            "bc_environment": creds["environment"], "bc_same_credentials": True,
            "bc_company_id": creds["company_id"]},
    }
    return values.get(step, {})
