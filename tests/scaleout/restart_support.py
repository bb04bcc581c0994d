"""What the restart tests share: a connection to a private sandbox, workers started the README's
way against a given database and Redis, and the outcome checks after the run ended."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.scaleout import checks, cluster, readme

CUSTOMERS = 300
# Short enough that a restart lands in the middle of the CUSTOMER line, long enough for a worker
# to see its jobs through: what the tests time-scale is the recovery, not the sync.
FAST_RECOVERY = {"SYNC_TICK_SECONDS": "1", "SYNC_STALE_AFTER_SECONDS": "5"}
LATENCY_MS = 20


def start_sandbox(tmp_path: Path):
    """A sandbox with generated customers and a little latency, so a run spans the restart."""
    sandbox = cluster.start_sandboxes(tmp_path, 1, CUSTOMERS)[0]
    sandbox.settings(dataverse={"latency_ms": LATENCY_MS},
                     business_central={"latency_ms": LATENCY_MS})
    return sandbox


def worker_environment(database_url: str, redis_url: str) -> dict[str, str]:
    """The README's production settings with this test's database and Redis, recovery fast."""
    env = cluster.production_environment(readme.read(), database_url, redis_url,
                                         Path(os.environ["DATA_DIR"]))
    env.update(FAST_RECOVERY)
    return env


class Supervisor:
    """Keeps N README worker processes alive, as systemd or supervisord would: a worker that
    exited (its Redis went away under it, say) is started again, and the restarts counted."""

    def __init__(self, env: dict[str, str], folder: Path, count: int = 2) -> None:
        self.env, self.folder = env, folder
        self.notes = readme.read()
        self.started = 0
        self.workers = [self._start() for _ in range(count)]

    def _start(self) -> cluster.WorkerProcess:
        self.started += 1
        return cluster.WorkerProcess(self.notes, self.env,
                                     self.folder / f"worker-{self.started}.log")

    def keep_alive(self) -> int:
        """Start a new worker for each that exited; how many were restarted."""
        dead = [n for n, worker in enumerate(self.workers) if not worker.alive()]
        for n in dead:
            self.workers[n] = self._start()
        return len(dead)

    def logs(self) -> list[str]:
        return [(self.folder / f"worker-{n}.log").read_text(errors="replace")
                for n in range(1, self.started + 1)]

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()


def outcome(connection, sandbox) -> dict:
    """Reconcile counts and the read-back of both sides, in one dict to compare in a test."""
    report = checks.reconcile_report(connection)
    counts: dict[str, Any] = dict(checks.reconcile_counts(connection, report))
    bc, sales = checks.customers_on_both_sides(sandbox)
    customers = set(bc)
    counts["not_in_sales"] = len(customers - set(sales))
    counts["twice"] = checks.duplicated(bc) + checks.duplicated(
        [name for name in sales if name in customers])
    counts["findings"] = checks.findings(report) if report["problems"] else {}
    return counts
