"""The supervisor's restart policy: budget and exponential backoff with jitter (pure)."""

from __future__ import annotations

import random

import pytest

from predmm.domain.errors import ConfigError
from predmm.supervisors.policy import RestartPolicy, backoff_delay, on_failure

POLICY = RestartPolicy(intensity=3, period=60, min_backoff=1, max_backoff=30, random_factor=0.2)


@pytest.mark.parametrize(
    ("attempt", "u", "delay"),
    [
        (0, 0.0, 1.0),
        (1, 0.0, 2.0),
        (2, 0.0, 4.0),
        (4, 0.0, 16.0),
        (5, 0.0, 30.0),  # capped
        (10**9, 0.0, 30.0),  # no overflow
        (0, 0.5, 1.1),  # jitter after the cap, like Akka
        (5, 0.999, 30 * 1.1998),
        (-3, 0.0, 1.0),
    ],
)
def test_backoff_table(attempt: int, u: float, delay: float) -> None:
    assert backoff_delay(POLICY, attempt, u) == pytest.approx(delay)


def test_failures_past_the_intensity_within_the_period_quarantine() -> None:
    rng = random.Random(7)
    failures: tuple[float, ...] = ()
    decisions = []
    for now in (0.0, 1.0, 2.0, 3.0):
        d = on_failure(POLICY, failures, now, rng)
        failures = d.failures
        decisions.append(d.restart)
    assert decisions == [True, True, True, False]


def test_old_failures_leave_the_window() -> None:
    rng = random.Random(7)
    d = on_failure(POLICY, (0.0, 1.0, 2.0), 100.0, rng)
    assert d.restart
    assert d.failures == (100.0,)
    assert 1.0 <= d.delay <= 1.2


def test_the_same_seed_gives_the_same_delays() -> None:
    a = [on_failure(POLICY, (), 0.0, random.Random(3)).delay for _ in range(3)]
    assert len(set(a)) == 1


def test_bad_policy_is_refused() -> None:
    with pytest.raises(ConfigError, match="min_backoff = 5"):
        RestartPolicy(min_backoff=5, max_backoff=1)
