"""Customer Statistics: each coupled customer's figures reach its account's statistics row in
Sales with the values Business Central has (5.10)."""

import pytest

from synchronization import jobs
from synchronization.leadtocash import jobs as leadtocash_jobs
from synchronization.leadtocash import statistics
from synchronization.models import JobStatus, SyncJob
from tests.connection.pool_support import add_pool_identities
from tests.synchronization.engine_support import bc, couplings, full, integration_dataverse, mapping

pytestmark = pytest.mark.django_db(transaction=True)

# Enough customers for several statistics batches: the pool gives each to another identity.
CUSTOMERS = 4 * statistics.CHUNK


@pytest.fixture
def connection(synced_connection):
    for name in ("SALESPEOPLE", "CURRENCY", "CUSTOMER"):
        full(mapping(synced_connection, name))
    return synced_connection


def run_statistics(connection) -> SyncJob:
    job = leadtocash_jobs.start(leadtocash_jobs.CUSTOMER_STATISTICS, connection)
    jobs.run(job.pk)
    return SyncJob.objects.get(pk=job.pk)


def statistics_of(connection, number: str) -> dict:
    coupling = couplings(mapping(connection, "CUSTOMER")).get(bc_number=number)
    client = integration_dataverse(connection)
    account = client.get("accounts", str(coupling.sales_id))
    return client.get(statistics.ENTITY_SET, account["_nav_accountstatisticsid_value"])


def test_statistics_equal_business_centrals_figures(connection):
    job = run_statistics(connection)
    assert job.status == JobStatus.FINISHED and job.failed == 0
    assert job.modified == couplings(mapping(connection, "CUSTOMER")).count()
    client = bc(connection)
    customer = next(iter(client.query("customers", filter="number eq '10000'")))
    financial = client.get("customerFinancialDetails", customer["id"])
    row = statistics_of(connection, "10000")
    assert row["nav_customerno"] == "10000"
    assert row["nav_balancelcy"] == financial["balance"]
    assert row["nav_totalsaleslcy"] == financial["totalSalesExcludingTax"]
    assert row["nav_overdueamountslcy"] == financial["overdueAmount"]
    assert row["nav_creditlimitlcy"] == customer["creditLimit"]


def test_outstanding_orders_are_the_open_order_amounts(connection):
    run_statistics(connection)
    client = bc(connection)
    customer = next(iter(client.query("customers", filter="number eq '10000'")))
    orders = list(client.query("salesOrders", filter=f"customerId eq {customer['id']}"))
    expected = sum(o["totalAmountIncludingTax"] for o in orders)
    assert statistics_of(connection, "10000")["nav_outstandingorderslcy"] == pytest.approx(
        expected)


def test_a_second_run_updates_the_same_row(connection):
    run_statistics(connection)
    first = statistics_of(connection, "10000")["nav_accountstatisticsid"]
    run_statistics(connection)
    assert statistics_of(connection, "10000")["nav_accountstatisticsid"] == first
    rows = list(integration_dataverse(connection).query(statistics.ENTITY_SET,
                                                        select=["nav_customerno"]))
    assert len(rows) == len({r["nav_customerno"] for r in rows})


def test_the_job_marks_a_paid_invoice_paid_in_sales(connection):
    for name in ("UNIT OF MEASURE", "ITEM-PRODUCT", "POSTEDSALESINV-INV"):
        full(mapping(connection, name))
    invoice = couplings(mapping(connection, "POSTEDSALESINV-INV")).get(bc_number="103002")
    client = integration_dataverse(connection)
    client.update("invoices", str(invoice.sales_id), {"statecode": 2, "statuscode": 100001})
    job = run_statistics(connection)  # BC still has it open: back to Active/Billed
    assert job.result["invoice_states"] == 1
    row = client.get("invoices", str(invoice.sales_id))
    assert (row["statecode"], row["statuscode"]) == (0, 4)


def test_a_job_the_scheduler_starts_finds_its_connection(connection):
    job = jobs.start(leadtocash_jobs.CUSTOMER_STATISTICS, connection=connection)
    jobs.run(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FINISHED
    assert (job.connection, job.mapping_name) == (connection, "CUSTOMER STATISTICS")


def test_statistics_reach_every_account_once_when_a_pool_identity_is_refused(
        synced_connection, sandbox_clean):
    sandbox_clean.reset(customers=CUSTOMERS)
    for name in ("SALESPEOPLE", "CURRENCY", "PAYMENT TERMS", "SHIPMENT METHOD",
                 "SHIPPING AGENT", "CUSTOMER"):
        full(mapping(synced_connection, name))
    refused, kept = add_pool_identities(synced_connection, sandbox_clean.credentials, count=2)
    refused.client_secret = "rotated-away"  # rotated in Entra ID after its check passed
    refused.save()
    sandbox_clean.reset_counters()

    job = run_statistics(synced_connection)

    coupled = couplings(mapping(synced_connection, "CUSTOMER"))
    assert coupled.count() >= CUSTOMERS
    assert job.status == JobStatus.FINISHED and job.failed == 0, job.message
    assert job.modified == coupled.count()
    assert f"The application user {refused.name} was refused" in job.message
    writes = sandbox_clean.counters()["dataverse"]["writes_by_caller"]
    assert not writes.get(refused.client_id) and writes.get(kept.client_id)
    rows = integration_dataverse(synced_connection).query(
        statistics.ENTITY_SET, select=["nav_customerno"])
    numbers = [row["nav_customerno"] for row in rows]
    assert len(numbers) == len(set(numbers)) == coupled.count()
