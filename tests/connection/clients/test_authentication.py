"""Signing in through msal against the sandbox's Entra-shaped token service."""

import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from connection.clients import (
    AuthenticationError,
    CertificateCredential,
    ClientSecretCredential,
    DataverseClient,
    UsernamePasswordCredential,
)
from tests.connection.clients.conftest import FAST_RETRIES


def test_a_client_secret_gets_a_token_and_whoami_names_the_application_user(dataverse):
    me = dataverse.whoami()
    assert me.user_id and me.business_unit_id and me.organization_id


def test_tokens_come_from_the_cache_between_requests(sandbox_clean, dataverse):
    dataverse.whoami()
    dataverse.whoami()
    assert sandbox_clean.counters()["token"]["requests"] == 1


def test_user_name_and_password_sign_in_as_that_user(sandbox_clean, credentials, dataverse):
    user = UsernamePasswordCredential(credentials["authority"], credentials["client_id"],
                                      credentials["integration_user"],
                                      credentials["integration_password"],
                                      ca_bundle=sandbox_clean.ca_bundle)
    client = DataverseClient(credentials["dataverse_url"], user)
    assert client.whoami().user_id != dataverse.whoami().user_id


def test_user_name_and_password_also_work_through_the_confidential_app(sandbox_clean, credentials):
    user = UsernamePasswordCredential(credentials["authority"], credentials["client_id"],
                                      credentials["integration_user"],
                                      credentials["integration_password"],
                                      client_secret=credentials["client_secret"],
                                      ca_bundle=sandbox_clean.ca_bundle)
    assert DataverseClient(credentials["dataverse_url"], user).whoami().user_id


def test_an_expired_token_is_replaced_before_the_next_request(sandbox_clean, dataverse):
    sandbox_clean.settings(token_lifetime_seconds=1)
    dataverse.whoami()
    time.sleep(1.2)
    dataverse.whoami()
    # At least one new token; a slow machine may need one more within the 1-s lifetime.
    assert sandbox_clean.counters()["token"]["requests"] >= 2
    assert dataverse.counters().failures == 0


class StaleFirst:
    """A token source that first hands out an already expired token, then the real ones."""

    refreshable = True

    def __init__(self, real, stale: str) -> None:
        self.stale: str | None = stale
        self.real, self.ca_bundle = real, real.ca_bundle

    def authorization(self, resource: str) -> str:
        return f"Bearer {self.stale}" if self.stale else self.real.authorization(resource)

    def invalidate(self, resource: str) -> None:
        self.stale = None
        self.real.invalidate(resource)


def test_a_401_for_an_expired_token_is_retried_once_with_a_new_token(sandbox_clean, credentials,
                                                                     app_credential):
    sandbox_clean.settings(token_lifetime_seconds=1)
    stale = sandbox_clean.token("dataverse")
    time.sleep(1.2)
    sandbox_clean.settings(token_lifetime_seconds=3600)
    client = DataverseClient(credentials["dataverse_url"], StaleFirst(app_credential, stale))
    assert client.whoami().user_id
    counters = client.counters()
    assert (counters.requests, counters.token_refreshes, counters.failures) == (2, 1, 0)


def test_a_wrong_secret_says_so_with_its_aadsts_code(sandbox_clean, credentials):
    wrong = ClientSecretCredential(credentials["authority"], credentials["client_id"], "wrong",
                                   ca_bundle=sandbox_clean.ca_bundle)
    with pytest.raises(AuthenticationError) as caught:
        DataverseClient(credentials["dataverse_url"], wrong).whoami()
    assert caught.value.code == "AADSTS7000215"
    assert str(caught.value).startswith("The client secret is wrong.")


def test_an_unknown_client_id_says_the_application_was_not_found(sandbox_clean, credentials):
    unknown = ClientSecretCredential(credentials["authority"],
                                     "00000000-0000-0000-0000-000000000001", "secret",
                                     ca_bundle=sandbox_clean.ca_bundle)
    with pytest.raises(AuthenticationError, match="No application with this client ID"):
        unknown.token(credentials["dataverse_url"])


def test_a_wrong_password_says_so(sandbox_clean, credentials):
    user = UsernamePasswordCredential(credentials["authority"], credentials["client_id"],
                                      credentials["integration_user"], "not-the-password",
                                      ca_bundle=sandbox_clean.ca_bundle)
    with pytest.raises(AuthenticationError) as caught:
        user.token(credentials["dataverse_url"])
    assert caught.value.code == "AADSTS50126"
    assert "user name or password is wrong" in str(caught.value)


def test_an_unknown_user_is_refused(sandbox_clean, credentials):
    user = UsernamePasswordCredential(credentials["authority"], credentials["client_id"],
                                      "nobody@example.com", "x", ca_bundle=sandbox_clean.ca_bundle)
    with pytest.raises(AuthenticationError, match="AADSTS"):
        user.token(credentials["dataverse_url"])


def test_an_unknown_tenant_is_reported_as_a_bad_authority(sandbox_clean, credentials):
    wrong = ClientSecretCredential(f"{sandbox_clean.url}/no-such-tenant", credentials["client_id"],
                                   credentials["client_secret"], ca_bundle=sandbox_clean.ca_bundle)
    with pytest.raises(AuthenticationError, match="did not answer as a sign-in service"):
        wrong.token(credentials["dataverse_url"])


def test_an_unreachable_authority_is_reported_in_plain_words(credentials, closed_port):
    unreachable = ClientSecretCredential(f"https://localhost:{closed_port}/tenant",
                                         credentials["client_id"], "secret")
    with pytest.raises(AuthenticationError) as caught:
        unreachable.token(credentials["dataverse_url"])
    assert str(caught.value) == (
        f"Could not reach the sign-in service https://localhost:{closed_port}: connection "
        "refused (nothing is listening on that address and port).")


def test_a_certificate_credential_signs_an_assertion_the_provider_checks(sandbox_clean,
                                                                         credentials):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    certificate = CertificateCredential(credentials["authority"], credentials["client_id"], pem,
                                        "AB:" * 19 + "CD", ca_bundle=sandbox_clean.ca_bundle)
    # The sandbox registers no certificates, so the signed assertion reaches it and is refused.
    with pytest.raises(AuthenticationError) as caught:
        DataverseClient(credentials["dataverse_url"], certificate, retry=FAST_RETRIES).whoami()
    assert caught.value.code == "AADSTS700027"
    assert str(caught.value).startswith("The certificate was refused.")
