"""Export and import a connection's mappings as JSON (page and ``manage.py mappings``).

The format is a JSON list of table mappings, each with its settings, filters, dependency filter,
job queue entry and ``field_mappings``. Import validates everything first (each mapping and
field mapping through a form, filters through :mod:`mappings.filters`), shows what would change,
and applies all or nothing. Mappings not in the file are kept; couplings are never touched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.db import transaction

from connection import registry
from mappings.filters import FilterError
from mappings.models import IntegrationFieldMapping, IntegrationTableMapping

MAPPING_FIELDS = [
    "name", "bc_table", "bc_table_id", "bc_entity", "sales_entity", "sales_entity_set",
    "direction", "table_filter", "integration_table_filter", "integration_table_filter_syntax",
    "synch_only_coupled_records", "dependency_filter", "integration_table_uid_field",
    "integration_table_uid_type", "integration_table_modified_on_field",
    "table_config_template_code", "int_tbl_config_template_code", "update_conflict_resolution",
    "deletion_conflict_resolution", "synch_after_bulk_coupling", "create_new_in_case_of_no_match",
    "delete_after_synchronization", "event_driven", "user_defined",
]
FIELD_FIELDS = [
    "bc_field", "bc_property", "sales_attribute", "direction", "constant_value", "validate_field",
    "validate_integration_table_field", "clear_value_on_failed_sync", "not_null", "status",
    "transformation", "use_for_match_based_coupling", "case_sensitive_matching", "match_priority",
    "user_defined",
]
JOB_FIELDS = ["no_of_minutes_between_runs", "inactivity_timeout_period",
              "maximum_no_of_attempts_to_run", "rerun_delay_sec", "enabled"]


def export_mappings(connection) -> list[dict[str, Any]]:
    """Every table mapping of ``connection`` with its field mappings and schedule."""
    mappings = (connection.table_mappings.prefetch_related("field_mappings")
                .order_by("position", "name"))
    schedules = registry.schedules().schedules(connection)
    return [_export_one(mapping, schedules.get(mapping.pk)) for mapping in mappings]


def _export_one(mapping: IntegrationTableMapping, job: dict[str, Any] | None) -> dict[str, Any]:
    data = {name: getattr(mapping, name) for name in MAPPING_FIELDS}
    data["job_queue_entry"] = {name: job[name] for name in JOB_FIELDS} if job else None
    data["field_mappings"] = [{name: getattr(f, name) for name in FIELD_FIELDS}
                              for f in mapping.field_mappings.all()]
    return data


def dumps(connection) -> str:
    return json.dumps(export_mappings(connection), indent=2)


# ---------------------------------------------------------------------------------------------
# Validation


class _MappingForm(forms.ModelForm):
    class Meta:
        model = IntegrationTableMapping
        fields = MAPPING_FIELDS


class _FieldForm(forms.ModelForm):
    class Meta:
        model = IntegrationFieldMapping
        fields = FIELD_FIELDS


@dataclass
class ImportPlan:
    """A validated import: the cleaned values per mapping, or the problems found."""

    mappings: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.mappings)


def parse(text: str | bytes) -> ImportPlan:
    """Read and validate an export; never raises on bad input."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        return ImportPlan(errors=[f"The file is not valid JSON: {exc}"])
    if isinstance(data, dict):
        data = data.get("mappings")
    if not isinstance(data, list) or not data:
        return ImportPlan(errors=["Expected a JSON list of integration table mappings."])
    plan = ImportPlan()
    names: set[str] = set()
    for number, item in enumerate(data, start=1):
        _validate_mapping(plan, number, item, names)
    return plan


def _validate_mapping(plan: ImportPlan, number: int, item: Any, names: set[str]) -> None:
    if not isinstance(item, dict):
        plan.errors.append(f"Mapping {number}: expected an object.")
        return
    label = f"Mapping {item.get('name') or number}"
    values = _clean(plan, label, _MappingForm, _with_defaults(item, MAPPING_FIELDS))
    if values is None:
        return
    if values["name"] in names:
        plan.errors.append(f"{label}: the name appears twice in the file.")
    names.add(values["name"])
    _check_filter(plan, label, values)
    values["field_mappings"] = _field_mappings(plan, label, item.get("field_mappings"))
    values["job_queue_entry"] = _job(plan, label, item.get("job_queue_entry"))
    plan.mappings.append(values)


def _with_defaults(item: dict, names: list[str]) -> dict:
    """Form data: booleans absent from the file stay False; other missing keys use defaults."""
    instance = IntegrationTableMapping() if names is MAPPING_FIELDS else None
    data = {}
    for name in names:
        if name in item:
            data[name] = item[name]
        elif instance is not None:
            data[name] = getattr(instance, name)
    return data


def _clean(plan: ImportPlan, label: str, form_class, data: dict) -> dict | None:
    form = form_class(data={k: v for k, v in data.items() if v is not False and v is not None})
    if form.is_valid():
        return dict(form.cleaned_data)
    for name, errors in form.errors.items():
        plan.errors.extend(f"{label}: {name}: {error}" for error in errors)
    return None


def _check_filter(plan: ImportPlan, label: str, values: dict) -> None:
    mapping = IntegrationTableMapping(**{k: values[k] for k in MAPPING_FIELDS})
    try:
        if mapping.table_filter.strip():
            mapping.bc_filter()
    except FilterError as exc:
        plan.errors.append(f"{label}: Table Filter: {exc}")
    problems = mapping.sales_filter_problems()
    if problems:
        plan.errors.append(f"{label}: Integration Table Filter: {problems}")


def _field_mappings(plan: ImportPlan, label: str, items: Any) -> list[dict]:
    if items is None:
        return []
    if not isinstance(items, list):
        plan.errors.append(f"{label}: field_mappings must be a list.")
        return []
    cleaned = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            plan.errors.append(f"{label}: field mapping {number}: expected an object.")
            continue
        values = _clean(plan, f"{label}: field mapping {number}", _FieldForm,
                        _field_data(item))
        if values is not None:
            cleaned.append(values)
    return cleaned


def _field_data(item: dict) -> dict:
    data = {name: item[name] for name in FIELD_FIELDS if name in item}
    data.setdefault("status", "Enabled")
    data.setdefault("direction", "Bidirectional")
    data.setdefault("match_priority", 0)
    return data


def _job(plan: ImportPlan, label: str, item: Any) -> dict | None:
    if item is None:
        return None
    if not isinstance(item, dict):
        plan.errors.append(f"{label}: job_queue_entry must be an object or null.")
        return None
    return _clean(plan, f"{label}: job queue entry", registry.schedules().import_form, item)


# ---------------------------------------------------------------------------------------------
# Diff and apply


def diff(connection, plan: ImportPlan) -> list[dict[str, Any]]:
    """Per mapping in the file: 'new', 'changed' (with the changed settings) or 'unchanged'."""
    current = {m["name"]: m for m in export_mappings(connection)}
    return [_diff_one(current.get(values["name"]), values) for values in plan.mappings]


def _diff_one(old: dict | None, new: dict) -> dict[str, Any]:
    if old is None:
        return {"name": new["name"], "state": "new", "changes": [],
                "fields": f"{len(new['field_mappings'])} field mappings"}
    changes = [(name, old[name], new[name]) for name in MAPPING_FIELDS if old[name] != new[name]]
    if _normal_job(old["job_queue_entry"]) != _normal_job(new["job_queue_entry"]):
        changes.append(("job_queue_entry", old["job_queue_entry"], new["job_queue_entry"]))
    fields_changed = old["field_mappings"] != new["field_mappings"]
    state = "changed" if changes or fields_changed else "unchanged"
    summary = (f"{len(old['field_mappings'])} -> {len(new['field_mappings'])} field mappings, "
               "replaced" if fields_changed else "field mappings unchanged")
    return {"name": new["name"], "state": state, "changes": changes, "fields": summary}


def _normal_job(job: dict | None) -> dict | None:
    return {k: job.get(k) for k in JOB_FIELDS} if job else None


@transaction.atomic
def apply(connection, plan: ImportPlan) -> int:
    """Write a validated plan: create or update each mapping, replace its field mappings."""
    if not plan.ok:
        raise ValueError("Refusing to apply an import with errors.")
    for values in plan.mappings:
        settings = {k: values[k] for k in MAPPING_FIELDS if k != "name"}
        mapping, _ = IntegrationTableMapping.objects.update_or_create(
            connection=connection, name=values["name"], defaults=settings)
        mapping.field_mappings.all().delete()
        IntegrationFieldMapping.objects.bulk_create(
            IntegrationFieldMapping(mapping=mapping, position=n, **f)
            for n, f in enumerate(values["field_mappings"], start=1))
        registry.schedules().set_schedule(mapping, values["job_queue_entry"])
    return len(plan.mappings)
