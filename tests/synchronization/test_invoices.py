"""Posted sales invoices and their lines reach Sales after their dependencies (5.7)."""

import pytest

from synchronization.models import JobStatus, SyncJob
from synchronization.rules.invoices import LINES_ALONE
from tests.synchronization.engine_support import (
    bc,
    couplings,
    errors,
    full,
    integration_dataverse,
    mapping,
    run_now,
)

pytestmark = pytest.mark.django_db(transaction=True)
DEPENDENCIES = ("SALESPEOPLE", "CURRENCY", "UNIT OF MEASURE", "CUSTOMER", "ITEM-PRODUCT")


def prepare(connection):
    for name in DEPENDENCIES:
        full(mapping(connection, name))


def synced_invoices(connection):
    prepare(connection)
    (job,) = full(mapping(connection, "POSTEDSALESINV-INV"))
    return job


def test_posted_invoices_reach_sales_with_their_customer_and_state(synced_connection):
    job = synced_invoices(synced_connection)
    assert job.status == JobStatus.FINISHED and job.inserted > 0, errors(job)
    paid = couplings(mapping(synced_connection, "POSTEDSALESINV-INV")).get(bc_number="103001")
    invoice = integration_dataverse(synced_connection).get("invoices", str(paid.sales_id))
    customer = couplings(mapping(synced_connection, "CUSTOMER")).get(bc_number="10000")
    assert invoice["name"] == "103001"
    assert invoice["_customerid_value"] == str(customer.sales_id)
    assert (invoice["statecode"], invoice["statuscode"]) == (2, 100001)


def test_an_open_invoice_is_active_and_billed(synced_connection):
    synced_invoices(synced_connection)
    open_one = couplings(mapping(synced_connection, "POSTEDSALESINV-INV")).get(bc_number="103002")
    invoice = integration_dataverse(synced_connection).get("invoices", str(open_one.sales_id))
    assert (invoice["statecode"], invoice["statuscode"]) == (0, 4)


def test_the_owner_is_the_user_coupled_to_the_salesperson(synced_connection):
    synced_invoices(synced_connection)
    header = bc(synced_connection).query("salesInvoices", filter="number eq '103001'")
    code = next(iter(header))["salesperson"]
    user = couplings(mapping(synced_connection, "SALESPEOPLE")).get(bc_number=code)
    coupled = couplings(mapping(synced_connection, "POSTEDSALESINV-INV")).get(bc_number="103001")
    invoice = integration_dataverse(synced_connection).get("invoices", str(coupled.sales_id))
    assert invoice["_ownerid_value"] == str(user.sales_id)


def test_the_lines_of_each_written_invoice_follow_in_their_own_job(synced_connection):
    header_job = synced_invoices(synced_connection)
    line_job = SyncJob.objects.get(mapping__name="POSTEDSALESLINE-INV")
    assert line_job.status == JobStatus.FINISHED and line_job.failed == 0, errors(line_job)
    assert line_job.parameters["invoice_job"] == header_job.pk
    coupled = couplings(mapping(synced_connection, "POSTEDSALESINV-INV")).get(bc_number="103001")
    lines = list(integration_dataverse(synced_connection).query(
        "invoicedetails", filter=f"_invoiceid_value eq {coupled.sales_id}"))
    assert len(lines) == 2
    assert all(line["_productid_value"] and not line["isproductoverridden"] for line in lines)
    assert sorted(line["lineitemnumber"] for line in lines) == [10000, 20000]


def test_a_second_run_does_not_duplicate_lines(synced_connection):
    synced_invoices(synced_connection)
    full(mapping(synced_connection, "POSTEDSALESINV-INV"))
    details = list(integration_dataverse(synced_connection).query("invoicedetails",
                                                                  select=["invoicedetailid"]))
    bc_lines = list(bc(synced_connection).query("salesInvoiceLines", select=["id"]))
    assert len(details) <= len(bc_lines)
    assert couplings(mapping(synced_connection, "POSTEDSALESLINE-INV")).count() == len(details)


def test_an_invoice_whose_customer_is_not_coupled_fails_with_the_fix(synced_connection):
    (job,) = full(mapping(synced_connection, "POSTEDSALESINV-INV"))
    assert job.failed > 0
    assert any("must be coupled" in m and "Couple it first" in m for m in errors(job))


def test_invoice_lines_cannot_be_synchronized_separately(synced_connection):
    (job,) = run_now(mapping(synced_connection, "POSTEDSALESLINE-INV"))
    assert job.status == JobStatus.FAILED
    assert job.message == LINES_ALONE
