"""Dataverse reads: ``$select``/``$filter``/``$orderby``/``$top``/``$count``/``$expand``,
paging with ``Prefer: odata.maxpagesize`` and annotations (protocols.md 2.4, 3.3, 3.4)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import quote

from sandbox.dataverse_records import INVALID_PROPERTY, Records, choices, etag
from sandbox.dataverse_schema import ASSOCIATIONS, ENTITIES, Entity
from sandbox.errors import ServiceError
from sandbox.odata import Getter, ODataError
from sandbox.query import (
    FilterContext,
    compile_orderby,
    filter_rows,
    parse_expand,
    parse_select,
    sort_records,
)
from sandbox.query_plan import TableSource
from sandbox.store import Record

MAX_PAGE = 5000
# What the sandbox evaluates; ``$id`` addresses a collection $ref, ``tag`` only reaches plug-ins
# (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/overview).
IMPLEMENTED_OPTIONS = {
    "$select",
    "$filter",
    "$orderby",
    "$top",
    "$count",
    "$expand",
    "$skiptoken",
    "$deltatoken",
    "$id",
    "tag",
}
# Options Dataverse itself refuses (same page).
UNSUPPORTED_OPTIONS = {"$skip", "$search", "$format"}
EXPAND_OPTIONS = {"$select", "$filter", "$orderby", "$top", "$expand"}
METADATA_OPTIONS = {"$select", "$filter", "$expand"}
FORMATTED = "@OData.Community.Display.V1.FormattedValue"
LOOKUP_NAME = "@Microsoft.Dynamics.CRM.lookuplogicalname"
SKIP = re.compile(r'offset%3d%22(\d+)%22|offset="(\d+)"', re.IGNORECASE)


def bad_query(message: str) -> ServiceError:
    """400 for a query option the service cannot evaluate."""
    return ServiceError(400, INVALID_PROPERTY, message)


@dataclass
class Shape:
    """How rows of one entity are presented: selected columns, expands, annotations."""

    entity: Entity
    select: list[str] | None
    expands: list
    annotations: bool


class Reader:
    """Builds Dataverse JSON for rows and collections."""

    def __init__(self, records: Records) -> None:
        self.records = records

    def getter(self, entity: Entity) -> Any:
        """Property-path resolver for ``$filter``/``$orderby`` (``a``, ``_x_value``, ``nav/a``)."""

        def resolve(path: str) -> Getter:
            name, _, rest = path.partition("/")
            attribute = entity.by_value_name(name)
            if attribute is not None and not rest:
                return lambda record: record.get(name)
            nav = entity.navigation(name)
            if nav is not None and rest:
                return self._nav_getter(nav[0].value_name, nav[0].targets, rest)
            raise ODataError(
                f"Could not find a property named '{name}' on type "
                f"'Microsoft.Dynamics.CRM.{entity.logical_name}'."
            )

        return resolve

    def _nav_getter(self, value_name: str, targets: tuple[str, ...], column: str) -> Getter:
        def get(record: Record) -> Any:
            target_id = record.get(value_name) or ""
            for target in targets if target_id else ():
                found = self.records.get(target, target_id)
                if found is not None:
                    return found.get(column)
            return None

        return get

    def shape(self, entity: Entity, options: dict[str, str], annotations: bool) -> Shape:
        """Validate ``$select``/``$expand`` of a request."""
        select = parse_select(options.get("$select"))
        for name in select or []:
            if entity.by_value_name(name) is None:
                raise bad_query(
                    f"Could not find a property named '{name}' on type "
                    f"'Microsoft.Dynamics.CRM.{entity.logical_name}'."
                )
        try:
            expands = parse_expand(options.get("$expand"))
        except ODataError as error:
            raise bad_query(str(error)) from error
        for item in expands:
            unknown = set(item.options) - EXPAND_OPTIONS
            if unknown:
                raise not_implemented(f"The $expand option '{sorted(unknown)[0]}'")
            if self._expand_target(entity, item.name) is None:
                raise bad_query(
                    f"Could not find a property named '{item.name}' on type "
                    f"'Microsoft.Dynamics.CRM.{entity.logical_name}'."
                )
        return Shape(entity, select, expands, annotations)

    def _expand_target(self, entity: Entity, name: str) -> Entity | None:
        if name in entity.collections:
            return ENTITIES[entity.collections[name].child]
        if (entity.logical_name, name) in ASSOCIATIONS:
            return ENTITIES[ASSOCIATIONS[(entity.logical_name, name)][0]]
        nav = entity.navigation(name)
        if nav is None:
            return None
        target = nav[1] or nav[0].targets[0]
        return ENTITIES.get(target)

    def present(self, record: Record, shape: Shape) -> dict[str, Any]:
        """One row as JSON: ETag, selected columns, primary key, expands, annotations."""
        entity = shape.entity
        names = shape.select or [a.value_name for a in entity.attributes.values()]
        row: dict[str, Any] = {"@odata.etag": etag(record)}
        for name in names:
            row[name] = record.get(name)
            if shape.annotations:
                self._annotate(entity, name, record, row)
        row[entity.primary_id] = record[entity.primary_id]
        for item in shape.expands:
            row[item.name] = self._expand(entity, record, item, shape.annotations)
        return row

    def _annotate(self, entity: Entity, name: str, record: Record, row: dict[str, Any]) -> None:
        attribute = entity.by_value_name(name)
        value = record.get(name)
        if attribute is None or value is None:
            return
        if attribute.type in ("Picklist", "State", "Status"):
            row[name + FORMATTED] = choices(entity, attribute).get(value, str(value))
        elif attribute.type == "Boolean":
            row[name + FORMATTED] = "Yes" if value else "No"
        elif attribute.is_lookup:
            target, found = self._lookup_target(record, attribute)
            if found is not None:
                row[name + FORMATTED] = found.get(ENTITIES[target].primary_name)
                row[name + LOOKUP_NAME] = target
                row[name + "@Microsoft.Dynamics.CRM.associatednavigationproperty"] = (
                    attribute.name if len(attribute.targets) == 1 else f"{attribute.name}_{target}"
                )
        elif attribute.type == "Money":
            row[name + FORMATTED] = f"${value:,.2f}"

    def _lookup_target(self, record: Record, attribute: Any) -> tuple[str, Record | None]:
        target_id = cast(str, record.get(attribute.value_name))
        for target in attribute.targets:
            found = self.records.get(target, target_id) if target in ENTITIES else None
            if found is not None:
                return target, found
        return attribute.targets[0], None

    def _expand(self, entity: Entity, record: Record, item: Any, annotations: bool) -> Any:
        target = self._expand_target(entity, item.name)
        assert target is not None  # shape() refused an $expand without one
        shape = self.shape(target, item.options, annotations)
        children = self.related(entity, record, item.name)
        if children is None:
            nav = entity.navigation(item.name)
            assert nav is not None  # not a collection, so a single-valued navigation
            target_id = record.get(nav[0].value_name)
            found = self.records.get(target.logical_name, target_id) if target_id else None
            return self.present(found, shape) if found is not None else None
        rows = self.select_rows(target, children, item.options)
        return [self.present(child, shape) for child in rows]

    def related(self, entity: Entity, record: Record, nav: str) -> list[Record] | None:
        """Rows of a collection-valued navigation, or None when ``nav`` is single-valued."""
        record_id = record[entity.primary_id]
        association = ASSOCIATIONS.get((entity.logical_name, nav))
        if association is not None:
            other, mine, theirs = association
            links = self.records.table("systemuserroles").values()
            ids = [link[theirs] for link in links if link[mine] == record_id]
            return [r for r in (self.records.get(other, i) for i in ids) if r is not None]
        collection = entity.collections.get(nav)
        if collection is None:
            return None
        value_name = f"_{collection.lookup}_value"
        return [
            r
            for r in self.records.table(collection.child).values()
            if r.get(value_name) == record_id
        ]

    def source(self, entity: Entity) -> TableSource:
        """The table of ``entity`` with its indexes, for :meth:`select_rows`."""
        modified = {"modifiedon": "modifiedon"} if "modifiedon" in entity.attributes else {}
        return TableSource(self.records.store, "dataverse", entity.logical_name,
                           entity.primary_id, modified)

    def select_rows(self, entity: Entity, rows: Any, options: dict[str, str],
                    source: TableSource | None = None) -> list[Record]:
        """Apply ``$filter`` and ``$orderby`` to rows; with a ``source`` (``rows`` are that
        whole table) the filter may use the table's indexes."""
        getter = self.getter(entity)
        try:
            if options.get("$filter"):
                context = FilterContext(getter, case_insensitive=True)
                plan = (lambda tree: source.candidates(tree, True)) if source else None
                rows = filter_rows(options["$filter"], context, rows, plan)
            rows = list(rows)
            if options.get("$orderby"):
                rows = sort_records(rows, compile_orderby(options["$orderby"], getter), True)
        except ODataError as error:
            raise bad_query(str(error)) from error
        if options.get("$top"):
            rows = rows[: _int_option(options, "$top")]
        return rows


def _int_option(options: dict[str, str], name: str) -> int:
    try:
        value = int(options[name])
    except ValueError as error:
        raise bad_query(f"Invalid value for {name}: '{options[name]}'.") from error
    if value < 0:
        raise bad_query(f"Invalid value for {name}: '{options[name]}'.")
    return value


def page_size(prefers: dict[str, str]) -> int | None:
    """``odata.maxpagesize`` capped at 5,000 (protocols.md 3.4)."""
    raw = prefers.get("odata.maxpagesize")
    if raw is None:
        return None
    try:
        return max(1, min(int(raw), MAX_PAGE))
    except ValueError as error:
        raise bad_query(f"Invalid odata.maxpagesize '{raw}'.") from error


def page_offset(options: dict[str, str]) -> int:
    """Offset stored in our paging cookie (mimics the real pagingcookie shape)."""
    token = options.get("$skiptoken")
    if not token:
        return 0
    match = SKIP.search(token)
    if match is None:
        raise bad_query("The $skiptoken is not valid.")
    return int(match.group(1) or match.group(2))


def skiptoken(entity: Entity, page: list[Record], offset: int, number: int) -> str:
    """A ``$skiptoken`` shaped like Dataverse's paging cookie, carrying the next offset."""
    first, last = page[0][entity.primary_id].upper(), page[-1][entity.primary_id].upper()
    inner = (
        f'<cookie page="{number - 1}" offset="{offset}"><{entity.primary_id} '
        f'last="{{{last}}}" first="{{{first}}}" /></cookie>'
    )
    return f'<cookie pagenumber="{number}" pagingcookie="{quote(inner)}" istracking="False" />'


def not_implemented(what: str) -> ServiceError:
    """400 for something Dataverse offers but the sandbox does not emulate: refused, never
    ignored, so a client never mistakes a partial answer for the real one."""
    return ServiceError(400, INVALID_PROPERTY, f"{what} is not implemented in the sandbox.")


def check_options(
    options: dict[str, str], implemented: set[str] = IMPLEMENTED_OPTIONS
) -> None:
    """Refuse query options Dataverse does not support (``$skip``, ``$search``, ``$format``)
    and every option or parameter the sandbox does not implement (``fetchXml``, ``sql``,
    ``$apply``, parameter aliases, anything unknown)."""
    for name, value in options.items():
        if name in UNSUPPORTED_OPTIONS:
            message = f"The query parameter {name} is not supported"
            raise ServiceError(400, INVALID_PROPERTY, message)
        if name not in implemented:
            raise not_implemented(f"The query option '{name}'")
        if name == "$count" and value not in ("true", "false"):
            raise bad_query(f"Invalid value for $count: '{value}'.")
