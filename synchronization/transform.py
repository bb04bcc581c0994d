"""Field mapping value conversion: source record -> destination body, as BC transfers fields.

Rules (bc-integration.md 5.4): only enabled field mappings of the job's direction or
Bidirectional are used; a blank field on the source side writes the Constant Value; lookups
(salesperson -> owner, currency, primary contact, unit group, price list, product) go through the
couplings of the related table's mapping; option fields (payment terms, shipment method,
shipping agent) go through option mappings; "Clear Value on Failed Sync" writes blank instead of
failing when the related record is not coupled; "Not Null" keeps the destination value when the
source has none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from connection.clients import odata
from mappings.filters.catalogue import member_key
from mappings.models import (
    Coupling,
    IntegrationFieldMapping,
    IntegrationTableMapping,
    OptionMapping,
    Transformation,
)
from synchronization.models import SyncDirection
from synchronization.sides import BcSide, SalesSide

# Dataverse lookup column -> (BC table of the related mapping, entity set of its target).
LOOKUP_TARGETS = {
    "ownerid": ("Salesperson/Purchaser", "systemusers"),
    "transactioncurrencyid": ("Currency", "transactioncurrencies"),
    "primarycontactid": ("Contact", "contacts"),
    "parentcontactid": ("Contact", "contacts"),
    "parentaccountid": ("Customer", "accounts"),
    "parentcustomerid": ("Customer", "accounts"),
    "customerid": ("Customer", "accounts"),
    "defaultuomscheduleid": ("Unit of Measure", "uomschedules"),
    "pricelevelid": ("Customer Price Group", "pricelevels"),
    "productid": ("Item", "products"),
    "vendorid": ("Vendor", "accounts"),
}
# Lookups that can point at several tables are written through a suffixed navigation property.
POLYMORPHIC = {"parentcustomerid", "customerid"}
# Option columns -> the option mapping (table mapping name) that holds their code <-> value rows.
OPTION_COLUMNS = {
    "paymenttermscode": "PAYMENT TERMS",
    "address1_freighttermscode": "SHIPMENT METHOD",
    "freighttermscode": "SHIPMENT METHOD",
    "address1_shippingmethodcode": "SHIPPING AGENT",
    "shippingmethodcode": "SHIPPING AGENT",
}
SKIP = object()  # "write nothing to this field" (Not Null, unmapped option from Sales)


class TransferError(Exception):
    """A field could not be transferred; the message says which and how to fix it."""

    code = ""


class NotCoupled(TransferError):
    """A lookup names a record that is not coupled yet: the record cannot be transferred before
    its dependency is (a run retries it once a coupling was made, synchronization.retries)."""

    code = "NotCoupled"


class UnknownColumn(Exception):
    """A mapped Sales column whose type Sales does not tell: the mapping cannot run, since
    guessing would write a lookup as a plain value. The message names the column."""


# The Sales organization's base currency id: the id itself, or a function that reads it when a
# record first needs it and raises (any exception, its message shown) when it cannot.
BaseCurrency = str | Callable[[], str] | None


@dataclass
class Rule:
    """One enabled field mapping, resolved for a direction."""

    field_mapping: IntegrationFieldMapping
    source: str  # wire name read from the source ('' for a constant)
    destination: str  # wire name written on the destination
    kind: str  # plain | constant | lookup | option
    bidirectional: bool = False
    target_set: str = ""


@dataclass
class Lookups:
    """Coupled ids of related tables, loaded in bulk per page and kept for the run."""

    mapping: IntegrationTableMapping
    related: dict[str, IntegrationTableMapping | None] = field(default_factory=dict)
    by_code: dict[tuple[str, str], str] = field(default_factory=dict)
    by_sales_id: dict[tuple[str, str], str] = field(default_factory=dict)

    def related_mapping(self, bc_table: str) -> IntegrationTableMapping | None:
        if bc_table not in self.related:
            self.related[bc_table] = (
                IntegrationTableMapping.objects.filter(connection=self.mapping.connection,
                                                       bc_table=bc_table)
                .order_by("position").first())
        return self.related[bc_table]

    def load_codes(self, bc_table: str, codes: Iterable[str]) -> None:
        related = self.related_mapping(bc_table)
        wanted = {c for c in codes if c and (bc_table, c) not in self.by_code}
        if related is None or not wanted:
            return
        rows = Coupling.objects.filter(mapping=related, bc_number__in=wanted)
        for bc_number, sales_id in rows.values_list("bc_number", "sales_id"):
            self.by_code[(bc_table, bc_number)] = str(sales_id)

    def load_sales_ids(self, bc_table: str, ids: Iterable[str]) -> None:
        related = self.related_mapping(bc_table)
        wanted = {i for i in ids if i and (bc_table, i) not in self.by_sales_id}
        if related is None or not wanted:
            return
        rows = Coupling.objects.filter(mapping=related, sales_id__in=wanted)
        for sales_id, bc_number in rows.values_list("sales_id", "bc_number"):
            self.by_sales_id[(bc_table, str(sales_id))] = bc_number


class Transformer:
    """Turns source records into destination bodies for one mapping and direction."""

    def __init__(self, mapping: IntegrationTableMapping, direction: str, bc: BcSide,
                 sales: SalesSide, base_currency: BaseCurrency = None) -> None:
        self.mapping = mapping
        self.direction = direction
        # Read for every field of every record: an attribute, not a comparison each time.
        self.to_sales = direction == SyncDirection.TO_SALES
        self.bc = bc
        self.sales = sales
        # A blank id (reconciliation passes one when it has none) means "not known": a blank
        # currency code then stays blank, as before.
        self._base_currency = (base_currency.lower() or None) if isinstance(base_currency, str) \
            else base_currency
        self._base_currency_error = ""
        self.lookups = Lookups(mapping)
        self.options = self._option_rows()
        self.owner_types: dict[str, str] = {}
        self.rules = self._rules()
        self.warnings = self._warnings()

    # -- rules ---------------------------------------------------------------------------
    def _rules(self) -> list[Rule]:
        rules = []
        for fm in self.mapping.enabled_field_mappings(self.direction):
            rule = self._rule(fm)
            if rule and (self.to_sales or self.bc.is_writable(fm.bc_field, fm.bc_property)):
                rules.append(rule)
        return rules

    def _rule(self, fm: IntegrationFieldMapping) -> Rule | None:
        bc_name = self.bc.field_name(fm.bc_field, fm.bc_property) if fm.bc_field else ""
        attribute = fm.sales_attribute
        bidirectional = fm.direction == "Bidirectional"
        if self.to_sales:
            if not attribute:
                return None  # a constant for the BC side
            if not fm.bc_field:
                return self._constant_to_sales(fm, attribute)
            return self._typed_rule(fm, bc_name, attribute, attribute, bidirectional)
        if not fm.bc_field:
            return None  # a constant for the Sales side
        if not attribute:
            return Rule(fm, "", bc_name, "constant")
        return self._typed_rule(fm, self.sales.read_name(attribute), bc_name, attribute,
                                bidirectional)

    def _constant_to_sales(self, fm: IntegrationFieldMapping, attribute: str) -> Rule | None:
        if self.sales.attribute_type(attribute).lower() == "entityname" \
                or attribute.endswith("idtype"):
            # owneridtype = systemuser: which table the owner lookup points at, not a column.
            self.owner_types[attribute[: -len("type")]] = fm.constant_value
            return None
        self._require_type(fm, attribute)
        if self.sales.is_lookup(attribute):
            raise UnknownColumn(
                f"The {self.mapping.name} mapping cannot run: the constant "
                f"{fm.constant_value!r} cannot be written to the lookup column "
                f"{self.mapping.sales_entity}.{attribute}; nothing was written. Map a field "
                "instead, or disable that field mapping.")
        return Rule(fm, "", attribute, "constant")

    def _typed_rule(self, fm, source: str, destination: str, attribute: str,
                    bidirectional: bool) -> Rule:
        self._require_type(fm, attribute)
        if attribute in OPTION_COLUMNS:
            kind = "option"
        elif self.sales.is_lookup(attribute):
            kind = "lookup"
        else:
            kind = "plain"
        return Rule(fm, source, destination, kind, bidirectional)

    def _require_type(self, fm: IntegrationFieldMapping, attribute: str) -> None:
        """Fail closed: a column is written as its metadata says (the metadata, not the
        column's name, tells a lookup: product.vendorid is text), a lookup only as a lookup
        (``<name>@odata.bind``); without its metadata the mapping does not run."""
        kind = self.sales.attribute_type(attribute)
        table = f"{self.mapping.sales_entity}.{attribute}"
        if not kind:
            raise UnknownColumn(
                f"The {self.mapping.name} mapping cannot run: Dynamics 365 Sales gives no "
                f"metadata for the column {table} (mapped to {fm.bc_field or 'a constant'}), "
                "so its type is unknown and nothing was written. Check that the column exists "
                "and the integration user may read its definition, then choose Test Connection "
                "to read the metadata again; or disable that field mapping.")

    def _warnings(self) -> list[str]:
        if self.to_sales:
            return []
        return [f"{fm.bc_field} cannot be written through the Business Central API; it is left "
                "unchanged." for fm in self.mapping.enabled_field_mappings(self.direction)
                if fm.bc_field and fm.sales_attribute
                and not self.bc.is_writable(fm.bc_field, fm.bc_property)]

    def _option_rows(self) -> dict[str, list[OptionMapping]]:
        names = set(OPTION_COLUMNS.values())
        rows: dict[str, list[OptionMapping]] = {name: [] for name in names}
        query = OptionMapping.objects.filter(mapping__connection=self.mapping.connection,
                                             mapping__name__in=names, skipped=False)
        for row in query.select_related("mapping"):
            rows[row.mapping.name].append(row)
        return rows

    def source_fields(self) -> set[str]:
        """The wire names the field mappings read of a source record."""
        return {rule.source for rule in self.rules if rule.source}

    # -- per page ------------------------------------------------------------------------
    def prepare(self, records: list[dict]) -> None:
        """Load the couplings every lookup of these records needs, one query per table."""
        for rule in self.rules:
            if rule.kind != "lookup":
                continue
            table = LOOKUP_TARGETS.get(rule.field_mapping.sales_attribute, ("", ""))[0]
            values = [str(r.get(rule.source) or "").lower() if not self.to_sales
                      else str(r.get(rule.source) or "") for r in records]
            if self.to_sales:
                self.lookups.load_codes(table, values)
            else:
                self.lookups.load_sales_ids(table, values)

    def transform(self, record: dict) -> dict[str, Any]:
        """The destination body for ``record``; raises TransferError naming the field."""
        body: dict[str, Any] = {}
        for rule in self.rules:
            value = self._value(rule, record)
            if value is not SKIP:
                body.update(self._wire(rule, value))
        return body

    def _value(self, rule: Rule, record: dict) -> Any:
        fm = rule.field_mapping
        if rule.kind == "constant":
            return self._constant(rule)
        raw = record.get(rule.source)
        if rule.kind == "lookup":
            return self._lookup(rule, raw)
        if rule.kind == "option":
            return self._option(rule, raw)
        return _transformed(fm.transformation, self._plain(rule, raw))

    def _constant(self, rule: Rule) -> Any:
        value = rule.field_mapping.constant_value
        if not self.to_sales:
            return value
        meta = self.sales.metadata.attributes.get(rule.destination)
        return _typed_constant(value, meta)

    def _plain(self, rule: Rule, raw: Any) -> Any:
        if not self.to_sales:
            return "" if raw is None else raw
        meta = self.sales.metadata.attributes.get(rule.destination)
        if raw is None or raw == "":
            return None
        if meta and meta.max_length and isinstance(raw, str):
            return raw[: meta.max_length]
        return raw

    def _lookup(self, rule: Rule, raw: Any) -> Any:
        fm = rule.field_mapping
        table, target_set = LOOKUP_TARGETS.get(fm.sales_attribute, ("", ""))
        value = str(raw or "")
        if self.to_sales:
            return self._lookup_to_sales(fm, table, target_set, value)
        return self._lookup_from_sales(fm, table, value.lower())

    def _lookup_to_sales(self, fm, table: str, target_set: str, code: str) -> Any:
        if not code:
            if table == "Currency" and self._base_currency is not None:
                return ("transactioncurrencies", self.base_currency_id())  # blank = LCY
            return SKIP if fm.not_null else None
        if self.lookups.related_mapping(table) is None:
            return self._lookup_failed(fm, f"Table {table or '?'} must be mapped to a Sales "
                                           f"table to transfer {fm.bc_field} to "
                                           f"{fm.sales_attribute}.")
        sales_id = self.lookups.by_code.get((table, code))
        if not sales_id:
            return self._lookup_failed(fm, f"{fm.bc_field} {code} must be coupled to a record "
                                           f"in Dynamics 365 Sales. Couple it first.",
                                       error=NotCoupled)
        owner_type = self.owner_types.get(fm.sales_attribute)
        return (_entity_set(owner_type) if owner_type else target_set, sales_id)

    def _lookup_from_sales(self, fm, table: str, sales_id: str) -> Any:
        if not sales_id:
            return SKIP if fm.not_null else ""
        if table == "Currency" and self._base_currency is not None \
                and sales_id == self.base_currency_id():
            return ""  # the Sales base currency is BC's local currency: blank code
        code = self.lookups.by_sales_id.get((table, sales_id))
        if code is None:
            return self._lookup_failed(fm, f"The {fm.sales_attribute} of the Sales record must "
                                           f"be coupled to a {table} record first.", blank="",
                                       error=NotCoupled)
        return code

    def base_currency_id(self) -> str:
        """The Sales base currency id, read at most once per run; TransferError (this record
        fails, the others go on) when it cannot be read."""
        if callable(self._base_currency):
            if self._base_currency_error:
                raise TransferError(self._base_currency_error)
            try:
                self._base_currency = str(self._base_currency()).lower()
            except Exception as exc:
                self._base_currency_error = str(exc) or type(exc).__name__
                raise TransferError(self._base_currency_error) from exc
        return self._base_currency or ""

    def _lookup_failed(self, fm, message: str, blank: Any = None,
                       error: type[TransferError] = TransferError) -> Any:
        if fm.clear_value_on_failed_sync:
            return blank
        raise error(message)

    def _option(self, rule: Rule, raw: Any) -> Any:
        rows = self.options.get(OPTION_COLUMNS[rule.field_mapping.sales_attribute], [])
        if self.to_sales:
            # Codes without an option are skipped; the option stays blank (seed 003).
            code = str(raw or "")
            return next((r.option_value for r in rows if r.bc_code == code), None)
        match = next((r.bc_code for r in rows if r.option_value == raw), None)
        return SKIP if match is None else match

    def _wire(self, rule: Rule, value: Any) -> dict[str, Any]:
        if rule.kind != "lookup" or not self.to_sales:
            return {rule.destination: value}
        attribute = rule.field_mapping.sales_attribute
        if value is None:
            return {f"{_navigation(attribute, 'accounts')}@odata.bind": None}
        target_set, sales_id = value
        navigation = _navigation(attribute, target_set)
        return {f"{navigation}@odata.bind": odata.bind(target_set, sales_id)}

    # -- comparison ----------------------------------------------------------------------
    def changes(self, body: dict[str, Any], current: dict) -> dict[str, Any]:
        """The part of ``body`` that differs from the destination's ``current`` values."""
        return {key: value for key, value in body.items()
                if not _same(value, current.get(self._current_name(key)))}

    def _current_name(self, key: str) -> str:
        if key.endswith("@odata.bind"):
            attribute = key[: -len("@odata.bind")].split("_")[0]
            return f"_{attribute}_value"
        return key

    def bidirectional_keys(self) -> set[str]:
        keys: set[str] = set()
        for rule in self.rules:
            if rule.bidirectional:
                keys.update(self._wire(rule, None if rule.kind == "lookup" else "").keys())
        return keys


def _navigation(attribute: str, target_set: str) -> str:
    if attribute in POLYMORPHIC:
        return f"{attribute}_{_logical(target_set)}"
    return attribute


def _logical(entity_set: str) -> str:
    return {"transactioncurrencies": "transactioncurrency", "uomschedules": "uomschedule",
            "systemusers": "systemuser", "teams": "team"}.get(entity_set, entity_set[:-1])


def _entity_set(logical: str) -> str:
    return {"systemuser": "systemusers", "team": "teams", "account": "accounts",
            "contact": "contacts"}.get(logical, f"{logical}s")


def _typed_constant(value: str, meta) -> Any:
    if meta is None:
        return value
    kind = meta.type.lower()
    if meta.options:
        # BC writes option constants as AL member names (CurrencyAmount) where Dataverse
        # labels have spaces (Currency Amount).
        by_member = {member_key(label): number for label, number in meta.options.items()}
        if member_key(value) in by_member:
            return by_member[member_key(value)]
    if kind == "boolean":
        return value.strip().lower() in {"1", "true", "yes"}
    if kind in {"integer", "picklist", "state", "status", "bigint"}:
        return int(value)
    if kind in {"decimal", "money", "double"}:
        return float(value)
    return value


def _transformed(rule: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if rule == Transformation.TRIM:
        return value.strip()
    if rule == Transformation.UPPERCASE:
        return value.upper()
    if rule == Transformation.LOWERCASE:
        return value.lower()
    return value


def _same(new: Any, old: Any) -> bool:
    """Equal for synchronization purposes: blanks alike, numbers by value, ids by text."""
    if isinstance(new, str) and new.startswith("/") and new.endswith(")"):
        new = new.rsplit("(", 1)[1][:-1]
    if new in (None, "") and old in (None, ""):
        return True
    if isinstance(new, bool) or isinstance(old, bool):
        return bool(new) == bool(old)
    if isinstance(new, int | float) and isinstance(old, int | float):
        return abs(float(new) - float(old)) < 1e-9
    return str(new).strip().lower() == str(old).strip().lower() if isinstance(new, str) \
        and _looks_like_id(new) else new == old


def _looks_like_id(value: str) -> bool:
    return len(value) == 36 and value.count("-") == 4
