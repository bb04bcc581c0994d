"""OData V4 pages the standard API lacks (protocols.md 4.1, 4.3): resources, customer price
groups, sales prices, shipping agents, item availability, and the Customer card as a view over
the API's customers (for fields such as Fax No. or Shipping Agent Code)."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from sandbox.bc_records import etag, now_text
from sandbox.bc_schema import ENTITIES, PAGES, Page
from sandbox.credentials import COMPANY_NAME
from sandbox.errors import ServiceError
from sandbox.messages import Request, Response, empty_response, json_response
from sandbox.query import parse_select, split_top_level
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
    if page is None:
        raise ServiceError(404, "BadRequest_NotFound", "The requested web service was not found.")
    context = f"{base}/$metadata#Company('{quote_name(name)}')/{page.name}"
    if head["key"] is None:
        return _collection(bc, request, page, context)
    record = _find(bc, page, head["key"])
    return _single(bc, request, page, record, context)


def quote_name(name: str) -> str:
    """Company name as it appears in URLs."""
    return name.replace("'", "''")


def rows(bc: BusinessCentral, page: Page) -> list[Record]:
    """Current rows of a page (the Customer card is computed from customers)."""
    if page.name != "Customer":
        return list(bc.store.table(SERVICE, page.name).values())
    return [_customer_row(c) for c in bc.store.table(SERVICE, "customers").values()]


def _customer_row(customer: Record) -> Record:
    row = {field: customer.get(api) for field, api in CUSTOMER_FIELDS.items()}
    extra = customer.get("_ext") or {}
    for field in PAGES["Customer"].fields:
        row.setdefault(field, extra.get(field, ""))
    row["_version"] = customer.get("_version", 0)
    return row


def present(page: Page, record: Record, options: dict[str, str]) -> dict[str, Any]:
    """A page row as JSON with ``@odata.etag`` and ``$select``."""
    select = parse_select(options.get("$select")) or list(page.fields)
    unknown = [name for name in select if name not in page.fields]
    if unknown:
        raise ServiceError(400, "BadRequest", f"Could not find a property named '{unknown[0]}'.")
    return {"@odata.etag": etag(record), **{name: record.get(name) for name in select}}


def _collection(bc: BusinessCentral, request: Request, page: Page, context: str) -> Response:
    if request.method == "GET":
        return bc.list_rows(
            request, page, rows(bc, page), context, present=lambda p, r, o: present(p, r, o)
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


def _patch_customer(bc: BusinessCentral, row: Record, changes: dict[str, Any]) -> Record:
    customers = ENTITIES["customers"]
    customer = bc.records.require(customers, row["SystemId"])
    api_body = {CUSTOMER_FIELDS[k]: v for k, v in changes.items() if k in CUSTOMER_FIELDS}
    extra = {k: v for k, v in changes.items() if k not in CUSTOMER_FIELDS}
    updated = bc.records.update(customers, customer, api_body)
    updated["_ext"] = {**(updated.get("_ext") or {}), **extra}
    bc.store.put(SERVICE, "customers", updated["id"], updated)
    return _customer_row(updated)


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
    for row in rows(bc, page):
        if all(str(row.get(name)) == str(value) for name, value in wanted.items()):
            return row
    raise ServiceError(
        404,
        "Internal_RecordNotFound",
        f"The {page.name} does not exist. Identification fields and values: {key}",
    )


def _matches_key(bc: BusinessCentral, page: Page, record: Record) -> bool:
    return any(all(row.get(k) == record.get(k) for k in page.keys) for row in rows(bc, page))


def _body(request: Request) -> Any:
    try:
        return request.json()
    except ValueError as error:
        raise ServiceError(
            400, "BadRequest", f"The request body is not valid JSON: {error}"
        ) from error
