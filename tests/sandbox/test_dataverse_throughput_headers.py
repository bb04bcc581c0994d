"""The throughput signals on Dataverse Web API answers: the recommended degree of parallelism
and what is left of the service protection windows."""

from __future__ import annotations

import pytest

from sandbox import config

BURST = "x-ms-ratelimit-burst-remaining-xrm-requests"
TIME = "x-ms-ratelimit-time-remaining-xrm-requests"
DOP = "x-ms-dop-hint"


def test_every_answer_carries_the_recommended_degree_of_parallelism(
    dataverse, business_central, sandbox_clean
):
    """The x-ms-dop-hint response header holds an integer: the recommended degree of
    parallelism for the environment; the sandbox's is a setting.
    https://learn.microsoft.com/power-apps/developer/data-platform/send-parallel-requests"""
    assert dataverse.get("WhoAmI").headers[DOP] == "4"
    assert dataverse.get("accounts(00000000-0000-0000-0000-000000000000)").headers[DOP] == "4"
    sandbox_clean.settings(dataverse={"dop_hint": 12})
    assert dataverse.get("WhoAmI").headers[DOP] == "12"
    assert DOP not in business_central.get("customers").headers


def test_the_remaining_requests_count_down_to_the_429(dataverse, sandbox_clean):
    """x-ms-ratelimit-burst-remaining-xrm-requests: the remaining number of requests; once it
    reads 0 the next request is refused with 429 and Retry-After.
    https://learn.microsoft.com/power-apps/developer/data-platform/api-limits"""
    sandbox_clean.settings(dataverse={"limits_enabled": True, "requests_per_window": 4})
    answers = [dataverse.get("WhoAmI") for _ in range(5)]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 429]
    assert [a.headers[BURST] for a in answers] == ["3", "2", "1", "0", "0"]
    assert answers[-1].json()["error"]["code"] == "0x80072322"
    assert int(answers[-1].headers["Retry-After"]) >= 1


def test_the_remaining_execution_time_counts_down_in_seconds(dataverse, sandbox_clean):
    """x-ms-ratelimit-time-remaining-xrm-requests: the remaining combined duration, written
    as the service writes it (seconds, two decimals: "1,200.00" for a fresh 20-minute budget);
    at 0 the next request is refused with 0x80072321.
    https://learn.microsoft.com/power-apps/developer/data-platform/api-limits"""
    sandbox_clean.settings(dataverse={"limits_enabled": True})
    fresh = dataverse.get("WhoAmI")
    assert (fresh.headers[BURST], fresh.headers[TIME]) == ("5999", "1,200.00")
    # 100 ms of server time per request at time scale 100: 1 ms of real sleep each, in a
    # window of 3 real seconds.
    sandbox_clean.settings(time_scale=100, dataverse={
        "server_time_ms": 100, "execution_seconds_per_window": 0.25})
    answers = [dataverse.get("WhoAmI") for _ in range(4)]
    assert [a.headers[TIME] for a in answers[:3]] == ["0.15", "0.05", "0.00"]
    assert answers[3].status_code == 429
    assert answers[3].json()["error"]["code"] == "0x80072321"
    assert answers[3].headers[TIME] == "0.00"


def test_without_limits_nothing_is_counted_so_no_budget_is_reported(dataverse):
    """The sandbox counts windows only while its limits are enabled; it does not report a
    budget it does not keep (the dop hint still comes)."""
    answer = dataverse.get("WhoAmI")
    assert BURST not in answer.headers and TIME not in answer.headers
    assert answer.headers[DOP] == "4"


@pytest.mark.parametrize("value", [0, 1.5, "4"])
def test_a_dop_hint_must_be_a_whole_number_of_at_least_one(value):
    with pytest.raises(config.SettingsError):
        config.merge(config.defaults(), {"dataverse": {"dop_hint": value}})
