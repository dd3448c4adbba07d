"""``predmm status``'s rewards lines: the journal's estimates of the liquidity rewards our
quotes earned (the venue's formula on our sampled quotes) and the maker rebates of our
maker fills, one row per UTC day and market (``actors.journal.rewards``): the latest
day's per market and in total, and every day's total. ``rewards_summary`` is the JSON
(exact decimals); ``print_rewards`` prints it (the total to the cent, a market's
figures to the hundredth of a cent: a day's share of a pool is often less than a cent).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table

from predmm.actors.journal.rewards import RewardEstimate
from predmm.cli import fmt
from predmm.domain.ids import MarketId

ZERO = Decimal(0)
X = fmt.exact


def estimate_rows(estimates: Iterable[RewardEstimate]) -> list[dict[str, Any]]:
    """Every day's and market's estimate, JSON-ready."""
    return [
        {
            "day": e.day.isoformat(),
            "market_id": str(e.market_id),
            "liquidity": X(e.dollars),
            "rebates": X(e.rebates),
            "samples": e.samples,
            "scored": e.scored,
            "in_band": e.in_band,
            "share": X(e.share),
            "daily_rate": X(e.daily_rate),
            "updated_at": fmt.iso(e.updated_at),
        }
        for e in estimates
    ]


def rewards_summary(
    estimates: list[RewardEstimate], labels: Mapping[MarketId, str]
) -> dict[str, Any]:
    """The latest day's estimates per market and in total, and every day's total; {}
    without any. ``labels``: the markets' short ids."""
    if not estimates:
        return {}
    day = max(e.day for e in estimates)
    latest = [e for e in estimates if e.day == day]
    liquidity = sum((e.dollars for e in latest), ZERO)
    rebates = sum((e.rebates for e in latest), ZERO)
    markets = [
        {
            "market_id": str(e.market_id),
            "short_id": labels.get(e.market_id, e.market_id.symbol),
            "liquidity": X(e.dollars),
            "rebates": X(e.rebates),
            "share": X(e.share),
            "in_band": X(Decimal(e.in_band) / e.samples if e.samples else ZERO),
            "samples": e.samples,
            "daily_rate": X(e.daily_rate),
        }
        for e in sorted(latest, key=lambda e: str(e.market_id))
    ]
    return {
        "day": day.isoformat(),
        "markets": markets,
        "liquidity": X(liquidity),
        "rebates": X(rebates),
        "total": X(liquidity + rebates),
        "all_days": X(sum((e.total for e in estimates), ZERO)),
    }


def _fine(text: str) -> str:
    """Dollars to the hundredth of a cent: ``$0.0123``."""
    return f"${Decimal(text).quantize(Decimal('0.0001'))}"


def print_rewards(summary: Mapping[str, Any], console: Console) -> None:
    if not summary:
        return
    money = fmt.money
    console.print(
        f"rewards (estimated: the venue's formula on our sampled quotes),"
        f" UTC {summary['day']}: {money(Decimal(summary['total']))} (liquidity"
        f" {money(Decimal(summary['liquidity']))}, maker rebates"
        f" {money(Decimal(summary['rebates']))}); all days"
        f" {money(Decimal(summary['all_days']))}",
        markup=False,
    )
    table = Table(
        title=f"rewards per market, UTC {summary['day']} (estimated)", title_justify="left"
    )
    columns = ["market", "liquidity", "rebates", "share", "in band", "samples", "pool/day"]
    for i, col in enumerate(columns):
        table.add_column(col, justify="left" if i == 0 else "right", overflow="fold")
    for m in summary["markets"]:
        table.add_row(
            m["short_id"],
            _fine(m["liquidity"]),
            _fine(m["rebates"]),
            fmt.percent(Decimal(m["share"])),
            f"{Decimal(m['in_band']):.0%}",
            str(m["samples"]),
            money(Decimal(m["daily_rate"])),
        )
    console.print(table)
