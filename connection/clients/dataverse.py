"""Dataverse Web API client (Dynamics 365 Sales): reads, writes, ``$batch`` and metadata.

Wire facts: protocols.md sections 2 and 3.
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/overview
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from connection.clients import dataverse_batch, dataverse_metadata
from connection.clients.auth import TokenSource
from connection.clients.dataverse_batch import (
    ATOMIC,
    INDEPENDENT,
    MAX_OPERATIONS,
    SEQUENTIAL,
    BatchOperation,
    PreparedBatch,
)
from connection.clients.dataverse_metadata import MetadataStore
from connection.clients.errors import from_response, response_correlation_id
from connection.clients.http import DEFAULT_TIMEOUT, RetryPolicy, ServiceSession
from connection.clients.odata import entity_id_from, flatten, iterate_pages, with_query
from connection.clients.results import (
    ClientCounters,
    EntityMetadata,
    OperationResult,
    WhoAmI,
    described,
)
from connection.clients.throttle import MAX_PARALLELISM, GaugeReading

MAX_PAGE_SIZE = 5000
# Dataverse allows 52 concurrent requests per user and web server (protocols.md 3.10); how many
# a job keeps in flight follows the service's x-ms-dop-hint (ThrottleGauge), this is the cap.
DEFAULT_CONCURRENCY = MAX_PARALLELISM
HEADERS = {"Accept": "application/json", "OData-MaxVersion": "4.0", "OData-Version": "4.0"}
# Recommended on reads so expanded collections are never served stale (protocols.md 3.1).
READ_HEADERS = {"If-None-Match": "null"}


class DataverseClient:
    """A Dataverse environment's Web API, e.g. ``https://contoso.crm.dynamics.com``.

    ``tokens`` is a credential from :mod:`connection.clients.auth`; the token resource is the
    environment's origin. Records are plain dicts as the Web API returns them. Table metadata
    is kept in memory and, with a ``metadata_store``, where other processes find it too.
    """

    service = "dataverse"

    def __init__(self, url: str, tokens: TokenSource, api_version: str = "9.2", *,
                 ca_bundle: str | None = None, timeout: tuple[float, float] = DEFAULT_TIMEOUT,
                 retry: RetryPolicy | None = None,
                 max_concurrency: int = DEFAULT_CONCURRENCY,
                 metadata_store: MetadataStore | None = None) -> None:
        parts = urlsplit(url.strip())
        self.org_url = f"{parts.scheme}://{parts.netloc}"
        self.api_path = f"/api/data/v{api_version}"
        self.api_url = f"{self.org_url}{self.api_path}"
        self.http = ServiceSession(self.service, tokens, self.org_url,
                                   ca_bundle=ca_bundle or tokens.ca_bundle, timeout=timeout,
                                   retry=retry, max_concurrency=max_concurrency, headers=HEADERS)
        self._metadata: dict[str, EntityMetadata] = {}
        self.metadata_store = metadata_store

    def counters(self) -> ClientCounters:
        """Requests, retries and throttling waits so far."""
        return self.http.counters()

    def close(self) -> None:
        """Close pooled connections."""
        self.http.close()

    def parallelism(self, default: int) -> int:
        """Requests to keep in flight: the environment's ``x-ms-dop-hint`` once an answer
        carried it (capped at the 52 concurrent requests a user may send), else ``default``.
        https://learn.microsoft.com/power-apps/developer/data-platform/send-parallel-requests"""
        return min(self.http.gauge.parallelism(default), self.http.max_concurrency)

    def throttle(self) -> GaugeReading:
        """The identity's limit state from the last answers: budget left, in flight, 429s."""
        return self.http.gauge.reading()

    def held_seconds(self) -> float:
        """How long a 429's Retry-After still holds this identity's requests (0: none)."""
        return self.throttle().held_seconds

    def _url(self, path: str) -> str:
        return f"{self.api_url}/{path.lstrip('/')}"

    def whoami(self) -> WhoAmI:
        """The caller's systemuser: the connection test (protocols.md 3.2)."""
        body = self.http.request("GET", self._url("WhoAmI"), headers=READ_HEADERS).json()
        return WhoAmI(body["UserId"], body["BusinessUnitId"], body["OrganizationId"])

    def query_pages(self, entity_set: str, *, select: Sequence[str] | None = None,
                    filter: str | None = None, orderby: str | None = None,
                    expand: str | None = None, page_size: int = MAX_PAGE_SIZE,
                    annotations: str | None = None) -> Iterator[list[dict[str, Any]]]:
        """Yield pages of records following ``@odata.nextLink`` (at most ``page_size`` each).

        ``annotations`` asks for e.g. ``OData.Community.Display.V1.FormattedValue`` labels.
        """
        options = {"$select": list(select or []), "$filter": filter, "$orderby": orderby,
                   "$expand": expand}
        prefer = [f"odata.maxpagesize={min(page_size, MAX_PAGE_SIZE)}"]
        if annotations:
            prefer.append(f'odata.include-annotations="{annotations}"')
        headers = {**READ_HEADERS, "Prefer": ",".join(prefer)}
        return iterate_pages(self.http, with_query(self._url(entity_set), options), headers)

    def query(self, entity_set: str, **options: Any) -> Iterator[dict[str, Any]]:
        """Records of ``entity_set`` one at a time across pages; same options as query_pages."""
        return flatten(self.query_pages(entity_set, **options))

    def count(self, entity_set: str, filter: str | None = None) -> int:
        """Number of records matching ``filter`` (Dataverse stops counting at 5,000)."""
        url = with_query(self._url(f"{entity_set}/$count"), {"$filter": filter})
        response = self.http.request("GET", url, headers={**READ_HEADERS, "Accept": "text/plain"})
        return int(response.text.strip().lstrip("\ufeff"))

    def get(self, entity_set: str, id: str,
            select: Sequence[str] | None = None) -> dict[str, Any]:
        """One record by id; raises NotFound."""
        url = with_query(self._url(f"{entity_set}({id})"), {"$select": list(select or [])})
        return self.http.request("GET", url, headers=READ_HEADERS).json()

    def create(self, entity_set: str, body: Mapping[str, Any]) -> str:
        """Create a record and return its id (from ``OData-EntityId``)."""
        response = self.http.request("POST", self._url(entity_set), json=body)
        return entity_id_from(response.headers.get("OData-EntityId")
                              or response.headers.get("Location"))

    def update(self, entity_set: str, id: str, body: Mapping[str, Any],
               etag: str | None = None) -> None:
        """Update a record: ``If-Match`` the etag when given, else ``*`` so it never creates.

        Raises PreconditionFailed on a stale etag, NotFound when the record is gone.
        """
        self.http.request("PATCH", self._url(f"{entity_set}({id})"), json=body,
                          headers={"If-Match": etag or "*"})

    def upsert(self, entity_set: str, id: str, body: Mapping[str, Any]) -> None:
        """Create the record with this id, or update it when it exists (PATCH, no If-Match).

        The sync engine relies on caller-chosen ids: a retried page updates what a crashed
        attempt created instead of duplicating it.
        """
        self.http.request("PATCH", self._url(f"{entity_set}({id})"), json=body)

    def delete(self, entity_set: str, id: str, etag: str | None = None) -> None:
        """Delete a record; with ``etag`` only if unchanged. Raises NotFound when missing."""
        headers = {"If-Match": etag} if etag else None
        self.http.request("DELETE", self._url(f"{entity_set}({id})"), headers=headers)

    def associate(self, entity_set: str, id: str, relationship: str, target_set: str,
                  target_id: str) -> None:
        """Link two records over a relationship (e.g. N:N ``systemuserroles_association``)."""
        self.http.request("POST", self._url(f"{entity_set}({id})/{relationship}/$ref"),
                          json={"@odata.id": self._url(f"{target_set}({target_id})")},
                          idempotent=True)

    def disassociate(self, entity_set: str, id: str, relationship: str, target_id: str) -> None:
        """Remove a link made by :meth:`associate`."""
        self.http.request("DELETE",
                          self._url(f"{entity_set}({id})/{relationship}({target_id})/$ref"))

    def batch(self, operations: Sequence[BatchOperation], continue_on_error: bool = True,
              atomic: bool = False, batch_size: int = MAX_OPERATIONS) -> list[OperationResult]:
        """Run operations through ``$batch``, ``batch_size`` (<= 1,000) per request.

        ``atomic`` puts them in one change set: all succeed or none is kept; it cannot span
        requests, so more than ``batch_size`` operations are refused. Otherwise each
        operation succeeds or fails on its own (``continue_on_error``) or the batch stops at
        the first failure: earlier operations are ``unreported`` (applied, no details), later
        ones not run.
        """
        size = min(batch_size, MAX_OPERATIONS)
        if atomic and len(operations) > size:
            raise ValueError(f"an atomic batch holds at most {size} operations")
        results: list[OperationResult] = []
        for start in range(0, len(operations), size):
            chunk = operations[start:start + size]
            results += self._batch_chunk(chunk, start, continue_on_error, atomic)
        return results

    def _batch_chunk(self, operations: Sequence[BatchOperation], offset: int,
                     continue_on_error: bool, atomic: bool) -> list[OperationResult]:
        return self.send_batch(self.prepare_batch(operations, continue_on_error, atomic),
                               offset)

    def prepare_batch(self, operations: Sequence[BatchOperation], continue_on_error: bool = True,
                      atomic: bool = False) -> PreparedBatch:
        """One ``$batch`` request (at most 1,000 operations) written out, for
        :meth:`send_batch`; the caller may let go of the operations' bodies meanwhile."""
        if len(operations) > MAX_OPERATIONS:
            raise ValueError(f"a batch holds at most {MAX_OPERATIONS} operations")
        mode = ATOMIC if atomic else INDEPENDENT if continue_on_error else SEQUENTIAL
        return dataverse_batch.prepare(operations, self.api_path, mode, continue_on_error)

    def send_batch(self, prepared: PreparedBatch, offset: int = 0) -> list[OperationResult]:
        """Send a batch :meth:`prepare_batch` wrote: one result per operation, as :meth:`batch`
        answers (``offset`` is added to their indexes)."""
        response = self.http.request(
            "POST", self._url("$batch"), data=prepared.body, headers=dict(prepared.headers),
            raise_for_status=False, idempotent=prepared.idempotent)
        response_type = response.headers.get("Content-Type", "")
        if not response_type.startswith("multipart/"):
            raise from_response(response)
        parts = dataverse_batch.parse_body(response_type, response.content)
        requests = prepared.requests()
        results = dataverse_batch.results_for(len(requests), parts, offset, prepared.mode)
        return described(results, requests, response_correlation_id(response))

    def entity_metadata(self, logical_name: str, *, fresh: bool = False) -> EntityMetadata:
        """Columns of a table with types and choice labels (``{label: value}``).

        Cached in memory and in the metadata store; ``fresh`` reads it from Dataverse again
        (seven requests) and replaces what the store holds.
        """
        if not fresh and logical_name in self._metadata:
            return self._metadata[logical_name]
        stored = None if fresh or self.metadata_store is None \
            else self.metadata_store.load(logical_name)
        if stored is None:
            stored = dataverse_metadata.read(self, logical_name)
            if self.metadata_store is not None:
                self.metadata_store.save(stored)
        self._metadata[logical_name] = stored
        return stored

    def choice_labels(self, logical_name: str, attribute: str) -> dict[str, int]:
        """``{label: value}`` of a choice column as it is now (not cached)."""
        return dataverse_metadata.choice_labels(self, logical_name, attribute)

    def insert_option_value(self, logical_name: str, attribute: str, label: str,
                            value: int | None = None, language: int = 1033) -> int:
        """Add a choice to a column's option set (``InsertOptionValue``); returns its value.

        Without ``value`` Dataverse numbers it in the solution publisher's range.
        """
        body = dataverse_metadata.insert_option_body(logical_name, attribute, label, value,
                                                     language)
        answer = self.http.request("POST", self._url("InsertOptionValue"), json=body).json()
        self._metadata.pop(logical_name, None)  # the cached labels of the table are stale now
        if self.metadata_store is not None:
            self.metadata_store.forget(logical_name)
        return int(answer["NewOptionValue"])

    def entity_set_name(self, logical_name: str) -> str:
        """The entity set (URL name) of a table, e.g. ``account`` -> ``accounts``."""
        return self.entity_metadata(logical_name).entity_set_name

    def get_json(self, path: str) -> dict[str, Any]:
        """GET a path under the Web API root and return its JSON (metadata and functions)."""
        return self.http.request("GET", self._url(path), headers=READ_HEADERS).json()


# ---------------------------------------------------------------------------------------------
# Record search (the coupling pickers) and column display names (the filter rows)


def search_rows(client: DataverseClient, entity_set: str, *, fields: Sequence[str], text: str,
                within: str | None = None, select: Sequence[str] | None = None,
                limit: int = 20) -> list[dict[str, Any]]:
    """At most ``limit`` rows whose ``fields`` contain ``text`` (Dataverse compares text
    case-insensitively), among those ``within`` (a ``$filter``) selects; ``text`` is always sent
    as a quoted literal."""
    from itertools import islice

    from connection.clients.odata import quoted_literal

    found = " or ".join(f"contains({name},{quoted_literal(text)})" for name in fields) \
        if text else ""
    query = " and ".join(f"({part})" for part in (within, found) if part) or None
    rows = client.query(entity_set, filter=query, select=list(select or []), page_size=limit)
    return list(islice(rows, limit))


def attribute_display_names(client: DataverseClient, logical_name: str) -> dict[str, str]:
    """``{logical name: display name}`` of a table's columns in the user's language (columns
    without a label are left out)."""
    from connection.clients.odata import quoted_literal

    path = with_query(f"EntityDefinitions(LogicalName={quoted_literal(logical_name)})/Attributes",
                      {"$select": ["LogicalName", "DisplayName"]})
    names = {}
    for row in client.get_json(path).get("value", []):
        label = (row.get("DisplayName") or {}).get("UserLocalizedLabel") or {}
        if label.get("Label"):
            names[row["LogicalName"]] = label["Label"]
    return names
