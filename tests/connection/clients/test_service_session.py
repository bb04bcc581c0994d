"""ServiceSession retry, 401 and error rules against a scripted transport (no network)."""

import pytest
import requests

from connection.clients.errors import (
    BadRequest,
    ConnectionFailed,
    NotFound,
    ServiceError,
    ServiceUnavailable,
    Throttled,
)
from connection.clients.http import RetryPolicy, ServiceSession
from tests.connection.clients.fakes import ScriptedTransport, StaticTokens, answer, mount

URL = "https://service.example/api/things"


def session_with(*script, policy=None, **options):
    tokens = StaticTokens()
    slept: list[float] = []
    session = ServiceSession("test", tokens, "https://service.example",
                             retry=policy or RetryPolicy(jitter=0.0), sleep=slept.append,
                             **options)
    transport = mount(session, ScriptedTransport(*script))
    return session, transport, tokens, slept


def test_a_429_is_retried_after_its_retry_after_seconds():
    session, _, _, slept = session_with(
        answer(429, {"error": {"code": "0x80072322", "message": "busy"}}, {"Retry-After": "1.5"}),
        answer(200, {"value": []}))
    assert session.request("GET", URL).status_code == 200
    assert slept == [1.5]
    counters = session.counters()
    assert (counters.requests, counters.retries, counters.throttle_waits) == (2, 1, 1)
    assert counters.throttle_wait_seconds == 1.5


def test_a_429_without_retry_after_backs_off_exponentially():
    session, _, _, slept = session_with(answer(429), answer(429), answer(200, {}))
    session.request("POST", URL, json={})
    assert slept == [1.0, 2.0]


def test_throttling_beyond_the_attempt_cap_raises_throttled_with_the_service_code():
    policy = RetryPolicy(max_throttled_attempts=2, jitter=0.0)
    session, _, _, _ = session_with(
        answer(429, {"error": {"code": "0x80072322", "message": "Number of requests exceeded"}},
               {"Retry-After": "1"}),
        answer(429, {"error": {"code": "0x80072322", "message": "Number of requests exceeded"}},
               {"Retry-After": "1"}), policy=policy)
    with pytest.raises(Throttled) as caught:
        session.request("GET", URL)
    assert caught.value.code == "0x80072322" and caught.value.status == 429
    assert session.counters().failures == 1


def test_a_429_that_says_when_is_retried_beyond_the_attempts_other_failures_get():
    busy = answer(429, {"error": {"code": "0x80072321", "message": "busy"}}, {"Retry-After": "1"})
    policy = RetryPolicy(max_attempts=2, max_throttled_attempts=4, jitter=0.0)
    session, _, _, slept = session_with(busy, busy, busy, answer(200, {}), policy=policy)
    assert session.request("POST", URL, json={}).status_code == 200
    assert slept == [1.0, 1.0, 1.0]


def test_a_retry_after_longer_than_the_wait_budget_is_not_slept():
    policy = RetryPolicy(max_total_wait=5.0)
    session, _, _, slept = session_with(answer(429, None, {"Retry-After": "60"}), policy=policy)
    with pytest.raises(Throttled):
        session.request("GET", URL)
    assert slept == []


def test_503_is_retried_for_any_method_and_counted_as_back_off():
    session, _, _, slept = session_with(answer(503), answer(201, {"id": "x"}))
    assert session.request("POST", URL, json={}).status_code == 201
    assert session.counters().backoff_wait_seconds == slept[0] == 1.0


def test_504_is_retried_for_a_get_but_not_for_a_post():
    session, _, _, _ = session_with(answer(504), answer(200, {}))
    assert session.request("GET", URL).status_code == 200
    session, _, _, _ = session_with(answer(504))
    with pytest.raises(ServiceUnavailable):
        session.request("POST", URL, json={})


def test_a_post_marked_idempotent_is_retried_on_504():
    session, _, _, _ = session_with(answer(504), answer(200, {}))
    assert session.request("POST", URL, json={}, idempotent=True).status_code == 200


def test_a_500_on_a_get_is_retried_with_back_off():
    session, transport, _, slept = session_with(answer(500), answer(500), answer(200, {}))
    assert session.request("GET", URL).status_code == 200
    assert len(transport.sent) == 3 and slept == [1.0, 2.0]
    counters = session.counters()
    assert (counters.retries, counters.backoff_wait_seconds, counters.failures) == (2, 3.0, 0)


def test_a_500_on_a_post_is_not_retried_unless_marked_idempotent():
    session, transport, _, _ = session_with(answer(500), answer(201, {}))
    with pytest.raises(ServiceError) as caught:
        session.request("POST", URL, json={})
    assert caught.value.status == 500 and len(transport.sent) == 1
    session, _, _, _ = session_with(answer(500), answer(200, {}))
    assert session.request("POST", URL, json={}, idempotent=True).status_code == 200


def test_500s_beyond_the_attempt_cap_are_raised():
    policy = RetryPolicy(max_attempts=3, jitter=0.0)
    session, transport, _, slept = session_with(answer(500), answer(500), answer(500),
                                                policy=policy)
    with pytest.raises(ServiceError) as caught:
        session.request("GET", URL)
    assert caught.value.status == 500 and len(transport.sent) == 3 and slept == [1.0, 2.0]
    assert session.counters().failures == 1


def test_a_401_invalidates_the_token_and_retries_once():
    session, transport, tokens, _ = session_with(answer(401), answer(200, {}))
    session.request("GET", URL)
    assert tokens.invalidated == 1
    assert transport.sent[1][0].headers["Authorization"] == "Bearer token-1"
    assert session.counters().token_refreshes == 1


def test_a_second_401_is_raised():
    session, _, _, _ = session_with(answer(401), answer(401))
    with pytest.raises(Exception) as caught:
        session.request("GET", URL)
    assert caught.value.status == 401


def test_errors_carry_status_code_message_and_correlation_id():
    message = "Customer does not exist.  CorrelationId:  1b2c3d4e-0000-0000-0000-000000000001."
    session, _, _, _ = session_with(answer(404, {"error": {"code": "BadRequest_NotFound",
                                                           "message": message}}))
    with pytest.raises(NotFound) as caught:
        session.request("GET", URL)
    error = caught.value
    assert (error.status, error.code, error.method) == (404, "BadRequest_NotFound", "GET")
    assert error.correlation_id == "1b2c3d4e-0000-0000-0000-000000000001"
    assert "BadRequest_NotFound" in str(error)


def test_non_json_error_bodies_still_give_a_message():
    session, _, _, _ = session_with(answer(400, "Bad filter"))
    with pytest.raises(BadRequest, match="Bad filter"):
        session.request("GET", URL)


def test_a_refused_connection_is_retried_then_reported_in_plain_words():
    refused = requests.exceptions.ConnectionError("[Errno 111] Connection refused")
    policy = RetryPolicy(max_attempts=2, jitter=0.0)
    session, transport, _, slept = session_with(refused, refused, policy=policy)
    with pytest.raises(ConnectionFailed) as caught:
        session.request("POST", URL, json={})
    assert str(caught.value) == ("could not reach https://service.example: connection refused "
                                 "(nothing is listening on that address and port)")
    assert len(transport.sent) == 2 and slept == [1.0]


def test_a_read_timeout_on_a_post_is_not_retried():
    session, transport, _, _ = session_with(requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(ConnectionFailed, match="did not answer in time"):
        session.request("POST", URL, json={})
    assert len(transport.sent) == 1


def test_an_untrusted_certificate_is_not_retried():
    error = requests.exceptions.SSLError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify "
                                         "failed: self-signed certificate in certificate chain")
    session, transport, _, _ = session_with(error)
    with pytest.raises(ConnectionFailed, match="certificate not trusted"):
        session.request("GET", URL)
    assert len(transport.sent) == 1


def test_the_ca_bundle_and_timeouts_are_passed_on_every_request():
    session, transport, _, _ = session_with(answer(200, {}), ca_bundle="/some/ca.pem",
                                            timeout=(3.0, 7.0))
    session.request("GET", URL)
    options = transport.sent[0][1]
    assert options["verify"] == "/some/ca.pem"
    assert options["timeout"] == (3.0, 7.0)
