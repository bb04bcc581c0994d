"""``manage.py sync``: argument handling, starting, following progress, the summary and exit."""
# The fixtures are imported from pages_support, and pytest passes them in by name.
# ruff: noqa: F401, F811

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from connection.models import ConnectionSetup
from mappings.models import Direction, IntegrationTableMapping
from synchronization.management.commands import sync
from synchronization.models import JobStatus, SyncDirection, SyncJob, SyncMode
from tests.synchronization.pages_support import connection, customer, make_job, make_mapping


@pytest.fixture
def no_enqueue(monkeypatch):
    from synchronization import jobs

    monkeypatch.setattr(jobs, "enqueue", lambda *args, **kwargs: None)


def run(*args: str) -> str:
    out = StringIO()
    call_command("sync", *args, stdout=out)
    return out.getvalue()


def refused(*args: str) -> CommandError:
    with pytest.raises(CommandError) as caught:
        run(*args)
    return caught.value


def test_it_starts_modified_records_in_both_directions_by_default(customer, no_enqueue):
    output = run("CUSTOMER")
    jobs = list(SyncJob.objects.order_by("pk"))
    assert [(j.direction, j.mode) for j in jobs] == [
        (SyncDirection.TO_SALES, SyncMode.MODIFIED), (SyncDirection.FROM_SALES, SyncMode.MODIFIED)]
    assert f"Started job {jobs[0].pk}: CUSTOMER To Integration Table, Modified records." in output
    assert jobs[0].started_by == "manage.py sync"


def test_all_records_in_one_direction_of_a_named_connection(customer, no_enqueue):
    ConnectionSetup.objects.create(name="OTHER")
    run("customer", "--connection", "cronus", "--all", "--direction", "from")
    assert [(j.direction, j.mode) for j in SyncJob.objects.all()] == [
        (SyncDirection.FROM_SALES, SyncMode.ALL)]


def test_an_unknown_mapping_is_a_clear_message_and_exit_status_2(customer, no_enqueue):
    error = refused("VENDOR")
    assert error.returncode == 2
    assert "There is no mapping named 'VENDOR' on connection CRONUS. Mappings: CUSTOMER." in \
        str(error)


def test_an_unknown_connection_is_exit_status_2(customer, no_enqueue):
    error = refused("CUSTOMER", "--connection", "Fabrikam")
    assert error.returncode == 2
    assert "There is no connection named 'Fabrikam'. Connections: CRONUS." in str(error)


def test_several_connections_need_a_choice(customer, no_enqueue):
    ConnectionSetup.objects.create(name="Fabrikam")
    error = refused("CUSTOMER")
    assert error.returncode == 2
    assert "choose one with --connection (CRONUS, Fabrikam)" in str(error)


def test_no_connection_at_all(db, no_enqueue):
    error = refused("CUSTOMER")
    assert (error.returncode, str(error)) == (2, "No connection is set up yet.")


def test_a_direction_the_mapping_does_not_have_is_refused(customer, no_enqueue):
    IntegrationTableMapping.objects.filter(pk=customer.pk).update(direction=Direction.TO_SALES)
    error = refused("CUSTOMER", "--direction", "from")
    assert error.returncode == 2
    assert "synchronizes To Integration Table (Business Central to Sales) only" in str(error)
    assert not SyncJob.objects.exists()


def test_modified_and_all_exclude_each_other(customer, no_enqueue):
    assert "not allowed with argument" in str(refused("CUSTOMER", "--modified", "--all"))
    assert "invalid choice" in str(refused("CUSTOMER", "--direction", "both"))


def test_a_mapping_that_is_running_is_not_started_again(customer, no_enqueue):
    make_job(customer, status=JobStatus.RUNNING)
    assert "already being synchronized" in str(refused("CUSTOMER"))
    assert SyncJob.objects.count() == 1


class Worker:
    """Stands in for the worker: each poll moves the jobs one step further."""

    def __init__(self, failed: int = 0, fail_message: str = "") -> None:
        self.step = 0
        self.failed, self.fail_message = failed, fail_message

    def __call__(self, seconds: float) -> None:
        first, second = SyncJob.objects.order_by("pk")
        now = timezone.now()
        steps = [
            lambda: first.__class__.objects.filter(pk=first.pk).update(
                status=JobStatus.RUNNING, started_at=now, records_total=10, inserted=4),
            lambda: first.__class__.objects.filter(pk=first.pk).update(
                status=JobStatus.FINISHED, finished_at=now, inserted=9, failed=self.failed),
            lambda: second.__class__.objects.filter(pk=second.pk).update(
                status=JobStatus.FAILED if self.fail_message else JobStatus.FINISHED,
                started_at=now, finished_at=now, modified=2, unchanged=5,
                message=self.fail_message),
        ]
        steps[self.step]()
        self.step += 1


def test_wait_follows_the_jobs_and_ends_with_their_counters(customer, no_enqueue, monkeypatch):
    monkeypatch.setattr(sync.time, "sleep", Worker())
    output = run("CUSTOMER", "--wait")
    first, second = SyncJob.objects.order_by("pk")
    assert "[############..................]  40% CUSTOMER To Integration Table: 4/10" in output
    assert (f"job {first.pk} CUSTOMER To Integration Table (Success): inserted 9, modified 0, "
            "unchanged 0, skipped 0, failed 0, deleted 0") in output
    assert (f"job {second.pk} CUSTOMER From Integration Table (Success): inserted 0, "
            "modified 2, unchanged 5, skipped 0, failed 0, deleted 0") in output
    assert "\r" not in output  # not a terminal: plain lines


def test_failed_records_make_the_exit_status_non_zero_and_say_which_job(customer, no_enqueue,
                                                                        monkeypatch):
    monkeypatch.setattr(sync.time, "sleep", Worker(failed=3))
    error = refused("CUSTOMER", "--wait")
    first = SyncJob.objects.order_by("pk").first()
    assert error.returncode == 1
    assert (f"job {first.pk} (CUSTOMER To Integration Table) could not synchronize 3 record(s)"
            in str(error))


def test_a_failed_job_makes_the_exit_status_non_zero_with_its_message(customer, no_enqueue,
                                                                      monkeypatch):
    monkeypatch.setattr(sync.time, "sleep", Worker(fail_message="Sales answered 401."))
    error = refused("CUSTOMER", "--wait")
    assert "(CUSTOMER From Integration Table) failed: Sales answered 401." in str(error)


def test_on_a_terminal_the_bar_is_redrawn_in_place(customer, no_enqueue, monkeypatch):
    class Terminal(StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sync.time, "sleep", Worker())
    out = Terminal()
    call_command("sync", "CUSTOMER", "--wait", stdout=out)
    assert "\r\x1b[2K[############" in out.getvalue()


def test_a_progress_line_without_a_total_counts_records(customer):
    job = make_job(customer, status=JobStatus.RUNNING, inserted=7, unchanged=3)
    assert sync.progress_line(job).startswith("CUSTOMER To Integration Table: 10 records")
