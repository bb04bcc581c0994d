"""Tokens for Dataverse and Business Central through msal, and Basic credentials for BC on-premises.

A credential is a :class:`TokenSource`: the HTTP layer asks it for an ``Authorization`` header
for a resource right before every request (msal answers from its in-memory cache and renews a
token with less than five minutes left), and invalidates it after a 401.
msal details: protocols.md section 1; https://learn.microsoft.com/entra/msal/python/
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol
from urllib.parse import urlsplit

import msal
import requests

from connection.clients.errors import AuthenticationError, describe_transport_error

CLOUDS = {
    "public": "https://login.microsoftonline.com",
    "usgovernment": "https://login.microsoftonline.us",
    "china": "https://login.chinacloudapi.cn",
}
# Hosts msal knows itself; any other authority (ADFS-like, a test identity provider) is used as
# given, without asking login.microsoftonline.com to validate it (protocols.md 1.3 row 1).
MICROSOFT_AUTHORITY_HOSTS = frozenset({
    "login.microsoftonline.com", "login.microsoft.com", "login.windows.net", "sts.windows.net",
    "login.microsoftonline.us", "login.usgovcloudapi.net", "login.chinacloudapi.cn",
    "login.partner.microsoftonline.cn", "login.microsoftonline.de",
})
BUSINESS_CENTRAL_RESOURCE = "https://api.businesscentral.dynamics.com"
DEFAULT_TIMEOUT = (10.0, 30.0)
_AADSTS = re.compile(r"AADSTS(\d+)")

# Entra error codes a person can fix, with the fix. https://login.microsoftonline.com/error
_HINTS = {
    7000215: "The client secret is wrong. Copy the secret's Value (not its Secret ID) from the "
             "app registration.",
    7000222: "The client secret has expired. Create a new one in the app registration.",
    7000218: "No client secret or certificate was sent.",
    700016: "No application with this client ID exists in the tenant. Check the Application "
            "(client) ID and the tenant.",
    700027: "The certificate was refused. Check that its public key is uploaded to the app "
            "registration and that the thumbprint matches.",
    90002: "The tenant was not found. Check the tenant ID or domain.",
    50126: "The user name or password is wrong.",
    50034: "The user account does not exist in this tenant.",
    50057: "The user account is disabled.",
    50053: "The account is locked after too many failed sign-ins.",
    50055: "The user's password has expired.",
    50076: "The user must sign in with multi-factor authentication, which a background "
           "connection cannot do. Use an app registration with a client secret instead.",
    50079: "The user must register for multi-factor authentication, which a background "
           "connection cannot do. Use an app registration with a client secret instead.",
    65001: "Admin consent has not been granted for the app's API permissions.",
    500011: "The service URL is not known in this tenant. Check the environment URL.",
}


class TokenSource(Protocol):
    """Supplies ``Authorization`` header values for a resource (the service's origin)."""

    refreshable: bool
    ca_bundle: str | None

    def authorization(self, resource: str) -> str:
        """The ``Authorization`` header value for requests to ``resource``."""
        ...

    def invalidate(self, resource: str) -> None:
        """Forget the cached token of ``resource`` (the service answered 401)."""
        ...


def authority_url(tenant: str, cloud: str = "public") -> str:
    """The Entra authority of ``tenant`` in a cloud: ``public``, ``usgovernment`` or ``china``."""
    if cloud not in CLOUDS:
        raise ValueError(f"unknown cloud '{cloud}'; expected one of {', '.join(CLOUDS)}")
    return f"{CLOUDS[cloud]}/{tenant}"


def is_microsoft_authority(authority: str) -> bool:
    """True when the authority is one of Microsoft's own sign-in hosts."""
    return (urlsplit(authority).hostname or "").lower() in MICROSOFT_AUTHORITY_HOSTS


def scopes_for(resource: str, app_only: bool) -> list[str]:
    """The scope to request for ``resource`` (protocols.md 1.1).

    App-only tokens always use ``/.default``; delegated Dataverse tokens ``/user_impersonation``;
    Business Central documents ``/.default`` for both.
    """
    resource = resource.rstrip("/")
    if app_only or resource == BUSINESS_CENTRAL_RESOURCE:
        return [f"{resource}/.default"]
    return [f"{resource}/user_impersonation"]


class BasicCredential:
    """Business Central on-premises: user name and web service access key, no msal."""

    refreshable = False

    def __init__(self, username: str, access_key: str, ca_bundle: str | None = None) -> None:
        self.ca_bundle = ca_bundle
        token = base64.b64encode(f"{username}:{access_key}".encode()).decode()
        self._header = f"Basic {token}"

    def authorization(self, resource: str) -> str:
        """The Basic header; the resource does not matter."""
        return self._header

    def invalidate(self, resource: str) -> None:
        """Nothing to refresh: a wrong key stays wrong."""


class MsalHttpClient:
    """The ``http_client`` handed to msal.

    It sends our CA bundle with every request (a session ``verify`` loses to the environment's
    ``REQUESTS_CA_BUNDLE``), applies timeouts, and restores the authority's port on the user
    realm lookup, which msal sends to the bare host name (protocols.md 1.3 row 4).
    """

    def __init__(self, authority: str, verify: str | bool, timeout: tuple[float, float]) -> None:
        parts = urlsplit(authority)
        self._host, self._port = parts.hostname, parts.port
        self.verify, self.timeout = verify, timeout
        self.session = requests.Session()

    def _url(self, url: str) -> str:
        parts = urlsplit(url)
        if self._port and parts.hostname == self._host and parts.port is None:
            return parts._replace(netloc=f"{parts.netloc}:{self._port}").geturl()
        return url

    def post(self, url: str, params: Any = None, data: Any = None, headers: Any = None,
             **kwargs: Any) -> requests.Response:
        """POST as msal asks, with our trust settings."""
        kwargs.update(verify=self.verify, timeout=kwargs.get("timeout") or self.timeout)
        return self.session.post(self._url(url), params=params, data=data, headers=headers,
                                 **kwargs)

    def get(self, url: str, params: Any = None, headers: Any = None,
            **kwargs: Any) -> requests.Response:
        """GET as msal asks, with our trust settings."""
        kwargs.update(verify=self.verify, timeout=kwargs.get("timeout") or self.timeout)
        return self.session.get(self._url(url), params=params, headers=headers, **kwargs)

    def close(self) -> None:
        """Close pooled connections."""
        self.session.close()


# One msal application (and so one token cache) per configuration and process: clients created
# per job or per page view share tokens instead of asking the identity provider every time.
_APPS: dict[tuple, Any] = {}
_APPS_LOCK = threading.Lock()


def _shared_app(key: tuple, build: Callable[[], Any]) -> Any:
    with _APPS_LOCK:
        if key not in _APPS:
            _APPS[key] = build()
        return _APPS[key]


def forget_cached_applications() -> None:
    """Drop every cached msal application and its tokens (after credentials change)."""
    with _APPS_LOCK:
        _APPS.clear()


class MsalCredential(ABC):
    """Common part of the msal credentials: authority checks, app cache, error mapping."""

    refreshable = True
    app_only = True

    def __init__(self, authority: str, client_id: str, *, ca_bundle: str | None = None,
                 timeout: tuple[float, float] = DEFAULT_TIMEOUT) -> None:
        self.authority = _checked_authority(authority)
        self.client_id, self.ca_bundle, self.timeout = client_id, ca_bundle, timeout
        self._lock = threading.Lock()

    def authorization(self, resource: str) -> str:
        """``Bearer <token>`` for ``resource``."""
        return f"Bearer {self.token(resource)}"

    def token(self, resource: str) -> str:
        """An access token for ``resource``; raises :class:`AuthenticationError`."""
        scopes = scopes_for(resource, self.app_only)
        with self._lock, _mapped_errors(self.authority):
            result = self._acquire(self._app(), scopes)
        return _access_token(result)

    def invalidate(self, resource: str) -> None:
        """Remove the cached access tokens of ``resource`` so the next call gets a new one."""
        cache = self._app().token_cache
        scopes = scopes_for(resource, self.app_only)
        for item in list(cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN,
                                      target=scopes)):
            cache.remove_at(item)

    def _app(self) -> Any:
        verify = str(self.ca_bundle) if self.ca_bundle else True
        key = (type(self).__name__, self.authority, self.client_id, verify, self._secret_key())
        with _mapped_errors(self.authority):
            return _shared_app(key, lambda: self._build(MsalHttpClient(
                self.authority, verify, self.timeout)))

    def _app_options(self, http_client: MsalHttpClient) -> dict[str, Any]:
        options: dict[str, Any] = {"authority": self.authority, "http_client": http_client}
        if not is_microsoft_authority(self.authority):
            options["instance_discovery"] = False
        return options

    @abstractmethod
    def _secret_key(self) -> str:
        """Implemented by each credential type."""

    @abstractmethod
    def _build(self, http_client: MsalHttpClient) -> Any:
        """Implemented by each credential type."""

    @abstractmethod
    def _acquire(self, app: Any, scopes: list[str]) -> dict[str, Any]:
        """Implemented by each credential type."""


class ClientSecretCredential(MsalCredential):
    """App-only tokens (client credentials) with a client secret."""

    def __init__(self, authority: str, client_id: str, client_secret: str, **options: Any) -> None:
        super().__init__(authority, client_id, **options)
        self._secret = client_secret

    def _secret_key(self) -> str:
        return _fingerprint(self._secret)

    def _build(self, http_client: MsalHttpClient) -> Any:
        return msal.ConfidentialClientApplication(
            self.client_id, client_credential=self._secret, **self._app_options(http_client))

    def _acquire(self, app: Any, scopes: list[str]) -> dict[str, Any]:
        return app.acquire_token_for_client(scopes=scopes)


class CertificateCredential(ClientSecretCredential):
    """App-only tokens with a certificate: private key PEM and the SHA-1 thumbprint."""

    def __init__(self, authority: str, client_id: str, private_key_pem: str, thumbprint: str,
                 **options: Any) -> None:
        super().__init__(authority, client_id, private_key_pem, **options)
        self._thumbprint = thumbprint.replace(":", "").strip()

    def _secret_key(self) -> str:
        return _fingerprint(self._secret + self._thumbprint)

    def _build(self, http_client: MsalHttpClient) -> Any:
        credential = {"private_key": self._secret, "thumbprint": self._thumbprint}
        return msal.ConfidentialClientApplication(
            self.client_id, client_credential=credential, **self._app_options(http_client))


class UsernamePasswordCredential(MsalCredential):
    """Delegated tokens for a user name and password (ROPC, protocols.md 1.5).

    With a client secret the confidential application runs the flow (not deprecated there);
    without one a public client does, like Microsoft's own Dataverse sample.
    """

    app_only = False

    def __init__(self, authority: str, client_id: str, username: str, password: str,
                 client_secret: str | None = None, **options: Any) -> None:
        super().__init__(authority, client_id, **options)
        self.username, self._password, self._client_secret = username, password, client_secret

    def _secret_key(self) -> str:
        return _fingerprint(f"{self.username}\0{self._password}\0{self._client_secret or ''}")

    def _build(self, http_client: MsalHttpClient) -> Any:
        options = self._app_options(http_client)
        if self._client_secret:
            return msal.ConfidentialClientApplication(
                self.client_id, client_credential=self._client_secret, **options)
        return msal.PublicClientApplication(self.client_id, **options)

    def _acquire(self, app: Any, scopes: list[str]) -> dict[str, Any]:
        for account in app.get_accounts(username=self.username):
            result = app.acquire_token_silent(scopes, account=account)
            if result and "access_token" in result:
                return result
        with warnings.catch_warnings():
            # msal warns on public-client ROPC; choosing the flow is the administrator's call.
            warnings.filterwarnings("ignore", "This API has been deprecated", DeprecationWarning)
            return app.acquire_token_by_username_password(self.username, self._password, scopes)


def _fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _checked_authority(authority: str) -> str:
    parts = urlsplit(str(authority).strip())
    if parts.scheme != "https" or not parts.hostname or not parts.path.strip("/"):
        raise AuthenticationError(
            f"The authority URL '{authority}' is not valid: it must be an https URL ending in "
            "the tenant, e.g. https://login.microsoftonline.com/<tenant ID>.")
    return parts._replace(query="", fragment="").geturl().rstrip("/")


def _access_token(result: dict[str, Any] | None) -> str:
    if result and result.get("access_token"):
        return result["access_token"]
    raise _refusal(result or {})


def _refusal(result: dict[str, Any]) -> AuthenticationError:
    """The error for an OAuth2 error answer, with a hint for the codes people can fix."""
    description = str(result.get("error_description") or "")
    codes = result.get("error_codes") or _AADSTS.findall(description)[:1]
    number = int(codes[0]) if codes else None
    first_line = description.split("\r\n")[0].split(" Trace ID:")[0]
    code = f"AADSTS{number}" if number else ""
    message = _HINTS.get(number or 0) or first_line or \
        f"Sign-in failed: {result.get('error', 'no token returned')}."
    return AuthenticationError(f"{message} ({code})" if code else message, code=code,
                               error=str(result.get("error") or ""), description=description)


@contextmanager
def _mapped_errors(authority: str) -> Iterator[None]:
    """Turn what msal and requests raise into :class:`AuthenticationError`."""
    try:
        yield
    except requests.RequestException as exc:
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(authority))
        raise AuthenticationError(f"Could not reach the sign-in service {origin}: "
                                  f"{describe_transport_error(exc)}.") from exc
    except ValueError as exc:
        raise AuthenticationError(_value_error_message(authority, exc)) from exc


def _value_error_message(authority: str, exc: ValueError) -> str:
    text = str(exc)
    if "authority configuration" in text or "https url" in text.lower():
        return (f"The authority {authority} did not answer as a sign-in service (wrong tenant or "
                f"URL?): {text}")
    if "private key" in text.lower() or "PEM" in text or "key" in text.lower():
        return f"The certificate's private key could not be used: {text}"
    return f"Sign-in failed: {text}"
