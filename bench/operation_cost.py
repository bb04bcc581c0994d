"""Benchmark: what one write costs the sandbox, by the shape of the write.

Run: ``.venv/bin/python bench/operation_cost.py [--records 20000] [--rounds 2]``

The full synchronization benchmark (bench/full_sync.py) shares one sandbox process between the
product and the reference client, so its rates follow the sandbox's CPU per operation. This
measures that CPU directly, with the limits off: ``$batch`` requests of 1,000 upserts, 8 at a
time, of three shapes, and the sandbox process's CPU time per record for each:

1. the reference client's body (bench/reference_client.py: ten plain columns, no answer body);
2. a body shaped as the CUSTOMER mapping writes one: twenty columns, the owner and currency
   bound with ``@odata.bind``, three empty columns, three choices;
3. the same, asking for ``modifiedon`` and ``versionnumber`` back (``return=representation``),
   as the product does so that each coupling records the write.

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import World
from bench.reference_client import _send, _session, _Tally, account, batch_body

LANES, BATCH = 8, 1000
SHAPES = (("the reference client's body", False, False),
          ("a body as CUSTOMER writes it", True, False),
          ("the same, answered with representation", True, True))


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def mapped_body(number: int, owner: str, currency: str) -> dict[str, Any]:
    """An account about as the CUSTOMER mapping writes a new one (what a run sends)."""
    return {**account(number), "ownerid@odata.bind": f"/systemusers({owner})",
            "transactioncurrencyid@odata.bind": f"/transactioncurrencies({currency})",
            "address1_primarycontactname": None, "address1_line2": None,
            "primarycontactid@odata.bind": None, "fax": "(555) 0206",
            "websiteurl": "www.example.com", "address1_freighttermscode": 1,
            "address1_shippingmethodcode": 2, "creditlimit": 20000.0}


def write(credentials: dict[str, Any], records: int, body_of, returning: bool) -> float:
    """Upsert ``records`` accounts; the seconds it took."""
    session, tally = _session(credentials, LANES), _Tally()
    url = f"{credentials['dataverse_api_url']}$batch"

    def one(start: int) -> None:
        content_type, body = batch_body(range(start, min(start + BATCH, records)), body_of,
                                        returning)
        response = _send(session, "POST", url, tally, data=body, headers={
            "Content-Type": content_type, "Prefer": "odata.continue-on-error"})
        written = response.content.count(b"HTTP/1.1 2")
        if written != min(BATCH, records - start):
            raise RuntimeError(f"only {written} writes of a batch succeeded: "
                               f"{response.content[:300]!r}")

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=LANES) as pool:
        list(pool.map(one, range(0, records, BATCH)))
    session.close()
    return time.perf_counter() - started


def first_id(credentials: dict[str, Any], entity_set: str, key: str) -> str:
    session = _session(credentials, 1)
    url = f"{credentials['dataverse_api_url']}{entity_set}?$select={key}&$top=1"
    value = session.get(url, timeout=30).json()["value"][0][key]
    session.close()
    return str(value)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=20_000, help="accounts per shape")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    with World({"customers": 100}) as world:
        credentials, pid = world.sandbox.credentials, world.sandbox.process.pid
        owner = first_id(credentials, "systemusers", "systemuserid")
        currency = first_id(credentials, "transactioncurrencies", "transactioncurrencyid")
        print(f"{args.records:,} upserts per shape, $batch of {BATCH:,}, {LANES} at once, "
              "limits off", flush=True)
        for _ in range(args.rounds):
            for name, mapped, returning in SHAPES:
                body_of = (lambda n: mapped_body(n, owner, currency)) if mapped else account
                before = cpu_seconds(pid)
                seconds = write(credentials, args.records, body_of, returning)
                spent = cpu_seconds(pid) - before
                print(f"  {name:<40} {args.records / seconds:7,.0f} records/s, sandbox CPU "
                      f"{spent / args.records * 1e6:4.0f} µs per record", flush=True)


if __name__ == "__main__":
    main()
