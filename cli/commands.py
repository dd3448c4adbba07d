"""The one-shot commands: ``markets`` (what ``scan_markets`` would quote now, and why the
rest are skipped; what each market pays makers: Polymarket's liquidity rewards and maker
rebates, Kalshi's incentive programs) and ``cancel-all`` (the emergency stop)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from predmm.cli.daemon import RunOptions, venues_for
from predmm.config.settings import Settings
from predmm.domain.market import IncentiveProgram, Market
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
    listed = {m.market_id: m for m in markets}
    table = Table(title=f"quoted ({len(selected)} of {len(markets)} open markets)")
    columns = ("#", "market", "liquidity $", "hours to close", "YES bid", "YES ask", "event")
    for col in (*columns, "pays makers"):
        table.add_column(col, justify="right" if col not in ("market", "event") else "left")
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
            pays_makers(listed[m.market_id]),
        )
    console.print(table)
    _print_programs([p for m in markets for p in m.incentives], console)
    if skipped:
        why = Table(title="skipped")
        for col in ("market", "why", "pays makers"):
            why.add_column(col)
        for m, reason in skipped:
            why.add_row(str(m.market_id), reason, pays_makers(listed[m.market_id]))
        console.print(why)


def pays_makers(market: Market) -> str:
    """What the venue pays makers in ``market``, in a few words."""
    parts = []
    r = market.rewards
    if r is not None and r.pays_liquidity:
        parts.append(
            f"${r.daily_rate.normalize():f}/day within {(r.max_spread * 100).normalize():f}c"
            " of the midpoint,"
            f" min {r.min_size.normalize():f}"
        )
    if r is not None and r.rebate_share:
        parts.append(f"rebates {r.rebate_share:.0%} of taker fees")
    kinds = sorted({p.kind for p in market.incentives})
    if kinds:
        parts.append("Kalshi " + ", ".join(kinds) + " program")
    return "; ".join(parts) or "-"


def _print_programs(programs: list[IncentiveProgram], console: Console) -> None:
    """Kalshi's incentive programs of the listed markets, as GET /incentive_programs
    states them."""
    if not programs:
        return
    table = Table(title="Kalshi incentive programs (active)")
    cols = ("market", "kind", "pool $", "from", "to", "target size", "discount", "cap $")
    for col in (*cols, "description"):
        left = col in ("market", "kind", "description")
        table.add_column(col, justify="left" if left else "right")
    for p in sorted(programs, key=lambda p: (str(p.market_id), p.program_id)):
        table.add_row(
            str(p.market_id),
            p.kind,
            f"{p.period_reward:,.2f}",
            f"{p.start:%Y-%m-%d %H:%M}",
            f"{p.end:%Y-%m-%d %H:%M}",
            "-" if p.target_size is None else f"{p.target_size:,.0f}",
            "-" if p.discount_factor is None else f"{p.discount_factor:g}",
            "-" if p.max_reward_per_account is None else f"{p.max_reward_per_account:,.2f}",
            p.description,
        )
    console.print(table)


async def cancel_everything(opts: RunOptions, settings: Settings, console: Console) -> int:
    total = 0
    async with venues_for(opts, settings) as setup:
        try:
            for client in setup.clients:
                count = await client.cancel_all()
                total += count
                console.print(f"{client.venue.value}: cancelled {count} resting orders")
        finally:
            for client in setup.clients:
                await client.aclose()
    console.print(f"cancelled {total} orders in all")
    return total
