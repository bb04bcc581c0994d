"""The fields of the tables on each side, as filter catalogues and field pickers.

Business Central: the tables the default mappings use, from ``data/bc_tables.json`` (API v2.0
entity set and property names; camelCase of the caption for the OData pages the API lacks).
Dataverse: built from the entity metadata the Dataverse client reads (attributes with their types
and option sets), so option labels such as ``Customer`` are checked and translated.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from mappings.filters import Catalogue, FieldSpec, FieldType
from mappings.filters.catalogue import TYPE_ALIASES

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class BcTable:
    """One Business Central table as the API shows it."""

    caption: str
    entity: str
    number_property: str
    name_property: str
    fields: tuple[FieldSpec, ...]
    odata_page: bool = False  # read through a published OData V4 page, not API v2.0

    def property_of(self, caption: str) -> str:
        """API property of a field caption ('' when the table has no such field)."""
        spec = Catalogue(self.fields).get(caption) if caption else None
        return spec.name if spec else ""


@cache
def bc_tables() -> dict[str, BcTable]:
    """Every known BC table by caption."""
    raw = json.loads((DATA / "bc_tables.json").read_text())["tables"]
    return {caption: _table(caption, spec) for caption, spec in raw.items()}


def _table(caption: str, spec: Mapping[str, Any]) -> BcTable:
    page = spec.get("source") == "odata"
    fields = tuple(FieldSpec.of(row[1], row[2], row[0],
                                options=_api_options(row[3]) if len(row) > 3 and not page
                                else row[3] if len(row) > 3 else ())
                   for row in spec["fields"])
    return BcTable(caption, spec["entity"], spec["number"], spec["name"], fields, page)


def _api_options(labels: list[str]) -> dict[str, str]:
    """Option label -> the enum member API v2.0 reads and filters on: spaces in member names
    are XML-escaped (``In Progress`` is ``In_x0020_Progress``, protocols.md 4.3); the blank
    member stays a single space."""
    return {label: label.replace(" ", "_x0020_") if label.strip() else label
            for label in labels}


def bc_table(caption: str) -> BcTable | None:
    return bc_tables().get(caption)


def business_central(caption: str) -> Catalogue:
    """Filter catalogue of a BC table (empty when the table is unknown)."""
    table = bc_table(caption)
    return Catalogue(table.fields if table else ())


# ---------------------------------------------------------------------------------------------
# Dataverse


def dataverse(metadata: Any) -> Catalogue:
    """Filter catalogue from Dataverse entity metadata.

    Accepts the attribute list (or an object/dict with ``attributes``) whose items carry a
    logical name, a type and, for choices, options as ``{label: value}`` or a list of
    ``{"label", "value"}``; both the Web API (``LogicalName``/``AttributeType``) and snake_case
    spellings are read.
    """
    return Catalogue(spec for spec in map(_attribute_spec, _attributes(metadata)) if spec)


def _attributes(metadata: Any) -> Iterable[Any]:
    if isinstance(metadata, Mapping):
        attributes = metadata.get("attributes") or metadata.get("Attributes") or ()
    else:
        attributes = getattr(metadata, "attributes", metadata) or ()
    # EntityMetadata keeps its attributes by logical name.
    return attributes.values() if isinstance(attributes, Mapping) else attributes


def _get(item: Any, *names: str) -> Any:
    for name in names:
        value = item.get(name) if isinstance(item, Mapping) else getattr(item, name, None)
        if value not in (None, ""):
            return value
    return None


def _attribute_spec(item: Any) -> FieldSpec | None:
    name = _get(item, "logical_name", "LogicalName", "name")
    kind = str(_get(item, "type", "attribute_type", "AttributeType") or "string").lower()
    if not name:
        return None
    field_type = TYPE_ALIASES.get(kind) or _known_type(kind)
    if field_type is FieldType.GUID and kind in ("lookup", "owner", "customer"):
        name_read = f"_{name}_value"  # lookups are read (and filtered) as _x_value
        return FieldSpec.of(name_read, field_type, _caption(item), aliases=[name])
    return FieldSpec.of(name, field_type, _caption(item), options=_options(item))


def _known_type(kind: str) -> FieldType:
    try:
        return FieldType(kind)
    except ValueError:
        return FieldType.TEXT  # images, files, virtual: only ever compared as text


def _caption(item: Any) -> str:
    return str(_get(item, "display_name", "DisplayName", "caption") or "")


def _options(item: Any) -> dict[str, int]:
    options = _get(item, "options", "Options") or {}
    if isinstance(options, Mapping):
        return {str(label): value for label, value in options.items()}
    return {str(_get(o, "label", "Label")): _get(o, "value", "Value") for o in options}


def attribute_names(metadata: Any) -> list[tuple[str, str]]:
    """(logical name, type) of every attribute, sorted, for the add-field picker."""
    pairs = {(str(_get(a, "logical_name", "LogicalName", "name")),
              str(_get(a, "type", "attribute_type", "AttributeType") or "string").lower())
             for a in _attributes(metadata)}
    return sorted(pair for pair in pairs if pair[0] != "None")
