"""Control API under ``/_sandbox/`` (loopback only, no auth): credentials, counters, settings,
reset, and a record peek (and removal) for tests. None of it counts as service traffic."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sandbox.config import SettingsError, defaults
from sandbox.dataverse_schema import BY_SET, ENTITIES
from sandbox.demo import SIZE_KEYS
from sandbox.messages import Request, Response, json_response

if TYPE_CHECKING:
    from sandbox.server import Sandbox

SERVICE_NAMES = {
    "dataverse": "dataverse",
    "business_central": "business_central",
    "bc": "business_central",
}


def _json(status: int, data: Any) -> Response:
    return json_response(status, data, content_type="application/json")


def _error(status: int, message: str) -> Response:
    return _json(status, {"error": message})


def handle(sandbox: Sandbox, request: Request) -> Response:
    """Route a control request."""
    path = request.path[len("/_sandbox/") :].strip("/")
    route = (request.method, path)
    try:
        if route == ("GET", "credentials"):
            return _json(200, sandbox.credentials())
        if route == ("GET", "health"):
            return _json(200, {"ok": True})
        if route == ("GET", "counters"):
            return _json(200, sandbox.counters.snapshot())
        if route == ("POST", "counters/reset"):
            sandbox.counters.reset()
            return _json(200, sandbox.counters.snapshot())
        if path == "settings":
            return _settings(sandbox, request)
        if route == ("POST", "settings/reset"):
            sandbox.settings = defaults()
            sandbox.limiter.reset()
            return _json(200, sandbox.settings)
        if route == ("POST", "reset"):
            return _reset(sandbox, request)
        if request.method in ("GET", "DELETE") and path.startswith("records/"):
            return _records(sandbox, request, path.split("/")[1:])
    except (ValueError, SettingsError) as error:
        return _error(400, str(error))
    return _error(404, f"unknown control endpoint {request.method} /_sandbox/{path}")


def _settings(sandbox: Sandbox, request: Request) -> Response:
    if request.method == "GET":
        return _json(200, sandbox.settings)
    if request.method in ("PATCH", "POST"):
        return _json(200, sandbox.update_settings(_body(request)))
    return _error(405, "use GET or PATCH")


def _body(request: Request) -> Any:
    try:
        return json.loads(request.body or b"{}")
    except ValueError as error:
        raise ValueError(f"body is not JSON: {error}") from error


def _reset(sandbox: Sandbox, request: Request) -> Response:
    sizes = _body(request)
    if not isinstance(sizes, dict):
        raise ValueError("reset body must be an object of generator sizes")
    unknown = set(sizes) - set(SIZE_KEYS)
    if unknown or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in sizes.values()
    ):
        raise ValueError(f"reset sizes must be non-negative integers among {sorted(SIZE_KEYS)}")
    sandbox.reset(sizes)
    return _json(200, {"reset": True, "sizes": sizes})


def _records(sandbox: Sandbox, request: Request, parts: list[str]) -> Response:
    if len(parts) != 2 or parts[0] not in SERVICE_NAMES:
        raise ValueError("use /_sandbox/records/<dataverse|business_central>/<entity>")
    service, entity = SERVICE_NAMES[parts[0]], parts[1]
    if service == "dataverse" and entity in BY_SET:
        entity = BY_SET[entity].logical_name
    options = request.options
    with sandbox.store.lock:
        rows = list(sandbox.store.table(service, entity).values())
    matching = [
        r for r in rows if all(str(r.get(k)) == v for k, v in options.items() if k not in ("top",))
    ]
    top = int(options.get("top", len(matching)))
    if request.method == "DELETE":  # what a service set up differently lacks (tests)
        with sandbox.store.lock:
            for row in matching[:top]:
                sandbox.store.delete(service, entity, _record_id(service, entity, row))
    return _json(
        200,
        {"service": service, "entity": entity, "count": len(matching), "records": matching[:top]},
    )


def _record_id(service: str, entity: str, row: dict[str, Any]) -> str:
    if service == "dataverse":
        return str(row[ENTITIES[entity].primary_id])
    return str(row["id"])
