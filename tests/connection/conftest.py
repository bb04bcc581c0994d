"""Connections wired to the shared sandbox, and the portal pointed at it."""

import pytest

from connection.documents import apply_document, sandbox_document
from connection.models import ConnectionSetup


@pytest.fixture
def portal_sees_sandbox(settings, sandbox_clean):
    """The portal's demo button and connect_sandbox read this sandbox's credentials."""
    settings.SANDBOX_URL = sandbox_clean.url
    settings.SANDBOX_CA_BUNDLE = sandbox_clean.ca_bundle
    return sandbox_clean


@pytest.fixture
def sandbox_connection(db, sandbox_clean) -> ConnectionSetup:
    """A saved (not yet enabled) connection with the sandbox's demo settings."""
    document = sandbox_document(sandbox_clean.credentials, "CRONUS sandbox")
    connection, _ = apply_document(document)
    return connection
