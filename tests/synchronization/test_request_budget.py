"""How many requests an incremental run puts on the wire, counted by the sandbox itself."""

import pytest

from connection.clients.business_central import BcOperation
from synchronization.models import JobStatus, SyncDirection, SyncMode
from tests.synchronization.engine_support import (
    bc,
    couplings,
    full,
    integration_dataverse,
    mapping,
    run_now,
)
from tests.synchronization.test_faults_support import CUSTOMER_DEPENDENCIES

pytestmark = pytest.mark.django_db(transaction=True)

CHANGED = 100


def coupled_customers(connection):
    for name in CUSTOMER_DEPENDENCIES:
        full(mapping(connection, name))
    customer = mapping(connection, "CUSTOMER")
    full(customer, direction=SyncDirection.TO_SALES)
    return customer


def test_a_hundred_changed_customers_reach_sales_in_at_most_three_requests_on_the_wire(
        synced_connection, sandbox_clean):
    sandbox_clean.reset(customers=CHANGED + 20)
    customer = coupled_customers(synced_connection)
    coupled = list(couplings(customer).filter(last_sales_result="success")[:CHANGED])
    assert len(coupled) == CHANGED
    phones = {str(c.bc_id): f"555-{i:04d}" for i, c in enumerate(coupled)}
    client = bc(synced_connection)
    client.batch([BcOperation.update("customers", bc_id, {"phoneNumber": phone}, "*")
                  for bc_id, phone in phones.items()])
    sandbox_clean.reset_counters()

    (job,) = run_now(customer, SyncMode.MODIFIED, direction=SyncDirection.TO_SALES)

    counted = sandbox_clean.counters()
    assert job.status == JobStatus.FINISHED, job.message
    assert job.modified == CHANGED
    # One $batch of updates conditional on the accounts' stored ETags, no read of the accounts;
    # WhoAmI, the base currency and the account metadata were read once, by the full sync.
    assert counted["dataverse"]["by_method"] == {"POST": 1}, counted["dataverse"]
    # The changed customers and their card fields. The demo customers whose creation failed
    # in the full synchronization wait for their salesperson to be coupled: not read again.
    assert counted["business_central"]["requests"] <= 2, counted["business_central"]
    assert job.requests == counted["dataverse"]["requests"] + \
        counted["business_central"]["requests"], "the job counts every request it makes"
    accounts = integration_dataverse(synced_connection).query(
        "accounts", select=["telephone1"],
        filter=" or ".join(f"accountid eq {c.sales_id}" for c in coupled))
    by_bc = {str(c.sales_id): str(c.bc_id) for c in coupled}
    assert {by_bc[row["accountid"]]: row["telephone1"] for row in accounts} == phones
