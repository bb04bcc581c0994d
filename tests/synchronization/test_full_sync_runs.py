"""Full synchronization runs against the sandbox, the queue run in this process: waves, failures
that block dependents, restart, dry run, Synch. Only Coupled Records, cancel."""

import pytest

from connection import registry
from mappings.models import IntegrationTableMapping
from synchronization import fullsync
from synchronization.models import FullSyncRun, JobStatus, LineStatus, RunStatus
from tests.synchronization.test_full_sync_support import (
    InlineQueue,
    assert_dependency_order,
    install_inline_queue,
    line_jobs,
    lines,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queue(monkeypatch) -> InlineQueue:
    return install_inline_queue(monkeypatch)
WAVE_ONE = ("SALESPEOPLE", "CURRENCY", "PAYMENT TERMS", "SHIPMENT METHOD", "SHIPPING AGENT",
            "UNIT OF MEASURE")


def mapping(connection, name: str) -> IntegrationTableMapping:
    return IntegrationTableMapping.objects.get(connection=connection, name=name)


def test_lines_start_only_after_the_lines_they_depend_on_finished(synced_connection,
                                                                   queue):
    run = fullsync.start_run(synced_connection, "tester")
    started_first = {j.mapping_name for j in line_jobs(run).values() for j in j}
    assert started_first == set(WAVE_ONE)
    queue.drain()
    run.refresh_from_db()
    assert run.status == RunStatus.FINISHED
    assert_dependency_order(run)
    by_name = lines(run)
    assert [line.name for line in sorted(by_name.values(), key=lambda x: x.position)][:6] \
        == list(WAVE_ONE)
    assert by_name["CUSTOMER"].wave == 2 and by_name["CONTACT"].wave == 3
    # Customers whose salesperson has no Sales user fail, yet the line finished and its
    # dependents ran, as a BC job queue entry finishes with failed records.
    customer = line_jobs(run)["CUSTOMER"]
    assert by_name["CUSTOMER"].status == LineStatus.FINISHED and any(j.failed for j in customer)
    assert by_name["CONTACT"].status == LineStatus.FINISHED
    assert by_name["POSTEDSALESLINE-INV"].status == LineStatus.FINISHED
    assert "synchronized with their posted sales invoice" in by_name["POSTEDSALESLINE-INV"].message


def test_a_line_whose_dependency_fails_stays_not_started_and_says_why(synced_connection,
                                                                      queue):
    unit = mapping(synced_connection, "UNIT OF MEASURE")
    unit.table_filter = "No Such Field: X"
    unit.save()
    run = fullsync.start_run(synced_connection, "tester")
    queue.drain()
    run.refresh_from_db()
    by_name = lines(run)
    assert by_name["UNIT OF MEASURE"].status == LineStatus.ERROR
    for blocked in ("ITEM-PRODUCT", "RESOURCE-PRODUCT"):
        assert by_name[blocked].status == LineStatus.BLANK
        assert "UNIT OF MEASURE ended with Error" in by_name[blocked].message
        assert by_name[blocked].job_ids == []
    assert "Waits for ITEM-PRODUCT" in by_name["CUSTPRCGRP-PRICE"].message
    assert run.status == RunStatus.FAILED and "could not start" in run.message
    assert "lines with errors" in registry.last_full_sync(synced_connection)

    unit.table_filter = ""
    unit.save()
    assert fullsync.restart_failed(run, "tester") >= 1
    queue.drain()
    by_name = lines(run)
    for name in ("UNIT OF MEASURE", "ITEM-PRODUCT", "RESOURCE-PRODUCT", "CUSTPRCGRP-PRICE"):
        assert by_name[name].status == LineStatus.FINISHED, (name, by_name[name].message)
    assert_dependency_order(run)


def test_restart_is_refused_while_the_run_goes_on_or_when_nothing_failed(synced_connection,
                                                                         queue):
    run = fullsync.start_run(synced_connection, "tester")
    with pytest.raises(fullsync.NothingToRestart):
        fullsync.restart_failed(run)
    queue.drain()
    run.refresh_from_db()
    if not run.lines.filter(status__in=[LineStatus.ERROR, LineStatus.CANCELLED]).exists():
        with pytest.raises(fullsync.NothingToRestart):
            fullsync.restart_failed(run)


def test_a_dry_run_writes_nothing_and_counts_what_start_then_does(synced_connection,
                                                                  sandbox_clean, queue):
    sandbox_clean.reset_counters()
    dry = fullsync.start_run(synced_connection, "tester", dry_run=True)
    queue.drain()
    dry.refresh_from_db()
    assert dry.status == RunStatus.FINISHED
    counters = sandbox_clean.counters()
    assert counters["dataverse"]["writes"] == 0
    assert counters["business_central"]["writes"] == 0
    assert not mapping(synced_connection, "CUSTOMER").couplings.exists()
    forecast = {name: jobs for name, jobs in line_jobs(dry).items()}

    real = fullsync.start_run(synced_connection, "tester")
    queue.drain()
    done = line_jobs(real)
    for name in WAVE_ONE:  # no line before them: the dry run saw exactly what Start found
        planned = {}
        for job in forecast[name]:
            for key, value in job.result["forecast"].items():
                planned[key] = planned.get(key, 0) + value
        assert planned.get("insert", 0) == sum(j.inserted for j in done[name]), name
        assert planned.get("couple", 0) + planned.get("update", 0) \
            == sum(j.modified for j in done[name]), name
        assert planned.get("unchanged", 0) == sum(j.unchanged for j in done[name]), name
    assert sum(j.inserted for j in done["CURRENCY"]) + sum(j.modified for j in done["CURRENCY"])


def test_synch_only_coupled_records_is_lifted_while_a_line_runs_and_restored_after(
        synced_connection, queue):
    run = fullsync.start_run(synced_connection, "tester")
    assert not mapping(synced_connection, "CURRENCY").synch_only_coupled_records
    assert mapping(synced_connection, "CUSTOMER").synch_only_coupled_records  # not started
    queue.drain()
    assert mapping(synced_connection, "CURRENCY").synch_only_coupled_records
    assert mapping(synced_connection, "CUSTOMER").synch_only_coupled_records
    assert not mapping(synced_connection, "OPPORTUNITY").synch_only_coupled_records  # was off
    run.refresh_from_db()
    changed = fullsync.set_keep_lifted(run, True)
    assert changed >= 10
    assert not mapping(synced_connection, "CUSTOMER").synch_only_coupled_records
    fullsync.set_keep_lifted(run, False)
    assert mapping(synced_connection, "CUSTOMER").synch_only_coupled_records


def test_cancel_stops_lines_that_did_not_start_and_restart_takes_them_up(synced_connection,
                                                                          queue):
    run = fullsync.start_run(synced_connection, "tester")
    queue.drain(limit=2)
    fullsync.cancel_run(run, "tester")
    queue.drain()
    run.refresh_from_db()
    by_name = lines(run)
    assert run.status == RunStatus.CANCELLED
    assert by_name["CONTACT"].status == LineStatus.CANCELLED
    assert "Cancelled before it started" in by_name["CONTACT"].message
    cancelled_jobs = [j for jobs in line_jobs(run).values() for j in jobs
                      if j.status == JobStatus.CANCELLED]
    assert cancelled_jobs, "the pending jobs of started lines are cancelled too"
    assert mapping(synced_connection, "CURRENCY").synch_only_coupled_records
    assert fullsync.restart_failed(run, "tester") > 0
    queue.drain()
    assert lines(run)["CONTACT"].status == LineStatus.FINISHED


def test_synchronize_modified_records_runs_mappings_in_bc_priority_order(synced_connection,
                                                                         queue):
    from synchronization import jobs

    mapping_job = fullsync.runs.start_mapping_sync(mapping(synced_connection, "CONTACT"), "all")
    job = jobs.start(fullsync.MODIFIED_SYNC_KIND, connection=synced_connection)
    queue.ids.remove(mapping_job[0].pk)
    jobs.run(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FINISHED
    assert job.result["skipped"] == ["CONTACT"] and "CONTACT" in job.message
    from synchronization.models import SyncJob
    names = list(dict.fromkeys(SyncJob.objects.filter(pk__in=job.result["jobs"])
                               .order_by("pk").values_list("mapping_name", flat=True)))
    assert names[:6] == ["SALESPEOPLE", "CURRENCY", "UNIT OF MEASURE", "CUSTOMER",
                         "ITEM-PRODUCT", "RESOURCE-PRODUCT"]
    assert "POSTEDSALESLINE-INV" not in names and "PAYMENT TERMS" not in names


def test_the_connection_page_starts_a_run_through_the_full_sync_job(synced_connection,
                                                                     queue):
    from synchronization import jobs

    job = registry.synchronization().start_full_sync(synced_connection)
    queue.ids.remove(job.pk)
    jobs.run(job.pk)
    job.refresh_from_db()
    run = FullSyncRun.objects.get(pk=job.result["full_sync_run"])
    assert run.is_running and run.started_by
    again = jobs.start(fullsync.FULL_SYNC_KIND, connection=synced_connection)
    queue.ids.remove(again.pk)
    jobs.run(again.pk)
    again.refresh_from_db()
    assert again.status == JobStatus.FAILED and "already running" in again.message


def test_a_line_whose_mapping_is_busy_starts_when_that_job_ends(synced_connection, queue):
    from synchronization import runs
    from synchronization.models import SyncMode

    (busy, *_rest) = runs.start_mapping_sync(mapping(synced_connection, "CUSTOMER"),
                                             SyncMode.MODIFIED)  # e.g. a scheduled run
    run = fullsync.start_run(synced_connection, "tester")
    queue.ids.remove(busy.pk)  # the scheduled run is held back until wave 1 is done
    queue.drain()
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING, "the CUSTOMER line still has to run"
    assert lines(run)["CUSTOMER"].message.startswith(fullsync.BUSY_PREFIX)
    queue.ids.append(busy.pk)
    queue.drain()
    run.refresh_from_db()
    assert run.status == RunStatus.FINISHED
    assert lines(run)["CUSTOMER"].status == LineStatus.FINISHED
