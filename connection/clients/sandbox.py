"""The sandbox's public JSON (``/_sandbox/...``): its health and its demo credentials.

It needs no token, and is read through the same ``ServiceSession`` as every other service, so
TLS trust (the sandbox's own CA, whatever ``REQUESTS_CA_BUNDLE`` says), timeouts and typed
errors work the same way.
"""

from __future__ import annotations

from typing import Any

from connection.clients.http import RetryPolicy, ServiceSession, join_url

TIMEOUT = (2.0, 5.0)


class NoToken:
    """The token source of a service that asks for none."""

    refreshable = False
    ca_bundle: str | None = None

    def authorization(self, resource: str) -> str:
        return ""

    def invalidate(self, resource: str) -> None:
        return None


class SandboxClient:
    """Reads the sandbox's public JSON; raises ClientError when it does not answer."""

    def __init__(self, base_url: str, ca_bundle: str) -> None:
        self.base_url = base_url
        self.http = ServiceSession("sandbox", NoToken(), base_url, ca_bundle=ca_bundle,
                                   timeout=TIMEOUT, retry=RetryPolicy.no_retries())

    def get(self, path: str) -> Any:
        """``GET /_sandbox/<path>`` as JSON."""
        # No Authorization header at all (requests drops a header whose value is None).
        response = self.http.request("GET", join_url(self.base_url, "_sandbox", path),
                                     headers={"Authorization": None})  # type: ignore[dict-item]
        return response.json()

    def close(self) -> None:
        self.http.close()
