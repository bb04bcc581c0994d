"""Token service conformance with real msal 1.39 (protocols.md 1.2-1.5, 5.0)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import msal
import requests


class PortRoutingSession(requests.Session):
    """msal calls ``https://<host>/common/userrealm/...`` without the port (protocols.md 1.4
    row 4); route such URLs to the sandbox port, as a client's own http_client would."""

    def __init__(self, ca_bundle: str, port: int) -> None:
        super().__init__()
        self.trust_env, self.verify, self.port = False, ca_bundle, port

    def request(self, method: str | bytes, url: Any, *args: Any, **kwargs: Any
                ) -> requests.Response:
        parts = urlsplit(url)
        if parts.hostname == "localhost" and parts.port is None:
            url = urlunsplit(parts._replace(netloc=f"localhost:{self.port}"))
        return super().request(method, url, *args, **kwargs)


def _confidential(sandbox: Any, secret: str | None = None) -> msal.ConfidentialClientApplication:
    creds = sandbox.credentials
    return msal.ConfidentialClientApplication(
        creds["client_id"],
        client_credential=secret or creds["client_secret"],
        authority=creds["authority"],
        instance_discovery=False,
        http_client=PortRoutingSession(sandbox.ca_bundle, sandbox.port),
    )


def test_msal_gets_an_app_token_with_the_client_secret(sandbox_clean):
    result = _confidential(sandbox_clean).acquire_token_for_client(
        scopes=[sandbox_clean.credentials["dataverse_scope"]]
    )
    assert result["token_type"] == "Bearer"
    assert result["expires_in"] > 0 and result["access_token"]
    assert sandbox_clean.counters()["token"]["by_grant"] == {"client_credentials": 1}


def test_msal_gets_a_business_central_token_for_the_real_bc_scope(sandbox_clean):
    result = _confidential(sandbox_clean).acquire_token_for_client(
        scopes=["https://api.businesscentral.dynamics.com/.default"]
    )
    assert "access_token" in result


def test_a_bad_secret_returns_invalid_client_with_aadsts7000215(sandbox_clean):
    result = _confidential(sandbox_clean, secret="wrong").acquire_token_for_client(
        scopes=[sandbox_clean.credentials["dataverse_scope"]]
    )
    assert result["error"] == "invalid_client"
    assert result["error_description"].startswith("AADSTS7000215")
    assert result["error_codes"] == [7000215]


def test_msal_username_password_token_identifies_the_user_in_whoami(sandbox_clean):
    creds = sandbox_clean.credentials
    app = msal.PublicClientApplication(
        creds["client_id"],
        authority=creds["authority"],
        instance_discovery=False,
        http_client=PortRoutingSession(sandbox_clean.ca_bundle, sandbox_clean.port),
    )
    result = app.acquire_token_by_username_password(
        creds["integration_user"],
        creds["integration_password"],
        scopes=[creds["dataverse_user_scope"]],
    )
    assert "access_token" in result, result
    assert app.get_accounts()[0]["username"] == creds["integration_user"]
    session = sandbox_clean.session()
    headers = {"Authorization": f"Bearer {result['access_token']}"}
    who = session.get(f"{creds['dataverse_api_url']}WhoAmI", headers=headers).json()
    user = session.get(
        f"{creds['dataverse_api_url']}systemusers({who['UserId']})?$select=internalemailaddress",
        headers=headers,
    ).json()
    assert user["internalemailaddress"] == creds["integration_user"]


def test_a_wrong_password_returns_invalid_grant_aadsts50126(sandbox_clean):
    creds = sandbox_clean.credentials
    response = sandbox_clean.control.post(
        creds["token_endpoint"],
        data={
            "client_id": creds["client_id"],
            "grant_type": "password",
            "username": creds["admin_user"],
            "password": "nope",
            "scope": creds["dataverse_user_scope"],
        },
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert "AADSTS50126" in response.json()["error_description"]


def test_an_unknown_user_returns_invalid_grant(sandbox_clean):
    creds = sandbox_clean.credentials
    response = sandbox_clean.control.post(
        creds["token_endpoint"],
        data={
            "client_id": creds["client_id"],
            "grant_type": "password",
            "username": "nobody@example.com",
            "password": "x",
            "scope": creds["dataverse_user_scope"],
        },
    )
    assert response.json()["error"] == "invalid_grant"


def test_an_expired_token_is_refused_with_401(sandbox_clean):
    sandbox_clean.settings(token_lifetime_seconds=1)
    token = sandbox_clean.token("dataverse")
    time.sleep(1.1)
    response = sandbox_clean.session().get(
        f"{sandbox_clean.credentials['dataverse_api_url']}WhoAmI",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 401
    assert "Bearer" in response.headers["WWW-Authenticate"]


def test_a_missing_token_is_refused_by_both_services(sandbox_clean):
    creds = sandbox_clean.credentials
    session = sandbox_clean.session()
    assert session.get(f"{creds['dataverse_api_url']}WhoAmI").status_code == 401
    assert session.get(f"{creds['business_central_url']}/companies").status_code == 401


def test_a_dataverse_token_is_refused_by_business_central(sandbox_clean):
    creds = sandbox_clean.credentials
    token = sandbox_clean.token("dataverse")
    response = sandbox_clean.session().get(
        f"{creds['business_central_url']}/companies", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "Authentication_InvalidCredentials"


def test_whoami_reflects_app_integration_user_and_admin(sandbox_clean):
    creds = sandbox_clean.credentials
    tokens = [
        sandbox_clean.token("dataverse"),
        sandbox_clean.token("dataverse", creds["integration_user"], creds["integration_password"]),
        sandbox_clean.token("dataverse", creds["admin_user"], creds["admin_password"]),
    ]
    session = sandbox_clean.session()
    users = {
        session.get(
            f"{creds['dataverse_api_url']}WhoAmI", headers={"Authorization": f"Bearer {t}"}
        ).json()["UserId"]
        for t in tokens
    }
    assert len(users) == 3


def test_msal_gets_an_app_token_with_the_certificate_credential(sandbox_clean):
    creds = sandbox_clean.credentials
    credential = {
        "private_key": Path(creds["client_private_key"]).read_text(),
        "thumbprint": creds["client_certificate_thumbprint"],
    }
    app = msal.ConfidentialClientApplication(
        creds["client_id"],
        client_credential=credential,
        authority=creds["authority"],
        instance_discovery=False,
        http_client=PortRoutingSession(sandbox_clean.ca_bundle, sandbox_clean.port),
    )
    result = app.acquire_token_for_client(scopes=[creds["business_central_scope"]])
    assert "access_token" in result, result


def test_a_forged_client_assertion_is_refused(sandbox_clean):
    creds = sandbox_clean.credentials
    response = sandbox_clean.control.post(
        creds["token_endpoint"],
        data={
            "client_id": creds["client_id"],
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": "e30.e30.c2ln",
            "scope": creds["dataverse_scope"],
        },
    )
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
