"""Another trader's book on a simulator market, and a taker who sweeps it: what makes a
paper market maker's resting bid fill (the trades go through its price)."""

from __future__ import annotations

from decimal import Decimal

from predmm.domain.enums import OrderSide, TimeInForce, Venue
from predmm.domain.ids import MarketId
from predmm.simulator import Simulator, Trader
from predmm.simulator.exchange import AccountId

D = Decimal
YES, NO = OrderSide.YES, OrderSide.NO
BIDS = ("0.40", "0.39", "0.38", "0.37", "0.36", "0.35")  # YES bids, 10 each
DEEP_BID = D("0.20")  # below every sweep: the book stays two-sided after one


def first_market(sim: Simulator, venue: Venue) -> MarketId:
    return next(s.market_id for s in sim.universe.specs if s.market_id.venue is venue)


def account_of(trader: Trader, market_id: MarketId) -> AccountId:
    return trader.kalshi_account if market_id.venue is Venue.KALSHI else trader.polymarket_account


def seed_book(sim: Simulator, market_id: MarketId, *, deep: bool = True) -> None:
    """YES bids from 0.40 down to 0.35 (and one deep at 0.20), a YES ask at 0.45."""
    account = account_of(sim.create_trader(f"book-{market_id.symbol[:8]}"), market_id)
    for price in BIDS:
        sim.exchange.place_order(account, market_id, YES, D(price), D(10))
    sim.exchange.place_order(account, market_id, NO, D("0.55"), D(10))
    if deep:
        add_deep_bid(sim, market_id)


def add_deep_bid(sim: Simulator, market_id: MarketId) -> None:
    """A YES bid at 0.20 (of 5: Polymarket's smallest order), out of every sweep's way."""
    account = account_of(sim.create_trader(f"deep-{market_id.symbol[:8]}"), market_id)
    sim.exchange.place_order(account, market_id, YES, DEEP_BID, D(5))


def sweep_bids(sim: Simulator, market_id: MarketId) -> None:
    """Someone sells 60 YES down to 0.35: trades at and through every bid above it."""
    account = account_of(sim.create_trader(f"taker-{market_id.symbol[:8]}"), market_id)
    sim.exchange.place_order(
        account, market_id, NO, D("0.65"), D(60), time_in_force=TimeInForce.IOC
    )
