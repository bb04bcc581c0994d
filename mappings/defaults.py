"""The default synchronization setup ("Use Default Synchronization Setup").

Generated from ``data/default_mappings.json``, a copy of the Dataverse-era default set of BC's
CDS/CRM Setup Defaults (BC 18 and later) from the shared reference, limited to the mappings the
product supports (no VENDOR, no V16 price-list mappings). Differences from BC, on purpose:

* The ``CompanyId = <CDS company id>|{null}`` clause of the Sales filters is left out: it only
  applies when the BC integration solution's company table is used (multi-company).
* Resetting keeps the couplings and option mappings of the default mappings (BC keeps its
  couplings in a separate table too); field mappings and schedules are recreated from scratch.
* Option mappings (PAYMENT TERMS, SHIPMENT METHOD, SHIPPING AGENT) get every field mapping
  forced to To Integration Table, as BC's ResetOptionMappingConfiguration does right after.
* Posted sales invoices and sales orders also depend on ITEM-PRODUCT and RESOURCE-PRODUCT: their
  lines name products, so a full synchronization that reached them before the products were
  coupled (a slow or restarted product job) failed every line. BC's filters leave that to timing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

from django.db import transaction

from connection import registry
from mappings import catalogues
from mappings.models import (
    Direction,
    FieldStatus,
    IntegrationFieldMapping,
    IntegrationTableMapping,
    Transformation,
    UidFieldType,
)

PERSON, TEAM = "person", "team"
SALES_ORDER_MAPPING = "SALESORDER-ORDER"
SALESPEOPLE = "SALESPEOPLE"
# Mappings whose lines name products (see the module docstring) and the product mappings.
PRODUCT_DEPENDENTS = ("POSTEDSALESINV-INV", SALES_ORDER_MAPPING)
PRODUCT_MAPPINGS = ("ITEM-PRODUCT", "RESOURCE-PRODUCT")
# Sales option-set attributes whose BC codes go through the option mappings.
OPTION_ATTRIBUTES = {"paymenttermscode", "address1_freighttermscode", "address1_shippingmethodcode",
                     "shippingmethodcode", "freighttermscode"}
_COMPANY_CLAUSE = re.compile(r",?\s*CompanyId = [^,]*?\(only when a CDS Company exists\)")


@cache
def default_data() -> dict[str, Any]:
    """The default set as stored in the repository (read once)."""
    return json.loads((catalogues.DATA / "default_mappings.json").read_text())


def default_names(*, sales_order_integration: bool = False,
                  ownership_model: str = PERSON) -> list[str]:
    """Names of the mappings the default setup creates, in order."""
    return [m["name"] for m in _selected(sales_order_integration, ownership_model)]


def _selected(sales_order_integration: bool, ownership_model: str) -> Iterator[dict]:
    for item in default_data()["mappings"]:
        if item["name"] == SALES_ORDER_MAPPING and not sales_order_integration:
            continue
        if item["name"] == SALESPEOPLE and ownership_model == TEAM:
            continue  # team ownership: BC deletes SALESPEOPLE and its job
        yield item


@transaction.atomic
def apply_default_setup(connection, *, sales_order_integration: bool = False,
                        ownership_model: str = PERSON) -> list[IntegrationTableMapping]:
    """Reset ``connection`` to the default mappings, field mappings and job queue entries.

    Default mappings that do not apply any more (SALESORDER-ORDER without sales order
    integration, SALESPEOPLE under team ownership) are deleted; mappings the user added under
    other names are left alone.
    """
    wanted = list(_selected(sales_order_integration, ownership_model))
    all_default = {item["name"] for item in default_data()["mappings"]}
    unwanted = all_default - {item["name"] for item in wanted}
    connection.table_mappings.filter(name__in=unwanted).delete()
    mappings = [_reset_mapping(connection, position, item, ownership_model)
                for position, item in enumerate(wanted, start=1)]
    registry.schedules().reset_connection_jobs(
        connection, connection_jobs(sales_order_integration=sales_order_integration))
    return mappings


@transaction.atomic
def add_sales_order_setup(connection, *, ownership_model: str = PERSON) -> list[str]:
    """Switching sales order integration on: add the SALESORDER-ORDER mapping and the jobs that
    only run with it (Sales Order Status, Sales Order Notes, ...) where missing, leaving every
    other mapping, its field mappings, couplings and schedule as they are. Returns the names of
    what was added."""
    added = []
    if not connection.table_mappings.filter(name=SALES_ORDER_MAPPING).exists():
        item = next(i for i in default_data()["mappings"] if i["name"] == SALES_ORDER_MAPPING)
        last = connection.table_mappings.order_by("-position").first()
        _reset_mapping(connection, (last.position + 1) if last else 1, item, ownership_model)
        added.append(SALES_ORDER_MAPPING)
    sales_order_jobs = [job for job in connection_jobs(sales_order_integration=True)
                        if job["kind"] in _sales_order_kinds()]
    return added + registry.schedules().add_connection_jobs(connection, sales_order_jobs)


def remove_sales_order_jobs(connection) -> int:
    """Switching sales order integration off: its connection jobs go, as in Business Central.
    The SALESORDER-ORDER mapping and its couplings stay, so switching on again resumes."""
    return registry.schedules().remove_connection_jobs(connection, _sales_order_kinds())


def _sales_order_kinds() -> list[str]:
    return [job["kind"] for job in default_data()["connection_jobs"]
            if job["only_with_sales_order_integration"]]


def _reset_mapping(connection, position: int, item: dict,
                   ownership_model: str) -> IntegrationTableMapping:
    mapping, _ = IntegrationTableMapping.objects.update_or_create(
        connection=connection, name=item["name"],
        defaults=mapping_values(item, ownership_model) | {"position": position})
    mapping.field_mappings.all().delete()
    IntegrationFieldMapping.objects.bulk_create(
        field_mapping(mapping, number, field) for number, field in
        enumerate(_fields(item, ownership_model), start=1))
    job = item.get("job_queue_entry")
    registry.schedules().set_schedule(
        mapping, None if job is None else {**_job_settings(job), "enabled": True,
                                           "next_run_at": None})
    return mapping


def mapping_values(item: dict, ownership_model: str = PERSON) -> dict[str, Any]:
    """Model field values of one reference mapping (everything but name and position)."""
    option = item.get("int_table_uid_field_type") == UidFieldType.OPTION
    return {
        "bc_table": item["bc_table"], "bc_table_id": item["bc_table_id"],
        "bc_entity": item["bc_entity"], "sales_entity": item["crm_entity"],
        "sales_entity_set": item["crm_entity_set"], "direction": item["direction"],
        "table_filter": item["table_filter"] or "",
        "integration_table_filter": sales_filter_text(item["integration_table_filter"]),
        "integration_table_filter_syntax": "bc",
        "synch_only_coupled_records": item["synch_only_coupled_records"],
        "dependency_filter": with_products(
            item["name"], dependency_filter(item["dependency_filter"], ownership_model)),
        "integration_table_uid_field": item["integration_table_uid_attribute"],
        "integration_table_uid_type": UidFieldType.OPTION if option else UidFieldType.GUID,
        "integration_table_modified_on_field": item["integration_table_modified_on_attribute"]
        or "",
        "table_config_template_code": item["table_config_template_code"] or "",
        "int_tbl_config_template_code": item["int_tbl_config_template_code"] or "",
        "synch_after_bulk_coupling": bool(item.get("synch_after_bulk_coupling")),
        "create_new_in_case_of_no_match": bool(item.get("create_new_in_case_of_no_match")),
        "user_defined": False,
    }


def sales_filter_text(reference: str | None) -> str:
    """The reference's Integration Table Filter without the multi-company clause."""
    return _COMPANY_CLAUSE.sub("", reference or "").strip()


def dependency_filter(reference: str | None, ownership_model: str = PERSON) -> str:
    """The Dependency Filter; CUSTOMER's differs by ownership model (Person / Team)."""
    if not reference:
        return ""
    variants = dict(re.findall(r"(Person|Team): '([^']*)'", reference))
    if not variants:
        return reference
    return variants["Team" if ownership_model == TEAM else "Person"]


def with_products(name: str, dependencies: str) -> str:
    """The Dependency Filter of a mapping whose lines name products, with the product mappings."""
    if name not in PRODUCT_DEPENDENTS:
        return dependencies
    names = [d for d in dependencies.split("|") if d]
    return "|".join([*names, *(p for p in PRODUCT_MAPPINGS if p not in names)])


def _fields(item: dict, ownership_model: str) -> Iterator[dict]:
    for field in item["field_mappings"]:
        if field.get("only_when") and ownership_model == TEAM:
            continue  # owner fields exist only under the person ownership model
        yield field


def field_mapping(mapping: IntegrationTableMapping, position: int,
                  field: dict) -> IntegrationFieldMapping:
    """An unsaved field mapping from a reference field mapping."""
    table = catalogues.bc_table(mapping.bc_table)
    bc_field = field["bc_field"] or ""
    attribute = field["crm_attribute"] or ""
    direction = Direction.TO_SALES if mapping.is_option_mapping else field["direction"]
    return IntegrationFieldMapping(
        mapping=mapping, position=position, bc_field=bc_field,
        bc_property=table.property_of(bc_field) if table and bc_field else "",
        sales_attribute=attribute, direction=direction,
        constant_value=field["constant_value"] or "", validate_field=field["validate_field"],
        validate_integration_table_field=field["validate_integration_table_field"],
        clear_value_on_failed_sync=field["clear_value_on_failed_sync"],
        not_null=field["not_null"], status=field["status"] or FieldStatus.ENABLED,
        transformation=Transformation.OPTION_LOOKUP if attribute in OPTION_ATTRIBUTES
        else Transformation.NONE,
        use_for_match_based_coupling=bool(field.get("use_for_match_based_coupling")),
    )


def _job_settings(job: dict) -> dict[str, int]:
    return {
        "no_of_minutes_between_runs": job["no_of_minutes_between_runs"],
        "inactivity_timeout_period": job["inactivity_timeout_period_minutes"],
        "maximum_no_of_attempts_to_run": job["maximum_no_of_attempts_to_run"],
        "rerun_delay_sec": job["rerun_delay_sec"],
    }


def connection_jobs(*, sales_order_integration: bool) -> list[dict[str, Any]]:
    """The default connection-level job queue entries (kind, description and schedule)."""
    return [{"kind": job["kind"], "description": job["description"], **_job_settings(job)}
            for job in default_data()["connection_jobs"]
            if sales_order_integration or not job["only_with_sales_order_integration"]]
