"""Record keys in Dataverse URLs: a GUID or alternate-key values, ``accounts(accountnumber='A1')``.

Alternate-key values are stored exactly as sent and matched the way the key column's collation
compares them: strings case-insensitively, like every Dataverse string comparison
(https://learn.microsoft.com/power-apps/developer/data-platform/use-alternate-key-reference-record,
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/filter-rows).
"""

from __future__ import annotations

import re
from typing import Any

from sandbox.dataverse_read import bad_query
from sandbox.dataverse_schema import Entity
from sandbox.query import split_top_level
from sandbox.store import Record

GUID = re.compile(r"^\{?[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\}?$")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def parse_key(entity: Entity, key: str) -> str | dict[str, Any]:
    """A lower-cased GUID, or the alternate-key values by column (case preserved)."""
    if GUID.match(key.strip()):
        return key.strip().strip("{}").lower()
    pairs = [part.split("=", 1) for part in split_top_level(key, ",")]
    if any(len(pair) != 2 or entity.by_value_name(pair[0].strip()) is None for pair in pairs):
        raise bad_query(f"Invalid key '{key}' for {entity.set_name}.")
    return {name.strip(): _literal(value) for name, value in pairs}


def find_by_key(rows: Any, wanted: dict[str, Any]) -> Record | None:
    """The row whose key columns equal ``wanted`` (strings compared case-insensitively)."""
    for record in rows:
        if all(same_value(record.get(name), value) for name, value in wanted.items()):
            return record
    return None


def same_value(stored: Any, wanted: Any) -> bool:
    """Key equality under a case-insensitive collation."""
    if isinstance(stored, str) and isinstance(wanted, str):
        return stored.casefold() == wanted.casefold()
    return stored == wanted


def _literal(raw: str) -> Any:
    raw = raw.strip()
    if raw.startswith("'") and raw.endswith("'") and len(raw) >= 2:
        return raw[1:-1].replace("''", "'")
    if NUMBER.match(raw):
        return float(raw) if "." in raw else int(raw)
    if GUID.match(raw):
        return raw.strip("{}").lower()
    return raw
