"""OData V4 pages the standard API lacks (protocols.md 4.1, 4.3): resources, customer price
groups, sales prices, shipping agents, item availability, and the Customer card as a view over
the API's customers (for fields such as Fax No. or Shipping Agent Code)."""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from sandbox.bc_records import etag, now_text
from sandbox.bc_schema import ENTITIES, PAGES, Page
from sandbox.credentials import COMPANY_NAME
from sandbox.errors import ServiceError
from sandbox.messages import Request, Response, empty_response, json_response
from sandbox.query import parse_select, split_top_level
from sandbox.query_plan import TableSource
from sandbox.store import Record

if TYPE_CHECKING:
    from sandbox.business_central import BusinessCentral

SERVICE = "business_central"
COMPANY = re.compile(r"^Company\('(?P<name>.*)'\)$")
SEGMENT = re.compile(r"^(?P<name>[^()]+)(?:\((?P<key>.*)\))?$")
# Customer card field -> API v2.0 customer field; the others live in the record's ``_ext``.
CUSTOMER_FIELDS = {
    "No": "number",
    "Name": "displayName",
    "Address": "addressLine1",
    "Address_2": "addressLine2",
    "City": "city",
    "County": "state",
    "Post_Code": "postalCode",
    "Country_Region_Code": "country",
    "Phone_No": "phoneNumber",
    "E_Mail": "email",
    "Home_Page": "website",
    "Credit_Limit_LCY": "creditLimit",
    "Currency_Code": "currencyCode",
    "Salesperson_Code": "salespersonCode",
    "Blocked": "blocked",
    "SystemId": "id",
    "SystemModifiedAt": "lastModifiedDateTime",
}


# Pages whose key BC assigns on insert (AutoIncrement), e.g. Record Link's Link ID.
AUTO_INCREMENT = {"RecordLinks": "Link_ID"}


def handle(bc: BusinessCentral, request: Request, segments: list[str], base: str) -> Response:
    """Route ``ODataV4/Company('<name>')/<Page>[(<key>)]``."""
    company = COMPANY.match(unquote(segments[0])) if segments else None
    if company is not None:
        name, segments = company["name"].replace("''", "'"), segments[1:]
    else:
        name = request.options.get("company", "").strip("'")
    if name != COMPANY_NAME:
        raise ServiceError(404, "Internal_CompanyNotFound", f"Cannot find the company '{name}'.")
    head = SEGMENT.match(segments[0]) if len(segments) == 1 else None
    page = PAGES.get(head["name"]) if head else None
    if head is None or page is None:
        raise ServiceError(404, "BadRequest_NotFound", "The requested web service was not found.")
    context = f"{base}/$metadata#Company('{quote_name(name)}')/{page.name}"
    if head["key"] is None:
        return _collection(bc, request, page, context)
    record = _find(bc, page, head["key"])
    return _single(bc, request, page, record, context)


def quote_name(name: str) -> str:
    """Company name as it appears in URLs."""
    return name.replace("'", "''")


# Customer card fields the API lacks, kept in the customer record's ``_ext``.
CARD_ONLY = tuple(f for f in PAGES["Customer"].fields if f not in CUSTOMER_FIELDS)


def source(bc: BusinessCentral, page: Page) -> TableSource:
    """The stored table behind a page; the Customer card is a view over the API's customers."""
    if page.name != "Customer":
        return TableSource(bc.store, SERVICE, page.name, "SystemId",
                           {"SystemModifiedAt": "SystemModifiedAt"})
    return TableSource(bc.store, SERVICE, "customers", "SystemId",
                       {"SystemModifiedAt": CUSTOMER_FIELDS["SystemModifiedAt"]}, CustomerRow)


def rows(bc: BusinessCentral, page: Page) -> list[Record]:
    """Current rows of a page (the Customer card is computed from customers)."""
    return list(source(bc, page).rows())


class CustomerRow(Mapping[str, Any]):
    """A Customer card row computed on read from a stored customer, so a query over 100k
    customers builds values only for the fields it reads of the rows it keeps."""

    __slots__ = ("customer",)
    FIELDS = (*CUSTOMER_FIELDS, *CARD_ONLY, "_version")

    def __init__(self, customer: Record) -> None:
        self.customer = customer

    def __getitem__(self, name: str) -> Any:
        if name in CUSTOMER_FIELDS:
            return self.customer.get(CUSTOMER_FIELDS[name])
        if name == "_version":
            return self.customer.get("_version", 0)
        if name in CARD_ONLY:
            return (self.customer.get("_ext") or {}).get(name, "")
        raise KeyError(name)

    def get(self, name: str, default: Any = None) -> Any:
        """Like ``Mapping.get`` without its exception round trip: filters call it per row."""
        api = CUSTOMER_FIELDS.get(name)
        if api is not None:
            return self.customer.get(api)
        return self[name] if name == "_version" or name in CARD_ONLY else default

    def __iter__(self) -> Iterator[str]:
        return iter(self.FIELDS)

    def __len__(self) -> int:
        return len(self.FIELDS)


def present(page: Page, record: Mapping[str, Any], options: dict[str, str]) -> dict[str, Any]:
    """A page row as JSON with ``@odata.etag`` and ``$select``."""
    select = selected_fields(page.name, options.get("$select"))
    return {"@odata.etag": etag(record), **{name: record.get(name) for name in select}}


@functools.lru_cache(maxsize=256)
def selected_fields(page_name: str, select_text: str | None) -> tuple[str, ...]:
    """The checked ``$select`` of a page (parsed once per distinct text, not once per row)."""
    fields = PAGES[page_name].fields
    select = parse_select(select_text) or list(fields)
    unknown = [name for name in select if name not in fields]
    if unknown:
        raise ServiceError(400, "BadRequest", f"Could not find a property named '{unknown[0]}'.")
    return tuple(select)


def _collection(bc: BusinessCentral, request: Request, page: Page, context: str) -> Response:
    if request.method == "GET":
        table = source(bc, page)
        return bc.list_rows(
            request, page, table.rows(), context, present=lambda p, r, o: present(p, r, o),
            source=table,
        )
    if request.method == "POST" and page.name != "Customer":
        body = _body(request)
        record = {name: "" for name in page.fields} | _checked(page, body)
        if page.name in AUTO_INCREMENT and not record.get(AUTO_INCREMENT[page.name]):
            record[AUTO_INCREMENT[page.name]] = bc.store.next_value(f"autoincrement:{page.name}")
        if _matches_key(bc, page, record):
            raise ServiceError(
                400, "Internal_EntityWithSameKeyExists", "The record already exists."
            )
        record["SystemId"] = str(uuid.uuid4())
        _save(bc, page, record)
        return json_response(
            201, {"@odata.context": f"{context}/$entity", **present(page, record, {})}
        )
    raise ServiceError(405, "BadRequest_MethodNotAllowed", f"'{request.method}' is not allowed.")


def _single(
    bc: BusinessCentral, request: Request, page: Page, record: Record, context: str
) -> Response:
    from sandbox.business_central import check_if_match

    if request.method == "GET":
        return json_response(
            200, {"@odata.context": f"{context}/$entity", **present(page, record, request.options)}
        )
    check_if_match(request, record, etag(record))
    if request.method == "DELETE" and page.name != "Customer":
        bc.store.delete(SERVICE, page.name, record["SystemId"])
        return empty_response(204)
    if request.method != "PATCH":
        raise ServiceError(
            405, "BadRequest_MethodNotAllowed", f"'{request.method}' is not allowed."
        )
    changes = _checked(page, _body(request))
    if page.name == "Customer":
        updated = _patch_customer(bc, record, changes)
    else:
        updated = {**record, **changes}
        _save(bc, page, updated)
    return json_response(
        200, {"@odata.context": f"{context}/$entity", **present(page, updated, {})}
    )


def _patch_customer(bc: BusinessCentral, row: Record, changes: dict[str, Any]
                    ) -> Mapping[str, Any]:
    customers = ENTITIES["customers"]
    customer = bc.records.require(customers, row["SystemId"])
    api_body = {CUSTOMER_FIELDS[k]: v for k, v in changes.items() if k in CUSTOMER_FIELDS}
    extra = {k: v for k, v in changes.items() if k not in CUSTOMER_FIELDS}
    updated = bc.records.update(customers, customer, api_body)
    updated["_ext"] = {**(updated.get("_ext") or {}), **extra}
    bc.store.put(SERVICE, "customers", updated["id"], updated)
    return CustomerRow(updated)


def _checked(page: Page, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ServiceError(400, "BadRequest", "The request body must be a JSON object.")
    changes = {k: v for k, v in body.items() if not k.startswith("@odata.")}
    for key in changes:
        if key not in page.fields or key in ("SystemId", "SystemModifiedAt"):
            raise ServiceError(
                400, "BadRequest", f"The property '{key}' does not exist or is read-only."
            )
    return changes


def _save(bc: BusinessCentral, page: Page, record: Record) -> None:
    record["SystemModifiedAt"] = now_text()
    record["_version"] = bc.store.next_value("bc_version", 1)
    bc.store.put(SERVICE, page.name, record["SystemId"], record)


def _parse_key(page: Page, key: str) -> dict[str, str]:
    parts = split_top_level(unquote(key), ",")
    if len(parts) == 1 and "=" not in parts[0].split("'")[0]:
        return {page.keys[0]: _literal(parts[0])}
    values = {}
    for part in parts:
        name, _, value = part.partition("=")
        values[name.strip()] = _literal(value)
    return values


def _literal(text: str) -> Any:
    text = text.strip()
    return text[1:-1].replace("''", "'") if text.startswith("'") else text


def _find(bc: BusinessCentral, page: Page, key: str) -> Record:
    wanted = _parse_key(page, key)
    for row in _key_candidates(bc, page, wanted):
        if all(str(row.get(name)) == str(value) for name, value in wanted.items()):
            return row
    raise ServiceError(
        404,
        "Internal_RecordNotFound",
        f"The {page.name} does not exist. Identification fields and values: {key}",
    )


def _key_candidates(bc: BusinessCentral, page: Page, wanted: dict[str, Any]) -> Iterable[Any]:
    """The rows that may carry ``wanted``: a Customer card by its No. through the customers'
    number index (``wanted`` holds key text, stored numbers are text too), others by a scan."""
    if page.name != "Customer" or set(wanted) != {"No"}:
        return source(bc, page).rows()
    with bc.store.lock:
        indexes = bc.store.indexes(SERVICE, "customers")
        ids = indexes.by_value(CUSTOMER_FIELDS["No"]).ids(str(wanted["No"]))
        return [CustomerRow(customer) for customer in indexes.in_table_order(ids)]


def _matches_key(bc: BusinessCentral, page: Page, record: Record) -> bool:
    return any(all(row.get(k) == record.get(k) for k in page.keys) for row in rows(bc, page))


def _body(request: Request) -> Any:
    try:
        return request.json()
    except ValueError as error:
        raise ServiceError(
            400, "BadRequest", f"The request body is not valid JSON: {error}"
        ) from error
