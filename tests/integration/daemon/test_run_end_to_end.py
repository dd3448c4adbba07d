"""``predmm run --duration 20 --seed 7`` on the in-process simulator with flow: the
journal agrees with the exchange's own records, no limit was crossed (per event, over
its outcome scenarios), nothing rests after shutdown, and the events of several
mutually exclusive outcomes (a Kalshi event, a Polymarket neg-risk event) were quoted
and counted as such. Then the quick start's promise: two more ``predmm run`` in the
same folder (real processes) start clean and exit 0, and ``predmm status`` shows the
last."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from predmm.actors.journal.store import Journal
from predmm.cli.daemon import (
    RunOptions,
    embedded_journal,
    embedded_simulator,
    load_run_settings,
    run_with_venues,
)
from predmm.cli.main import cli
from predmm.cli.reports.status import status_report
from predmm.cli.status import live_path
from predmm.cli.venues import EmbeddedRun, from_running_simulator
from predmm.domain.enums import TradingState
from predmm.domain.ids import MarketId
from predmm.simulator.exchange.model import PositionView
from predmm.simulator.plans import EventPlan
from predmm.simulator.testing import running_simulator

PREDMM = str(Path(sys.executable).with_name("predmm"))  # the console script


def _worst_loss(event: EventPlan, held: dict[MarketId, PositionView]) -> Decimal:
    """What the contracts held in ``event`` lose at worst, over its scenarios: each
    outcome happens, or none (unless the event is exhaustive)."""
    scenarios: list[int | None] = list(range(len(event.outcomes)))
    if not event.exhaustive:
        scenarios.append(None)
    worst = Decimal(0)
    for happened in scenarios:
        loss = Decimal(0)
        for k, outcome in enumerate(event.outcomes):
            for market in outcome.markets:
                p = held.get(market)
                if p is not None:
                    loss += p.cost_yes + p.cost_no - (p.yes if k == happened else p.no)
        worst = max(worst, loss)
    return worst


async def test_twenty_seconds_on_the_embedded_exchange_then_two_more_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = EmbeddedRun.starting_now()
    journal = embedded_journal(run)  # what ``predmm run`` does, with the simulator kept here
    opts = RunOptions(duration=20, journal=journal, seed=7, view=False)
    settings = load_run_settings(opts)
    async with running_simulator(seed=7, flow=True, **embedded_simulator()) as running:
        engine = await run_with_venues(opts, settings, from_running_simulator(running, run))
        sim, maker = running.sim, running.sim.maker
        accounts = (maker.kalshi_account, maker.polymarket_account)
        venue_fills = [f for a in accounts for f in sim.exchange.fills(a)]
        resting = [o for a in accounts for o in sim.exchange.open_orders(a)]
        venue_net = {str(p.market_id): p.net for a in accounts for p in sim.exchange.positions(a)}
        venue_orders = [o for a in accounts for o in sim.exchange.orders(a)]
        held = {p.market_id: p for a in accounts for p in sim.exchange.positions(a)}
        universe = sim.universe
        exposure = engine.snapshot().exposure

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

    # no limit crossed: per market, and per event over its outcome scenarios
    cfg, risk = settings.strategy, engine.risk
    for market, net in venue_net.items():
        assert abs(net) <= cfg.max_inventory, market
    for event in universe.events:
        assert _worst_loss(event, held) <= risk.max_event_loss, event.event_id
    assert state is None or state.state is not TradingState.HALTED

    # the exclusive events were quoted, and the portfolio counted each as one event
    exclusive = [e for e in universe.events if len(e.outcomes) > 1]
    quoted = {o.market_id for o in venue_orders}
    assert all(m in quoted for e in exclusive for m in e.markets)
    assert exposure is not None
    events = {e.event_id: set(e.markets) for e in exposure.events}
    fed, match = exclusive  # the Fed's decision (Kalshi, one outcome linked), a football match
    assert {str(m) for m in fed.markets} == events["event:FED-2026-12"]
    [key] = [k for k, markets in events.items() if str(match.markets[0]) in markets]
    assert {str(m) for m in match.markets} == events[key]

    # what the operator reads afterwards
    report = status_report(journal)
    assert report["fill_count"] == len(journaled)
    assert live_path(journal).exists()
    assert report["quality"]["totals"]["quoted_quantity"] != "0"
    assert report["daemon"]["running"] is False

    # the quick start again, twice, in the same folder: a new paper world each time
    for _ in range(2):
        done = subprocess.run(
            [PREDMM, "run", "--duration", "1", "--no-view"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-3000:]
    journals = sorted(tmp_path.glob("predmm-sim/*/predmm.sqlite3"))
    assert journals[0].samefile(journal)
    assert len(journals) == 3
    shown = CliRunner().invoke(cli, ["status", "--json"])  # no --journal: the last run's
    assert shown.exit_code == 0, shown.output
    last = json.loads(shown.output)
    assert Path(last["journal"]).resolve() == journals[-1]
    assert last["open_orders"] == []
    assert last["last_run"]["stop_reason"] == "duration of 1 s reached"  # ops: why it stopped
    assert last["daemon"]["running"] is False
