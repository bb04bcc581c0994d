"""Credential rules that need no identity provider: authorities, scopes, error messages."""

import base64

import pytest

from connection.clients.auth import (
    BasicCredential,
    ClientSecretCredential,
    MsalHttpClient,
    _refusal,
    authority_url,
    is_microsoft_authority,
    scopes_for,
)
from connection.clients.errors import AuthenticationError


def test_authorities_of_the_national_clouds():
    assert authority_url("t1") == "https://login.microsoftonline.com/t1"
    assert authority_url("t1", "usgovernment") == "https://login.microsoftonline.us/t1"
    assert authority_url("t1", "china") == "https://login.chinacloudapi.cn/t1"
    with pytest.raises(ValueError, match="unknown cloud"):
        authority_url("t1", "mars")


def test_only_microsoft_hosts_are_validated_by_microsoft():
    assert is_microsoft_authority("https://login.microsoftonline.com/t1")
    assert not is_microsoft_authority("https://idp.example:8443/t1")


@pytest.mark.parametrize("authority", ["http://idp.example/t1", "https://idp.example",
                                       "login.microsoftonline.com/t1", ""])
def test_a_bad_authority_url_is_refused_with_an_example(authority):
    with pytest.raises(AuthenticationError, match="must be an https URL ending in the tenant"):
        ClientSecretCredential(authority, "client", "secret")


def test_app_only_scopes_use_default_and_delegated_dataverse_uses_user_impersonation():
    assert scopes_for("https://org.crm.dynamics.com/", True) == ["https://org.crm.dynamics.com/.default"]
    assert scopes_for("https://org.crm.dynamics.com", False) == [
        "https://org.crm.dynamics.com/user_impersonation"]
    assert scopes_for("https://api.businesscentral.dynamics.com", False) == [
        "https://api.businesscentral.dynamics.com/.default"]


def test_a_wrong_secret_reads_as_a_wrong_secret_with_its_aadsts_code():
    error = _refusal({"error": "invalid_client", "error_codes": [7000215],
                      "error_description": "AADSTS7000215: Invalid client secret provided."})
    assert error.code == "AADSTS7000215" and error.error == "invalid_client"
    assert str(error).startswith("The client secret is wrong.")
    assert str(error).endswith("(AADSTS7000215)")


def test_an_unknown_code_keeps_the_providers_first_line():
    error = _refusal({"error": "invalid_request",
                      "error_description": "AADSTS9999: Something odd.\r\nTrace ID: 1"})
    assert str(error) == "AADSTS9999: Something odd. (AADSTS9999)"


def test_the_msal_http_client_restores_the_authority_port_msal_drops():
    client = MsalHttpClient("https://idp.example:8443/t1", "/ca.pem", (1, 2))
    assert client._url("https://idp.example/common/userrealm/u@x?api-version=1.0") == \
        "https://idp.example:8443/common/userrealm/u@x?api-version=1.0"
    assert client._url("https://other.example/x") == "https://other.example/x"


def test_basic_credentials_send_user_and_access_key():
    header = BasicCredential("ADMIN", "key==").authorization("any")
    assert base64.b64decode(header.split()[1]) == b"ADMIN:key=="
    assert BasicCredential.refreshable is False
