"""Gamma's ``GET /markets`` and ``GET /events/{id}``: market and event metadata, served
on its own app (its own port).

``outcomes``, ``outcomePrices`` and ``clobTokenIds`` are JSON-encoded strings, as on
the real venue: clients parse them a second time. ``version`` is "v1" or "v2"; a "v2"
market lists its outcomes' position ids in ``positionIds`` (the same form) and no
``clobTokenIds`` (it has no CTF outcome tokens; UNCONFIRMED: polymarket-client reads
both fields as optional). Every market names its event in ``events`` (without the event's
markets); a neg-risk market carries ``negRisk`` and its event's ``negRiskMarketID``, and
the event says whether it is ``negRiskAugmented``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from decimal import Decimal

from predmm.domain import MarketStatus, OrderSide
from predmm.simulator.exchange.model import LiquidityRewards, MarketState
from predmm.simulator.polymarket._shapes import num

# the reward programs' asset (the simulator's stand-in for pUSD's contract address)
REWARD_ASSET = "0x" + hashlib.sha256(b"simulated pUSD").hexdigest()[:40]
NO_END = "2500-12-31"  # a program without an end date

HALF = Decimal("0.5")


def _iso(when: datetime | None) -> str | None:
    if when is None:
        return None
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def market_json(
    state: MarketState,
    number: int,
    best: tuple[Decimal | None, Decimal | None],
    fee_bps: int,
) -> dict[str, object]:
    """One Gamma market; ``best`` is the YES token's (best bid, best ask)."""
    spec = state.spec
    listing = spec.polymarket
    assert listing is not None
    bid, ask = best
    yes = state.last_price if state.last_price is not None else _mid(bid, ask)
    open_ = state.status is MarketStatus.OPEN
    closed = state.status in (MarketStatus.CLOSED, MarketStatus.SETTLED)
    if state.result is not None:  # resolved: the winner's outcome price is 1
        yes = Decimal(1) if state.result is OrderSide.YES else Decimal(0)
    tick = state.tick.step_at(HALF)
    ids = json.dumps([listing.yes_token_id, listing.no_token_id])
    v2 = listing.protocol == 2
    return {
        "id": str(number),
        "version": "v2" if v2 else "v1",
        "question": listing.question or spec.title,
        "conditionId": spec.market_id.symbol,
        "slug": listing.slug,
        "endDate": _iso(spec.close_time),
        "endDateIso": spec.close_time.date().isoformat() if spec.close_time else None,
        "startDate": _iso(spec.open_time),
        "category": listing.category,
        "outcomes": json.dumps(list(listing.outcomes)),
        "outcomePrices": json.dumps([num(yes), num(1 - yes)]),
        **({"positionIds": ids} if v2 else {"clobTokenIds": ids}),
        "active": not closed,
        "closed": closed,
        "closedTime": _gamma_time(state.settled_at) if closed else None,
        "umaResolutionStatus": "resolved" if state.result is not None else None,
        "archived": False,
        "acceptingOrders": open_,
        "enableOrderBook": True,
        "orderPriceMinTickSize": float(tick),
        "orderMinSize": float(spec.min_order_size),
        "liquidity": num(state.liquidity),
        "liquidityNum": float(state.liquidity),
        "liquidityClob": float(state.liquidity),
        "volume": num(state.volume),
        "volumeNum": float(state.volume),
        "volumeClob": float(state.volume),
        "bestBid": float(bid) if bid is not None else None,
        "bestAsk": float(ask) if ask is not None else None,
        "lastTradePrice": float(state.last_price) if state.last_price is not None else None,
        "spread": float(ask - bid) if bid is not None and ask is not None else None,
        "negRisk": listing.neg_risk,
        **({"negRiskMarketID": listing.neg_risk_market_id} if listing.neg_risk else {}),
        "events": [_event_head(state)] if listing.event_id else [],
        "makerBaseFee": 0,
        "takerBaseFee": fee_bps,
        "feeSchedule": _fee_schedule(state),
        **_rewards(state),
        "rfqEnabled": False,
    }


def _fee_schedule(state: MarketState) -> dict[str, object]:
    """V2 fees: takers pay ``rate`` x (p(1 - p))^exponent a share, and ``rebateRate`` of
    what they pay goes back to the market's makers."""
    fees, listing = state.spec.fees, state.spec.polymarket
    rebate = listing.rewards.rebate_rate if listing and listing.rewards else Decimal(0)
    return {
        "exponent": int(fees.exponent),
        "rate": float(fees.taker),
        "takerOnly": True,
        "rebateRate": float(rebate),
    }


def _rewards(state: MarketState) -> dict[str, object]:
    """The liquidity rewards fields: ``rewardsMinSize`` (shares), ``rewardsMaxSpread``
    (cents) and one ``clobRewards`` entry (dollars a day), as Gamma sends numbers."""
    listing = state.spec.polymarket
    rewards: LiquidityRewards | None = listing.rewards if listing else None
    if rewards is None or rewards.daily_rate == 0:
        return {"rewardsMinSize": 0, "rewardsMaxSpread": 0, "clobRewards": []}
    start = state.spec.open_time
    program = {
        "id": rewards.program_id,
        "conditionId": state.spec.market_id.symbol,
        "assetAddress": REWARD_ASSET,
        "rewardsAmount": 0,
        "rewardsDailyRate": float(rewards.daily_rate),
        "startDate": start.date().isoformat() if start else "2026-01-01",
        "endDate": NO_END,
    }
    return {
        "rewardsMinSize": float(rewards.min_size),
        "rewardsMaxSpread": float(rewards.max_spread_cents),
        "clobRewards": [program],
    }


def _gamma_time(when: datetime | None) -> str | None:
    """Gamma's ``closedTime`` form: ``2025-01-06 17:05:28+00``."""
    return None if when is None else when.strftime("%Y-%m-%d %H:%M:%S+00")


def _event_head(state: MarketState) -> dict[str, object]:
    """The market's event as Gamma nests it in a market: without its markets."""
    listing = state.spec.polymarket
    assert listing is not None
    closed = state.status in (MarketStatus.CLOSED, MarketStatus.SETTLED)
    head: dict[str, object] = {
        "id": listing.event_id,
        "ticker": listing.event_id,
        "slug": listing.event_id,
        "title": listing.event_title or state.spec.title,
        "active": not closed,
        "closed": closed,
        "negRisk": listing.neg_risk,
        "enableNegRisk": listing.neg_risk,
        "negRiskAugmented": listing.neg_risk_augmented,
    }
    if listing.neg_risk:
        head["negRiskMarketID"] = listing.neg_risk_market_id
    return head


def event_json(event_id: str, rows: Iterable[dict[str, object]]) -> dict[str, object]:
    """``GET /events/{id}``: the event, with every one of its markets; LookupError if
    there is none."""
    markets = [r for r in rows if any(_nested_id(e) == event_id for e in _events(r))]
    if not markets:
        raise LookupError(event_id)
    head = dict(_events(markets[0])[0])
    head["closed"] = all(bool(m["closed"]) for m in markets)
    head["active"] = not head["closed"]
    return head | {"markets": markets}


def _events(row: dict[str, object]) -> list[dict[str, object]]:
    events = row.get("events")
    return [e for e in events if isinstance(e, dict)] if isinstance(events, list) else []


def _nested_id(event: dict[str, object]) -> object:
    return event.get("id")


def _mid(bid: Decimal | None, ask: Decimal | None) -> Decimal:
    if bid is not None and ask is not None:
        return (bid + ask) / 2
    return HALF


def _many(query: Mapping[str, list[str]], *names: str) -> set[str] | None:
    values = [v for name in names for raw in query.get(name, []) for v in raw.split(",") if v]
    return set(values) if values else None


def _flag(query: Mapping[str, list[str]], name: str) -> bool | None:
    raw = query.get(name)
    if not raw:
        return None
    if raw[-1].lower() not in ("true", "false"):
        raise ValueError(f"{name} must be true or false, got {raw[-1]!r}")
    return raw[-1].lower() == "true"


def _number(query: Mapping[str, list[str]], name: str) -> Decimal | None:
    raw = query.get(name)
    return Decimal(raw[-1]) if raw else None


def _asset_ids(row: Mapping[str, object]) -> set[str]:
    """The CTF token ids of a market (none on a "v2" market)."""
    return set(json.loads(str(row.get("clobTokenIds") or "[]")))


def filter_markets(
    rows: Iterable[dict[str, object]], query: Mapping[str, list[str]]
) -> list[dict[str, object]]:
    """Apply Gamma's filters, ordering and ``limit``/``offset``; ValueError on bad input."""
    tokens = _many(query, "clob_token_ids", "clob_token_ids[]", "clobTokenIds")
    conditions = _many(query, "condition_ids", "condition_ids[]", "conditionIds")
    slugs = _many(query, "slug", "slug[]")
    ids = _many(query, "id", "id[]")
    closed, active = _flag(query, "closed"), _flag(query, "active")
    bounds: list[tuple[str, Callable[[Decimal, Decimal], bool], Decimal]] = []
    for key, field in (("liquidity_num", "liquidityNum"), ("volume_num", "volumeNum")):
        for suffix, ok in (("_min", Decimal.__ge__), ("_max", Decimal.__le__)):
            bound = _number(query, key + suffix)
            if bound is not None:
                bounds.append((field, ok, bound))
    out = []
    for row in rows:
        if tokens and not tokens & _asset_ids(row):
            continue
        if conditions and row["conditionId"] not in conditions:
            continue
        if (slugs and row["slug"] not in slugs) or (ids and row["id"] not in ids):
            continue
        if (closed is not None and row["closed"] != closed) or (
            active is not None and row["active"] != active
        ):
            continue
        if not all(ok(Decimal(str(row[f])), b) for f, ok, b in bounds):
            continue
        out.append(row)
    return _page(_order(out, query), query)


def _order(
    rows: list[dict[str, object]], query: Mapping[str, list[str]]
) -> list[dict[str, object]]:
    order = query.get("order")
    if not order:
        return rows
    field = {"volume": "volumeNum", "liquidity": "liquidityNum"}.get(order[-1], order[-1])
    ascending = _flag(query, "ascending")
    return sorted(
        rows,
        key=lambda r: (r.get(field) is None, r.get(field) or 0),
        reverse=ascending is False,
    )


def _page(rows: list[dict[str, object]], query: Mapping[str, list[str]]) -> list[dict[str, object]]:
    limit = int(query["limit"][-1]) if query.get("limit") else 100
    offset = int(query["offset"][-1]) if query.get("offset") else 0
    if limit < 0 or offset < 0:
        raise ValueError("limit and offset must be >= 0")
    return rows[offset : offset + limit]
