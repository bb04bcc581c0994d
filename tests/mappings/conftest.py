"""Fixtures of the mappings tests: a connection with the default mappings."""

import pytest

from connection.models import ConnectionSetup
from mappings.defaults import apply_default_setup


@pytest.fixture
def connection(db):
    return ConnectionSetup.objects.create(name="CRONUS")


@pytest.fixture
def defaults(connection):
    """The connection with its default mappings; returns the mappings by name."""
    return {m.name: m for m in apply_default_setup(connection, sales_order_integration=True)}
