"""Clients pointed at the running sandbox, exactly as the portal would build them."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from connection.clients import (
    BusinessCentralClient,
    ClientSecretCredential,
    DataverseClient,
    RetryPolicy,
)
from connection.clients.auth import forget_cached_applications

# Retries stay on, with waits short enough for a fast suite.
FAST_RETRIES = RetryPolicy(max_attempts=4, max_total_wait=10.0, base_delay=0.05, max_delay=0.5)


@pytest.fixture(autouse=True)
def fresh_token_cache():
    """Each test acquires its own tokens: sandbox settings such as the lifetime apply."""
    forget_cached_applications()
    yield
    forget_cached_applications()


@pytest.fixture
def credentials(sandbox_clean) -> dict:
    """Connection details of the freshly reset sandbox."""
    return sandbox_clean.credentials


@pytest.fixture
def app_credential(sandbox_clean, credentials) -> ClientSecretCredential:
    """The Dataverse application user's client secret, trusting the sandbox CA."""
    return ClientSecretCredential(credentials["authority"], credentials["client_id"],
                                  credentials["client_secret"], ca_bundle=sandbox_clean.ca_bundle)


@pytest.fixture
def dataverse(credentials, app_credential) -> Iterator[DataverseClient]:
    """A Dataverse client with the application user."""
    client = DataverseClient(credentials["dataverse_url"], app_credential, retry=FAST_RETRIES)
    yield client
    client.close()


@pytest.fixture
def business_central(sandbox_clean, credentials) -> Iterator[BusinessCentralClient]:
    """A Business Central client bound to the demo company, with the BC app registration."""
    tokens = ClientSecretCredential(credentials["authority"],
                                    credentials["business_central_client_id"],
                                    credentials["business_central_client_secret"],
                                    ca_bundle=sandbox_clean.ca_bundle)
    client = BusinessCentralClient(credentials["business_central_url"], tokens,
                                   credentials["company_id"], retry=FAST_RETRIES)
    yield client
    client.close()


@pytest.fixture
def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
