"""Benchmark: the reconciliation check of CUSTOMER in a world of 100,000 coupled customers.

Run: ``.venv/bin/python bench/reconcile.py [--customers 100000] [--quick] [--no-tracemalloc]``

A private world (bench/harness.py): a sandbox with N generated BC customers, Redis, SQLite and a
real worker. What CUSTOMER looks up is synchronized, then CUSTOMER's full synchronization (To
Integration Table, mode All, the services' limits off) creates and couples the N accounts.
Then the check runs here, in this process, as ``manage.py reconcile --mapping CUSTOMER`` runs it
(both sides streamed, couplings read in chunks, drift compared from digests):

1. timed, with the resident memory of this process sampled (peak RSS, and its growth over the
   RSS before the check);
2. again under tracemalloc (slower), for the peak of Python allocations the check made.

Figures are printed, never asserted; the report's counts are printed so a run that is not clean
shows it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import DEPENDENCIES, MB, PssSampler, World

MAPPING = "CUSTOMER"


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="5,000 customers, a sanity run")
    parser.add_argument("--tracemalloc", action=argparse.BooleanOptionalAction, default=True,
                        help="a second check under tracemalloc for the allocation peak")
    args = parser.parse_args(argv)
    if args.quick:
        args.customers = min(args.customers, 5_000)
    return args


def synchronize(world: World) -> None:
    from synchronization.models import SyncDirection, SyncMode

    world.presync(DEPENDENCIES[MAPPING])
    started = time.perf_counter()
    [job] = world.run(MAPPING, SyncMode.ALL, SyncDirection.TO_SALES, timeout=6 * 3600)
    print(f"full synchronization of {MAPPING}: {job.get_status_display()}, inserted "
          f"{job.inserted:,}, modified {job.modified:,}, failed {job.failed:,} in "
          f"{time.perf_counter() - started:.1f} s", flush=True)


def check(world: World) -> dict:
    from synchronization import reconcile

    mappings = reconcile.mappings_to_check(world.connection, [MAPPING])
    [report] = reconcile.check_connection(world.connection, mappings)
    return report


class OwnRss(PssSampler):
    """Peak RSS of this process alone (the harness's sampler adds its children: here those are
    the sandbox and the worker)."""

    def _sample(self, root) -> None:
        size = root.memory_info().rss
        self.peak_single = max(self.peak_single, size)
        self.peak_total = max(self.peak_total, size)


def measure(world: World) -> None:
    import psutil

    before = psutil.Process(os.getpid()).memory_info().rss
    with OwnRss(os.getpid(), interval=0.05) as rss:
        started = time.perf_counter()
        report = check(world)
        elapsed = time.perf_counter() - started
    counts = report["counts"]
    print(f"\n== reconcile {MAPPING} ({counts.get('bc', 0):,} BC records, "
          f"{counts.get('sales', 0):,} Sales records, {counts.get('coupled', 0):,} coupled)")
    print(f"  run time             {elapsed:.1f} s "
          f"({(counts.get('bc', 0) + counts.get('sales', 0)) / elapsed:,.0f} records read/s)")
    print(f"  peak RSS             {rss.peak_single / MB:.0f} MB (this process; "
          f"{before / MB:.0f} MB before the check, +{(rss.peak_single - before) / MB:.0f} MB)")
    print(f"  problems             {report['problems']} "
          f"{ {k: v for k, v in counts.items() if v} }", flush=True)


def measure_allocations(world: World) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    check(world)
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  tracemalloc peak     {peak / MB:.0f} MB of Python allocations "
          f"(that run: {elapsed:.1f} s, slower under tracing)", flush=True)


def main(argv: list[str] | None = None) -> None:
    args = arguments(argv)
    with World({"customers": args.customers}) as world:
        world.start_worker()
        synchronize(world)
        measure(world)
        if args.tracemalloc:
            measure_allocations(world)


if __name__ == "__main__":
    main()
