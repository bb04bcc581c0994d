"""Benchmark: a full synchronization under the services' limits, against yardsticks run in the
same world.

Run: ``.venv/bin/python bench/full_sync.py [--customers 100000] [--quick] [--server-ms 20]
[--case to-sales|from-sales]``

Everything runs in a private world (bench/harness.py): a sandbox with N generated records, an
embedded Redis, a fresh SQLite database and a real ``manage.py rqworker``. What the mapping looks
up is synchronized first with the limits off; then the limits are turned on, time-scaled, with a
per-operation server time and a per-request latency, and each measured run starts with empty
limit windows:

``--case to-sales`` (CUSTOMER -> accounts, Dataverse's limits):

1. the product: the mapping's To Integration Table full run (mode All) through the worker, with
   the worker family's memory sampled as PSS (the worker and the work horse it forks);
2. the **reference client** (bench/reference_client.py): 52 ``$batch`` requests of 1,000 upserts
   in flight with one identity, honouring Retry-After; the product's rate is printed as a share
   of its rate;
3. the **parallel one-request-per-record** client: 52 threads, one PATCH per record;
4. with ``--incremental`` (on by default) 100 source records are changed and a Modified run is
   measured, its requests counted on the wire by the sandbox.

``--case from-sales`` (accounts -> BC customers, Business Central's limits): the From Integration
Table full run, against the ceiling BC's limits allow (5 requests at once, ``$batch`` of 100).

For each measured run the benchmark also prints its bursts (bench/bursts.py): the operations
the sandbox executed in each window, at what rate, the gaps while the windows were shut, and how
long the run went on after its last operation. The product and the reference client share one
sandbox, so a lower burst rate means the product's operations cost the sandbox more.

Figures are printed, never asserted. Other processes on the machine share its cores: the
yardsticks run in the same world and the same run as the product so that share is the same.

Default limits are Dataverse's own ratio (6,000 requests and 1,200 s of execution per 300 s) on
a 60 s window, time scale 7.5; latency 100 ms per request. The environment's ``x-ms-dop-hint``
is 52 by default here (``--dop-hint``): the degree the reference client uses, so the product,
which follows the hint, is compared at the same parallelism. Bulk messages (UpsertMultiple) cost
the same server time per record as one ``$batch`` operation (no speed-up is assumed).
https://learn.microsoft.com/power-apps/developer/data-platform/api-limits
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bursts import BurstSampler
from bench.harness import DEPENDENCIES, GENERATED, MB, PssSampler, World
from bench.reference_client import bc_ceiling, per_record_rate, reference_rate


@dataclass
class Limits:
    """The emulated limits of a run, in sandbox seconds."""

    time_scale: float
    window: float
    execution: float
    requests: int
    server_ms: float
    latency_ms: float
    dop_hint: int = 52

    def settings(self) -> dict:
        dataverse = {"limits_enabled": True, "window_seconds": self.window,
                     "execution_seconds_per_window": self.execution,
                     "requests_per_window": self.requests, "server_time_ms": self.server_ms,
                     "bulk_record_time_ms": self.server_ms, "latency_ms": self.latency_ms,
                     "dop_hint": self.dop_hint}
        business_central = {"limits_enabled": True, "server_time_ms": self.server_ms,
                            "latency_ms": self.latency_ms}
        return {"time_scale": self.time_scale, "dataverse": dataverse,
                "business_central": business_central}

    def describe(self) -> str:
        return (f"time scale {self.time_scale}, window {self.window:g} s, execution "
                f"{self.execution:g} s, {self.requests} requests, {self.server_ms:g} ms per "
                f"operation, {self.latency_ms:g} ms latency, x-ms-dop-hint {self.dop_hint}")


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000,
                        help="generated source records (customers, items or accounts)")
    parser.add_argument("--quick", action="store_true", help="5,000 records, a sanity run")
    parser.add_argument("--case", choices=("to-sales", "from-sales"), default="to-sales")
    parser.add_argument("--mapping", choices=sorted(DEPENDENCIES), default="CUSTOMER")
    parser.add_argument("--reference", type=int, default=None,
                        help="accounts the reference client writes (default: as many as the "
                             "product, and at least 52,000 so its 52 lanes of 1,000 are full)")
    parser.add_argument("--per-record", type=int, default=4000,
                        help="accounts the one-request-per-record client writes")
    parser.add_argument("--time-scale", type=float, default=7.5)
    parser.add_argument("--window", type=float, default=60)
    parser.add_argument("--execution", type=float, default=240,
                        help="execution seconds per window")
    parser.add_argument("--requests", type=int, default=1200, help="requests per window")
    parser.add_argument("--server-ms", type=float, default=50, help="per operation")
    parser.add_argument("--latency-ms", type=float, default=100, help="per request")
    parser.add_argument("--dop-hint", type=int, default=52)
    parser.add_argument("--incremental", action=argparse.BooleanOptionalAction, default=True,
                        help="also measure a Modified run with 100 changes")
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--trace-memory", metavar="DIR", default="",
                        help="write the work horse's RSS and largest Python holders to DIR "
                             "(bench/memtrace; tracemalloc slows the run, so its rates are "
                             "not comparable)")
    args = parser.parse_args(argv)
    if args.quick:
        args.customers = min(args.customers, 5_000)
        args.per_record = min(args.per_record, 1_500)
    args.reference = args.reference or max(args.customers, 52_000)
    return args


def limits_of(args: argparse.Namespace) -> Limits:
    return Limits(args.time_scale, args.window, args.execution, args.requests, args.server_ms,
                  args.latency_ms, args.dop_hint)


def fresh_windows(world: World, limits: Limits | None) -> None:
    """Empty the limit windows (settings reset) and apply ``limits`` (None: limits off)."""
    world.sandbox.reset_settings()
    if limits is not None:
        world.sandbox.settings(**limits.settings())


def product_run(world: World, mapping: str, direction: str):
    """The mapping's full run (mode All) through the worker, with the family's peak PSS and
    the destination's bursts."""
    from synchronization.models import SyncDirection, SyncMode

    world.sandbox.reset_counters()
    worker = world.workers[0]
    service = "dataverse" if direction == SyncDirection.TO_SALES else "business_central"
    with PssSampler(worker.process.pid) as pss, BurstSampler(world.sandbox, service) as bursts:
        started = time.perf_counter()
        job = world.run(mapping, SyncMode.ALL, direction)[0]
        elapsed = time.perf_counter() - started
    return job, elapsed, pss, bursts


def job_rate(job, elapsed: float) -> tuple[float, float]:
    seconds = job.duration.total_seconds() if job.duration else elapsed
    return (job.records_done / seconds if seconds else 0.0), seconds


def report_job(job, elapsed: float, pss: PssSampler, counters: dict, service: str,
               bursts: BurstSampler) -> float:
    """Print the job's figures; its rate (records per second of the job)."""
    rate, seconds = job_rate(job, elapsed)
    done, seen = job.records_done, counters[service]
    print(f"\n== product: full synchronization ({job.mapping_name}, {job.direction}, mode All)")
    print(f"  job {job.pk}: {job.status_label}; inserted {job.inserted:,}, modified "
          f"{job.modified:,}, unchanged {job.unchanged:,}, failed {job.failed:,}")
    print(f"  records/s            {rate:,.1f}  ({done:,} records in {seconds:.1f} s; "
          f"{elapsed:.1f} s start to end)")
    print(f"  on the wire          {service}: {seen['requests']:,} requests / "
          f"{seen['operations']:,} operations, {seen['throttled']:,} x 429; job counted "
          f"{job.requests:,} requests, {job.throttle_waits:,} throttle waits "
          f"({job.throttle_seconds:.1f} s), {job.retries:,} retries")
    print(f"  bursts               {bursts.describe()}")
    print("  answered             " + ", ".join(
        f"{name} {counters[name]['response_bytes'] / MB:,.1f} MB in {counters[name]['requests']:,}"
        " requests" for name in ("business_central", "dataverse")))
    for name, identities in sorted((job.throttle or {}).items()):
        for reading in identities.values():
            print(f"  gauge {name:<16} peak {reading['peak_in_flight']} in flight (hint "
                  f"{reading['dop_hint']}), {reading['throttled']} x 429, "
                  f"{reading['waited_seconds']:.1f} s waited over all lanes")
    print(f"  worker family PSS    peak {pss.peak_total / MB:.0f} MB (worker + work horse, "
          f"{pss.samples} samples; largest process {pss.peak_single / MB:.0f} MB; "
          f"target < 200 MB; {pss.first_total / MB:.0f} MB before the run)")
    print(pss.breakdown())
    return rate


def yardsticks(world: World, limits: Limits, args: argparse.Namespace) -> tuple[dict, dict]:
    credentials = world.sandbox.credentials
    fresh_windows(world, limits)
    with BurstSampler(world.sandbox) as bursts:
        reference = reference_rate(credentials, args.reference)
    print(f"reference client: {reference['records']:,} accounts in {reference['seconds']:.1f} s "
          f"= {reference['rate']:,.1f}/s ({reference['throttled']:,} x 429)\n"
          f"  bursts: {bursts.describe()}", flush=True)
    fresh_windows(world, limits)
    single = per_record_rate(credentials, args.per_record)
    print(f"one request per record, 52 threads: {single['records']:,} accounts in "
          f"{single['seconds']:.1f} s = {single['rate']:,.1f}/s ({single['throttled']:,} x 429)",
          flush=True)
    return reference, single


def to_sales(args: argparse.Namespace, limits: Limits) -> None:
    with World({GENERATED[args.mapping]: args.customers}) as world:
        from synchronization.models import SyncDirection  # Django is set up by the world

        world.start_worker()
        world.presync(DEPENDENCIES[args.mapping])
        fresh_windows(world, limits)
        job, elapsed, pss, bursts = product_run(world, args.mapping, SyncDirection.TO_SALES)
        counters = world.sandbox.counters()
        reference, single = yardsticks(world, limits, args)
        rate = report_job(job, elapsed, pss, counters, "dataverse", bursts)
        print(f"  reference client     {reference['rate']:,.1f} records/s -> product "
              f"{rate / reference['rate']:.0%} of it (target >= 85%)")
        print(f"  one per record       {single['rate']:,.1f} records/s -> product "
              f"{rate / single['rate']:.1f}x (target >= 10x)")
        if args.incremental:
            from bench.incremental import measure_incremental

            fresh_windows(world, limits)
            measure_incremental(world, args.mapping, args.changes)


def from_sales(args: argparse.Namespace, limits: Limits) -> None:
    with World({"accounts": args.customers}) as world:
        from synchronization.models import SyncDirection

        world.start_worker()
        world.presync(DEPENDENCIES["CUSTOMER"])
        fresh_windows(world, limits)
        job, elapsed, pss, bursts = product_run(world, "CUSTOMER", SyncDirection.FROM_SALES)
        rate = report_job(job, elapsed, pss, world.sandbox.counters(), "business_central",
                          bursts)
        ceiling = bc_ceiling(limits.server_ms, limits.latency_ms, limits.time_scale)
        print(f"  BC ceiling           {ceiling:,.1f} records/s (5 requests at once, $batch of "
              f"100) -> product {rate / ceiling:.0%} of it (target >= 85%)")


def trace_memory(directory: str) -> None:
    """Have the worker's forked processes trace their memory into ``directory``."""
    Path(directory).mkdir(parents=True, exist_ok=True)
    os.environ["BENCH_MEMTRACE_DIR"] = str(Path(directory).resolve())
    hook = str(Path(__file__).resolve().parent / "memtrace")
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (hook, os.environ.get("PYTHONPATH", "")) if p)


def main(argv: list[str] | None = None) -> None:
    args = arguments(argv)
    if args.trace_memory:
        trace_memory(args.trace_memory)
    limits = limits_of(args)
    print(f"limits: {limits.describe()}; case {args.case}, {args.customers:,} records",
          flush=True)
    (to_sales if args.case == "to-sales" else from_sales)(args, limits)


if __name__ == "__main__":
    main()
