"""``manage.py process_sales_orders`` end to end: a real command process, Redis, an RQ worker
and the sandbox."""

import os
import subprocess
import sys

import pytest

from mappings.models import Coupling
from synchronization.leadtocash import jobs as leadtocash_jobs
from synchronization.models import JobQueueEntry, JobStatus, SalesReceivablesSetup, SyncJob
from tests.fixtures import worker
from tests.synchronization.leadtocash_support import (
    order_integration,
    product_line,
    sales_document,
    submit,
)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def connection(synced_connection, sandbox_clean):
    order_integration(synced_connection)
    JobQueueEntry.objects.filter(connection=synced_connection).update(enabled=False)
    SalesReceivablesSetup.objects.create(connection=synced_connection,
                                         write_in_product_no="1900-S")
    order_id = sales_document(synced_connection, sandbox_clean.credentials, "salesorders",
                              "Command order", [product_line(synced_connection)])
    submit(synced_connection, sandbox_clean.credentials, order_id)
    return synced_connection


def command(*args: str, redis_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": worker.test_database_url(), "REDIS_URL": redis_url}
    return subprocess.run([sys.executable, "manage.py", "process_sales_orders", *args],
                          cwd=worker.ROOT, env=env, capture_output=True, text=True, timeout=180)


def test_process_sales_orders_wait_creates_the_submitted_orders(connection, rq_worker,
                                                                redis_url):
    done = command("--wait", redis_url=redis_url)
    assert done.returncode == 0, done.stdout + done.stderr
    job = SyncJob.objects.get(kind=leadtocash_jobs.CREATE_ORDERS)
    assert job.status == JobStatus.FINISHED and job.inserted == 2
    assert f"job {job.pk} Success: inserted 2, unchanged 0, failed 0." in done.stdout
    assert Coupling.objects.filter(mapping__name="SALESORDER-ORDER").count() == 2


def test_a_failed_order_is_listed_and_the_exit_status_is_1(connection, rq_worker, redis_url):
    SalesReceivablesSetup.objects.filter(connection=connection).update(write_in_product_no="")
    done = command("--wait", redis_url=redis_url)
    assert done.returncode == 1
    assert "write-in product" in done.stdout
