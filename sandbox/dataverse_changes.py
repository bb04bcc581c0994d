"""Dataverse change tracking: ``Prefer: odata.track-changes`` returns rows plus a delta link;
the delta link returns rows changed since and deleted rows as ``$deletedEntity``
(protocols.md 3.8). The token is ``<row version>!<MM/dd/yyyy HH:mm:ss>`` like Dataverse's."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sandbox.dataverse_records import SERVICE, TOMBSTONES
from sandbox.errors import ServiceError
from sandbox.messages import Request, Response, json_response

if TYPE_CHECKING:
    from sandbox.dataverse import Dataverse
    from sandbox.dataverse_schema import Entity

UNSUPPORTED = ("$filter", "$orderby", "$expand", "$top")


def _since(options: dict[str, str]) -> int | None:
    token = options.get("$deltatoken")
    if token is None:
        return None
    try:
        return int(token.split("!", 1)[0])
    except ValueError as error:
        raise ServiceError(400, "0x80044352", "The delta token is not valid.") from error


def track_changes(dataverse: Dataverse, request: Request, api: str, entity: Entity) -> Response:
    """Answer an initial or delta change-tracking request."""
    options = request.options
    for name in UNSUPPORTED:
        if name in options:
            raise ServiceError(
                400,
                "0x80060888",
                f"The ${name[1:]} query parameter isn't supported when Change Tracking is enabled.",
            )
    since = _since(options)
    shape = dataverse.reader.shape(
        entity, options, "odata.include-annotations" in request.prefers()
    )
    rows = list(dataverse.records.table(entity.logical_name).values())
    if since is not None:
        rows = [r for r in rows if r.get("versionnumber", 0) > since]
    value: list[dict[str, Any]] = [dataverse.reader.present(r, shape) for r in rows]
    if since is not None:
        value += _deleted(dataverse, api, entity, since)
    columns = f"({','.join(shape.select)})" if shape.select else ""
    context = f"{api}/$metadata#{entity.set_name}{columns}" + (
        "/$delta" if since is not None else ""
    )
    body = {
        "@odata.context": context,
        "value": value,
        "@odata.deltaLink": _delta_link(dataverse, request),
    }
    return json_response(
        200, body, [("OData-Version", "4.0"), ("Preference-Applied", "odata.track-changes")]
    )


def _deleted(dataverse: Dataverse, api: str, entity: Entity, since: int) -> list[dict[str, Any]]:
    tombstones = dataverse.store.table(SERVICE, TOMBSTONES).values()
    return [
        {
            "@odata.context": f"{api}/$metadata#{entity.set_name}/$deletedEntity",
            "id": t["id"],
            "reason": "deleted",
        }
        for t in tombstones
        if t["entity"] == entity.logical_name and t["versionnumber"] > since
    ]


def _delta_link(dataverse: Dataverse, request: Request) -> str:
    version = dataverse.store.meta("dataverse_version", "0")
    stamp = dt.datetime.now(dt.UTC).strftime("%m/%d/%Y %H:%M:%S")
    kept = [
        p
        for p in request.query.split("&")
        if p and not p.startswith(("$deltatoken=", "%24deltatoken="))
    ]
    kept.append(f"$deltatoken={quote(f'{version}!{stamp}', safe='')}")
    return f"{request.base_url}{request.path}?{'&'.join(kept)}"
