"""A mapping's filters edited as rows: a field picked from the table's list, a BC expression.

The rows are another way of writing the same text the card stores (``Field: expression`` per
line), so the default mappings, the text form for experts and the translation to OData are
unchanged. On a POST the rows win when they changed and the text did not; when someone edited
the text, the text wins. Texts the rows cannot show (BC's stored view form, an unknown field, a
syntax error) stay text only, with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from django import forms
from django.http import QueryDict

from mappings.filters import (
    Catalogue,
    FieldFilter,
    FieldSpec,
    FilterError,
    TableFilter,
    format_expression,
    format_friendly,
    parse_expression,
    parse_table_filter,
)

MAX_ROWS = 20
MAX_EXPRESSION = 250


class FilterRowForm(forms.Form):
    """One row: the field and its BC filter expression (``>0``, ``10000..20000|3*``)."""

    field = forms.ChoiceField(label="Field", required=False)
    expression = forms.CharField(label="Filter", required=False, max_length=MAX_EXPRESSION,
                                 strip=True)

    def __init__(self, *args, choices: Sequence[tuple[str, str]] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["field"]).choices = [("", "—"), *choices]
        self.fields["expression"].widget.attrs.update(
            {"class": "mono", "spellcheck": "false", "autocomplete": "off",
             "placeholder": ">0 · 10000..20000 · @*ski*"})

    def clean(self) -> dict:
        data = super().clean() or {}
        field, expression = data.get("field"), data.get("expression")
        if expression and not field:
            self.add_error("field", "Choose the field this filter is for.")
        elif field and not expression and "expression" not in self.errors:
            self.add_error("expression", "Write a filter, e.g. >0, 10000..20000 or ''.")
        elif expression:
            try:
                parse_expression(expression, allow_comment=True)
            except FilterError as error:
                self.add_error("expression", error.describe())
        return data


class _Rows(forms.BaseFormSet):
    def clean(self) -> None:
        super().clean()
        seen: set[str] = set()
        for form in self.forms:
            field = form.cleaned_data.get("field") if hasattr(form, "cleaned_data") else None
            if field and field in seen:
                raise forms.ValidationError(
                    f"{field} is in two rows; combine the filters in one row with | or &.")
            if field:
                seen.add(field)


RowFormSet = forms.formset_factory(FilterRowForm, formset=_Rows, extra=2, max_num=MAX_ROWS,
                                   absolute_max=MAX_ROWS, validate_max=True)


@dataclass
class FilterRows:
    """The rows of one filter on the card, or why that filter can only be edited as text."""

    prefix: str
    text_field: str
    formset: forms.BaseFormSet | None
    reason: str = ""

    @property
    def shown_field(self) -> str:
        """Name of the hidden input holding the text as shown, to tell whether it was edited."""
        return f"{self.text_field}_shown"

    @property
    def posted(self) -> bool:
        """Whether the rows came with the POST (a client without them posts only the text)."""
        return (self.formset is not None and self.formset.is_bound
                and f"{self.prefix}-TOTAL_FORMS" in self.formset.data)

    def is_valid(self) -> bool:
        return not self.posted or self.formset.is_valid()  # type: ignore[union-attr]

    def errors(self) -> list[str]:
        """The rows' problems as sentences (for the preview fragment)."""
        if self.is_valid():
            return []
        formset = self.formset
        found = [str(error) for error in formset.non_form_errors()]  # type: ignore[union-attr]
        for index, form in enumerate(formset.forms, 1):  # type: ignore[union-attr]
            found += [f"Row {index}: {error}" for errors in form.errors.values()
                      for error in errors]
        return found

    def merge_into(self, data: QueryDict) -> QueryDict:
        """``data`` with the text replaced by the rows, when the rows changed and the text
        was left as shown; otherwise ``data`` unchanged."""
        if not self.posted:
            return data
        edited = data.get(self.text_field, "").strip() != data.get(self.shown_field, "").strip()
        formset = self.formset
        assert formset is not None  # posted: the rows were bound
        if edited or not formset.is_valid() or not formset.has_changed():
            return data
        merged = data.copy()
        merged[self.text_field] = rows_text(formset)
        return merged


def rows_text(formset: forms.BaseFormSet) -> str:
    """The filter text the filled rows stand for, one ``Field: expression`` per line."""
    items = []
    for form in formset.forms:
        data = form.cleaned_data
        if data.get("field") and data.get("expression"):
            expr = parse_expression(data["expression"], allow_comment=True)
            items.append(FieldFilter(data["field"], expr))
    return format_friendly(TableFilter(tuple(items)))


def build(prefix: str, text_field: str, text: str, catalogue: Catalogue | None,
          choices: Sequence[tuple[str, str]], value_of: Callable[[FieldSpec], str],
          data: Mapping | None = None) -> FilterRows:
    """The rows for ``text`` (the stored filter), bound to ``data`` on a POST; ``value_of``
    gives the name a row writes for a field."""
    if catalogue is None or not choices:
        return FilterRows(prefix, text_field, None, "The list of fields could not be read; "
                                                    "edit the filter as text.")
    try:
        initial = initial_rows(text, catalogue, dict(choices), value_of)
    except (FilterError, LookupError) as error:
        reason = error.describe() if isinstance(error, FilterError) else str(error)
        return FilterRows(prefix, text_field, None, f"Edit it as text: {reason}.")
    formset = RowFormSet(data, initial=initial, prefix=prefix,
                         form_kwargs={"choices": choices})
    return FilterRows(prefix, text_field, formset)


def initial_rows(text: str, catalogue: Catalogue, choices: Mapping[str, str],
                 value_of: Callable[[FieldSpec], str]) -> list[dict]:
    """One row per field of the stored text; LookupError names what rows cannot show."""
    if text.lstrip().upper().startswith(("VERSION", "SORTING", "WHERE", "ORDER")):
        raise LookupError("it is written in BC's stored view form")
    parsed = parse_table_filter(text, catalogue)
    rows = []
    for item in parsed.fields:
        spec = catalogue.get(item.field)
        value = value_of(spec) if spec else None
        if value not in choices:
            raise LookupError(f"'{item.field}' is not in the list of fields")
        rows.append({"field": value, "expression": format_expression(item.expr)})
    return rows


def bc_value(spec: FieldSpec) -> str:
    """A BC field as rows write it: its caption."""
    return spec.caption or spec.name


def bc_choices(catalogue: Catalogue) -> list[tuple[str, str]]:
    """Every filterable BC field by caption, in the table's order."""
    return [(bc_value(spec), bc_value(spec)) for spec in catalogue if spec.filterable]


def sales_choices(catalogue: Catalogue, display_names: Mapping[str, str]) -> list[tuple[str, str]]:
    """Every filterable Sales column by logical name, shown with its display name."""
    pairs = []
    for spec in catalogue:
        if not spec.filterable:
            continue
        value = sales_value(spec)
        label = display_names.get(value) or spec.caption
        pairs.append((value, f"{label} ({value})" if label and label != value else value))
    return sorted(pairs, key=lambda pair: pair[1].casefold())


def sales_value(spec: FieldSpec) -> str:
    """A Sales column as rows write it: its logical name (a lookup as people write it,
    ``parentcustomerid`` rather than ``_parentcustomerid_value``)."""
    if spec.name.startswith("_") and spec.name.endswith("_value"):
        return spec.name[1:-len("_value")]
    return spec.name


def for_card(mapping, sales_catalogue: Catalogue | None, display_names: Mapping[str, str],
             data: Mapping | None = None) -> tuple[FilterRows, FilterRows]:
    """The rows of the card's Table Filter (BC) and Integration Table Filter (Sales)."""
    from mappings.models import FilterSyntax

    bc_catalogue = mapping.bc_catalogue()
    bc = build("bcrow", "table_filter", mapping.table_filter, bc_catalogue,
               bc_choices(bc_catalogue), bc_value, data)
    if mapping.integration_table_filter_syntax != FilterSyntax.BC:
        return bc, FilterRows("salesrow", "integration_table_filter", None,
                              "An OData $filter is edited as text.")
    choices = sales_choices(sales_catalogue, display_names) if sales_catalogue else []
    sales = build("salesrow", "integration_table_filter", mapping.integration_table_filter,
                  sales_catalogue, choices, sales_value, data)
    return bc, sales


def merge(rows: Sequence[FilterRows], data: QueryDict) -> QueryDict:
    """The POST with each filter's text replaced by its rows where the rows were edited (the
    Sales rows only while the filter is written BC's way)."""
    for item in rows:
        if item.prefix == "salesrow" and data.get("integration_table_filter_syntax") != "bc":
            continue
        data = item.merge_into(data)
    return data
