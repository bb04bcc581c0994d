"""Reading a Dataverse table's metadata: entity set, columns, types and choice labels.

Uses ``EntityDefinitions`` and casts of its ``Attributes`` to the choice metadata types.
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any, Protocol

from connection.clients.odata import any_equal, quoted_literal, with_query
from connection.clients.results import AttributeMetadata, EntityMetadata

if TYPE_CHECKING:
    from connection.clients.dataverse import DataverseClient

CHOICE_TYPES = ("PicklistAttributeMetadata", "StateAttributeMetadata", "StatusAttributeMetadata")
REQUIRED_LEVELS = ("ApplicationRequired", "SystemRequired")
BULK_MESSAGES = ("CreateMultiple", "UpdateMultiple", "UpsertMultiple")
ENTITY_COLUMNS = ["LogicalName", "EntitySetName", "PrimaryIdAttribute", "PrimaryNameAttribute"]
ATTRIBUTE_COLUMNS = ["LogicalName", "AttributeType", "MaxLength", "RequiredLevel",
                     "IsValidForCreate", "IsValidForUpdate"]


class MetadataStore(Protocol):
    """Where a client keeps table metadata between runs and processes (it is read rarely: a
    table's columns change when someone customizes Sales, not between two jobs)."""

    def load(self, logical_name: str) -> EntityMetadata | None:
        """The stored metadata of a table, or None."""

    def save(self, metadata: EntityMetadata) -> None:
        """Keep the metadata of a table just read."""

    def forget(self, logical_name: str) -> None:
        """Drop a table's metadata: it changed."""


def to_json(metadata: EntityMetadata) -> dict[str, Any]:
    """A table's metadata as plain JSON (for a store)."""
    return asdict(metadata)


def from_json(data: dict[str, Any]) -> EntityMetadata:
    """The inverse of :func:`to_json`."""
    attributes = {name: AttributeMetadata(**row) for name, row in data["attributes"].items()}
    return EntityMetadata(data["logical_name"], data["entity_set_name"],
                          data["primary_id_attribute"], data["primary_name_attribute"],
                          attributes, tuple(data.get("bulk_messages") or ()))


def is_current(data: dict[str, Any]) -> bool:
    """Whether stored metadata was read by this version (earlier ones did not ask which bulk
    messages the table takes): older metadata is read again once."""
    return "bulk_messages" in data


def read(client: DataverseClient, logical_name: str) -> EntityMetadata:
    """The metadata of table ``logical_name``: one request for the table, one for its
    columns, one per kind of choice column and two for the bulk messages it takes."""
    root = f"EntityDefinitions(LogicalName={quoted_literal(logical_name)})"
    entity = client.get_json(with_query(root, {"$select": ENTITY_COLUMNS}))
    rows = client.get_json(with_query(f"{root}/Attributes", {"$select": ATTRIBUTE_COLUMNS}))
    options = _choice_options(client, root)
    attributes = {row["LogicalName"]: _attribute(row, options.get(row["LogicalName"], {}))
                  for row in rows.get("value", [])}
    return EntityMetadata(entity["LogicalName"], entity["EntitySetName"],
                          entity.get("PrimaryIdAttribute") or "",
                          entity.get("PrimaryNameAttribute") or "", attributes,
                          bulk_messages(client, logical_name))


def bulk_messages(client: DataverseClient, logical_name: str) -> tuple[str, ...]:
    """The bulk messages the table takes: those an ``sdkmessagefilter`` row names for it, as
    Microsoft tells clients to check (a standard table takes them only where enabled, and a
    service version before them knows none). Two requests.
    https://learn.microsoft.com/power-apps/developer/data-platform/bulk-operations"""
    names = " or ".join(f"name eq {quoted_literal(name)}" for name in BULK_MESSAGES)
    messages = client.get_json(with_query("sdkmessages", {
        "$select": "sdkmessageid,name", "$filter": names})).get("value", [])
    by_id = {str(row["sdkmessageid"]).lower(): row["name"] for row in messages}
    if not by_id:
        return ()
    condition = (f"primaryobjecttypecode eq {quoted_literal(logical_name)} and "
                 f"({any_equal('_sdkmessageid_value', by_id)})")
    rows = client.get_json(with_query("sdkmessagefilters", {
        "$select": "_sdkmessageid_value", "$filter": condition})).get("value", [])
    found = {by_id.get(str(row.get("_sdkmessageid_value")).lower()) for row in rows}
    return tuple(sorted(name for name in found if name))


def _choice_options(client: DataverseClient, root: str) -> dict[str, dict[str, int]]:
    options: dict[str, dict[str, int]] = {}
    for cast in CHOICE_TYPES:
        url = with_query(f"{root}/Attributes/Microsoft.Dynamics.CRM.{cast}",
                         {"$select": "LogicalName", "$expand": "OptionSet"})
        for row in client.get_json(url).get("value", []):
            options[row["LogicalName"]] = labels(row.get("OptionSet") or {})
    return options


def labels(option_set: dict[str, Any]) -> dict[str, int]:
    """``{label: value}`` of an OptionSetMetadata (user's language, else the first label)."""
    result = {}
    for option in option_set.get("Options", []):
        label = option.get("Label") or {}
        text = (label.get("UserLocalizedLabel") or {}).get("Label") or next(
            (item.get("Label") for item in label.get("LocalizedLabels", [])), None)
        if text is not None:
            result[text] = option["Value"]
    return result


def _attribute(row: dict[str, Any], options: dict[str, int]) -> AttributeMetadata:
    required = (row.get("RequiredLevel") or {}).get("Value") in REQUIRED_LEVELS
    return AttributeMetadata(
        logical_name=row["LogicalName"], type=row.get("AttributeType") or "",
        max_length=row.get("MaxLength"), required=required,
        valid_for_create=bool(row.get("IsValidForCreate", True)),
        valid_for_update=bool(row.get("IsValidForUpdate", True)), options=options)


def choice_labels(client: DataverseClient, logical_name: str, attribute: str) -> dict[str, int]:
    """``{label: value}`` of one choice column, read now (never cached: options get added)."""
    root = (f"EntityDefinitions(LogicalName={quoted_literal(logical_name)})/Attributes"
            f"(LogicalName={quoted_literal(attribute)})/Microsoft.Dynamics.CRM."
            "PicklistAttributeMetadata")
    row = client.get_json(with_query(root, {"$select": "LogicalName", "$expand": "OptionSet"}))
    return labels(row.get("OptionSet") or {})


def insert_option_body(logical_name: str, attribute: str, label: str, value: int | None,
                       language: int) -> dict[str, Any]:
    """The parameters of the ``InsertOptionValue`` action for a choice column.

    https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/insertoptionvalue
    """
    body: dict[str, Any] = {
        "EntityLogicalName": logical_name, "AttributeLogicalName": attribute,
        "Label": {"LocalizedLabels": [{"Label": label, "LanguageCode": language}]}}
    if value is not None:
        body["Value"] = value
    return body
