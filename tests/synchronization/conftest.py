"""Connections to the shared sandbox with the default synchronization setup."""

import pytest

from connection.documents import apply_document, sandbox_document
from connection.models import ConnectionSetup
from mappings.defaults import apply_default_setup
from synchronization.models import JobQueueEntry


@pytest.fixture
def synced_connection(db, sandbox_clean) -> ConnectionSetup:
    """An enabled connection to a freshly reset sandbox, with the default mappings."""
    connection, _ = apply_document(sandbox_document(sandbox_clean.credentials, "CRONUS sandbox"))
    apply_default_setup(connection)
    # Enabled as Test Connection would leave it (the connection tests cover enabling itself).
    ConnectionSetup.objects.filter(pk=connection.pk).update(is_enabled=True)
    # The schedule is off, so a worker's tick never races a test's own runs; scheduler tests
    # switch on the entries they need.
    JobQueueEntry.objects.filter(connection=connection).update(enabled=False)
    connection.refresh_from_db()
    return connection
