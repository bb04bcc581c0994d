"""Only job ids travel through Redis, as JSON: RQ's pickle serializer is never used."""

import json
import os
import subprocess
import sys
import zlib
from pathlib import Path

import django_rq
import pytest
from django.conf import settings
from rq.serializers import JSONSerializer

from synchronization import jobs
from synchronization.models import JobStatus, SyncJob
from synchronization.worker import Worker
from tests.fixtures.worker import wait_for

ROOT = Path(__file__).resolve().parents[2]


def test_the_queue_serializes_jobs_as_json():
    assert django_rq.get_queue(jobs.QUEUE).serializer is JSONSerializer


def test_the_worker_reads_json_whatever_serializer_rqworker_passes():
    queue = django_rq.get_queue(jobs.QUEUE)
    worker = Worker([queue], connection=queue.connection,
                    serializer="rq.serializers.DefaultSerializer")
    assert worker.serializer is JSONSerializer


@pytest.mark.django_db(transaction=True)
def test_a_job_enqueued_through_synchronization_jobs_runs_with_a_json_worker(rq_worker):
    job = jobs.start("ping", started_by="test")
    done = wait_for(lambda: SyncJob.objects.filter(pk=job.pk,
                                                   status=JobStatus.FINISHED).first())
    assert done.result["pong"] is True


@pytest.mark.django_db(transaction=True)  # django-rq enqueues when the transaction commits
def test_what_travels_through_redis_is_the_job_id_as_json(redis_url):
    queue = django_rq.get_queue(jobs.QUEUE)
    queue.empty()
    jobs.enqueue(42)
    [queued] = queue.get_jobs()
    raw = queue.connection.hget(queued.key, "data")
    assert json.loads(zlib.decompress(raw)) == ["synchronization.jobs.run", None, [42], {}]
    queue.empty()


def test_rqworker_and_bcsales_run_use_the_json_serializer():
    assert settings.RQ_QUEUES["default"]["SERIALIZER"] == "rq.serializers.JSONSerializer"
    source = (ROOT / "bcsales" / "cli.py").read_text()
    assert '"--serializer",\n' in source and "rq.serializers.JSONSerializer" in source
    shown = subprocess.run([sys.executable, "manage.py", "rqworker", "--help"], cwd=ROOT,
                           env=os.environ, capture_output=True, text=True, check=True)
    assert "--serializer" in shown.stdout
