"""The one-shot command ``markets``: what ``scan_markets`` would quote now, and why the
rest are skipped. (``cancel-all`` is the control channel's: ``cli.control``.)"""

from __future__ import annotations

from decimal import Decimal

from rich.console import Console
from rich.table import Table

from predmm.cli import fmt
from predmm.cli.daemon import RunOptions, venues_for
from predmm.config.settings import Settings
from predmm.domain.market import Market, MarketView
from predmm.strategies.quoting import select_markets


async def list_markets(opts: RunOptions, settings: Settings, console: Console) -> None:
    async with venues_for(opts, settings) as setup:
        markets: list[Market] = []
        try:
            for client in setup.clients:
                markets.extend(await client.get_markets(status="open"))
        finally:
            for client in setup.clients:
                await client.aclose()
    selected, skipped = select_markets(list(markets), settings.strategy)
    labels = fmt.short_ids(m.market_id for m in markets)
    titles = {m.market_id: m.title for m in markets}
    table = Table(title=f"quoted ({len(selected)} of {len(markets)} open markets)")
    columns = ("#", "market", "title", "liquidity", "to close", "YES bid", "YES ask", "event")
    for col in columns:
        table.add_column(col, justify="left" if col in ("market", "title", "event") else "right")
    for rank, m in enumerate(selected, 1):
        hours = m.hours_to_close
        table.add_row(
            str(rank),
            labels[m.market_id],
            fmt.title_of(titles, m.market_id, 40),
            fmt.money(m.liquidity),
            "-" if hours is None else fmt.duration(hours * 3600),
            fmt.price(m.best_yes_bid, _step(m, m.best_yes_bid)),
            fmt.price(m.best_yes_ask, _step(m, m.best_yes_ask)),
            str(m.event_id or "-"),
        )
    console.print(table)
    if skipped:
        why = Table(title="skipped")
        for col in ("market", "title", "why"):
            why.add_column(col)
        for m, reason in skipped:
            why.add_row(labels[m.market_id], fmt.title_of(titles, m.market_id, 40), reason)
        console.print(why)


def _step(market: MarketView, price: Decimal | None) -> Decimal | None:
    """The tick at ``price`` (a Kalshi market's grid can be finer near 0 and 1)."""
    return None if price is None else market.tick.step_at(price)
