"""Benchmark: a Modified run with a few changes among many coupled records.

Run: ``.venv/bin/python bench/incremental.py [--customers 100000] [--quick] [--changes 100]``

Couples every generated record with a full synchronization (limits off, to get there fast),
turns the Dataverse limits on as bench/full_sync.py does, changes ``--changes`` source records
in Business Central and measures the Modified run (To Integration Table) through the worker:
requests on the wire (the sandbox's own counters, per service and method; the job's own count
is printed beside them) and seconds. Targets: 100 changes among 100k coupled records in <= 3
requests on the wire and < 2 s. Printed, never asserted.

What the CUSTOMER run sends: Business Central, the customers changed since the watermark (one
GET) and the card page fields of those customers (one GET: the mapping maps Fax No., Contact,
Shipment Method Code and other fields API v2.0 lacks, synchronization.bc_tables); Dataverse, one
``$batch`` of updates conditional on each account's stored ETag, with no read of the accounts
first (synchronization.conditional). The demo customers whose creation failed in the full
synchronization (salesperson not coupled) are not read again until a coupling is made
(synchronization.retries); the records that failed are printed with their messages.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import DEPENDENCIES, GENERATED, World

# The BC API entity and a field the mapping carries to Sales, per benchmarked mapping.
CHANGES = {"CUSTOMER": ("customers", "phoneNumber"), "ITEM-PRODUCT": ("items", "displayName")}


def change_records(world: World, mapping: str, count: int) -> int:
    """Change ``count`` coupled source records, spread over the table, in BC ``$batch``es."""
    from connection import services
    from connection.clients.business_central import BcOperation
    from mappings.models import Coupling

    entity, field = CHANGES[mapping]
    ids = list(Coupling.objects.filter(mapping=world.mapping(mapping))
               .order_by("bc_number").values_list("bc_id", flat=True))
    step = max(1, len(ids) // max(count, 1))
    chosen = ids[::step][:count]
    stamp = time.strftime("%H%M%S")
    operations = [BcOperation.update(entity, str(bc_id), {field: f"Changed {stamp} {n}"}, "*")
                  for n, bc_id in enumerate(chosen)]
    client = services.business_central_client(world.connection)
    results = client.batch(operations)
    client.close()
    return sum(1 for result in results if result.ok)


def measure_incremental(world: World, mapping: str, changes: int) -> None:
    """Change records, run Modified To Integration Table, print requests and seconds."""
    from synchronization.models import SyncDirection, SyncMode

    changed = change_records(world, mapping, changes)
    world.sandbox.reset_counters()
    started = time.perf_counter()
    job = world.run(mapping, SyncMode.MODIFIED, SyncDirection.TO_SALES)[0]
    elapsed = time.perf_counter() - started
    counters = world.sandbox.counters()
    dataverse, bc = counters["dataverse"], counters["business_central"]
    seen = dataverse["requests"] + bc["requests"]
    seconds = job.duration.total_seconds() if job.duration else elapsed
    print(f"\n== incremental ({mapping}, Modified, {changed} changed records)")
    print(f"  job {job.pk}: {job.status_label}; modified {job.modified}, inserted "
          f"{job.inserted}, unchanged {job.unchanged}, failed {job.failed}")
    print(f"  on the wire          {seen} requests (target <= 3): Dataverse "
          f"{dataverse['requests']} {dict(dataverse['by_method'])}, BC {bc['requests']} "
          f"{dict(bc['by_method'])}; token requests {counters['token']['requests']}; the job "
          f"counted {job.requests}")
    print(f"  seconds              {seconds:.2f} in the job, {elapsed:.2f} from start to end "
          f"(target < 2 s)")
    print_failures(job)


def print_failures(job) -> None:
    """The records that failed, by message: what the run retries each time."""
    from collections import Counter

    from synchronization.models import SyncError

    errors = SyncError.objects.filter(job=job).values_list("coupling_id", "message")
    kinds = Counter(("coupled" if coupling else "uncoupled", message[:100])
                    for coupling, message in errors)
    for (kind, message), count in kinds.most_common(5):
        print(f"  failed ({kind}) x{count}: {message}")


def main(argv: list[str] | None = None) -> None:
    from bench.full_sync import arguments, fresh_windows, limits_of

    args = arguments(argv)
    with World({GENERATED[args.mapping]: args.customers}) as world:
        # Django is set up by the world (its own DATA_DIR and database): import models after.
        from synchronization.models import SyncDirection, SyncMode

        world.start_worker()
        world.presync(DEPENDENCIES[args.mapping])
        started = time.perf_counter()
        job = world.run(args.mapping, SyncMode.ALL, SyncDirection.TO_SALES)[0]
        print(f"coupled {job.inserted:,} records in {time.perf_counter() - started:.1f} s "
              f"(limits off)", flush=True)
        fresh_windows(world, limits_of(args))
        measure_incremental(world, args.mapping, args.changes)


if __name__ == "__main__":
    main()
