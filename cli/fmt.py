"""One number format everywhere an operator reads figures (``status``, the reports, the
live view, the status lines, the summary): money in dollars to the cent (``$1,234.56``,
``-$0.06``), prices to the market's tick (``0.48`` on a cent grid, ``0.485`` on a tenth
of a cent), contracts as whole numbers unless fractional (Kalshi reports hundredths),
holdings as ``10 YES / 10 NO (net 0)``, times in UTC. Machine output (``--json``,
``--csv``) carries ``exact``: the decimal itself, to the micro-dollar the venues use.

Markets are named by a short id that cannot be confused (``short_ids``): a Kalshi ticker
as it is, a 66-character Polymarket condition id as a prefix and its last four digits,
the prefix grown until no two markets shown share a label.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal

from predmm.domain.enums import Venue
from predmm.domain.ids import MarketId

CENT = Decimal("0.01")
MICRO = Decimal("0.000001")
DEFAULT_TICK = Decimal("0.01")
ELLIPSIS = "…"


def money(value: Decimal | None) -> str:
    """``$1,234.56``, ``-$0.06``; ``-`` for unknown."""
    if value is None:
        return "-"
    q = value.quantize(CENT, ROUND_HALF_EVEN)
    if q == 0:
        q = abs(q)  # no "-$0.00"
    return f"-${-q:,}" if q < 0 else f"${q:,}"


def signed_money(value: Decimal | None) -> str:
    """Like ``money`` with an explicit sign for gains: ``+$0.94``."""
    text = money(value)
    return text if text.startswith(("-", "$0.00")) else "+" + text


def price(value: Decimal | None, tick: Decimal | None = None) -> str:
    """A price to the places of the market's finest ``tick`` (a cent when unknown),
    without zeros past the cent: ``0.48``, ``0.485`` on a tenth-of-a-cent grid, an
    average ``0.3353…`` as ``0.34`` (cent grid) or ``0.335``."""
    if value is None:
        return "-"
    step = tick if tick is not None and tick > 0 else DEFAULT_TICK
    places = max(2, -step.normalize().as_tuple().exponent)  # type: ignore[operator]
    text = f"{value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_EVEN):f}"
    whole, _, decimals = text.partition(".")
    return f"{whole}.{decimals.rstrip('0').ljust(2, '0')}"


def contracts(value: Decimal | int) -> str:
    """Whole contracts as ``1,250``; fractional ones (Kalshi) to the hundredth."""
    d = Decimal(value).quantize(CENT, ROUND_HALF_EVEN)
    if d == d.to_integral_value():
        return f"{int(d):,}"
    return f"{d:,}"


def holdings(yes: Decimal, no: Decimal) -> str:
    """``10 YES / 10 NO (net 0)``; ``20 YES (net +20)``; ``flat``."""
    if not yes and not no:
        return "flat"
    net = yes - no
    sign = "+" if net > 0 else ""
    parts = [f"{contracts(yes)} YES" if yes else "", f"{contracts(no)} NO" if no else ""]
    return " / ".join(p for p in parts if p) + f" (net {sign}{contracts(net)})"


def percent(value: Decimal | float | None) -> str:
    return "-" if value is None else f"{float(value):.1%}"


def exact(value: Decimal | None) -> str | None:
    """A decimal for machines: to the micro-dollar, without trailing zeros."""
    if value is None:
        return None
    q = value.quantize(MICRO, ROUND_HALF_EVEN)
    text = f"{q:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def when(value: datetime | None) -> str:
    """``2026-12-06 17:48:42 UTC``."""
    if value is None:
        return "-"
    return f"{value.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


def clock(value: datetime | None) -> str:
    """``17:48:42`` (UTC)."""
    return "-" if value is None else f"{value.astimezone(UTC):%H:%M:%S}"


def clock_of_ts(ts: float) -> str:
    """``17:48:42`` (UTC) of a unix time."""
    return clock(datetime.fromtimestamp(ts, UTC))


def duration(seconds: float) -> str:
    """``13 s``, ``4 min 03 s``, ``2 h 05 min``, ``3 d 04 h``."""
    s = max(0, int(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    if s < 86400:
        return f"{s // 3600} h {s % 3600 // 60:02d} min"
    return f"{s // 86400} d {s % 86400 // 3600:02d} h"


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def _is_hex_id(symbol: str) -> bool:
    return symbol.startswith("0x") and len(symbol) > 14


def short_ids(ids: Iterable[MarketId]) -> dict[MarketId, str]:
    """A label per market that no other market of ``ids`` shares: a ticker as it is, a
    long hex id as ``0x0686…fb82`` (the prefix grown until the labels differ)."""
    unique = sorted(set(ids))
    labels: dict[MarketId, str] = {}
    hexes = [m for m in unique if _is_hex_id(m.symbol)]
    for m in unique:
        if m not in hexes:
            labels[m] = m.symbol
    for width in range(4, 65):
        trial = {m: f"{m.symbol[: 2 + width]}{ELLIPSIS}{m.symbol[-4:]}" for m in hexes}
        taken = list(trial.values()) + [labels[m] for m in unique if m not in hexes]
        if len(set(taken)) == len(taken):
            labels.update(trial)
            return _venue_clashes(labels)
    labels.update({m: m.symbol for m in hexes})
    return _venue_clashes(labels)


def _venue_clashes(labels: dict[MarketId, str]) -> dict[MarketId, str]:
    """Two venues listing the same symbol: the venue goes in front."""
    seen: dict[str, int] = {}
    for label in labels.values():
        seen[label] = seen.get(label, 0) + 1
    return {m: (f"{m.venue.value}:{lab}" if seen[lab] > 1 else lab) for m, lab in labels.items()}


def title_of(titles: Mapping[MarketId, str], market_id: MarketId, width: int = 48) -> str:
    text = titles.get(market_id, "") or ""
    return text if len(text) <= width else text[: width - 1] + ELLIPSIS


VENUE_NAMES = {Venue.KALSHI: "Kalshi", Venue.POLYMARKET: "Polymarket", Venue.PAPER: "paper"}
