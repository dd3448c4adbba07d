"""Restart policy of the MarketSupervisor, pure: a restart budget (OTP's intensity within
a period) and exponential backoff with jitter (Akka's ``BackoffSupervisor``):

    delay(n) = min(max_backoff, min_backoff * 2**n) * (1 + u * random_factor),  u in [0, 1)

where ``n`` counts the failures still inside the period before this one. A market whose
failures inside the period exceed ``intensity`` is quarantined, not escalated: the other
markets go on.
"""

from __future__ import annotations

import random

import attrs

from predmm.domain.errors import ConfigError


def _non_negative(inst: object, attribute: attrs.Attribute[float], value: float) -> None:
    if value < 0:
        raise ConfigError(f"{attribute.name} = {value}: must not be negative")


@attrs.frozen(kw_only=True)
class RestartPolicy:
    intensity: int = 3  # restarts allowed inside one period
    period: float = attrs.field(default=60.0, validator=_non_negative)
    min_backoff: float = attrs.field(default=0.5, validator=_non_negative)
    max_backoff: float = attrs.field(default=30.0, validator=_non_negative)
    random_factor: float = attrs.field(default=0.2, validator=_non_negative)

    def __attrs_post_init__(self) -> None:
        if self.intensity < 0:
            raise ConfigError(f"intensity = {self.intensity}: must not be negative")
        if self.min_backoff > self.max_backoff:
            raise ConfigError(
                f"min_backoff = {self.min_backoff} must not exceed max_backoff = {self.max_backoff}"
            )


def backoff_delay(policy: RestartPolicy, attempt: int, u: float) -> float:
    """Seconds before restart number ``attempt`` (0 = first), ``u`` uniform in [0, 1)."""
    if policy.min_backoff == 0:
        base = 0.0
    else:
        exponent = min(max(attempt, 0), 62)  # 2**62 * anything positive passes any cap
        base = min(policy.max_backoff, policy.min_backoff * float(2**exponent))
    return base * (1.0 + u * policy.random_factor)


@attrs.frozen
class Decision:
    restart: bool  # False: quarantine
    delay: float
    failures: tuple[float, ...]  # failure times still inside the period, this one included


def on_failure(
    policy: RestartPolicy, failures: tuple[float, ...], now: float, rng: random.Random
) -> Decision:
    """What to do about a failure at ``now`` given earlier failure times."""
    recent = (*tuple(t for t in failures if now - t < policy.period), now)
    if len(recent) > policy.intensity:
        return Decision(False, 0.0, recent)
    return Decision(True, backoff_delay(policy, len(recent) - 1, rng.random()), recent)
