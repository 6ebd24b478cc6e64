"""SUR-1: the sample of closed requests is reproducible — the same request is always in or always
out — and has the configured size."""

from hypothesis import given
from hypothesis import strategies as st

from servicedesk.surveys.sampling import BUCKETS, in_sample, sample_bucket


@given(request_id=st.integers(min_value=1, max_value=2**63 - 1), salt=st.text(max_size=64),
       percent=st.integers(min_value=0, max_value=100))
def test_sur1_a_request_is_always_in_or_always_out(request_id, salt, percent):
    assert in_sample(request_id, salt, percent) == in_sample(request_id, salt, percent)
    assert 0 <= sample_bucket(request_id, salt) < BUCKETS


def test_sur1_the_sample_has_the_configured_share():
    for percent in (5, 20, 50):
        chosen = sum(in_sample(request_id, "2026-salt", percent) for request_id in range(1, 20_001))
        assert abs(chosen / 20_000 - percent / 100) < 0.01, (percent, chosen)


def test_sur1_a_larger_share_keeps_the_requests_of_the_smaller_one():
    """Raising 20 % to 30 % only adds requests: those already surveyed stay in."""
    twenty = {i for i in range(1, 5001) if in_sample(i, "s", 20)}
    thirty = {i for i in range(1, 5001) if in_sample(i, "s", 30)}
    assert twenty < thirty


def test_sur1_another_salt_draws_another_sample():
    first = {i for i in range(1, 2001) if in_sample(i, "one", 20)}
    second = {i for i in range(1, 2001) if in_sample(i, "two", 20)}
    assert first != second
    assert abs(len(first) - len(second)) < 100


def test_sur1_all_and_nothing():
    assert all(in_sample(i, "x", 100) for i in range(1, 500))
    assert not any(in_sample(i, "x", 0) for i in range(1, 500))
