"""The soak's verdict, from the venues' own records (the simulator's exchange, read
directly) against the daemon's journal, once the last daemon has stopped:

* fills: every fill the exchange made for the maker is journaled exactly once (by the
  id each venue gives it: Kalshi's fill id; Polymarket's trade id when we took, the trade
  id and our maker order's id when we made), and the journal holds no other;
* orders: every order the exchange accepted from the maker (but an immediate one that
  matched nothing: refused, as far as its client is told) has a journal row (by client
  order id, or by the venue's id: Polymarket keeps no client order id), closed; none
  the journal gave up on (REJECTED) rested or filled; no journal row stands for two
  venue orders; none rests;
* positions: each market's net contracts (YES - NO) on the venue equal the journal's
  (a settled market's are zero on both);
* settlements: the markets the venue paid the maker out in (holding more of one side
  than of the other: Kalshi nets YES/NO pairs into cash at once, the journal keeps
  them) are those the journal settled, with the same outcome and net contracts;
* cash: each venue's cash equals the journal's account of it (the starting cash, each
  fill's price and fee, each settlement's payout; on Kalshi also the YES/NO pairs of
  unsettled markets, which the venue nets into cash at once), plus the liquidity rewards
  and rebates the venue paid (its own records; the journal estimates them, it holds no
  cash for them).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

import attrs

from predmm.actors.journal.store import Journal
from predmm.domain.enums import Action, MarketStatus, OrderSide, OrderStatus, TimeInForce, Venue
from predmm.domain.ids import MarketId
from predmm.domain.orders import Order
from predmm.simulator import Simulator
from predmm.simulator.exchange.model import AccountId, FillRecord, OrderRecord

ZERO = Decimal(0)


def venue_fill_key(venue: Venue, fill: FillRecord) -> tuple[Venue, str]:
    if venue is Venue.KALSHI:
        return venue, str(fill.fill_id)
    trade = str(fill.trade_id)
    return venue, trade if fill.is_taker else f"{trade}:{fill.order_id}"


@attrs.frozen(kw_only=True)
class Audit:
    venue_fills: int
    journal_fills: int
    lost_fills: tuple[str, ...]
    phantom_fills: tuple[str, ...]
    duplicate_fills: int
    venue_orders: int
    orphans: tuple[str, ...]  # venue orders no journal row stands for
    resting: tuple[str, ...]  # venue orders resting after the daemon stopped
    open_in_journal: tuple[str, ...]  # journal rows not closed after it stopped
    given_up_taken: tuple[str, ...]  # REJECTED in the journal, rested or filled on the venue
    duplicate_orders: tuple[str, ...]  # one journal row for several venue orders
    position_mismatches: tuple[str, ...]
    venue_settlements: int
    journal_settlements: int
    settlement_mismatches: tuple[str, ...]
    cash_mismatches: tuple[str, ...]
    corrections: int

    @property
    def failures(self) -> dict[str, tuple[str, ...]]:
        """Every finding that fails the soak, by kind (empty: it passed)."""
        found = {
            "lost fills": self.lost_fills,
            "fills the venue never made": self.phantom_fills,
            "orphan orders": self.orphans,
            "orders resting after shutdown": self.resting,
            "journal orders left open": self.open_in_journal,
            "orders given up that the venue took": self.given_up_taken,
            "duplicate orders": self.duplicate_orders,
            "position mismatches": self.position_mismatches,
            "settlement mismatches": self.settlement_mismatches,
            "cash mismatches": self.cash_mismatches,
        }
        if self.duplicate_fills:
            found["fills journaled twice"] = (str(self.duplicate_fills),)
        return {k: v for k, v in found.items() if v}


def audit(sim: Simulator, accounts: dict[Venue, AccountId], journal: Path, cash: Decimal) -> Audit:
    with Journal.open_read_only(journal) as reader, reader.snapshot():
        fills = _fills(sim, accounts, reader)
        orders = _orders(sim, accounts, reader)
        positions = tuple(_positions(sim, accounts, reader))
        settlements = _settlements(sim, accounts, reader)
        cash_found = tuple(_cash(sim, accounts, reader, cash))
        corrections = len(reader.corrections())
    return Audit(
        **fills,
        **orders,
        position_mismatches=positions,
        **settlements,
        cash_mismatches=cash_found,
        corrections=corrections,
    )


def _fills(sim: Simulator, accounts: dict[Venue, AccountId], reader: Journal) -> dict[str, object]:
    on_venue = {venue_fill_key(v, f) for v, a in accounts.items() for f in sim.exchange.fills(a)}
    journaled = Counter((jf.venue, str(jf.fill.fill_id)) for jf in reader.fills())
    counted = {(jf.venue, str(jf.fill.fill_id)) for jf in reader.fills() if not jf.is_reversed}
    return {
        "venue_fills": len(on_venue),
        "journal_fills": len(counted),
        "lost_fills": tuple(sorted(f"{v.value}:{i}" for v, i in on_venue - counted)),
        "phantom_fills": tuple(sorted(f"{v.value}:{i}" for v, i in counted - on_venue)),
        "duplicate_fills": sum(n - 1 for n in journaled.values() if n > 1),
    }


def _orders(sim: Simulator, accounts: dict[Venue, AccountId], reader: Journal) -> dict[str, object]:
    rows = reader.orders()
    by_coid = {o.client_order_id: o for o in rows}
    by_vid = {o.venue_order_id: o for o in rows if o.venue_order_id is not None}
    venue_orders = [
        o for a in accounts.values() for o in sim.exchange.orders(a) if not _never_was(o)
    ]
    orphans: list[str] = []
    taken: list[str] = []
    rows_of: Counter[str] = Counter()
    for order in venue_orders:
        row = _row(order, by_coid, by_vid)
        if row is None:
            orphans.append(_describe(order))
            continue
        rows_of[str(row.client_order_id)] += 1
        rested = order.time_in_force in (TimeInForce.GTC, TimeInForce.GTD)
        if row.status is OrderStatus.REJECTED and (rested or order.filled_quantity > 0):
            taken.append(f"{_describe(order)} journaled {row.client_order_id} REJECTED")
    return {
        "venue_orders": len(venue_orders),
        "orphans": tuple(orphans),
        "resting": tuple(
            _describe(o) for a in accounts.values() for o in sim.exchange.open_orders(a)
        ),
        "open_in_journal": tuple(str(o.client_order_id) for o in rows if not o.status.is_terminal),
        "given_up_taken": tuple(taken),
        "duplicate_orders": tuple(sorted(c for c, n in rows_of.items() if n > 1)),
    }


def _never_was(order: OrderRecord) -> bool:
    """An immediate order that matched nothing: the venue answered that it was refused
    (Polymarket: "no orders found to match with FAK order"), nothing ever rested."""
    immediate = order.time_in_force in (TimeInForce.IOC, TimeInForce.FOK)
    return immediate and order.filled_quantity == 0


def _row(
    order: OrderRecord, by_coid: dict[object, Order], by_vid: dict[object, Order]
) -> Order | None:
    found = by_coid.get(order.client_order_id) if order.client_order_id else None
    return found if found is not None else by_vid.get(order.order_id)


def _describe(order: OrderRecord) -> str:
    return (
        f"{order.market_id} {order.action.value} {order.side.value} {order.quantity}"
        f"@{order.price} {order.time_in_force.value} {order.status.value}"
        f" filled {order.filled_quantity} (venue {order.order_id}, client {order.client_order_id})"
    )


def _markets(sim: Simulator, accounts: dict[Venue, AccountId], reader: Journal) -> set[MarketId]:
    held = {p.market_id for a in accounts.values() for p in sim.exchange.positions(a)}
    return held | set(reader.market_ids())


def _positions(sim: Simulator, accounts: dict[Venue, AccountId], reader: Journal) -> Iterable[str]:
    venue = {
        p.market_id: p.yes - p.no for a in accounts.values() for p in sim.exchange.positions(a)
    }
    for market in sorted(_markets(sim, accounts, reader), key=str):
        mine = reader.inventory(market)
        net = mine.yes_contracts - mine.no_contracts
        if venue.get(market, ZERO) != net:
            yield f"{market}: venue {venue.get(market, ZERO)}, journal {net}"


def _settlements(
    sim: Simulator, accounts: dict[Venue, AccountId], reader: Journal
) -> dict[str, object]:
    """The venue's record of each settlement holds the contracts held when it settled;
    the journal's, those its fills had told by then (a fill made before the resolution
    may be told after it: it is paid out then too). So the journal's side is its fills'
    net and its settlement's outcome."""
    paid = {
        s.market_id: s
        for a in accounts.values()
        for s in sim.exchange.settlements(a)
        if s.yes != s.no
    }
    outcome = {s.market_id: s.outcome for s in reader.settlements()}
    net = _fill_nets(reader)
    settled = {m for m in outcome if net.get(m, ZERO) != 0}
    wrong: list[str] = []
    for market in sorted(set(paid) | settled, key=str):
        v, mine = paid.get(market), (outcome.get(market), net.get(market, ZERO))
        theirs = (v.result.value, v.yes - v.no) if v is not None else (None, ZERO)
        if theirs != mine:
            wrong.append(f"{market}: venue {theirs}, journal {mine}")
    return {
        "venue_settlements": len(paid),
        "journal_settlements": len(settled),
        "settlement_mismatches": tuple(wrong),
    }


def _fill_nets(reader: Journal) -> dict[MarketId, Decimal]:
    """Each market's YES - NO bought and sold, over its journaled fills."""
    nets: dict[MarketId, Decimal] = {}
    for jf in reader.fills():
        if jf.is_reversed:
            continue
        f = jf.fill
        signed = (
            f.quantity if (f.side is OrderSide.YES) == (f.action is Action.BUY) else -f.quantity
        )
        nets[f.market_id] = nets.get(f.market_id, ZERO) + signed
    return nets


def _cash(
    sim: Simulator, accounts: dict[Venue, AccountId], reader: Journal, start: Decimal
) -> Iterable[str]:
    settled = {s.market_id: s.payout for s in reader.settlements()}
    for venue, account in accounts.items():
        cash = start
        for jf in reader.fills():
            f = jf.fill
            if jf.is_reversed or f.market_id.venue is not venue:
                continue
            notional = f.quantity * f.price
            cash += (-notional if f.action is Action.BUY else notional) - f.fee
        cash += sum((p for m, p in settled.items() if m.venue is venue), ZERO)
        if venue is Venue.KALSHI:
            cash += sum(
                (
                    min(inv.yes_contracts, inv.no_contracts)
                    for m in reader.market_ids()
                    if m.venue is venue and sim.exchange.status(m) is not MarketStatus.SETTLED
                    for inv in (reader.inventory(m),)
                ),
                ZERO,
            )
        # the venue's liquidity rewards and rebates, paid at UTC midnight by its own records:
        # money outside trading, which the journal estimates but does not hold as cash
        cash += sum((p.paid for p in sim.rewards.payments if p.account_id == account), ZERO)
        on_venue = sim.exchange.balance(account).cash
        if on_venue != cash:
            yield f"{venue.value}: venue {on_venue}, journal {cash} ({on_venue - cash:+})"
