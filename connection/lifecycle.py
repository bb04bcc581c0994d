"""Enable and disable a connection, as Business Central's "Is Enabled" validation does."""

from __future__ import annotations

from django.db import transaction

from connection import audit, registry
from connection.checks import TestReport, run_test_connection
from connection.models import ConnectionSetup, ConnectionStatus


def enable(connection: ConnectionSetup, user=None) -> TestReport:
    """Run Test Connection; when it passes, set Enabled and take the jobs off hold."""
    report = run_test_connection(connection, user)
    if not report.passed:
        return report
    before = audit.snapshot(connection)
    with transaction.atomic():
        connection.is_enabled, connection.disable_reason = True, ""
        connection.save()
        registry.set_jobs_on_hold(connection, False)
        audit.record_changes(connection, before, user)
    return report


def disconnect(connection: ConnectionSetup, user=None, reason: str = "") -> None:
    """Disconnect: clear Enabled, keep every setting, put the synchronization jobs on hold."""
    before = audit.snapshot(connection)
    with transaction.atomic():
        connection.is_enabled = False
        connection.status = ConnectionStatus.DISCONNECTED
        connection.disable_reason = reason
        connection.save()
        registry.set_jobs_on_hold(connection, True)
        audit.record_changes(connection, before, user)
