"""OData plumbing shared by both clients: query strings, paging over ``@odata.nextLink``, ids."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from connection.clients.http import ServiceSession

# Keep OData punctuation readable in logs; everything else (spaces, &, +, #) is escaped.
_SAFE = "$,'()/:@*=;"
_ENTITY_ID = re.compile(r"\(([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                        r"[0-9a-fA-F]{12})\)\s*$")


def query_string(options: Mapping[str, Any]) -> str:
    """``$select=a,b&$filter=...`` from options; None values are left out, lists joined by commas.

    Spaces become ``%20`` rather than ``+``: OData services read ``+`` in a filter literally.
    """
    pairs = []
    for name, value in options.items():
        if value is None or value == "" or value == []:
            continue
        if isinstance(value, list | tuple):
            value = ",".join(str(item) for item in value)
        pairs.append(f"{name}={quote(str(value), safe=_SAFE)}")
    return "&".join(pairs)


def with_query(url: str, options: Mapping[str, Any]) -> str:
    """``url`` with the query string of ``options`` appended."""
    query = query_string(options)
    if not query:
        return url
    return f"{url}{'&' if '?' in url else '?'}{query}"


def iterate_pages(http: ServiceSession, url: str,
                  headers: Mapping[str, str] | None = None) -> Iterator[list[dict[str, Any]]]:
    """Yield each page's ``value`` list, following ``@odata.nextLink`` verbatim until absent.

    The same headers (and so the same ``Prefer: odata.maxpagesize``) go with every page, as the
    services require; the next link is never edited (protocols.md 3.4, 4.4).
    """
    next_url: str | None = url
    while next_url:
        response = http.request("GET", next_url, headers=headers)
        if response.status_code == 204:
            # A collection-valued navigation with no rows may answer 204 without a body
            # instead of ``{"value": []}``: the same empty collection.
            return
        payload = response.json()
        # Not kept while the caller works on the page: its body is megabytes for a large page.
        del response
        next_url = payload.get("@odata.nextLink")
        yield payload.get("value", [])


def flatten(pages: Iterable[list[dict[str, Any]]]) -> Iterator[dict[str, Any]]:
    """Records of consecutive pages, one at a time."""
    for page in pages:
        yield from page


def entity_id_from(location: str | None) -> str:
    """The GUID at the end of an ``OData-EntityId``/``Location`` URL (empty when absent)."""
    found = _ENTITY_ID.search(location or "")
    return found.group(1).lower() if found else ""


def quoted_literal(value: str) -> str:
    """An OData string literal: single quotes, inner quotes doubled."""
    return "'" + value.replace("'", "''") + "'"


def odata_datetime(when: datetime) -> str:
    """A datetime literal: UTC with milliseconds and ``Z``, unquoted in filters."""
    if when.tzinfo is None:
        raise ValueError("use a timezone-aware datetime")
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{when.astimezone(UTC).microsecond // 1000:03d}Z"


# -- filter expressions and bindings: callers compose them, never write OData text ------------
def all_of(conditions: Iterable[str | None]) -> str | None:
    """``(a) and (b)`` of the conditions given (empty ones left out); None when none is left."""
    return " and ".join(f"({c})" for c in conditions if c) or None


def any_equal(field: str, values: Iterable[str]) -> str:
    """``field eq v1 or field eq v2``, for ids and other unquoted literals."""
    return " or ".join(f"{field} eq {value}" for value in values)


def equal(field: str, value: str) -> str:
    """``field eq value``, for an id or another unquoted literal."""
    return f"{field} eq {value}"


def not_equal(field: str, value: str) -> str:
    """``field ne value``, for an id or another unquoted literal."""
    return f"{field} ne {value}"


def changed_after(field: str, when: datetime) -> str:
    """``field gt <utc>``: records changed after ``when``."""
    return f"{field} gt {odata_datetime(when)}"


def between(field: str, first: str, last: str) -> str:
    """``field ge first and field le last`` (literals as the service wrote them)."""
    return f"{field} ge {first} and {field} le {last}"


def ascending(field: str) -> str:
    """An ``$orderby`` on one field, oldest or smallest first."""
    return f"{field} asc"


def bind(entity_set: str, id: str) -> str:
    """The value of an ``@odata.bind`` annotation: a lookup set to the row ``id``."""
    return f"/{entity_set}({id})"
