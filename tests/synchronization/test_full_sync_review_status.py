"""The review's status agrees with the rows: a job that will start a run is shown as starting,
never beside "No full synchronization has been started yet"."""
# The fixtures are imported from pages_support, and pytest passes them in by name.
# ruff: noqa: F401, F811

from synchronization.models import JobStatus, SyncJob
from tests.synchronization.pages_support import connection, customer

NONE_STARTED = "No full synchronization has been started yet"


def test_a_waiting_run_full_synchronization_job_shows_as_starting(admin_client, customer):
    job = SyncJob.objects.create(kind="initial_sync", connection=customer.connection,
                                 status=JobStatus.PENDING,
                                 parameters={"connection_id": customer.connection.pk})
    page = admin_client.get("/sync/full-sync/").content.decode()
    assert NONE_STARTED not in page
    assert f'data-starting-job="{job.pk}"' in page and "Starting" in page
    assert 'data-run-active="yes"' in page and 'data-polling="live"' in page
    lines = admin_client.get("/sync/full-sync/lines/")
    assert lines.status_code == 200  # polling goes on until the run shows


def test_with_no_run_and_no_job_the_review_says_none_was_started(admin_client, customer):
    SyncJob.objects.create(kind="initial_sync", connection=customer.connection,
                           status=JobStatus.FINISHED)
    page = admin_client.get("/sync/full-sync/").content.decode()
    assert NONE_STARTED in page and 'data-run-active="no"' in page
