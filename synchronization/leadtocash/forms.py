"""Forms of the lead-to-cash pages."""

from __future__ import annotations

from django import forms

from synchronization.models import SalesReceivablesSetup


class SalesReceivablesSetupForm(forms.ModelForm):
    """Write-in Product Type and Write-in Product No. (Sales & Receivables Setup)."""

    class Meta:
        model = SalesReceivablesSetup
        fields = ["write_in_product_type", "write_in_product_no"]

    def clean_write_in_product_no(self) -> str:
        number = self.cleaned_data["write_in_product_no"].strip().upper()
        if any(ch in number for ch in "'\"*&|<>=@"):
            raise forms.ValidationError("Enter the No. of an item or resource, without "
                                        "filter characters.")
        return number


class SalesDocumentForm(forms.Form):
    """One Sales order chosen on the list (Create in Business Central)."""

    sales_id = forms.UUIDField(error_messages={"invalid": "Choose a Sales order from the list."})


class AvailabilitySearchForm(forms.Form):
    """Item numbers to show on the item availability page."""

    search = forms.CharField(required=False, max_length=20, label="No. starts with")
