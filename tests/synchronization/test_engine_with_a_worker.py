"""The engine through the real path: job rows, Redis, an RQ worker process, the sandbox."""

import pytest
from django.db import transaction

from synchronization import runs
from synchronization.models import JobStatus, SyncJob, SyncMode
from tests.fixtures.worker import wait_for
from tests.synchronization.engine_support import couplings, mapping

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def finished(jobs):
    rows = list(SyncJob.objects.filter(pk__in=[j.pk for j in jobs]).order_by("pk"))
    return rows if all(j.status not in (JobStatus.PENDING, JobStatus.RUNNING) for j in rows) \
        else None


def test_a_worker_runs_both_directions_of_a_mapping_in_order(synced_connection, rq_worker):
    with transaction.atomic():
        for name in ("SALESPEOPLE", "CURRENCY"):
            runs.start_mapping_sync(mapping(synced_connection, name), SyncMode.ALL,
                                    ignore_synch_only_coupled=True)
    wait_for(lambda: not SyncJob.objects.filter(status__in=["pending", "running"]).exists(), 60)
    with transaction.atomic():
        jobs = runs.start_mapping_sync(mapping(synced_connection, "CUSTOMER"), SyncMode.ALL,
                                       ignore_synch_only_coupled=True)
    to_sales, from_sales = wait_for(lambda: finished(jobs), 60)
    assert to_sales.status == from_sales.status == JobStatus.FINISHED
    assert to_sales.finished_at <= from_sales.started_at
    assert to_sales.inserted > 0 and to_sales.requests > 0
    assert couplings(mapping(synced_connection, "CUSTOMER")).count() >= to_sales.inserted


def test_a_mapping_cannot_be_started_twice(synced_connection):
    with transaction.atomic():
        runs.start_mapping_sync(mapping(synced_connection, "CURRENCY"), SyncMode.ALL)
    with pytest.raises(runs.AlreadyRunning):
        runs.start_mapping_sync(mapping(synced_connection, "CURRENCY"), SyncMode.ALL)
