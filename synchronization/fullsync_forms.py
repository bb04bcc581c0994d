"""Forms of the full synchronization review page: every action posts through one of these."""

from __future__ import annotations

from typing import cast

from django import forms

from connection.inputs import IdChoiceField
from connection.models import ConnectionSetup
from synchronization.models import FullSyncRun

START = "start"
DRY_RUN = "dry_run"


class StartForm(forms.Form):
    """Start (after the confirmation) or Dry run (writes nothing, no confirmation needed)."""

    mode = forms.ChoiceField(choices=[(START, "Start"), (DRY_RUN, "Dry run")], initial=START)
    confirmed = forms.BooleanField(
        required=False, label="I have coupled salespeople with Sales users. Records that exist "
                              "uncoupled on both sides are coupled on their match fields first "
                              "(Name = name for customers); a record with several matches is "
                              "left uncoupled and not created")
    only_ready = forms.BooleanField(
        required=False, label="Only lines recommended for Full Synchronization",
        help_text="Lines recommended Couple Records or with a dependency not satisfied get no "
                  "line in this run; couple their records first.")

    def clean(self) -> dict:
        data = super().clean()
        assert data is not None  # Form.clean() returns cleaned_data
        if data.get("mode") == START and not data.get("confirmed"):
            raise forms.ValidationError("Confirm that salespeople are coupled before starting.")
        return data

    @property
    def dry_run(self) -> bool:
        return self.cleaned_data["mode"] == DRY_RUN


class RunForm(forms.Form):
    """Names a run of the current connection (Restart failed lines, Cancel)."""

    run = IdChoiceField(queryset=FullSyncRun.objects.none(),
                                 error_messages={"invalid_choice": "That run does not exist."})

    def __init__(self, connection: ConnectionSetup | None, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(IdChoiceField, self.fields["run"]).queryset = FullSyncRun.objects.filter(
            connection=connection)


class KeepLiftedForm(RunForm):
    """The end-of-run question: keep Synch. Only Coupled Records lifted, or restore it."""

    keep = forms.TypedChoiceField(
        choices=[("no", "Restore Synch. Only Coupled Records"),
                 ("yes", "Keep it lifted")],
        coerce=lambda value: value == "yes")


class ConnectionForm(forms.Form):
    """Optional ``?connection=NAME`` of the JSON status (monitoring tools name it)."""

    connection = forms.CharField(required=False, max_length=100)

    def chosen(self, default: ConnectionSetup | None) -> ConnectionSetup | None:
        name = self.cleaned_data.get("connection") if self.is_valid() else ""
        if not name:
            return default
        return ConnectionSetup.objects.filter(name__iexact=name).first()
