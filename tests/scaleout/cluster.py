"""A production-shaped portal for the scale-out test and benchmark.

Everything runs as the README's production notes say: one gunicorn web server and several
``manage.py rqworker`` processes, all against one PostgreSQL database and one external Redis,
started with the README's own command lines (:mod:`tests.scaleout.readme`). Each connection
has a sandbox process of its own: one sandbox is one Entra tenant with one Business Central
environment and company and one Dataverse environment, as separate Microsoft environments are
separate hosts. Nothing here asserts; the test and the benchmark decide what to check.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import requests

from tests.scaleout import readme

ROOT = readme.ROOT
START_TIMEOUT = 60


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_environment(notes: readme.ProductionNotes, database_url: str, redis_url: str,
                           data_dir: Path) -> dict[str, str]:
    """This process's environment with the README's production settings, database and Redis.

    ``DATA_DIR`` is shared by every process, as the README says a machine's processes share it:
    the generated secret key and field encryption keys are read from there by all of them.
    """
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(notes.settings)
    env.update(DATABASE_URL=database_url, REDIS_URL=redis_url, DATA_DIR=str(data_dir))
    return env


class Process:
    """A long-running child with its output in a log file; stopped with SIGTERM, then SIGKILL."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path) -> None:
        self.command = command
        self.log = log
        with log.open("w") as output:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output,
                                            stderr=subprocess.STDOUT, start_new_session=True)

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 10) -> None:
        """Warm shutdown of the whole process group, then kill what is left."""
        if not self.alive():
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


class WebServer(Process):
    """The README's gunicorn line on a free port."""

    def __init__(self, notes: readme.ProductionNotes, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        super().__init__(readme.web_command(notes, self.port), env, log)
        self.url = f"http://127.0.0.1:{self.port}"
        # The public name the proxy forwards (any other Host header is refused and logged).
        self.host = notes.settings["ALLOWED_HOSTS"].split(",")[0]
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"gunicorn exited early:\n{self.output()}")
            try:
                requests.get(f"{self.url}/healthz", timeout=2, headers={
                    "Host": self.host, "X-Forwarded-Proto": "https"})
                return
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {START_TIMEOUT}s:\n{self.output()}")


class WorkerProcess(Process):
    """The README's worker line, with a name to find it by in Redis and in job rows."""

    def __init__(self, notes: readme.ProductionNotes, env: dict[str, str], log: Path) -> None:
        self.name = f"scaleout-{uuid.uuid4().hex[:8]}"
        super().__init__(readme.worker_command(notes, self.name), env, log)

    def wait_until_registered(self, connection, timeout: float = START_TIMEOUT) -> None:
        """Wait until the worker announced itself in Redis (it is then taking jobs)."""
        from rq import Worker

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(w.name == self.name for w in Worker.all(connection=connection)):
                return
            if not self.alive():
                raise RuntimeError(f"worker exited early:\n{self.output()}")
            time.sleep(0.1)
        raise RuntimeError(f"worker {self.name} did not register:\n{self.output()}")


def start_sandboxes(workdir: Path, count: int, customers: int) -> list:
    """``count`` sandbox processes, each with ``customers`` generated customers."""
    from tests.fixtures import sandbox as fixture

    fixture.START_TIMEOUT = max(fixture.START_TIMEOUT, 60 + customers // 500)
    extra = ("--customers", str(customers)) if customers else ()
    started = []
    for n in range(1, count + 1):
        (workdir / f"sandbox-{n}").mkdir(parents=True, exist_ok=True)
        started.append(fixture.start_sandbox(workdir / f"sandbox-{n}" / "data", *extra))
    return started


def connect(sandbox, name: str):
    """An enabled connection to ``sandbox`` with the default setup and its schedule off.

    The schedule is off so that what runs is exactly the full synchronizations measured.
    """
    from connection import lifecycle
    from connection.documents import apply_document, sandbox_document
    from mappings.defaults import apply_default_setup
    from synchronization.models import JobQueueEntry

    connection, _ = apply_document(sandbox_document(sandbox.credentials, name))
    report = lifecycle.enable(connection)
    if not report.passed:
        raise RuntimeError(f"Test Connection of {name} failed: {report.failures()}")
    apply_default_setup(connection)
    JobQueueEntry.objects.filter(connection=connection).update(enabled=False)
    connection.refresh_from_db()
    return connection


def wait_until_runs_end(run_ids: list[int], timeout: float, poll: float = 0.5) -> list:
    """Read the run rows until none is running (the workers advance them); the rows."""
    from synchronization.models import FullSyncRun, RunStatus

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = list(FullSyncRun.objects.filter(pk__in=run_ids).order_by("pk"))
        if all(run.status != RunStatus.RUNNING for run in runs):
            return runs
        time.sleep(poll)
    raise TimeoutError(f"full synchronizations {run_ids} still running after {timeout:.0f} s")
