"""Benchmark: the identity pool. The CUSTOMER -> accounts full synchronization with the
connection's one application user, then with three (the primary and two additional application
users), in the same world and under the same per-user Dataverse limits.

Run: ``.venv/bin/python bench/identities.py [--customers 100000] [--quick] [--server-ms 20]
[--identities 3] [--rounds 1]``

Dataverse's service protection limits (requests, combined execution time, concurrent requests)
apply per user, so a pool of N application users has N sets of windows. Each measured run starts
from the same state: the sandbox is reseeded with the same generated customers, the portal's
couplings and watermarks are cleared and what CUSTOMER looks up is synchronized again with the
limits off; then the limits go on (bench/full_sync.py's, time-scaled) and the mapping's To
Integration Table full run (mode All) goes through a real worker. ``--rounds 2`` alternates
one, N, one, N so that a drift of the machine's load shows.

Printed per run: records per second, requests and 429s on the wire, each identity's gauge line
and its writes as the sandbox counted them per caller; then the ratio of the pool's rate to the
single identity's (target: three identities >= 2.5x one). A last run with the limits off (same
server time and latency) shows the machine's own ceiling: where it is below N times the single
identity's rate, the sandbox and the portal sharing the cores bind before the limits do, and a
lower ``--time-scale`` (tighter limits in real seconds) shows what the pool does against the
limits alone. Figures, never assertions.
https://learn.microsoft.com/power-apps/developer/data-platform/api-limits
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.full_sync import Limits, fresh_windows, job_rate
from bench.harness import DEPENDENCIES, World

MAPPING = "CUSTOMER"


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="5,000 customers, a sanity run")
    parser.add_argument("--identities", type=int, default=3,
                        help="application users of the pool, the connection's own included")
    parser.add_argument("--rounds", type=int, default=1, help="pairs of runs (one, then N)")
    parser.add_argument("--time-scale", type=float, default=7.5)
    parser.add_argument("--window", type=float, default=60)
    parser.add_argument("--execution", type=float, default=240,
                        help="execution seconds per window and user")
    parser.add_argument("--requests", type=int, default=1200,
                        help="requests per window and user")
    parser.add_argument("--server-ms", type=float, default=50, help="per operation")
    parser.add_argument("--latency-ms", type=float, default=100, help="per request")
    parser.add_argument("--dop-hint", type=int, default=52)
    parser.add_argument("--ceiling", action=argparse.BooleanOptionalAction, default=True,
                        help="also run without the limits: the rate the machine allows")
    args = parser.parse_args(argv)
    if args.quick:
        args.customers = min(args.customers, 5_000)
    return args


def add_identities(world: World, count: int) -> None:
    """The sandbox's pool app registrations as the connection's additional application users
    (``count`` of them enabled, the rest disabled)."""
    from connection.models import SalesIdentity

    apps = world.sandbox.credentials["pool_identities"]
    if count > len(apps):
        raise SystemExit(f"the sandbox has {len(apps)} pool app registrations, not {count}")
    for number, app in enumerate(apps):
        identity, _ = SalesIdentity.objects.get_or_create(
            connection=world.connection, client_id=app["client_id"],
            defaults={"name": app["name"]})
        identity.client_secret = app["client_secret"]
        identity.enabled = number < count
        identity.save()
    check_identities(world)


def check_identities(world: World) -> None:
    """What an administrator does: Redeploy gives the pool its roles, then each enabled
    identity passes its check (only a checked identity takes writes)."""
    from connection import identity_checks, solution

    creds = world.sandbox.credentials
    solution.deploy(world.connection, creds["admin_user"], creds["admin_password"])
    for identity in world.connection.sales_identities.filter(enabled=True):
        result = identity_checks.run_identity_check(world.connection, identity)
        if not result.ok:
            raise SystemExit(f"{identity.name} failed its check: {result.detail}")


def start_over(world: World, customers: int) -> None:
    """The same starting point for every run: reseeded sandbox, no couplings, dependencies
    synchronized again with the limits off."""
    from connection.models import SalesMetadata
    from mappings.models import Coupling, IntegrationTableMapping
    from synchronization.models import SyncError

    world.sandbox.reset(customers=customers)
    Coupling.objects.filter(mapping__connection=world.connection).delete()
    SyncError.objects.filter(mapping__connection=world.connection).delete()
    IntegrationTableMapping.objects.filter(connection=world.connection).update(
        bc_watermark=None, sales_watermark=None)
    SalesMetadata.objects.filter(connection=world.connection).delete()
    fresh_windows(world, None)
    world.presync(DEPENDENCIES[MAPPING])


def without_limits(world: World, limits: Limits) -> None:
    """The same server time and latency with the service protection limits off: what the
    machine (sandbox and portal on its cores) allows, whatever the number of identities."""
    settings = limits.settings()
    settings["dataverse"]["limits_enabled"] = False
    world.sandbox.reset_settings()
    world.sandbox.settings(**settings)


def measured_run(world: World, customers: int, limits: Limits, identities: int,
                 limited: bool = True) -> float:
    """One full run with ``identities`` application users; prints its figures, returns the
    rate in records per second."""
    from synchronization.models import SyncDirection, SyncMode

    start_over(world, customers)
    add_identities(world, identities - 1)
    fresh_windows(world, limits) if limited else without_limits(world, limits)
    world.sandbox.reset_counters()
    started = time.perf_counter()
    job = world.run(MAPPING, SyncMode.ALL, SyncDirection.TO_SALES)[0]
    rate, seconds = job_rate(job, time.perf_counter() - started)
    seen = world.sandbox.counters()["dataverse"]
    what = f"{identities} identit{'y' if identities == 1 else 'ies'}" + \
        ("" if limited else ", limits off (the machine's ceiling)")
    print(f"\n== {what}: {rate:,.1f} records/s "
          f"({job.records_done:,} records in {seconds:.1f} s; {job.status_label}, inserted "
          f"{job.inserted:,}, failed {job.failed:,})")
    print(f"  on the wire          {seen['requests']:,} requests, {seen['operations']:,} "
          f"operations, {seen['throttled']:,} x 429")
    writes = seen.get("writes_by_caller", {})
    names = {app["client_id"]: app["name"] for app in world.sandbox.credentials["pool_identities"]}
    names[world.sandbox.credentials["client_id"]] = "application user"
    for name, reading in sorted((job.throttle or {}).get("dataverse", {}).items()):
        wrote = sum(count for caller, count in writes.items() if names.get(caller) == name)
        print(f"  gauge {name:<18} {reading['requests']:,} requests, peak "
              f"{reading['peak_in_flight']} in flight (hint {reading['dop_hint']}), "
              f"{reading['throttled']} x 429, {reading['waited_seconds']:.1f} s waited; "
              f"{wrote:,} writes")
    return rate


def main(argv: list[str] | None = None) -> None:
    args = arguments(argv)
    limits = Limits(args.time_scale, args.window, args.execution, args.requests, args.server_ms,
                    args.latency_ms, args.dop_hint)
    print(f"limits per user: {limits.describe()}; {args.customers:,} customers, "
          f"1 vs {args.identities} identities, {args.rounds} round(s)", flush=True)
    single: list[float] = []
    pooled: list[float] = []
    with World({"customers": args.customers}) as world:
        world.start_worker()
        for _ in range(args.rounds):
            single.append(measured_run(world, args.customers, limits, 1))
            pooled.append(measured_run(world, args.customers, limits, args.identities))
        ceiling = measured_run(world, args.customers, limits, args.identities, limited=False) \
            if args.ceiling else 0.0
    one, many = sum(single) / len(single), sum(pooled) / len(pooled)
    print(f"\n== identity pool at {args.server_ms:g} ms per operation")
    print(f"  1 identity           {one:,.1f} records/s  (runs: "
          f"{', '.join(f'{r:,.1f}' for r in single)})")
    print(f"  {args.identities} identities         {many:,.1f} records/s  (runs: "
          f"{', '.join(f'{r:,.1f}' for r in pooled)})")
    print(f"  ratio                {many / one if one else 0:.2f}x (target for 3: >= 2.5x)")
    if ceiling:
        print(f"  limits off           {ceiling:,.1f} records/s: no pool can go faster here; "
              f"the ratio cannot pass {ceiling / one if one else 0:.2f}x at these settings")


if __name__ == "__main__":
    main()
