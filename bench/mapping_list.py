"""How fast the Integration Table Mappings list answers with many couplings.

A private SQLite database in a temporary DATA_DIR, the default mappings, N couplings spread
over them (a tenth skipped), and the list page fetched through Django's test client: prints the
median and best of the timed requests and the number of queries. Nothing here asserts.

    python bench/mapping_list.py [--couplings 100000] [--repeat 10]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import prepare_environment


def build_world(couplings: int):
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.contrib.auth.models import Group, User

    from connection.access import ADMINISTRATORS
    from connection.models import ConnectionSetup
    from mappings.defaults import apply_default_setup
    from mappings.models import Coupling

    connection = ConnectionSetup.objects.create(name="Benchmark")
    mappings = apply_default_setup(connection, sales_order_integration=True)
    rows = (Coupling(mapping=mappings[i % len(mappings)], bc_id=uuid.uuid4(),
                     sales_id=uuid.uuid4(), bc_number=f"N{i:07d}", skipped=i % 10 == 0)
            for i in range(couplings))
    started = time.perf_counter()
    batch: list = []
    for row in rows:
        batch.append(row)
        if len(batch) == 5000:
            Coupling.objects.bulk_create(batch)
            batch.clear()
    Coupling.objects.bulk_create(batch)
    print(f"{couplings:,} couplings over {len(mappings)} mappings created in "
          f"{time.perf_counter() - started:.1f} s", flush=True)
    user = User.objects.create_user("bench", "bench@example.com", "bench password")
    user.groups.add(Group.objects.get_or_create(name=ADMINISTRATORS)[0])
    return user


def measure(user, repeat: int) -> None:
    from django.db import connection as db
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    first = client.get("/mappings/")  # warm caches and templates
    assert first.status_code == 200, (first.status_code, first.headers)
    queries: list[str] = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with db.execute_wrapper(count):
        client.get("/mappings/")
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get("/mappings/")
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    print(f"GET /mappings/: median {statistics.median(times):.0f} ms, best {min(times):.0f} ms "
          f"over {repeat} requests, {len(queries)} queries", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--couplings", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bcsales-bench-"))
    try:
        prepare_environment(workdir)
        measure(build_world(args.couplings), args.repeat)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
