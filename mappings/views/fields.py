"""Field mappings of a table mapping, and the option mappings of the option mappings."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from connection.access import administrator_required, is_administrator
from mappings import remote
from mappings.forms import AddFieldMappingForm, FieldMappingFormSet, OptionMappingForm
from mappings.models import IntegrationTableMapping, OptionMapping


def field_mappings(request: HttpRequest, pk: int) -> HttpResponse:
    """The Integration Field Mappings table; administrators edit every row at once."""
    mapping = get_object_or_404(IntegrationTableMapping.objects.select_related("connection"),
                                pk=pk)
    if request.method == "POST" and not is_administrator(request.user):
        raise PermissionDenied("Only administrators can change field mappings.")
    formset = FieldMappingFormSet(request.POST or None, queryset=mapping.field_mappings.all(),
                                  prefix="fields")
    if request.method == "POST" and formset.is_valid():
        formset.save()
        messages.success(request, f"Field mappings of {mapping.name} were saved.")
        return redirect("mappings:fields", pk=pk)
    if not is_administrator(request.user):
        for form in formset:
            for field in form.fields.values():
                field.disabled = True
    return render(request, "mappings/fields.html", {"mapping": mapping, "formset": formset})


@administrator_required
def add_field_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a field mapping from the two tables' field lists; it starts disabled."""
    mapping = get_object_or_404(IntegrationTableMapping.objects.select_related("connection"),
                                pk=pk)
    attributes, problem = _sales_attributes(mapping)
    form = AddFieldMappingForm(request.POST or None, mapping=mapping, attributes=attributes)
    if request.method == "POST" and form.is_valid():
        added = form.save(mapping)
        messages.success(request, f"{added} was added, disabled: enable it when it is checked.")
        return redirect("mappings:fields", pk=pk)
    return render(request, "mappings/add_field.html",
                  {"mapping": mapping, "form": form, "metadata_problem": problem})


def _sales_attributes(mapping: IntegrationTableMapping) -> tuple[list, str]:
    try:
        return remote.sales_attributes(mapping), ""
    except remote.RemoteUnavailable as exc:
        return [], f"The Sales table's fields cannot be read right now: {exc}"


def option_mappings(request: HttpRequest, pk: int) -> HttpResponse:
    """Codes of an option mapping (payment terms, shipment methods, shipping agents)."""
    mapping = get_object_or_404(IntegrationTableMapping, pk=pk)
    if not mapping.is_option_mapping:
        messages.info(request, f"{mapping.name} is not an option mapping.")
        return redirect("mappings:detail", pk=pk)
    if request.method == "POST" and not is_administrator(request.user):
        raise PermissionDenied("Only administrators can change option mappings.")
    form = OptionMappingForm(request.POST or None, mapping=mapping)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"{form.instance.bc_code} was coupled to option "
                                  f"{form.instance.option_value}.")
        return redirect("mappings:options", pk=pk)
    return render(request, "mappings/options.html", {
        "mapping": mapping, "form": form, "options": mapping.option_mappings.all()})


@require_POST
@administrator_required
def delete_option_mapping(request: HttpRequest, pk: int, option_pk: int) -> HttpResponse:
    option = get_object_or_404(OptionMapping, pk=option_pk, mapping_id=pk)
    option.delete()
    messages.success(request, f"{option.bc_code} is no longer coupled; its option stays blank.")
    return redirect("mappings:options", pk=pk)
