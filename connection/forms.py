"""Forms of the connection pages: the setup card, new connection, actions' confirmations."""

from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from connection import validation
from connection.inputs import IdChoiceField
from connection.models import (
    AuthenticationType,
    BusinessCentralDeployment,
    ConnectionSetup,
    SalesIdentity,
)
from connection.sales_url import NormalisedUrl, normalise_sales_url

KEEP = "Stored. Leave blank to keep it."
SECRET_CAPTIONS = {
    "client_secret": "Client secret",
    "certificate": "Certificate private key (PEM)",
    "user_password": "Password",
    "bc_client_secret": "Business Central client secret",
    "bc_access_key": "Web service access key",
    "odata_access_key": "Dynamics 365 Business Central OData Web Service Accesskey",
}
FASTTABS = [
    ("General", [
        "name", "server_address", "custom_endpoint", "authentication_type", "authority_host",
        "tenant_id", "client_id", "client_secret", "certificate", "certificate_thumbprint",
        "ca_bundle", "user_name", "user_password", "is_enabled", "proxy_version",
        "ownership_model",
    ]),
    ("Business Central", [
        "bc_deployment", "bc_service_root", "bc_tenant_id", "bc_environment", "bc_company_id",
        "bc_company_name", "bc_same_credentials", "bc_authority_host", "bc_client_id",
        "bc_client_secret", "bc_user_name", "bc_access_key", "web_client_url",
    ]),
    ("Sales Order Integration", [
        "sales_order_integration_enabled", "auto_create_sales_orders", "auto_process_sales_quotes",
    ]),
    ("Item Availability", [
        "item_availability_enabled", "odata_url", "odata_username", "odata_access_key",
    ]),
    ("Advanced", ["user_mapping_required", "sales_batch_size", "sales_concurrency",
                  "bc_batch_size", "bc_concurrency"]),
    ("Authentication Type Details", ["onprem_authentication", "domain", "connection_string"]),
]


# Which authentication types use a General field; fields not listed serve every type. The card
# shows only the chosen type's fields (and its Authentication Type Details FastTab).
AUTH_FIELDS = {
    "client_secret": (AuthenticationType.CLIENT_SECRET,),
    "certificate": (AuthenticationType.CERTIFICATE,),
    "certificate_thumbprint": (AuthenticationType.CERTIFICATE,),
    "user_name": (AuthenticationType.OFFICE365, AuthenticationType.ON_PREMISES),
    "user_password": (AuthenticationType.OFFICE365, AuthenticationType.ON_PREMISES),
    "onprem_authentication": (AuthenticationType.ON_PREMISES,),
    "domain": (AuthenticationType.ON_PREMISES,),
    "connection_string": (AuthenticationType.ON_PREMISES,),
}
AUTH_TABS = {"Authentication Type Details": (AuthenticationType.ON_PREMISES,)}


def https_urls(field: models.Field, **kwargs) -> forms.Field | None:
    """Form fields of URL settings assume https:// when a person leaves the scheme out."""
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


def bound_flag(form: forms.BaseForm, name: str) -> bool:
    """A checkbox's submitted value, readable before that field itself is cleaned."""
    widget = form.fields[name].widget
    return bool(widget.value_from_datadict(form.data, form.files, form.add_prefix(name)))

if TYPE_CHECKING:
    _SecretFormBase = forms.ModelForm[ConnectionSetup]
else:
    _SecretFormBase = object


class WriteOnlyTextarea(forms.Textarea):
    """A textarea for a private key: what was typed is never rendered back, not even when the
    form comes back with an error (PasswordInput's ``render_value=False`` for many lines)."""

    def format_value(self, value: Any) -> None:
        return None


class SecretFieldsMixin(_SecretFormBase):
    """Write-only secret inputs: never rendered back, blank keeps the stored value."""

    secret_fields: tuple[str, ...] = ()

    def add_secret_fields(self) -> None:
        for name in self.secret_fields:
            stored = self.instance.pk and self.instance.has_secret(name)
            multiline = name == "certificate"
            widget = WriteOnlyTextarea(attrs={"rows": 3, "autocomplete": "off"}) if multiline else (
                forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}))
            self.fields[name] = forms.CharField(
                label=SECRET_CAPTIONS[name], required=False, strip=True, widget=widget,
                help_text=KEEP if stored else "",
            )

    def save_secrets(self, instance: ConnectionSetup) -> None:
        for name in self.secret_fields:
            value = self.cleaned_data.get(name)
            if value:
                setattr(instance, name, value)

    def save(self, commit: bool = True) -> ConnectionSetup:
        """Save the model form's fields, and the secrets that were typed in."""
        instance = super().save(commit=False)
        self.save_secrets(instance)
        if commit:
            instance.save()
        return instance

    def secret_or_stored(self, name: str) -> bool:
        return bool(self.cleaned_data.get(name)) or bool(
            self.instance.pk and self.instance.has_secret(name)
        )


class ConnectionSetupForm(SecretFieldsMixin, forms.ModelForm):
    """Every setting of the Microsoft Dynamics 365 Sales Connection Setup card."""

    secret_fields = tuple(SECRET_CAPTIONS)

    class Meta:
        model = ConnectionSetup
        fields = [name for _tab, names in FASTTABS for name in names
                  if name not in SECRET_CAPTIONS]
        widgets = {"connection_string": forms.Textarea(attrs={"rows": 2})}
        formfield_callback = https_urls

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.add_secret_fields()
        self.fields["authentication_type"].label = "Authentication type"
        # Switching sales order integration needs a Sales administrator account and adds a
        # mapping: it has its own action, so the box only shows the state here.
        self.fields["user_mapping_required"].help_text = (
            "While on, portal users whose e-mail is not the Primary Email of a Sales user (as "
            "Test Connection found) have no synchronization or coupling actions; the pages say "
            "so. While off, everyone works on behalf of the integration user.")
        switch = self.fields["sales_order_integration_enabled"]
        switch.disabled = True
        switch.help_text = ("Use Enable (or Disable) Sales Order Integration in the action bar: "
                            "it asks for a Sales administrator account once.")
        self.url_change: NormalisedUrl | None = None

    def fasttabs(self) -> list[tuple[str, list]]:
        """The bound fields grouped like Business Central's FastTabs."""
        return [(title, [self[name] for name in names]) for title, names in FASTTABS]

    @property
    def chosen_authentication(self) -> str:
        """The authentication type the card is showing: the submitted one, else the stored."""
        if self.is_bound and self.data.get("authentication_type") in AuthenticationType.values:
            return self.data["authentication_type"]
        return self.instance.authentication_type

    def card_tabs(self) -> list[dict]:
        """FastTabs for the card: each field says which authentication types use it and whether
        it is hidden for the chosen one (a field with an error is always shown)."""
        chosen = self.chosen_authentication
        tabs = []
        for title, names in FASTTABS:
            fields: list[dict[str, Any]] = []
            for name in names:
                types = AUTH_FIELDS.get(name, ())
                bound = self[name]
                fields.append({"field": bound, "auth": " ".join(types),
                               "hidden": bool(types) and chosen not in types
                               and not bound.errors})
            types = AUTH_TABS.get(title, ())
            hidden = bool(types) and chosen not in types and not any(
                f["field"].errors for f in fields)
            tabs.append({"title": title, "fields": fields, "auth": " ".join(types),
                         "hidden": hidden})
        return tabs

    def clean_server_address(self) -> str:
        raw = self.cleaned_data.get("server_address", "")
        if not raw.strip():
            return ""
        result = normalise_sales_url(
            raw, on_premises=self.data.get("authentication_type") == AuthenticationType.ON_PREMISES,
            custom_endpoint=bound_flag(self, "custom_endpoint"),
        )
        self.url_change = result if result.changed else None
        return result.url

    def clean_authority_host(self) -> str:
        return validation.check_authority(
            self.cleaned_data["authority_host"],
            custom_endpoint=bound_flag(self, "custom_endpoint"),
        )

    def clean_bc_authority_host(self) -> str:
        value = self.cleaned_data.get("bc_authority_host", "")
        if not value:
            return value
        return validation.check_authority(
            value, custom_endpoint=bound_flag(self, "custom_endpoint")
        )

    def clean_connection_string(self) -> str:
        return validation.check_connection_string(self.cleaned_data.get("connection_string", ""))

    def clean_ca_bundle(self) -> str:
        return validation.check_ca_bundle(self.cleaned_data.get("ca_bundle", ""))

    def clean_bc_company_id(self) -> str:
        return validation.check_guid(self.cleaned_data.get("bc_company_id", ""), "Company ID")

    def clean_certificate_thumbprint(self) -> str:
        return validation.check_thumbprint(self.cleaned_data.get("certificate_thumbprint", ""))

    def clean_certificate(self) -> str:
        return validation.check_private_key(self.cleaned_data.get("certificate", ""))

    def clean(self) -> dict:
        data = super().clean()
        assert data is not None  # Form.clean() returns cleaned_data
        self._clean_user_name(data)
        self._clean_dependent_switches(data)
        if data.get("item_availability_enabled") and not data.get("odata_url"):
            data["odata_url"] = self.instance.default_odata_url
        return data

    def _clean_user_name(self, data: dict) -> None:
        try:
            data["user_name"] = validation.check_user_name(
                data.get("user_name", ""), data.get("authentication_type", ""),
                data.get("onprem_authentication", ""),
            )
        except ValidationError as error:
            self.add_error("user_name", error)
            return
        if data.get("authentication_type") == AuthenticationType.ON_PREMISES:
            data["domain"] = validation.domain_of(data["user_name"]) or data.get("domain", "")

    def _clean_dependent_switches(self, data: dict) -> None:
        if data.get("auto_create_sales_orders") and not data.get("sales_order_integration_enabled"):
            self.add_error(
                "auto_create_sales_orders",
                "Turn on Sales Order Integration is Enabled first: orders can only be created "
                "automatically when sales order integration is enabled.",
            )
        on_premises_bc = data.get("bc_deployment") == BusinessCentralDeployment.ON_PREMISES
        keyed = self.secret_or_stored("bc_access_key")
        if on_premises_bc and keyed and not data.get("bc_user_name"):
            self.add_error("bc_user_name", "Enter the user the web service access key belongs to.")


class NewConnectionForm(forms.ModelForm):
    """Name a new connection; the rest is filled in on the card or by the wizard."""

    class Meta:
        model = ConnectionSetup
        fields = ["name"]


class AdministratorCredentialsForm(forms.Form):
    """A Sales administrator account, used once for this action and never stored."""

    admin_user = forms.EmailField(label="Administrator email")
    admin_password = forms.CharField(
        label="Administrator password", strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )


class SalesOrderIntegrationForm(AdministratorCredentialsForm):
    """Switch sales order integration on or off with a Sales administrator account (seed 001:
    enabling it "requires that you provide credentials for an administrator user account")."""

    enable = forms.TypedChoiceField(
        choices=[("on", "Enable"), ("off", "Disable")], coerce=lambda value: value == "on",
        widget=forms.HiddenInput, error_messages={"invalid_choice": "Choose enable or disable."})


class SalesIdentityForm(forms.Form):
    """Add an application user to the connection's identity pool (Additional application
    users), or edit one (``identity``): a name, its client ID, and its client secret or
    certificate, never shown again. On an edit a blank secret keeps the stored one; a new
    client ID, secret or certificate makes the identity "never checked": it takes no writes
    until a check passes."""

    name = forms.CharField(label="Name", max_length=100, help_text="How the throttle gauge and "
                           "Test Connection call it, e.g. bcsales pool 1.")
    client_id = forms.CharField(label="Client ID", max_length=100,
                                help_text="The app registration's Application (client) ID.")
    client_secret = forms.CharField(
        label="Client secret", required=False, max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Or a certificate below. Stored encrypted, never shown again.")
    certificate = forms.CharField(
        label="Certificate private key (PEM)", required=False, max_length=20000,
        widget=WriteOnlyTextarea(attrs={"rows": 3, "autocomplete": "off"}))
    certificate_thumbprint = forms.CharField(label="Certificate thumbprint", required=False,
                                             max_length=100)

    # The card's own form on the same page has fields of the same names.
    prefix = "identity"

    def __init__(self, connection: ConnectionSetup, *args: Any,
                 identity: SalesIdentity | None = None, require_credential: bool = True,
                 **kwargs: Any) -> None:
        if identity is not None and "initial" not in kwargs:
            kwargs["initial"] = {"name": identity.name, "client_id": identity.client_id,
                                 "certificate_thumbprint": identity.certificate_thumbprint}
        super().__init__(*args, **kwargs)
        self.connection, self.identity = connection, identity
        # An imported identity may come without its secret: the card asks for it later.
        self.require_credential = require_credential
        if identity is not None and identity.has_credential:
            stored = "a certificate" if identity.uses_certificate else "a client secret"
            self.fields["client_secret"].help_text = (
                f"{stored[0].upper()}{stored[1:]} is stored (never shown). Leave both blank to "
                "keep it; a new one must pass a check before the identity writes again.")

    def _others(self):
        others = self.connection.sales_identities.all()
        return others.exclude(pk=self.identity.pk) if self.identity is not None else others

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if self._others().filter(name__iexact=name).exists():
            raise ValidationError(f"An additional application user named {name} exists already.")
        return name

    def clean_client_id(self) -> str:
        client_id = validation.check_guid(self.cleaned_data["client_id"], "The Client ID")
        if client_id == self.connection.client_id.strip().lower():
            raise ValidationError("This is the connection's own Client ID (General FastTab): "
                                  "an additional application user is another app registration.")
        if self._others().filter(client_id__iexact=client_id).exists():
            raise ValidationError("This Client ID is an additional application user already.")
        return client_id

    def clean_certificate(self) -> str:
        return validation.check_private_key(self.cleaned_data.get("certificate", ""))

    def clean_certificate_thumbprint(self) -> str:
        return validation.check_thumbprint(self.cleaned_data.get("certificate_thumbprint", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        secret, key = data.get("client_secret"), data.get("certificate")
        if secret and key:
            raise ValidationError("Enter a client secret or a certificate, not both.")
        if key and not data.get("certificate_thumbprint") and \
                "certificate_thumbprint" not in self.errors:
            self.add_error("certificate_thumbprint", "A certificate needs its thumbprint.")
        stored = self.identity is not None and self.identity.has_credential
        if not secret and not key and not stored and self.require_credential and \
                not self.errors:
            raise ValidationError("Enter the app registration's client secret or certificate.")
        return data

    def save(self) -> SalesIdentity:
        """Create or update the identity; a changed credential resets its check."""
        data = self.cleaned_data
        identity = self.identity or SalesIdentity(connection=self.connection)
        changed = identity.pk is None or identity.client_id != data["client_id"]
        identity.name, identity.client_id = data["name"], data["client_id"]
        if data.get("client_secret"):
            identity.client_secret, identity.certificate = data["client_secret"], ""
            identity.certificate_thumbprint, changed = "", True
        elif data.get("certificate"):
            identity.client_secret, identity.certificate = "", data["certificate"]
            identity.certificate_thumbprint, changed = data["certificate_thumbprint"], True
        elif identity.uses_certificate and data.get("certificate_thumbprint") and \
                data["certificate_thumbprint"] != identity.certificate_thumbprint:
            identity.certificate_thumbprint, changed = data["certificate_thumbprint"], True
        if changed and identity.pk is not None:
            identity.credential_changed()
        identity.save()
        return identity


class ConfirmForm(forms.Form):
    """An explicit tick for actions that overwrite or remove something."""

    confirm = forms.BooleanField(label="I understand, go ahead", required=True)


class SwitchConnectionForm(forms.Form):
    connection = IdChoiceField(queryset=ConnectionSetup.objects.all())
    next = forms.CharField(required=False, max_length=2000)
