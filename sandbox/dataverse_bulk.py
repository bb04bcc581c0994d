"""Bulk operation messages bound to an entity set: ``CreateMultiple``, ``UpdateMultiple`` and
``UpsertMultiple`` (https://learn.microsoft.com/power-apps/developer/data-platform/bulk-operations,
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/upsertmultiple).

* ``POST <set>/Microsoft.Dynamics.CRM.<Action>`` with ``{"Targets": [...]}``; every target names
  its table in ``@odata.type``, and all targets are of the set's table.
* On a standard table any failing target rolls the whole request back, and the answer is that
  target's error.
* ``CreateMultiple`` answers 200 with the new ``Ids`` in order; ``UpdateMultiple`` and
  ``UpsertMultiple`` answer 204 without a body.
* The documents set no maximum number of targets for standard tables (only message size and
  time limits), so the sandbox sets none either.
* A bulk request is one request for the service protection limits; its execution time is the
  per-record server time (``dataverse.bulk_record_time_ms``) times the number of targets, and
  every target counts as a write (entitlement limits count each item).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sandbox.dataverse_keys import find_by_key, parse_key
from sandbox.dataverse_records import DOES_NOT_EXIST, Caller
from sandbox.dataverse_schema import Entity
from sandbox.errors import ServiceError
from sandbox.messages import Request, Response, empty_response, json_response
from sandbox.store import Record

if TYPE_CHECKING:
    from sandbox.dataverse import Dataverse

ACTIONS = {
    "Microsoft.Dynamics.CRM.CreateMultiple": "create",
    "Microsoft.Dynamics.CRM.UpdateMultiple": "update",
    "Microsoft.Dynamics.CRM.UpsertMultiple": "upsert",
}
PAYLOAD_ERROR = "0x80048d19"
REFERENCE = re.compile(r"^/?(?P<set>[A-Za-z_]\w*)\((?P<key>.*)\)$")


def handle_bulk(
    dataverse: Dataverse, request: Request, caller: Caller, api: str, entity: Entity, action: str
) -> Response:
    """Run one bulk action all-or-nothing."""
    if request.method != "POST":
        raise ServiceError(
            405,
            "0x80060888",
            f"The requested resource does not support http method '{request.method}'.",
        )
    if not available(dataverse, action, entity):
        raise ServiceError(
            404, "0x80060888", f"Resource not found for the segment '{action}'."
        )
    targets = _targets(request, entity)
    kind = ACTIONS[action]
    bulk = Bulk(dataverse, entity, caller)
    with dataverse.store.transaction():
        ids = [getattr(bulk, kind)(target) for target in targets]
    if request.observe is not None:
        for _ in targets[1:]:
            request.observe(entity.set_name, "POST")
    headers = [("OData-Version", "4.0")]
    if kind == "create":
        body = {
            "@odata.context": f"{api}/$metadata#Microsoft.Dynamics.CRM.CreateMultipleResponse",
            "Ids": ids,
        }
        response = json_response(200, body, headers)
    else:
        response = empty_response(204, headers)
    response.operations, response.records = 0, len(targets)
    return response


def available(dataverse: Dataverse, action: str, entity: Entity) -> bool:
    """Whether the message is available for the table: an ``sdkmessagefilter`` row names both,
    as clients are told to check. Microsoft does not document the answer to a message sent to a
    table without one; the sandbox answers as a service whose version lacks the message."""
    name = action.rsplit(".", 1)[-1]
    with dataverse.store.lock:
        messages = {row["sdkmessageid"] for row in dataverse.records.table("sdkmessage").values()
                    if row.get("name") == name}
        return any(row.get("primaryobjecttypecode") == entity.logical_name
                   and row.get("_sdkmessageid_value") in messages
                   for row in dataverse.records.table("sdkmessagefilter").values())


def _targets(request: Request, entity: Entity) -> list[dict[str, Any]]:
    try:
        body = request.json()
    except ValueError as error:
        raise ServiceError(
            400, PAYLOAD_ERROR, f"Error parsing the request body: {error}"
        ) from error
    targets = body.get("Targets") if isinstance(body, dict) else None
    if not isinstance(targets, list) or not targets:
        raise ServiceError(400, PAYLOAD_ERROR, "The 'Targets' parameter must be a non-empty list.")
    expected = f"Microsoft.Dynamics.CRM.{entity.logical_name}"
    for index, target in enumerate(targets):
        if not isinstance(target, dict):
            raise ServiceError(400, PAYLOAD_ERROR, f"Targets[{index}] is not an entity.")
        kind = target.get("@odata.type")
        if kind is None:
            raise ServiceError(
                400,
                PAYLOAD_ERROR,
                f"Targets[{index}] has no '@odata.type' annotation; "
                "it is required on every item of Targets.",
            )
        if str(kind).lstrip("#") != expected:
            raise ServiceError(
                400,
                PAYLOAD_ERROR,
                f"Targets[{index}] is of type '{kind}'; every item of "
                f"Targets must be '{expected}'.",
            )
    return targets


class Bulk:
    """Per-target create, update and upsert against one table."""

    def __init__(self, dataverse: Dataverse, entity: Entity, caller: Caller) -> None:
        self.records, self.entity, self.caller = dataverse.records, entity, caller

    def create(self, target: dict[str, Any]) -> str:
        record = self.records.create(self.entity, _data(target), self.caller)
        return record[self.entity.primary_id]

    def update(self, target: dict[str, Any]) -> str:
        record, key = self._find(target)
        if record is None:
            shown = key if isinstance(key, str) else ",".join(f"{k}={v}" for k, v in key.items())
            raise ServiceError(
                404,
                DOES_NOT_EXIST,
                f"{self.entity.logical_name} With Ids = {shown} Do Not Exist",
            )
        return self._update(record, target, key)

    def upsert(self, target: dict[str, Any]) -> str:
        record, key = self._find(target)
        if record is not None:
            return self._update(record, target, key)
        data = _data(target)
        if isinstance(key, dict):
            data = {**key, **data}
        record_id = key if isinstance(key, str) else None
        created = self.records.create(self.entity, data, self.caller, record_id)
        return created[self.entity.primary_id]

    def _update(self, record: Record, target: dict[str, Any], key: Any) -> str:
        data = _data(target)
        # Key values identify the row; the ones in the body are ignored, as for a single upsert.
        for name in key if isinstance(key, dict) else (self.entity.primary_id,):
            data.pop(name, None)
        self.records.update(self.entity, record, data, self.caller)
        return record[self.entity.primary_id]

    def _find(self, target: dict[str, Any]) -> tuple[Record | None, str | dict[str, Any]]:
        """The row a target addresses: ``@odata.id`` (id or alternate key) or the primary key."""
        reference = target.get("@odata.id")
        if reference is not None:
            key = self._reference_key(str(reference))
        elif target.get(self.entity.primary_id):
            key = str(target[self.entity.primary_id]).strip("{}").lower()
        else:
            raise ServiceError(
                400,
                PAYLOAD_ERROR,
                f"A target has neither '{self.entity.primary_id}' nor "
                "'@odata.id' to identify the record.",
            )
        if isinstance(key, str):
            return self.records.get(self.entity.logical_name, key), key
        return find_by_key(self.records.table(self.entity.logical_name).values(), key), key

    def _reference_key(self, reference: str) -> str | dict[str, Any]:
        path = urlsplit(reference).path if "://" in reference else reference
        path = re.sub(r"^.*/api/data/v9\.\d/", "", path)
        match = REFERENCE.match(path.strip())
        if match is None or match["set"] != self.entity.set_name:
            raise ServiceError(
                400,
                PAYLOAD_ERROR,
                f"'@odata.id' value '{reference}' does not address a "
                f"{self.entity.logical_name} record.",
            )
        return parse_key(self.entity, match["key"])


def _data(target: dict[str, Any]) -> dict[str, Any]:
    """The column values of a target (annotations such as ``@odata.type`` left out)."""
    return {k: v for k, v in target.items() if not k.startswith("@")}
