"""The one place that turns a ConnectionSetup into service clients.

The pages, the wizard, the commands and the synchronization engine all build their Dataverse and
Business Central clients here, so a setting means the same thing everywhere.
"""

from __future__ import annotations

from django.conf import settings

from connection.clients.auth import (
    BasicCredential,
    CertificateCredential,
    ClientSecretCredential,
    TokenSource,
    UsernamePasswordCredential,
)
from connection.clients.errors import AuthenticationError
from connection.clients.http import RetryPolicy
from connection.models import (
    AuthenticationType,
    BusinessCentralDeployment,
    ConnectionSetup,
    IdentityCheck,
    OnPremisesAuthentication,
    SalesIdentity,
)

BUSINESS_CENTRAL_RESOURCE = "https://api.businesscentral.dynamics.com"
# Interactive checks answer within seconds or say what is wrong; jobs keep the patient defaults.
INTERACTIVE_TIMEOUT = (5.0, 30.0)
# How the throttle gauge names the connection's own credential among the pool's identities.
POOL_PRIMARY = "application user"


class SettingsIncomplete(AuthenticationError):
    """A setting needed to sign in is missing; the message names it."""


def _ca_bundle(connection: ConnectionSetup) -> str | None:
    return connection.ca_bundle or None


def authority(host: str, tenant: str) -> str:
    """The authority URL msal signs in at: ``<host>/<tenant>``."""
    if not tenant:
        raise SettingsIncomplete("The Tenant is missing: enter the tenant ID or domain.")
    return f"{host.rstrip('/')}/{tenant}"


def sales_credential(connection: ConnectionSetup) -> TokenSource:
    """The credential of the integration user (or application user) for Dynamics 365 Sales."""
    kind = connection.authentication_type
    if kind == AuthenticationType.ON_PREMISES:
        return _on_premises_credential(connection)
    _require(connection.client_id, "Client ID")
    where = authority(connection.authority_host, connection.tenant_id)
    options = {"ca_bundle": _ca_bundle(connection)}
    if kind == AuthenticationType.CERTIFICATE:
        _require(connection.has_secret("certificate"), "Certificate private key")
        _require(connection.certificate_thumbprint, "Certificate thumbprint")
        return CertificateCredential(where, connection.client_id, connection.certificate,
                                     connection.certificate_thumbprint, **options)
    if kind == AuthenticationType.OFFICE365:
        return user_credential(connection, connection.user_name, connection.user_password)
    _require(connection.has_secret("client_secret"), "Client secret")
    return ClientSecretCredential(where, connection.client_id, connection.client_secret, **options)


def identity_credential(connection: ConnectionSetup, identity: SalesIdentity) -> TokenSource:
    """The credential of one of the connection's further application users (the identity
    pool): its own client ID with its certificate or secret, at the connection's authority."""
    _require(identity.client_id, f"{identity.name}: Client ID")
    if not identity.has_credential:
        raise SettingsIncomplete(
            f"No client secret or certificate is stored for {identity.name}: choose Edit in "
            "Additional application users and enter it.")
    where = authority(connection.authority_host, connection.tenant_id)
    options = {"ca_bundle": _ca_bundle(connection)}
    if identity.uses_certificate:
        _require(identity.certificate_thumbprint, f"{identity.name}: Certificate thumbprint")
        return CertificateCredential(where, identity.client_id, identity.certificate,
                                     identity.certificate_thumbprint, **options)
    _require(identity.client_secret_encrypted, f"{identity.name}: Client secret")
    return ClientSecretCredential(where, identity.client_id, identity.client_secret, **options)


def user_credential(connection: ConnectionSetup, user: str, password: str) -> TokenSource:
    """Delegated sign-in of ``user`` through the connection's app registration (ROPC)."""
    _require(user, "User Name")
    _require(password, "Password")
    _require(connection.client_id, "Client ID")
    return UsernamePasswordCredential(
        authority(connection.authority_host, connection.tenant_id), connection.client_id, user,
        password, client_secret=connection.client_secret or None,
        ca_bundle=_ca_bundle(connection),
    )


def _on_premises_credential(connection: ConnectionSetup) -> TokenSource:
    # The Web API of an on-premises server accepts OAuth (claims-based with ADFS); the older
    # AD and IFD connection strings belong to the .NET SDK, which this portal cannot speak.
    if connection.onprem_authentication != OnPremisesAuthentication.OAUTH:
        raise SettingsIncomplete(
            f"The {connection.get_onprem_authentication_display()} connection string needs "
            "Microsoft's .NET SDK. Use OAuth (ADFS) on the Authentication Type Details FastTab: "
            "the portal talks to the Web API of the server."
        )
    return user_credential(connection, connection.user_name, connection.user_password)


def business_central_credential(connection: ConnectionSetup) -> TokenSource:
    """Business Central's credential: by default the Sales app registration."""
    if connection.bc_deployment == BusinessCentralDeployment.ON_PREMISES:
        _require(connection.bc_user_name, "Business Central user name")
        _require(connection.has_secret("bc_access_key"), "Web service access key")
        return BasicCredential(connection.bc_user_name, connection.bc_access_key,
                               ca_bundle=_ca_bundle(connection))
    if connection.bc_same_credentials:
        return sales_credential(connection)
    _require(connection.bc_client_id, "Business Central client ID")
    _require(connection.has_secret("bc_client_secret"), "Business Central client secret")
    host = connection.bc_authority_host or connection.authority_host
    return ClientSecretCredential(authority(host, connection.bc_tenant), connection.bc_client_id,
                                  connection.bc_client_secret, ca_bundle=_ca_bundle(connection))


def dataverse_client(connection: ConnectionSetup, *, interactive: bool = False,
                     tokens: TokenSource | None = None):
    """A DataverseClient for the connection's Sales URL and SDK (Web API) version; table
    metadata it reads is kept for the connection (connection.sales_metadata).

    With further application users that are enabled and passed their check (and no
    ``tokens`` chosen by the caller) it is an IdentityPool: writes spread over the connection's
    credential and those identities."""
    from connection.sales_metadata import Store

    _require(connection.server_address, "Dynamics 365 Sales URL")
    primary = _dataverse(connection, tokens or sales_credential(connection), interactive,
                         metadata_store=Store(connection) if connection.pk else None)
    identities = writing_identities(connection) if tokens is None else []
    if not identities:
        return primary
    return identity_pool(connection, primary, identities, interactive)


def enabled_identities(connection: ConnectionSetup) -> list[SalesIdentity]:
    """The connection's enabled further application users, oldest first."""
    if not connection.pk:
        return []
    return list(connection.sales_identities.filter(enabled=True))


def writing_identities(connection: ConnectionSetup) -> list[SalesIdentity]:
    """The further application users jobs write with: enabled, and their last check passed
    (a new, edited or imported identity takes no writes before a check)."""
    if not connection.pk:
        return []
    return list(connection.sales_identities.filter(enabled=True,
                                                   check_status=IdentityCheck.PASSED))


def identity_pool(connection: ConnectionSetup, primary, identities: list[SalesIdentity],
                  interactive: bool = False):
    """An IdentityPool of ``primary`` (shown as the application user) and ``identities``."""
    from connection.clients.pool import IdentityPool, Member

    members = [Member(POOL_PRIMARY, connection.client_id, primary)]
    members += [Member(identity.name, identity.client_id,
                       _dataverse(connection, identity_credential(connection, identity),
                                  interactive), identity.credential_version)
                for identity in identities]
    return IdentityPool(members)


def _dataverse(connection: ConnectionSetup, tokens: TokenSource, interactive: bool,
               metadata_store=None):
    from connection.clients.dataverse import DataverseClient

    options = _interactive_options() if interactive else _background_options()
    return DataverseClient(connection.server_address, tokens,
                           api_version=connection.proxy_version,
                           ca_bundle=_ca_bundle(connection), metadata_store=metadata_store,
                           **options)


def business_central_client(connection: ConnectionSetup, *, interactive: bool = False,
                            company: bool = True):
    """A BusinessCentralClient for the API endpoint (and the chosen company)."""
    from connection.clients.business_central import BusinessCentralClient

    if company:
        _require(connection.bc_company_id, "Company")
    options = _interactive_options() if interactive else _background_options()
    return BusinessCentralClient(
        connection.bc_api_url, business_central_credential(connection),
        company_id=connection.bc_company_id if company else None,
        company_name=(connection.bc_company_name or None) if company else None,
        ca_bundle=_ca_bundle(connection), **options,
    )


def _interactive_options() -> dict:
    return {"retry": RetryPolicy.no_retries(), "timeout": INTERACTIVE_TIMEOUT}


def _background_options() -> dict:
    return {"retry": RetryPolicy(base_delay=settings.SYNC_RETRY_BASE_SECONDS)}


def _require(value, caption: str) -> None:
    if not value:
        raise SettingsIncomplete(f"The {caption} is missing: enter it on the connection setup.")
