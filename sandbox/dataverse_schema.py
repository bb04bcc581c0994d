"""The Dataverse tables the sandbox emulates: columns, types, lookups and choice labels.

The tables' columns are declared as compact ``name:Type[:detail]`` specs in
sandbox.dataverse_tables; here they become Entity and Attribute objects, with each table's
collections and associations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from sandbox.dataverse_options import OPTION_SETS, STATES
from sandbox.dataverse_tables import COMMON, OWNED, SPECS

LOOKUP_TYPES = {"Lookup", "Owner", "Customer"}


@dataclass
class Attribute:
    """One column; ``targets`` for lookups, ``option_set`` for choices."""

    name: str
    type: str
    targets: tuple[str, ...] = ()
    option_set: str = ""
    max_length: int | None = None
    read_only: bool = False

    @property
    def is_lookup(self) -> bool:
        return self.type in LOOKUP_TYPES

    @cached_property  # read for every column of every row written or read
    def value_name(self) -> str:
        """JSON property name: ``_x_value`` for lookups (protocols.md 2.4)."""
        return f"_{self.name}_value" if self.is_lookup else self.name


@dataclass
class Collection:
    """A collection-valued navigation property: children whose lookup points at the parent."""

    child: str
    lookup: str


@dataclass
class Entity:
    """One Dataverse table."""

    logical_name: str
    set_name: str
    primary_id: str
    primary_name: str
    ownership: str
    attributes: dict[str, Attribute] = field(default_factory=dict)
    collections: dict[str, Collection] = field(default_factory=dict)
    object_type_code: int = 10000

    def by_value_name(self, name: str) -> Attribute | None:
        """The attribute read/written under JSON property ``name``."""
        attribute = self.attributes.get(name)
        if attribute is not None and not attribute.is_lookup:
            return attribute
        if name.startswith("_") and name.endswith("_value"):
            found = self.attributes.get(name[1:-6])
            return found if found is not None and found.is_lookup else None
        return None

    def navigation(self, nav: str) -> tuple[Attribute, str | None] | None:
        """Resolve a single-valued navigation name (``customerid_account``) to (lookup, target)."""
        lowered = nav.lower()
        attribute = self.attributes.get(lowered)
        if attribute is not None and attribute.is_lookup:
            return attribute, None if len(attribute.targets) > 1 else attribute.targets[0]
        base, _, target = lowered.rpartition("_")
        attribute = self.attributes.get(base)
        if attribute is not None and attribute.is_lookup and target in attribute.targets:
            return attribute, target
        return None


def _parse(spec: str) -> list[Attribute]:
    attributes = []
    for item in spec.split():
        name, kind, *detail = item.split(":")
        extra = detail[0] if detail else ""
        if kind in LOOKUP_TYPES:
            attributes.append(Attribute(name, kind, targets=tuple(extra.split("|"))))
        elif kind == "Picklist":
            attributes.append(Attribute(name, kind, option_set=extra or name))
        elif kind in ("String", "Memo"):
            attributes.append(Attribute(name, kind, max_length=int(extra) if extra else 100))
        else:
            attributes.append(Attribute(name, kind, read_only=extra == "ro"))
    return attributes


COLLECTIONS: dict[str, dict[str, Collection]] = {
    "account": {
        "contact_customer_accounts": Collection("contact", "parentcustomerid"),
        "opportunity_customer_accounts": Collection("opportunity", "customerid"),
        "order_customer_accounts": Collection("salesorder", "customerid"),
        "Account_Annotation": Collection("annotation", "objectid"),
    },
    "salesorder": {
        "order_details": Collection("salesorderdetail", "salesorderid"),
        "SalesOrder_Annotation": Collection("annotation", "objectid"),
    },
    "quote": {"quote_details": Collection("quotedetail", "quoteid")},
    "invoice": {"invoice_details": Collection("invoicedetail", "invoiceid")},
    "pricelevel": {
        "price_level_product_price_levels": Collection("productpricelevel", "pricelevelid")
    },
    "product": {"product_price_levels": Collection("productpricelevel", "productid")},
    "uomschedule": {"unit_of_measurement_schedule_conversions": Collection("uom", "uomscheduleid")},
    "businessunit": {"business_unit_system_users": Collection("systemuser", "businessunitid")},
}
# Many-to-many relationship between users and security roles (protocols.md 2.2, wizard checks).
ASSOCIATIONS = {
    ("systemuser", "systemuserroles_association"): ("role", "systemuserid", "roleid"),
    ("role", "systemuserroles_association"): ("systemuser", "roleid", "systemuserid"),
}


def _build() -> dict[str, Entity]:
    entities = {}
    for code, (logical, (set_name, pk, primary, ownership, spec)) in enumerate(SPECS.items()):
        columns = f"{pk}:Uniqueidentifier {spec} {COMMON}"
        if ownership == "UserOwned":
            columns += f" {OWNED}"
        if logical in STATES:
            columns += " statecode:State statuscode:Status"
        entity = Entity(logical, set_name, pk, primary, ownership, object_type_code=10001 + code)
        entity.attributes = {a.name: a for a in _parse(columns)}
        for attribute in entity.attributes.values():
            if attribute.type == "Picklist" and attribute.option_set not in OPTION_SETS:
                raise ValueError(f"no option set for {logical}.{attribute.name}")
        entity.collections = COLLECTIONS.get(logical, {})
        entities[logical] = entity
    return entities


ENTITIES = _build()
BY_SET = {entity.set_name: entity for entity in ENTITIES.values()}
