"""Running mappings in the test process (the worker tests run them through RQ)."""

import time

from connection import services
from mappings.models import Coupling, IntegrationTableMapping
from synchronization import jobs, runs
from synchronization.models import TERMINAL_STATUSES, SyncError, SyncJob, SyncMode


def mapping(connection, name: str) -> IntegrationTableMapping:
    return IntegrationTableMapping.objects.get(connection=connection, name=name)


def run_now(target: IntegrationTableMapping, mode: str = SyncMode.MODIFIED, **options
            ) -> list[SyncJob]:
    """Start a mapping's jobs and run them here, in order, as a worker would."""
    created = runs.start_mapping_sync(target, mode, **options)
    run_chain(created[0].pk)
    return [SyncJob.objects.get(pk=job.pk) for job in created]


def run_chain(job_id: int | None) -> None:
    """Run a job and the jobs chained after it (``then``), here, in order."""
    while job_id:
        job_id = run_to_end(job_id).parameters.get("then")


def run_to_end(job_id: int, timeout: float = 120) -> SyncJob:
    """Run a job here and return it ended.

    In a test whose transactions commit (a live server's), starting a job also enqueues it, and
    a worker thread may claim it first: this run then returns at once, so wait for the
    worker's, as the caller reads what the job wrote. A job whose mapping is busy stays pending:
    try it again.
    """
    deadline = time.monotonic() + timeout
    while True:
        jobs.run(job_id)
        job = SyncJob.objects.get(pk=job_id)
        if job.status in TERMINAL_STATUSES:
            return job
        assert time.monotonic() < deadline, f"job {job_id} still {job.status} after {timeout} s"
        time.sleep(0.05)


def full(target: IntegrationTableMapping, **options) -> list[SyncJob]:
    return run_now(target, SyncMode.ALL, ignore_synch_only_coupled=True, **options)


def errors(job: SyncJob) -> list[str]:
    return list(SyncError.objects.filter(job=job).values_list("message", flat=True))


def couplings(target: IntegrationTableMapping):
    return Coupling.objects.filter(mapping=target)


def admin_dataverse(connection, credentials: dict):
    """A Dataverse client signed in as the Sales administrator (a person, not the integration)."""
    tokens = services.user_credential(connection, credentials["admin_user"],
                                      credentials["admin_password"])
    return services.dataverse_client(connection, tokens=tokens)


def integration_dataverse(connection):
    return services.dataverse_client(connection)


def bc(connection):
    return services.business_central_client(connection)
