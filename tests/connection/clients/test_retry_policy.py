"""Back-off maths and Retry-After parsing (no network)."""

from datetime import UTC, datetime
from email.utils import format_datetime

from connection.clients.http import RetryPolicy, retry_after_seconds


def test_back_off_doubles_from_the_base_delay_without_jitter():
    policy = RetryPolicy(base_delay=1.0, max_delay=60.0, jitter=0.0)
    assert [policy.backoff(n, 0.5) for n in range(5)] == [1.0, 2.0, 4.0, 8.0, 16.0]


def test_back_off_is_capped_at_the_maximum_delay():
    policy = RetryPolicy(base_delay=1.0, max_delay=10.0, jitter=0.0)
    assert policy.backoff(10, 0.5) == 10.0


def test_jitter_spreads_the_delay_within_its_fraction():
    policy = RetryPolicy(base_delay=4.0, jitter=0.25)
    assert policy.backoff(0, 0.0) == 3.0
    assert policy.backoff(0, 0.999999) < 5.0
    assert policy.backoff(0, 0.5) == 4.0


def test_retry_after_accepts_integer_and_fractional_seconds():
    assert retry_after_seconds({"Retry-After": "12"}) == 12.0
    assert retry_after_seconds({"Retry-After": "0.25"}) == 0.25


def test_retry_after_is_none_when_absent_or_garbage():
    assert retry_after_seconds({}) is None
    assert retry_after_seconds({"Retry-After": "soon"}) is None


def test_retry_after_accepts_an_http_date():
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    later = format_datetime(datetime(2025, 1, 1, 12, 0, 30, tzinfo=UTC), usegmt=True)
    assert retry_after_seconds({"Retry-After": later}, now=now.timestamp()) == 30.0


def test_no_retries_policy_allows_a_single_attempt():
    assert RetryPolicy.no_retries().max_attempts == 1
