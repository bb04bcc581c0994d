"""Full synchronizations while the services fail 10% of requests (429, 503, timeouts, dropped
connections) and Dataverse throttles: the runs complete, no record is lost or created twice,
and the client waits as long as Retry-After says. A 500 on a read is the last test: the client
does not retry it yet."""

import pytest

from synchronization import fullsync
from synchronization.models import FullSyncRun, JobStatus, RunStatus, SyncDirection, SyncJob
from tests.fixtures.worker import wait_for
from tests.synchronization.engine_support import mapping
from tests.synchronization.reconcile_support import (
    assert_option_values_and_named_accounts,
    assert_reconciles_clean,
)
from tests.synchronization.test_faults_support import (
    accounts,
    assert_couplings_consistent,
    assert_nothing_lost,
    duplicated,
    ended,
    presync,
    run_through_worker,
    start,
    unblocked_customers,
)

pytestmark = [pytest.mark.worker, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CUSTOMERS = 300
# time_scale 60: a 120-s window lasts 2 s, so Retry-After waits are one or two real seconds;
# 20 Dataverse requests per window make every run wait a few times, not at every request.
FAULTS = {"fault_rate": 0.1, "timeout_seconds": 0.3,
          "fault_kinds": ["429", "503", "timeout", "drop"]}
THROTTLED_DATAVERSE = {**FAULTS, "limits_enabled": True, "requests_per_window": 20,
                       "window_seconds": 120}


@pytest.fixture
def faulty_sandbox(synced_connection, sandbox_clean, rq_worker):
    """Generated customers and their dependencies synchronized, then faults switched on."""
    sandbox_clean.reset(customers=CUSTOMERS)
    # Small batches make dozens of requests, so a 10% fault rate is sure to hit some.
    type(synced_connection).objects.filter(pk=synced_connection.pk).update(
        sales_batch_size=10, bc_batch_size=10)
    presync(synced_connection)
    sandbox_clean.settings(time_scale=60, dataverse=THROTTLED_DATAVERSE,
                           business_central=FAULTS)
    sandbox_clean.reset_counters()
    sandbox_clean.accounts_before = set(accounts(sandbox_clean))
    return sandbox_clean


def run_with_faults(connection) -> list[SyncJob]:
    started = start(connection, "CUSTOMER", direction=SyncDirection.TO_SALES)
    started += start(connection, "UNIT OF MEASURE")
    return wait_for(lambda: ended(started), 90)


def test_full_syncs_complete_when_a_tenth_of_requests_fail(synced_connection, faulty_sandbox):
    jobs = run_with_faults(synced_connection)
    assert [job.status for job in jobs] == [JobStatus.FINISHED] * 2, [j.message for j in jobs]
    counters = faulty_sandbox.counters()
    assert counters["dataverse"]["faults"] + counters["business_central"]["faults"] > 0


def test_no_record_is_lost_or_created_twice_under_faults(synced_connection, faulty_sandbox):
    run_with_faults(synced_connection)
    faulty_sandbox.settings(dataverse={"fault_rate": 0}, business_central={"fault_rate": 0})
    customers = unblocked_customers(faulty_sandbox)
    created = accounts(faulty_sandbox)
    customer = mapping(synced_connection, "CUSTOMER")
    assert_nothing_lost(customer, set(customers))
    assert_couplings_consistent(customer, set(created))
    new = {key: row for key, row in created.items() if key not in faulty_sandbox.accounts_before}
    coupled = {str(i) for i in customer.couplings.values_list("sales_id", flat=True)}
    assert set(new) == coupled - faulty_sandbox.accounts_before  # no orphan account
    assert not duplicated(row["name"] for row in new.values())
    units = faulty_sandbox.records("business_central", "unitsOfMeasure")["records"]
    schedules = faulty_sandbox.records("dataverse", "uomschedule")["records"]
    unit_mapping = mapping(synced_connection, "UNIT OF MEASURE")
    assert_nothing_lost(unit_mapping, {row["id"].lower() for row in units})
    assert_couplings_consistent(unit_mapping, {row["uomscheduleid"].lower() for row in schedules})
    assert not duplicated(row["name"] for row in schedules)


def test_a_full_synchronization_under_a_tenth_of_failing_requests_reconciles_clean(
        synced_connection, sandbox_clean, rq_worker):
    """Every line of the demo's full synchronization while 10% of the requests of both services
    fail; the faults off, reconcile (the oracle) finds both systems right."""
    type(synced_connection).objects.filter(pk=synced_connection.pk).update(
        sales_batch_size=10, bc_batch_size=10)
    sandbox_clean.settings(time_scale=60, dataverse=FAULTS, business_central=FAULTS)
    sandbox_clean.reset_counters()
    try:
        run = fullsync.start_run(synced_connection, "tester")
        wait_for(lambda: FullSyncRun.objects.filter(pk=run.pk).exclude(
            status=RunStatus.RUNNING).first(), 240)
        counters = sandbox_clean.counters()
    finally:
        sandbox_clean.reset_settings()
    run.refresh_from_db()
    assert run.status == RunStatus.FINISHED, run.status
    assert counters["dataverse"]["faults"] + counters["business_central"]["faults"] > 0
    assert_reconciles_clean()
    assert_option_values_and_named_accounts(synced_connection)


def test_retry_after_is_honoured(synced_connection, faulty_sandbox):
    jobs = run_with_faults(synced_connection)
    waits = sum(job.throttle_waits for job in jobs)
    assert waits > 0 and faulty_sandbox.counters()["dataverse"]["throttled"] > 0
    # Retry-After is a whole number of seconds, at least 1: each wait slept at least that long.
    assert sum(job.throttle_seconds for job in jobs) >= waits


def test_a_full_sync_completes_when_reads_sometimes_answer_500(synced_connection, sandbox_clean,
                                                              rq_worker):
    errors = {"fault_rate": 0.3, "fault_kinds": ["500"]}
    sandbox_clean.settings(dataverse=errors, business_central=errors)
    jobs = run_through_worker(synced_connection, "UNIT OF MEASURE")
    assert jobs[0].status == JobStatus.FINISHED, jobs[0].message
