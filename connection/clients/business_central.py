"""Business Central client: API v2.0 (companies, records, JSON ``$batch``) and OData V4 pages.

Wire facts: protocols.md section 4.
https://learn.microsoft.com/dynamics365/business-central/dev-itpro/api-reference/v2.0/
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from connection.clients.auth import BUSINESS_CENTRAL_RESOURCE, TokenSource
from connection.clients.errors import (
    correlation_id,
    describe_request,
    parse_error_body,
    response_correlation_id,
)
from connection.clients.http import DEFAULT_TIMEOUT, RetryPolicy, ServiceSession, join_url
from connection.clients.odata import (
    flatten,
    iterate_pages,
    odata_datetime,
    quoted_literal,
    with_query,
)
from connection.clients.results import (
    ClientCounters,
    Company,
    OperationResult,
    described,
    roll_back_all,
)
from connection.clients.throttle import GaugeReading

MAX_PAGE_SIZE = 20000
MAX_BATCH = 100
# BC processes 5 requests per user at a time and queues the rest (protocols.md 4.7).
DEFAULT_CONCURRENCY = 5
HEADERS = {"Accept": "application/json"}


@dataclass(frozen=True)
class BcOperation:
    """One request of a JSON ``$batch``; ``path`` is relative to the company, e.g. ``customers``."""

    method: str
    path: str
    body: Mapping[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def create(cls, entity: str, body: Mapping[str, Any]) -> BcOperation:
        """POST a new record."""
        return cls("POST", entity, body)

    @classmethod
    def update(cls, entity: str, id: str, body: Mapping[str, Any], etag: str) -> BcOperation:
        """PATCH a record; ``etag`` is its ``@odata.etag`` or ``*``."""
        return cls("PATCH", f"{entity}({id})", body, {"If-Match": etag})

    @classmethod
    def delete(cls, entity: str, id: str, etag: str = "*") -> BcOperation:
        """DELETE a record."""
        return cls("DELETE", f"{entity}({id})", None, {"If-Match": etag})




def odata_root(base_url: str) -> str:
    """The OData V4 web services root beside an API v2.0 base URL (online and on-premises)."""
    base = base_url.rstrip("/")
    if not base.endswith("/api/v2.0"):
        raise ValueError(f"'{base_url}' is not an API v2.0 base URL (it must end in /api/v2.0)")
    return base[: -len("/api/v2.0")] + "/ODataV4"


class BusinessCentralClient:
    """One Business Central environment's API v2.0, usually bound to one company.

    ``base_url`` is the API base including tenant and environment, e.g.
    ``https://api.businesscentral.dynamics.com/v2.0/<tenant>/<environment>/api/v2.0`` (online,
    ``tokens`` from msal) or ``https://server:7048/<instance>/api/v2.0`` (on-premises, with
    :class:`~connection.clients.auth.BasicCredential`).
    """

    service = "business_central"

    def __init__(self, base_url: str, tokens: TokenSource, company_id: str | None = None, *,
                 company_name: str | None = None, resource: str = BUSINESS_CENTRAL_RESOURCE,
                 ca_bundle: str | None = None, timeout: tuple[float, float] = DEFAULT_TIMEOUT,
                 retry: RetryPolicy | None = None,
                 max_concurrency: int = DEFAULT_CONCURRENCY) -> None:
        self.base_url = base_url.rstrip("/")
        self.odata_url = odata_root(self.base_url)
        self.company_id, self._company_name = company_id, company_name
        self.http = ServiceSession(self.service, tokens, resource,
                                   ca_bundle=ca_bundle or tokens.ca_bundle, timeout=timeout,
                                   retry=retry, max_concurrency=max_concurrency, headers=HEADERS)

    def counters(self) -> ClientCounters:
        """Requests, retries and throttling waits so far."""
        return self.http.counters()

    def close(self) -> None:
        """Close pooled connections."""
        self.http.close()

    def parallelism(self, default: int) -> int:
        """Requests to keep in flight: Business Central runs 5 per user at once and queues
        the rest, so more never helps (protocols.md 4.7).
        https://learn.microsoft.com/dynamics365/business-central/dev-itpro/api-reference/v2.0/dynamics-rate-limits"""
        return max(1, min(default, self.http.max_concurrency))

    def throttle(self) -> GaugeReading:
        """The identity's state from the last answers: in flight, 429s, time waited."""
        return self.http.gauge.reading()

    def companies(self) -> list[Company]:
        """The companies of the environment."""
        rows = self.http.request("GET", join_url(self.base_url, "companies")).json()["value"]
        return [Company(row["id"], row.get("name", ""), row.get("displayName", ""),
                        row.get("businessProfileId", "")) for row in rows]

    def _company_url(self, *parts: str) -> str:
        if not self.company_id:
            raise ValueError("this client has no company_id; pass one or pick from companies()")
        return join_url(self.base_url, f"companies({self.company_id})", *parts)

    def query_pages(self, entity: str, *, filter: str | None = None,
                    select: Sequence[str] | None = None, expand: str | None = None,
                    orderby: str | None = None,
                    page_size: int = MAX_PAGE_SIZE) -> Iterator[list[dict[str, Any]]]:
        """Yield pages of ``entity`` records of the company, following ``@odata.nextLink``."""
        options = {"$filter": filter, "$select": list(select or []), "$expand": expand,
                   "$orderby": orderby}
        headers = {"Prefer": f"odata.maxpagesize={min(page_size, MAX_PAGE_SIZE)}"}
        return iterate_pages(self.http, with_query(self._company_url(entity), options), headers)

    def query(self, entity: str, **options: Any) -> Iterator[dict[str, Any]]:
        """Records of ``entity`` one at a time across pages; same options as query_pages."""
        return flatten(self.query_pages(entity, **options))

    def modified_since(self, entity: str, when: datetime, *, filter: str | None = None,
                       **options: Any) -> Iterator[dict[str, Any]]:
        """Records changed after ``when`` (``lastModifiedDateTime gt <utc>``), oldest first."""
        condition = f"lastModifiedDateTime gt {odata_datetime(when)}"
        combined = f"({filter}) and {condition}" if filter else condition
        options.setdefault("orderby", "lastModifiedDateTime asc")
        return self.query(entity, filter=combined, **options)

    def count(self, entity: str, filter: str | None = None) -> int:
        """Number of ``entity`` records matching ``filter`` (``$count=true`` on a 1-row page)."""
        url = with_query(self._company_url(entity),
                         {"$filter": filter, "$select": "id", "$count": "true"})
        body = self.http.request("GET", url, headers={"Prefer": "odata.maxpagesize=1"}).json()
        return int(body["@odata.count"])

    def get(self, entity: str, id: str, *, select: Sequence[str] | None = None,
            expand: str | None = None) -> dict[str, Any]:
        """One record by id; raises NotFound."""
        url = with_query(self._company_url(f"{entity}({id})"),
                         {"$select": list(select or []), "$expand": expand})
        return self.http.request("GET", url).json()

    def create(self, entity: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Create a record; returns the full record BC answers with (201)."""
        return self.http.request("POST", self._company_url(entity), json=body).json()

    def update(self, entity: str, id: str, body: Mapping[str, Any],
               etag: str) -> dict[str, Any]:
        """Update a record; ``etag`` (``@odata.etag`` or ``*``) is mandatory in BC.

        Raises Conflict when someone changed the record since ``etag`` was read.
        """
        return self.http.request("PATCH", self._company_url(f"{entity}({id})"), json=body,
                                 headers={"If-Match": etag}).json()

    def delete(self, entity: str, id: str, etag: str = "*") -> None:
        """Delete a record."""
        self.http.request("DELETE", self._company_url(f"{entity}({id})"),
                          headers={"If-Match": etag})

    def batch(self, operations: Sequence[BcOperation],
              isolation_snapshot: bool = False) -> list[OperationResult]:
        """Run operations through JSON ``$batch``, at most 100 per request (split otherwise).

        With ``isolation_snapshot`` a batch is all-or-nothing, so it cannot be split: more
        than 100 operations are refused.
        """
        if isolation_snapshot and len(operations) > MAX_BATCH:
            raise ValueError(f"an isolated batch holds at most {MAX_BATCH} operations")
        results: list[OperationResult] = []
        for start in range(0, len(operations), MAX_BATCH):
            chunk = operations[start:start + MAX_BATCH]
            results += self._batch_chunk(chunk, start, isolation_snapshot)
        return results

    def _batch_chunk(self, operations: Sequence[BcOperation], offset: int,
                     isolation_snapshot: bool) -> list[OperationResult]:
        headers = {"Content-Type": "application/json"}
        if isolation_snapshot:
            headers["Isolation"] = "snapshot"
        body = {"requests": [self._batch_request(str(i + 1), op)
                             for i, op in enumerate(operations)]}
        idempotent = all(op.method.upper() != "POST" for op in operations)
        response = self.http.request("POST", join_url(self.base_url, "$batch"), json=body,
                                     headers=headers, idempotent=idempotent)
        by_id = {str(item.get("id")): item for item in response.json().get("responses", [])}
        results = [_result(offset + i, by_id.get(str(i + 1))) for i in range(len(operations))]
        if isolation_snapshot:
            results = roll_back_all(results, "batch")
        return described(results, [describe_request(op.method, op.path) for op in operations],
                         response_correlation_id(response))

    def _batch_request(self, id: str, operation: BcOperation) -> dict[str, Any]:
        headers = {"Content-Type": "application/json", **operation.headers}
        request = {"id": id, "method": operation.method.upper(),
                   "url": f"companies({self.company_id})/{operation.path}", "headers": headers}
        if operation.body is not None:
            request["body"] = dict(operation.body)
        return request

    def company_name(self) -> str:
        """The company's name (OData V4 pages address companies by name)."""
        if self._company_name is None:
            match = [c for c in self.companies() if c.id.lower() == str(self.company_id).lower()]
            if not match:
                raise ValueError(f"company {self.company_id} does not exist in this environment")
            self._company_name = match[0].name
        return self._company_name

    def odata_pages(self, page_name: str, *, filter: str | None = None,
                    select: Sequence[str] | None = None,
                    page_size: int = MAX_PAGE_SIZE) -> Iterator[list[dict[str, Any]]]:
        """Pages of a published OData V4 web service (a page or query), for what API v2.0 lacks,
        e.g. customer price groups. Field names use underscores (``Payment_Terms_Code``)."""
        company = quote(quoted_literal(self.company_name()), safe="'")
        url = with_query(join_url(self.odata_url, f"Company({company})", page_name),
                         {"$filter": filter, "$select": list(select or [])})
        headers = {"Prefer": f"odata.maxpagesize={min(page_size, MAX_PAGE_SIZE)}"}
        return iterate_pages(self.http, url, headers)

    def odata_count(self, page_name: str, filter: str | None = None) -> int:
        """Number of records of a published page (``$count=true`` on a 1-row page)."""
        url = with_query(self._page_url(page_name),
                         {"$filter": filter, "$select": "SystemId", "$count": "true"})
        body = self.http.request("GET", url, headers={"Prefer": "odata.maxpagesize=1"}).json()
        return int(body["@odata.count"])

    def odata_query(self, page_name: str, **options: Any) -> Iterator[dict[str, Any]]:
        """Records of an OData V4 web service one at a time; same options as odata_pages."""
        return flatten(self.odata_pages(page_name, **options))

    def _page_url(self, page_name: str, key: Mapping[str, Any] | None = None) -> str:
        company = quote(quoted_literal(self.company_name()), safe="'")
        segment = page_name
        if key:
            # Page records are addressed by the page's key fields: Customer(No='10000').
            segment += "(" + ",".join(f"{name}={quoted_literal(str(value))}"
                                      for name, value in key.items()) + ")"
        return join_url(self.odata_url, f"Company({company})", quote(segment, safe="()=',"))

    def odata_create(self, page_name: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Insert a record through a published page; returns the record (201)."""
        return self.http.request("POST", self._page_url(page_name), json=body).json()

    def odata_update(self, page_name: str, key: Mapping[str, Any], body: Mapping[str, Any],
                     etag: str = "*") -> dict[str, Any]:
        """Modify the page record with these key field values (``If-Match`` is mandatory)."""
        return self.http.request("PATCH", self._page_url(page_name, key), json=body,
                                 headers={"If-Match": etag}).json()


def _result(index: int, item: dict[str, Any] | None) -> OperationResult:
    if item is None:
        return OperationResult(index, None, error_message="No response for this operation.")
    status = int(item.get("status") or 0)
    body = item.get("body") if isinstance(item.get("body"), dict) else None
    if status >= 400:
        code, message = parse_error_body(body)
        # BC names the correlation id in the message ("... CorrelationId: <guid>.").
        return OperationResult(index, status, error_code=code, error_message=message,
                               correlation_id=correlation_id(item.get("headers") or {}, message))
    body = body or {}
    return OperationResult(index, status, id=str(body.get("id", "")),
                           etag=body.get("@odata.etag", ""), body=body)


# ---------------------------------------------------------------------------------------------
# Record search (the coupling pickers)

def search_records(client: BusinessCentralClient, entity: str, *, fields: Sequence[str],
                   text: str, within: str | None = None, select: Sequence[str] | None = None,
                   odata_page: bool = False, limit: int = 20) -> list[dict[str, Any]]:
    """At most ``limit`` records whose ``fields`` contain ``text``, among those ``within`` (a
    ``$filter``) selects; API v2.0 entity, or a published OData page with ``odata_page``.

    BC compares text case-sensitively, so the text is looked for as typed, upper-case,
    lower-case and capitalized; and BC allows ``or`` only between values of one field
    (protocols.md 4.4), so each field is one request, in the order given. ``text`` is always
    sent as a quoted literal.
    """
    from itertools import islice

    read = client.odata_query if odata_page else client.query
    key = "SystemId" if odata_page else "id"
    found: dict[Any, dict[str, Any]] = {}
    for name in (fields if text else [""]):
        spellings = dict.fromkeys([text, text.upper(), text.lower(), text.title(),
                                   text.capitalize()])
        contains = " or ".join(f"contains({name},{quoted_literal(spelling)})"
                               for spelling in spellings) if name else ""
        query = " and ".join(f"({part})" for part in (within, contains) if part) or None
        rows = read(entity, filter=query, select=list(select) if select else None,
                    page_size=limit)
        for row in islice(rows, limit):
            found.setdefault(row.get(key), row)
        if len(found) >= limit:
            break
    return list(found.values())[:limit]


def record_by_system_id(client: BusinessCentralClient, entity: str, system_id: str, *,
                        odata_page: bool = False) -> dict[str, Any] | None:
    """One record by its SystemId (``id`` in API v2.0), or None when there is none."""
    from uuid import UUID

    from connection.clients.errors import NotFound

    key = str(UUID(system_id))  # raises ValueError on anything but a GUID: nothing else is sent
    if not odata_page:
        try:
            return client.get(entity, key)
        except NotFound:
            return None
    return next(client.odata_query(entity, filter=f"SystemId eq {key}"), None)
