"""Where we connect: one ConnectionSetup per Business Central company <-> Sales environment.

Field captions are Business Central's (page 5330 "Microsoft Dynamics 365 Sales Connection Setup"
and the "Set Up Dynamics 365 Sales Connection" guide) so administrators recognise them. Secrets
live encrypted in ``*_encrypted`` columns and are read and written through plain properties
(``client_secret``, ``user_password``, ...): a database dump only ever holds ciphertext.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from connection.crypto import secret_property

MICROSOFT_AUTHORITY = "https://login.microsoftonline.com"
BUSINESS_CENTRAL_ONLINE = "https://api.businesscentral.dynamics.com"


class AuthenticationType(models.TextChoices):
    CLIENT_SECRET = "client_secret", "OAuth 2.0 client secret"
    CERTIFICATE = "certificate", "OAuth 2.0 certificate"
    OFFICE365 = "office365", "Office 365 user name and password"
    ON_PREMISES = "on_premises", "On-premises connection string"


class OnPremisesAuthentication(models.TextChoices):
    """Authentication Type Details of an on-premises connection string (bc-integration 4.2)."""

    AD = "AD", "Active Directory"
    IFD = "IFD", "Internet-facing deployment"
    OAUTH = "OAuth", "OAuth"


class BusinessCentralDeployment(models.TextChoices):
    ONLINE = "online", "Online"
    ON_PREMISES = "on_premises", "On-premises"


class SdkVersion(models.TextChoices):
    V90 = "9.0", "9.0"
    V91 = "9.1", "9.1"
    V92 = "9.2", "9.2"


class OwnershipModel(models.TextChoices):
    PERSON = "person", "Person"
    TEAM = "team", "Team"


class ConnectionStatus(models.TextChoices):
    NOT_TESTED = "not_tested", "Not tested"
    CONNECTED = "connected", "Connected"
    FAILED = "failed", "Test failed"
    DISCONNECTED = "disconnected", "Disconnected"

    @property
    def badge(self) -> str:
        return {"connected": "ok", "failed": "error", "not_tested": "pending"}.get(
            self.value, "off"
        )


def _secret(caption: str) -> models.TextField:
    return models.TextField(f"{caption} (encrypted)", blank=True, default="", editable=False)


class ConnectionSetup(models.Model):
    """One Business Central company connected to one Dynamics 365 Sales environment."""

    name = models.CharField(max_length=100, unique=True)

    # General: the connection from Business Central to Dynamics 365 Sales.
    server_address = models.CharField("Dynamics 365 Sales URL", max_length=250, blank=True)
    custom_endpoint = models.BooleanField(
        "Custom (sandbox or private cloud) endpoint", default=False,
        help_text="Allows a Sales URL and authority outside Microsoft's clouds, such as the "
        "sandbox at https://localhost:<port>. Leave off for Microsoft's online services.",
    )
    authentication_type = models.CharField(
        max_length=20, choices=AuthenticationType.choices, default=AuthenticationType.CLIENT_SECRET
    )
    authority_host = models.URLField("Authority host", default=MICROSOFT_AUTHORITY)
    tenant_id = models.CharField("Tenant", max_length=100, blank=True)
    client_id = models.CharField("Client ID", max_length=100, blank=True)
    client_secret_encrypted = _secret("Client secret")
    certificate_encrypted = _secret("Certificate private key")
    certificate_thumbprint = models.CharField("Certificate thumbprint", max_length=64, blank=True)
    ca_bundle = models.CharField(
        "CA bundle", max_length=500, blank=True,
        help_text="PEM file of the certificate authority of a custom endpoint (the sandbox's "
        "ca.pem). Blank uses the system's trusted authorities.",
    )
    user_name = models.CharField("User Name", max_length=250, blank=True)
    user_password_encrypted = _secret("Password")
    is_enabled = models.BooleanField("Enabled", default=False)
    proxy_version = models.CharField(
        "Dynamics 365 SDK Version", max_length=3, choices=SdkVersion.choices, default=SdkVersion.V92
    )
    ownership_model = models.CharField(
        "Ownership model", max_length=10, choices=OwnershipModel.choices,
        default=OwnershipModel.PERSON,
    )

    # Authentication Type Details (on-premises Sales only).
    onprem_authentication = models.CharField(
        "Authentication Type", max_length=10, choices=OnPremisesAuthentication.choices,
        default=OnPremisesAuthentication.AD,
    )
    domain = models.CharField("Domain", max_length=100, blank=True)
    connection_string = models.TextField("Connection String", blank=True)

    # Business Central.
    bc_deployment = models.CharField(
        "Business Central deployment", max_length=20,
        choices=BusinessCentralDeployment.choices, default=BusinessCentralDeployment.ONLINE,
    )
    bc_service_root = models.URLField(
        "Business Central service URL", max_length=250, default=BUSINESS_CENTRAL_ONLINE,
        help_text="Online: https://api.businesscentral.dynamics.com. On-premises: the server "
        "instance, e.g. https://bc.contoso.local:7048/bc.",
    )
    bc_tenant_id = models.CharField(
        "Business Central tenant", max_length=100, blank=True,
        help_text="Blank uses the Sales tenant.",
    )
    bc_environment = models.CharField("Environment", max_length=100, default="production")
    bc_company_id = models.CharField("Company ID", max_length=36, blank=True)
    bc_company_name = models.CharField("Company", max_length=100, blank=True)
    bc_same_credentials = models.BooleanField(
        "Use the Sales app registration", default=True,
        help_text="Business Central is called with the same tenant, client ID and secret.",
    )
    bc_authority_host = models.URLField("Business Central authority host", blank=True)
    bc_client_id = models.CharField("Business Central client ID", max_length=100, blank=True)
    bc_client_secret_encrypted = _secret("Business Central client secret")
    bc_user_name = models.CharField("Business Central user name", max_length=250, blank=True)
    bc_access_key_encrypted = _secret("Web service access key")
    web_client_url = models.URLField(
        "Dynamics 365 Business Central Web Client URL", max_length=250, blank=True
    )

    # Item Availability.
    item_availability_enabled = models.BooleanField(
        "Item Availability Web Service Enabled", default=False
    )
    odata_url = models.URLField(
        "Dynamics 365 Business Central OData Web Service URL", max_length=250, blank=True
    )
    odata_username = models.CharField(
        "Dynamics 365 Business Central OData Web Service Username", max_length=250, blank=True
    )
    odata_access_key_encrypted = _secret("OData Web Service Accesskey")

    # Sales Order Integration.
    sales_order_integration_enabled = models.BooleanField(
        "Sales Order Integration is Enabled", default=False
    )
    auto_create_sales_orders = models.BooleanField(
        "Automatically Create Sales Orders", default=False
    )
    auto_process_sales_quotes = models.BooleanField(
        "Automatically Process Sales Quotes", default=False
    )

    # Advanced.
    user_mapping_required = models.BooleanField(
        "Business Central Users Must Map to Dynamics 365 Sales Users", default=False
    )
    # How hard synchronization pushes each service, within its limits: Dataverse takes up to
    # 1,000 operations per $batch and 52 concurrent requests per user; Business Central 100 per
    # $batch and 5 concurrent requests (protocols.md 3.9-3.10, 4.6-4.7).
    sales_batch_size = models.PositiveIntegerField(
        "Dataverse batch size", default=500,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text="Operations per Dataverse $batch request (1-1,000).")
    # Left at its default, the number of batches in flight follows the service's x-ms-dop-hint
    # (synchronization.sides.SalesSide.lanes); another value is kept, to leave room for other
    # integrations signed in as the same user.
    sales_concurrency = models.PositiveIntegerField(
        "Dataverse parallel batches", default=4,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text="Batches sent at once (1-50). Left at 4, the portal follows the number "
                  "Dataverse recommends (x-ms-dop-hint); another value is kept as it is.")
    bc_batch_size = models.PositiveIntegerField(
        "Business Central batch size", default=100,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Operations per Business Central $batch request (1-100).")
    bc_concurrency = models.PositiveIntegerField(
        "Business Central parallel batches", default=4,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="Batches sent at once (1-5; Business Central allows 5 requests at once).")

    # Facts read from Sales and the state of this connection.
    status = models.CharField(
        max_length=20, choices=ConnectionStatus.choices, default=ConnectionStatus.NOT_TESTED
    )
    last_test_at = models.DateTimeField("Last test", null=True, blank=True)
    last_test = models.JSONField("Last test result", default=dict, blank=True)
    solution_installed = models.BooleanField(
        "Dynamics 365 Business Central Integration Solution Imported", default=False
    )
    sales_version = models.CharField("Version", max_length=30, blank=True)
    base_currency_code = models.CharField("Sales base currency", max_length=5, blank=True)
    mapped_user_emails = models.JSONField(default=list, blank=True)
    # Sales user ids of removed additional application users: what they wrote stays the
    # integration's own, not a person's change to bring back to Business Central.
    former_identity_user_ids = models.JSONField(default=list, blank=True)
    disable_reason = models.CharField("Disable Reason", max_length=250, blank=True)
    wizard_step = models.PositiveSmallIntegerField(default=1)
    wizard_data = models.JSONField(default=dict, blank=True)
    wizard_completed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    client_secret = secret_property("client_secret_encrypted", "Client secret")
    certificate = secret_property("certificate_encrypted", "Certificate private key (PEM)")
    user_password = secret_property("user_password_encrypted", "Password")
    bc_client_secret = secret_property("bc_client_secret_encrypted", "BC client secret")
    bc_access_key = secret_property("bc_access_key_encrypted", "Web service access key")
    odata_access_key = secret_property("odata_access_key_encrypted", "OData Accesskey")

    SECRET_FIELDS = (
        "client_secret", "certificate", "user_password", "bc_client_secret", "bc_access_key",
        "odata_access_key",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def status_badge(self) -> str:
        return ConnectionStatus(self.status).badge

    @property
    def bc_tenant(self) -> str:
        return self.bc_tenant_id or self.tenant_id

    @property
    def bc_api_url(self) -> str:
        """Business Central API v2.0 base URL (protocols.md 4.1)."""
        root = self.bc_service_root.rstrip("/")
        if self.bc_deployment == BusinessCentralDeployment.ON_PREMISES:
            return f"{root}/api/v2.0"
        return f"{root}/v2.0/{self.bc_tenant}/{self.bc_environment}/api/v2.0"

    @property
    def default_odata_url(self) -> str:
        """The OData V4 URL proposed for the item availability web service."""
        return self.bc_api_url.removesuffix("/api/v2.0") + "/ODataV4"

    @property
    def default_web_client_url(self) -> str:
        """What **Reset Web Client URL** writes: the BC web client of this tenant/environment."""
        if self.bc_deployment == BusinessCentralDeployment.ON_PREMISES:
            return self.bc_service_root.rstrip("/")
        if self.bc_service_root.rstrip("/") == BUSINESS_CENTRAL_ONLINE:
            return f"https://businesscentral.dynamics.com/{self.bc_tenant}/{self.bc_environment}"
        return f"{self.bc_service_root.rstrip('/')}/{self.bc_tenant}/{self.bc_environment}"

    def has_secret(self, name: str) -> bool:
        """True when secret ``name`` is stored (without decrypting it)."""
        return bool(getattr(self, f"{name}_encrypted"))

    def is_user_mapped(self, user) -> bool:
        """Current Business Central User is Mapped to a Dynamics 365 Sales User (by e-mail)."""
        email = (getattr(user, "email", "") or "").lower()
        return bool(email) and email in self.mapped_user_emails


class SettingChange(models.Model):
    """Audit trail: who changed which setting of a connection, when (secrets shown as changed)."""

    connection = models.ForeignKey(
        ConnectionSetup, on_delete=models.CASCADE, related_name="changes"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    field = models.CharField(max_length=60)
    caption = models.CharField(max_length=120)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    changed_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.caption} changed on {self.changed_at:%Y-%m-%d %H:%M}"


class SalesMetadata(models.Model):
    """What the portal read once from a connection's Sales environment and reuses in every job
    and process: the integration user (``whoami``), the organization's base currency
    (``base_currency``) and table metadata (``table:<logical name>``).

    Test Connection and Redeploy Integration Solution read it again (connection.sales_metadata);
    in the database, the web and worker processes share it and it outlives restarts.
    """

    connection = models.ForeignKey(
        ConnectionSetup, on_delete=models.CASCADE, related_name="sales_metadata"
    )
    key = models.CharField(max_length=200)
    value = models.JSONField(default=dict)
    read_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "key"], name="unique_sales_metadata")
        ]

    def __str__(self) -> str:
        return f"{self.key} of {self.connection_id}"


class IdentityCheck(models.TextChoices):
    """Where an identity of the pool stands: only a passed check lets it write."""

    NEVER = "never", "Never checked"
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"

    @property
    def badge(self) -> str:
        return {"passed": "ok", "failed": "error"}.get(self.value, "pending")


class SalesIdentity(models.Model):
    """A further application user a connection writes to Sales with (the identity pool).

    Dataverse's service protection limits apply per user: each app registration, given the
    integration roles by Redeploy Integration Solution, brings its own windows, and writes are
    spread over the connection's primary credential and its enabled identities. Each signs in
    with its own client secret, or with a certificate like the primary. Same tenant and
    authority as the connection.
    https://learn.microsoft.com/power-apps/developer/data-platform/api-limits
    """

    connection = models.ForeignKey(
        ConnectionSetup, on_delete=models.CASCADE, related_name="sales_identities"
    )
    name = models.CharField("Name", max_length=100)
    client_id = models.CharField("Client ID", max_length=100)
    client_secret_encrypted = _secret("Client secret")
    certificate_encrypted = _secret("Certificate private key")
    certificate_thumbprint = models.CharField("Certificate thumbprint", max_length=64, blank=True)
    enabled = models.BooleanField("Enabled", default=True)
    # The application user's systemuserid, once WhoAmI answered (Test Connection or the first
    # job): its changes are the integration's own even after the identity is disabled.
    sales_user_id = models.CharField("Application user ID", max_length=36, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    # Its last check (token, WhoAmI, roles: Test Connection or its own Test). A new or changed
    # credential is never checked and takes no writes until a check passes; a job that met a
    # 401/403 with it records the failure. ``credential_version`` moves with every change of
    # client ID, secret or certificate, so a check that began before a change cannot pass
    # the new credential (record_check is a conditional UPDATE).
    check_status = models.CharField("Last check", max_length=10, choices=IdentityCheck.choices,
                                    default=IdentityCheck.NEVER)
    checked_at = models.DateTimeField("Checked at", null=True, blank=True)
    check_detail = models.TextField("Check result", blank=True, default="")
    credential_version = models.PositiveIntegerField(default=1, editable=False)

    client_secret = secret_property("client_secret_encrypted", "Client secret")
    certificate = secret_property("certificate_encrypted", "Certificate private key (PEM)")

    class Meta:
        ordering = ["created", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "client_id"],
                                    name="unique_sales_identity_client"),
            models.UniqueConstraint(fields=["connection", "name"],
                                    name="unique_sales_identity_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def uses_certificate(self) -> bool:
        return bool(self.certificate_encrypted)

    @property
    def has_credential(self) -> bool:
        """Whether a secret or certificate is stored (an imported identity has none yet)."""
        return bool(self.client_secret_encrypted or self.certificate_encrypted)

    @property
    def check_state(self) -> IdentityCheck:
        return IdentityCheck(self.check_status)

    @property
    def takes_writes(self) -> bool:
        """Enabled and its last check passed: jobs spread writes over it."""
        return self.enabled and self.check_status == IdentityCheck.PASSED

    def credential_changed(self) -> None:
        """A new client ID, secret or certificate: not checked (not saved; the caller saves)."""
        self.check_status, self.checked_at, self.check_detail = IdentityCheck.NEVER, None, ""
        self.credential_version += 1

    def record_check(self, passed: bool, detail: str, version: int | None = None) -> bool:
        """Record a check's outcome unless the credential changed since it began; True if
        recorded."""
        status = IdentityCheck.PASSED if passed else IdentityCheck.FAILED
        now = timezone.now()
        done = SalesIdentity.objects.filter(
            pk=self.pk, credential_version=version or self.credential_version,
        ).update(check_status=status, checked_at=now, check_detail=detail[:2000])
        if done:
            self.check_status, self.checked_at, self.check_detail = status, now, detail[:2000]
        return bool(done)

    def remove(self) -> None:
        """Delete the identity, keeping its Sales user id on the connection (its earlier
        writes are still the integration's)."""
        connection = self.connection
        if self.sales_user_id and self.sales_user_id not in connection.former_identity_user_ids:
            connection.former_identity_user_ids = [*connection.former_identity_user_ids,
                                                   self.sales_user_id]
            connection.save(update_fields=["former_identity_user_ids", "updated_at"])
        self.delete()
