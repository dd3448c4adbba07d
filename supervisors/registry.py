"""What the TradingEngine's ``register_strategy`` decides, apart from the engine.

The engine runs every strategy registered (``Registry``), each on the venues it was
registered for (all of them unless ``venues=`` says otherwise):

* **market makers** (a ``MarketMakingStrategy``, or a bare ``MarketMakingConfig``): one per
  venue at most. Their config reaches the MarketActors of their venues
  (``maker_configs``); two market makers on one venue are refused (they would trade with
  each other), so a second registration never silently replaces the first. With no
  strategy registered at all, the engine market-makes every venue with the config it was
  built with, as before; once any is, it runs exactly those registered.
* **every other strategy** (``strategies.base.Strategy``: an ``ArbitrageStrategy``, or a
  strategy of your own): its signals are executed by the engine's executor
  (``actors.executor``), strongest first across strategies, as immediate orders.

Every order, fill, position and PnL is attributed to a strategy by name
(``Order.strategy``): the market makers share ``market_making`` (a market has one, its
venue's); the others need names of their own. A registered strategy reads the engine's
live inventory of its own orders (``live_inventory``), from the status board, without
asking an actor. Paper mode: a paper config makes the engine paper; a live market-making
config after a paper one is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from predmm.actors.status import StatusBoard
from predmm.config.arbitrage import ArbitrageConfig
from predmm.config.market_making import MarketMakingConfig
from predmm.domain.enums import Venue
from predmm.domain.errors import ConfigError
from predmm.domain.ids import MarketId
from predmm.domain.orders import MARKET_MAKING
from predmm.strategies.arbitrage import ArbitrageStrategy
from predmm.strategies.base import Strategy
from predmm.strategies.inventory import InventoryTracker
from predmm.strategies.market_making import MarketMakingStrategy

ALL_VENUES = frozenset({Venue.KALSHI, Venue.POLYMARKET})


@attrs.frozen
class Registration:
    """One registered strategy: its attribution ``name`` and the ``venues`` it trades."""

    strategy: Any
    name: str
    venues: frozenset[Venue]

    @property
    def is_maker(self) -> bool:
        return self.name == MARKET_MAKING


class Registry:
    """The strategies registered with one engine, in registration order."""

    def __init__(self) -> None:
        self.makers: list[Registration] = []
        self.others: list[Registration] = []

    def register(self, strategy: Any, venues: Iterable[Venue] | None, paper: bool) -> Registration:
        """Check ``strategy`` and add it; ``paper``: the engine is paper already."""
        scope = ALL_VENUES if venues is None else frozenset(_venue(v) for v in venues)
        if not scope:
            raise ConfigError(f"{_label(strategy)}: venues is empty; give at least one venue")
        if isinstance(strategy, MarketMakingConfig):
            strategy = MarketMakingStrategy(config=strategy)
        if isinstance(strategy, MarketMakingStrategy):
            return self._maker(strategy, scope, paper)
        return self._other(strategy, scope)

    def _maker(
        self, strategy: MarketMakingStrategy, venues: frozenset[Venue], paper: bool
    ) -> Registration:
        config = strategy.config
        if paper and not config.paper_mode:
            raise ConfigError(
                "a paper config (paper_mode = true) is registered: a live config after it"
                " would send real orders; build a new TradingEngine to trade live"
            )
        for prior in self.makers:
            both = sorted(v.value for v in prior.venues & venues)
            if both:
                raise ConfigError(
                    f"a MarketMakingStrategy already quotes {', '.join(both)}: two market makers"
                    " on one venue would trade with each other; register each for its own"
                    " venues (register_strategy(mm, venues={Venue.POLYMARKET}))"
                )
        registration = Registration(strategy, MARKET_MAKING, venues)
        self.makers.append(registration)
        return registration

    def _other(self, strategy: Any, venues: frozenset[Venue]) -> Registration:
        missing = [
            name
            for name in ("name", "priority", "config", "signals", "get_inventory_status")
            if not hasattr(strategy, name)
        ]
        if missing or not isinstance(strategy, Strategy):
            missing = missing or ["attach_live_inventory"]
            raise ConfigError(
                f"{_label(strategy)} is not a strategy: it lacks {', '.join(missing)}"
                " (strategies.base.Strategy says what a strategy provides)"
            )
        name = str(strategy.name)
        taken = {r.name for r in self.others} | {MARKET_MAKING}
        if not name or name in taken:
            raise ConfigError(
                f"{_label(strategy)}: a strategy named {name!r} is registered already (or the"
                " name is the market maker's): every order is attributed by name; give it"
                " another name"
            )
        registration = Registration(strategy, name, venues)
        self.others.append(registration)
        return registration

    def maker_configs(
        self, venues: Iterable[Venue], default: MarketMakingConfig
    ) -> dict[Venue, MarketMakingConfig]:
        """Each venue's market-making config: its market maker's, or ``default`` for every
        venue while no strategy at all is registered; a venue none covers has none (an
        engine of other strategies alone makes no market)."""
        if not self.makers and not self.others:
            return dict.fromkeys(venues, default)
        return {v: r.strategy.config for v in venues for r in self.makers if v in r.venues}

    def configs(self) -> list[Any]:
        """Every registered strategy's config."""
        return [r.strategy.config for r in (*self.makers, *self.others)]


def _venue(value: Any) -> Venue:
    try:
        return value if isinstance(value, Venue) else Venue(str(value).lower())
    except ValueError:
        names = ", ".join(v.value for v in Venue if v is not Venue.PAPER)
        raise ConfigError(f"venues: unknown venue {value!r}; expected {names}") from None


def _label(strategy: Any) -> str:
    return type(strategy).__name__


def register_settings(
    engine: Any,
    strategy: MarketMakingConfig,
    per_venue: Mapping[Venue, MarketMakingConfig],
    arbitrage: ArbitrageConfig | None,
    venues: Iterable[Venue],
) -> None:
    """What a settings file asks the ``engine`` to run: a market maker per venue where
    ``[strategy.venues.<venue>]`` changes some keys (the others share ``strategy``), and
    the arbitrageur when ``[arbitrage]`` is given."""
    if per_venue or arbitrage is not None:
        rest = frozenset(venues) - per_venue.keys()
        if rest:
            engine.register_strategy(MarketMakingStrategy(config=strategy), venues=rest)
        for venue, config in per_venue.items():
            engine.register_strategy(MarketMakingStrategy(config=config), venues={venue})
    if arbitrage is not None:
        engine.register_strategy(ArbitrageStrategy(config=arbitrage))


def live_inventory(
    board: StatusBoard, strategy: str, venues: frozenset[Venue], max_inventory: int
) -> dict[MarketId, InventoryTracker]:
    """Copies of the PortfolioActor's positions of ``strategy`` on ``venues``, as it last
    published them (on every change); no actor is asked."""
    return {
        market_id: InventoryTracker(
            market_id=market_id,
            yes_contracts=p.yes_contracts,
            no_contracts=p.no_contracts,
            avg_yes_price=p.avg_yes_price,
            avg_no_price=p.avg_no_price,
            realized_pnl=p.realized_pnl,
            fees_paid=p.fees_paid,
            max_inventory=max_inventory,
        )
        for market_id, p in board.strategy_positions(strategy).items()
        if market_id.venue in venues
    }


def max_inventory_of(configs: Mapping[Venue, MarketMakingConfig], venues: Iterable[Venue]) -> int:
    """The ``max_inventory`` a strategy's trackers report their skew against."""
    found = [configs[v].max_inventory for v in venues if v in configs]
    return max(found, default=MarketMakingConfig().max_inventory)
