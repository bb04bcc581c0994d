"""Updates of coupled Sales rows conditional on the row's stored ETag (synchronization.
conditional), against the sandbox over HTTPS: no read of the rows first, and a row changed or
deleted since the last synchronization is still read and judged as before."""

import pytest

from mappings.models import DeletionConflictResolution, UpdateConflictResolution
from synchronization.models import ErrorKind, SyncDirection, SyncError
from tests.synchronization.engine_support import (
    admin_dataverse,
    bc,
    couplings,
    full,
    integration_dataverse,
    mapping,
    run_now,
)

pytestmark = pytest.mark.django_db(transaction=True)

TO_SALES = SyncDirection.TO_SALES


def synchronized_customers(connection, conflicts=UpdateConflictResolution.NONE):
    for name in ("SALESPEOPLE", "CURRENCY"):
        full(mapping(connection, name))
    customer = mapping(connection, "CUSTOMER")
    customer.update_conflict_resolution = conflicts
    customer.deletion_conflict_resolution = DeletionConflictResolution.RESTORE
    customer.save()
    full(customer)
    return customer, couplings(customer).filter(last_sales_result="success").first()


def change_phone_in_bc(connection, coupled, phone: str) -> None:
    client = bc(connection)
    record = client.get("customers", str(coupled.bc_id))
    client.update("customers", str(coupled.bc_id), {"phoneNumber": phone}, record["@odata.etag"])


def test_a_synchronized_coupling_keeps_the_accounts_etag_as_sales_wrote_it(synced_connection):
    _customer, coupled = synchronized_customers(synced_connection)
    account = integration_dataverse(synced_connection).get("accounts", str(coupled.sales_id))
    assert coupled.sales_etag == account["@odata.etag"]
    assert coupled.sales_fingerprint


def test_a_changed_customer_is_written_with_one_conditional_batch_and_no_read(
        synced_connection, sandbox_clean):
    customer, coupled = synchronized_customers(synced_connection)
    change_phone_in_bc(synced_connection, coupled, "555-0301")
    sandbox_clean.reset_counters()

    (job,) = run_now(customer, direction=TO_SALES)

    assert job.modified == 1, job.message
    assert sandbox_clean.counters()["dataverse"]["by_method"] == {"POST": 1}
    account = integration_dataverse(synced_connection).get("accounts", str(coupled.sales_id))
    assert account["telephone1"] == "555-0301"
    coupled.refresh_from_db()
    assert coupled.sales_etag == account["@odata.etag"]


def test_a_sales_change_since_the_last_sync_is_still_a_conflict(synced_connection,
                                                                  sandbox_clean):
    customer, coupled = synchronized_customers(synced_connection)
    change_phone_in_bc(synced_connection, coupled, "111")
    person = admin_dataverse(synced_connection, sandbox_clean.credentials)
    person.update("accounts", str(coupled.sales_id), {"telephone1": "222"})
    sandbox_clean.reset_counters()

    (job,) = run_now(customer, direction=TO_SALES)

    # The update was refused (412: the account changed since its stored ETag), the account was
    # read and judged: both sides changed a bidirectional field, and no policy is set.
    assert job.conflicts == 1 and job.modified == 0
    assert sandbox_clean.counters()["dataverse"]["by_method"] == {"POST": 1, "GET": 1}
    assert SyncError.objects.filter(job=job, kind=ErrorKind.CONFLICT,
                                    coupling=coupled).exists()
    account = integration_dataverse(synced_connection).get("accounts", str(coupled.sales_id))
    assert account["telephone1"] == "222"


def test_a_conflict_resolved_for_business_central_is_written_after_the_read(synced_connection,
                                                                             sandbox_clean):
    customer, coupled = synchronized_customers(synced_connection,
                                               UpdateConflictResolution.SEND_TO_SALES)
    change_phone_in_bc(synced_connection, coupled, "111")
    person = admin_dataverse(synced_connection, sandbox_clean.credentials)
    person.update("accounts", str(coupled.sales_id), {"telephone1": "222", "fax": "333"})

    (job,) = run_now(customer, direction=TO_SALES)

    assert job.modified == 1, job.message
    account = integration_dataverse(synced_connection).get("accounts", str(coupled.sales_id))
    assert account["telephone1"] == "111"
    coupled.refresh_from_db()
    assert coupled.sales_etag == account["@odata.etag"]


def test_an_account_deleted_since_the_last_sync_is_restored_by_the_policy(synced_connection,
                                                                          sandbox_clean):
    customer, coupled = synchronized_customers(synced_connection)
    change_phone_in_bc(synced_connection, coupled, "444")
    admin_dataverse(synced_connection, sandbox_clean.credentials).delete(
        "accounts", str(coupled.sales_id))

    (job,) = run_now(customer, direction=TO_SALES)

    # The conditional update answered 404; the read found nothing; Restore Records recreated it.
    assert job.inserted == 1, job.message
    account = integration_dataverse(synced_connection).get("accounts", str(coupled.sales_id))
    assert account["telephone1"] == "444"
