"""Forms of the couplings pages: the record pickers, set up, delete, match-based coupling."""

from __future__ import annotations

import unicodedata
from typing import cast

from django import forms

from connection.inputs import IdMultipleChoiceField
from mappings.matching import MatchField, MatchOptions
from mappings.models import Coupling, IntegrationTableMapping

BC_SIDE, SALES_SIDE = "bc", "sales"
MAX_SEARCH = 100  # a number or a name: nobody types more; the services cap their filters too


class SearchTextField(forms.CharField):
    """What a person types into a picker's search box: bounded, printable text.

    Quotes, OData words and any script are fine (the clients send the text as a quoted
    literal); control characters are refused because no record name holds them.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(max_length=MAX_SEARCH, required=False, strip=True, error_messages={
            "max_length": f"Search for at most {MAX_SEARCH} characters (a No. or part of a "
                          "name)."}, **kwargs)

    def validate(self, value: str) -> None:
        super().validate(value)
        if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in value):
            raise forms.ValidationError("The search text holds control characters; type a No. "
                                        "or part of a name.")


class PickerForm(forms.Form):
    """The query string of Set Up Coupling: the side one starts from and its search text, the
    record chosen there, and the search text on the other side."""

    start = forms.ChoiceField(choices=[(BC_SIDE, "Business Central"),
                                       (SALES_SIDE, "Dynamics 365 Sales")], required=False)
    search = SearchTextField(label="Search")
    record = forms.UUIDField(required=False, error_messages={
        "invalid": "That record id is not a GUID; choose the record from the list."})
    match = SearchTextField(label="Search")

    def __init__(self, data=None, **kwargs) -> None:
        # A bare page (no query string) is a valid first step, starting from Business Central.
        super().__init__(data if data else {"start": BC_SIDE}, **kwargs)

    def clean_start(self) -> str:
        return self.cleaned_data.get("start") or BC_SIDE


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

    def save(self, describe=None) -> Coupling:
        """Couple; ``describe(bc_id)`` reads the BC record's No. and name when they were not
        posted (picked from the Sales side), so the couplings list can find it by them."""
        data = dict(self.cleaned_data)
        if describe and not data.get("bc_number"):
            found = describe(str(data["bc_id"]))
            if found:
                data["bc_number"], data["display_name"] = found.number[:50], found.name[:250]
        return Coupling.objects.create(mapping=self.mapping, **data)


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
