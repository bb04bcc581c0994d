"""Dataverse Web API emulator under ``/api/data/v9.x/`` (protocols.md 2, 3, 5.1-5.6, 6)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any
from urllib.parse import quote

from sandbox import dataverse_metadata as metadata
from sandbox import dataverse_option_values as option_values
from sandbox.dataverse_bulk import ACTIONS as BULK_ACTIONS
from sandbox.dataverse_bulk import handle_bulk
from sandbox.dataverse_keys import find_by_key, parse_key
from sandbox.dataverse_read import (
    MAX_PAGE,
    METADATA_OPTIONS,
    Reader,
    Shape,
    bad_query,
    check_options,
    page_offset,
    page_size,
    skiptoken,
)
from sandbox.dataverse_records import (
    DOES_NOT_EXIST,
    DUPLICATE_RECORD,
    SERVICE,
    VERSION_MISMATCH,
    Caller,
    Records,
    etag,
    not_found,
)
from sandbox.dataverse_schema import ASSOCIATIONS, BY_SET, ENTITIES, Entity
from sandbox.errors import ServiceError
from sandbox.messages import Principal, Request, Response, empty_response, json_response
from sandbox.query_plan import TableSource
from sandbox.store import Record, Store

API = re.compile(r"^/api/data/(?P<version>v9\.[012])(?:/(?P<rest>.*))?$")
SEGMENT = re.compile(r"^(?P<name>[^()]+)(?:\((?P<key>.*)\))?$")
VERSION = "9.2.24101.00190"


def resource_name(path: str) -> str:
    """Entity set or function a path addresses (for counters)."""
    match = API.match(path)
    rest = (match["rest"] or "") if match else ""
    segment = SEGMENT.match(rest.split("/", 1)[0]) if rest else None
    return segment["name"] if segment else "(service document)"


def _outer_batch(request: Request) -> bool:
    return not request.in_batch and request.method == "POST" and \
        request.path.rstrip("/").endswith("/$batch")


class Dataverse:
    """Answers Dataverse Web API requests for one organization."""

    def __init__(
        self,
        store: Store,
        state: dict[str, Any],
        settings: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        self.store = store
        self.state = state
        self.settings = settings or (lambda: {})
        self.records = Records(store)
        self.reader = Reader(self.records)
        option_values.attach(store)

    def caller(self, principal: Principal) -> Caller | None:
        """The systemuser of a token: by Entra object id, or by application id for apps."""
        key, value = (
            ("applicationid", principal.client_id)
            if principal.kind == "app"
            else ("azureactivedirectoryobjectid", principal.object_id)
        )
        for user in self.records.table("systemuser").values():
            if user.get(key) == value and not user.get("isdisabled"):
                return Caller(user["systemuserid"], user.get("_businessunitid_value") or "")
        return None

    def handle(self, request: Request) -> Response:
        """Answer one request (outer or inside a ``$batch``).

        A ``$batch`` is parsed and answered outside the store's lock and takes it for a run of
        operations at a time (dataverse_batch.Runner; a change set: for all of it), so a batch
        of a thousand writes does not hold off every other request, of either service, until
        it ends; each operation still sees and leaves the store whole."""
        whole = nullcontext() if _outer_batch(request) else self.store.lock
        with whole:
            try:
                with self.store.lock:
                    caller = self.caller(request.principal) if request.principal else None
                if caller is None:
                    raise ServiceError(
                        403, "0x80072560", "The user is not a member of the organization."
                    )
                return self.dispatch(request, caller)
            except ServiceError as error:
                return error.dataverse_response()

    def dispatch(self, request: Request, caller: Caller) -> Response:
        match = API.match(request.path)
        rest = (match["rest"] or "").rstrip("/") if match else None
        if match is None or rest is None:
            raise ServiceError(
                404, "0x80060888", f"Resource not found for the segment '{request.path}'."
            )
        api = f"{request.base_url}/api/data/{match['version']}"
        if rest in ("", "$metadata") or rest.startswith(
            ("EntityDefinitions", "GlobalOptionSetDefinitions")
        ):
            check_options(request.options, METADATA_OPTIONS)
            hidden = set(self.settings().get("metadata_hidden_attributes", ()))
            return metadata.handle(request, rest, api, hidden)
        check_options(request.options)
        if rest == "$batch":
            from sandbox.dataverse_batch import handle_batch

            return handle_batch(self, request, caller, api)
        if rest == "InsertOptionValue":
            return option_values.insert(self.store, request, api)
        if rest in ("WhoAmI", "WhoAmI()"):
            return self._who_am_i(api, caller)
        if rest in ("RetrieveVersion", "RetrieveVersion()"):
            body = {
                "@odata.context": f"{api}/$metadata#Microsoft.Dynamics.CRM.RetrieveVersionResponse",
                "Version": VERSION,
            }
            return json_response(200, body, [("OData-Version", "4.0")])
        return self._resource(request, caller, api, rest.split("/"))

    def _who_am_i(self, api: str, caller: Caller) -> Response:
        body = {
            "@odata.context": f"{api}/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse",
            "BusinessUnitId": caller.business_unit_id,
            "UserId": caller.user_id,
            "OrganizationId": self.state["organization_id"],
        }
        return json_response(200, body, [("OData-Version", "4.0")])

    def _resource(
        self, request: Request, caller: Caller, api: str, segments: list[str]
    ) -> Response:
        head = SEGMENT.match(segments[0])
        entity = BY_SET.get(head["name"]) if head else None
        if head is None or entity is None:
            raise ServiceError(
                404, "0x80060888", f"Resource not found for the segment '{segments[0]}'."
            )
        key, tail = head["key"], segments[1:]
        if key is None:
            return self._collection(request, caller, api, entity, tail)
        record_id = self._resolve_key(entity, key)
        if not tail:
            return self._single(request, caller, api, entity, record_id)
        return self._member(request, caller, api, entity, record_id, tail)

    def _resolve_key(self, entity: Entity, key: str) -> str:
        """The id a key addresses; ``alternate:<json>`` for alternate-key values no row has
        (an upsert creates the row with them, as sent)."""
        parsed = parse_key(entity, key)
        if isinstance(parsed, str):
            return parsed
        found = find_by_key(self.records.table(entity.logical_name).values(), parsed)
        if found is not None:
            return found[entity.primary_id]
        return "alternate:" + json.dumps(parsed)

    # -- collections ---------------------------------------------------------------------
    def _collection(
        self, request: Request, caller: Caller, api: str, entity: Entity, tail: list[str]
    ) -> Response:
        if tail == ["$count"] and request.method == "GET":
            count = len(
                self.reader.select_rows(
                    entity, self.records.table(entity.logical_name).values(), request.options,
                    self.reader.source(entity),
                )
            )
            return Response(
                200, [("Content-Type", "text/plain"), ("OData-Version", "4.0")], str(count).encode()
            )
        if len(tail) == 1 and tail[0] in BULK_ACTIONS:
            return handle_bulk(self, request, caller, api, entity, tail[0])
        if tail:
            raise ServiceError(
                404, "0x80060888", f"Resource not found for the segment '{tail[0]}'."
            )
        if request.method == "GET":
            rows = self.records.table(entity.logical_name).values()
            return self.list_rows(request, api, entity, rows, source=self.reader.source(entity))
        if request.method == "POST":
            record = self.records.create(entity, _body(request), caller)
            return self._written(request, api, entity, record, created=True)
        raise ServiceError(
            405,
            "0x80060888",
            f"The requested resource does not support http method '{request.method}'.",
        )

    def list_rows(
        self, request: Request, api: str, entity: Entity, rows: Any, context: str | None = None,
        source: TableSource | None = None,
    ) -> Response:
        """A collection response with paging, ``$count`` and ``Preference-Applied``; with a
        ``source`` (``rows`` are that whole table) the filter may use the table's indexes."""
        options, prefers = request.options, request.prefers()
        if "odata.track-changes" in prefers or "$deltatoken" in options:
            from sandbox.dataverse_changes import track_changes

            return track_changes(self, request, api, entity)
        shape = self.reader.shape(entity, options, "odata.include-annotations" in prefers)
        size = page_size(prefers)
        rows = self.reader.select_rows(
            entity, rows, {k: v for k, v in options.items() if k != "$top"}, source
        )
        if size is None and options.get("$top"):
            rows = self.reader.select_rows(entity, rows, {"$top": options["$top"]})
        offset, limit = page_offset(options), size or MAX_PAGE
        page = rows[offset : offset + limit]
        body: dict[str, Any] = {"@odata.context": context or _context(api, entity, shape)}
        if options.get("$count") == "true":
            body["@odata.count"] = min(len(rows), MAX_PAGE)
        body["value"] = [self.reader.present(r, shape) for r in page]
        if offset + limit < len(rows) and page:
            token = skiptoken(entity, page, offset + limit, offset // limit + 2)
            body["@odata.nextLink"] = _next_link(request, token)
        return json_response(200, body, [("OData-Version", "4.0"), *_applied(prefers, size)])

    # -- single rows ---------------------------------------------------------------------
    def _single(
        self, request: Request, caller: Caller, api: str, entity: Entity, record_id: str
    ) -> Response:
        if request.method == "GET":
            return self._get(request, api, entity, record_id)
        if request.method == "PATCH":
            return self._patch(request, caller, api, entity, record_id)
        if request.method == "DELETE":
            record = self.records.require(entity, record_id)
            _check_if_match(request, record)
            self.records.delete(entity, record_id)
            return empty_response(204, [("OData-Version", "4.0")])
        raise ServiceError(
            405,
            "0x80060888",
            f"The requested resource does not support http method '{request.method}'.",
        )

    def _get(self, request: Request, api: str, entity: Entity, record_id: str) -> Response:
        record = self.records.require(entity, record_id)
        options = request.options
        shape = self.reader.shape(entity, options, "odata.include-annotations" in request.prefers())
        match = request.header("if-none-match")
        if match and match == etag(record) and not shape.expands:
            return empty_response(304, [("OData-Version", "4.0")])
        body = {
            "@odata.context": _context(api, entity, shape, "/$entity"),
            **self.reader.present(record, shape),
        }
        return json_response(200, body, [("OData-Version", "4.0"), ("ETag", etag(record))])

    def _patch(
        self, request: Request, caller: Caller, api: str, entity: Entity, record_id: str
    ) -> Response:
        # protocols.md 3.5/3.6: PATCH is an upsert unless If-Match/If-None-Match say otherwise.
        record = (
            self.records.get(entity.logical_name, record_id)
            if not record_id.startswith("alternate:")
            else None
        )
        if record is None:
            if request.header("if-match"):
                shown = record_id.removeprefix("alternate:")
                raise not_found(entity, shown)
            body = _body(request)
            new_id: str | None = record_id
            if record_id.startswith("alternate:"):
                body = {**json.loads(record_id[10:]), **body}
                new_id = None
            created = self.records.create(entity, body, caller, new_id)
            return self._written(request, api, entity, created, created=True)
        if request.header("if-none-match") == "*":
            raise ServiceError(
                412, DUPLICATE_RECORD, "A record with matching key values already exists."
            )
        _check_if_match(request, record)
        updated = self.records.update(entity, record, _body(request), caller)
        return self._written(request, api, entity, updated, created=False)

    def _written(
        self, request: Request, api: str, entity: Entity, record: Record, created: bool
    ) -> Response:
        entity_id = f"{api}/{entity.set_name}({record[entity.primary_id]})"
        headers = [("OData-Version", "4.0"), ("ETag", etag(record))]
        if request.prefers().get("return") == "representation":
            shape = self.reader.shape(
                entity, {k: v for k, v in request.options.items() if k == "$select"}, False
            )
            body = {
                "@odata.context": _context(api, entity, shape, "/$entity"),
                **self.reader.present(record, shape),
            }
            headers.append(("Preference-Applied", "return=representation"))
            return json_response(201 if created else 200, body, headers)
        return empty_response(
            204, [*headers, ("OData-EntityId", entity_id), ("Location", entity_id)]
        )

    # -- members: properties, navigation, references --------------------------------------
    def _member(
        self,
        request: Request,
        caller: Caller,
        api: str,
        entity: Entity,
        record_id: str,
        tail: list[str],
    ) -> Response:
        record = self.records.require(entity, record_id)
        nav_segment = SEGMENT.match(tail[0])
        name = nav_segment["name"] if nav_segment else tail[0]
        if tail[-1] == "$ref":
            assert nav_segment is not None, f"no navigation in {tail[0]!r}"
            return self._reference(request, caller, entity, record, name, nav_segment["key"])
        if len(tail) > 1:
            raise ServiceError(
                404, "0x80060888", f"Resource not found for the segment '{tail[1]}'."
            )
        related = self.reader.related(entity, record, name)
        if related is not None:
            return self._related(request, caller, api, entity, record, name, related)
        if (nav := entity.navigation(name)) is not None and request.method == "GET":
            attribute, _ = nav
            target_id = record.get(attribute.value_name)
            target = self.reader._lookup_target(record, attribute)[0]
            if not target_id:
                return empty_response(204, [("OData-Version", "4.0")])
            return self._get(request, api, ENTITIES[target], target_id)
        return self._property(request, caller, api, entity, record, name)

    def _related(
        self,
        request: Request,
        caller: Caller,
        api: str,
        entity: Entity,
        record: Record,
        name: str,
        related: list[Record],
    ) -> Response:
        target = self.reader._expand_target(entity, name)
        assert target is not None  # a collection-valued navigation has a target table
        if request.method == "GET":
            return self.list_rows(request, api, target, related)
        if request.method == "POST" and name in entity.collections:
            body = dict(_body(request))
            lookup = entity.collections[name].lookup
            body[
                f"{lookup}@odata.bind"
                if len(target.attributes[lookup].targets) == 1
                else f"{lookup}_{entity.logical_name}@odata.bind"
            ] = f"/{entity.set_name}({record[entity.primary_id]})"
            created = self.records.create(target, body, caller)
            return self._written(request, api, target, created, created=True)
        raise ServiceError(
            405,
            "0x80060888",
            f"The requested resource does not support http method '{request.method}'.",
        )

    def _property(
        self, request: Request, caller: Caller, api: str, entity: Entity, record: Record, name: str
    ) -> Response:
        attribute = entity.by_value_name(name)
        if attribute is None:
            raise ServiceError(404, "0x80060888", f"Resource not found for the segment '{name}'.")
        if request.method == "GET":
            body = {
                "@odata.context": f"{api}/$metadata#{entity.set_name}"
                f"({record[entity.primary_id]})/{name}",
                "value": record.get(name),
            }
            return json_response(200, body, [("OData-Version", "4.0")])
        if request.method in ("PUT", "DELETE") and not attribute.is_lookup:
            value = _body(request).get("value") if request.method == "PUT" else None
            self.records.update(entity, record, {name: value}, caller)
            return empty_response(204, [("OData-Version", "4.0")])
        raise ServiceError(
            405,
            "0x80060888",
            f"The requested resource does not support http method '{request.method}'.",
        )

    def _reference(
        self,
        request: Request,
        caller: Caller,
        entity: Entity,
        record: Record,
        nav: str,
        key: str | None,
    ) -> Response:
        association = ASSOCIATIONS.get((entity.logical_name, nav))
        if association is not None:
            return self._associate(request, entity, record, association, key)
        if entity.navigation(nav) is None:
            raise ServiceError(404, "0x80060888", f"Resource not found for the segment '{nav}'.")
        if request.method == "PUT":
            target = _body(request).get("@odata.id")
            self.records.update(entity, record, {f"{nav}@odata.bind": target}, caller)
        elif request.method == "DELETE":
            self.records.update(entity, record, {f"{nav}@odata.bind": None}, caller)
        else:
            raise ServiceError(405, "0x80060888", "Use PUT or DELETE on a single-valued $ref.")
        return empty_response(204, [("OData-Version", "4.0")])

    def _associate(
        self,
        request: Request,
        entity: Entity,
        record: Record,
        association: tuple[str, str, str],
        key: str | None,
    ) -> Response:
        other, mine, theirs = association
        links = self.records.table("systemuserroles")
        if request.method == "POST":
            target_entity, target_id = self.records.resolve_uri(
                str(_body(request).get("@odata.id", ""))
            )
            if target_entity.logical_name != other:
                raise bad_query(f"Expected a reference to {other}.")
            self.records.require(target_entity, target_id)
            link = {mine: record[entity.primary_id], theirs: target_id}
            if not any(all(v.get(k) == link[k] for k in link) for v in links.values()):
                link_id = f"{link['systemuserid']}:{link['roleid']}"
                self.store.put(
                    SERVICE, "systemuserroles", link_id, {"systemuserroleid": link_id, **link}
                )
            return empty_response(204, [("OData-Version", "4.0")])
        if request.method == "DELETE":
            target_id = (
                key or request.options.get("$id", "").rsplit("(", 1)[-1].rstrip(")")
            ).lower()
            for link_id, link in list(links.items()):
                if link[mine] == record[entity.primary_id] and link[theirs] == target_id:
                    self.store.delete(SERVICE, "systemuserroles", link_id)
                    return empty_response(204, [("OData-Version", "4.0")])
            raise ServiceError(404, DOES_NOT_EXIST, "The association does not exist.")
        raise ServiceError(405, "0x80060888", "Use POST or DELETE on a collection $ref.")


def _body(request: Request) -> Any:
    try:
        return request.json()
    except ValueError as error:
        raise ServiceError(400, "0x80048d19", f"Error parsing the request body: {error}") from error


def _check_if_match(request: Request, record: Record) -> None:
    expected = request.header("if-match")
    if expected and expected != "*" and expected != etag(record):
        raise ServiceError(
            412,
            VERSION_MISMATCH,
            "The version of the existing record doesn't match the RowVersion property provided.",
        )


def _context(api: str, entity: Entity, shape: Shape, suffix: str = "") -> str:
    columns = f"({','.join(shape.select)})" if shape.select else ""
    return f"{api}/$metadata#{entity.set_name}{columns}{suffix}"


def _next_link(request: Request, token: str) -> str:
    kept = [
        part
        for part in request.query.split("&")
        if part and not part.startswith(("$skiptoken=", "%24skiptoken="))
    ]
    kept.append(f"$skiptoken={quote(token, safe='')}")
    return f"{request.base_url}{request.path}?{'&'.join(kept)}"


def _applied(prefers: dict[str, str], size: int | None) -> list[tuple[str, str]]:
    applied = []
    if size is not None:
        applied.append(f"odata.maxpagesize={size}")
    if "odata.include-annotations" in prefers:
        applied.append(f'odata.include-annotations="{prefers["odata.include-annotations"]}"')
    return [("Preference-Applied", ", ".join(applied))] if applied else []
