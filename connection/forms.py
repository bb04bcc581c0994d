"""Forms of the connection pages."""

from django import forms

from connection.models import ConnectionSetup


class SwitchConnectionForm(forms.Form):
    connection = forms.ModelChoiceField(queryset=ConnectionSetup.objects.all())
    next = forms.CharField(required=False)
