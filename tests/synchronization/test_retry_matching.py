"""A record tried again is matched on the mapping's fields, as in an initial synchronization:
what failed may have been the update of an existing record it was matched to, and creating it
would duplicate that record. Read back from both systems through the sandbox."""

import pytest
from django.utils import timezone

from mappings.models import Coupling
from synchronization.models import (
    ErrorKind,
    JobStatus,
    SyncDirection,
    SyncError,
    SyncJob,
    SyncMode,
)
from tests.synchronization.engine_support import full, mapping, run_now
from tests.synchronization.reconcile_support import bc_customer_names, ids_by_name
from tests.synchronization.test_faults_support import CUSTOMER_DEPENDENCIES

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def customers(synced_connection):
    for name in CUSTOMER_DEPENDENCIES:
        full(mapping(synced_connection, name))
    return mapping(synced_connection, "CUSTOMER")


def assert_coupled_once(connection, customers, name: str) -> None:
    assert bc_customer_names(connection)[name] == 1
    bc_ids, sales_ids = ids_by_name(connection)
    assert Coupling.objects.filter(mapping=customers, bc_id=bc_ids[name],
                                   sales_id=sales_ids[name]).exists()


def test_a_chosen_uncoupled_account_couples_to_its_match_instead_of_a_new_customer(
        synced_connection, customers):
    _, sales_ids = ids_by_name(synced_connection)
    [job] = run_now(customers, SyncMode.SELECTED, direction=SyncDirection.FROM_SALES,
                    sales_ids=[str(sales_ids["Adatum Corporation"])])
    assert job.status == JobStatus.FINISHED, job.message
    assert job.inserted == 0 and job.modified == 1
    assert_coupled_once(synced_connection, customers, "Adatum Corporation")


def test_a_scheduled_run_retries_a_failed_matched_update_as_an_update(
        synced_connection, customers):
    # What a fault leaves: the update of the customer the account was matched to failed, so
    # the account is uncoupled with an open error, and nothing changed since the last run.
    _, sales_ids = ids_by_name(synced_connection)
    SyncError.objects.create(
        job=SyncJob.objects.order_by("pk").last(), mapping=customers, kind=ErrorKind.ERROR,
        direction=SyncDirection.FROM_SALES, source_id=str(sales_ids["Trey Research"]),
        source_label="Trey Research", message="the connection was closed by the other side")
    # Scheduled runs that create uncoupled records (Synch. Only Coupled Records off).
    customers.sales_watermark, customers.synch_only_coupled_records = timezone.now(), False
    customers.save(update_fields=["sales_watermark", "synch_only_coupled_records"])

    [job] = run_now(customers, SyncMode.MODIFIED, direction=SyncDirection.FROM_SALES)

    assert job.status == JobStatus.FINISHED, job.message
    assert job.inserted == 0 and job.modified == 1
    assert_coupled_once(synced_connection, customers, "Trey Research")
