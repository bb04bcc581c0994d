"""What the scale-out, restart and benchmark runs check afterwards: the reconciliation report,
both services read back, the job rows and the workers' logs."""

from __future__ import annotations

import contextlib
import json
import re
from collections import Counter
from io import StringIO
from typing import Any

from django.core.management import call_command

# RQ logs "default: synchronization.jobs.run(42) (<rq job id>)" when a worker takes a job.
DISPATCH = re.compile(r"synchronization\.jobs\.run\((\d+)\) \(([0-9a-f-]{8,})\)")
PROBLEM_COUNTS = {"duplicates": ("duplicates_bc", "duplicates_sales"), "blank": ("blank",),
                  "dangling": ("dangling",)}
CUSTOMERS = "CUSTOMER"


def reconcile_report(connection) -> dict:
    """``manage.py reconcile --connection NAME --json``: the whole report."""
    out = StringIO()
    with contextlib.suppress(SystemExit):  # exit status 1 means problems: the report says
        call_command("reconcile", "--connection", connection.name, "--json", stdout=out)
    return json.loads(out.getvalue())


def reconcile_counts(connection, report: dict) -> dict[str, int]:
    """Problems, duplicates, blank and dangling over every mapping of a reconciliation report;
    the customers one side holds and the other does not after a full synchronization, split
    into those that failed visibly (an open synchronization error says why, e.g. a salesperson
    nobody coupled) and the missing ones (nothing says why)."""
    mappings = report["mappings"]
    counts = {"problems": report["problems"]}
    for name, keys in PROBLEM_COUNTS.items():
        counts[name] = sum(m["counts"].get(k, 0) for m in mappings for k in keys)
    customer = next(m for m in mappings if m["mapping"] == CUSTOMERS)["counts"]
    uncoupled = customer.get("uncoupled_bc", 0) + customer.get("uncoupled_sales", 0)
    counts["failed_visibly"] = len(failed_customers(connection))
    counts["missing"] = uncoupled - counts["failed_visibly"]
    return dict(sorted(counts.items()))


def failed_customers(connection) -> dict[str, str]:
    """Uncoupled customers with an open synchronization error: record id -> message."""
    from mappings.models import Coupling, IntegrationTableMapping
    from synchronization.models import SyncError

    mapping = IntegrationTableMapping.objects.get(connection=connection, name=CUSTOMERS)
    coupled = {str(i).lower() for pair in Coupling.objects.filter(mapping=mapping)
               .values_list("bc_id", "sales_id") for i in pair}
    errors = SyncError.objects.filter(mapping=mapping, resolved=False).order_by("created_at")
    return {str(source).lower(): message
            for source, message in errors.values_list("source_id", "message")
            if str(source).lower() not in coupled}


def findings(report: dict) -> dict[str, dict]:
    """The findings of each mapping that has any, to say what went wrong in a failure."""
    return {m["mapping"]: {k: v for k, v in m["findings"].items() if v}
            for m in report["mappings"] if any(m.get("findings", {}).values())}


def customers_on_both_sides(sandbox) -> tuple[list[str], list[str]]:
    """Names of the BC customers the CUSTOMER mapping takes (its default table filter leaves
    blocked ones out) and of Sales accounts, read from the sandbox's storage (not counted as
    API traffic), sorted."""
    bc = [r for r in sandbox.records("business_central", "customers")["records"]
          if str(r.get("blocked") or "").strip() == ""]
    sales = sandbox.records("dataverse", "accounts")["records"]
    return (sorted(str(r.get("displayName") or "") for r in bc),
            sorted(str(r.get("name") or "") for r in sales))


def duplicated(names: list[str]) -> int:
    """How many records share a name with another one."""
    return sum(n for n in Counter(names).values() if n > 1)


def assert_no_job_ran_twice(worker_names: set[str], logs: list[str]) -> None:
    """Each job row was claimed once, by one of our workers, and never resumed; RQ handed each
    of its queue entries to one worker only (a row may be queued again while its mapping is
    busy: its claim then waits, and only one claim can move it from pending to running)."""
    from synchronization.models import SyncJob

    ran = SyncJob.objects.exclude(started_at=None).exclude(kind="reconcile")
    strangers = set(ran.values_list("worker_name", flat=True)) - worker_names
    assert not strangers, f"jobs claimed by unknown workers {strangers}"
    resumed = ran.exclude(resumed_from=None).values("pk", "resumed_from", "message")
    assert not resumed.exists(), list(resumed)
    rq_jobs = Counter(rq_id for log in logs for _, rq_id in DISPATCH.findall(log))
    twice = {rq_id: n for rq_id, n in rq_jobs.items() if n > 1}
    assert rq_jobs and not twice, f"RQ jobs taken by more than one worker: {twice}"


def overlapping_runs() -> list[tuple[int, int]]:
    """Pairs of jobs of one mapping that ran at the same time (its lock lost)."""
    from synchronization.models import SyncJob

    rows = (SyncJob.objects.exclude(started_at=None).exclude(mapping=None)
            .order_by("mapping_id", "started_at").values("pk", "mapping_id", "started_at",
                                                         "finished_at"))
    found: list[tuple[int, int]] = []
    previous: Any = None
    for row in rows:
        if (previous and previous["mapping_id"] == row["mapping_id"]
                and (previous["finished_at"] is None
                     or previous["finished_at"] > row["started_at"])):
            found.append((previous["pk"], row["pk"]))
        previous = row
    return found


def assert_each_mapping_ran_alone() -> None:
    """No two jobs of one mapping ran at once: the mapping lock was never lost."""
    assert overlapping_runs() == []


def failed_jobs(connection) -> list[str]:
    """Each failed job of ``connection`` with its whole message, to say why in a failure."""
    from synchronization.models import JobStatus, SyncJob

    rows = SyncJob.objects.filter(connection=connection, status=JobStatus.FAILED).order_by("pk")
    return [f"#{j.pk} {j.kind} {j.mapping_name} by={j.worker_name}: {j.message} "
            f"{[e.message for e in j.errors.all()[:3]]}" for j in rows]


def job_lines(connection) -> list[str]:
    """One line per job of ``connection``, to say what ran in a failure."""
    from synchronization.models import SyncJob

    rows = SyncJob.objects.filter(connection=connection).order_by("pk")
    return [f"#{j.pk} {j.kind} {j.mapping_name} {j.direction} {j.mode} {j.status} "
            f"ins={j.inserted} mod={j.modified} unch={j.unchanged} fail={j.failed} "
            f"skip={j.skipped} by={j.worker_name} {j.started_at:%H:%M:%S.%f} "
            f"{j.finished_at:%H:%M:%S.%f} {j.message[:100]}" if j.started_at else
            f"#{j.pk} {j.kind} {j.mapping_name} {j.status} (never started)" for j in rows]
