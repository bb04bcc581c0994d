"""``python manage.py fullsync [--connection NAME] [--wait] [--dry-run] [--timeout SECONDS]``:
Run Full Synchronization from a shell, as the review page's Start (or Dry run) does.

Refused while another full synchronization of the connection holds the lock. With ``--wait`` it
follows the review lines (rows, never Redis), printing a line whenever a line's status or
progress changes, then a summary; the exit status is 1 when a line ended with Error, was
cancelled or could not start, 2 for an unknown connection, 3 when ``--timeout`` ran out.
"""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand, CommandError

from connection.models import ConnectionSetup
from synchronization import fullsync, fullsync_review
from synchronization.fullsync_review import Row
from synchronization.models import FullSyncRun, LineStatus

POLL_SECONDS = 1.0
NOT_FOUND = 2
TIMED_OUT = 3
BAR_WIDTH = 20


class Command(BaseCommand):
    help = "Run a full synchronization of every mapping of a connection, in dependency order."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--connection", help="connection name (needed when there are "
                                                 "several)")
        parser.add_argument("--wait", action="store_true",
                            help="follow the lines until the run ends, with a progress display")
        parser.add_argument("--dry-run", action="store_true",
                            help="count what would be inserted, coupled and updated; write "
                                 "nothing")
        parser.add_argument("--timeout", type=float, default=None,
                            help="with --wait, give up waiting after this many seconds")

    def handle(self, *args, connection: str | None, wait: bool, dry_run: bool,
               timeout: float | None, **options) -> None:
        chosen = find_connection(connection)
        try:
            run = fullsync.start_run(chosen, "manage.py fullsync", dry_run=dry_run,
                                     counts=fullsync_review.cached_counts(chosen))
        except (fullsync.RunInProgress, fullsync.ConnectionDisabled) as exc:
            raise CommandError(str(exc)) from exc
        lines = list(run.lines.all())
        waves = max((line.wave for line in lines), default=0)
        what = "Dry run" if dry_run else "Full synchronization"
        self.stdout.write(f"{what} #{run.pk} of {chosen.name} started: {len(lines)} lines in "
                          f"{waves} waves.")
        if not wait:
            self.stdout.write("The workers run it; follow it on the Full Synchronization Review "
                              "page or with --wait.")
            return
        rows = self.follow(chosen, run, timeout)
        self.report(run, rows)

    def follow(self, connection: ConnectionSetup, run: FullSyncRun, timeout: float | None
               ) -> list[Row]:
        shown: dict[str, tuple] = {}
        deadline = time.monotonic() + timeout if timeout else None
        try:
            while True:
                run.refresh_from_db()
                fullsync.nudge(run)
                rows = fullsync_review.rows_for(connection, run, with_counts=False)
                for row in rows:
                    state = (row.status, row.done, row.message)
                    if shown.get(row.name) != state:
                        shown[row.name] = state
                        self.stdout.write(progress_line(row))
                if fullsync_review.polling_done(run, rows):
                    return rows
                if deadline and time.monotonic() > deadline:
                    raise CommandError(f"Still running after {timeout:g} s; the workers go on.",
                                       returncode=TIMED_OUT)
                time.sleep(POLL_SECONDS)
        except KeyboardInterrupt:
            self.stdout.write("\nStopped waiting; the run goes on in the workers.")
            sys.exit(130)

    def report(self, run: FullSyncRun, rows: list[Row]) -> None:
        self.stdout.write(f"{'Dry run' if run.dry_run else 'Full synchronization'} #{run.pk} "
                          f"{run.get_status_display().lower()}.")
        for row in rows:
            self.stdout.write(summary_line(row, run.dry_run))
        failed = [row for row in rows if row.status != LineStatus.FINISHED]
        problems = []
        if failed:
            problems.append("Lines that did not finish: " + ", ".join(
                f"{row.name} ({row.status_display or 'not started'})" for row in failed))
        with_errors = [row for row in rows if row.counters.get("failed")]
        if with_errors and not run.dry_run:  # as `sync` does: failed records are a failure
            problems.append("Records failed: " + ", ".join(
                f"{row.name} {row.counters['failed']}" for row in with_errors)
                + ". Open the synchronization errors page to see why and retry them.")
        if problems:
            raise CommandError("\n".join(problems))


def progress_line(row: Row, width: int = BAR_WIDTH) -> str:
    """``wave 2 CUSTOMER            In Process  [#####.....]  12/40`` plus why it waits."""
    status = row.status_display or "not started"
    if row.total:
        filled = min(width, round(width * row.done / row.total))
        progress = f"[{'#' * filled}{'.' * (width - filled)}] {row.done}/{row.total}"
    else:
        progress = f"{row.done} records" if row.jobs else ""
    why = f"  {row.message}" if row.message and not row.jobs else ""
    return f"wave {row.wave} {row.name:<20} {status:<12} {progress}{why}".rstrip()


def summary_line(row: Row, dry_run: bool) -> str:
    """One line per mapping: counters (or the dry run's forecast) and why it did not finish."""
    if dry_run:
        numbers = ", ".join(f"{key} {row.forecast.get(key, 0)}"
                            for key in ("insert", "couple", "update", "unchanged", "fail"))
    else:
        numbers = ", ".join(f"{key} {value}" for key, value in row.counters.items())
    status = row.status_display or "not started"
    note = f" - {row.message}" if row.message else ""
    return f"  {row.name:<20} {status:<12} {numbers}{note}"[:400]


def find_connection(name: str | None) -> ConnectionSetup:
    """The named connection, or the only one; exit status 2 otherwise."""
    connections = ConnectionSetup.objects.order_by("name")
    names = ", ".join(connections.values_list("name", flat=True)) or "none"
    if name:
        found = connections.filter(name__iexact=name).first()
        if found is None:
            raise CommandError(f"There is no connection named {name!r}. Connections: {names}.",
                               returncode=NOT_FOUND)
        return found
    if len(connections) == 1:
        return connections[0]
    if not connections:
        raise CommandError("No connection is set up yet.", returncode=NOT_FOUND)
    raise CommandError(f"There are several connections; choose one with --connection "
                       f"({names}).", returncode=NOT_FOUND)
