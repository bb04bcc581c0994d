"""Micro-benchmark: building and parsing Dataverse ``$batch`` bodies of 1,000 operations.

Run: ``.venv/bin/python -m bench.clients_batch_format``. Prints operations per second for
building a request body and for parsing an answer, so the client's share of a full sync's
time is known (the network and the service should dominate).
"""

from __future__ import annotations

import time
import uuid

from connection.clients.dataverse_batch import BatchOperation, build_body, parse_body, results_for

OPERATIONS = 1000
ROUNDS = 20


def _operations() -> list[BatchOperation]:
    return [BatchOperation.upsert("accounts", str(uuid.uuid4()),
                                  {"name": f"Customer {n}", "telephone1": "555-0100",
                                   "address1_city": "Atlanta", "customertypecode": 3})
            for n in range(OPERATIONS)]


def _answer(operations: list[BatchOperation]) -> tuple[str, bytes]:
    boundary = "batchresponse_bench"
    parts = [f"--{boundary}\r\nContent-Type: application/http\r\n"
             "Content-Transfer-Encoding: binary\r\n\r\nHTTP/1.1 204 No Content\r\n"
             f"OData-EntityId: https://x/api/data/v9.2/{op.url}\r\n\r\n\r\n"
             for op in operations]
    body = "".join(parts) + f"--{boundary}--\r\n"
    return f"multipart/mixed; boundary={boundary}", body.encode()


def _rate(work, rounds: int) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        work()
    return OPERATIONS * rounds / (time.perf_counter() - started)


def main() -> None:
    """Print build and parse rates."""
    operations = _operations()
    content_type, answer = _answer(operations)
    build = _rate(lambda: build_body(operations, "/api/data/v9.2", "independent"), ROUNDS)
    parse = _rate(lambda: results_for(len(operations), parse_body(content_type, answer), 0,
                                      "independent"), ROUNDS)
    size = len(build_body(operations, "/api/data/v9.2", "independent")[1])
    print(f"batch of {OPERATIONS} upserts: {size / 1024:.0f} KiB request body")
    print(f"build: {build:,.0f} operations/s")
    print(f"parse: {parse:,.0f} operations/s")


if __name__ == "__main__":
    main()
