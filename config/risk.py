"""``RiskConfig``: the operator's limits, enforced by the PortfolioActor before any order
leaves the process.

Exposure is measured as the *worst case*: every resting order that could make things
worse is assumed to fill, every one that could help is assumed not to.

* contracts: the directional net contracts of a market (YES minus NO, or NO minus YES),
  and of a real-world event across both venues (the most that one of its scenarios pays
  beyond another);
* dollars: the worst-case loss at resolution, over the event's outcome scenarios (a YES
  pays $1 if its outcome happens). ``domain.outcomes`` says how events are made.

An ``EventLink`` is one outcome: the markets that list the same question on each venue,
so a YES on Kalshi and a NO on Polymarket of it hedge each other. ``event_id`` names the
real-world event; links that share an ``event_id`` are different, mutually exclusive
outcomes of it, and each names its ``outcome``. A linked market's venue event (the other
markets of a Kalshi event, of a Polymarket neg-risk event) joins the same real-world
event.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

from predmm.config.market_making import evolve_hint, to_decimal
from predmm.domain.errors import ConfigError
from predmm.domain.ids import EventId, MarketId


def _positive(inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or value <= 0:
        raise ConfigError(f"{attribute.name} = {value}: must be greater than 0")


def _dec(default: str) -> Any:
    return attrs.field(default=Decimal(default), converter=_to_decimal, validator=_positive)


def _to_decimal(value: Any) -> Decimal:
    try:
        return to_decimal(value)
    except TypeError as exc:
        raise ConfigError(str(exc)) from None


def _int(default: int) -> Any:
    return attrs.field(default=default, validator=[_is_int, _positive])


def _is_int(inst: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{attribute.name} = {value!r}: must be an integer")


def _market_ids(value: Any) -> tuple[MarketId, ...]:
    items = (value,) if isinstance(value, str | MarketId) else tuple(value)
    out: list[MarketId] = []
    for item in items:
        try:
            out.append(item if isinstance(item, MarketId) else MarketId.parse(str(item)))
        except ValueError as exc:
            raise ConfigError(f"event link market {item!r}: {exc}") from None
    return tuple(out)


def _event_id(value: Any) -> EventId:
    if isinstance(value, EventId):
        return value
    if not isinstance(value, str) or not value:
        raise ConfigError(f"event link event_id = {value!r}: must be a non-empty string")
    return EventId(value)


def _outcome(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"event link outcome = {value!r}: must be a non-empty string")
    return value


@attrs.frozen(kw_only=True)
class EventLink:
    """One outcome of a real-world event: the markets that list it on every venue
    (``"kalshi:TICKER"``), named ``outcome`` when the event has others."""

    event_id: EventId = attrs.field(converter=_event_id)
    markets: tuple[MarketId, ...] = attrs.field(converter=_market_ids)
    outcome: str | None = attrs.field(default=None, converter=_outcome)

    def __attrs_post_init__(self) -> None:
        if not self.markets:
            raise ConfigError(f"event link {self.event_id}: markets must not be empty")
        if len(set(self.markets)) != len(self.markets):
            raise ConfigError(f"event link {self.event_id}: markets = {self.markets} repeats one")

    def __str__(self) -> str:
        what = f"{self.event_id} ({self.outcome})" if self.outcome else str(self.event_id)
        return what


def _links(value: Any) -> tuple[EventLink, ...]:
    links = tuple(
        v if isinstance(v, EventLink) else EventLink(**_link_fields(v)) for v in value or ()
    )
    seen: dict[MarketId, EventLink] = {}
    for link in links:
        for market in link.markets:
            other = seen.setdefault(market, link)
            if other is not link:
                raise ConfigError(
                    f"event_links: market {market} is linked to both {other} and {link}: "
                    "a market is one outcome"
                )
    _outcomes_named(links)
    return links


def _outcomes_named(links: tuple[EventLink, ...]) -> None:
    """Links sharing an ``event_id`` are different outcomes: each must be named, once."""
    by_event: dict[EventId, list[EventLink]] = {}
    for link in links:
        by_event.setdefault(link.event_id, []).append(link)
    for event_id, same in by_event.items():
        if len(same) < 2:
            continue
        if any(link.outcome is None for link in same):
            raise ConfigError(
                f"event_links: event_id {event_id} has {len(same)} entries: they are "
                'different outcomes of it, so each needs its outcome = "..." (markets '
                "that are the same outcome go in one entry)"
            )
        names = [link.outcome for link in same]
        repeated = sorted({n for n in names if names.count(n) > 1 and n is not None})
        if repeated:
            raise ConfigError(
                f"event_links: event_id {event_id} names outcome {repeated[0]!r} twice "
                "(markets that are the same outcome go in one entry)"
            )


LINK_KEYS = frozenset({"event_id", "markets", "outcome"})


def _link_fields(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or not {"event_id", "markets"} <= set(value) <= LINK_KEYS:
        raise ConfigError(
            f"event_links entry {value!r}: expected keys event_id, markets and, optionally, outcome"
        )
    return value


@evolve_hint
@attrs.frozen(kw_only=True)
class RiskConfig:
    """Limits of the PortfolioActor. Dollars are Decimal, contracts integers."""

    # one market: contracts per side held plus resting buys, and its worst-case loss
    max_market_contracts: int = _int(100)
    max_market_loss: Decimal = _dec("100")
    # one real-world event across both venues
    max_event_contracts: int = _int(150)
    max_event_loss: Decimal = _dec("150")
    # one venue, and everything
    max_venue_loss: Decimal = _dec("1000")
    max_total_loss: Decimal = _dec("1500")
    # the day's PnL (realized + unrealized since the day began)
    reducing_loss: Decimal = _dec("200")  # past this loss: only reducing orders pass
    daily_loss_limit: Decimal = _dec("300")  # past this loss: HALTED, everything cancelled
    event_links: tuple[EventLink, ...] = attrs.field(default=(), converter=_links)
    _index: dict[MarketId, EventId] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        index = {m: link.event_id for link in self.event_links for m in link.markets}
        object.__setattr__(self, "_index", index)
        _not_above(self, "max_market_loss", "max_event_loss")
        _not_above(self, "max_event_loss", "max_total_loss")
        _not_above(self, "max_venue_loss", "max_total_loss")
        _not_above(self, "reducing_loss", "daily_loss_limit")

    def event_of(self, market_id: MarketId) -> EventId | None:
        """The linked event of ``market_id``, if the config links it (the venues' events
        join it too: the PortfolioActor's ``ExposureReport`` has the whole of each)."""
        return self._index.get(market_id)


def _not_above(cfg: RiskConfig, low: str, high: str) -> None:
    a, b = getattr(cfg, low), getattr(cfg, high)
    if a > b:
        raise ConfigError(f"{low} = {a} must not exceed {high} = {b}")


def risk_config_from_dict(data: dict[str, Any], source: str = "<risk>") -> RiskConfig:
    """A RiskConfig from parsed TOML; errors name ``source``, the key and the value."""
    known = {f.name for f in attrs.fields(RiskConfig)}
    for key, value in data.items():
        if key not in known:
            raise ConfigError(f"{source}: unknown key {key!r} (value {value!r})")
    try:
        return RiskConfig(**data)
    except (ConfigError, TypeError, ValueError) as exc:
        raise ConfigError(f"{source}: {exc}") from None
