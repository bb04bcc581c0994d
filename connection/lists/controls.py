"""A table's query string (sort, page, per_page, export) read through a Form, the user's
chosen columns applied, and the CSV export.

Nothing from the query string reaches the table unvalidated: a value that does not make sense
is reported in a sentence and the default is used, never a 500.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import cast

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, StreamingHttpResponse
from django.utils.text import slugify

from connection.lists.models import TablePreference
from connection.lists.tables import BaseTable

PER_PAGE_CHOICES = [25, 50, 100, 250]


class TableQueryForm(forms.Form):
    """The table part of a list page's query string."""

    sort = forms.ChoiceField(required=False)
    page = forms.IntegerField(min_value=1, max_value=10**9, required=False)
    per_page = forms.TypedChoiceField(coerce=int, required=False,
                                      choices=[(n, str(n)) for n in PER_PAGE_CHOICES])
    export = forms.ChoiceField(required=False, choices=[("csv", "CSV")])

    def __init__(self, data, table: BaseTable) -> None:
        super().__init__(data)
        names = [c.name for c in table.columns if c.orderable]
        sort = cast(forms.ChoiceField, self.fields["sort"])
        sort.choices = [(f"{sign}{n}", n) for n in names for sign in ("", "-")]

    def problems(self) -> list[str]:
        """One sentence per value that was not understood (and therefore ignored)."""
        if self.is_valid():
            return []
        return [f"{name.replace('_', ' ').capitalize()}: {' '.join(map(str, errors))} "
                "The default is used." for name, errors in self.errors.items()]

    def value(self, name: str):
        return self.cleaned_data.get(name) if name not in self.errors else None


def chosen_columns(request: HttpRequest, table: BaseTable) -> list[str]:
    """The columns the user chose for this table, or the table's defaults."""
    if request.user.is_authenticated:
        preference = TablePreference.objects.filter(
            user=request.user, table=table.name).values_list("columns", flat=True).first()
        if preference is not None:
            return list(preference)
    return list(table.default_columns)


def configure(request: HttpRequest, table: BaseTable, per_page: int = 50) -> list[str]:
    """Apply the user's columns, the sort and the page to ``table``; return what was ignored.

    A page past the end shows the last page, as the lists did before tables.
    """
    form = TableQueryForm(request.GET, table)
    problems = form.problems()
    table.show_only(chosen_columns(request, table))
    if form.value("sort"):
        table.order_by = form.value("sort")
    size = form.value("per_page") or per_page
    number = form.value("page") or 1
    # One paginator, so the rows are counted once (tables2's paginate() would count again).
    table.paginator = Paginator(table.rows, size)
    if number > table.paginator.num_pages:
        problems.append(f"There are only {table.paginator.num_pages} pages; the last is shown.")
        number = table.paginator.num_pages
    table.page = table.paginator.page(number)
    # The page's rows are read once, here: the template and the view's context share them.
    table.page.object_list = list(table.page.object_list)
    table.export_requested = form.value("export") == "csv"
    table.per_page_choices = PER_PAGE_CHOICES
    return problems


def records(table: BaseTable) -> list:
    """The model rows of the table's current page (for views and tests that want the rows)."""
    return [row.record for row in table.page.object_list]


def csv_response(table: BaseTable) -> StreamingHttpResponse:
    """The whole filtered, sorted list (not one page) with the shown columns, as CSV."""
    hidden = [c.name for c in table.columns.iterall() if not c.visible]
    rows = table.as_values(exclude_columns=[*hidden, *table.not_exported])
    response = StreamingHttpResponse(_lines(rows), content_type="text/csv; charset=utf-8")
    filename = slugify(table.caption or table.name) or "list"
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def _lines(rows) -> Iterator[str]:
    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())
    yield "\ufeff"  # Excel reads UTF-8 only with a byte order mark
    for row in rows:
        yield writer.writerow(["" if value is None else value for value in row])
