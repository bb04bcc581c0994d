"""The throttle gauge: a client steers by what Dataverse says about its own limits.

The first tests drive the gauge alone (a fake clock and sleep: no waiting); the last ones read
the headers of the real sandbox through the Dataverse client.
https://learn.microsoft.com/power-apps/developer/data-platform/send-parallel-requests
https://learn.microsoft.com/power-apps/developer/data-platform/api-limits
"""

from __future__ import annotations

import threading

from connection.clients.throttle import (
    DOP_HINT,
    REQUESTS_LEFT,
    TIME_LEFT,
    ThrottleGauge,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_it_reads_the_hint_and_the_budget_as_the_service_writes_them():
    gauge = ThrottleGauge("dataverse")
    probe = gauge.before_send()
    gauge.after_response(200, {DOP_HINT: "12", REQUESTS_LEFT: "5999",
                               TIME_LEFT: "1,199.95"}, probe)
    reading = gauge.reading()
    assert (reading.dop_hint, reading.requests_left, reading.time_left) == (12, 5999, 1199.95)
    assert (reading.requests, reading.in_flight, reading.peak_in_flight) == (1, 0, 1)


def test_parallelism_follows_the_hint_never_above_52_and_the_setting_before_any_answer():
    gauge = ThrottleGauge("dataverse")
    assert gauge.parallelism(4) == 4
    gauge.after_response(200, {DOP_HINT: "200"}, gauge.before_send())
    assert gauge.parallelism(4) == 52
    gauge.after_response(200, {DOP_HINT: "7"}, gauge.before_send())
    assert gauge.parallelism(4) == 7


def test_a_429_holds_every_other_lane_for_its_retry_after():
    clock = FakeClock()
    gauge = ThrottleGauge("dataverse", clock=clock)
    gauge.after_response(429, {TIME_LEFT: "0.00"}, gauge.before_send(clock.sleep),
                         retry_after=8.0)
    gauge.before_send(clock.sleep)
    assert clock.slept == [8.0]
    reading = gauge.reading()
    assert (reading.throttled, reading.waited_seconds, reading.time_left) == (1, 8.0, None)


def test_the_request_that_slept_its_own_retry_after_is_not_held_twice():
    clock = FakeClock()
    gauge = ThrottleGauge("dataverse", clock=clock)
    gauge.after_response(429, {}, gauge.before_send(clock.sleep), retry_after=5.0)
    gauge.before_send(clock.sleep, own_retry=True)
    assert clock.slept == []


def test_a_spent_window_lets_one_probe_through_and_the_others_wait_for_its_answer():
    gauge = ThrottleGauge("dataverse", probe_patience=30)  # the probe answers first
    gauge.after_response(200, {TIME_LEFT: "0.00"}, gauge.before_send())
    assert gauge.before_send() is True  # the probe
    second: list[bool] = []
    waiting = threading.Thread(target=lambda: second.append(gauge.before_send()))
    waiting.start()
    waiting.join(0.2)
    assert waiting.is_alive() and gauge.reading().in_flight == 1
    gauge.after_response(200, {TIME_LEFT: "35.50"}, True)  # the window opened again
    waiting.join(5)
    assert second == [False] and gauge.reading().in_flight == 1


def test_the_dataverse_client_steers_by_the_sandbox_headers(dataverse, sandbox_clean):
    sandbox_clean.settings(dataverse={"limits_enabled": True, "dop_hint": 9,
                                      "requests_per_window": 50})
    dataverse.whoami()
    reading = dataverse.throttle()
    assert dataverse.parallelism(4) == 9
    assert reading.requests_left == 49 and reading.time_left == 1200.0
    assert reading.in_flight == 0 and reading.requests == 1


def test_a_real_429_is_counted_and_waited_out(dataverse, sandbox_clean):
    sandbox_clean.settings(time_scale=30, dataverse={"limits_enabled": True,
                                                     "requests_per_window": 2,
                                                     "window_seconds": 30})
    for _ in range(3):
        dataverse.whoami()
    reading = dataverse.throttle()
    assert reading.throttled == 1 and reading.waited_seconds >= 1
    assert dataverse.counters().throttle_waits == 1


def test_a_probe_that_is_not_refused_at_once_was_let_in_and_the_others_go_too():
    gauge = ThrottleGauge("dataverse", probe_patience=0.05)
    gauge.after_response(200, {TIME_LEFT: "0.00"}, gauge.before_send())
    assert gauge.before_send() is True  # the probe, still on the wire
    assert gauge.before_send() is False  # no answer within the patience: the window is open
    assert gauge.reading().in_flight == 2
