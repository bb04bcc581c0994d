"""Forms of the assisted setup's steps. Each validates its own fields only; the real checks
against the services run in ``connection.wizard`` once the form is valid."""

from __future__ import annotations

from typing import cast

from django import forms

from connection import validation
from connection.forms import SecretFieldsMixin, bound_flag, https_urls
from connection.models import AuthenticationType, ConnectionSetup, SdkVersion
from connection.sales_url import NormalisedUrl, normalise_sales_url


class SalesUrlStepForm(forms.ModelForm):
    """Step 1: name, Dynamics 365 Sales URL and authentication type."""

    class Meta:
        model = ConnectionSetup
        formfield_callback = https_urls
        fields = ["name", "server_address", "custom_endpoint", "authentication_type"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["server_address"].required = True
        self.fields["server_address"].help_text = (
            "Paste the address of your Sales app from the browser; it is corrected for you.")
        self.fields["authentication_type"].label = "Authentication type"
        self.url_change: NormalisedUrl | None = None

    def clean_server_address(self) -> str:
        result = normalise_sales_url(
            self.cleaned_data.get("server_address", ""),
            on_premises=self.data.get("authentication_type") == AuthenticationType.ON_PREMISES,
            custom_endpoint=bound_flag(self, "custom_endpoint"),
        )
        self.url_change = result if result.changed else None
        return result.url


class CredentialsStepForm(SecretFieldsMixin, forms.ModelForm):
    """Step 2: integration credentials, checked against the service before moving on."""

    secret_fields = ("client_secret", "certificate", "user_password")

    class Meta:
        model = ConnectionSetup
        formfield_callback = https_urls
        fields = ["authority_host", "tenant_id", "client_id", "certificate_thumbprint",
                  "ca_bundle", "user_name", "onprem_authentication", "domain",
                  "connection_string"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.add_secret_fields()
        kind = AuthenticationType(self.instance.authentication_type)
        hidden = {
            AuthenticationType.CLIENT_SECRET: {"certificate", "certificate_thumbprint",
                                               "onprem_authentication", "domain",
                                               "connection_string"},
            AuthenticationType.CERTIFICATE: {"client_secret", "onprem_authentication", "domain",
                                             "connection_string"},
            AuthenticationType.OFFICE365: {"certificate", "certificate_thumbprint",
                                           "onprem_authentication", "domain",
                                           "connection_string"},
            AuthenticationType.ON_PREMISES: {"certificate", "certificate_thumbprint"},
        }[kind]
        for name in hidden:
            del self.fields[name]
        for name in ("tenant_id", "client_id"):
            self.fields[name].required = True
        self.fields["user_name"].required = kind in (AuthenticationType.OFFICE365,
                                                     AuthenticationType.ON_PREMISES)
        self.fields["user_name"].help_text = (
            "The integration user: a Sales account used only by the integration, without the "
            "System Administrator role.")

    def clean_authority_host(self) -> str:
        return validation.check_authority(self.cleaned_data["authority_host"],
                                          custom_endpoint=self.instance.custom_endpoint)

    def clean_ca_bundle(self) -> str:
        return validation.check_ca_bundle(self.cleaned_data.get("ca_bundle", ""))

    def clean_user_name(self) -> str:
        return validation.check_user_name(
            self.cleaned_data.get("user_name", ""), self.instance.authentication_type,
            self.data.get("onprem_authentication", self.instance.onprem_authentication))

    def clean_certificate_thumbprint(self) -> str:
        return validation.check_thumbprint(self.cleaned_data.get("certificate_thumbprint", ""))

    def clean_certificate(self) -> str:
        return validation.check_private_key(self.cleaned_data.get("certificate", ""))

    def clean_connection_string(self) -> str:
        return validation.check_connection_string(self.cleaned_data.get("connection_string", ""))

    def clean(self) -> dict:
        data = super().clean()
        assert data is not None  # Form.clean() returns cleaned_data
        kind = AuthenticationType(self.instance.authentication_type)
        needed = {AuthenticationType.CLIENT_SECRET: ["client_secret"],
                  AuthenticationType.CERTIFICATE: ["certificate"],
                  AuthenticationType.OFFICE365: ["user_password"],
                  AuthenticationType.ON_PREMISES: ["user_password"]}[kind]
        for name in needed:
            if name in self.fields and not self.secret_or_stored(name):
                self.add_error(name, "This field is required.")
        return data


class BusinessCentralStepForm(SecretFieldsMixin, forms.ModelForm):
    """Step 3: Business Central endpoint and credentials, then the company from the API."""

    secret_fields = ("bc_client_secret", "bc_access_key")
    company = forms.ChoiceField(label="Company", required=False, choices=[])

    class Meta:
        model = ConnectionSetup
        formfield_callback = https_urls
        fields = ["bc_deployment", "bc_service_root", "bc_tenant_id", "bc_environment",
                  "bc_same_credentials", "bc_authority_host", "bc_client_id", "bc_user_name"]

    def __init__(self, *args, companies: list[tuple[str, str]] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.add_secret_fields()
        cast(forms.ChoiceField, self.fields["company"]).choices = [
            ("", "(choose after the companies are read)")] + [
            (company_id, name) for company_id, name in companies or []]
        self.fields["company"].initial = self.instance.bc_company_id

    def clean_bc_authority_host(self) -> str:
        value = self.cleaned_data.get("bc_authority_host", "")
        return validation.check_authority(
            value, custom_endpoint=self.instance.custom_endpoint) if value else value

    def clean_company(self) -> str:
        # The choices were read from the API; a company id posted from elsewhere is re-checked
        # against a fresh list in connection.wizard before it is stored.
        return self.data.get(self.add_prefix("company"), "").strip()


class AdvancedStepForm(SecretFieldsMixin, forms.ModelForm):
    """Step 4: solution import, item availability, sales order integration, enabling, SDK."""

    secret_fields = ("odata_access_key",)
    import_solution = forms.BooleanField(label="Import Dynamics 365 Sales Solution",
                                         required=False, initial=True)
    admin_user = forms.CharField(
        label="Administrator email", required=False,
        help_text="A Sales account with the System Administrator and Solution Customizer roles. "
        "Used once for this step and not stored.")
    admin_password = forms.CharField(
        label="Administrator password", required=False, strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}))
    enable_connection = forms.BooleanField(label="Enable Dynamics 365 Sales Connection",
                                           required=False, initial=True)
    sandbox_admin = forms.BooleanField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = ConnectionSetup
        formfield_callback = https_urls
        fields = ["item_availability_enabled", "odata_url", "odata_username",
                  "sales_order_integration_enabled", "proxy_version"]
        labels = {"item_availability_enabled": "Publish Item Availability Web Service",
                  "sales_order_integration_enabled": "Enable Sales Order Integration"}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.add_secret_fields()
        cast(forms.ChoiceField, self.fields["proxy_version"]).choices = SdkVersion.choices
        if not self.instance.odata_url:
            self.fields["odata_url"].initial = self.instance.default_odata_url

    @property
    def needs_administrator(self) -> bool:
        data = self.cleaned_data
        return bool(data.get("import_solution") or data.get("sales_order_integration_enabled"))

    def clean(self) -> dict:
        data = super().clean()
        assert data is not None  # Form.clean() returns cleaned_data
        if self.needs_administrator and not data.get("sandbox_admin"):
            for name in ("admin_user", "admin_password"):
                if not data.get(name):
                    self.add_error(name, "Importing the solution and enabling sales order "
                                   "integration need a Sales administrator account.")
        if data.get("item_availability_enabled"):
            data["odata_url"] = data.get("odata_url") or self.instance.default_odata_url
            if not data.get("odata_username"):
                self.add_error("odata_username", "Enter the Business Central user whose web "
                               "service access key Sales uses for item availability.")
        return data


class SynchronizationStepForm(forms.Form):
    """Step 5: the default synchronization setup and which data to synchronize."""

    use_default_setup = forms.BooleanField(label="Use the default synchronization setup",
                                           required=False, initial=True)
    mappings = forms.MultipleChoiceField(label="Synchronize", required=False,
                                         widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, names: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["mappings"]).choices = [(name, name) for name in names]
        self.fields["mappings"].initial = names

    def clean(self) -> dict:
        data = super().clean()
        assert data is not None  # Form.clean() returns cleaned_data
        if data.get("use_default_setup") and not data.get("mappings"):
            self.add_error("mappings", "Choose at least one table to synchronize.")
        return data


class FinishStepForm(forms.Form):
    """Step 7: finish, optionally starting the full synchronization."""

    run_full_sync = forms.BooleanField(required=False, widget=forms.HiddenInput)
