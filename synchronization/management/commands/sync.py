"""``python manage.py sync MAPPING [--connection NAME] [--modified|--all] [--direction to|from]
[--wait]``: the Synchronize Now of the mappings pages, from a shell or a cron job.

Starts the run through :func:`synchronization.runs.start_mapping_sync`, so it is refused while
the mapping has an active job, exactly as on the page. With ``--wait`` it follows the job rows
(never Redis) and ends with one line of counters per job; the exit status is 1 when a job failed
or had failed records, and 2 for a mapping or connection that does not exist.
"""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from connection.models import ConnectionSetup
from mappings.models import Direction, IntegrationTableMapping
from synchronization import runs
from synchronization.models import JobStatus, SyncDirection, SyncJob, SyncMode

POLL_SECONDS = 0.5
# Without a terminal, a progress line every this many seconds (and on every status change).
PLAIN_EVERY = 10.0
BAR_WIDTH = 30
DIRECTIONS = {"to": SyncDirection.TO_SALES, "from": SyncDirection.FROM_SALES}
SUMMARY = ("inserted", "modified", "unchanged", "skipped", "failed", "deleted")
NOT_FOUND = 2
CLEAR_LINE = "\r\x1b[2K"  # back to the start of the line and erase it


class Command(BaseCommand):
    help = "Synchronize one integration table mapping now (modified records by default)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("mapping", help="name of the integration table mapping, e.g. "
                                            "CUSTOMER")
        parser.add_argument("--connection", help="connection name (needed when there are "
                                                 "several)")
        modes = parser.add_mutually_exclusive_group()
        modes.add_argument("--modified", dest="mode", action="store_const",
                           const=SyncMode.MODIFIED, help="only records changed since the last "
                                                         "run (the default)")
        modes.add_argument("--all", dest="mode", action="store_const", const=SyncMode.ALL,
                           help="all records (a full synchronization of this mapping)")
        parser.add_argument("--direction", choices=sorted(DIRECTIONS),
                            help="only one direction of a bidirectional mapping")
        parser.add_argument("--wait", action="store_true",
                            help="follow the jobs with a progress bar until they end")

    def handle(self, *args, mapping: str, connection: str | None, mode: str | None,
               direction: str | None, wait: bool, **options) -> None:
        chosen = find_mapping(mapping, find_connection(connection))
        started = self.start(chosen, mode or SyncMode.MODIFIED, DIRECTIONS.get(direction or ""))
        for job in started:
            self.stdout.write(f"Started job {job.pk}: {describe(job)}.")
        if not wait:
            self.stdout.write("The worker runs it; follow it on the jobs page or with --wait.")
            return
        ended = Follower(started, self.stdout, self.stdout.isatty()).follow()
        self.report(ended)

    def start(self, mapping: IntegrationTableMapping, mode: str,
              direction: str | None) -> list[SyncJob]:
        check_direction(mapping, direction)
        try:
            with transaction.atomic():
                return runs.start_mapping_sync(mapping, mode, direction=direction,
                                               started_by="manage.py sync")
        except (runs.AlreadyRunning, runs.ConnectionDisabled) as exc:
            raise CommandError(str(exc)) from exc

    def report(self, jobs: list[SyncJob]) -> None:
        for job in jobs:
            self.stdout.write(summary_line(job))
        problems = [problem(job) for job in jobs if problem(job)]
        if problems:
            raise CommandError("\n".join(problems))


def find_connection(name: str | None) -> ConnectionSetup:
    """The named connection, or the only one; a clear message and exit status 2 otherwise."""
    connections = ConnectionSetup.objects.order_by("name")
    if name:
        found = connections.filter(name__iexact=name).first()
        if found is None:
            raise CommandError(f"There is no connection named {name!r}. Connections: "
                               f"{_names(connections)}.", returncode=NOT_FOUND)
        return found
    if len(connections) == 1:
        return connections[0]
    if not connections:
        raise CommandError("No connection is set up yet.", returncode=NOT_FOUND)
    raise CommandError(f"There are several connections; choose one with --connection "
                       f"({_names(connections)}).", returncode=NOT_FOUND)


def find_mapping(name: str, connection: ConnectionSetup) -> IntegrationTableMapping:
    """The connection's mapping of that name (any case); exit status 2 when there is none."""
    mappings = IntegrationTableMapping.objects.filter(connection=connection)
    found = mappings.filter(name__iexact=name).first()
    if found is None:
        raise CommandError(f"There is no mapping named {name!r} on connection "
                           f"{connection.name}. Mappings: "
                           f"{_names(mappings.order_by('position', 'name'))}.",
                           returncode=NOT_FOUND)
    return found


def check_direction(mapping: IntegrationTableMapping, direction: str | None) -> None:
    if direction and mapping.direction not in (Direction.BIDIRECTIONAL, direction):
        raise CommandError(f"{mapping.name} synchronizes "
                           f"{mapping.get_direction_display()} only.", returncode=NOT_FOUND)


def describe(job: SyncJob) -> str:
    return f"{job.mapping_name} {job.get_direction_display()}, {job.get_mode_display()}"


def summary_line(job: SyncJob) -> str:
    """``job 12 CUSTOMER To Integration Table (Success): inserted 3, modified 0, ...``"""
    counters = ", ".join(f"{name} {getattr(job, name)}" for name in SUMMARY)
    return (f"job {job.pk} {job.mapping_name} {job.get_direction_display()} "
            f"({job.status_label}): {counters}")


def problem(job: SyncJob) -> str:
    """Why this job makes the command fail, or '' when it went well."""
    where = f"job {job.pk} ({job.mapping_name} {job.get_direction_display()})"
    if job.status == JobStatus.FAILED:
        return f"{where} failed: {job.message or 'no message'}"
    if job.status == JobStatus.CANCELLED:
        return f"{where} was cancelled."
    if job.failed:
        return (f"{where} could not synchronize {job.failed} record(s); see the errors page "
                f"(/sync/errors/?job={job.pk}).")
    return ""


def progress_line(job: SyncJob, width: int = BAR_WIDTH) -> str:
    """One line: a bar (when the total is known), records done, rate and status."""
    done = job.records_done
    rate = job.records_per_second
    speed = f", {rate:.0f} records/s" if rate else ""
    if job.records_total:
        filled = min(width, round(width * done / job.records_total))
        bar = f"[{'#' * filled}{'.' * (width - filled)}] {job.progress_percent:3d}% "
        count = f"{done}/{job.records_total}"
    else:
        bar, count = "", f"{done} records"
    return (f"{bar}{job.mapping_name} {job.get_direction_display()}: {count}{speed} "
            f"({job.status_label})")


class Follower:
    """Polls the job rows until all ended, drawing progress on a terminal or as plain lines."""

    def __init__(self, jobs: list[SyncJob], out, terminal: bool) -> None:
        self.ids = [job.pk for job in jobs]
        self.out = out
        self.terminal = terminal
        self.last_plain: dict[int, tuple[str, float]] = {}
        self.ended: set[int] = set()

    def follow(self) -> list[SyncJob]:
        try:
            while True:
                jobs = self.read()
                self.show(jobs)
                if all(not job.is_active for job in jobs):
                    return jobs
                time.sleep(POLL_SECONDS)
        except KeyboardInterrupt:
            self.out.write("\nStopped waiting; the jobs go on in the worker.")
            sys.exit(130)

    def read(self) -> list[SyncJob]:
        rows = SyncJob.objects.in_bulk(self.ids)
        return [rows[pk] for pk in self.ids if pk in rows]

    def show(self, jobs: list[SyncJob]) -> None:
        for job in jobs:
            if not job.is_active and job.pk not in self.ended:
                self.ended.add(job.pk)
                self.write(progress_line(job))
        active = [job for job in jobs if job.is_active]
        if active and self.terminal:
            self.out.write(f"{CLEAR_LINE}{progress_line(active[0])}", ending="")
        elif active:
            self.plain(active[0])

    def write(self, line: str) -> None:
        self.out.write(f"{CLEAR_LINE}{line}" if self.terminal else line)

    def plain(self, job: SyncJob) -> None:
        """A line when the status changes, else at most every PLAIN_EVERY seconds."""
        status, at = self.last_plain.get(job.pk, ("", 0.0))
        now = time.monotonic()
        if job.status != status or now - at >= PLAIN_EVERY:
            self.out.write(progress_line(job))
            self.last_plain[job.pk] = (job.status, now)


def _names(queryset) -> str:
    return ", ".join(queryset.values_list("name", flat=True)) or "none"
