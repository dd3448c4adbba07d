"""What the command line keeps beside a running engine: the markets the venues list
(``Catalogue``: kept for the view, journaled when they change), what the run trades with
(``strategy_name``, ``source_of``), and, read at each refresh without asking an actor,
the view's data (``view_data``) and the health probe's answer (``healthz``)."""

from __future__ import annotations

import time
from collections.abc import Sequence

from predmm.actors.journal.messages import MarketInfo
from predmm.actors.journal.port import NullJournal
from predmm.cli.instrument import VenueHealth
from predmm.cli.live.http import health
from predmm.cli.stats import LiveStats
from predmm.cli.view import ViewData
from predmm.domain.enums import TradingState
from predmm.domain.ids import EventId, MarketId
from predmm.domain.market import Market
from predmm.supervisors.engine import TradingEngine


class Catalogue:
    """The markets the venues list, kept for the view and journaled (titles, events,
    ticks, close times) when they change."""

    def __init__(self) -> None:
        self.infos: dict[MarketId, MarketInfo] = {}
        self.engine: TradingEngine | None = None

    def listed(self, markets: Sequence[Market]) -> None:
        engine = self.engine
        if engine is None or isinstance(engine.journal, NullJournal):
            return  # before the journal is open: the next scan lists them again
        changed = []
        for m in markets:
            linked = engine.risk.event_of(m.market_id)
            info = MarketInfo(
                market_id=m.market_id,
                title=m.title,
                event_id=m.event_id,
                linked_event=None if linked is None else EventId(str(linked)),
                tick=min(band.step for band in m.tick.bands),
                close_time=m.close_time,
            )
            if self.infos.get(m.market_id) != info:
                self.infos[m.market_id] = info
                changed.append(info)
        if changed:
            engine.journal.markets(changed)


def healthz(
    engine: TradingEngine, stats: LiveStats, venues: Sequence[VenueHealth], started: float
) -> tuple[bool, str]:
    rec = stats.trading_state
    halted = ""
    if rec is not None and rec.state is TradingState.HALTED:
        halted = f"since {rec.at:%Y-%m-%d %H:%M:%S} UTC: {rec.reason}"
    states = [v.state() for v in venues]
    return health(engine, states, now=time.time(), started=started, halted_since=halted)


def view_data(
    engine: TradingEngine,
    stats: LiveStats,
    venues: Sequence[VenueHealth],
    catalogue: Catalogue,
    started: float,
) -> ViewData:
    snap = engine.snapshot()
    per_market, totals = stats.per_market()
    infos = catalogue.infos
    events = {}
    for m in snap.markets:
        info = infos.get(m.market_id)
        event = engine.risk.event_of(m.market_id) or (info.event_id if info else None)
        if event is not None:
            events[m.market_id] = str(event)
    resting = sum(n for (_, status), n in stats.order_counts.items() if status.may_rest)
    return ViewData(
        snap=snap,
        now=time.time(),
        started=started,
        per_market=per_market,
        totals=totals,
        venues=tuple(v.state() for v in venues),
        titles={m: i.title for m, i in infos.items()},
        ticks={m: i.tick for m, i in infos.items() if i.tick is not None},
        events=events,
        resting=resting if stats.order_counts else None,
    )
