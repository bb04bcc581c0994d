"""``manage.py fullsync``: start, follow with a per-line progress display, exit statuses."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from mappings.models import IntegrationTableMapping
from synchronization import fullsync
from synchronization.models import FullSyncRun, RunStatus
from tests.synchronization.test_full_sync_support import InlineQueue, install_inline_queue

pytestmark = pytest.mark.django_db(transaction=True)
KEEP = ("CURRENCY", "UNIT OF MEASURE", "ITEM-PRODUCT", "RESOURCE-PRODUCT")


@pytest.fixture
def products(synced_connection):
    """The connection with only the mappings products need: a short, deterministic run."""
    IntegrationTableMapping.objects.filter(connection=synced_connection).exclude(
        name__in=KEEP).delete()
    return synced_connection


@pytest.fixture
def queue(monkeypatch) -> InlineQueue:
    return install_inline_queue(monkeypatch)


def fullsync_command(*args: str) -> str:
    out = StringIO()
    call_command("fullsync", *args, stdout=out)
    return out.getvalue()


@pytest.mark.worker
def test_it_follows_every_line_to_finished_with_a_worker(products, rq_worker):
    output = fullsync_command("--wait", "--timeout", "120")
    assert "4 lines in 2 waves" in output
    assert "wave 1 CURRENCY" in output and "wave 2 ITEM-PRODUCT" in output
    assert "Finished" in output and "inserted" in output
    run = FullSyncRun.objects.get()
    assert run.status == RunStatus.FINISHED and run.started_by == "manage.py fullsync"


@pytest.mark.worker
def test_it_exits_non_zero_naming_the_lines_that_failed_or_could_not_start(products, rq_worker):
    unit = IntegrationTableMapping.objects.get(connection=products, name="UNIT OF MEASURE")
    unit.table_filter = "No Such Field: X"
    unit.save()
    with pytest.raises(CommandError) as failed:
        fullsync_command("--wait", "--timeout", "120")
    assert "UNIT OF MEASURE (Error)" in str(failed.value)
    assert "ITEM-PRODUCT (not started)" in str(failed.value)


@pytest.mark.worker
def test_a_dry_run_prints_what_each_line_would_do(products, rq_worker):
    output = fullsync_command("--dry-run", "--wait", "--timeout", "120")
    assert "Dry run #" in output
    assert "CURRENCY" in output and "insert 2, couple 3" in output


def test_it_is_refused_while_another_full_synchronization_runs(products, queue):
    fullsync.start_run(products, "alice")
    with pytest.raises(CommandError, match="already running"):
        fullsync_command()


def test_an_unknown_connection_exits_with_status_2(products, queue):
    with pytest.raises(CommandError) as unknown:
        fullsync_command("--connection", "Nowhere")
    assert unknown.value.returncode == 2 and "CRONUS sandbox" in str(unknown.value)


@pytest.mark.worker
def test_failed_records_make_the_exit_status_non_zero_as_sync_does(synced_connection,
                                                                   rq_worker):
    # Customers without their salespeople and currencies synchronized fail record by record.
    IntegrationTableMapping.objects.filter(connection=synced_connection).exclude(
        name="CUSTOMER").delete()
    with pytest.raises(CommandError) as failed:
        fullsync_command("--wait", "--timeout", "120")
    assert "Records failed: CUSTOMER" in str(failed.value)
    assert FullSyncRun.objects.get().status == RunStatus.FINISHED
