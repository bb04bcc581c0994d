"""Business Central JSON ``$batch`` (protocols.md 4.6, 5.10): at most 100 requests, ``id``
echoed, ``Isolation: snapshot`` runs everything in one transaction.

Under snapshot isolation the first failure rolls back all changes; the failing request keeps
its own status and every other request answers 424 Failed Dependency (sandbox choice: the
documentation does not show the shape of a rolled-back batch).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from sandbox.errors import ServiceError
from sandbox.messages import Request, Response, json_response

if TYPE_CHECKING:
    from sandbox.business_central import BusinessCentral

MAX_REQUESTS = 100


class RolledBack(Exception):
    """Raised inside the snapshot transaction to undo it."""


def handle_batch(bc: BusinessCentral, request: Request, api: str) -> Response:
    """Run a JSON batch."""
    if request.method != "POST":
        raise ServiceError(405, "BadRequest_MethodNotAllowed", "Use POST for $batch.")
    try:
        requests = request.json()["requests"]
    except (ValueError, KeyError, TypeError) as error:
        raise ServiceError(
            400, "BadRequest", "The batch body must be JSON with 'requests'."
        ) from error
    if not isinstance(requests, list) or len(requests) > MAX_REQUESTS:
        raise ServiceError(
            400, "BadRequest", f"The batch request must contain at most {MAX_REQUESTS} operations."
        )
    snapshot = (request.header("isolation") or "").lower() == "snapshot"
    responses = (
        _run_snapshot(bc, request, requests, api)
        if snapshot
        else [_run_one(bc, request, item, api) for item in requests]
    )
    response = json_response(200, {"responses": responses}, content_type="application/json")
    response.operations = max(1, len(requests))
    return response


def _run_snapshot(bc: BusinessCentral, outer: Request, items: list, api: str) -> list[dict]:
    responses: list[dict] = []
    try:
        with bc.store.transaction():
            for item in items:
                responses.append(_run_one(bc, outer, item, api))
                if responses[-1]["status"] >= 400:
                    raise RolledBack
    except RolledBack:
        failed = len(responses) - 1
        return [
            cast(dict, r) if i == failed else _failed_dependency(item)  # r: the failed response
            for i, (r, item) in enumerate(
                zip(responses + [None] * (len(items) - len(responses)), items, strict=True)
            )
        ]
    return responses


def _failed_dependency(item: Any) -> dict[str, Any]:
    body = {
        "error": {
            "code": "BadRequest_BatchRolledBack",
            "message": "The request was rolled "
            "back because another request in the snapshot batch failed.",
        }
    }
    return {
        "id": item.get("id") if isinstance(item, dict) else None,
        "status": 424,
        "headers": {"content-type": "application/json"},
        "body": body,
    }


def _run_one(bc: BusinessCentral, outer: Request, item: Any, api: str) -> dict[str, Any]:
    if not isinstance(item, dict) or "method" not in item or "url" not in item:
        error = ServiceError(400, "BadRequest", "Each batch request needs 'method' and 'url'.")
        return _as_part(None, error.business_central_response())
    inner = _inner_request(outer, item, api)
    if outer.observe is not None:
        outer.observe(bc.resource_name(inner.path), inner.method)
    return _as_part(item.get("id"), bc.handle(inner))


def _inner_request(outer: Request, item: dict[str, Any], api: str) -> Request:
    headers = {k.lower(): str(v) for k, v in (item.get("headers") or {}).items()}
    url = str(item["url"])
    parts = urlsplit(
        url
        if "://" in url
        else f"{api}/{url.lstrip('/')}"
        if not url.startswith("/v2.0/")
        else f"{outer.base_url}{url}"
    )
    query = parts.query
    if "company" in headers and "companies(" not in parts.path and "company=" not in query:
        query = "&".join(filter(None, [query, f"company={headers['company']}"]))
    body = item.get("body")
    return Request(
        str(item["method"]).upper(),
        parts.path,
        query,
        headers,
        json.dumps(body).encode() if body is not None else b"",
        outer.base_url,
        outer.principal,
        in_batch=True,
    )


def _as_part(item_id: Any, response: Response) -> dict[str, Any]:
    headers = {k.lower(): v for k, v in response.headers}
    body = json.loads(response.body) if response.body else None
    return {"id": item_id, "status": response.status, "headers": headers, "body": body}
