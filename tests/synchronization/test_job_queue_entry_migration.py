"""Job queue entries moved from the mappings app to the synchronization app without moving a row.

The database is taken back to before the move, entries and their jobs are written there with the
models of that time, and the migrations are run forward again: the same rows, in the same table,
are now the synchronization app's, and each job names its entry with a foreign key.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from tests.migration_support import latest, migrate

pytestmark = pytest.mark.django_db(transaction=True)

MOVED = [("mappings", "0005_job_queue_entry_wake_reason"),
         ("synchronization", "0009_full_sync_run_finished_with_errors")]



def before_the_move():
    """Mappings and synchronization as before the move; the other apps as they are now (their
    models must match their tables)."""
    return [leaf for leaf in latest() if leaf[0] not in dict(MOVED)] + MOVED


@pytest.fixture
def old_state():
    apps = migrate(before_the_move())
    try:
        yield apps
    finally:
        migrate(latest())


def old_world(apps) -> dict:
    """A connection with a mapping entry whose last run started two jobs, and a connection job."""
    setup = apps.get_model("connection", "ConnectionSetup").objects.create(name="Moved")
    mapping = apps.get_model("mappings", "IntegrationTableMapping").objects.create(
        connection=setup, name="CUSTOMER", bc_table="Customer", bc_entity="customers",
        sales_entity="account", sales_entity_set="accounts")
    entry_model = apps.get_model("mappings", "JobQueueEntry")
    job_model = apps.get_model("synchronization", "SyncJob")
    jobs = [job_model.objects.create(kind="sync_mapping", connection=setup, mapping=mapping,
                                     started_by="Job Queue") for _ in range(2)]
    other = job_model.objects.create(kind="sync_mapping", connection=setup, mapping=mapping)
    entry = entry_model.objects.create(
        connection=setup, mapping=mapping, kind="mapping", no_of_minutes_between_runs=15,
        inactivity_timeout_period=1440, status="on_hold_inactivity", enabled=False,
        woken_reason="Records changed in Business Central.",
        last_job_ids=[job.pk for job in jobs])
    statistics = entry_model.objects.create(connection=setup, kind="customer_statistics",
                                            description="Customer Statistics")
    return {"entry": entry.pk, "statistics": statistics.pk, "jobs": [j.pk for j in jobs],
            "other": other.pk, "mapping": mapping.pk}


def table_of(apps, app_label: str) -> str:
    return apps.get_model(app_label, "JobQueueEntry")._meta.db_table


def test_the_entries_and_their_jobs_are_intact_after_the_move(old_state):
    table_before = table_of(old_state, "mappings")
    made = old_world(old_state)

    apps = migrate(latest())

    entries = apps.get_model("synchronization", "JobQueueEntry")
    assert table_of(apps, "synchronization") == table_before
    entry = entries.objects.get(pk=made["entry"])
    assert (entry.mapping_id, entry.kind, entry.no_of_minutes_between_runs,
            entry.inactivity_timeout_period, entry.status, entry.enabled, entry.woken_reason) == (
        made["mapping"], "mapping", 15, 1440, "on_hold_inactivity", False,
        "Records changed in Business Central.")
    assert entries.objects.get(pk=made["statistics"]).description == "Customer Statistics"
    assert sorted(entry.jobs.values_list("pk", flat=True)) == made["jobs"]
    job_model = apps.get_model("synchronization", "SyncJob")
    assert job_model.objects.get(pk=made["other"]).queue_entry_id is None


def test_the_move_can_be_undone_with_the_entries_kept(old_state):
    made = old_world(old_state)
    migrate(latest())

    apps = migrate(before_the_move())

    entry = apps.get_model("mappings", "JobQueueEntry").objects.get(pk=made["entry"])
    assert entry.kind == "mapping" and entry.no_of_minutes_between_runs == 15
    assert apps.get_model("mappings", "JobQueueEntry").objects.count() == 2


@pytest.mark.parametrize("app_label, name", [("mappings", "0006"), ("synchronization", "0010")])
def test_the_move_itself_runs_no_sql(app_label, name):
    out = StringIO()
    call_command("sqlmigrate", app_label, name, stdout=out)
    statements = [line for line in out.getvalue().splitlines()
                  if line.strip() and not line.startswith("--")
                  and line.strip().upper() not in ("BEGIN;", "COMMIT;")]
    assert statements == []
