"""Dynamics 365 Sales URL normalisation, after Business Central's ``CheckModifyCRMConnectionURL``.

People paste what their browser shows (``https://contoso.crm4.dynamics.com/main.aspx?appid=..``,
no scheme, trailing slashes, upper case); we keep ``https://host`` and say what we changed
(bc-integration.md 4.3). On-premises servers keep a non-default port and the organisation path.

Loopback and other non-Dynamics hosts are accepted only when the connection is explicitly marked
as a *custom endpoint* (the sandbox at ``https://localhost:<port>`` or a private cloud), never
silently.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

# Public and sovereign clouds of Dynamics 365 / Dataverse.
DYNAMICS_SUFFIXES = (
    ".dynamics.com", ".dynamics.us", ".microsoftdynamics.us", ".appsplatform.us",
    ".dynamics.cn", ".microsoftdynamics.de",
)
HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
IPV4 = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
DEFAULT_PORTS = {"https": 443, "http": 80}

INVALID = "The value entered is not a valid URL."
BAD_SCHEME = (
    "{scheme} is not a valid URI scheme for Dynamics 365 Sales connections. You can only use "
    "HTTPS or HTTP as the scheme in the URL."
)
NOT_DYNAMICS = (
    "{host} is not a Dynamics 365 Sales address. Paste the address of your Sales app, for "
    "example https://contoso.crm4.dynamics.com. For a server in your own network choose the "
    "on-premises authentication type; for the sandbox or a private cloud tick \"Custom "
    "(sandbox or private cloud) endpoint\"."
)
HTTP_ONLINE = "Dynamics 365 Sales online only answers over HTTPS; use https://."


@dataclass(frozen=True)
class NormalisedUrl:
    """The URL to store, and what was changed from the text entered."""

    url: str
    entered: str
    changes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.url != self.entered

    def message(self) -> str:
        """One sentence for the page: what we stored instead of what was pasted."""
        if not self.changed:
            return ""
        detail = "; ".join(self.changes) or "formatting corrected"
        return f"The URL was changed to {self.url} ({detail})."


def normalise_sales_url(
    raw: str, *, on_premises: bool = False, custom_endpoint: bool = False
) -> NormalisedUrl:
    """Return the normalised Sales URL of ``raw`` or raise ``ValidationError``."""
    entered = (raw or "").strip()
    if not entered:
        raise ValidationError("You must specify the URL of your Dynamics 365 Sales solution.")
    changes: list[str] = []
    parts = _split(entered, changes)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValidationError(BAD_SCHEME.format(scheme=scheme))
    if scheme == "http" and not on_premises:
        raise ValidationError(HTTP_ONLINE)
    host, port = _host_and_port(parts)
    if not (on_premises or custom_endpoint or host.endswith(DYNAMICS_SUFFIXES)):
        raise ValidationError(NOT_DYNAMICS.format(host=host))
    url = _rebuild(scheme, host, port, parts, on_premises, changes)
    if host != parts.netloc.rsplit("@", 1)[-1].split(":")[0]:
        changes.append("host in lower case")
    return NormalisedUrl(url=url, entered=entered, changes=changes)


def _split(entered: str, changes: list[str]):
    if " " in entered:
        raise ValidationError(INVALID)
    if "://" not in entered:
        # Like BC: if the text is no absolute URI, retry with https:// in front.
        entered = f"https://{entered}"
        changes.append("https:// added")
    try:
        parts = urlsplit(entered)
    except ValueError as exc:
        raise ValidationError(INVALID) from exc
    if not parts.netloc or parts.username or parts.password:
        raise ValidationError(INVALID)
    return parts


def _host_and_port(parts) -> tuple[str, int | None]:
    try:
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError as exc:  # a port that is not a number or out of range
        raise ValidationError(INVALID) from exc
    if not _valid_host(host):
        raise ValidationError(INVALID)
    return host, port


def _valid_host(host: str) -> bool:
    if IPV4.match(host):
        return all(int(part) <= 255 for part in host.split("."))
    if host == "::1":
        return True
    labels = host.split(".")
    return bool(host) and all(HOST_LABEL.match(label) for label in labels)


def _rebuild(scheme, host, port, parts, on_premises, changes) -> str:
    default_port = port in (None, DEFAULT_PORTS[scheme])
    shown_host = f"[{host}]" if ":" in host else host
    authority = shown_host if default_port else f"{shown_host}:{port}"
    if port == DEFAULT_PORTS[scheme]:
        changes.append(f"default port {port} removed")
    path = parts.path.strip("/")
    if on_premises and not default_port and path:
        # On-premises servers on their own port keep the organisation path (http://srv:5555/org).
        organisation = path.split("/")[0]
        if parts.query or parts.fragment or path != organisation:
            changes.append("everything after the organisation removed")
        return f"{scheme}://{authority}/{organisation}"
    if path or parts.query or parts.fragment:
        changes.append("path and parameters removed")
    elif parts.path:
        changes.append("trailing slash removed")
    return f"{scheme}://{authority}"

