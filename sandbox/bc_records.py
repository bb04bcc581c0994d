"""Business Central writes: defaults, number series, lookups by code or id, line amounts and
document totals, ETags and ``lastModifiedDateTime`` with milliseconds (protocols.md 4.3-4.5)."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from collections.abc import Hashable, Mapping
from typing import Any, cast

from sandbox.bc_schema import EMPTY, ENTITIES, BcEntity
from sandbox.errors import ServiceError
from sandbox.store import Record, Store

SERVICE = "business_central"
# (code field, id field, target entity set, target key field) per entity set.
LINKS: dict[str, list[tuple[str, str, str, str]]] = {
    "customers": [("currencyCode", "currencyId", "currencies", "code")],
    "vendors": [("currencyCode", "currencyId", "currencies", "code")],
    "items": [
        ("baseUnitOfMeasureCode", "baseUnitOfMeasureId", "unitsOfMeasure", "code"),
        ("itemCategoryCode", "itemCategoryId", "itemCategories", "code"),
    ],
    "contacts": [("companyNumber", "", "contacts", "number")],
    "salesOrderLines": [("unitOfMeasureCode", "unitOfMeasureId", "unitsOfMeasure", "code")],
    "salesQuoteLines": [("unitOfMeasureCode", "unitOfMeasureId", "unitsOfMeasure", "code")],
    "salesInvoiceLines": [("unitOfMeasureCode", "unitOfMeasureId", "unitsOfMeasure", "code")],
}
DOCUMENT_LINKS = [
    ("customerNumber", "customerId", "customers", "number"),
    ("currencyCode", "currencyId", "currencies", "code"),
]
ID_REFERENCES = {"paymentTermsId": "paymentTerms", "shipmentMethodId": "shipmentMethods"}
# Text lengths of sales document fields (Sales Line Description Text[100], External Document
# No. Code[35]): longer values are refused, as BC does.
DOCUMENT_LENGTHS = {"description": 100, "description2": 50, "externalDocumentNumber": 35}


def now_text() -> str:
    """``lastModifiedDateTime`` format: UTC with milliseconds."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def etag(record: Mapping[str, Any]) -> str:
    """An opaque weak ETag in BC's base64 look (protocols.md 4.4)."""
    version = str(record.get("_version", 0)).rjust(20, "1")
    token = base64.b64encode(f"'{len(version)};{version};00;'".encode()).decode()
    return f'W/"{token}"'


def public(record: Record) -> dict[str, Any]:
    """Record fields without the sandbox's hidden ``_`` keys."""
    # ``k[:1]`` rather than ``startswith``: this runs for every field of every row of a page.
    return {k: v for k, v in record.items() if k[:1] != "_"}


def not_found(entity: BcEntity, key: str) -> ServiceError:
    """404 for a missing record."""
    return ServiceError(
        404,
        "Internal_RecordNotFound",
        f"The {entity.type_name} does not exist. Identification fields and values: Id='{key}'",
    )


class BcRecords:
    """Row storage and write rules for the Business Central emulator."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def table(self, name: str) -> dict[str, Record]:
        return self.store.table(SERVICE, name)

    def find(self, name: str, field: str, value: Any) -> Record | None:
        """First record of ``name`` whose ``field`` equals ``value`` (through a value index:
        every create checks its number, which must not cost a scan of 100k customers)."""
        if not isinstance(value, Hashable):
            return next((r for r in self.table(name).values() if r.get(field) == value), None)
        with self.store.lock:
            indexes = self.store.indexes(SERVICE, name)
            found = indexes.in_table_order(indexes.by_value(field).ids(value))
        return found[0] if found else None

    def require(self, entity: BcEntity, record_id: str) -> Record:
        record = self.store.get(SERVICE, entity.name, record_id.lower())
        if record is None:
            raise not_found(entity, record_id)
        return record

    def create(self, entity: BcEntity, body: Any, parent_id: str | None = None) -> Record:
        """Insert a record (deep-inserting document lines); returns the stored record."""
        values, lines = self._validated(entity, body, creating=True)
        record = {**entity.fields, **values}
        record["id"] = str(values.get("id") or uuid.uuid4()).lower()
        if self.store.get(SERVICE, entity.name, record["id"]) is not None:
            raise ServiceError(
                400,
                "Internal_EntityWithSameKeyExists",
                f"The record already exists. Identification fields and values: Id='{record['id']}'",
            )
        if parent_id is not None:
            record["documentId"] = parent_id
        if entity.parent and not record.get("sequence"):
            record["sequence"] = self.next_sequence(entity.name, record.get("documentId", ""))
        self._number(entity, record)
        self._resolve(entity, record, values)
        self._save(entity, record)
        for line in lines:  # only a document with lines takes them
            self.create(ENTITIES[cast(str, entity.lines)], line, record["id"])
        if entity.parent or lines:
            self.recompute(entity, record)
        return self.require(entity, record["id"])

    def update(self, entity: BcEntity, record: Record, body: Any) -> Record:
        """Apply a PATCH body."""
        values, lines = self._validated(entity, body, creating=False)
        if lines:
            raise ServiceError(400, "BadRequest", "Deep update of lines is not supported.")
        updated = {**record, **values}
        self._resolve(entity, updated, values)
        self._save(entity, updated)
        if entity.parent:
            self.recompute(entity, updated)
        return updated

    def delete(self, entity: BcEntity, record: Record) -> None:
        """Delete a record and, for documents, its lines."""
        if entity.lines:
            for line_id, line in list(self.table(entity.lines).items()):
                if line["documentId"] == record["id"]:
                    self.store.delete(SERVICE, entity.lines, line_id)
        self.store.delete(SERVICE, entity.name, record["id"])
        if entity.parent:
            self.recompute(entity, record)

    def _validated(self, entity: BcEntity, body: Any, creating: bool) -> tuple[dict, list]:
        if not isinstance(body, dict):
            raise ServiceError(400, "BadRequest", "The request body must be a JSON object.")
        values, lines = {}, []
        for key, value in body.items():
            if key.startswith("@odata."):
                continue
            if entity.lines and key == entity.lines and isinstance(value, list):
                lines = value
                continue
            if key not in entity.fields:
                raise ServiceError(
                    400,
                    "BadRequest",
                    f"The property '{key}' does not exist on type "
                    f"'Microsoft.NAV.{entity.type_name}'. Make sure to only use "
                    "property names that are defined by the type.",
                )
            if key in entity.read_only or (key == "id" and not creating):
                raise ServiceError(400, "BadRequest", f"The property '{key}' is read-only.")
            values[key] = _typed(entity, key, value)
            if entity.lines or entity.parent:
                _check_length(key, values[key])
        return values, lines

    def _number(self, entity: BcEntity, record: Record) -> None:
        if entity.number_field is None:
            return
        number = record.get(entity.number_field)
        while not number and entity.series is not None:
            prefix, first, step, digits = entity.series
            counter = self.store.next_value(f"series:{entity.name}")
            candidate = f"{prefix}{str(first + step * (counter - 1)).zfill(digits)}"
            if self.find(entity.name, entity.number_field, candidate) is None:
                number = record[entity.number_field] = candidate
        if not number:
            raise ServiceError(
                400,
                "BadRequest_RequiredParamNotProvided",
                f"The field '{entity.number_field}' must have a value.",
            )
        if self.find(entity.name, entity.number_field, number) is not None:
            raise ServiceError(
                400,
                "Internal_EntityWithSameKeyExists",
                f"The record already exists. Identification fields and values: No.='{number}'",
            )

    def _resolve(self, entity: BcEntity, record: Record, values: dict[str, Any]) -> None:
        links = DOCUMENT_LINKS if entity.lines else LINKS.get(entity.name, [])
        for code_field, id_field, target, key_field in links:
            self._link(record, values, code_field, id_field, target, key_field)
        for id_field, target in ID_REFERENCES.items():
            if values.get(id_field) not in (None, EMPTY) and id_field in entity.fields:
                self.require(ENTITIES[target], values[id_field])
        if entity.lines and ("customerId" in values or "customerNumber" in values):
            self._copy_customer(record)
        if entity.parent and ("itemId" in values or "lineObjectNumber" in values):
            self._copy_item(record, values)
        if entity.name == "contacts" and record.get("companyNumber"):
            company = self.find("contacts", "number", record["companyNumber"]) or {}
            record["companyName"] = company.get("displayName", "")

    def _link(
        self,
        record: Record,
        values: dict,
        code_field: str,
        id_field: str,
        target: str,
        key_field: str,
    ) -> None:
        if code_field in values:
            code = values[code_field]
            found = self.find(target, key_field, code) if code else None
            if code and found is None and not (target == "currencies" and code == "USD"):
                raise ServiceError(
                    400,
                    "Internal_RecordNotFound",
                    f"The {target} does not exist. Identification fields and values: Code='{code}'",
                )
            if id_field:
                record[id_field] = found["id"] if found else EMPTY
        elif id_field and values.get(id_field) not in (None, EMPTY):
            found = self.require(ENTITIES[target], values[id_field])
            record[code_field] = found[key_field]

    def _copy_customer(self, record: Record) -> None:
        customer = self.store.get(SERVICE, "customers", record.get("customerId") or "")
        if customer is None:
            return
        record["customerName"] = record["billToName"] = customer["displayName"]
        record["billToCustomerId"], record["billToCustomerNumber"] = (
            customer["id"],
            customer["number"],
        )
        record["shipToName"] = record.get("shipToName") or customer["displayName"]
        for api_field, suffix in (
            ("addressLine1", "AddressLine1"),
            ("addressLine2", "AddressLine2"),
            ("city", "City"),
            ("country", "Country"),
            ("state", "State"),
            ("postalCode", "PostCode"),
        ):
            for prefix in ("sellTo", "billTo", "shipTo"):
                record[f"{prefix}{suffix}"] = record.get(f"{prefix}{suffix}") or customer[api_field]
        if "currencyCode" not in record or not record.get("currencyCode"):
            record["currencyId"], record["currencyCode"] = (
                customer["currencyId"],
                customer["currencyCode"],
            )
        record["paymentTermsId"] = customer["paymentTermsId"]
        record["shipmentMethodId"] = customer["shipmentMethodId"]
        record["salesperson"] = record.get("salesperson") or customer["salespersonCode"]

    def _copy_item(self, record: Record, values: dict) -> None:
        if record.get("lineType") != "Item":
            return
        if "lineObjectNumber" in values:
            item = self.find("items", "number", values["lineObjectNumber"])
        else:
            item = self.store.get(SERVICE, "items", values["itemId"])
        if item is None:
            raise ServiceError(
                400,
                "Internal_RecordNotFound",
                "The Item does not exist. "
                f"Identification fields and values: No.='{values.get('lineObjectNumber')}'",
            )
        record["itemId"], record["lineObjectNumber"] = item["id"], item["number"]
        record["description"] = values.get("description") or item["displayName"]
        if "unitPrice" not in values:
            record["unitPrice"] = item["unitPrice"]
        if "unitOfMeasureCode" not in values and "unitOfMeasureId" not in values:
            record["unitOfMeasureCode"] = item["baseUnitOfMeasureCode"]
            record["unitOfMeasureId"] = item["baseUnitOfMeasureId"]

    def _save(self, entity: BcEntity, record: Record) -> None:
        if entity.parent:
            _line_amounts(record)
        record["lastModifiedDateTime"] = now_text()
        record["_version"] = self.store.next_value("bc_version", 1)
        self.store.put(SERVICE, entity.name, record["id"], record)

    def recompute(self, entity: BcEntity, record: Record) -> None:
        """Header totals from lines (protocols.md 6, BC item 6)."""
        header_entity = ENTITIES[entity.parent] if entity.parent else entity
        header_id = record["documentId"] if entity.parent else record["id"]
        header = self.store.get(SERVICE, header_entity.name, header_id)
        if header is None:
            return
        lines = [
            r for r in self.table(cast(str, header_entity.lines)).values()
            if r["documentId"] == header_id
        ]
        header = dict(header)
        header["totalAmountExcludingTax"] = round(sum(r["amountExcludingTax"] for r in lines), 2)
        header["totalTaxAmount"] = round(sum(r["totalTaxAmount"] for r in lines), 2)
        header["totalAmountIncludingTax"] = round(sum(r["amountIncludingTax"] for r in lines), 2)
        if "remainingAmount" in header and header.get("status") == "Open":
            header["remainingAmount"] = header["totalAmountIncludingTax"]
        self._save(header_entity, header)

    def next_sequence(self, document_lines: str, document_id: str) -> int:
        """Next line sequence number (steps of 10000 like BC's Line No.)."""
        used = [
            r["sequence"]
            for r in self.table(document_lines).values()
            if r["documentId"] == document_id
        ]
        return max(used, default=0) + 10000


def _typed(entity: BcEntity, key: str, value: Any) -> Any:
    default = entity.fields[key]
    valid = (
        isinstance(value, bool)
        if isinstance(default, bool)
        else isinstance(value, int | float) and not isinstance(value, bool)
        if isinstance(default, int | float)
        else isinstance(value, str)
    )
    if not valid:
        raise ServiceError(
            400,
            "BadRequest",
            f"Cannot convert the literal '{value}' to the expected type of '{key}'.",
        )
    return (
        value.lower()
        if isinstance(value, str) and key.endswith("Id") and key != "id"
        else (value.lower() if key == "id" else value)
    )


def _check_length(key: str, value: Any) -> None:
    limit = DOCUMENT_LENGTHS.get(key)
    if limit is not None and isinstance(value, str) and len(value) > limit:
        raise ServiceError(
            400,
            "Application_StringExceededLength",
            f"The length of the string is {len(value)}, but it must be less than or equal to "
            f"{limit} characters. Value: {value}",
        )


def _line_amounts(line: Record) -> None:
    gross = (line.get("quantity") or 0) * (line.get("unitPrice") or 0)
    discount = line.get("discountAmount") or gross * (line.get("discountPercent") or 0) / 100
    net = round(gross - discount, 2)
    tax = round(net * (line.get("taxPercent") or 0) / 100, 2)
    line.update(
        amountExcludingTax=net,
        totalTaxAmount=tax,
        amountIncludingTax=round(net + tax, 2),
        netAmount=net,
        netTaxAmount=tax,
        netAmountIncludingTax=round(net + tax, 2),
    )
