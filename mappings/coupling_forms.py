"""Forms of the couplings pages: set up, delete, match-based coupling."""

from __future__ import annotations

from typing import cast

from django import forms

from connection.inputs import IdMultipleChoiceField
from mappings.matching import MatchField, MatchOptions
from mappings.models import Coupling, IntegrationTableMapping


class CouplingSetupForm(forms.Form):
    """A BC record (its SystemId, and No./name to find it again) and the Sales row."""

    bc_id = forms.UUIDField(label="Business Central record ID (SystemId)")
    bc_number = forms.CharField(label="No.", max_length=50, required=False)
    display_name = forms.CharField(label="Name", max_length=250, required=False)
    sales_id = forms.UUIDField(label="Dynamics 365 Sales record ID")

    def __init__(self, *args, mapping: IntegrationTableMapping, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.mapping = mapping

    def clean(self) -> dict:
        data = super().clean()
        assert data is not None  # Form.clean() returns cleaned_data
        couplings = self.mapping.couplings
        if data.get("bc_id") and couplings.filter(bc_id=data["bc_id"]).exists():
            self.add_error("bc_id", "This record is already coupled; delete that coupling "
                                    "first.")
        if data.get("sales_id") and couplings.filter(sales_id=data["sales_id"]).exists():
            self.add_error("sales_id", "This Sales record is already coupled to another "
                                       "record.")
        return data

    def save(self) -> Coupling:
        return Coupling.objects.create(mapping=self.mapping, **self.cleaned_data)


class DeleteCouplingsForm(forms.Form):
    """The selected couplings of the current connection, and whether it was confirmed."""

    coupling = IdMultipleChoiceField(queryset=Coupling.objects.none())
    confirm = forms.BooleanField(required=False)

    def __init__(self, *args, connection, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(IdMultipleChoiceField, self.fields["coupling"]).queryset = Coupling.objects.filter(
            mapping__connection=connection).select_related("mapping")


class MatchForm(forms.Form):
    """Which field mappings to match on, with case sensitivity and priority per field."""

    create_new = forms.BooleanField(label="Create New in Case of No Match", required=False)
    synch_after = forms.BooleanField(label="Synch. After Match-Based Coupling", required=False)

    def __init__(self, *args, mapping: IntegrationTableMapping, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = [f for f in mapping.field_mappings.all()
                           if f.bc_property and f.sales_attribute]
        for field in self.candidates:
            self._add_field_rows(field)
        self.fields["create_new"].initial = mapping.create_new_in_case_of_no_match
        self.fields["synch_after"].initial = mapping.synch_after_bulk_coupling

    def _add_field_rows(self, field) -> None:
        key = f"f{field.pk}"
        self.fields[f"{key}_use"] = forms.BooleanField(
            required=False, initial=field.use_for_match_based_coupling,
            label=f"{field.bc_field} = {field.sales_attribute}")
        self.fields[f"{key}_case"] = forms.BooleanField(
            required=False, initial=field.case_sensitive_matching, label="Case-sensitive")
        self.fields[f"{key}_priority"] = forms.IntegerField(
            min_value=0, max_value=99, initial=field.match_priority, label="Priority",
            required=False)

    def rows(self) -> list[tuple]:
        """(field mapping, use, case, priority) bound fields for the template."""
        return [(f, self[f"f{f.pk}_use"], self[f"f{f.pk}_case"], self[f"f{f.pk}_priority"])
                for f in self.candidates]

    def clean(self) -> dict:
        data = super().clean()
        assert data is not None  # Form.clean() returns cleaned_data
        if not any(data.get(f"f{f.pk}_use") for f in self.candidates):
            raise forms.ValidationError("Choose at least one field to match on.")
        return data

    def options(self) -> MatchOptions:
        data = self.cleaned_data
        fields = tuple(MatchField(f.bc_property, f.sales_attribute, data[f"f{f.pk}_case"],
                                  data[f"f{f.pk}_priority"] or 0)
                       for f in self.candidates if data[f"f{f.pk}_use"])
        return MatchOptions(fields, data["create_new"], data["synch_after"])
