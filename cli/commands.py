"""The one-shot command ``markets``: what the daemon's scan would quote now (each venue
with its own settings: ``[strategy.venues.<venue>]``), and why the rest are skipped;
what each market pays makers (Polymarket's liquidity rewards and maker rebates,
Kalshi's incentive programs). (``cancel-all`` is the control channel's:
``cli.control``.)"""

from __future__ import annotations

from decimal import Decimal

from rich.console import Console
from rich.table import Table

from predmm.cli import fmt
from predmm.cli.daemon import RunOptions, venues_for
from predmm.config.settings import Settings
from predmm.domain.market import IncentiveProgram, Market, MarketView
from predmm.strategies.venues import select_per_venue


async def list_markets(opts: RunOptions, settings: Settings, console: Console) -> None:
    async with venues_for(opts, settings) as setup:
        markets: list[Market] = []
        try:
            for client in setup.clients:
                markets.extend(await client.get_markets(status="open"))
        finally:
            for client in setup.clients:
                await client.aclose()
    # each venue by its own market maker's settings, as the daemon's scan selects
    venues = {m.market_id.venue for m in markets}
    configs = {v: settings.strategy_venues.get(v, settings.strategy) for v in venues}
    chosen, passed = select_per_venue(list[MarketView](markets), configs)
    selected = [m for m in chosen if isinstance(m, Market)]
    skipped = [(m, why) for m, why in passed if isinstance(m, Market)]
    labels = fmt.short_ids(m.market_id for m in markets)
    titles = {m.market_id: m.title for m in markets}
    listed = {m.market_id: m for m in markets}
    table = Table(title=f"quoted ({len(selected)} of {len(markets)} open markets)")
    columns = ("#", "market", "title", "liquidity", "to close", "YES bid", "YES ask", "event")
    for col in (*columns, "pays makers"):
        left = col in ("market", "title", "event", "pays makers")
        table.add_column(col, justify="left" if left else "right")
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
            pays_makers(listed[m.market_id]),
        )
    console.print(table)
    _print_programs([p for m in markets for p in m.incentives], console)
    if skipped:
        why = Table(title="skipped")
        for col in ("market", "title", "why", "pays makers"):
            why.add_column(col)
        for m, reason in skipped:
            title = fmt.title_of(titles, m.market_id, 40)
            why.add_row(labels[m.market_id], title, reason, pays_makers(listed[m.market_id]))
        console.print(why)


def pays_makers(market: Market) -> str:
    """What the venue pays makers in ``market``, in a few words (short enough for the
    quoted table's last column at 200 columns): the liquidity rewards' pool, band around
    the midpoint and minimum size; the maker rebates' share of the taker fees."""
    parts = []
    r = market.rewards
    if r is not None and r.pays_liquidity:
        parts.append(
            f"${r.daily_rate.normalize():f}/day within {(r.max_spread * 100).normalize():f}c"
            f" of mid, min {r.min_size.normalize():f}"
        )
    if r is not None and r.rebate_share:
        parts.append(f"rebates {r.rebate_share:.0%}")
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


def _step(market: MarketView, price: Decimal | None) -> Decimal | None:
    """The tick at ``price`` (a Kalshi market's grid can be finer near 0 and 1)."""
    return None if price is None else market.tick.step_at(price)
