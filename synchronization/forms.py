"""Forms of the synchronization pages: starting runs, and the actions on errors and couplings."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from mappings.models import Coupling, IntegrationTableMapping
from synchronization.models import SyncError

ERROR_RETENTION = timedelta(days=7)


class DeleteErrorsForm(forms.Form):
    """Delete older than 7 days, or delete all: which, and whether it was confirmed."""

    OLDER = "older"
    ALL = "all"

    scope = forms.ChoiceField(choices=[(OLDER, "Delete Entries Older Than 7 Days"),
                                       (ALL, "Delete All Entries")])
    confirm = forms.BooleanField(required=False)

    def errors_to_delete(self, connection) -> QuerySet:
        """The errors of the connection this deletes."""
        errors = SyncError.objects.filter(job__connection=connection)
        if self.cleaned_data["scope"] == self.OLDER:
            errors = errors.filter(created_at__lt=timezone.now() - ERROR_RETENTION)
        return errors


class ErrorSelectionForm(forms.Form):
    """Errors of the current connection ticked on the errors list."""

    error = forms.ModelMultipleChoiceField(queryset=SyncError.objects.none(),
                                           error_messages={"required": "Select errors first."})
    confirm = forms.BooleanField(required=False)

    def __init__(self, *args, connection, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["error"].queryset = SyncError.objects.filter(
            job__connection=connection).select_related("mapping", "coupling")

    def couplings(self) -> QuerySet:
        """The couplings the selected errors reference: linked, or found by the records' ids."""
        errors = self.cleaned_data["error"]
        match = Q(pk__in={e.coupling_id for e in errors if e.coupling_id})
        for error in errors:
            ids = [u for u in map(_uuid, (error.source_id, error.destination_id)) if u]
            if error.mapping_id and ids and not error.coupling_id:
                match |= Q(mapping_id=error.mapping_id) & (Q(bc_id__in=ids)
                                                           | Q(sales_id__in=ids))
        return Coupling.objects.filter(match).select_related("mapping")


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


class StartSyncForm(forms.Form):
    """Synchronize Now / Synchronize Modified Records / selected couplings of one mapping."""

    MODES = [("full", "All records"), ("modified", "Modified records"),
             ("selected", "Selected records")]

    mapping_id = forms.ModelChoiceField(queryset=IntegrationTableMapping.objects.none(),
                                        error_messages={"invalid_choice": "No such mapping."})
    mode = forms.ChoiceField(choices=MODES)
    coupling = forms.ModelMultipleChoiceField(queryset=Coupling.objects.none(), required=False)

    def __init__(self, *args, connection, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mapping_id"].queryset = IntegrationTableMapping.objects.filter(
            connection=connection)
        self.fields["coupling"].queryset = Coupling.objects.filter(
            mapping__connection=connection)

    def clean(self) -> dict:
        data = super().clean()
        mapping, couplings = data.get("mapping_id"), data.get("coupling")
        if couplings and mapping and any(c.mapping_id != mapping.pk for c in couplings):
            raise forms.ValidationError("The selected couplings belong to another mapping.")
        if data.get("mode") == "selected" and not couplings:
            raise forms.ValidationError("Select the records to synchronize.")
        return data
