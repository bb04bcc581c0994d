"""``python manage.py reconcile [--connection NAME] [--mapping NAME] [--json] [--repair blanks]``:
the reconciliation check from a shell, as the page's **Check now** runs it (a reconcile job row,
run here). Prints one summary line per mapping, or with ``--json`` the whole report; the exit
status is 1 when any mapping has duplicates, blank records, dangling couplings, missing option
values, drift or could not be checked, 2 for an unknown connection or mapping.
"""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from synchronization import jobs, reconcile
from synchronization.management.commands.fullsync import find_connection
from synchronization.models import JobStatus, SyncJob

PROBLEMS_FOUND = 1
NOT_FOUND = 2


class Command(BaseCommand):
    help = "Check that both systems hold exactly what each mapping says."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--connection", help="connection name (needed when there are "
                                                 "several)")
        parser.add_argument("--mapping", action="append", dest="mappings", default=[],
                            help="integration table mapping name (repeatable; default: all)")
        parser.add_argument("--json", action="store_true", dest="as_json",
                            help="print the report as JSON")
        parser.add_argument("--repair", choices=["blanks"],
                            help="blanks: delete the blank accounts option mappings left in "
                                 "Sales, and their couplings, before checking")

    def handle(self, *args, connection: str | None, mappings: list[str], as_json: bool,
               repair: str | None, **options) -> None:
        chosen = find_connection(connection)
        found = reconcile.mappings_to_check(chosen, mappings)
        unknown = set(mappings) - {m.name for m in found}
        if unknown:
            raise CommandError(f"{chosen.name} has no mapping {', '.join(sorted(unknown))}.",
                               returncode=NOT_FOUND)
        if repair == "blanks":
            (self.stderr if as_json else self.stdout).write(repair_blanks(chosen))
        job = reconcile.new_job(chosen, mappings, "manage.py reconcile")
        jobs.run(job.pk)
        job = SyncJob.objects.get(pk=job.pk)
        if job.status != JobStatus.FINISHED:
            raise CommandError(f"The check failed: {job.message}")
        reports = [r.report for r in job.reconcile_reports.select_related("mapping")]
        reports.sort(key=lambda r: [m.name for m in found].index(r["mapping"]))
        self._print(chosen, reports, as_json)
        if any(r["problems"] for r in reports):
            sys.exit(PROBLEMS_FOUND)

    def _print(self, connection, reports: list[dict], as_json: bool) -> None:
        if as_json:
            self.stdout.write(_json({"connection": connection.name,
                                     "problems": sum(r["problems"] for r in reports),
                                     "mappings": reports}))
            return
        for report in reports:
            self.stdout.write(summary_line(report))


def _json(data: dict) -> str:
    return json.dumps(data, indent=2, sort_keys=True)


def summary_line(report: dict) -> str:
    counts = report.get("counts", {})
    if report.get("error"):
        return f"{report['mapping']}: {report['error']}"
    shown = ", ".join(f"{name.replace('_', ' ')} {value}" for name, value in counts.items()
                      if value)
    verdict = f"{report['problems']} problem(s)" if report["problems"] else "OK"
    return f"{report['mapping']}: {verdict} ({shown or 'no records'})"


def repair_blanks(connection) -> str:
    """Delete the blank accounts that option mappings synchronized as records (the repair lives
    with the option mappings' own code)."""
    try:
        from synchronization.options import repair_blank_accounts
    except ModuleNotFoundError as exc:
        raise CommandError(
            "--repair blanks needs synchronization.options.repair_blank_accounts, which this "
            "version does not have yet: it comes with the option mapping fix.") from exc
    result = repair_blank_accounts(connection, started_by="manage.py reconcile --repair blanks")
    for job_id in result.option_jobs:  # here, as the check itself runs: the options come first
        jobs.run(job_id)
    failed = SyncJob.objects.filter(pk__in=result.option_jobs).exclude(status=JobStatus.FINISHED)
    return (f"Repaired blank accounts: deleted {len(result.deleted_accounts)}, kept "
            f"{len(result.kept_accounts)} (named, or made by someone else), removed "
            f"{result.removed_couplings} coupling(s); option mappings synchronized again "
            f"({len(result.option_jobs)} job(s)"
            + (f", {failed.count()} not finished: see the jobs page)." if failed.exists()
               else ").")) + "\n"
