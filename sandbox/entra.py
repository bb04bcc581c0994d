"""Token service shaped like Entra ID (protocols.md 1.2-1.5, 5.0) and bearer-token checks.

Tokens are HS256 JWTs signed with the data directory's secret key. Dataverse accepts tokens
whose audience is the sandbox origin (any loopback host name on the sandbox port); Business
Central accepts the real BC resource id ``https://api.businesscentral.dynamics.com``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from sandbox import credentials as creds
from sandbox.entra_assertion import check_assertion
from sandbox.messages import Principal, Request, Response, json_response

RESERVED_SCOPES = {"openid", "profile", "offline_access", "email"}
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}


class TokenError(Exception):
    """An OAuth2 error answer (protocols.md 5.0 shape)."""

    def __init__(self, status: int, error: str, code: int, text: str) -> None:
        super().__init__(text)
        self.status, self.error, self.code, self.text = status, error, code, text

    def response(self) -> Response:
        trace = str(uuid.uuid4())
        body = {
            "error": self.error,
            "error_description": f"AADSTS{self.code}: {self.text} Trace ID: {trace}",
            "error_codes": [self.code],
            "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()),
            "trace_id": trace,
            "correlation_id": str(uuid.uuid4()),
        }
        return json_response(self.status, body, content_type="application/json; charset=utf-8")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(claims: dict[str, Any], key: str) -> str:
    """Encode ``claims`` as an HS256 JWT."""
    header = _b64(json.dumps({"typ": "JWT", "alg": "HS256"}).encode())
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(key.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def verify(token: str, key: str) -> dict[str, Any] | None:
    """Claims of a token signed with ``key``, or None when malformed or forged."""
    try:
        header, payload, signature = token.split(".")
        expected = hmac.new(key.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(signature)):
            return None
        return json.loads(_unb64(payload))
    except ValueError:
        return None


class TokenService:
    """Answers discovery and token requests under ``/<tenant>/``."""

    def __init__(
        self,
        state: dict[str, Any],
        lifetime: Callable[[], int],
        count: Callable[[str], None],
        certificate: Path | None = None,
    ) -> None:
        self.state = state
        self.certificate = certificate
        self.lifetime = lifetime
        self.count = count
        self.apps = {
            state["client_id"]: state["client_secret"],
            state["bc_client_id"]: state["bc_client_secret"],
            **{app["client_id"]: app["client_secret"] for app in creds.pool_apps(state)},
        }
        self.passwords = creds.user_passwords(state)
        self.disabled = {u["email"] for u in creds.sales_users() if not u["enabled"]}

    def handles(self, path: str) -> bool:
        """True for paths this service answers."""
        first = path.strip("/").split("/", 1)[0]
        return first in (self.state["tenant_id"], creds.DOMAIN, "common", "organizations")

    def handle(self, request: Request) -> Response:
        """Route a token-service request."""
        parts = request.path.strip("/").split("/")
        tenant, rest = parts[0], "/".join(parts[1:])
        if tenant == "common" and rest.startswith("userrealm/"):
            return self._user_realm(rest.split("/", 1)[1])
        if tenant == "common" and rest == "discovery/instance":
            return self._instance_discovery(request)
        if tenant not in (self.state["tenant_id"], creds.DOMAIN):
            return TokenError(
                400, "invalid_request", 90002, f"Tenant '{tenant}' not found."
            ).response()
        if rest in ("v2.0/.well-known/openid-configuration", ".well-known/openid-configuration"):
            return json_response(
                200, self.discovery(request.base_url), content_type="application/json"
            )
        if rest == "oauth2/v2.0/token" and request.method == "POST":
            return self._token(request)
        if rest == "discovery/v2.0/keys":
            return json_response(200, {"keys": []}, content_type="application/json")
        return json_response(404, {"error": "not_found"}, content_type="application/json")

    def discovery(self, base: str) -> dict[str, Any]:
        """OpenID configuration document (protocols.md 1.4 minimal fields and a few more)."""
        root = f"{base}/{self.state['tenant_id']}"
        return {
            "issuer": f"{root}/v2.0",
            "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
            "token_endpoint": f"{root}/oauth2/v2.0/token",
            "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
            "jwks_uri": f"{root}/discovery/v2.0/keys",
            "response_types_supported": ["code", "id_token", "code id_token", "token id_token"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["HS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "tenant_region_scope": "NA",
        }

    def _user_realm(self, user: str) -> Response:
        domain = user.rsplit("@", 1)[-1]
        body = {
            "ver": "1.0",
            "account_type": "Managed",
            "domain_name": domain,
            "cloud_instance_name": "microsoftonline.com",
        }
        return json_response(200, body, content_type="application/json")

    def _instance_discovery(self, request: Request) -> Response:
        endpoint = dict(parse_qsl(request.query)).get("authorization_endpoint", "")
        tenant = urlsplit(endpoint).path.strip("/").split("/")[0] or self.state["tenant_id"]
        body = {
            "tenant_discovery_endpoint": (
                f"{request.base_url}/{tenant}/v2.0/.well-known/openid-configuration"
            ),
            "api-version": "1.1",
            "metadata": [],
        }
        return json_response(200, body, content_type="application/json")

    def _token(self, request: Request) -> Response:
        form = dict(parse_qsl(request.body.decode(), keep_blank_values=True))
        grant = form.get("grant_type", "")
        self.count(grant or "missing")
        try:
            return json_response(
                200,
                self._grant(grant, form, request.base_url),
                content_type="application/json; charset=utf-8",
            )
        except TokenError as error:
            return error.response()

    def _grant(self, grant: str, form: dict[str, str], base: str) -> dict[str, Any]:
        client_id = form.get("client_id", "")
        if client_id not in self.apps:
            raise TokenError(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{client_id}' was not found in the "
                f"directory '{self.state['tenant_id']}'.",
            )
        if grant == "client_credentials":
            return self._client_credentials(client_id, form, base)
        if grant == "password":
            return self._password(client_id, form, base)
        if grant == "refresh_token":
            return self._refresh(client_id, form, base)
        raise TokenError(
            400,
            "unsupported_grant_type",
            70003,
            f"The app requested an unsupported grant type '{grant}'.",
        )

    def _check_secret(self, client_id: str, form: dict[str, str], required: bool) -> None:
        if "client_secret" in form:
            if not hmac.compare_digest(form["client_secret"], self.apps[client_id]):
                raise TokenError(
                    401,
                    "invalid_client",
                    7000215,
                    "Invalid client secret provided. "
                    "Ensure the secret being sent in the request is the client "
                    "secret value, not the client secret ID, for a secret added "
                    f"to app '{client_id}'.",
                )
        elif "client_assertion" in form:
            problem = check_assertion(form["client_assertion"], client_id, self.certificate)
            if problem:
                raise TokenError(
                    401,
                    "invalid_client",
                    700027,
                    f"Client assertion failed signature validation. {problem}",
                )
        elif required:
            raise TokenError(
                401,
                "invalid_client",
                7000218,
                "The request body must contain "
                "the following parameter: 'client_assertion' or 'client_secret'.",
            )

    def _client_credentials(
        self, client_id: str, form: dict[str, str], base: str
    ) -> dict[str, Any]:
        self._check_secret(client_id, form, required=True)
        scopes = form.get("scope", "").split()
        resource = self._resource(scopes, base, app_only=True)
        claims = {
            "appid": client_id,
            "oid": creds.stable_id(self.state, "app", client_id),
            "idtyp": "app",
            "roles": ["user_impersonation"],
        }
        return self._issue(resource, claims, base)

    def _password(self, client_id: str, form: dict[str, str], base: str) -> dict[str, Any]:
        self._check_secret(client_id, form, required=False)
        user = form.get("username", "").lower()
        if self.passwords.get(user) is None or not hmac.compare_digest(
            self.passwords[user], form.get("password", "")
        ):
            raise TokenError(
                400,
                "invalid_grant",
                50126,
                "Error validating credentials due to invalid username or password.",
            )
        if user in self.disabled:
            raise TokenError(400, "invalid_grant", 50057, "The user account is disabled.")
        resource = self._resource(form.get("scope", "").split(), base, app_only=False)
        return self._issue_for_user(client_id, user, resource, base)

    def _refresh(self, client_id: str, form: dict[str, str], base: str) -> dict[str, Any]:
        claims = verify(form.get("refresh_token", ""), self.state["signing_key"])
        if not claims or claims.get("typ") != "refresh" or claims.get("appid") != client_id:
            raise TokenError(
                400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid."
            )
        resource = self._resource(form.get("scope", "").split(), base, app_only=False)
        return self._issue_for_user(client_id, claims["upn"], resource, base)

    def _issue_for_user(
        self, client_id: str, user: str, resource: str, base: str
    ) -> dict[str, Any]:
        oid = creds.stable_id(self.state, "user", user)
        claims = {
            "appid": client_id,
            "oid": oid,
            "upn": user,
            "idtyp": "user",
            "scp": "user_impersonation",
        }
        result = self._issue(resource, claims, base)
        tenant = self.state["tenant_id"]
        now = int(time.time())
        id_claims = {
            "aud": client_id,
            "iss": f"{base}/{tenant}/v2.0",
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "oid": oid,
            "sub": oid,
            "tid": tenant,
            "preferred_username": user,
            "name": user.split("@")[0],
            "ver": "2.0",
        }
        result["id_token"] = sign(id_claims, self.state["signing_key"])
        result["client_info"] = _b64(json.dumps({"uid": oid, "utid": tenant}).encode())
        result["refresh_token"] = sign(
            {"typ": "refresh", "appid": client_id, "upn": user, "jti": str(uuid.uuid4())},
            self.state["signing_key"],
        )
        return result

    def _resource(self, scopes: list[str], base: str, app_only: bool) -> str:
        wanted = [s for s in scopes if s not in RESERVED_SCOPES]
        if len(wanted) != 1:
            raise TokenError(
                400,
                "invalid_scope",
                70011,
                "The provided request must include "
                "exactly one resource scope: '<resource>/.default'.",
            )
        resource, _, permission = wanted[0].rpartition("/")
        if app_only and permission != ".default":
            raise TokenError(
                400,
                "invalid_scope",
                1002012,
                f"The provided value for scope "
                f"{wanted[0]} is not valid. Client credential flows must have a "
                "scope value with /.default suffixed to the resource identifier.",
            )
        if not (
            is_dataverse_audience(resource, base) or resource == creds.BUSINESS_CENTRAL_RESOURCE
        ):
            raise TokenError(
                400,
                "invalid_resource",
                500011,
                f"The resource principal named "
                f"{resource} was not found in the tenant named "
                f"{self.state['tenant_id']}.",
            )
        return resource

    def _issue(self, resource: str, claims: dict[str, Any], base: str) -> dict[str, Any]:
        now = int(time.time())
        lifetime = int(self.lifetime())
        tenant = self.state["tenant_id"]
        claims = {
            "aud": resource,
            "iss": f"{base}/{tenant}/v2.0",
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "tid": tenant,
            "sub": claims["oid"],
            "ver": "2.0",
            "jti": str(uuid.uuid4()),
            **claims,
        }
        token = sign(claims, self.state["signing_key"])
        return {
            "token_type": "Bearer",
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": token,
        }


def is_dataverse_audience(resource: str, base: str) -> bool:
    """True when ``resource`` is the sandbox origin under any loopback host name."""
    mine, theirs = urlsplit(base), urlsplit(resource.rstrip("/"))
    return (
        theirs.scheme == "https"
        and theirs.hostname in LOOPBACK_HOSTS
        and theirs.port == mine.port
        and theirs.path in ("", "/")
    )


def authenticate(request: Request, key: str, accepts: Callable[[str], bool]) -> Principal | str:
    """The caller of a service request, or the reason the bearer token is refused."""
    scheme, _, token = (request.header("authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return "Bearer token is missing."
    claims = verify(token.strip(), key)
    if claims is None or claims.get("typ") == "refresh":
        return "Bearer token is invalid."
    if claims.get("exp", 0) <= time.time():
        return "Bearer token has expired."
    if not accepts(claims.get("aud", "")):
        return f"Bearer token audience '{claims.get('aud')}' is not valid for this service."
    return Principal(
        claims.get("idtyp", "app"),
        claims.get("appid", ""),
        claims.get("oid", ""),
        claims.get("upn", ""),
        claims.get("aud", ""),
    )
