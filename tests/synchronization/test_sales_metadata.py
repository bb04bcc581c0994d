"""What Sales tells once (integration user, base currency, table metadata) is kept per
connection, read again by Test Connection and Redeploy, and a mapping fails closed without it.

Everything runs against the sandbox over HTTPS; the sandbox hides a column's attribute
metadata on request (``dataverse.metadata_hidden_attributes``).
"""

import pytest

from connection import sales_metadata, solution
from connection.checks import run_test_connection
from connection.models import ConnectionSetup
from synchronization.models import JobStatus, SyncDirection
from tests.synchronization.engine_support import (
    admin_dataverse,
    bc,
    couplings,
    errors,
    full,
    integration_dataverse,
    mapping,
)

pytestmark = pytest.mark.django_db(transaction=True)

HIDE_OWNER = {"dataverse": {"metadata_hidden_attributes": ["account.ownerid"]}}
SHOW_ALL: dict[str, dict[str, list[str]]] = {"dataverse": {"metadata_hidden_attributes": []}}


def accounts(sandbox) -> dict[str, dict]:
    return {row["accountid"]: row for row in sandbox.records("dataverse", "account")["records"]}


def customers_to_sales(connection):
    return full(mapping(connection, "CUSTOMER"), direction=SyncDirection.TO_SALES)[0]


def kept_columns(connection, table: str) -> set[str]:
    kept = sales_metadata.Store(connection).load(table)
    assert kept is not None, f"no metadata of {table} is kept"
    return set(kept.attributes)


def test_a_mapped_column_without_metadata_stops_the_mapping_naming_it_and_nothing_is_written(
        synced_connection, sandbox_clean):
    full(mapping(synced_connection, "SALESPEOPLE"))
    full(mapping(synced_connection, "CURRENCY"))
    sandbox_clean.settings(**HIDE_OWNER)
    before = accounts(sandbox_clean)
    job = customers_to_sales(synced_connection)
    assert job.status == JobStatus.FAILED
    assert "account.ownerid" in job.message and "nothing was written" in job.message
    assert (job.inserted, job.modified) == (0, 0)
    assert accounts(sandbox_clean) == before, "Sales holds exactly what it held"
    assert not couplings(mapping(synced_connection, "CUSTOMER")).exists()


def test_from_sales_a_column_without_metadata_stops_the_mapping_too(synced_connection,
                                                                     sandbox_clean):
    sandbox_clean.settings(dataverse={"metadata_hidden_attributes": ["account.telephone1"]})
    customer = mapping(synced_connection, "CUSTOMER")
    (job,) = full(customer, direction=SyncDirection.FROM_SALES)
    assert job.status == JobStatus.FAILED and "account.telephone1" in job.message
    assert not couplings(customer).exists()


def test_jobs_reuse_the_integration_user_base_currency_and_metadata_read_by_the_first(
        synced_connection, sandbox_clean):
    full(mapping(synced_connection, "SALESPEOPLE"))
    customers_to_sales(synced_connection)
    sandbox_clean.reset_counters()
    (job,) = full(mapping(synced_connection, "CURRENCY"))
    customers_to_sales(synced_connection)
    assert job.status == JobStatus.FINISHED
    asked = sandbox_clean.counters()["dataverse"]["by_entity"]
    # CURRENCY reads its own table's metadata once; nothing else is asked again.
    assert asked.get("WhoAmI", 0) == 0 and asked.get("organizations", 0) == 0
    assert asked.get("EntityDefinitions", 0) == 5


def test_test_connection_reads_the_metadata_again_and_jobs_see_the_change(
        synced_connection, sandbox_clean):
    full(mapping(synced_connection, "SALESPEOPLE"))
    full(mapping(synced_connection, "CURRENCY"))
    assert customers_to_sales(synced_connection).status == JobStatus.FINISHED
    sandbox_clean.settings(**HIDE_OWNER)
    assert "ownerid" in kept_columns(synced_connection, "account"), "kept until tested"

    run_test_connection(synced_connection)

    assert "ownerid" not in kept_columns(synced_connection, "account")
    job = customers_to_sales(synced_connection)
    assert job.status == JobStatus.FAILED and "account.ownerid" in job.message
    sandbox_clean.settings(**SHOW_ALL)
    run_test_connection(synced_connection)
    assert customers_to_sales(synced_connection).status == JobStatus.FINISHED


def test_redeploying_the_integration_solution_reads_the_metadata_again(synced_connection,
                                                                       sandbox_clean):
    full(mapping(synced_connection, "CURRENCY"))
    assert "currencyname" in kept_columns(synced_connection, "transactioncurrency")
    sandbox_clean.settings(dataverse={"metadata_hidden_attributes": [
        "transactioncurrency.currencyname"]})
    creds = sandbox_clean.credentials
    solution.deploy(synced_connection, creds["admin_user"], creds["admin_password"])
    assert "currencyname" not in kept_columns(synced_connection, "transactioncurrency")
    assert "isocurrencycode" in kept_columns(synced_connection, "transactioncurrency")


def test_without_a_base_currency_only_records_that_need_it_fail_and_say_why(
        synced_connection, sandbox_clean):
    admin = admin_dataverse(synced_connection, sandbox_clean.credentials)
    organization = admin.get_json("organizations?$select=organizationid")["value"][0]
    admin.update("organizations", organization["organizationid"],
                 {"basecurrencyid@odata.bind": None})
    (people,) = full(mapping(synced_connection, "SALESPEOPLE"))
    assert people.status == JobStatus.FINISHED and people.failed == 0
    full(mapping(synced_connection, "CURRENCY"))

    job = customers_to_sales(synced_connection)

    blank = {c["id"] for c in bc(synced_connection).query("customers")
             if not c.get("currencyCode")}
    assert blank and job.inserted + job.modified > 0, "customers with a currency are written"
    assert any("has no base currency" in message for message in errors(job))
    written = {str(c.bc_id) for c in couplings(mapping(synced_connection, "CUSTOMER"))
               .filter(last_sales_result="success")}
    assert not written & blank, "no blank-currency customer was written without its currency"
    with pytest.raises(sales_metadata.BaseCurrencyUnavailable):
        sales_metadata.base_currency(synced_connection, integration_dataverse(synced_connection))


@pytest.mark.parametrize("setting", ["server_address", "client_id"])
def test_what_was_kept_is_not_used_once_the_sales_url_or_sign_in_changes(
        synced_connection, sandbox_clean, setting):
    full(mapping(synced_connection, "CURRENCY"))
    assert sales_metadata.Store(synced_connection).load("transactioncurrency") is not None
    ConnectionSetup.objects.filter(pk=synced_connection.pk).update(
        **{setting: getattr(synced_connection, setting) + "0"})
    synced_connection.refresh_from_db()
    assert sales_metadata.Store(synced_connection).load("transactioncurrency") is None
