"""Rules shared by the setup page, the wizard and ``setup_connection``: one place per rule.

Each function raises ``ValidationError`` with Business Central's own wording where it has one
(bc-integration.md 4.1, 4.3, 4.4).
"""

import re
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

from connection.models import AuthenticationType, OnPremisesAuthentication

MICROSOFT_AUTHORITIES = {
    "login.microsoftonline.com", "login.microsoft.com", "login.windows.net",
    "login.microsoftonline.us", "login.chinacloudapi.cn", "login.partner.microsoftonline.cn",
}
THUMBPRINT = re.compile(r"^[0-9A-Fa-f]{40}([0-9A-Fa-f]{24})?$")
PASSWORD_PLACEHOLDER = "{PASSWORD}"


def check_authority(url: str, *, custom_endpoint: bool) -> str:
    """An authority host must be https and, unless the endpoint is custom, Microsoft's."""
    parts = urlsplit(url.strip())
    if parts.scheme != "https" or not parts.hostname:
        raise ValidationError("The authority host must be an https:// address.")
    if not custom_endpoint and parts.hostname.lower() not in MICROSOFT_AUTHORITIES:
        raise ValidationError(
            f"{parts.hostname} is not a Microsoft Entra ID authority. Use "
            "https://login.microsoftonline.com, or tick \"Custom (sandbox or private cloud) "
            "endpoint\" for the sandbox or a private identity provider."
        )
    return f"https://{parts.netloc}{parts.path.rstrip('/')}"


def check_user_name(user_name: str, authentication: str, onprem: str) -> str:
    """Trim the user name and check the shape BC requires for the authentication type."""
    user_name = user_name.strip()
    if not user_name:
        return user_name
    if authentication == AuthenticationType.OFFICE365 and "@" not in user_name:
        raise ValidationError(
            "The user name must be a valid email address when the authentication type is set "
            "to Office 365."
        )
    if (
        authentication == AuthenticationType.ON_PREMISES
        and onprem == OnPremisesAuthentication.AD
        and "\\" not in user_name
    ):
        raise ValidationError(
            "The user name must include the domain when the authentication type is set to "
            "Active Directory."
        )
    return user_name


def domain_of(user_name: str) -> str:
    """The Domain BC derives from ``DOMAIN\\user``."""
    return user_name.split("\\", 1)[0] if "\\" in user_name else ""


def check_connection_string(value: str) -> str:
    value = value.strip()
    if value and PASSWORD_PLACEHOLDER not in value:
        raise ValidationError(
            "The connection string must include the password placeholder {PASSWORD}."
        )
    return value


def check_ca_bundle(path: str) -> str:
    """A CA bundle must be a readable PEM certificate file."""
    path = path.strip()
    if not path:
        return path
    file = Path(path)
    try:
        text = file.read_text()
    except OSError as exc:
        raise ValidationError(f"The CA bundle {path} cannot be read: {exc.strerror}.") from exc
    if "-----BEGIN CERTIFICATE-----" not in text:
        raise ValidationError(f"{path} holds no PEM certificate (-----BEGIN CERTIFICATE-----).")
    return str(file)


def check_guid(value: str, caption: str) -> str:
    value = value.strip().strip("{}").lower()
    if not value:
        return value
    try:
        return str(uuid.UUID(value))
    except ValueError as exc:
        raise ValidationError(f"{caption} must be a GUID such as 5c3c1ae2-...-6c1f.") from exc


def check_thumbprint(value: str) -> str:
    value = value.strip().replace(":", "").replace(" ", "")
    if value and not THUMBPRINT.match(value):
        raise ValidationError("The thumbprint is the certificate's SHA-1 (40 hex digits).")
    return value.upper()


def check_private_key(pem: str) -> str:
    """A certificate credential is a PEM private key msal can sign with."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    pem = pem.strip()
    if not pem:
        return pem
    try:
        load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise ValidationError(
            "The certificate private key must be an unencrypted PEM key "
            "(-----BEGIN PRIVATE KEY-----)."
        ) from exc
    return pem
