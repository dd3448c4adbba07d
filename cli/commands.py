"""The one-shot command ``markets``: what ``scan_markets`` would quote now, and why the
rest are skipped. (``cancel-all`` is the control channel's: ``cli.control``.)"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from predmm.cli.daemon import RunOptions, venues_for
from predmm.config.settings import Settings
from predmm.domain.market import Market
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
    table = Table(title=f"quoted ({len(selected)} of {len(markets)} open markets)")
    for col in ("#", "market", "liquidity $", "hours to close", "YES bid", "YES ask", "event"):
        table.add_column(col, justify="left" if col in ("market", "event") else "right")
    for rank, m in enumerate(selected, 1):
        hours = m.hours_to_close
        table.add_row(
            str(rank),
            str(m.market_id),
            f"{m.liquidity:,.0f}",
            "-" if hours is None else f"{hours:.1f}",
            str(m.best_yes_bid),
            str(m.best_yes_ask),
            str(m.event_id or "-"),
        )
    console.print(table)
    if skipped:
        why = Table(title="skipped")
        why.add_column("market")
        why.add_column("why")
        for m, reason in skipped:
            why.add_row(str(m.market_id), reason)
        console.print(why)
