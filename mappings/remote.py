"""Reading both sides of a mapping through the service clients (preview, search, matching).

The clients of a connection come from :mod:`connection.services`. Tables the API v2.0 lacks
(resources, price groups, sales prices, shipping agents) are read from OData V4 pages, whose
``SystemId`` is returned as ``id`` like an API record. Every failure becomes
:class:`RemoteUnavailable` with a message a person can act on.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from connection.clients.errors import NotFound
from mappings import catalogues
from mappings.filters import FilterError, Translation
from mappings.sales_filters import SalesFilter, sales_filter

SAMPLE_SIZE = 5
COUNT_LIMIT = 5000  # Dataverse stops counting at 5,000; the preview says "5,000 or more"


class RemoteUnavailable(Exception):
    """A service could not be asked (no clients yet, bad credentials, service error)."""


def clients(connection) -> tuple[Any, Any]:
    """(Business Central client, Dataverse client) of a connection."""
    from connection import services

    try:
        return services.business_central_client(connection), services.dataverse_client(connection)
    except Exception as exc:  # a half-filled connection: say why instead of failing the page
        raise RemoteUnavailable(f"Cannot connect: {exc}") from exc


def _call(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except RemoteUnavailable:
        raise
    except Exception as exc:  # ClientError and transport errors, shown on the page
        raise RemoteUnavailable(str(exc) or type(exc).__name__) from exc


# ---------------------------------------------------------------------------------------------
# Metadata


def sales_catalogue(mapping):
    """Filter catalogue of the mapping's Sales entity from its metadata."""
    _, dataverse = clients(mapping.connection)
    return catalogues.dataverse(_call(dataverse.entity_metadata, mapping.sales_entity))


def sales_attributes(mapping) -> list[tuple[str, str]]:
    """(logical name, type) of the Sales entity's attributes."""
    _, dataverse = clients(mapping.connection)
    return catalogues.attribute_names(_call(dataverse.entity_metadata, mapping.sales_entity))


def sales_display_names(mapping) -> dict[str, str]:
    """``{logical name: display name}`` of the Sales entity's columns ({} when unreadable);
    kept an hour in the cache, as labels change only when someone customizes Sales."""
    from django.core.cache import cache

    from connection.clients.dataverse import attribute_display_names

    key = f"mappings:display-names:{mapping.connection_id}:{mapping.sales_entity}"
    names = cache.get(key)
    if names is None:
        try:
            _, dataverse = clients(mapping.connection)
            names = _call(attribute_display_names, dataverse, mapping.sales_entity)
        except RemoteUnavailable:
            return {}
        cache.set(key, names, 3600)
    return names


def sales_catalogue_or_none(mapping):
    """The catalogue, or None when metadata cannot be read (then only syntax is checked)."""
    try:
        return sales_catalogue(mapping)
    except RemoteUnavailable:
        return None


# ---------------------------------------------------------------------------------------------
# Records


def bc_records(mapping, select: Sequence[str] | None = None,
               translation: Translation | None = None) -> Iterator[dict[str, Any]]:
    """BC records of the mapping's table passing its Table Filter (exactly, as BC would)."""
    translation = translation or _call(mapping.bc_translation)
    business_central, _ = clients(mapping.connection)
    table = catalogues.bc_table(mapping.bc_table)
    if table and table.odata_page:
        fields = [f for f in (select or []) if f != "id"]
        rows = _call(business_central.odata_query, mapping.bc_entity,
                     filter=translation.filter_text or None,
                     select=[*fields, "SystemId"] if fields else None)
        rows = ({**row, "id": row.get("SystemId")} for row in rows)
    else:
        rows = _call(business_central.query, mapping.bc_entity,
                     filter=translation.filter_text or None,
                     select=list(select) if select else None)
    return (row for row in rows if translation.matches(row))


def sales_records(mapping, select: Sequence[str] | None = None,
                  compiled: SalesFilter | None = None) -> Iterator[dict[str, Any]]:
    """Sales rows of the mapping's entity passing its Integration Table Filter."""
    compiled = compiled or compile_sales_filter(mapping)
    _, dataverse = clients(mapping.connection)
    rows = _call(dataverse.query, mapping.sales_entity_set, filter=compiled.filter_text or None,
                 select=list(select) if select else None)
    return (row for row in rows if compiled.matches(row))


def compile_sales_filter(mapping) -> SalesFilter:
    try:
        return sales_filter(mapping.integration_table_filter,
                            mapping.integration_table_filter_syntax, sales_catalogue(mapping))
    except FilterError as exc:
        raise RemoteUnavailable(f"Integration Table Filter: {exc}") from exc


@dataclass(frozen=True)
class Candidate:
    """A record a picker offers: its id (BC SystemId or Sales primary key), No. and name."""

    id: str
    number: str = ""
    name: str = ""

    @property
    def label(self) -> str:
        return " · ".join(part for part in (self.number, self.name) if part) or self.id


def search_bc(mapping, text: str, limit: int = 20) -> list[Candidate]:
    """BC records of the mapping's table whose No. or name contain ``text`` and that pass its
    Table Filter (all of them, up to ``limit``, when ``text`` is blank)."""
    from connection.clients.business_central import search_records

    table = catalogues.bc_table(mapping.bc_table)
    translation = _bc_translation(mapping)
    business_central, _ = clients(mapping.connection)
    number, name = _bc_columns(table)
    rows = _call(search_records, business_central, mapping.bc_entity,
                 fields=[f for f in (number, name) if f], text=text,
                 within=translation.filter_text or None, odata_page=_odata(table), limit=limit)
    return [_bc_candidate(row, table) for row in rows if translation.matches(row)]


def bc_candidate(mapping, record_id: str) -> Candidate | None:
    """The BC record with this SystemId, or None when it does not exist."""
    from connection.clients.business_central import record_by_system_id

    table = catalogues.bc_table(mapping.bc_table)
    business_central, _ = clients(mapping.connection)
    row = _call(record_by_system_id, business_central, mapping.bc_entity, record_id,
                odata_page=_odata(table))
    return _bc_candidate(row, table) if row else None


def _bc_translation(mapping) -> Translation:
    try:
        return mapping.bc_translation()
    except FilterError as exc:
        raise RemoteUnavailable(f"Table Filter: {exc}") from exc


def _odata(table) -> bool:
    return bool(table and table.odata_page)


def _bc_columns(table) -> tuple[str, str]:
    return (table.number_property, table.name_property) if table else ("", "")


def _bc_candidate(row: dict[str, Any], table) -> Candidate:
    number, name = _bc_columns(table)
    record_id = row.get("SystemId") if _odata(table) else row.get("id")
    return Candidate(_text(record_id), _text(row.get(number)) if number else "",
                     _text(row.get(name)) if name else "")


def sales_number_attribute(mapping) -> str:
    """The Sales column the BC No. is mapped to (accountnumber for customers), or ''."""
    table = catalogues.bc_table(mapping.bc_table)
    if not table:
        return ""
    found = mapping.field_mappings.filter(bc_property=table.number_property).exclude(
        sales_attribute="").values_list("sales_attribute", flat=True).first()
    return found or ""


def search_sales(mapping, text: str, limit: int = 20) -> list[Candidate]:
    """Sales rows of the mapping's entity whose name or number contain ``text`` and that pass
    its Integration Table Filter (all of them, up to ``limit``, when ``text`` is blank)."""
    from connection.clients.dataverse import search_rows

    compiled = compile_sales_filter(mapping)
    _, dataverse = clients(mapping.connection)
    metadata = _call(dataverse.entity_metadata, mapping.sales_entity)
    number = sales_number_attribute(mapping) or _number_column(metadata)
    columns = [c for c in (metadata.primary_name_attribute, number) if c]
    rows = _call(search_rows, dataverse, mapping.sales_entity_set, fields=columns, text=text,
                 within=compiled.filter_text or None, limit=limit)
    return [_sales_candidate(row, metadata, number) for row in rows if compiled.matches(row)]


def sales_candidate(mapping, record_id: str) -> Candidate | None:
    """The Sales row with this id, or None when it does not exist."""
    from uuid import UUID

    _, dataverse = clients(mapping.connection)
    metadata = _call(dataverse.entity_metadata, mapping.sales_entity)
    try:
        row = _call(dataverse.get, mapping.sales_entity_set, str(UUID(record_id)))
    except RemoteUnavailable as exc:
        if isinstance(exc.__cause__, NotFound):
            return None
        raise
    return _sales_candidate(row, metadata,
                            sales_number_attribute(mapping) or _number_column(metadata))


def _number_column(metadata) -> str:
    """The entity's own number column (accountnumber, productnumber) when it has one."""
    name = f"{metadata.logical_name}number"
    return name if name in metadata.attributes else ""


def _sales_candidate(row: dict[str, Any], metadata, number: str) -> Candidate:
    return Candidate(_text(row.get(metadata.primary_id_attribute)),
                     _text(row.get(number)) if number else "",
                     _text(row.get(metadata.primary_name_attribute)))


# ---------------------------------------------------------------------------------------------
# Preview


@dataclass
class SidePreview:
    """How many records one side's filter matches right now, and a few of them."""

    title: str
    filter_text: str = ""
    count: int | None = None
    more: bool = False
    sample: list[dict[str, str]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    error: str = ""
    notes: tuple[str, ...] = ()


def preview_bc(mapping, translation: Translation) -> SidePreview:
    """Count and sample the BC records the (unsaved) Table Filter selects."""
    table = catalogues.bc_table(mapping.bc_table)
    columns = [table.number_property, table.name_property] if table else ["id"]
    side = SidePreview("Business Central", translation.filter_text, columns=columns,
                       notes=translation.notes)
    return _fill(side, lambda: bc_records(mapping, translation=translation))


def preview_sales(mapping, compiled: SalesFilter) -> SidePreview:
    """Count and sample the Sales rows the (unsaved) Integration Table Filter selects."""
    side = SidePreview("Dynamics 365 Sales", compiled.filter_text)
    try:
        _, dataverse = clients(mapping.connection)
        metadata = _call(dataverse.entity_metadata, mapping.sales_entity)
        side.columns = [metadata.primary_name_attribute]
    except RemoteUnavailable as exc:
        side.error = str(exc)
        return side
    return _fill(side, lambda: sales_records(mapping, compiled=compiled))


def _fill(side: SidePreview, read) -> SidePreview:
    try:
        rows = read()
        counted = 0
        for row in rows:
            counted += 1
            if counted <= SAMPLE_SIZE:
                side.sample.append({c: _text(row.get(c)) for c in side.columns})
            if counted >= COUNT_LIMIT:
                side.more = True
                break
        side.count = counted
    except RemoteUnavailable as exc:
        side.error = str(exc)
    except Exception as exc:  # a generator raising mid-way (service error on page 2)
        side.error = str(exc) or type(exc).__name__
    return side


def _text(value: Any) -> str:
    return "" if value is None else str(value)
