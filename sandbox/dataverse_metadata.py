"""Minimal metadata: service document, ``$metadata``, ``EntityDefinitions`` with attributes and
choice labels, ``GlobalOptionSetDefinitions`` — enough for a client to validate filters and
field mappings against the emulated tables (protocols.md 2.1)."""

from __future__ import annotations

import re
import uuid
from typing import Any
from xml.sax.saxutils import escape

from sandbox import dataverse_option_values as option_values
from sandbox.dataverse_options import OPTION_SETS, STATES
from sandbox.dataverse_schema import ENTITIES, Attribute, Entity
from sandbox.errors import ServiceError
from sandbox.messages import Request, Response, json_response
from sandbox.odata import ODataError
from sandbox.query import FilterContext, compile_filter, parse_expand, parse_select

NAMESPACE = uuid.UUID("5e2b7c1a-9d0f-4c55-8b1e-1f2a3b4c5d6e")
CAST = "Microsoft.Dynamics.CRM."
TYPE_NAMES = {
    "String": "StringType",
    "Memo": "MemoType",
    "Integer": "IntegerType",
    "BigInt": "BigIntType",
    "Decimal": "DecimalType",
    "Double": "DoubleType",
    "Money": "MoneyType",
    "Boolean": "BooleanType",
    "DateTime": "DateTimeType",
    "Picklist": "PicklistType",
    "State": "StateType",
    "Status": "StatusType",
    "Lookup": "LookupType",
    "Owner": "OwnerType",
    "Customer": "CustomerType",
    "Uniqueidentifier": "UniqueidentifierType",
    "EntityName": "EntityNameType",
}
METADATA_TYPES = {
    "Picklist": "PicklistAttributeMetadata",
    "State": "StateAttributeMetadata",
    "Status": "StatusAttributeMetadata",
    "Lookup": "LookupAttributeMetadata",
    "Owner": "LookupAttributeMetadata",
    "Customer": "LookupAttributeMetadata",
    "String": "StringAttributeMetadata",
    "Memo": "MemoAttributeMetadata",
    "Money": "MoneyAttributeMetadata",
    "Boolean": "BooleanAttributeMetadata",
    "DateTime": "DateTimeAttributeMetadata",
    "Integer": "IntegerAttributeMetadata",
    "Decimal": "DecimalAttributeMetadata",
    "BigInt": "BigIntAttributeMetadata",
}
EDM = {
    "String": "Edm.String",
    "Memo": "Edm.String",
    "Integer": "Edm.Int32",
    "BigInt": "Edm.Int64",
    "Decimal": "Edm.Decimal",
    "Double": "Edm.Double",
    "Money": "Edm.Decimal",
    "Boolean": "Edm.Boolean",
    "DateTime": "Edm.DateTimeOffset",
    "Picklist": "Edm.Int32",
    "State": "Edm.Int32",
    "Status": "Edm.Int32",
    "Uniqueidentifier": "Edm.Guid",
    "EntityName": "Edm.String",
    "Lookup": "Edm.Guid",
    "Owner": "Edm.Guid",
    "Customer": "Edm.Guid",
}
KEYED = re.compile(
    r"^(?P<name>\w+)(?:\((?:LogicalName|Name)='(?P<key>[^']+)'\)|\((?P<id>[0-9a-f-]+)\))?$"
)


def _label(text: str) -> dict[str, Any]:
    localized = {"Label": text, "LanguageCode": 1033}
    return {"LocalizedLabels": [localized], "UserLocalizedLabel": localized}


def _metadata_id(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, ":".join(parts)))


def entity_definition(entity: Entity) -> dict[str, Any]:
    """EntityMetadata of a table."""
    return {
        "MetadataId": _metadata_id(entity.logical_name),
        "LogicalName": entity.logical_name,
        "SchemaName": entity.logical_name,
        "EntitySetName": entity.set_name,
        "LogicalCollectionName": entity.set_name,
        "PrimaryIdAttribute": entity.primary_id,
        "PrimaryNameAttribute": entity.primary_name,
        "ObjectTypeCode": entity.object_type_code,
        "OwnershipType": entity.ownership,
        "ChangeTrackingEnabled": True,
        "IsCustomEntity": entity.logical_name.startswith(("nav_", "bcbi_")),
        "IsIntersect": entity.logical_name == "systemuserroles",
        "DisplayName": _label(entity.logical_name),
    }


def option_set(entity: Entity, attribute: Attribute) -> dict[str, Any]:
    """OptionSetMetadata with values and labels (states carry DefaultStatus, statuses State)."""
    if attribute.type == "State":
        states, statuses = STATES[entity.logical_name]
        options = [
            {
                "Value": v,
                "Label": _label(label),
                "State": v,
                "DefaultStatus": next(s for s, (_, st) in statuses.items() if st == v),
            }
            for v, label in states.items()
        ]
    elif attribute.type == "Status":
        options = [
            {"Value": v, "Label": _label(label), "State": state}
            for v, (label, state) in STATES[entity.logical_name][1].items()
        ]
    else:
        options = [
            {"Value": v, "Label": _label(label)}
            for v, label in option_values.labels(attribute.option_set).items()
        ]
    name = attribute.option_set or f"{entity.logical_name}_{attribute.name}"
    return {
        "MetadataId": _metadata_id("optionset", name),
        "Name": name,
        "IsGlobal": attribute.type == "Picklist",
        "OptionSetType": attribute.type,
        "Options": options,
    }


def attribute_definition(entity: Entity, attribute: Attribute) -> dict[str, Any]:
    """AttributeMetadata of a column."""
    read_only = attribute.read_only or attribute.name in ("fullname", entity.primary_id)
    row: dict[str, Any] = {
        "@odata.type": f"#{CAST}{METADATA_TYPES.get(attribute.type, 'AttributeMetadata')}",
        "MetadataId": _metadata_id(entity.logical_name, attribute.name),
        "LogicalName": attribute.name,
        "SchemaName": attribute.name,
        "EntityLogicalName": entity.logical_name,
        "AttributeType": attribute.type,
        "AttributeTypeName": {"Value": TYPE_NAMES.get(attribute.type, "StringType")},
        "IsValidForCreate": not attribute.read_only,
        "IsValidForUpdate": not read_only,
        "IsValidForRead": True,
        "IsPrimaryId": attribute.name == entity.primary_id,
        "IsPrimaryName": attribute.name == entity.primary_name,
        "IsCustomAttribute": attribute.name.startswith(("nav_", "bcbi_")),
        "DisplayName": _label(attribute.name),
        "RequiredLevel": {"Value": "None"},
    }
    if attribute.max_length is not None:
        row["MaxLength"] = attribute.max_length
    if attribute.is_lookup:
        row["Targets"] = list(attribute.targets)
    return row


def handle(request: Request, rest: str, api: str, hidden: set[str] | None = None) -> Response:
    """Route metadata requests; ``hidden`` ("table.column") attributes are left out."""
    if rest == "":
        value = [
            {"name": e.set_name, "kind": "EntitySet", "url": e.set_name} for e in ENTITIES.values()
        ]
        return json_response(
            200, {"@odata.context": f"{api}/$metadata", "value": value}, [("OData-Version", "4.0")]
        )
    if rest == "$metadata":
        return Response(
            200, [("Content-Type", "application/xml"), ("OData-Version", "4.0")], csdl().encode()
        )
    segments = rest.split("/")
    if segments[0].startswith("GlobalOptionSetDefinitions"):
        return _global_option_sets(request, segments[0], api)
    return _entity_definitions(request, segments, api, hidden or set())


def _entity_definitions(
    request: Request, segments: list[str], api: str, hidden: set[str]
) -> Response:
    match = KEYED.match(segments[0])
    if match is None:
        raise ServiceError(400, "0x80060888", f"Invalid metadata path '{segments[0]}'.")
    if match["key"] is None and match["id"] is None:
        rows = [entity_definition(e) for e in ENTITIES.values()]
        return _collection(request, rows, f"{api}/$metadata#EntityDefinitions")
    entity = _find_entity(match["key"], match["id"])
    if len(segments) == 1:
        return _single(
            request, entity_definition(entity), f"{api}/$metadata#EntityDefinitions/$entity"
        )
    return _attributes(request, entity, segments[1:], api, hidden)


def _find_entity(logical_name: str | None, metadata_id: str | None) -> Entity:
    for entity in ENTITIES.values():
        if entity.logical_name == logical_name or _metadata_id(entity.logical_name) == metadata_id:
            return entity
    raise ServiceError(
        404, "0x80040217", f"Could not find entity with name '{logical_name or metadata_id}'."
    )


def _attributes(
    request: Request, entity: Entity, segments: list[str], api: str, hidden: set[str]
) -> Response:
    match = KEYED.match(segments[0])
    if match is None or match["name"] != "Attributes":
        raise ServiceError(
            404, "0x80060888", f"Resource not found for the segment '{segments[0]}'."
        )
    cast = segments[1][len(CAST) :] if len(segments) > 1 and segments[1].startswith(CAST) else None
    expand = {e.name for e in parse_expand(request.options.get("$expand"))}
    rows = []
    for attribute in entity.attributes.values():
        if match["key"] is not None and attribute.name != match["key"]:
            continue
        if f"{entity.logical_name}.{attribute.name}" in hidden:
            continue
        if cast is not None and METADATA_TYPES.get(attribute.type) != cast:
            continue
        row = attribute_definition(entity, attribute)
        if attribute.type in ("Picklist", "State", "Status") and expand & {
            "OptionSet",
            "GlobalOptionSet",
        }:
            row["OptionSet"] = option_set(entity, attribute)
        rows.append(row)
    context = f"{api}/$metadata#EntityDefinitions('{entity.logical_name}')/Attributes"
    if match["key"] is not None:
        if not rows:
            raise ServiceError(
                404,
                "0x80040217",
                f"Could not find attribute '{match['key']}' on entity '{entity.logical_name}'.",
            )
        return _single(request, rows[0], context + "/$entity")
    return _collection(request, rows, context)


def _global_option_sets(request: Request, segment: str, api: str) -> Response:
    match = KEYED.match(segment)
    entity = ENTITIES["account"]
    rows = [option_set(entity, _picklist(name)) for name in OPTION_SETS]
    if match is not None and match["key"]:
        found = [row for row in rows if row["Name"] == match["key"]]
        if not found:
            raise ServiceError(404, "0x80040217", f"Could not find optionset '{match['key']}'.")
        return _single(request, found[0], f"{api}/$metadata#GlobalOptionSetDefinitions/$entity")
    return _collection(request, rows, f"{api}/$metadata#GlobalOptionSetDefinitions")


def _picklist(name: str) -> Attribute:
    return Attribute(name, "Picklist", option_set=name)


def _select(request: Request, row: dict[str, Any]) -> dict[str, Any]:
    columns = parse_select(request.options.get("$select"))
    if not columns:
        return row
    kept = {k: v for k, v in row.items() if k in columns or k in ("MetadataId", "OptionSet")}
    return {"@odata.type": row["@odata.type"], **kept} if "@odata.type" in row else kept


def _single(request: Request, row: dict[str, Any], context: str) -> Response:
    return json_response(
        200, {"@odata.context": context, **_select(request, row)}, [("OData-Version", "4.0")]
    )


def _collection(request: Request, rows: list[dict[str, Any]], context: str) -> Response:
    text = request.options.get("$filter")
    if text:
        try:
            predicate = compile_filter(text, FilterContext(lambda n: lambda r: r.get(n), True))
        except ODataError as error:
            raise ServiceError(400, "0x80060888", str(error)) from error
        rows = [row for row in rows if predicate(row)]
    value = [_select(request, row) for row in rows]
    return json_response(
        200, {"@odata.context": context, "value": value}, [("OData-Version", "4.0")]
    )


def csdl() -> str:
    """A small CSDL document: entity types with keys, properties and lookup navigations."""
    types, sets = [], []
    for entity in ENTITIES.values():
        props = [
            f'<Property Name="{a.value_name}" Type="{EDM.get(a.type, "Edm.String")}" />'
            for a in entity.attributes.values()
        ]
        navs = [
            f'<NavigationProperty Name="{a.name}" Type="mscrm.{a.targets[0]}" />'
            for a in entity.attributes.values()
            if a.is_lookup and len(a.targets) == 1 and a.targets[0] in ENTITIES
        ]
        types.append(
            f'<EntityType Name="{entity.logical_name}"><Key><PropertyRef '
            f'Name="{entity.primary_id}" /></Key>{"".join(props)}{"".join(navs)}</EntityType>'
        )
        sets.append(
            f'<EntitySet Name="{entity.set_name}" EntityType="mscrm.{entity.logical_name}" />'
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><edmx:Edmx Version="4.0" '
        'xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>'
        '<Schema Namespace="Microsoft.Dynamics.CRM" Alias="mscrm" '
        'xmlns="http://docs.oasis-open.org/odata/ns/edm">'
        + "".join(types)
        + '<EntityContainer Name="System">'
        + escape("").join(sets)
        + "</EntityContainer></Schema></edmx:DataServices></edmx:Edmx>"
    )
