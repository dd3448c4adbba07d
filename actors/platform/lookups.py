"""How long an UNKNOWN order is looked for (``LookupPolicy``) and which ones are being
looked for (``Lookups``), for the PlatformActor.

A placement whose answer was lost (a timeout, a 5xx) may still be taken by the venue
seconds later. Its order stays UNKNOWN, its reservation held and its intent unreplaced,
while it is looked up by client order id again and again: the first time after
``first_delay`` seconds, each next wait ``factor`` times the one before, at most
``max_delay``, for as long as the waits add up to no more than ``window``. Found, it is
what the venue says; still not found by the last look of the window, it is given up
(never taken: its reservation is released and the market may place the intent again).
A look that fails (the venue is down) does not count: the order is looked for again
after ``max_delay``. Plain values and a plain table: no I/O, no clock.
"""

from __future__ import annotations

from typing import Any

import attrs

from predmm.domain.errors import ConfigError
from predmm.domain.ids import ClientOrderId


def _positive(inst: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if not value > 0:
        raise ConfigError(f"{attribute.name} = {value}: must be greater than 0")


@attrs.frozen(kw_only=True)
class LookupPolicy:
    """The looks at an UNKNOWN order: after ``first_delay`` s, then ``factor`` times
    longer each time up to ``max_delay`` s apart, within ``window`` s."""

    first_delay: float = attrs.field(default=0.25, validator=_positive)
    factor: float = attrs.field(default=2.0, validator=_positive)
    max_delay: float = attrs.field(default=5.0, validator=_positive)
    window: float = attrs.field(default=30.0, validator=_positive)

    def __attrs_post_init__(self) -> None:
        if self.factor < 1:
            raise ConfigError(f"factor = {self.factor}: must be at least 1")
        if self.max_delay < self.first_delay:
            raise ConfigError(
                f"max_delay = {self.max_delay} must not be below first_delay = {self.first_delay}"
            )

    def delay(self, attempt: int) -> float | None:
        """How long to wait before look number ``attempt`` (0: the first); None when
        that look would fall past the window (the order is then given up)."""
        waited, step = 0.0, self.first_delay
        for _ in range(attempt):
            waited += step
            step = min(self.max_delay, step * self.factor)
        return step if waited + step <= self.window else None

    def attempts(self) -> int:
        """How many looks the window holds (at least one)."""
        n = 0
        while self.delay(n) is not None:
            n += 1
        return max(n, 1)


class Lookups:
    """The UNKNOWN orders being looked for, and how many looks each has had."""

    def __init__(self, policy: LookupPolicy) -> None:
        self.policy = policy
        self._looks: dict[ClientOrderId, int] = {}

    def start(self, coid: ClientOrderId) -> float | None:
        """Start looking for ``coid``: the wait before its first look (None: already
        being looked for)."""
        if coid in self._looks:
            return None
        self._looks[coid] = 0
        return self.policy.delay(0) or self.policy.first_delay

    def __contains__(self, coid: object) -> bool:
        return coid in self._looks

    def not_found(self, coid: ClientOrderId) -> float | None:
        """A look found nothing: the wait before the next one, or None: give it up (the
        window is over; it is no longer looked for)."""
        looks = self._looks.get(coid, 0) + 1
        delay = self.policy.delay(looks)
        if delay is None:
            self._looks.pop(coid, None)
        else:
            self._looks[coid] = looks
        return delay

    def done(self, coid: ClientOrderId) -> None:
        """``coid`` is known now (found, or answered some other way)."""
        self._looks.pop(coid, None)
