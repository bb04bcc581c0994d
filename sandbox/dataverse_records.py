"""Dataverse writes: body conversion (``@odata.bind``, types, choices), system columns,
create / update / delete, and the matching errors (protocols.md 2.4, 3.5, 3.7, 6 item 3)."""

from __future__ import annotations

import datetime as dt
import re
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from sandbox import dataverse_option_values as option_values
from sandbox.dataverse_options import STATES, default_state
from sandbox.dataverse_schema import BY_SET, ENTITIES, Attribute, Entity
from sandbox.errors import ServiceError
from sandbox.store import Record, Store

SERVICE = "dataverse"
TOMBSTONES = "__deleted__"
INVALID_PROPERTY = "0x80060888"
DOES_NOT_EXIST = "0x80040217"
# Codes from https://learn.microsoft.com/power-apps/developer/data-platform/reference/web-service-error-codes
DUPLICATE_RECORD = "0x80040237"  # DuplicateRecord
VERSION_MISMATCH = "0x80060882"  # ConcurrencyVersionMismatch
KEY_PATTERN = re.compile(r"^/?(?P<set>[A-Za-z_]+)\((?P<key>[^)]*)\)$")


def now_text() -> str:
    """Dataverse timestamps: UTC, second precision, ``Z`` (protocols.md 2.2)."""
    return _second_text(int(time.time()))


@lru_cache(maxsize=2)  # the rows of a $batch are written in the same second or two
def _second_text(second: int) -> str:
    return dt.datetime.fromtimestamp(second, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def etag(record: Record) -> str:
    """Weak ETag from the row version (protocols.md 6 item 3)."""
    return f'W/"{record.get("versionnumber", 0)}"'


def not_found(entity: Entity, record_id: str) -> ServiceError:
    """The documented 404 for a missing row (protocols.md 3.6)."""
    return ServiceError(
        404, DOES_NOT_EXIST, f"{entity.logical_name} With Id = {record_id} Does Not Exist"
    )


@dataclass
class Caller:
    """The systemuser behind the request (WhoAmI, createdby, modifiedby, owner)."""

    user_id: str
    business_unit_id: str


class Records:
    """Row storage and write rules for the Dataverse emulator."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def table(self, logical_name: str) -> dict[str, Record]:
        return self.store.table(SERVICE, logical_name)

    def get(self, logical_name: str, record_id: str) -> Record | None:
        return self.store.get(SERVICE, logical_name, record_id.lower())

    def require(self, entity: Entity, record_id: str) -> Record:
        record = self.get(entity.logical_name, record_id)
        if record is None:
            raise not_found(entity, record_id)
        return record

    def create(
        self, entity: Entity, body: dict[str, Any], caller: Caller, record_id: str | None = None
    ) -> Record:
        """Insert a row; 412 DuplicateRecord when the id exists (protocols.md 3.5)."""
        changes, children = self.convert(entity, body)
        record_id = (record_id or changes.get(entity.primary_id) or str(uuid.uuid4())).lower()
        if self.get(entity.logical_name, record_id) is not None:
            raise ServiceError(
                412, DUPLICATE_RECORD, "A record with matching key values already exists."
            )
        record: dict[str, Any] = {a.value_name: None for a in entity.attributes.values()}
        record.update(changes)
        record[entity.primary_id] = record_id
        self._stamp_new(entity, record, caller)
        self._save(entity, record, caller)
        for child_entity, lookup, child_body in children:
            child = dict(child_body)
            child[f"{lookup}@odata.bind"] = f"/{entity.set_name}({record_id})"
            self.create(child_entity, child, caller)
        return record

    def update(
        self, entity: Entity, record: Record, body: dict[str, Any], caller: Caller
    ) -> Record:
        """Apply a PATCH body to an existing row."""
        changes, children = self.convert(entity, body)
        if children:
            raise ServiceError(400, "0x80048d19", "Deep update is not supported.")
        changes.pop(entity.primary_id, None)
        updated = {**record, **changes}
        if "statuscode" in changes and "statecode" not in changes:
            updated["statecode"] = _state_of(entity, changes["statuscode"], record.get("statecode"))
        self._save(entity, updated, caller)
        return updated

    def delete(self, entity: Entity, record_id: str) -> None:
        """Delete a row, its detail lines and its role associations."""
        record_id = record_id.lower()
        for collection in entity.collections.values():
            if collection.child.endswith("detail"):
                for child_id, child in list(self.table(collection.child).items()):
                    if child.get(f"_{collection.lookup}_value") == record_id:
                        self.delete(ENTITIES[collection.child], child_id)
        if entity.logical_name in ("role", "systemuser"):
            # Dataverse removes the user-role links of a deleted role or user with it.
            key = "systemuserid" if entity.logical_name == "systemuser" else "roleid"
            for link_id, link in list(self.table("systemuserroles").items()):
                if link.get(key) == record_id:
                    self.store.delete(SERVICE, "systemuserroles", link_id)
        self.store.delete(SERVICE, entity.logical_name, record_id)
        version = self.store.next_value("dataverse_version", 1000000)
        self.store.put(
            SERVICE,
            TOMBSTONES,
            f"{entity.logical_name}:{record_id}",
            {"entity": entity.logical_name, "id": record_id, "versionnumber": version},
        )

    def _stamp_new(self, entity: Entity, record: Record, caller: Caller) -> None:
        record["createdon"] = now_text()
        record["_createdby_value"] = caller.user_id
        state = default_state(entity.logical_name)
        if state is not None:
            if record.get("statuscode") is not None and record.get("statecode") is None:
                record["statecode"] = _state_of(entity, record["statuscode"], state[0])
            record.setdefault("statecode", None)
            if record["statecode"] is None:
                record["statecode"], record["statuscode"] = state
            elif record.get("statuscode") is None:
                record["statuscode"] = _default_status(entity, record["statecode"])
        if entity.ownership == "UserOwned":
            self._default_owner(record, caller)
        if "transactioncurrencyid" in entity.attributes:
            self._default_currency(record)

    def _default_owner(self, record: Record, caller: Caller) -> None:
        if record.get("_ownerid_value") is None:
            record["_ownerid_value"], record["owneridtype"] = caller.user_id, "systemuser"
        owner_type = record.get("owneridtype") or "systemuser"
        record["_owninguser_value"] = (
            record["_ownerid_value"] if owner_type == "systemuser" else None
        )
        record["_owningteam_value"] = record["_ownerid_value"] if owner_type == "team" else None
        record["_owningbusinessunit_value"] = caller.business_unit_id

    def _default_currency(self, record: Record) -> None:
        currency_id = record.get("_transactioncurrencyid_value")
        if currency_id is None:
            organization = next(iter(self.table("organization").values()), {})
            currency_id = organization.get("_basecurrencyid_value")
            record["_transactioncurrencyid_value"] = currency_id
        currency = self.get("transactioncurrency", currency_id or "") or {}
        if "exchangerate" in record and record.get("exchangerate") is None:
            record["exchangerate"] = currency.get("exchangerate", 1.0)

    def _save(self, entity: Entity, record: Record, caller: Caller) -> None:
        _compute(entity, record)
        record["modifiedon"] = now_text()
        record["_modifiedby_value"] = caller.user_id
        record["versionnumber"] = self.store.next_value("dataverse_version", 1000000)
        self.store.put(SERVICE, entity.logical_name, record[entity.primary_id], record)
        self.store.delete(SERVICE, TOMBSTONES, f"{entity.logical_name}:{record[entity.primary_id]}")

    def convert(self, entity: Entity, body: Any) -> tuple[dict[str, Any], list]:
        """Turn a JSON body into stored column values and deep-insert children."""
        if not isinstance(body, dict):
            raise ServiceError(400, "0x80048d19", "The request body must be a JSON object.")
        changes: dict[str, Any] = {}
        children: list = []
        for key, value in body.items():
            if key.endswith("@odata.bind"):
                changes.update(self._bind(entity, key[: -len("@odata.bind")], value))
            elif key.startswith("@") or "@" in key:
                continue
            elif key in entity.collections and isinstance(value, list):
                collection = entity.collections[key]
                children += [(ENTITIES[collection.child], collection.lookup, v) for v in value]
            else:
                changes.update(self._column(entity, key, value))
        return changes, children

    def _bind(self, entity: Entity, nav: str, value: Any) -> dict[str, Any]:
        resolved = entity.navigation(nav)
        if resolved is None:
            raise ServiceError(
                400,
                INVALID_PROPERTY,
                f"An undeclared property '{nav}' which only "
                "has property annotations in the payload but no property value "
                "was found in the payload.",
            )
        attribute, target = resolved
        changes: dict[str, Any] = {attribute.value_name: None}
        if len(attribute.targets) > 1 and f"{attribute.name}type" in entity.attributes:
            changes[f"{attribute.name}type"] = None
        if value is None:
            return changes
        target_entity, target_id = self.resolve_uri(str(value))
        if target is not None and target_entity.logical_name != target:
            raise ServiceError(
                400,
                "0x80048d19",
                f"The entity set '{target_entity.set_name}' "
                f"cannot be bound to navigation property '{nav}'.",
            )
        if target_entity.logical_name not in attribute.targets:
            raise ServiceError(
                400, "0x80048d19", f"'{nav}' cannot refer to {target_entity.logical_name}."
            )
        self.require(target_entity, target_id)
        changes[attribute.value_name] = target_id
        type_column = "objecttypecode" if attribute.name == "objectid" else f"{attribute.name}type"
        if type_column in entity.attributes:
            changes[type_column] = target_entity.logical_name
        return changes

    def resolve_uri(self, uri: str) -> tuple[Entity, str]:
        """``/accounts(<id>)``, ``accounts(<id>)`` or an absolute URL -> (entity, id)."""
        path = urlsplit(uri).path if "://" in uri else uri
        path = path.split("/api/data/", 1)[-1]
        path = path.split("/", 1)[1] if path.startswith("v9.") else path
        match = KEY_PATTERN.match(path.strip())
        if not match or match["set"] not in BY_SET:
            raise ServiceError(400, "0x80048d19", f"Invalid entity reference '{uri}'.")
        return BY_SET[match["set"]], match["key"].strip("'{}").lower()

    def _column(self, entity: Entity, key: str, value: Any) -> dict[str, Any]:
        attribute = entity.attributes.get(key)
        if attribute is None or attribute.is_lookup:
            if attribute is not None and value is None:
                return {attribute.value_name: None}
            raise ServiceError(
                400,
                INVALID_PROPERTY,
                f"Invalid property '{key}' was found in "
                f"entity 'Microsoft.Dynamics.CRM.{entity.logical_name}'.",
            )
        return {key: coerce_value(entity, attribute, value)}


def coerce_value(entity: Entity, attribute: Attribute, value: Any) -> Any:
    """Validate a column value against its type (400 with Dataverse's codes when invalid)."""
    if value is None:
        return None
    kind = attribute.type
    if kind in ("String", "Memo"):
        return _string(entity, attribute, value)
    if kind in ("Picklist", "State", "Status"):
        return _choice(entity, attribute, value)
    if kind == "Boolean":
        if not isinstance(value, bool):
            raise _type_error(entity, attribute, value)
        return value
    if kind in ("Integer", "BigInt", "Decimal", "Double", "Money"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _type_error(entity, attribute, value)
        return int(value) if kind in ("Integer", "BigInt") else value
    if kind == "DateTime":
        return _datetime(entity, attribute, value)
    if kind in ("Uniqueidentifier", "EntityName"):
        return str(value).lower() if kind == "Uniqueidentifier" else str(value)
    return value


def _type_error(entity: Entity, attribute: Attribute, value: Any) -> ServiceError:
    return ServiceError(
        400,
        "0x80048d19",
        f"Cannot convert the literal '{value}' to the expected "
        f"type of '{attribute.name}' on '{entity.logical_name}'.",
    )


def _string(entity: Entity, attribute: Attribute, value: Any) -> str:
    if not isinstance(value, str):
        raise _type_error(entity, attribute, value)
    if attribute.max_length is not None and len(value) > attribute.max_length:
        raise ServiceError(
            400,
            "0x80044331",
            f"A validation error occurred. The length of the "
            f"'{attribute.name}' attribute of the '{entity.logical_name}' entity "
            f"exceeded the maximum allowed length of '{attribute.max_length}'.",
        )
    return value


def choices(entity: Entity, attribute: Attribute) -> dict[int, str]:
    """Labels of a choice, state or status column."""
    if attribute.type == "State":
        return STATES[entity.logical_name][0]
    if attribute.type == "Status":
        return {v: label for v, (label, _) in STATES[entity.logical_name][1].items()}
    return option_values.labels(attribute.option_set)


def _choice(entity: Entity, attribute: Attribute, value: Any) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value not in choices(entity, attribute)
    ):
        raise ServiceError(
            400,
            "0x8004431a",
            f"A validation error occurred. The value {value} of "
            f"'{attribute.name}' on record of type '{entity.logical_name}' is "
            "outside the valid range.",
        )
    return value


def _datetime(entity: Entity, attribute: Attribute, value: Any) -> str:
    if not isinstance(value, str):
        raise _type_error(entity, attribute, value)
    try:
        if len(value) == 10:
            return dt.date.fromisoformat(value).isoformat()
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise _type_error(entity, attribute, value) from error
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _state_of(entity: Entity, status: int, fallback: Any) -> Any:
    return STATES[entity.logical_name][1].get(status, ("", fallback))[1]


def _default_status(entity: Entity, state: int) -> int | None:
    return next((v for v, (_, s) in STATES[entity.logical_name][1].items() if s == state), None)


def _compute(entity: Entity, record: Record) -> None:
    # Dataverse composes fullname and line amounts server-side.
    if entity.logical_name in ("contact", "systemuser"):
        parts = [record.get("firstname"), record.get("lastname")]
        record["fullname"] = " ".join(p for p in parts if p) or record.get("fullname")
    if "priceperunit" in entity.attributes and record.get("quantity") is not None:
        base = (record.get("priceperunit") or 0) * record["quantity"]
        record["baseamount"] = round(base, 2)
        discount = (record.get("manualdiscountamount") or 0) + (
            record.get("volumediscountamount") or 0
        )
        record["extendedamount"] = round(base - discount + (record.get("tax") or 0), 2)
