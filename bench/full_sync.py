"""Benchmark: a full synchronization BC -> Sales under Dataverse's service protection limits.

Run: ``.venv/bin/python bench/full_sync.py [--customers 100000] [--quick] [--mapping CUSTOMER]``

Everything runs in a private world (bench/harness.py): a sandbox with N generated records, an
embedded Redis, a fresh SQLite database and a real ``manage.py rqworker``. What the mapping
looks up is synchronized first with the limits off; then the Dataverse limits are turned on,
time-scaled, with a per-operation server time and a per-request latency, and:

1. a **baseline** creates accounts one PATCH at a time with the Dataverse client (the
   one-request-per-record way), for a small N, and its rate is taken as the baseline;
2. the mapping's To Integration Table full synchronization (mode All) runs through the worker;
3. with ``--incremental`` (default for the full size) 100 source records are changed and a
   Modified run is measured (bench/incremental.py runs only this case).

Figures are printed, never asserted. The **ceiling** follows from the emulated limits: with a
server time of t per operation and an execution budget of E seconds per window of W seconds no
client exceeds E/(W*t) records/s; with batches of b operations and R requests per window
R*b/W; the lower of the two (sandbox seconds, converted with the time scale). A sliding window
lets a run of T seconds use up to E*(floor(T/W)+1) of server time, so a short run can beat the
plain ceiling; the run-length bound is printed too.

Default limits are Dataverse's own (6,000 requests and 1,200 s of execution per 300 s) on a
60 s window with the same ratio, so a run spans many windows; 50 ms of server time per operation
and 100 ms of latency per request are typical of a Sales organization reached over the internet.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import DEPENDENCIES, GENERATED, MB, RssSampler, World

SALES_BATCH = 500  # synchronization.runs._tuning's default Sales batch size


@dataclass
class Limits:
    """The emulated Dataverse limits of a run, in sandbox seconds."""

    time_scale: float
    window: float
    execution: float
    requests: int
    server_ms: float
    latency_ms: float

    def settings(self) -> dict:
        return {"time_scale": self.time_scale, "dataverse": {
            "limits_enabled": True, "window_seconds": self.window,
            "execution_seconds_per_window": self.execution,
            "requests_per_window": self.requests, "server_time_ms": self.server_ms,
            "latency_ms": self.latency_ms}}

    def ceiling(self, batch: int = SALES_BATCH) -> float:
        """Records per real second no client can beat over a long run."""
        by_time = self.execution / (self.window * self.server_ms / 1000)
        by_requests = self.requests * batch / self.window
        return min(by_time, by_requests) * self.time_scale

    def run_bound(self, seconds: float, batch: int = SALES_BATCH) -> float:
        """The ceiling for a run of ``seconds`` real seconds: a sliding window's first window
        is empty, so up to floor(T/W)+1 windows' worth of budget can be spent."""
        windows = int(seconds * self.time_scale // self.window) + 1
        by_time = windows * self.execution / (self.server_ms / 1000)
        by_requests = windows * self.requests * batch
        return min(by_time, by_requests) / seconds


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000,
                        help="generated source records (customers or items)")
    parser.add_argument("--quick", action="store_true", help="5,000 records, a sanity run")
    parser.add_argument("--mapping", choices=sorted(DEPENDENCIES), default="CUSTOMER")
    parser.add_argument("--baseline", type=int, default=300,
                        help="accounts the one-request-per-record baseline creates")
    parser.add_argument("--time-scale", type=float, default=7.5)
    parser.add_argument("--window", type=float, default=60)
    parser.add_argument("--execution", type=float, default=240,
                        help="execution seconds per window")
    parser.add_argument("--requests", type=int, default=1200, help="requests per window")
    parser.add_argument("--server-ms", type=float, default=50, help="per operation")
    parser.add_argument("--latency-ms", type=float, default=100, help="per request")
    parser.add_argument("--incremental", action=argparse.BooleanOptionalAction, default=None,
                        help="also measure a Modified run with 100 changes (default: on)")
    parser.add_argument("--changes", type=int, default=100)
    args = parser.parse_args(argv)
    if args.quick:
        args.customers = min(args.customers, 5_000)
        args.baseline = min(args.baseline, 100)
    if args.incremental is None:
        args.incremental = True
    return args


def limits_of(args: argparse.Namespace) -> Limits:
    return Limits(args.time_scale, args.window, args.execution, args.requests, args.server_ms,
                  args.latency_ms)


def fresh_windows(world: World, limits: Limits | None) -> None:
    """Empty the limit windows (settings reset) and apply ``limits`` (None: limits off)."""
    world.sandbox.reset_settings()
    if limits is not None:
        world.sandbox.settings(**limits.settings())


def baseline_rate(world: World, count: int) -> float:
    """Accounts per second created one PATCH (upsert) at a time, as a naive client would."""
    from connection import services

    client = services.dataverse_client(world.connection)
    started = time.perf_counter()
    for number in range(count):
        client.upsert("accounts", str(uuid.uuid4()),
                      {"name": f"Baseline account {number}", "telephone1": "555-0100",
                       "address1_city": "Atlanta", "customertypecode": 3})
    rate = count / (time.perf_counter() - started)
    client.close()
    return rate


def full_run(world: World, mapping: str):
    """The mapping's To Integration Table full run through the worker, with peak RSS."""
    from synchronization.models import SyncDirection, SyncMode

    world.sandbox.reset_counters()
    worker = world.workers[0]
    with RssSampler(worker.process.pid) as rss:
        started = time.perf_counter()
        job = world.run(mapping, SyncMode.ALL, SyncDirection.TO_SALES)[0]
        elapsed = time.perf_counter() - started
    return job, elapsed, rss


def report_full(job, elapsed: float, rss: RssSampler, counters: dict, limits: Limits,
                baseline: float) -> None:
    done = job.records_done
    seconds = job.duration.total_seconds() if job.duration else elapsed
    rate = done / seconds if seconds else 0.0
    dataverse = counters["dataverse"]
    bc = counters["business_central"]
    ceiling = limits.ceiling()
    bound = limits.run_bound(seconds)
    print(f"\n== full synchronization ({job.mapping_name}, To Integration Table, mode All)")
    print(f"  job {job.pk}: {job.status_label}; inserted {job.inserted:,}, modified "
          f"{job.modified:,}, unchanged {job.unchanged:,}, failed {job.failed:,}")
    print(f"  records/s            {rate:,.1f}  ({done:,} records in {seconds:.1f} s; "
          f"{elapsed:.1f} s start to end)")
    print(f"  requests per record  {job.requests / max(done, 1):.4f}  (job counted "
          f"{job.requests:,}; sandbox saw Dataverse {dataverse['requests']:,} requests / "
          f"{dataverse['operations']:,} operations, BC {bc['requests']:,} requests)")
    print(f"  throttle waits       {job.throttle_waits:,} ({job.throttle_seconds:.1f} s), "
          f"retries {job.retries:,}; sandbox answered {dataverse['throttled']:,} x 429")
    print(f"  worker peak RSS      {rss.peak_single / MB:.0f} MB (largest process: the work "
          f"horse); {rss.peak_total / MB:.0f} MB worker + horse + scheduler together")
    print(f"  ceiling              {ceiling:,.1f} records/s -> {rate / ceiling:.0%} of it "
          f"(target >= 85%); run-length bound {bound:,.1f} -> {rate / bound:.0%}")
    print(f"  baseline             {baseline:,.1f} records/s one request per record -> "
          f"{rate / baseline:.1f}x (target >= 10x)")


def main(argv: list[str] | None = None) -> None:
    args = arguments(argv)
    limits = limits_of(args)
    print(f"limits: time scale {limits.time_scale}, window {limits.window:g} s, execution "
          f"{limits.execution:g} s, {limits.requests} requests, {limits.server_ms:g} ms per "
          f"operation, {limits.latency_ms:g} ms latency; ceiling {limits.ceiling():,.1f} "
          f"records/s (real time)", flush=True)
    with World({GENERATED[args.mapping]: args.customers}) as world:
        world.start_worker()
        world.presync(DEPENDENCIES[args.mapping])
        fresh_windows(world, limits)
        baseline = baseline_rate(world, args.baseline)
        print(f"baseline: {baseline:,.1f} accounts/s over {args.baseline} single PATCHes",
              flush=True)
        fresh_windows(world, limits)
        job, elapsed, rss = full_run(world, args.mapping)
        report_full(job, elapsed, rss, world.sandbox.counters(), limits, baseline)
        if args.incremental:
            from bench.incremental import measure_incremental

            fresh_windows(world, limits)
            measure_incremental(world, args.mapping, args.changes)


if __name__ == "__main__":
    main()
