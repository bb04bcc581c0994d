"""A disconnected connection synchronizes nothing: pages, commands, full synchronization and
jobs queued before Disconnect all refuse, and say why."""

import pytest
from django.core.management import CommandError, call_command

from connection import lifecycle
from synchronization import jobs, runs
from synchronization.models import JobStatus, SyncJob, SyncMode
from tests.synchronization.engine_support import bc, integration_dataverse, mapping

pytestmark = pytest.mark.django_db(transaction=True)


def sales_currencies(connection) -> int:
    return integration_dataverse(connection).count("transactioncurrencies")


def test_synchronize_now_on_a_disconnected_connection_starts_nothing_and_says_so(
        synced_connection, admin_client):
    currency = mapping(synced_connection, "CURRENCY")
    lifecycle.disconnect(synced_connection)
    response = admin_client.post("/sync/start/", {"mapping_id": currency.pk, "mode": "full"},
                                 follow=True)
    assert "is disabled, so nothing is synchronized" in response.content.decode()
    assert not SyncJob.objects.exists()


def test_the_commands_exit_with_an_error_on_a_disconnected_connection(synced_connection):
    lifecycle.disconnect(synced_connection)
    with pytest.raises(CommandError, match="is disabled"):
        call_command("sync", "CURRENCY")
    with pytest.raises(CommandError, match="is disabled"):
        call_command("fullsync")
    assert not SyncJob.objects.exists()


def test_jobs_queued_before_disconnect_do_not_run_after_it(synced_connection):
    before = sales_currencies(synced_connection)
    bc_before = bc(synced_connection).count("currencies")
    started = runs.start_mapping_sync(mapping(synced_connection, "CURRENCY"), SyncMode.ALL,
                                      ignore_synch_only_coupled=True)
    lifecycle.disconnect(synced_connection)
    jobs.run(started[0].pk)
    for job in started:
        job.refresh_from_db()
        assert job.status == JobStatus.CANCELLED and "is disabled" in job.message
    assert sales_currencies(synced_connection) == before
    assert bc(synced_connection).count("currencies") == bc_before
