"""Forms of the synchronization pages: starting runs, and the actions on errors and couplings."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import cast

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from connection.inputs import IdChoiceField, IdMultipleChoiceField
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

    error = IdMultipleChoiceField(queryset=SyncError.objects.none(),
                                           error_messages={"required": "Select errors first."})
    confirm = forms.BooleanField(required=False)

    def __init__(self, *args, connection, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(IdMultipleChoiceField, self.fields["error"]).queryset = SyncError.objects.filter(
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


class MappingForm(forms.Form):
    """One mapping of the current connection, posted as ``mapping_id``."""

    mapping_id = IdChoiceField(
        queryset=IntegrationTableMapping.objects.none(),
        error_messages={"invalid_choice": "That mapping does not exist on this connection.",
                        "required": "Choose a mapping."})

    def __init__(self, *args, connection, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(IdChoiceField, self.fields["mapping_id"]).queryset = (
            IntegrationTableMapping.objects.filter(connection=connection))


class StartSyncForm(MappingForm):
    """Synchronize Now / Synchronize Modified Records / selected couplings of one mapping."""

    MODES = [("full", "All records"), ("modified", "Modified records"),
             ("selected", "Selected records")]

    mode = forms.ChoiceField(choices=MODES)
    coupling = IdMultipleChoiceField(queryset=Coupling.objects.none(), required=False)

    def __init__(self, *args, connection, **kwargs) -> None:
        super().__init__(*args, connection=connection, **kwargs)
        cast(IdMultipleChoiceField, self.fields["coupling"]).queryset = Coupling.objects.filter(
            mapping__connection=connection)

    def clean(self) -> dict:
        data = super().clean()
        assert data is not None  # Form.clean() returns cleaned_data
        mapping, couplings = data.get("mapping_id"), data.get("coupling")
        if couplings and mapping and any(c.mapping_id != mapping.pk for c in couplings):
            raise forms.ValidationError("The selected couplings belong to another mapping.")
        if data.get("mode") == "selected" and not couplings:
            raise forms.ValidationError("Select the records to synchronize.")
        return data


@dataclass(frozen=True)
class CoupledAction:
    """An action of the Coupled Data Synchronization Errors page and what it overwrites."""

    caption: str
    warning: str
    needs_selection: bool = True


COUPLED_ACTIONS = {
    "retry": CoupledAction(
        "Retry", "Clears Skipped and synchronizes these records again with fresh data read from "
        "the source now; the destination's mapped fields are overwritten by the source's values, "
        "as in a normal run."),
    "retry_all": CoupledAction(
        "Retry All", "Clears Skipped on every skipped or failed record listed (with the current "
        "filter) and synchronizes them again with fresh source data; the destination's mapped "
        "fields are overwritten by the source's values.", needs_selection=False),
    "remove": CoupledAction(
        "Remove Coupling", "Uncouples these records. Nothing is changed in Business Central or "
        "in Sales; the next run treats them as uncoupled records (created again on the other "
        "side unless the mapping synchronizes only coupled records)."),
    "restore": CoupledAction(
        "Restore Records", "Creates the deleted record again from its coupled record on the "
        "other side, with the same ID, and couples them as before."),
    "delete": CoupledAction(
        "Delete Records", "Deletes the record that still exists, so both sides agree that it is "
        "gone, and removes the coupling. This cannot be undone."),
    "send": CoupledAction(
        "Send Data Update to Sales", "Overwrites the mapped fields of the Sales record with "
        "the Business Central values; the changes made in Sales since the last synchronization "
        "are lost."),
    "get": CoupledAction(
        "Get Data Update from Sales", "Overwrites the mapped fields of the Business Central "
        "record with the Sales values; the changes made in Business Central since the last "
        "synchronization are lost."),
}


class CoupledActionForm(forms.Form):
    """An action on selected couplings (or on all listed, for Retry All), and the confirmation."""

    action = forms.ChoiceField(choices=[(k, a.caption) for k, a in COUPLED_ACTIONS.items()])
    coupling = IdMultipleChoiceField(queryset=Coupling.objects.none(), required=False)
    confirm = forms.BooleanField(required=False)

    def __init__(self, *args, couplings: QuerySet, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.listed = couplings
        cast(IdMultipleChoiceField, self.fields["coupling"]).queryset = couplings

    def clean(self) -> dict:
        data = super().clean()
        assert data is not None  # Form.clean() returns cleaned_data
        action = COUPLED_ACTIONS.get(data.get("action", ""))
        if action and action.needs_selection and not data.get("coupling"):
            raise forms.ValidationError("Select the records first.")
        return data

    def chosen(self) -> CoupledAction:
        """The chosen action (after validation)."""
        return COUPLED_ACTIONS[self.cleaned_data["action"]]

    def targets(self) -> QuerySet:
        """The couplings the action applies to: the selection, or every one listed."""
        if self.cleaned_data["action"] == "retry_all":
            return self.listed
        return self.listed.filter(pk__in=[c.pk for c in self.cleaned_data["coupling"]])
