"""Benchmark: a full synchronization of the demo plus N generated customers while both services
fail a share of requests (429, 500, 503, timeouts, dropped connections), or while the worker is
killed with SIGKILL (with its work horse) at several moments and restarted each time.

Run: ``.venv/bin/python bench/faults.py [--customers 10000] [--fault-rate 0.1] [--kills 0]``

A private world (bench/harness.py): a sandbox with N generated customers, an embedded Redis,
SQLite and real ``manage.py rqworker`` processes. The full synchronization of every mapping runs
through the worker with the faults on (``time_scale`` 60, so Retry-After waits are short) and,
with ``--kills K``, the worker is killed K times: right after the CUSTOMER job starts, right
after its resumption starts, then at even shares of the CUSTOMER couplings, and last in its From
Integration Table direction. Once the run ended, the faults go off and the figures are read
back: both sides through their APIs (records, duplicates, missing, blank, dangling) and the
reconciliation check of every mapping. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import World

KINDS = ["429", "500", "503", "timeout", "drop"]


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--fault-rate", type=float, default=0.1)
    parser.add_argument("--kills", type=int, default=0, help="SIGKILLs of the worker (0-8)")
    parser.add_argument("--stale-seconds", type=int, default=5)
    return parser.parse_args(argv)


def faults(rate: float) -> dict:
    kinds = {"fault_rate": rate, "timeout_seconds": 0.3, "fault_kinds": KINDS}
    return {"time_scale": 60, "dataverse": kinds, "business_central": kinds}


def kill_moments(world: World, kills: int, customers: int) -> list:
    """Predicates, in order, of the moments the worker is killed."""
    from mappings.models import Coupling
    from synchronization.models import JobStatus, SyncDirection, SyncJob

    def running(direction, resumed=None):
        jobs = SyncJob.objects.filter(mapping_name="CUSTOMER", direction=direction,
                                      status=JobStatus.RUNNING)
        if resumed is not None:
            jobs = jobs.filter(resumed_from__isnull=not resumed)
        return jobs.exists()

    def coupled_at_least(count):
        target = world.mapping("CUSTOMER")
        return lambda: Coupling.objects.filter(mapping=target).count() >= count

    middle = max(0, kills - 3)
    moments = [("right after the CUSTOMER job started",
                lambda: running(SyncDirection.TO_SALES, False)),
               ("right after its resumption started",
                lambda: running(SyncDirection.TO_SALES, True))]
    moments += [(f"with {customers * (i + 1) // (middle + 1):,} customers confirmed",
                 coupled_at_least(customers * (i + 1) // (middle + 1)))
                for i in range(middle)]
    moments.append(("in the From Integration Table direction",
                    lambda: running(SyncDirection.FROM_SALES)))
    return moments[:kills] if kills < 3 else moments


def kill_and_replace(world: World, worker):
    import redis

    from synchronization.worker import TICK_LOCK

    worker.kill()
    world.workers.remove(worker)
    redis.Redis.from_url(world.redis.url).delete(TICK_LOCK)
    return world.start_worker()


def wait(predicate, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the moment did not come")
        time.sleep(0.02)


def run(world: World, args: argparse.Namespace) -> None:
    from synchronization import fullsync
    from synchronization.models import FullSyncRun, RunStatus, SyncJob
    from tests.synchronization.outcome_support import read_back, reconcile_problems

    worker = world.start_worker()
    world.sandbox.settings(**faults(args.fault_rate))
    world.sandbox.reset_counters()
    began = time.monotonic()
    full = fullsync.start_run(world.connection, "bench")
    for moment, reached in kill_moments(world, args.kills, args.customers):
        wait(reached, 1800)
        worker = kill_and_replace(world, worker)
        print(f"  killed {moment} at {time.monotonic() - began:.1f} s", flush=True)
    wait(lambda: FullSyncRun.objects.filter(pk=full.pk).exclude(
        status=RunStatus.RUNNING).exists(), 3600)
    elapsed = time.monotonic() - began
    counters = world.sandbox.counters()
    world.sandbox.reset_settings()
    full.refresh_from_db()
    figures = read_back(world.connection)
    problems = reconcile_problems(world.connection)
    resumed = SyncJob.objects.filter(resumed_from__isnull=False).count()
    print(f"\n== full synchronization, demo + {args.customers:,} customers, "
          f"{args.fault_rate:.0%} faults, {args.kills} kills")
    print(f"  run                  {full.get_status_display()} in {elapsed:.0f} s "
          f"({resumed} resumed jobs) {full.message}")
    print(f"  faults injected      Dataverse {counters['dataverse']['faults']}, "
          f"Business Central {counters['business_central']['faults']}")
    print(f"  read back            {figures}")
    print(f"  reconcile            {problems}", flush=True)


def main(argv: list[str] | None = None) -> None:
    args = arguments(argv)
    os.environ["SYNC_STALE_AFTER_SECONDS"] = str(args.stale_seconds)
    os.environ["SYNC_TICK_SECONDS"] = "1"
    with World({"customers": args.customers}) as world:
        run(world, args)


if __name__ == "__main__":
    main()
