"""Fakes at the edges of the clients, for unit tests that need no sandbox.

``ScriptedTransport`` replaces the socket layer of a ``requests.Session`` (a transport adapter),
``StaticTokens`` the identity provider; the client code under test runs unchanged.
"""

from __future__ import annotations

import json
from typing import Any, cast

import requests
from requests.structures import CaseInsensitiveDict


class StaticTokens:
    """A token source that counts how often it was asked and invalidated."""

    refreshable = True
    ca_bundle = None

    def __init__(self) -> None:
        self.issued = 0
        self.invalidated = 0

    def authorization(self, resource: str) -> str:
        self.issued += 1
        return f"Bearer token-{self.invalidated}"

    def invalidate(self, resource: str) -> None:
        self.invalidated += 1


def answer(status: int, body: Any = None, headers: dict[str, str] | None = None) -> tuple:
    """One scripted HTTP answer; dict bodies are sent as JSON."""
    text = json.dumps(body) if isinstance(body, dict) else (body or "")
    content_type = {"Content-Type": "application/json"} if isinstance(body, dict) else {}
    return status, {**content_type, **(headers or {})}, text


class ScriptedTransport(requests.adapters.BaseAdapter):
    """Answers requests from a script of ``answer(...)`` tuples or exceptions to raise."""

    def __init__(self, *script: tuple | Exception) -> None:
        super().__init__()
        self.script = list(script)
        self.sent: list[tuple[requests.PreparedRequest, dict[str, Any]]] = []

    # Keyword-only: requests calls send(request, stream=..., timeout=..., ...) by keyword.
    def send(self, request: requests.PreparedRequest,  # type: ignore[override]
             **kwargs: Any) -> requests.Response:
        self.sent.append((request, kwargs))
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        status, headers, text = step
        response = requests.Response()
        response.status_code, response.reason = status, "scripted"
        response.headers = CaseInsensitiveDict(headers)
        response._content = text.encode() if isinstance(text, str) else text
        response.url, response.request = cast(str, request.url), request
        return response

    def close(self) -> None:
        pass


def mount(session: Any, transport: ScriptedTransport) -> ScriptedTransport:
    """Route every request of a ServiceSession through ``transport``."""
    session.session.mount("https://", transport)
    return transport
