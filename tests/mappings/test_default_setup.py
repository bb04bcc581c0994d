"""Use Default Synchronization Setup creates BC's Dataverse-era default mappings."""

import json
import uuid
from pathlib import Path

import pytest

from connection.models import ConnectionSetup
from mappings.defaults import (
    apply_default_setup,
    default_names,
    dependency_filter,
    sales_filter_text,
    with_products,
)
from mappings.models import Coupling, Direction, UidFieldType
from synchronization.models import EntryKind, JobQueueEntry

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference"
EXPECTED_NAMES = [
    "SALESPEOPLE", "CUSTOMER", "CONTACT", "CURRENCY", "PAYMENT TERMS", "SHIPMENT METHOD",
    "SHIPPING AGENT", "UNIT OF MEASURE", "ITEM-PRODUCT", "RESOURCE-PRODUCT", "CUSTPRCGRP-PRICE",
    "SALESPRC-PRODPRICE", "POSTEDSALESINV-INV", "POSTEDSALESLINE-INV", "OPPORTUNITY",
]


@pytest.fixture
def connection(db):
    return ConnectionSetup.objects.create(name="CRONUS")


def reference_mappings() -> dict[str, dict]:
    path = REFERENCE / "bc-default-mappings.json"
    if not path.exists():
        pytest.skip(f"the shared reference is not beside the repository ({path})")
    data = json.loads(path.read_text())
    return {m["name"]: m for m in data["mappings_dataverse_era"]["mappings"]}


def test_it_creates_every_default_mapping_in_order(connection):
    mappings = apply_default_setup(connection)
    assert [m.name for m in mappings] == EXPECTED_NAMES
    with_orders = apply_default_setup(connection, sales_order_integration=True)
    assert [m.name for m in with_orders] == [*EXPECTED_NAMES, "SALESORDER-ORDER"]


def test_every_mapping_matches_the_reference(connection):
    reference = reference_mappings()
    for mapping in apply_default_setup(connection, sales_order_integration=True):
        expected = reference[mapping.name]
        assert mapping.bc_table == expected["bc_table"]
        assert mapping.bc_table_id == expected["bc_table_id"]
        assert mapping.sales_entity == expected["crm_entity"].split(" ")[0]
        assert mapping.direction == expected["direction"], mapping.name
        assert mapping.table_filter == (expected["table_filter"] or "")
        assert mapping.integration_table_filter == sales_filter_text(
            expected["integration_table_filter"])
        assert mapping.synch_only_coupled_records == expected["synch_only_coupled_records"]
        assert mapping.dependency_filter == with_products(
            mapping.name, dependency_filter(expected["dependency_filter"]))
        assert mapping.integration_table_uid_field == expected["integration_table_uid_attribute"]
        assert mapping.table_config_template_code == expected["table_config_template_code"]
        assert mapping.int_tbl_config_template_code == expected["int_tbl_config_template_code"]
        assert mapping.create_new_in_case_of_no_match == bool(
            expected.get("create_new_in_case_of_no_match"))


def test_every_field_mapping_matches_the_reference(connection):
    reference = reference_mappings()
    for mapping in apply_default_setup(connection, sales_order_integration=True):
        expected = reference[mapping.name]["field_mappings"]
        actual = list(mapping.field_mappings.order_by("position"))
        assert len(actual) == len(expected), mapping.name
        for field, want in zip(actual, expected, strict=True):
            where = f"{mapping.name} {want['bc_field']} -> {want['crm_attribute']}"
            assert field.bc_field == (want["bc_field"] or ""), where
            assert field.sales_attribute == (want["crm_attribute"] or ""), where
            want_direction = (Direction.TO_SALES if mapping.is_option_mapping
                              else want["direction"])
            assert field.direction == want_direction, where
            assert field.constant_value == want["constant_value"], where
            assert field.validate_field == want["validate_field"], where
            assert field.validate_integration_table_field == want[
                "validate_integration_table_field"], where
            assert field.clear_value_on_failed_sync == want["clear_value_on_failed_sync"], where
            assert field.not_null == want["not_null"], where
            assert field.status == want["status"], where
            assert field.use_for_match_based_coupling == bool(
                want.get("use_for_match_based_coupling")), where


def test_every_job_queue_entry_matches_the_reference(connection):
    reference = reference_mappings()
    for mapping in apply_default_setup(connection, sales_order_integration=True):
        job = reference[mapping.name]["job_queue_entry"]
        entry = JobQueueEntry.objects.filter(mapping=mapping).first()
        if job is None:
            assert entry is None, mapping.name
            continue
        assert entry.no_of_minutes_between_runs == job["no_of_minutes_between_runs"]
        assert entry.inactivity_timeout_period == job["inactivity_timeout_period_minutes"]
        assert entry.maximum_no_of_attempts_to_run == job["maximum_no_of_attempts_to_run"]


def test_the_business_central_fields_have_api_properties(connection):
    for mapping in apply_default_setup(connection, sales_order_integration=True):
        assert mapping.bc_entity and mapping.sales_entity_set
        for field in mapping.field_mappings.exclude(bc_field=""):
            assert field.bc_property, f"{mapping.name} {field.bc_field}"


def test_the_default_filters_parse_and_translate(connection):
    customer, *_ = apply_default_setup(connection)[1:2]
    assert customer.bc_translation().filter_text == "blocked eq ' '"
    for mapping in connection.table_mappings.all():
        mapping.bc_filter()  # raises FilterError if a default filter does not fit its table
        assert mapping.sales_filter_problems() is None, mapping.name


def test_customer_depends_on_salespeople_and_the_option_mappings(connection):
    apply_default_setup(connection)
    customer = connection.table_mappings.get(name="CUSTOMER")
    assert customer.depends_on() == ["SALESPEOPLE", "CURRENCY", "PAYMENT TERMS",
                                     "SHIPMENT METHOD", "SHIPPING AGENT"]
    assert connection.table_mappings.get(name="PAYMENT TERMS").integration_table_uid_type == (
        UidFieldType.OPTION)


def test_team_ownership_drops_salespeople_and_owner_fields(connection):
    mappings = apply_default_setup(connection, ownership_model="team")
    assert "SALESPEOPLE" not in [m.name for m in mappings]
    customer = connection.table_mappings.get(name="CUSTOMER")
    assert not customer.field_mappings.filter(sales_attribute__in=["ownerid", "owneridtype"])
    assert "SALESPEOPLE" not in customer.depends_on()


def test_resetting_keeps_couplings_and_restores_edited_settings(connection):
    apply_default_setup(connection, sales_order_integration=True)
    customer = connection.table_mappings.get(name="CUSTOMER")
    Coupling.objects.create(mapping=customer, bc_id=uuid.uuid4(), sales_id=uuid.uuid4())
    customer.table_filter = "No.: 10000"
    customer.save()
    customer.field_mappings.update(status="Disabled")
    apply_default_setup(connection)
    customer.refresh_from_db()
    assert customer.table_filter == "Blocked = ' '"
    assert not customer.field_mappings.filter(status="Disabled").exists()
    assert customer.couplings.count() == 1
    assert not connection.table_mappings.filter(name="SALESORDER-ORDER").exists()
    assert set(JobQueueEntry.objects.filter(connection=connection).exclude(
        kind=EntryKind.MAPPING).values_list("kind", flat=True)) == {EntryKind.CUSTOMER_STATISTICS}


def test_sales_order_integration_adds_status_and_notes_jobs(connection):
    apply_default_setup(connection, sales_order_integration=True)
    kinds = dict(JobQueueEntry.objects.filter(connection=connection).exclude(
        kind=EntryKind.MAPPING).values_list("kind", "no_of_minutes_between_runs"))
    assert kinds == {EntryKind.CUSTOMER_STATISTICS: 30, EntryKind.SALES_ORDER_STATUS: 7,
                     EntryKind.SALES_ORDER_NOTES: 5, EntryKind.CREATE_SALES_ORDERS: 30,
                     EntryKind.PROCESS_SALES_QUOTES: 30}


def test_default_names_match_what_is_created(connection):
    names = default_names(sales_order_integration=True)
    assert names == [m.name for m in apply_default_setup(connection,
                                                         sales_order_integration=True)]


def test_invoices_and_orders_wait_for_the_products_their_lines_name(connection):
    mappings = {m.name: m for m in apply_default_setup(connection, sales_order_integration=True)}
    assert mappings["POSTEDSALESINV-INV"].depends_on() == [
        "OPPORTUNITY", "ITEM-PRODUCT", "RESOURCE-PRODUCT"]
    assert mappings["SALESORDER-ORDER"].depends_on() == [
        "OPPORTUNITY", "ITEM-PRODUCT", "RESOURCE-PRODUCT"]
    assert mappings["CONTACT"].depends_on() == ["CUSTOMER", "VENDOR"]
