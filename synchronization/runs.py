"""Starting and running synchronization work: the service layer views and commands call.

Views and commands start work here; the worker runs it here too (handlers registered with
synchronization.jobs). A mapping never runs twice at once: starting refuses while one of its jobs
is active, and a worker claims a job only while no other job of the mapping is running, holding
a lock on the mapping row.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from functools import partial
from typing import Any, cast

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from connection import sales_metadata, services
from mappings.matching import (
    ALREADY_COUPLED,
    MATCHED,
    MatchField,
    MatchLog,
    MatchOptions,
    run_match_based_coupling,
)
from mappings.models import Coupling, Direction, IntegrationTableMapping, SyncResult
from synchronization import jobs, options
from synchronization.engine import Cancelled, DirectionRun
from synchronization.fullsync_lines import ran_through
from synchronization.models import (
    ACTIVE_STATUSES,
    JobKind,
    JobStatus,
    SyncDirection,
    SyncJob,
    SyncMode,
)
from synchronization.sides import BcSide, SalesSide
from synchronization.throttle import ThrottleRecorder
from synchronization.writes import Write

log = logging.getLogger(__name__)
SYNC_KIND = JobKind.SYNC_MAPPING
MATCH_KIND = JobKind.MATCH_COUPLING
DELETE_KIND = JobKind.DELETE_RECORDS


ConnectionDisabled = jobs.ConnectionDisabled  # raised by every start_* below


class AlreadyRunning(Exception):
    """The mapping has a job that is pending or running."""


class AllRecordsFailed(Exception):
    """Every record the job touched failed: BC shows such a job as Error (3.3)."""


def directions_of(mapping: IntegrationTableMapping) -> list[str]:
    """BC runs a bidirectional mapping BC -> Sales first, then Sales -> BC (5.1)."""
    if mapping.direction == Direction.BIDIRECTIONAL:
        return [SyncDirection.TO_SALES, SyncDirection.FROM_SALES]
    return [mapping.direction]


def active_jobs(mapping: IntegrationTableMapping) -> QuerySet[SyncJob]:
    return SyncJob.objects.filter(mapping=mapping, status__in=ACTIVE_STATUSES)


def start_mapping_sync(mapping: IntegrationTableMapping, mode: str, *,
                       direction: str | None = None, bc_ids: list[str] | None = None,
                       sales_ids: list[str] | None = None, started_by: str = "",
                       after: SyncJob | None = None, **parameters: Any) -> list[SyncJob]:
    """Create one job per direction, chained, and enqueue the first when the transaction commits.

    With ``after`` (a running job of the same mapping), the first job is chained to it instead:
    it starts when that job has ended. Raises AlreadyRunning when the mapping has another
    active job, ConnectionDisabled when its connection is disabled.
    """
    jobs.check_enabled(mapping.connection)
    busy = active_jobs(mapping).exclude(pk=after.pk) if after else active_jobs(mapping)
    if busy.exists():
        raise AlreadyRunning(f"{mapping.name} is already being synchronized; wait for that "
                             "job to finish or cancel it.")
    params = {**parameters, "bc_ids": [str(i) for i in bc_ids or []],
              "sales_ids": [str(i) for i in sales_ids or []]}
    created: list[SyncJob] = []
    for d in [direction] if direction else directions_of(mapping):
        created.append(jobs.start(
            SYNC_KIND, mapping=mapping, mapping_name=mapping.name, direction=d, mode=mode,
            parameters=params, started_by=started_by, after=created[-1] if created else after))
    return created


def retry_couplings(couplings: QuerySet[Coupling], started_by: str = "") -> list[SyncJob]:
    """Clear Skipped and synchronize these records again with fresh source data."""
    chosen = list(couplings.select_related("mapping"))  # before the update changes the filter
    Coupling.objects.filter(pk__in=[c.pk for c in chosen]).update(skipped=False, last_error="")
    return _per_mapping(chosen, lambda mapping, group: start_mapping_sync(
        mapping, SyncMode.SELECTED, started_by=started_by,
        bc_ids=[str(c.bc_id) for c in group], sales_ids=[str(c.sales_id) for c in group]))


def retry_errors(errors, started_by: str = "") -> list[SyncJob]:
    """Synchronize again, with fresh source data, the records these errors are about, in the
    direction each failed: coupled records (Skipped cleared) and records whose creation failed
    (no coupling: the selected run creates them, whatever Synch. Only Coupled Records says).

    One job chain per mapping. Raises AlreadyRunning or ConnectionDisabled like every start.
    """
    wanted: dict[int, tuple[IntegrationTableMapping, dict[str, set[str]]]] = {}
    couplings: set[int] = set()
    for error in errors:
        if error.mapping is None or not error.source_id:
            continue
        mapping, ids = wanted.setdefault(error.mapping_id, (error.mapping, {}))
        ids.setdefault(error.direction or SyncDirection.TO_SALES, set()).add(error.source_id)
        if error.coupling_id:
            couplings.add(error.coupling_id)
    Coupling.objects.filter(pk__in=couplings).update(skipped=False, last_error="")
    started: list[SyncJob] = []
    for mapping, ids in wanted.values():
        only = next(iter(ids)) if len(ids) == 1 else None
        started += start_mapping_sync(
            mapping, SyncMode.SELECTED, direction=only, started_by=started_by,
            bc_ids=sorted(ids.get(SyncDirection.TO_SALES, ())),
            sales_ids=sorted(ids.get(SyncDirection.FROM_SALES, ())))
    return started


def remove_couplings(couplings: QuerySet[Coupling]) -> int:
    """Uncouple records: both stay as they are, the next sync treats them as new."""
    count, _ = couplings.delete()
    return count


def restore_records(couplings: QuerySet[Coupling], started_by: str = "") -> list[SyncJob]:
    """Deletion conflicts: recreate the deleted side from the record that still exists."""
    return _per_mapping(couplings, lambda mapping, group: start_mapping_sync(
        mapping, SyncMode.SELECTED, started_by=started_by, deletion_policy="restore",
        bc_ids=[str(c.bc_id) for c in group], sales_ids=[str(c.sales_id) for c in group]))


def delete_source_records(couplings: QuerySet[Coupling], started_by: str = "") -> SyncJob:
    """Deletion conflicts: delete the record that still exists, and the coupling."""
    return jobs.start(DELETE_KIND, started_by=started_by,
                      parameters={"coupling_ids": list(couplings.values_list("pk", flat=True))})


def resolve_conflicts(errors, take: str, started_by: str = "") -> list[SyncJob]:
    """Update conflicts: overwrite the other side with Business Central's ("bc") or Sales'
    ("sales") data, then mark the conflicts resolved."""
    direction = SyncDirection.TO_SALES if take == "bc" else SyncDirection.FROM_SALES
    couplings = Coupling.objects.filter(pk__in=errors.values_list("coupling_id", flat=True))
    started = _per_mapping(couplings, lambda mapping, group: start_mapping_sync(
        mapping, SyncMode.SELECTED, direction=direction, started_by=started_by,
        bc_ids=[str(c.bc_id) for c in group], sales_ids=[str(c.sales_id) for c in group]))
    errors.update(resolved=True)
    return started


def _per_mapping(couplings, start) -> list[SyncJob]:
    """Call ``start(mapping, couplings_of_that_mapping)`` per mapping; collect the jobs."""
    if isinstance(couplings, QuerySet):
        couplings = couplings.select_related("mapping")
    groups: dict[int, list[Coupling]] = {}
    for coupling in couplings:
        groups.setdefault(coupling.mapping_id, []).append(coupling)
    started: list[SyncJob] = []
    for group in groups.values():
        started += start(group[0].mapping, group)
    return started


def start_match_coupling(mapping: IntegrationTableMapping, options: MatchOptions,
                         started_by: str = "") -> SyncJob:
    """Match-Based Coupling as a background job; its result holds the match log."""
    return jobs.start(
        MATCH_KIND, mapping=mapping, mapping_name=mapping.name, started_by=started_by,
        parameters={"fields": [asdict(f) for f in options.fields],
                    "create_new": options.create_new, "synch_after": options.synch_after})


# -- running (in the worker) ---------------------------------------------------------------
def claim_sync(job: SyncJob, worker_name: str) -> bool:
    """Claim only while no other job of the same mapping runs (lock the mapping row), and only
    once the job it is chained after finished: the opposite direction of a mapping never works
    from couplings its first direction left incomplete."""
    if not _predecessor_finished(job):
        return False
    with transaction.atomic():
        mapping_id = cast(int, job.mapping_id)  # a sync job always names its mapping
        IntegrationTableMapping.objects.select_for_update().filter(pk=mapping_id).first()
        busy = SyncJob.objects.filter(mapping_id=job.mapping_id, status=JobStatus.RUNNING)
        if busy.exclude(pk=job.pk).exists():
            return False
        return job.claim(worker_name)


def _predecessor_finished(job: SyncJob) -> bool:
    """Whether the job this one is chained after (the latest of its resumptions) finished, or
    went through all its records though each failed (as BC's full synchronization goes on).
    While it is active this job waits; when it stopped before its end, this job is cancelled."""
    before = SyncJob.objects.filter(parameters__then=job.pk).order_by("-pk").first()
    if before is None or before.status == JobStatus.FINISHED or ran_through(before):
        return True
    if before.is_active:
        return False
    if job.cancel(f"Not run: job #{before.pk} before it ({before.name}, "
                  f"{before.get_direction_display() or before.kind_caption}) ended with "
                  f"{before.status_label}."):
        jobs.notify_finished(job)
    return False


def run_sync(job: SyncJob) -> dict:
    """Run one direction of a mapping (the worker then starts the next job of the chain)."""
    return _run_direction(job)


def _run_direction(job: SyncJob) -> dict:
    mapping = job.mapping
    if mapping is None:
        raise RuntimeError("The integration table mapping was deleted.")
    if mapping.is_option_mapping:  # codes <-> option values; never account rows
        result = options.run_option_job(job)
        if not job.parameters.get("dry_run"):
            _record_on_mapping(job)
        return result
    connection = mapping.connection
    bc_client = services.business_central_client(connection)
    sales_client = services.dataverse_client(connection)
    tuning = _tuning(connection)
    # Read once per connection and reused (connection.sales_metadata): a job asks Sales only
    # for its records, and for the base currency only when a record needs it.
    integration_users = sales_metadata.integration_user_ids(connection, sales_client)
    bc = BcSide(mapping, bc_client, tuning["bc_batch"], tuning["bc_concurrency"])
    sales = SalesSide(mapping, sales_client, tuning["sales_batch"], tuning["sales_concurrency"],
                      integration_user_ids=integration_users, follow_hint=_is_default(
                          connection, "sales_concurrency"))
    _count_total(job, bc if job.direction == SyncDirection.TO_SALES else sales)
    try:
        base_currency = partial(sales_metadata.base_currency, connection, sales_client)
        with ThrottleRecorder(job, {"dataverse": sales_client, "business_central": bc_client}):
            result = DirectionRun(job, mapping, bc, sales, base_currency).run()
    except Cancelled:
        job.refresh_from_db()
        # Only a job still ours: one taken for abandoned keeps the status its resumer gave it.
        SyncJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
            status=JobStatus.CANCELLED, finished_at=timezone.now(), message="Cancelled.")
        return {"cancelled": True}
    finally:
        bc_client.close()
        sales_client.close()
    if not job.parameters.get("dry_run"):
        _record_on_mapping(job)
    job.refresh_from_db()
    jobs.note_set_aside(job, connection, sales_client)
    if job.failed and job.records_done == job.failed:
        raise AllRecordsFailed(f"All {job.failed} records failed. Open the job's errors to see "
                               "why and how to fix them.")
    return result


def run_match(job: SyncJob) -> dict:
    """Couple by matching; then synchronize what was coupled when the options say so."""
    params = job.parameters
    assert job.mapping is not None  # a match job is for one mapping
    options = MatchOptions(tuple(MatchField(**f) for f in params["fields"]),
                           params["create_new"], params["synch_after"])
    log = run_match_based_coupling(job.mapping, options,
                                   progress=lambda done, total: job.beat(records_total=total))
    matched = [line.bc_id for line in log.lines if line.outcome == MATCHED]
    result = log.as_dict()
    if options.synch_after and matched:  # chained: it runs once this job released the mapping
        [sync] = start_mapping_sync(job.mapping, SyncMode.SELECTED, bc_ids=matched,
                                    direction=SyncDirection.TO_SALES, started_by=job.started_by,
                                    after=job)
        result["sync_job"] = sync.pk
    job.add(**match_counters(log))
    return result


def match_counters(log: MatchLog) -> dict[str, int]:
    """The job's counters for a match log: coupled records count as modified, records already
    coupled as unchanged, the rest (no match, several, match taken) as skipped."""
    counts = log.counts
    coupled, unchanged = counts[MATCHED], counts[ALREADY_COUPLED]
    return {"modified": coupled, "unchanged": unchanged,
            "skipped": sum(counts.values()) - coupled - unchanged}


def run_delete(job: SyncJob) -> dict:
    """Delete the surviving record of each deletion conflict, then its coupling."""
    deleted = 0
    for coupling in Coupling.objects.filter(pk__in=job.parameters["coupling_ids"]) \
            .select_related("mapping__connection"):
        _delete_surviving(coupling)
        coupling.delete()
        deleted += 1
    job.add(deleted=deleted)
    return {"deleted": deleted}


def _delete_surviving(coupling: Coupling) -> None:
    mapping = coupling.mapping
    bc = BcSide(mapping, services.business_central_client(mapping.connection))
    sales = SalesSide(mapping, services.dataverse_client(mapping.connection))
    if sales.fetch([str(coupling.sales_id)]):
        sales.write([Write("delete", str(coupling.sales_id))])
    if bc.fetch([str(coupling.bc_id)]):
        bc.write([Write("delete", str(coupling.bc_id))])


# What the services allow (protocols.md 3.9-3.10, 4.6-4.7): Dataverse runs 1,000 operations per
# $batch, Business Central 100 per $batch and 5 requests at once per user (more wait in its queue).
SERVICE_LIMITS = {"sales_batch_size": 1000, "bc_batch_size": 100, "bc_concurrency": 5}


def _tuning(connection) -> dict[str, int]:
    """Batch sizes and parallel batches, per connection, within the services' limits.

    A setting left at its default means "as much as the service allows"; a value the
    administrator chose (to leave room for other integrations on the same user) is kept. How
    many Dataverse batches are in flight follows its ``x-ms-dop-hint`` once an answer carried
    one (SalesSide.lanes); the setting is what is used before.
    """
    def chosen(name: str) -> int:
        value = getattr(connection, name)
        return SERVICE_LIMITS.get(name, value) if _is_default(connection, name) else value

    return {"bc_batch": chosen("bc_batch_size"), "bc_concurrency": chosen("bc_concurrency"),
            "sales_batch": chosen("sales_batch_size"),
            "sales_concurrency": chosen("sales_concurrency")}


def _is_default(connection, name: str) -> bool:
    return getattr(connection, name) == type(connection)._meta.get_field(name).default


def _count_total(job: SyncJob, source) -> None:
    if job.mode != SyncMode.ALL:
        return
    try:
        if isinstance(source, BcSide) and not source.page:
            total = source.client.count(source.table.entity)
        elif isinstance(source, SalesSide):
            total = source.client.count(source.entity_set)
        else:
            return
    except Exception:  # a count is only for the progress bar
        log.info("could not count records for job %s", job.pk)
        return
    job.beat(records_total=total)


def _record_on_mapping(job: SyncJob) -> None:
    job.refresh_from_db()
    result = SyncResult.FAILURE if job.has_failures else SyncResult.SUCCESS
    IntegrationTableMapping.objects.filter(pk=cast(int, job.mapping_id)).update(
        last_synced_at=timezone.now(), last_sync_result=result, last_job_id=job.pk)
