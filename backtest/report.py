"""The HTML report of a backtest: one self-contained file (plots are PNGs embedded as
base64 data, drawn by matplotlib's Agg backend; no script, no network), with the PnL
path, the drawdown, the inventory per market, the markout curve, fill-rate and
spread-capture tables per market, the strategy against the baseline (the trading PnL, the
liquidity rewards and maker rebates as their own lines, and their sum), and the settings.
Written to a temporary file and renamed: a report is whole or absent."""

from __future__ import annotations

import base64
import html
import io
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from predmm.backtest.results import HORIZONS, MarketResult, RunResult, markout_curve

PLOTS = ("pnl", "drawdown", "inventory", "markout")
MAX_MARKETS = 12  # markets drawn in the inventory plot (the most filled)


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_report(
    path: Path, runs: list[RunResult], settings: dict[str, str], title: str = "predmm backtest"
) -> None:
    write_atomic(path, render(runs, settings, title))


def render(runs: list[RunResult], settings: dict[str, str], title: str = "predmm backtest") -> str:
    main = runs[0]
    parts = [
        f"<h1>{_e(title)}: {_e(main.source)}</h1>",
        f"<p>{_e(main.fill_model)}; {main.events:,} events; generated "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC</p>",
        "<h2>Strategy against baseline</h2>",
        _summary_table(runs),
        _figure("pnl", "PnL path (dollars)", _pnl_plot(runs)),
        _figure("drawdown", "Drawdown from the running peak (dollars)", _drawdown_plot(runs)),
        _figure(
            "inventory", "Net inventory per market (YES - NO contracts)", _inventory_plot(runs)
        ),
        _figure("markout", "Markout curve (cents per filled contract)", _markout_plot(runs)),
        "<h2>Fill rate and spread capture per market</h2>",
        *(_market_table(r) for r in runs),
        "<h2>Notes</h2>",
        "<ul>" + "".join(f"<li>{_e(n)}</li>" for n in main.notes) + "</ul>",
        "<h2>Settings</h2>",
        _table(["setting", "value"], [[k, v] for k, v in settings.items()]),
    ]
    return _page(title, "\n".join(parts))


def _page(title: str, body: str) -> str:
    style = (
        "body{font-family:sans-serif;margin:2em;max-width:1100px}"
        "table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
        "th{background:#eee}td:first-child{text-align:left}img{max-width:100%}"
    )
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{_e(title)}</title>'
        f"<style>{style}</style></head><body>{body}</body></html>\n"
    )


def _e(text: object) -> str:
    return html.escape(str(text))


def _table(head: list[str], rows: Iterable[list[Any]]) -> str:
    out = ["<table><tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr>"]
    out += ["<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows]
    return "".join(out) + "</table>"


SUMMARY_KEYS = (
    "pnl",
    "rewards",
    "rebates",
    "pnl_with_rewards",
    "sharpe",
    "max_drawdown",
    "fills",
    "fill_rate",
    "markout_1s",
    "markout_10s",
    "markout_60s",
    "spread_capture",
    "fees",
)


def _summary_table(runs: list[RunResult]) -> str:
    summaries = [r.summary() for r in runs]
    rows = [[k, *(_fmt(s[k]) for s in summaries)] for k in SUMMARY_KEYS]
    rows.append(["orders / cancels", *(f"{s['orders']} / {s['cancels']}" for s in summaries)])
    return _table(["figure", *(r.strategy for r in runs)], rows)


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.4f}"
    return str(value)


def _market_table(run: RunResult) -> str:
    head = ["market", "fills", "quoted", "filled", "fill rate", "spread capture $", "PnL $"]
    head += ["rewards $", "rebates $", "in band"]
    rows = [
        [
            m.title or m.market,
            m.fills,
            f"{m.stats.quoted_quantity:,.0f}",
            f"{m.stats.filled_quantity:,.2f}",
            f"{m.stats.fill_rate:.4f}",
            f"{m.stats.spread_capture:,.2f}",
            f"{m.pnl:,.2f}",
            f"{m.rewards:,.4f}",
            f"{m.rebates:,.4f}",
            f"{m.rewards_in_band:.0%}",
        ]
        for m in run.markets
        if m.fills or m.stats.quoted_quantity
    ]
    if not rows:
        return f"<h3>{_e(run.strategy)}</h3><p>no quotes</p>"
    return f"<h3>{_e(run.strategy)}</h3>" + _table(head, rows)


def _figure(key: str, title: str, png: bytes) -> str:
    data = base64.b64encode(png).decode()
    return (
        f'<figure id="plot-{key}"><figcaption>{_e(title)}</figcaption>'
        f'<img alt="{key}" src="data:image/png;base64,{data}"></figure>'
    )


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _times(run: RunResult) -> Any:
    return [datetime.fromtimestamp(t / 1000, tz=UTC) for t in run.times_ms]


def _pnl_plot(runs: list[RunResult]) -> bytes:
    fig, ax = plt.subplots(figsize=(10, 3.5))
    for r in runs:
        ax.plot(_times(r), [float(v) for v in r.equity], label=r.strategy)
    ax.axhline(0, color="grey", lw=0.5)
    ax.set_ylabel("$")
    ax.legend()
    fig.autofmt_xdate()
    return _png(fig)


def _drawdown_plot(runs: list[RunResult]) -> bytes:
    fig, ax = plt.subplots(figsize=(10, 2.8))
    for r in runs:
        peak, dd = 0.0, []
        for v in r.equity:
            peak = max(peak, float(v))
            dd.append(float(v) - peak)
        ax.fill_between(_times(r), dd, 0, alpha=0.4, label=r.strategy)
    ax.set_ylabel("$")
    ax.legend()
    fig.autofmt_xdate()
    return _png(fig)


def _inventory_plot(runs: list[RunResult]) -> bytes:
    fig, axes = plt.subplots(len(runs), 1, figsize=(10, 3 * len(runs)), squeeze=False)
    for ax, r in zip(axes[:, 0], runs, strict=True):
        shown = _busiest(r.markets)
        times = _times(r)
        for m in shown:
            ax.step(times[: len(m.net)], [float(v) for v in m.net], where="post", label=_short(m))
        ax.set_title(r.strategy, fontsize=10)
        ax.axhline(0, color="grey", lw=0.5)
        if shown:
            ax.legend(fontsize=6, ncol=3)
        else:
            ax.text(0.5, 0.5, "no fills", transform=ax.transAxes, ha="center")
    fig.autofmt_xdate()
    return _png(fig)


def _busiest(markets: Iterable[MarketResult]) -> list[MarketResult]:
    filled = [m for m in markets if m.fills and m.net]
    return sorted(filled, key=lambda m: -m.fills)[:MAX_MARKETS]


def _short(m: MarketResult) -> str:
    label = m.title or m.market
    return label if len(label) <= 28 else label[:25] + "..."


def _markout_plot(runs: list[RunResult]) -> bytes:
    fig, ax = plt.subplots(figsize=(10, 3.2))
    drawn = False
    for r in runs:
        curve = markout_curve(r.stats)
        if curve:
            ax.plot(HORIZONS, list(curve.values()), marker="o", label=r.strategy)
            drawn = True
    ax.set_xscale("log")
    ax.set_xticks(HORIZONS, [f"{h:g}s" for h in HORIZONS])
    ax.axhline(0, color="grey", lw=0.5)
    ax.set_ylabel("cents / contract")
    if drawn:
        ax.legend()
    else:
        ax.text(0.5, 0.5, "no fills", transform=ax.transAxes, ha="center")
    return _png(fig)
