"""The backtest's portfolio holds reservations only for orders that can still fill: a
quote that fills on the event at which the core amends it leaves nothing reserved once
it is gone (the amend of an order the exposure book already released is refused, not
held for ever)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from predmm.backtest.engine import Replay, ReplayConfig
from predmm.backtest.engine_state import Mkt
from predmm.backtest.fills import TradeThrough
from predmm.backtest.maker import CoreDecider
from predmm.backtest.sources.synthetic import SyntheticL1
from predmm.backtest.testing import ListSource, book, market
from predmm.config.market_making import MarketMakingConfig
from predmm.config.risk import RiskConfig
from predmm.domain.enums import Venue
from predmm.domain.exposure import Answer, ExposureBook, ReserveRequest
from predmm.domain.ids import ClientOrderId

D = Decimal
CONFIG = MarketMakingConfig(
    min_spread=D("0.04"),
    base_spread=D("0.04"),
    skew_price_adjustment_per_10=D(0),
    inventory_spread_multiplier=D(1),
    max_time_to_resolution_hours=24 * 30,
)


class Watched(Replay):
    """A replay that checks, after every decision, that the portfolio reserves only for
    orders the venue still holds (``strays``: those it held for others), and notes the
    amends asked of orders that were gone (``late``: (time, order id, granted))."""

    def __init__(self, source: Any, decider: CoreDecider) -> None:
        super().__init__(source, decider, ReplayConfig(fill_model=TradeThrough()))
        self.strays: set[ClientOrderId] = set()
        self.late: list[tuple[int, str, bool]] = []
        assert self.portfolio is not None
        ask = self.portfolio.answer

        def answer(m: Mkt, requests: tuple[ReserveRequest, ...]) -> tuple[Answer, ...]:
            gone = {str(r.client_order_id) for r in requests if r.replaces} - self._live()
            out = ask(m, requests)
            late = [(str(a.client_order_id), a.granted) for a in out]
            self.late += [(self.now, coid, ok) for coid, ok in late if coid in gone]
            return out

        self.portfolio.answer = answer  # type: ignore[method-assign]

    def _live(self) -> set[str]:
        return {o.tag for m in self.mkts for o in m.orders.values()}

    def _maybe_decide(self, m: Mkt, ts: int) -> None:
        super()._maybe_decide(m, ts)
        assert self.portfolio is not None
        live = {ClientOrderId(tag) for tag in self._live()}
        self.strays |= set(self.portfolio.book.reservations) - live


def test_a_quote_filled_as_it_is_amended_leaves_no_reservation() -> None:
    source = ListSource([market("K", Venue.KALSHI, liquidity=D(1_000_000))])
    source.book(0, book([(0.40, 100)], [(0.55, 100)]))  # quotes: YES 0.40, NO 0.55
    source.book(2_000, book([(0.40, 100)], [(0.55, 100)]))  # the tick of second 2 is taken
    source.book(2_500, book([(0.36, 100)], [(0.62, 100)]))  # YES ask 0.38: ours fills
    replay = Watched(source, CoreDecider(config=CONFIG))
    result = replay.run()
    (fill,) = result.fill_log
    assert (fill.side, fill.price, fill.quantity) == ("yes", D("0.40"), D(10))
    assert replay.late == [(fill.ts, "bt-K-1", False)]  # amended as it filled: refused
    assert replay.strays == set()
    assert replay.portfolio is not None
    assert replay.portfolio.book.reservations == {}  # every order is gone at the end


def test_a_requoting_maker_reserves_only_for_its_live_orders() -> None:
    source = SyntheticL1(ticks=6_000, seed=1)  # bench/backtest_speed.py's workload (b)
    replay = Watched(source, CoreDecider(config=CONFIG))
    result = replay.run()
    assert len(result.fill_log) > 10
    assert len(replay.late) >= 5  # quotes amended as they filled
    assert replay.strays == set()
    assert replay.portfolio is not None
    book, (m,) = replay.portfolio.book, replay.mkts
    assert book.reservations == {}
    book.recompute(m.info.market_id, m.inventory)
    alone = ExposureBook(book.limits)
    alone.recompute(m.info.market_id, m.inventory)  # what the contracts held make
    assert book.market_exp == alone.market_exp


def test_the_orders_the_portfolio_refuses_are_counted_in_the_result() -> None:
    """The strategy's reservations go through the portfolio: a limit that keeps its
    quotes back shows as ``risk_refusals`` in the result (and in ``predmm backtest``'s
    JSON), not as zero."""
    source = ListSource([market("K", Venue.KALSHI, liquidity=D(1_000_000))])
    for i in range(20):
        source.book(i * 1_000, book([(0.40, 100)], [(0.55, 100)]))
    one = D("1")
    tight = RiskConfig(
        max_market_loss=one,
        max_event_loss=one,
        max_venue_loss=one,
        max_total_loss=one,
        reducing_loss=one,
        daily_loss_limit=one,
    )
    settings = ReplayConfig(fill_model=TradeThrough(), risk=tight)
    replay = Replay(source, CoreDecider(config=CONFIG), settings)
    result = replay.run()
    assert result.orders == 0
    assert result.risk_refusals >= 20  # both quotes, asked again at every tick
