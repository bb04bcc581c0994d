"""The sandbox answers at once on a keep-alive connection.

Its handler sends headers and body in two writes; with Nagle's algorithm on, the second waits
for the client's delayed ACK and every answer comes about 40 ms late, which slowed every test
and every benchmark figure. The control API's health call does no work, so what is measured is
the round trip itself.
"""

import statistics
import time


def test_a_keep_alive_round_trip_takes_under_5_ms(sandbox):
    session = sandbox.session()
    url = f"{sandbox.url}/_sandbox/health"
    session.get(url, timeout=10).raise_for_status()  # TLS handshake and connection set up once
    times = []
    for _ in range(20):
        started = time.perf_counter()
        session.get(url, timeout=10).raise_for_status()
        times.append(time.perf_counter() - started)
    assert statistics.median(times) < 0.005, [round(t * 1000, 1) for t in times]
