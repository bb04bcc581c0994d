"""The fuzz tests borrow the sandbox-connected connection of the synchronization tests."""

from tests.synchronization.conftest import synced_connection  # noqa: F401 - a fixture
