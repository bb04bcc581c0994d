"""Service protection limits, time scale, fault injection, admin mode, counters and settings
(protocols.md 3.10, 4.7, 5.5, 5.9; control API contract)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests


def test_dataverse_answers_429_with_retry_after_once_the_window_is_used_up(
    dataverse, sandbox_clean
):
    # A 300 s window at time scale 300 lasts one real second.
    sandbox_clean.settings(
        time_scale=300, dataverse={"limits_enabled": True, "requests_per_window": 3}
    )
    statuses = [dataverse.get("WhoAmI").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    throttled = dataverse.get("WhoAmI")
    assert throttled.json()["error"] == {
        "code": "0x80072322",
        "message": "Number of requests exceeded the limit of 3 over time window of 300 seconds.",
    }
    assert int(throttled.headers["Retry-After"]) >= 1
    time.sleep(1.05)
    assert dataverse.get("WhoAmI").status_code == 200
    assert sandbox_clean.counters()["dataverse"]["throttled"] == 2


def test_a_dataverse_batch_spends_execution_time_per_operation(dataverse, sandbox_clean):
    sandbox_clean.settings(
        time_scale=1000,
        dataverse={
            "limits_enabled": True,
            "server_time_ms": 100,
            "execution_seconds_per_window": 0.25,
        },
    )
    part = (
        "--b\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n"
        "GET /api/data/v9.2/WhoAmI HTTP/1.1\r\n\r\n\r\n"
    )
    batch = dataverse.post(
        "$batch",
        data=(part * 3 + "--b--\r\n").encode(),
        headers={"Content-Type": "multipart/mixed; boundary=b"},
    )
    assert batch.status_code == 200
    throttled = dataverse.get("WhoAmI")
    assert throttled.status_code == 429 and throttled.json()["error"]["code"] == "0x80072321"
    counters = sandbox_clean.counters()["dataverse"]
    assert (
        counters["server_time_ms"] == 300
        and counters["requests"] == 2
        and counters["operations"] == 3
    )


def test_dataverse_concurrency_above_the_limit_fails_immediately(dataverse, sandbox_clean):
    sandbox_clean.settings(
        time_scale=1, dataverse={"limits_enabled": True, "concurrency": 1, "latency_ms": 400}
    )
    with ThreadPoolExecutor(3) as pool:
        statuses = sorted(pool.map(lambda _: dataverse.get("WhoAmI").status_code, range(3)))
    assert statuses[0] == 200 and 429 in statuses
    assert sandbox_clean.counters()["dataverse"]["throttled"] >= 1


def test_business_central_answers_429_application_too_many_requests(
    business_central, sandbox_clean
):
    sandbox_clean.settings(
        time_scale=300, business_central={"limits_enabled": True, "requests_per_window": 2}
    )
    statuses = [business_central.get("currencies").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    throttled = business_central.get("currencies")
    assert throttled.json()["error"]["code"] == "Application_TooManyRequests"
    assert throttled.headers["Retry-After"].isdigit()


@pytest.mark.parametrize(("kind", "status"), [("500", 500), ("503", 503), ("429", 429)])
def test_injected_faults_return_the_configured_status(dataverse, sandbox_clean, kind, status):
    sandbox_clean.settings(dataverse={"fault_rate": 1.0, "fault_kinds": [kind]})
    response = dataverse.get("WhoAmI")
    assert response.status_code == status
    assert response.json()["error"]["code"].startswith("0x")
    assert sandbox_clean.counters()["dataverse"]["faults"] == 1


def test_injected_drops_close_the_connection_and_timeouts_stall(business_central, sandbox_clean):
    sandbox_clean.settings(business_central={"fault_rate": 1.0, "fault_kinds": ["drop"]})
    with pytest.raises(requests.ConnectionError):
        business_central.get("currencies")
    sandbox_clean.settings(business_central={"fault_kinds": ["timeout"], "timeout_seconds": 2})
    with pytest.raises(requests.Timeout):
        business_central.session.get(
            f"{business_central.base}currencies", headers=business_central.headers, timeout=0.5
        )


def test_admin_mode_makes_dataverse_answer_503(dataverse, sandbox_clean):
    sandbox_clean.settings(admin_mode=True)
    assert dataverse.get("WhoAmI").status_code == 503


def test_counters_count_requests_per_entity_and_method_but_not_control_calls(
    dataverse, sandbox_clean
):
    dataverse.get("accounts?$select=name")
    dataverse.post("accounts", json={"name": "counted"})
    sandbox_clean.records("dataverse", "accounts")
    counters = sandbox_clean.counters()
    assert counters["dataverse"]["requests"] == 2
    assert counters["dataverse"]["by_entity"] == {"accounts": 2}
    assert counters["dataverse"]["by_method"] == {"GET": 1, "POST": 1}
    assert counters["dataverse"]["writes"] == 1
    assert counters["business_central"]["requests"] == 0
    assert counters["token"]["requests"] == 1
    assert sandbox_clean.reset_counters()["dataverse"]["requests"] == 0


def test_counters_count_the_bytes_each_service_answers(business_central, sandbox_clean):
    whole = business_central.get("customers")
    selected = business_central.get("customers?$select=id,displayName")
    refused = business_central.get("customers?$select=noSuchField")
    counted = sandbox_clean.counters()["business_central"]["response_bytes"]
    assert refused.status_code == 400
    assert counted == len(whole.content) + len(selected.content) + len(refused.content)
    assert len(selected.content) < len(whole.content) / 4
    assert sandbox_clean.counters()["dataverse"]["response_bytes"] == 0


def test_settings_patch_merges_and_rejects_bad_keys_and_values(sandbox_clean):
    merged = sandbox_clean.settings(dataverse={"latency_ms": 5})
    assert merged["dataverse"]["latency_ms"] == 5 and merged["dataverse"]["concurrency"] == 52
    url = f"{sandbox_clean.url}/_sandbox/settings"
    for bad in (
        {"nope": 1},
        {"time_scale": 0},
        {"dataverse": {"fault_rate": 2}},
        {"business_central": {"fault_kinds": ["meteor"]}},
        {"admin_mode": "yes"},
    ):
        response = sandbox_clean.control.patch(url, json=bad)
        assert response.status_code == 400 and response.json()["error"]


def test_records_helper_reads_tables_without_traffic(sandbox_clean):
    customers = sandbox_clean.records("business_central", "customers", number="10000")
    assert (
        customers["count"] == 1 and customers["records"][0]["displayName"] == "Adatum Corporation"
    )
    assert sandbox_clean.counters()["business_central"]["requests"] == 0
