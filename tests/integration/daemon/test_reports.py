"""The reports on a journal written by hand (a run that stopped on SIGTERM, two markets,
a filled YES/NO pair, marks, balances, an order left open): ``status``, ``fills``,
``orders``, ``pnl`` and ``report`` say the same figures, to the cent and to the tick,
and refuse what they cannot read in one line."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from predmm.actors.journal.messages import MarketInfo
from predmm.actors.journal.store import Journal
from predmm.cli.main import cli
from predmm.domain import (
    ClientOrderId,
    EventId,
    Fill,
    FillId,
    MarketId,
    Order,
    OrderSide,
    TradingState,
    Venue,
)
from predmm.domain.orders import OrderEvent

D = Decimal
T0 = datetime(2026, 12, 6, 9, tzinfo=UTC)
K = MarketId(Venue.KALSHI, "KXFEDDECISION-26DEC-C25")
P = MarketId(Venue.POLYMARKET, "0x06861cc249bf44d780023c9e2b853dcc763355f4d1996ebeac20c6f088d3fb82")
LONG_DECIMALS = re.compile(r"\d\.\d{7,}")


def _fill(
    fill_id: str,
    market: MarketId,
    side: OrderSide,
    price: str,
    qty: int,
    minute: int,
    fee: str = "0",
) -> Fill:
    return Fill(
        fill_id=FillId(fill_id),
        market_id=market,
        side=side,
        price=D(price),
        quantity=D(qty),
        fee=D(fee),
        ts=T0 + timedelta(minutes=minute),
    )


@pytest.fixture(scope="module")
def journal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("reports") / "mm.sqlite3"
    with Journal.open(path) as j, j.transaction():
        j.record_run(run_id="r1", started_at=T0, config_digest="d", mode="live", pid=1)
        j.record_run_info(
            run_id="r1",
            strategy="market_making (preset conservative)",
            source="mm.toml on the venues",
            settings='[strategy]\nbase_spread = "0.06"\n',
        )
        j.record_markets(
            [
                MarketInfo(
                    market_id=K,
                    title="Fed cuts 25 bp in December?",
                    event_id=EventId("KXFEDDECISION-26DEC"),
                    linked_event=EventId("FED"),
                    tick=D("0.01"),
                ),
                MarketInfo(
                    market_id=P,
                    title="Will the Fed cut rates in December?",
                    linked_event=EventId("FED"),
                    tick=D("0.001"),
                ),
            ],
            at=T0,
        )
        j.record_balance(run_id="r1", venue=Venue.KALSHI, moment="start", cash=D("1000"), at=T0)
        j.record_balance(run_id="r1", venue=Venue.POLYMARKET, moment="start", cash=D("500"), at=T0)
        for f in (
            _fill("k1", K, OrderSide.YES, "0.48", 10, 1),
            _fill("k2", K, OrderSide.NO, "0.48", 10, 2),
            _fill("p1", P, OrderSide.YES, "0.39", 20, 3),
            _fill("p2", P, OrderSide.NO, "0.561", 2, 4, fee="0.058501"),
        ):
            j.record_fill(f, at=T0)
        j.record_marks([(K, D("0.55")), (P, D("0.415"))], at=T0 + timedelta(minutes=30))
        j.record_fill_marks(
            [
                (Venue.POLYMARKET, FillId("p1"), 0.0, D("0.40")),
                (Venue.POLYMARKET, FillId("p1"), 10.0, D("0.41")),
            ]
        )
        order = Order(
            client_order_id=ClientOrderId("c-open"),
            market_id=P,
            side=OrderSide.NO,
            price=D("0.565"),
            quantity=D(10),
            created_at=T0 + timedelta(minutes=5),
        )
        j.record_order(order.on(OrderEvent.SUBMIT).on(OrderEvent.ACCEPT), at=T0)
        j.record_trading_state(
            state=TradingState.REDUCING,
            at=T0 + timedelta(minutes=50),
            reason="day's loss 210 past reducing_loss 200",
        )
        j.record_balance(
            run_id="r1",
            venue=Venue.KALSHI,
            moment="end",
            cash=D("995.2"),
            at=T0 + timedelta(hours=1),
        )
        j.record_balance(
            run_id="r1",
            venue=Venue.POLYMARKET,
            moment="end",
            cash=None,
            note="not read within 3 s",
            at=T0 + timedelta(hours=1),
        )
        j.record_run_end(run_id="r1", stopped_at=T0 + timedelta(hours=1), reason="signal SIGTERM")
    return path


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def ok(*args: str | Path) -> str:
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    return result.output


# PnL at the marks: the Kalshi pair locks 10 x (1 - 0.48 - 0.48) = 0.40; on Polymarket
# 20 YES at 0.39 marked 0.415 = +0.50, 2 NO at 0.561 marked 0.585 = +0.048, fee -0.058501
K_PNL, P_PNL = D("0.40"), D("0.50") + D("0.048") - D("0.058501")


def test_status_json_says_what_happened(journal: Path) -> None:
    report = json.loads(ok("status", "--journal", journal, "--json"))
    assert report["daemon"] == {  # none holds the journal's lock
        "running": False,
        "pid": None,
        "since": None,
        "command": None,
        "detail": "stopped 2026-12-06 10:00:00 UTC: signal SIGTERM",
    }
    assert report["last_run"]["pid"] == 1
    assert report["last_run"]["stop_reason"] == "signal SIGTERM"
    assert report["last_run"]["strategy"] == "market_making (preset conservative)"
    assert report["trading_state"] == {
        "state": "reducing",
        "reason": "day's loss 210 past reducing_loss 200",
        "since": "2026-12-06T09:50:00+00:00",
        "operator": "",  # the kill switch's, not a hand's
    }
    assert D(report["pnl"]["total"]) == K_PNL + P_PNL
    kalshi, poly = report["markets"]
    assert kalshi["holdings"] == "10 YES / 10 NO (net 0)"
    assert (kalshi["short_id"], kalshi["title"]) == (K.symbol, "Fed cuts 25 bp in December?")
    assert poly["short_id"] == "0x0686…fb82"
    assert poly["avg_yes_price"] == "0.39"
    assert [(e["event_id"], e["holdings"]) for e in report["events"]] == [
        ("FED", "30 YES / 12 NO (net +18)")
    ]
    cash = {v["venue"]: (v["cash_at_start"], v["cash_at_end"]) for v in report["venues"]}
    assert cash == {"kalshi": ("1000", "995.2"), "polymarket": ("500", None)}
    assert [s["strategy"] for s in report["strategies"]] == ["market_making (preset conservative)"]
    assert not LONG_DECIMALS.search(json.dumps(report))


def test_status_table_to_the_cent_and_to_the_tick(journal: Path) -> None:
    out = ok("status", "--journal", journal)
    assert "daemon stopped 2026-12-06 10:00:00 UTC: signal SIGTERM" in out
    assert "trading state: REDUCING since 2026-12-06 09:50:00 UTC (as the daemon left it)" in out
    assert f"PnL ${K_PNL + P_PNL:.2f}" in out
    assert "10 YES / 10 NO (net 0)" in out
    assert "0.561" in out  # Polymarket's tick is a tenth of a cent
    assert "$995.20" in out
    assert "not read" in out  # the end cash of a venue that did not answer
    assert not LONG_DECIMALS.search(out)


def test_fills_filters_and_formats(journal: Path) -> None:
    rows = json.loads(ok("fills", "--journal", journal, "--json"))
    assert [r["fill_id"] for r in rows] == ["k1", "k2", "p1", "p2"]
    assert rows[3]["fee"] == "0.058501"
    by_title = json.loads(ok("fills", "--journal", journal, "--market", "will the fed", "--json"))
    assert [r["fill_id"] for r in by_title] == ["p1", "p2"]
    by_short = json.loads(ok("fills", "--journal", journal, "--market", "0x0686…fb82", "--json"))
    assert [r["fill_id"] for r in by_short] == ["p1", "p2"]
    since = json.loads(
        ok("fills", "--journal", journal, "--since", "2026-12-06T09:02:30", "--json")
    )
    assert [r["fill_id"] for r in since] == ["p1", "p2"]
    kalshi = list(
        csv.DictReader(io.StringIO(ok("fills", "--journal", journal, "--venue", "kalshi", "--csv")))
    )
    assert [(r["fill_id"], r["price"], r["pnl_at_mark"]) for r in kalshi] == [
        ("k1", "0.48", "0.7"),
        ("k2", "0.48", "-0.3"),
    ]
    table = ok("fills", "--journal", journal, "--limit", "2")
    assert "fills: the last 2 of 4" in table
    assert "Will the Fed cut rates" in table


def test_orders_open_and_all(journal: Path) -> None:
    rows = json.loads(ok("orders", "--journal", journal, "--open", "--json"))
    assert [(r["client_order_id"], r["status"], r["price"]) for r in rows] == [
        ("c-open", "open", "0.565")
    ]
    assert "0.565" in ok("orders", "--journal", journal)


@pytest.mark.parametrize("by", ["day", "market", "event", "venue", "strategy"])
def test_pnl_adds_up_whichever_the_grouping(journal: Path, by: str) -> None:
    rows = json.loads(ok("pnl", "--journal", journal, "--by", by, "--json"))
    assert sum(D(r["pnl"]) for r in rows) == K_PNL + P_PNL, rows
    assert sum(r["fills"] for r in rows) == 4
    assert "total $" in ok("pnl", "--journal", journal, "--by", by)


def test_pnl_by_event_counts_both_venues(journal: Path) -> None:
    (fed,) = json.loads(ok("pnl", "--journal", journal, "--by", "event", "--json"))
    assert fed["event"] == "FED"
    assert fed["markets"] == [K.symbol, "0x0686…fb82"]


def test_the_html_report_of_a_run(journal: Path, tmp_path: Path) -> None:
    out = tmp_path / "run.html"
    said = ok("report", "--journal", journal, "--html", out)
    assert said.startswith(f"wrote {out}: 4 fills")
    page = out.read_text()
    assert "<h1>predmm report: journal" in page
    assert page.count("data:image/png;base64,") == 4  # PnL, drawdown, inventory, markouts
    assert "Will the Fed cut rates in December?" in page
    assert "signal SIGTERM" in page
    assert "strategy.base_spread" in page


def test_reports_refuse_in_one_line(journal: Path, tmp_path: Path) -> None:
    for args, expected in (
        (("fills", "--market", "nothing-like-it"), "--market 'nothing-like-it': no market"),
        (("fills", "--since", "last tuesday"), "'last tuesday' is not a time"),
        (
            ("report", "--html", tmp_path / "no" / "r.html"),
            f"folder {tmp_path / 'no'} does not exist",
        ),
        (("report", "--html", tmp_path / "r.html", "--run", "zz"), "--run 'zz': no such run"),
    ):
        result = invoke(*args, "--journal", journal)
        assert result.exit_code == 2, args
        (line,) = result.stderr.strip().splitlines()
        assert expected in line, line
