"""How long an UNKNOWN order is looked for (predmm.actors.platform.lookups): waits that
grow by ``factor`` up to ``max_delay`` and add up to no more than the window."""

from __future__ import annotations

import pytest

from predmm.actors.platform.lookups import LookupPolicy, Lookups
from predmm.domain.errors import ConfigError
from predmm.domain.ids import ClientOrderId


def test_the_default_window_looks_nine_times_over_about_half_a_minute() -> None:
    policy = LookupPolicy()
    waits = [policy.delay(n) for n in range(policy.attempts())]
    assert waits == [0.25, 0.5, 1.0, 2.0, 4.0, 5.0, 5.0, 5.0, 5.0]
    assert sum(w for w in waits if w is not None) == 27.75
    assert policy.delay(policy.attempts()) is None


def test_an_order_is_given_up_after_the_last_look_of_its_window() -> None:
    lookups = Lookups(LookupPolicy(first_delay=1, factor=3, max_delay=4, window=10))
    coid = ClientOrderId("o")
    assert lookups.start(coid) == 1
    assert lookups.start(coid) is None  # already looked for
    assert [lookups.not_found(coid) for _ in range(3)] == [3, 4, None]  # at 1, 4, 8 s
    assert coid not in lookups
    assert lookups.start(coid) == 1  # unknown again (a cancel unconfirmed): a new window


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"first_delay": 0}, "first_delay"),
        ({"window": -1}, "window"),
        ({"factor": 0.5}, "factor"),
        ({"first_delay": 2, "max_delay": 1}, "max_delay"),
    ],
)
def test_a_bad_policy_names_its_field(fields: dict[str, float], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        LookupPolicy(**fields)
