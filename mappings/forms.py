"""Forms of the mapping card, field mappings, option mappings and reset pages."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.html import format_html

from mappings import catalogues
from mappings.filters import FilterError, Translation
from mappings.models import (
    Direction,
    FieldStatus,
    IntegrationFieldMapping,
    IntegrationTableMapping,
    OptionMapping,
)
from mappings.sales_filters import check_sales_filter

MONO = {"class": "mono", "rows": 3, "spellcheck": "false"}


def filter_error(error: FilterError) -> forms.ValidationError:
    """A form error that quotes the bad part of the filter with a caret under it."""
    pointer = error.pointer() if error.text else ""
    return forms.ValidationError(format_html("{}<pre class=\"pointer\">{}</pre>",
                                             error.describe(), pointer))


class MappingForm(forms.ModelForm):
    """The editable settings of an Integration Table Mapping card."""

    class Meta:
        model = IntegrationTableMapping
        fields = [
            "direction", "table_filter", "integration_table_filter",
            "integration_table_filter_syntax", "synch_only_coupled_records", "dependency_filter",
            "table_config_template_code", "int_tbl_config_template_code",
            "update_conflict_resolution", "deletion_conflict_resolution",
            "synch_after_bulk_coupling", "create_new_in_case_of_no_match", "event_driven",
        ]
        widgets = {"table_filter": forms.Textarea(MONO),
                   "integration_table_filter": forms.Textarea(MONO)}
        help_texts = {
            "table_filter": "One field per line, as Field: filter or Field = filter, with "
                            "BC's field captions: Blocked = ' ' · No.: 10000..20000|3* · "
                            "Name: @*ski* · Balance (LCY)>0 · Company No. <> ''",
            "integration_table_filter": "Written as a Business Central filter "
                                        "(StateCode: Active) or as an OData $filter "
                                        "(statecode eq 0), as chosen below.",
            "dependency_filter": "Mappings that must finish first in a full synchronization, "
                                 "separated by |.",
        }

    def __init__(self, *args, sales_catalogue=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sales_catalogue = sales_catalogue
        self.translation: Translation | None = None
        # Both notations the default mappings use are accepted; the caption says so (the
        # model's choice label stays, so no migration is needed for a caption).
        cast(forms.ChoiceField, self.fields["integration_table_filter_syntax"]).choices = [
            ("bc", "Business Central filter (Field: filter or Field = filter)"),
            ("odata", "OData $filter")]

    def clean_table_filter(self) -> str:
        text = self.cleaned_data["table_filter"].strip()
        candidate = IntegrationTableMapping(bc_table=self.instance.bc_table, table_filter=text)
        try:
            self.translation = candidate.bc_translation()
        except FilterError as error:
            raise filter_error(error) from None
        return text

    def clean_dependency_filter(self) -> str:
        text = self.cleaned_data["dependency_filter"].strip()
        mapping = IntegrationTableMapping(dependency_filter=text)
        known = set(self.instance.connection.table_mappings.values_list("name", flat=True))
        unknown = [n for n in mapping.depends_on() if n not in known and n != "VENDOR"]
        if self.instance.name in mapping.depends_on():
            raise forms.ValidationError("A mapping cannot depend on itself.")
        if unknown:
            raise forms.ValidationError(f"No mapping named {', '.join(unknown)}.")
        return text

    def clean(self) -> dict:
        data = super().clean()
        assert data is not None  # Form.clean() returns cleaned_data
        text = data.get("integration_table_filter", "").strip()
        syntax = data.get("integration_table_filter_syntax")
        if syntax:
            problems = check_sales_filter(text, syntax, self.sales_catalogue)
            if problems:
                self.add_error("integration_table_filter", filter_error(problems))
        data["integration_table_filter"] = text
        return data


class FieldMappingForm(forms.ModelForm):
    """One row of the field mappings table."""

    class Meta:
        model = IntegrationFieldMapping
        fields = ["direction", "constant_value", "validate_field",
                  "validate_integration_table_field", "clear_value_on_failed_sync", "not_null",
                  "status", "transformation", "use_for_match_based_coupling",
                  "case_sensitive_matching", "match_priority"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # BC's field mapping captions, without the table-level explanation in brackets: in a
        # grid of fourteen columns the long captions were cut off inside their selects.
        direction = cast(forms.ChoiceField, self.fields["direction"])
        shown = cast(list[tuple[str, str]], direction.choices)
        direction.choices = [(value, label.split(" (")[0]) for value, label in shown]

    def clean(self) -> dict:
        data = super().clean()
        assert data is not None  # Form.clean() returns cleaned_data
        if data.get("clear_value_on_failed_sync") and data.get("not_null"):
            raise forms.ValidationError(
                "Clear Value on Failed Sync and Not Null cannot both be set.")
        return data


# The table edits a mapping's rows and never creates one (Add Field Mapping does, bound to its
# mapping): a forged TOTAL_FORMS / INITIAL_FORMS cannot add rows without a mapping, and no more
# than MAX_FIELD_ROWS forms are ever built from a posted count.
MAX_FIELD_ROWS = 500


class _FieldMappingRows(forms.BaseModelFormSet):
    def clean(self) -> None:
        super().clean()
        if self.initial_form_count() != len(self.get_queryset()):
            raise forms.ValidationError(
                "The field mappings changed since this page was shown (or the form was altered); "
                "nothing was saved. Reload the page and make the changes again.")


FieldMappingFormSet = forms.modelformset_factory(
    IntegrationFieldMapping, form=FieldMappingForm, formset=_FieldMappingRows, extra=0,
    can_delete=True, edit_only=True,
    max_num=MAX_FIELD_ROWS, absolute_max=MAX_FIELD_ROWS, validate_max=True)


# Dataverse attribute types each BC field type can be written to (and read from).
COMPATIBLE = {
    "text": {"string", "memo"},
    "code": {"string", "memo", "lookup", "customer", "owner", "picklist"},
    "integer": {"integer", "bigint", "decimal", "double", "money", "picklist"},
    "decimal": {"decimal", "double", "money", "integer"},
    "boolean": {"boolean"},
    "date": {"datetime"},
    "datetime": {"datetime"},
    "option": {"picklist", "state", "status", "string", "boolean"},
    "guid": {"uniqueidentifier", "lookup", "customer", "owner"},
}


class AddFieldMappingForm(forms.Form):
    """Add a field mapping; only attributes whose type fits the BC field are accepted."""

    bc_field = forms.ChoiceField(label="Field")
    sales_attribute = forms.ChoiceField(label="Integration Table Field")
    direction = forms.ChoiceField(label="Direction", choices=Direction.choices)

    def __init__(self, *args, mapping: IntegrationTableMapping, attributes, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.table = catalogues.bc_table(mapping.bc_table)
        self.attributes = dict(attributes)
        fields = self.table.fields if self.table else ()
        cast(forms.ChoiceField, self.fields["bc_field"]).choices = [
            (f.caption, f"{f.caption} ({f.type.value})") for f in fields]
        cast(forms.ChoiceField, self.fields["sales_attribute"]).choices = [
            (n, f"{n} ({t})") for n, t in sorted(self.attributes.items())]

    def clean(self) -> dict:
        data = super().clean()
        assert data is not None  # Form.clean() returns cleaned_data
        spec = self.table and next((f for f in self.table.fields
                                    if f.caption == data.get("bc_field")), None)
        kind = self.attributes.get(data.get("sales_attribute", ""))
        if spec and kind and kind not in COMPATIBLE[spec.type.value]:
            raise forms.ValidationError(
                f"{spec.caption} is {spec.type.value}; it cannot be mapped to a {kind} "
                f"attribute. Choose one of type {', '.join(sorted(COMPATIBLE[spec.type.value]))}.")
        if spec:
            data["bc_property"] = spec.name
        return data

    def save(self, mapping: IntegrationTableMapping) -> IntegrationFieldMapping:
        """New field mappings start disabled, so nothing syncs before they are checked."""
        last = mapping.field_mappings.order_by("-position").first()
        return IntegrationFieldMapping.objects.create(
            mapping=mapping, position=(last.position + 1) if last else 1,
            bc_field=self.cleaned_data["bc_field"], bc_property=self.cleaned_data["bc_property"],
            sales_attribute=self.cleaned_data["sales_attribute"],
            direction=self.cleaned_data["direction"], status=FieldStatus.DISABLED,
            user_defined=True)


class OptionMappingForm(forms.ModelForm):
    """Couple a BC code to a Sales option value."""

    class Meta:
        model = OptionMapping
        fields = ["bc_code", "option_value", "option_label"]

    def __init__(self, *args, mapping: IntegrationTableMapping, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.mapping = mapping

    def clean_bc_code(self) -> str:
        code = self.cleaned_data["bc_code"].strip().upper()
        if self._taken(bc_code=code):
            raise forms.ValidationError(f"{code} is already coupled to an option.")
        return code

    def clean_option_value(self) -> int:
        value = self.cleaned_data["option_value"]
        if self._taken(option_value=value):
            raise forms.ValidationError(f"Option {value} is already coupled to another code.")
        return value

    def _taken(self, **lookup) -> bool:
        others = OptionMapping.objects.filter(mapping=self.instance.mapping, **lookup)
        return others.exclude(pk=self.instance.pk).exists()


class ResetForm(forms.Form):
    """Use Default Synchronization Setup."""

    sales_order_integration = forms.BooleanField(
        label="Sales order integration (adds SALESORDER-ORDER and the sales order jobs)",
        required=False)
    ownership_model = forms.ChoiceField(label="Ownership Model", initial="person",
                                        choices=[("person", "Person"), ("team", "Team")])
    confirm = forms.BooleanField(
        label="Yes, replace the default mappings, their field mappings and schedules",
        required=True)


class ImportForm(forms.Form):
    """Upload an export file."""

    file = forms.FileField(label="Mappings file (JSON)")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError("The file is larger than 5 MB.")
        return upload
