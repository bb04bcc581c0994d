"""Service protection limits and injected faults: the clients wait, retry and count."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from connection.clients import (
    BusinessCentralClient,
    ClientSecretCredential,
    ConnectionFailed,
    DataverseClient,
    RetryPolicy,
    ServiceUnavailable,
    Throttled,
)


def test_dataverse_429_waits_the_retry_after_seconds_then_succeeds(sandbox_clean, dataverse):
    sandbox_clean.settings(dataverse={"limits_enabled": True, "requests_per_window": 2,
                                      "window_seconds": 1})
    started = time.monotonic()
    for _ in range(3):
        dataverse.whoami()
    elapsed = time.monotonic() - started
    counters = dataverse.counters()
    assert counters.throttle_waits == 1 and counters.retries == 1
    assert counters.throttle_wait_seconds == 1.0  # Retry-After: 1 (whole seconds, at least 1)
    assert elapsed >= 1.0
    assert sandbox_clean.counters()["dataverse"]["throttled"] == 1


def test_business_central_429_is_honoured_as_well(sandbox_clean, business_central):
    sandbox_clean.settings(business_central={"limits_enabled": True, "requests_per_window": 1,
                                             "window_seconds": 1})
    business_central.companies()
    business_central.companies()
    assert business_central.counters().throttle_waits == 1
    assert sandbox_clean.counters()["business_central"]["throttled"] == 1


def test_the_time_scale_shortens_the_window(sandbox_clean, dataverse):
    sandbox_clean.settings(time_scale=300, dataverse={"limits_enabled": True,
                                                      "requests_per_window": 1})
    dataverse.whoami()
    dataverse.whoami()  # the 300 s window lasts one real second
    assert dataverse.counters().throttle_wait_seconds <= 1.0


def test_throttling_beyond_the_wait_budget_raises_throttled(sandbox_clean, credentials,
                                                           app_credential):
    sandbox_clean.settings(dataverse={"limits_enabled": True, "requests_per_window": 1,
                                      "window_seconds": 30})
    client = DataverseClient(credentials["dataverse_url"], app_credential,
                             retry=RetryPolicy(max_total_wait=2.0))
    client.whoami()
    with pytest.raises(Throttled) as caught:
        client.whoami()
    assert caught.value.status == 429 and caught.value.code == "0x80072322"


def test_injected_gateway_timeouts_and_dropped_connections_are_retried_and_counted(
        sandbox_clean, credentials, app_credential):
    sandbox_clean.settings(dataverse={"fault_rate": 0.5, "fault_kinds": ["timeout", "drop"],
                                      "timeout_seconds": 0})
    client = DataverseClient(credentials["dataverse_url"], app_credential,
                             retry=RetryPolicy(max_attempts=15, base_delay=0.01, max_delay=0.05))
    for _ in range(10):
        client.whoami()
    injected = sandbox_clean.counters()["dataverse"]["faults"]
    assert injected > 0
    assert client.counters().retries == injected
    assert client.counters().requests == 10 + injected


def test_a_persistent_503_gives_up_after_the_attempt_cap(sandbox_clean, credentials,
                                                        app_credential):
    sandbox_clean.settings(business_central={"fault_rate": 1.0, "fault_kinds": ["503"]})
    tokens = ClientSecretCredential(credentials["authority"],
                                    credentials["business_central_client_id"],
                                    credentials["business_central_client_secret"],
                                    ca_bundle=sandbox_clean.ca_bundle)
    client = BusinessCentralClient(credentials["business_central_url"], tokens,
                                   retry=RetryPolicy(max_attempts=2))
    with pytest.raises(ServiceUnavailable) as caught:
        client.companies()
    assert caught.value.status == 503
    assert client.counters().backoff_wait_seconds == 1.0  # the service's Retry-After
    assert sandbox_clean.counters()["business_central"]["faults"] == 2


def test_a_read_timeout_is_retried_for_reads_then_reported(sandbox_clean, credentials,
                                                          app_credential):
    sandbox_clean.settings(dataverse={"fault_rate": 1.0, "fault_kinds": ["timeout"],
                                      "timeout_seconds": 1})
    client = DataverseClient(credentials["dataverse_url"], app_credential, timeout=(2.0, 0.3),
                             retry=RetryPolicy(max_attempts=2, base_delay=0.01))
    with pytest.raises(ConnectionFailed, match="did not answer in time"):
        client.whoami()
    assert client.counters().requests == 2


def test_the_concurrency_cap_queues_parallel_requests_in_the_client(sandbox_clean, credentials,
                                                                   app_credential):
    sandbox_clean.settings(dataverse={"latency_ms": 250})
    client = DataverseClient(credentials["dataverse_url"], app_credential, max_concurrency=2)
    client.whoami()  # sign in once, outside the measurement
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda _: client.whoami(), range(4)))
    assert time.monotonic() - started >= 0.5  # two rounds of two, not one round of four
