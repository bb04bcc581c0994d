"""The column chooser: a person's choice of columns for one list, kept per user."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from connection.lists.models import TablePreference
from connection.lists.tables import REGISTRY


class ColumnsForm(forms.Form):
    """The columns to show; ``reset`` goes back to the table's defaults."""

    columns = forms.MultipleChoiceField(required=False)
    reset = forms.BooleanField(required=False)
    next = forms.CharField(required=False, max_length=2000)

    def __init__(self, data, choices: list[tuple[str, str]]) -> None:
        super().__init__(data)
        cast(forms.MultipleChoiceField, self.fields["columns"]).choices = choices


@require_POST
def save_columns(request: HttpRequest, table: str) -> HttpResponse:
    """Save (or reset) the columns the user shows in ``table``, then go back to the list."""
    table_class = REGISTRY.get(table)
    if table_class is None:
        raise Http404("No such list.")
    form = ColumnsForm(request.POST, table_class.choosable())
    if not form.is_valid():
        messages.error(request, "Those columns are not columns of this list; nothing changed.")
    elif form.cleaned_data["reset"]:
        TablePreference.objects.filter(user_id=cast(int, request.user.pk), table=table).delete()
        messages.success(request, "The list shows its default columns again.")
    else:
        TablePreference.objects.update_or_create(
            user_id=cast(int, request.user.pk), table=table,
            defaults={"columns": form.cleaned_data["columns"]})
        messages.success(request, "Your choice of columns was saved.")
    return redirect(_back(request, form))


def _back(request: HttpRequest, form: ColumnsForm) -> str:
    """The list the form came from, if it is a page of this site; else the home page."""
    target = form.cleaned_data.get("next") or "" if hasattr(form, "cleaned_data") else ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return "/"
