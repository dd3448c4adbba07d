"""The PortfolioActor keeps every position per strategy beside the market's (each fill
counted for the strategy of its order, a settlement paying out every strategy's share),
reports each strategy's PnL, says which markets the market maker holds, and reserves an
arbitrage basket whole or not at all."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pykka
import pytest

from predmm.actors.clock import ManualClock
from predmm.actors.direct import DirectRef
from predmm.actors.journal.port import NullJournal
from predmm.actors.messages import (
    FillReceived,
    GetExposure,
    GetHeld,
    GetPosition,
    MarkPrice,
    Reserve,
    ReserveBasket,
    Settle,
)
from predmm.actors.portfolio.actor import PortfolioActor
from predmm.actors.status import StatusBoard
from predmm.config.risk import RiskConfig
from predmm.domain.enums import Action, OrderSide, Venue
from predmm.domain.events import Settlement
from predmm.domain.exposure import ReserveRequest
from predmm.domain.ids import ClientOrderId, FillId, MarketId
from predmm.domain.orders import ARBITRAGE, MARKET_MAKING, Fill
from predmm.domain.risk import Terms

D = Decimal
K = MarketId(Venue.KALSHI, "K1")
P = MarketId(Venue.POLYMARKET, "P1")


@pytest.fixture
def board() -> StatusBoard:
    return StatusBoard()


@pytest.fixture
def portfolio(board: StatusBoard) -> Iterator[DirectRef]:
    direct = DirectRef("portfolio")
    ref: pykka.ActorRef[Any] = PortfolioActor.start(
        risk=RiskConfig(max_market_contracts=20),
        clock=ManualClock(),
        journal=NullJournal(),
        direct=direct,
        board=board,
    )
    yield direct
    ref.stop()


def fill(n: int, market: MarketId, side: OrderSide, qty: int, price: str, strategy: str) -> Fill:
    return Fill(
        fill_id=FillId(f"f{n}"),
        market_id=market,
        side=side,
        price=D(price),
        quantity=D(qty),
        client_order_id=ClientOrderId(f"o{n}"),
        strategy=strategy,
    )


def test_positions_and_pnl_per_strategy_and_the_market_makers_holdings(
    portfolio: DirectRef, board: StatusBoard
) -> None:
    portfolio.call(FillReceived(fill=fill(1, K, OrderSide.YES, 10, "0.40", MARKET_MAKING)))
    portfolio.call(FillReceived(fill=fill(2, K, OrderSide.YES, 5, "0.45", ARBITRAGE)))
    portfolio.call(FillReceived(fill=fill(3, P, OrderSide.NO, 5, "0.50", ARBITRAGE)))
    portfolio.call(FillReceived(fill=fill(4, K, OrderSide.NO, 2, "0.58", "")))  # untagged: maker's
    portfolio.call(MarkPrice(market_id=K, yes_price=D("0.50")))
    whole = portfolio.call(GetPosition(market_id=K))
    maker = portfolio.call(GetPosition(market_id=K, strategy=MARKET_MAKING))
    arb = portfolio.call(GetPosition(market_id=K, strategy=ARBITRAGE))
    assert (whole.yes_contracts, maker.yes_contracts, arb.yes_contracts) == (15, 10, 5)
    assert maker.no_contracts == 2
    held = portfolio.call(GetHeld())
    assert held.exposed == {K}  # the maker's: it works them off
    assert held.holding == {K}
    assert held.anyone == {K, P}  # a settlement pays any strategy's
    report = portfolio.call(GetExposure())
    by_name = {s.strategy: s for s in report.strategies}
    # the maker: 10 YES at 0.40 and 2 NO at 0.58, marked at 0.50: +1.00 - 0.16
    assert by_name[MARKET_MAKING].unrealized_pnl == D("0.84")
    assert by_name[ARBITRAGE].contracts == 10
    assert set(board.strategy_positions(ARBITRAGE)) == {K, P}
    portfolio.call(Settle(settlement=Settlement.won(K, OrderSide.YES)))
    after = portfolio.call(GetExposure())
    by_name = {s.strategy: s for s in after.strategies}
    assert by_name[MARKET_MAKING].realized_pnl == D("10") - D("4") - D("1.16")
    assert board.strategy_positions(ARBITRAGE)[K].realized_pnl == D("2.75")  # 5 x (1 - 0.45)
    assert board.strategy_positions(ARBITRAGE)[K].yes_contracts == 0


def reserve(coid: str, market: MarketId, side: OrderSide, qty: int, price: str) -> Reserve:
    terms = Terms(side=side, action=Action.BUY, price=D(price), quantity=D(qty))
    request = ReserveRequest(client_order_id=ClientOrderId(coid), terms=terms)
    return Reserve(market_id=market, event_id=None, requests=(request,))


def test_a_basket_is_reserved_whole_or_not_at_all(portfolio: DirectRef) -> None:
    # 20 contracts a market: 15 + 15 pass, a basket with a leg of 25 does not
    granted = portfolio.call(
        ReserveBasket(
            reserves=(
                reserve("a1", P, OrderSide.NO, 15, "0.5"),
                reserve("a2", K, OrderSide.YES, 15, "0.4"),
            )
        )
    )
    assert [r.granted for r in granted] == [True, True]
    refused = portfolio.call(
        ReserveBasket(
            reserves=(
                reserve("b1", P, OrderSide.NO, 5, "0.5"),
                reserve("b2", K, OrderSide.YES, 25, "0.4"),
            )
        )
    )
    assert [r.granted for r in refused] == [False, False]
    assert all("contracts" in r.reason for r in refused), refused
    # b1's 5 were released with the refusal: 5 more on Polymarket still pass
    (alone,) = portfolio.call(ReserveBasket(reserves=(reserve("c1", P, OrderSide.NO, 5, "0.5"),)))
    assert alone.granted
    report = portfolio.call(GetExposure())
    assert report.reservations == 3
