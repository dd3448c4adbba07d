"""The reports once a market resolved: its settlement (journaled by the portfolio) values
what it held at the payout, a YES at 1 or 0 and a NO at the rest, in ``status``, ``pnl``
by market and by day, whatever mark the daemon last quoted around; ``status`` gives
today's PnL as the loss limits count it, from the day's journaled baseline; and it shows
what the rest of the daemon journals and publishes: PAPER first for a paper run (the
summary too), the core actors' failures, the corrections by reconciliation, the markets
not quoted for a disputed position and each event's worst outcome scenario."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from predmm.actors.journal.store import Journal
from predmm.cli.main import cli
from predmm.cli.reports.status import status_report
from predmm.domain import Fill, FillId, MarketId, OrderSide, Venue
from predmm.domain.events import Settlement
from predmm.strategies.day_loss import DayBaseline, DayHolding
from predmm.strategies.fills import settle

D = Decimal
T0 = datetime(2026, 12, 6, 9, tzinfo=UTC)
WON = MarketId(Venue.KALSHI, "KXFEDDECISION-26DEC-C25")
LOST = MarketId(Venue.KALSHI, "KXFEDDECISION-26DEC-H0")


def _buy(fill_id: str, market: MarketId, side: OrderSide, price: str, minute: int) -> Fill:
    return Fill(
        fill_id=FillId(fill_id),
        market_id=market,
        side=side,
        price=D(price),
        quantity=D(10),
        ts=T0 + timedelta(minutes=minute),
    )


@pytest.fixture(scope="module")
def journal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """10 YES of WON at 0.40 and 10 YES of LOST at 0.30, marked 0.45 and 0.35; then the
    outcome WON happens (WON pays 1, LOST 0) at 11:00."""
    path = tmp_path_factory.mktemp("settled") / "mm.sqlite3"
    with Journal.open(path) as j:
        with j.transaction():
            j.record_run(run_id="r1", started_at=T0, config_digest="d", mode="live", pid=1)
            j.record_fill(_buy("w1", WON, OrderSide.YES, "0.40", 1), at=T0)
            j.record_fill(_buy("l1", LOST, OrderSide.YES, "0.30", 2), at=T0)
            j.record_marks([(WON, D("0.45")), (LOST, D("0.35"))], at=T0 + timedelta(minutes=30))
            j.record_day_baseline(
                DayBaseline(
                    day=T0.date(),
                    realized_pnl=D(0),
                    taken_at=T0 + timedelta(minutes=3),
                    holdings=(
                        DayHolding(
                            market_id=WON,
                            yes_contracts=D(10),
                            no_contracts=D(0),
                            avg_yes_price=D("0.40"),
                            avg_no_price=D(0),
                            mark=D("0.40"),
                        ),
                        DayHolding(
                            market_id=LOST,
                            yes_contracts=D(10),
                            no_contracts=D(0),
                            avg_yes_price=D("0.30"),
                            avg_no_price=D(0),
                            mark=D("0.30"),
                        ),
                    ),
                )
            )
        for market, won in ((WON, OrderSide.YES), (LOST, OrderSide.NO)):
            resolved = Settlement.won(market, won, venue_ts=T0 + timedelta(hours=2), source="t")
            j.record_settlement(settle(j.inventory(market), resolved), at=T0 + timedelta(hours=2))
        j.commit()
    return path


def test_status_values_a_settled_market_at_its_payout(journal: Path) -> None:
    report = status_report(journal, now=T0 + timedelta(hours=3))
    # WON: 10 x (1 - 0.40) = 6.00; LOST: 10 x (0 - 0.30) = -3.00, not the marks' 0.50 + 0.50
    assert D(report["pnl"]["total"]) == D("3.00")
    by_id = {m["market_id"]: m for m in report["markets"]}
    assert (D(by_id[str(WON)]["pnl"]), D(by_id[str(LOST)]["pnl"])) == (D("6.00"), D("-3.00"))
    assert by_id[str(WON)]["settled"]["outcome"] == "yes"
    assert D(by_id[str(LOST)]["settled"]["yes_payout"]) == 0


def test_pnl_by_market_and_by_day_count_the_settlement(journal: Path) -> None:
    def pnl(by: str) -> list[dict[str, str]]:
        args = ["pnl", "--journal", str(journal), "--by", by, "--json"]
        result = CliRunner().invoke(cli, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        rows = json.loads(result.output)
        assert isinstance(rows, list)
        return rows

    by_market = {r["market_id"]: D(r["pnl"]) for r in pnl("market")}
    assert by_market == {str(WON): D("6.00"), str(LOST): D("-3.00")}
    # every UTC day from the first fill to today's (the wall clock's): the settlement's
    # day made the 3.00, the days since made nothing
    first, *since = pnl("day")
    assert (first["day"], D(first["pnl"])) == (T0.date().isoformat(), D("3.00"))
    assert [D(day["pnl"]) for day in since] == [D(0)] * len(since)
    assert [day["day"] for day in since] == [
        (T0 + timedelta(days=n)).date().isoformat() for n in range(1, len(since) + 1)
    ]


def test_status_gives_todays_pnl_as_the_loss_limits_count_it(journal: Path) -> None:
    report = status_report(journal, now=T0 + timedelta(hours=3))
    # the day began at WON 0.40 and LOST 0.30 (PnL 0); now 6.00 - 3.00 realized at settlement
    assert report["day"]["day"] == "2026-12-06"
    assert D(report["day"]["pnl"]) == D("3.00")
    tomorrow = status_report(journal, now=T0 + timedelta(days=1))
    assert tomorrow["day"] is None  # no run has taken tomorrow's baseline yet


def test_status_shows_paper_core_failures_corrections_blocked_markets_and_scenarios(
    tmp_path: Path,
) -> None:
    from predmm.actors.journal.notes import supervision_key, supervision_value
    from predmm.cli.status import write_live
    from predmm.domain import ClientOrderId, Order
    from predmm.domain.orders import OrderEvent
    from predmm.domain.scenarios import EventExposure

    path = tmp_path / "paper.sqlite3"
    stray = Order(
        client_order_id=ClientOrderId("stray"),
        market_id=WON,
        side=OrderSide.YES,
        price=D("0.41"),
        quantity=D(5),
    ).on(OrderEvent.SUBMIT)
    with Journal.open(path) as j, j.transaction():
        j.record_run(run_id="r1", started_at=T0, config_digest="d", mode="paper", pid=1)
        failed = supervision_value(None, "restarted", "PortfolioActor died: boom", T0)
        j.put(supervision_key("portfolio"), failed, at=T0)
        j.record_correction(stray, at=T0, what="unknown here, resting there: adopted")
    fed = EventExposure(
        event_id="event:FED-DEC",
        contracts=D(10),
        worst_loss=D("4.00"),
        scenario=str(LOST),
        markets=(str(WON), str(LOST)),
    )
    blocked = {str(LOST): "the venue holds 10 YES, the journal 0 (twice)"}
    at = (T0 + timedelta(minutes=1)).isoformat()
    write_live(path, marks={}, events={}, per_market={}, totals=None, at=at, exposure=(fed,),
               blocked=blocked)  # fmt: skip
    args = ["status", "--journal", str(path)]
    report = json.loads(CliRunner().invoke(cli, [*args, "--json"]).output)
    assert report["mode"] == "paper"
    assert [(n["component"], n["event"], n["count"]) for n in report["supervision"]] == [
        ("portfolio", "restarted", 1)
    ]
    assert report["corrections"] == 1
    assert report["last_corrections"][0]["client_order_id"] == "stray"
    assert report["blocked"] == blocked
    assert report["event_exposure"][0]["scenario"] == str(LOST)
    text = CliRunner(env={"COLUMNS": "200"}).invoke(cli, args).output
    assert text.startswith(" PAPER ")  # first: a paper run is never read as live
    assert "portfolio: restarted at 2026-12-06T09:00:00+00:00: PortfolioActor died: boom" in text
    assert "corrections by reconciliation 1" in text
    assert "unknown here, resting there: adopted" in text
    assert f"not quoted: {LOST}: the venue holds 10 YES" in text
    assert "event exposure over outcome scenarios" in text
    assert "$4.00" in text
    from predmm.cli.live.shutdown import run_summary, summary_lines

    summary = run_summary(path, "r1")
    assert summary is not None
    assert summary_lines(summary)[0].startswith("PAPER run r1 stopped after")
    assert summary.as_dict()["mode"] == "paper"
