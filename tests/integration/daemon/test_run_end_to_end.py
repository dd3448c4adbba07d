"""``predmm run --duration 20 --seed 7`` on the in-process simulator with flow: the
journal agrees with the exchange's own records, no limit was crossed, nothing rests
after shutdown."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from predmm.actors.journal.store import Journal
from predmm.cli.daemon import RunOptions, embedded_simulator, load_run_settings, run_with_venues
from predmm.cli.reports.status import status_report
from predmm.cli.status import live_path
from predmm.cli.venues import from_running_simulator
from predmm.domain.enums import TradingState
from predmm.domain.ids import MarketId
from predmm.simulator.testing import running_simulator


async def test_twenty_seconds_on_the_embedded_exchange(tmp_path):
    journal = tmp_path / "predmm.sqlite3"
    opts = RunOptions(duration=20, journal=journal, seed=7, view=False)
    settings = load_run_settings(opts)
    async with running_simulator(seed=7, flow=True, **embedded_simulator()) as running:
        engine = await run_with_venues(opts, settings, from_running_simulator(running))
        sim, maker = running.sim, running.sim.maker
        accounts = (maker.kalshi_account, maker.polymarket_account)
        venue_fills = [f for a in accounts for f in sim.exchange.fills(a)]
        resting = [o for a in accounts for o in sim.exchange.open_orders(a)]
        venue_net = {str(p.market_id): p.net for a in accounts for p in sim.exchange.positions(a)}
        venue_orders = [o for a in accounts for o in sim.exchange.orders(a)]

    assert resting == []  # shutdown cancelled everything
    with Journal.open_read_only(journal) as reader:
        journaled = [jf.fill for jf in reader.fills() if not jf.is_reversed]
        journal_net = {str(m): reader.inventory(m).net_position for m in reader.market_ids()}
        orders = reader.orders()
        assert reader.open_orders() == []
        state = reader.trading_state()

    # every fill of ours on the exchange is journaled once, and nothing else is
    def key(market_id: object, side: object, qty: Decimal) -> tuple[str, str, Decimal]:
        return str(market_id), str(side), qty

    assert Counter(key(f.market_id, f.side, f.quantity) for f in venue_fills) == Counter(
        key(f.market_id, f.side, f.quantity) for f in journaled
    )
    for market, net in venue_net.items():
        assert journal_net.get(market, Decimal(0)) == net, market
    # quoting happened; the venue holds no order the journal does not know, and never two
    # orders for one intent (a submit lost to a timeout may be journaled and never arrive)
    assert venue_orders
    assert len(venue_orders) <= len(orders)
    venue_coids = [o.client_order_id for o in venue_orders if o.client_order_id is not None]
    assert venue_coids  # Kalshi echoes our client order ids
    assert len(set(venue_coids)) == len(venue_coids)
    assert set(venue_coids) <= {o.client_order_id for o in orders}
    venue_ids = {o.order_id for o in venue_orders}
    assert {o.venue_order_id for o in orders if o.venue_order_id is not None} <= venue_ids
    assert venue_fills  # the busy embedded tape trades with us within 20 s

    # no limit crossed: per market and per linked event
    cfg, risk = settings.strategy, engine.risk
    for market, net in venue_net.items():
        assert abs(net) <= cfg.max_inventory, market
    per_event: Counter[str] = Counter()
    for market, net in venue_net.items():
        event = risk.event_of(MarketId.parse(market))
        per_event[str(event or market)] += int(net)
    assert all(abs(v) <= risk.max_event_contracts for v in per_event.values())
    assert state is None or state.state is not TradingState.HALTED

    # what the operator reads afterwards
    report = status_report(journal)
    assert report["fill_count"] == len(journaled)
    assert live_path(journal).exists()
    assert report["quality"]["totals"]["quoted_quantity"] != "0"
