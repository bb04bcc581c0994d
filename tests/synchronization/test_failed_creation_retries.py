"""Which failed creations a scheduled run tries again (synchronization.retries): one that failed
because its salesperson is not coupled waits for a coupling, and costs no request meanwhile."""

import uuid

import pytest

from mappings.models import Coupling
from synchronization.models import ErrorKind, SyncDirection, SyncError
from synchronization.transform import NotCoupled
from tests.synchronization.engine_support import (
    bc,
    couplings,
    full,
    integration_dataverse,
    mapping,
    run_now,
)

pytestmark = pytest.mark.django_db(transaction=True)

TO_SALES = SyncDirection.TO_SALES


def customers_failing_on_a_salesperson(connection):
    for name in ("SALESPEOPLE", "CURRENCY"):
        full(mapping(connection, name))
    customer = mapping(connection, "CUSTOMER")
    full(customer, direction=TO_SALES)
    failing = SyncError.objects.filter(mapping=customer, kind=ErrorKind.ERROR, resolved=False,
                                       coupling=None, error_code=NotCoupled.code)
    assert failing.exists(), "the demo has customers whose salesperson is no Sales user"
    return customer, failing


def test_a_creation_waiting_for_its_salesperson_is_not_read_again(synced_connection,
                                                                  sandbox_clean):
    customer, failing = customers_failing_on_a_salesperson(synced_connection)
    sandbox_clean.reset_counters()

    (job,) = run_now(customer, direction=TO_SALES, ignore_synch_only_coupled=True)

    assert (job.failed, job.inserted) == (0, 0), job.message
    # The customers changed since the watermark and their card fields; none read by id.
    assert sandbox_clean.counters()["business_central"]["requests"] <= 2
    assert failing.exists(), "its error stays open: the record still is not in Sales"


def test_once_the_salesperson_is_coupled_the_creation_is_tried_again(synced_connection):
    customer, failing = customers_failing_on_a_salesperson(synced_connection)
    error = failing.first()
    record = bc(synced_connection).get("customers", error.source_id)
    code = record["salespersonCode"]
    me = integration_dataverse(synced_connection).whoami().user_id
    Coupling.objects.create(mapping=mapping(synced_connection, "SALESPEOPLE"), bc_number=code,
                            bc_id=uuid.uuid4(), sales_id=me)

    (job,) = run_now(customer, direction=TO_SALES, ignore_synch_only_coupled=True)

    assert job.inserted >= 1, job.message
    assert couplings(customer).filter(bc_id=error.source_id).exists()
