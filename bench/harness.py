"""What the synchronization benchmarks share: a private world and a way to measure a run in it.

:class:`World` starts everything a benchmark needs and nothing it shares with anyone: a sandbox
process with its own data folder and generated customers, an embedded Redis, a SQLite database
in a temporary DATA_DIR (migrated), a connection with the default synchronization setup, and
real ``manage.py rqworker`` processes. :class:`PssSampler` follows the worker family's peak
memory.
Nothing here asserts; the scripts print figures.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

ROOT = Path(__file__).resolve().parents[1]
# What each benchmarked mapping looks up (its dependency filter), and the generator size key.
DEPENDENCIES = {
    "CUSTOMER": ("SALESPEOPLE", "CURRENCY", "PAYMENT TERMS", "SHIPMENT METHOD",
                 "SHIPPING AGENT"),
    "ITEM-PRODUCT": ("UNIT OF MEASURE", "CURRENCY"),
}
GENERATED = {"CUSTOMER": "customers", "ITEM-PRODUCT": "items"}
MB = 1024 * 1024


def prepare_environment(workdir: Path) -> None:
    """Point Django at a private data folder before the settings are imported."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ["DATA_DIR"] = str(workdir / "data")
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bcsales.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")


class World:
    """A sandbox, Redis, database, connection and workers of one benchmark run.

    Use as a context manager; everything started is stopped (and the folder removed) on exit.
    """

    def __init__(self, sizes: dict[str, int], keep: bool = False) -> None:
        self.sizes = sizes
        self.keep = keep
        self.workdir = Path(tempfile.mkdtemp(prefix="bcsales-bench-"))
        # Set by __enter__; their types are imported only once Django is set up.
        self.redis: Any = None
        self.sandbox: Any = None
        self.workers: list[Any] = []
        self.connection: Any = None

    def __enter__(self) -> World:
        prepare_environment(self.workdir)
        from bcsales.embedded_redis import EmbeddedRedis

        self.redis = EmbeddedRedis(self.workdir / "redis").start()
        os.environ["REDIS_URL"] = self.redis.url
        self._start_sandbox()
        self._start_django()
        return self

    def __exit__(self, *exc_info: object) -> None:
        for worker in self.workers:
            worker.stop()
        if self.sandbox is not None:
            from tests.fixtures.sandbox import stop_sandbox

            stop_sandbox(self.sandbox)
        if self.redis is not None:
            self.redis.stop()
        if not self.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def _start_sandbox(self) -> None:
        from tests.fixtures import sandbox as fixture

        fixture.START_TIMEOUT = max(fixture.START_TIMEOUT, 60 + sum(self.sizes.values()) // 500)
        started = time.perf_counter()
        options = [part for key, size in self.sizes.items() for part in (f"--{key}", str(size))]
        self.sandbox = fixture.start_sandbox(self.workdir / "sandbox", *options)
        generated = ", ".join(f"{size:,} {key}" for key, size in self.sizes.items())
        print(f"sandbox with {generated or 'demo data only'} ready in "
              f"{time.perf_counter() - started:.1f} s", flush=True)

    def _start_django(self) -> None:
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        from connection import lifecycle
        from connection.documents import apply_document, sandbox_document
        from mappings.defaults import apply_default_setup

        self.connection, _ = apply_document(
            sandbox_document(self.sandbox.credentials, "Benchmark"))
        report = lifecycle.enable(self.connection)  # a disabled connection runs nothing
        if not report.passed:
            raise RuntimeError(f"Test Connection failed: {report.failures()}")
        apply_default_setup(self.connection)
        from synchronization.models import JobQueueEntry

        # Only the measured runs may run: the recurring job queue entries stay off.
        JobQueueEntry.objects.update(enabled=False)

    # -- workers and runs ----------------------------------------------------------------
    def start_worker(self):
        """A real ``manage.py rqworker`` against this world's database and Redis."""
        from tests.fixtures.worker import WorkerProcess

        worker = WorkerProcess(self.redis.url)
        self.workers.append(worker)
        return worker

    def mapping(self, name: str):
        from mappings.models import IntegrationTableMapping

        return IntegrationTableMapping.objects.get(connection=self.connection, name=name)

    def run(self, name: str, mode: str, direction: str | None = None, timeout: float = 3600):
        """Start a mapping's jobs and wait until the worker ended them all; the job rows."""
        from django.db import transaction

        from synchronization import runs

        with transaction.atomic():
            created = runs.start_mapping_sync(self.mapping(name), mode, direction=direction,
                                              ignore_synch_only_coupled=True)
        return wait_until_ended([job.pk for job in created], timeout)

    def presync(self, names: tuple[str, ...]) -> None:
        """Synchronize what a mapping looks up (its dependency filter), all records."""
        from synchronization.models import SyncMode

        for name in names:
            for job in self.run(name, SyncMode.ALL, timeout=300):
                if job.status != "finished" or job.failed:
                    print(f"  note: {name} {job.direction}: {job.status}, {job.failed} failed "
                          f"({job.message[:120]})", flush=True)


def wait_until_ended(job_ids: list[int], timeout: float) -> list[Any]:
    """Poll the job rows (never Redis) until none is pending or running."""
    from synchronization.models import ACTIVE_STATUSES, SyncJob

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = list(SyncJob.objects.filter(pk__in=job_ids).order_by("pk"))
        if rows and all(row.status not in ACTIVE_STATUSES for row in rows):
            return rows
        time.sleep(0.2)
    raise TimeoutError(f"jobs {job_ids} did not end within {timeout:.0f} s")


@dataclass
class Share:
    """One process of the worker family at the family's peak: its role, PSS, USS (its private
    pages), RSS and threads."""

    role: str
    pid: int
    pss: int
    uss: int
    rss: int
    threads: int

    def describe(self) -> str:
        return (f"{self.role} {self.pid}: PSS {self.pss / MB:.0f} MB, USS {self.uss / MB:.0f} MB, "
                f"RSS {self.rss / MB:.0f} MB, {self.threads} threads")


class Sampling:
    """Runs ``_loop`` in a thread from the start of a ``with`` block to its end; ``_loop``
    samples until ``_stop`` is set, waiting on it between samples."""

    def __enter__(self) -> Self:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        raise NotImplementedError


@dataclass
class PssSampler(Sampling):
    """Samples the proportional set size (PSS: pages shared between processes counted once,
    split among them) of a worker and every process it forked (RQ's work horse),
    in a thread, while a run goes on.

    ``peak_total`` is the largest family sum seen at one instant; ``peak_single`` the largest
    single process (the work horse that runs the job); ``at_peak`` each process at the family's
    peak, and ``first_total`` the family before the run (the first sample). Children present
    at the first sample (RQ's scheduler, where a worker runs one) are named so; those forked later
    are work horses.
    """

    pid: int
    interval: float = 0.25
    peak_total: int = 0
    peak_single: int = 0
    first_total: int = 0
    samples: int = 0
    at_peak: list[Share] = field(default_factory=list)
    _first_children: set[int] | None = None

    def _loop(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while not self._stop.is_set():
            self._sample(root)
            self._stop.wait(self.interval)

    def _sample(self, root) -> None:
        import psutil

        try:
            family = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        if self._first_children is None:
            self._first_children = {p.pid for p in family[1:]}
        shares = []
        for process in family:
            try:
                with process.oneshot():
                    info = process.memory_full_info()
                    threads = process.num_threads()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            shares.append(Share(self._role(process.pid), process.pid, info.pss, info.uss,
                                info.rss, threads))
        if not shares:
            return
        total = sum(share.pss for share in shares)
        if not self.samples:
            self.first_total = total
        self.samples += 1
        if total > self.peak_total:
            self.peak_total, self.at_peak = total, shares
        self.peak_single = max(self.peak_single, max(share.pss for share in shares))

    def _role(self, pid: int) -> str:
        if pid == self.pid:
            return "worker"
        return "scheduler" if pid in (self._first_children or set()) else "work horse"

    def breakdown(self) -> str:
        """The family at its peak, a process a line."""
        return "\n".join(f"    {share.describe()}" for share in self.at_peak)
