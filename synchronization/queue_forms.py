"""Forms of a job queue entry: which entry an action is for, its recurrence (the entry's card
and the mapping card), and the schedule of a mapping in an imported mappings file."""

from __future__ import annotations

from django import forms

from synchronization.models import JobQueueEntry

ACTIONS = {"run": "Run now", "hold": "Set On Hold", "ready": "Set Status to Ready"}


class EntryActionForm(forms.Form):
    """Run now / Set On Hold / Set Status to Ready on one entry of the connection."""

    action = forms.ChoiceField(choices=list(ACTIONS.items()),
                               error_messages={"invalid_choice": "Choose an action."})
    # Where the action was taken, to go back there: the entry's card or the list.
    back = forms.ChoiceField(choices=[("card", "card"), ("list", "list")], required=False)


class RecurrenceForm(forms.ModelForm):
    """Recurrence of an entry with BC's captions: how often it runs, how long it sleeps."""

    class Meta:
        model = JobQueueEntry
        fields = ["no_of_minutes_between_runs", "inactivity_timeout_period", "enabled"]
        labels = {"enabled": "Recurring (runs on its schedule)"}
        help_texts = {"no_of_minutes_between_runs": "Business Central's default is 30 minutes.",
                      "inactivity_timeout_period":
                          "Minutes an entry sleeps after a run that changed nothing "
                          "(Business Central: 720, or 1,440 for some entries). 0 never sleeps."}

    def clean_no_of_minutes_between_runs(self) -> int:
        value = self.cleaned_data["no_of_minutes_between_runs"]
        if not 1 <= value <= 10080:
            raise forms.ValidationError("Enter between 1 and 10,080 minutes (one week).")
        return value

    def clean_inactivity_timeout_period(self) -> int:
        value = self.cleaned_data["inactivity_timeout_period"]
        if value > 43200:
            raise forms.ValidationError("Enter at most 43,200 minutes (30 days).")
        return value


class ImportedScheduleForm(RecurrenceForm):
    """A mapping's schedule as a mappings file carries it: the recurrence and BC's retries."""

    class Meta(RecurrenceForm.Meta):
        fields = ["no_of_minutes_between_runs", "inactivity_timeout_period",
                  "maximum_no_of_attempts_to_run", "rerun_delay_sec", "enabled"]
