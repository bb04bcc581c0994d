"""Certificate trust and unreachable services, with the CA bundle the user configured."""

import certifi
import pytest

from connection.clients import (
    AuthenticationError,
    BasicCredential,
    ClientSecretCredential,
    ConnectionFailed,
    DataverseClient,
    RetryPolicy,
)

CA_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


@pytest.fixture
def no_ca_environment(monkeypatch):
    """Only the system trust store: the sandbox CA is unknown to it."""
    for name in CA_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_without_the_ca_bundle_the_api_reports_an_untrusted_certificate(credentials,
                                                                       no_ca_environment):
    client = DataverseClient(credentials["dataverse_url"], BasicCredential("user", "key"))
    with pytest.raises(ConnectionFailed) as caught:
        client.whoami()
    assert str(caught.value).startswith(f"could not reach {credentials['dataverse_url']}: "
                                        "certificate not trusted")
    assert client.counters().requests == 1


def test_without_the_ca_bundle_sign_in_reports_an_untrusted_certificate(credentials,
                                                                       no_ca_environment):
    untrusted = ClientSecretCredential(credentials["authority"], credentials["client_id"],
                                       credentials["client_secret"])
    with pytest.raises(AuthenticationError, match="certificate not trusted"):
        untrusted.token(credentials["dataverse_url"])


def test_our_ca_bundle_wins_over_requests_ca_bundle_in_the_environment(monkeypatch, credentials,
                                                                      app_credential):
    for name in CA_VARIABLES:
        monkeypatch.setenv(name, certifi.where())
    client = DataverseClient(credentials["dataverse_url"], app_credential)
    assert client.whoami().user_id


def test_an_unreachable_service_raises_connection_failed(closed_port):
    client = DataverseClient(f"https://localhost:{closed_port}", BasicCredential("u", "k"),
                             retry=RetryPolicy(max_attempts=2, base_delay=0.01))
    with pytest.raises(ConnectionFailed) as caught:
        client.whoami()
    assert "connection refused" in str(caught.value)
    assert client.counters().retries == 1


def test_an_unknown_host_name_is_reported_as_such():
    client = DataverseClient("https://no-such-host.invalid", BasicCredential("u", "k"),
                             retry=RetryPolicy.no_retries())
    with pytest.raises(ConnectionFailed, match="host name not found"):
        client.whoami()
