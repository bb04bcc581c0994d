"""Benchmark: scale-out on PostgreSQL and an external Redis, as the README's production notes
run the portal.

Run (the database named in the URL is dropped and created again; the Redis database is flushed):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bcsales_bench \\
        .venv/bin/python bench/scale_out.py [--customers 10000] [--redis-url redis://127.0.0.1:6379/1]

It starts one sandbox per connection (each its own tenant, Business Central company and Sales
environment) with N generated customers, migrates the database, connects the portal to each
sandbox with the default setup, starts gunicorn and the ``rqworker`` processes with the README's
command lines (tests/scaleout/readme.py), signs in browser-like clients that poll the full
synchronization review and job pages, starts every connection's full synchronization at once
and waits for them. It prints, never asserts: page latency p50/p95 and error rate under that
load, records and time per connection, and the reconciliation check's counts (duplicates,
missing, blank, dangling) with both services read back.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=10_000, help="generated per company")
    parser.add_argument("--connections", type=int, default=3)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--browsers", type=int, default=4)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""),
                        help="PostgreSQL database to drop, create and use (default: "
                             "$DATABASE_URL)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/1",
                        help="Redis database to flush and use")
    parser.add_argument("--timeout", type=float, default=4 * 3600)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    options = parser.parse_args()
    if not options.database_url.startswith("postgres"):
        parser.error("give a PostgreSQL --database-url (or DATABASE_URL)")
    return options


def recreate_database(url: str) -> None:
    """Drop and create the database ``url`` names, through the server's ``postgres`` one."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def prepare(options: argparse.Namespace, workdir: Path) -> None:
    """Environment, database and Redis of this run, before Django's settings are read."""
    import redis

    os.environ.update(DATA_DIR=str(workdir / "data"), DATABASE_URL=options.database_url,
                      REDIS_URL=options.redis_url, DJANGO_SETTINGS_MODULE="bcsales.settings")
    os.environ.setdefault("LOG_LEVEL", "INFO")
    recreate_database(options.database_url)
    redis.Redis.from_url(options.redis_url).flushdb()
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def main() -> None:
    options = arguments()
    workdir = Path(tempfile.mkdtemp(prefix="bcsales-scale-out-"))
    started: list = []
    try:
        prepare(options, workdir)
        run_benchmark(options, workdir, started)
    finally:
        from tests.fixtures.sandbox import RunningSandbox, stop_sandbox

        for thing in reversed(started):
            stop_sandbox(thing) if isinstance(thing, RunningSandbox) else thing.stop()
        if not options.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def run_benchmark(options: argparse.Namespace, workdir: Path, started: list) -> None:
    from django.contrib.auth.models import User

    from tests.scaleout import cluster, readme

    clock = time.perf_counter()
    sandboxes = cluster.start_sandboxes(workdir, options.connections, options.customers)
    started.extend(sandboxes)
    print(f"{options.connections} sandboxes with {options.customers:,} generated customers "
          f"each ready in {time.perf_counter() - clock:.1f} s", flush=True)
    connections = [cluster.connect(s, f"Company {n}") for n, s in enumerate(sandboxes, 1)]
    User.objects.create_superuser("bench", "bench@example.com", "bench-password")
    notes = readme.read()
    env = cluster.production_environment(notes, options.database_url, options.redis_url,
                                         workdir / "data")
    workers = [cluster.WorkerProcess(notes, env, workdir / f"worker-{n}.log")
               for n in range(options.workers)]
    started.extend(workers)
    web = cluster.WebServer(notes, env, workdir / "web.log")
    started.append(web)
    import django_rq

    for worker in workers:
        worker.wait_until_registered(django_rq.get_connection("default"))
    browsers = sign_in(web, connections, options.browsers)
    runs = measure(connections, browsers, options.timeout)
    report(options, connections, sandboxes, runs, browsers, workers)


def sign_in(web, connections, count: int) -> list:
    from tests.scaleout import pollers

    browsers = []
    for n in range(count):
        client = pollers.BrowserClient(web.url, web.host, f"198.51.100.{n + 10}")
        client.sign_in("bench", "bench-password")
        client.switch_to(connections[n % len(connections)].pk)
        browsers.append(pollers.Poller(client))
    for browser in browsers:
        browser.start()
    return browsers


def measure(connections, browsers, timeout: float) -> list:
    from synchronization import fullsync
    from tests.scaleout import cluster

    clock = time.perf_counter()
    try:
        runs = [fullsync.start_run(c, "bench/scale_out.py") for c in connections]
        ended = cluster.wait_until_runs_end([run.pk for run in runs], timeout, poll=2)
    finally:
        for browser in browsers:
            browser.stop()
    print(f"all full synchronizations ended in {time.perf_counter() - clock:.1f} s", flush=True)
    return ended


def report(options, connections, sandboxes, runs, browsers, workers) -> None:
    from synchronization.models import SyncJob
    from tests.scaleout import checks, pollers

    summary = pollers.summarize(browsers)
    print(f"\npages: {summary.requests} requests from {len(browsers)} browsers, "
          f"p50 {summary.p50_ms:.0f} ms, p95 {summary.p95_ms:.0f} ms, "
          f"errors {len(summary.errors)} ({summary.error_rate:.2%}); review pages saying a "
          f"run lost its lock: {sum(b.lock_lost_seen for b in browsers)}")
    for sample in summary.errors[:5]:
        print(f"  error: {sample.path} -> {sample.status} {sample.error}")
    print(f"\n{'connection':<12} {'status':<10} {'records':>8} {'seconds':>8} {'rec/s':>7} "
          f"{'dup':>4} {'missing':>7} {'no-match':>9} {'failed':>6} {'blank':>5} {'dangling':>8} "
          f"{'problems':>8}")
    for connection, sandbox, run in zip(connections, sandboxes, runs, strict=True):
        bc, sales = checks.customers_on_both_sides(sandbox)
        counts = checks.reconcile_counts(connection, checks.reconcile_report(connection))
        seconds = (run.finished_at - run.created_at).total_seconds() if run.finished_at else 0
        print(f"{connection.name:<12} {run.status:<10} {len(bc):>8,} {seconds:>8.1f} "
              f"{len(bc) / seconds if seconds else 0:>7.1f} "
              f"{counts['duplicates'] + twice(bc, sales):>4} {counts['missing']:>7} "
              f"{len(set(bc) - set(sales)):>9} {counts['failed_visibly']:>6} {counts['blank']:>5} "
              f"{counts['dangling']:>8} {counts['problems']:>8}")
    jobs = SyncJob.objects.exclude(started_at=None).exclude(kind="reconcile")
    print(f"\njobs: {jobs.count()} run by {jobs.values('worker_name').distinct().count()} of "
          f"{len(workers)} workers; resumed {jobs.exclude(resumed_from=None).count()}; "
          f"overlapping runs of one mapping {len(checks.overlapping_runs())}; "
          f"RQ jobs taken twice {rq_taken_twice(workers)}")


def twice(bc: list[str], sales: list[str]) -> int:
    """BC customers held twice in BC, or twice in Sales (read back from the sandboxes)."""
    from tests.scaleout.checks import duplicated

    customers = set(bc)
    return duplicated(bc) + duplicated([name for name in sales if name in customers])


def rq_taken_twice(workers) -> int:
    from collections import Counter

    from tests.scaleout.checks import DISPATCH

    taken = Counter(rq_id for w in workers for _, rq_id in DISPATCH.findall(w.output()))
    return sum(1 for n in taken.values() if n > 1)


if __name__ == "__main__":
    main()
