"""Business Central API v2.0 and OData V4 page emulator under ``/v2.0/<tenant>/<env>/``
(protocols.md 4, 5.7-5.10, 6)."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote

from sandbox import bc_pages
from sandbox.bc_records import BcRecords, etag, public
from sandbox.bc_schema import ENTITIES, NAVIGATIONS, BcEntity
from sandbox.credentials import COMPANY_NAME, ENVIRONMENT
from sandbox.errors import ServiceError
from sandbox.messages import Request, Response, empty_response, json_response
from sandbox.odata import ODataError
from sandbox.query import (
    FilterContext,
    compile_orderby,
    filter_rows,
    parse_expand,
    parse_select,
    sort_records,
)
from sandbox.query_plan import TableSource
from sandbox.store import Record, Store

SEGMENT = re.compile(r"^(?P<name>[^()]+)(?:\((?P<key>.*)\))?$")
MAX_PAGE = 20000
MODIFIED = "lastModifiedDateTime"
OPTIONS = {
    "$select",
    "$filter",
    "$orderby",
    "$top",
    "$skip",
    "$expand",
    "$count",
    "$skiptoken",
    "$schemaversion",
    "company",
    "tenant",
}


def bad_request(message: str, code: str = "BadRequest") -> ServiceError:
    """400 in BC's error shape."""
    return ServiceError(400, code, message)


class BusinessCentral:
    """Answers API v2.0 and OData V4 requests for one environment with one company."""

    def __init__(self, store: Store, state: dict[str, Any]) -> None:
        self.store, self.state = store, state
        self.records = BcRecords(store)
        self.queries = QueryCache()

    def resource_name(self, path: str) -> str:
        """Entity set, page or ``$batch`` a path addresses (for counters)."""
        names = [m["name"] for s in path.strip("/").split("/") if (m := SEGMENT.match(s))]
        names = [n for n in names if not n.startswith("Microsoft.NAV.")]
        return names[-1] if names else "(root)"

    def handle(self, request: Request) -> Response:
        """Answer one request (outer or inside a ``$batch``)."""
        with self.store.lock:
            try:
                return self.dispatch(request)
            except ServiceError as error:
                return error.business_central_response()

    def dispatch(self, request: Request) -> Response:
        segments = request.path.strip("/").split("/")[1:]
        if len(segments) >= 2 and segments[1] in ("api", "ODataV4"):
            segments = [self.state["tenant_id"], *segments]
        if len(segments) < 3 or segments[0] not in (
            self.state["tenant_id"],
            "cronus-sandbox.onmicrosoft.com",
        ):
            raise ServiceError(404, "BadRequest_NotFound", "The tenant was not found.")
        if segments[1] != ENVIRONMENT:
            raise ServiceError(
                404, "BadRequest_NotFound", f"Environment '{segments[1]}' was not found."
            )
        base = f"{request.base_url}/v2.0/{segments[0]}/{segments[1]}"
        if segments[2] == "ODataV4":
            return bc_pages.handle(self, request, segments[3:], f"{base}/ODataV4")
        if segments[2:4] != ["api", "v2.0"]:
            raise ServiceError(404, "BadRequest_NotFound", "No API is published at this path.")
        return self._api(request, segments[4:], f"{base}/api/v2.0")

    def _api(self, request: Request, rest: list[str], api: str) -> Response:
        if not rest:
            value = [{"name": n, "kind": "EntitySet", "url": n} for n in ["companies", *ENTITIES]]
            return json_response(200, {"@odata.context": f"{api}/$metadata", "value": value})
        if rest == ["$batch"]:
            from sandbox.bc_batch import handle_batch

            return handle_batch(self, request, api)
        if rest == ["$metadata"]:
            return Response(200, [("Content-Type", "application/xml")], _metadata().encode())
        head = SEGMENT.match(rest[0])
        if head and head["name"] == "companies":
            return self._companies(request, head["key"], rest[1:], api)
        company = request.options.get("company")
        if company is None:
            raise bad_request(
                "A company must be specified in the URL path or with ?company=.",
                "BadRequest_RequiredParamNotProvided",
            )
        return self._companies(request, company, rest, api)

    def company(self) -> dict[str, Any]:
        """The single demo company."""
        return {
            "id": self.state["company_id"],
            "systemVersion": "24.0.16410.18056",
            "timestamp": 1,
            "name": COMPANY_NAME,
            "displayName": COMPANY_NAME,
            "businessProfileId": "",
            "systemCreatedAt": "2024-04-01T00:00:00Z",
            "systemCreatedBy": "00000000-0000-0000-0000-000000000001",
            "systemModifiedAt": "2024-04-01T00:00:00Z",
            "systemModifiedBy": "00000000-0000-0000-0000-000000000001",
        }

    def _companies(self, request: Request, key: str | None, rest: list[str], api: str) -> Response:
        if key is None:
            body = {"@odata.context": f"{api}/$metadata#companies", "value": [self.company()]}
            return json_response(200, body)
        company_id = key.strip("'")
        company_id = self.state["company_id"] if company_id == COMPANY_NAME else company_id.lower()
        if company_id != self.state["company_id"]:
            raise ServiceError(
                404, "Internal_CompanyNotFound", f"Cannot find the company with id '{company_id}'."
            )
        if not rest:
            return json_response(
                200, {"@odata.context": f"{api}/$metadata#companies/$entity", **self.company()}
            )
        context = f"{api}/$metadata#companies({company_id})"
        return self._entity_path(request, rest, f"{api}/companies({company_id})", context)

    def _entity_path(self, request: Request, rest: list[str], root: str, context: str) -> Response:
        head = SEGMENT.match(rest[0])
        entity = ENTITIES.get(head["name"]) if head else None
        if head is None or entity is None:
            raise ServiceError(
                404, "BadRequest_NotFound", f"Resource not found for the segment '{rest[0]}'."
            )
        if head["key"] is None and len(rest) == 1:
            return self._collection(request, entity, None, f"{context}/{entity.name}")
        if head["key"] is None:
            raise ServiceError(
                404, "BadRequest_NotFound", f"Resource not found for the segment '{rest[1]}'."
            )
        record = self.records.require(entity, head["key"].strip("'"))
        if len(rest) == 1:
            return self._single(request, entity, record, f"{context}/{entity.name}")
        return self._member(
            request, entity, record, rest[1:], f"{context}/{entity.name}({record['id']})"
        )

    def _member(
        self, request: Request, entity: BcEntity, record: Record, rest: list[str], context: str
    ) -> Response:
        head = SEGMENT.match(rest[0])
        name = head["name"] if head else rest[0]
        if head and name == entity.lines:  # a name without parentheses always matches
            lines = ENTITIES[name]
            if head["key"] is None:
                return self._collection(request, lines, record["id"], f"{context}/{name}")
            line = self.records.require(lines, head["key"])
            return self._single(request, lines, line, f"{context}/{name}")
        if name.startswith("Microsoft.NAV.") and request.method == "POST":
            return self._action(entity, record, name[len("Microsoft.NAV.") :])
        if name in NAVIGATIONS and request.method == "GET":
            related = self._navigate(record, name)
            if related is None:
                return empty_response(204)
            target = ENTITIES[NAVIGATIONS[name][1]]
            return self._single(request, target, related, f"{context}/{name}")
        raise ServiceError(
            404, "BadRequest_NotFound", f"Resource not found for the segment '{rest[0]}'."
        )

    def _action(self, entity: BcEntity, record: Record, action: str) -> Response:
        if entity.name == "salesInvoices" and action == "post":
            if record["status"] != "Draft":
                raise bad_request("The invoice is already posted.", "Application_DialogException")
            self.records.update(entity, record, {})
            posted = {**self.records.require(entity, record["id"]), "status": "Open"}
            posted["remainingAmount"] = posted["totalAmountIncludingTax"]
            self.store.put("business_central", entity.name, record["id"], posted)
            return empty_response(204)
        if entity.name == "salesOrders" and action == "shipAndInvoice":
            self._ship_and_invoice(record)
            return empty_response(204)
        raise bad_request(
            f"The action '{action}' is not supported by the sandbox.", "BadRequest_MethodNotAllowed"
        )

    def _ship_and_invoice(self, order: Record) -> None:
        """Post the whole order: a posted invoice (Open, nothing paid) with the order's lines,
        its orderId/orderNumber, and the fully invoiced order deleted, as BC does."""
        orders = ENTITIES["salesOrders"]
        invoices, invoice_lines = ENTITIES["salesInvoices"], ENTITIES["salesInvoiceLines"]
        keep = set(invoices.fields) - invoices.read_only - {"id", "number", "status"}
        header = {k: v for k, v in order.items() if k in keep}
        invoice = self.records.create(invoices, header)
        line_keep = set(invoice_lines.fields) - invoice_lines.read_only - {"id", "documentId"}
        for line in sorted(self.records.table("salesOrderLines").values(),
                           key=lambda row: row["sequence"]):
            if line["documentId"] == order["id"]:
                body = {k: v for k, v in line.items() if k in line_keep}
                self.records.create(invoice_lines, body, invoice["id"])
        posted = {**self.records.require(invoices, invoice["id"]), "status": "Open",
                  "orderId": order["id"], "orderNumber": order["number"],
                  "invoiceDate": order.get("postingDate") or invoice["invoiceDate"]}
        posted["remainingAmount"] = posted["totalAmountIncludingTax"]
        self.store.put("business_central", invoices.name, invoice["id"], posted)
        self.records.delete(orders, order)

    # -- reads ---------------------------------------------------------------------------
    def _collection(
        self, request: Request, entity: BcEntity, parent_id: str | None, context: str
    ) -> Response:
        if request.method == "POST":
            record = self.records.create(entity, _body(request), parent_id)
            return self._written(request, entity, record, context, 201)
        if request.method != "GET":
            raise ServiceError(
                405,
                "BadRequest_MethodNotAllowed",
                f"'{request.method}' is not allowed on a collection.",
            )
        rows = self.records.table(entity.name).values()
        if parent_id is not None:
            lines = [r for r in rows if r.get("documentId") == parent_id]
            return self.list_rows(request, entity, lines, context)
        source = TableSource(self.store, "business_central", entity.name, "id",
                             {MODIFIED: MODIFIED} if MODIFIED in entity.fields else {})
        return self.list_rows(request, entity, rows, context, source=source)

    def list_rows(
        self, request: Request, entity: Any, rows: Any, context: str, present: Any = None,
        source: TableSource | None = None,
    ) -> Response:
        """Filter, sort and page rows (protocols.md 4.4); shared with OData pages. With a
        ``source`` (``rows`` are that whole table) the filter may use the table's indexes."""
        options = request.options
        for name in options:
            if name.startswith("$") and name not in OPTIONS:
                raise bad_request(f"The query parameter '{name}' is not supported.")
        present = present or self.present
        if source is None or source.view is not None:  # a view may read other tables
            rows = select_rows(entity, rows, options, source)
        else:
            rows = self.queries.rows(source, options,
                                     lambda: select_rows(entity, rows, options, source))
        size = _page_size(request.prefers())
        offset = _offset(options)
        page = rows[offset : offset + size]
        select = parse_select(options.get("$select"))
        columns = f"({','.join(select)})" if select else ""
        body: dict[str, Any] = {"@odata.context": f"{context}{columns}"}
        if options.get("$count") == "true":
            body["@odata.count"] = len(rows)
        body["value"] = [present(entity, r, options) for r in page]
        if offset + size < len(rows):
            body["@odata.nextLink"] = _next_link(request, offset + size)
        headers = (
            [("Preference-Applied", f"odata.maxpagesize={size}")]
            if "odata.maxpagesize" in request.prefers()
            else []
        )
        return json_response(200, body, headers)

    def present(self, entity: BcEntity, record: Record, options: dict[str, str]) -> dict[str, Any]:
        """A record as API JSON with ETag, ``$select`` and ``$expand``."""
        select = parse_select(options.get("$select"))
        for name in select or []:
            if name not in entity.fields:
                raise bad_request(
                    f"Could not find a property named '{name}' on type "
                    f"'Microsoft.NAV.{entity.type_name}'."
                )
        row: dict[str, Any] = {"@odata.etag": etag(record)}
        if select:  # hidden ``_`` keys read as null, as when picked from public(record)
            row.update({k: None if k[:1] == "_" else record.get(k) for k in select})
        else:
            row.update(public(record))
        for item in _expands(options):
            row[item.name] = self._expanded(entity, record, item)
        return row

    def _expanded(self, entity: BcEntity, record: Record, item: Any) -> Any:
        if item.name == entity.lines:
            lines = ENTITIES[item.name]
            rows = [
                r for r in self.records.table(item.name).values() if r["documentId"] == record["id"]
            ]
            rows = sorted(select_rows(lines, rows, item.options), key=lambda r: r["sequence"])
            return [self.present(lines, r, item.options) for r in rows]
        if item.name in NAVIGATIONS:
            related = self._navigate(record, item.name)
            target = ENTITIES[NAVIGATIONS[item.name][1]]
            return self.present(target, related, item.options) if related is not None else None
        raise bad_request(
            f"Could not find a navigation property named '{item.name}' on type "
            f"'Microsoft.NAV.{entity.type_name}'."
        )

    def _navigate(self, record: Record, name: str) -> Record | None:
        field, target = NAVIGATIONS[name]
        return self.store.get("business_central", target, record.get(field) or "")

    def _single(self, request: Request, entity: BcEntity, record: Record, context: str) -> Response:
        if request.method == "GET":
            body = {
                "@odata.context": f"{context}/$entity",
                **self.present(entity, record, request.options),
            }
            return json_response(200, body, [("ETag", etag(record))])
        check_if_match(request, record, etag(record))
        if request.method == "PATCH":
            updated = self.records.update(entity, record, _body(request))
            return self._written(request, entity, updated, context, 200)
        if request.method == "DELETE":
            self.records.delete(entity, record)
            return empty_response(204)
        raise ServiceError(
            405, "BadRequest_MethodNotAllowed", f"'{request.method}' is not allowed."
        )

    def _written(
        self, request: Request, entity: BcEntity, record: Record, context: str, status: int
    ) -> Response:
        body = {"@odata.context": f"{context}/$entity", **self.present(entity, record, {})}
        location = f"{request.base_url}{request.path.split('(')[0]}({record['id']})"
        return json_response(status, body, [("ETag", etag(record)), ("Location", location)])


def check_if_match(request: Request, record: Record, current: str) -> None:
    """If-Match is mandatory on PATCH/DELETE; stale values answer 409 (protocols.md 4.5)."""
    expected = request.header("if-match")
    if not expected:
        raise bad_request(
            "Could not validate the client concurrency token required by the "
            "service. Please provide a valid token in the client request.",
            "BadRequest_InvalidToken",
        )
    if expected != "*" and expected != current:
        raise ServiceError(
            409, "Request_EntityChanged", "Another user has already changed the record."
        )


class QueryCache:
    """The rows a whole-table query selected, kept while the table is unchanged.

    A client reads a large table a page at a time, each page the same query with a larger offset
    (protocols.md 4.4); a real server answers from its indexes, the sandbox would filter and
    sort the whole table again for every page: 100 pages of a 100,000-row table cost it more
    CPU than the writes they lead to. The result is reused only at the table version it was
    computed at, so every answer is the one a fresh query gives.
    """

    SIZE = 16
    QUERY_OPTIONS = ("$filter", "$orderby", "$skip", "$top")

    def __init__(self) -> None:
        self._results: dict[tuple, tuple[tuple[int, int], list[Record]]] = {}

    def rows(self, source: TableSource, options: dict[str, str],
             select: Callable[[], Any]) -> list[Record]:
        """What ``select()`` answers for this query (hold the store's lock)."""
        key = (source.service, source.entity, *(options.get(o) for o in self.QUERY_OPTIONS))
        version = source.store.version(source.service, source.entity)
        cached = self._results.get(key)
        if cached is not None and cached[0] == version:
            return cached[1]
        rows = select()
        if isinstance(rows, list):  # a lazy view of the table is cheap already
            self._results.pop(key, None)
            self._results[key] = (version, rows)
            while len(self._results) > self.SIZE:
                self._results.pop(next(iter(self._results)))
        return rows


def select_rows(
    entity: Any, rows: Any, options: dict[str, str], source: TableSource | None = None
) -> list[Record]:
    """BC ``$filter`` (case-sensitive, same-field ``or``), ``$orderby``, ``$skip``, ``$top``."""
    fields = entity.fields

    def getter(name: str) -> Any:
        if name not in fields:
            raise ODataError(
                f"Could not find a property named '{name}' on type "
                f"'Microsoft.NAV.{getattr(entity, 'type_name', entity.name)}'."
            )
        return lambda record: record.get(name)

    try:
        if options.get("$filter"):
            context = FilterContext(getter, single_field_or=True, allow_in=False)
            plan = (lambda tree: source.candidates(tree, False)) if source else None
            rows = filter_rows(options["$filter"], context, rows, plan)
        if options.get("$orderby"):
            rows = sort_records(list(rows), compile_orderby(options["$orderby"], getter), False)
        elif not isinstance(rows, Sequence):
            rows = list(rows)
        skip, top = int(options.get("$skip", 0)), options.get("$top")
    except (ODataError, ValueError) as error:
        raise bad_request(str(error)) from error
    rows = rows[skip:] if skip else rows  # a lazy sequence stays lazy: pages slice it later
    return rows[: int(top)] if top else rows


def _expands(options: dict[str, str]) -> list:
    try:
        return parse_expand(options.get("$expand"))
    except ODataError as error:
        raise bad_request(str(error)) from error


def _page_size(prefers: dict[str, str]) -> int:
    raw = prefers.get("odata.maxpagesize")
    try:
        return max(1, min(int(raw), MAX_PAGE)) if raw else MAX_PAGE
    except ValueError as error:
        raise bad_request(f"Invalid odata.maxpagesize '{raw}'.") from error


def _offset(options: dict[str, str]) -> int:
    token = options.get("$skiptoken")
    if not token:
        return 0
    try:
        return int(json.loads(base64.urlsafe_b64decode(token.strip("'")))["offset"])
    except (ValueError, KeyError) as error:
        raise bad_request("The $skiptoken is not valid.") from error


def _next_link(request: Request, offset: int) -> str:
    token = base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()
    kept = [
        p
        for p in request.query.split("&")
        if p and not p.startswith(("$skiptoken=", "%24skiptoken="))
    ]
    kept.append(f"$skiptoken={quote(token, safe='')}")
    return f"{request.base_url}{request.path}?{'&'.join(kept)}"


def _body(request: Request) -> Any:
    try:
        return request.json()
    except ValueError as error:
        raise bad_request(f"The request body is not valid JSON: {error}") from error


def _metadata() -> str:
    types = "".join(
        f'<EntityType Name="{e.type_name}"><Key><PropertyRef Name="id" /></Key>'
        + "".join(f'<Property Name="{f}" />' for f in e.fields)
        + "</EntityType>"
        for e in ENTITIES.values()
    )
    sets = "".join(
        f'<EntitySet Name="{e.name}" EntityType="Microsoft.NAV.{e.type_name}" />'
        for e in ENTITIES.values()
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><edmx:Edmx Version="4.0" '
        'xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>'
        '<Schema Namespace="Microsoft.NAV" xmlns="http://docs.oasis-open.org/odata/ns/edm">'
        f'{types}<EntityContainer Name="NAV">{sets}</EntityContainer></Schema>'
        "</edmx:DataServices></edmx:Edmx>"
    )
