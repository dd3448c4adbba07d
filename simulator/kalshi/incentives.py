"""``GET /incentive_programs``: the incentive programs of the listed markets
(``KalshiListing.incentives``), filtered by ``status`` (``all``, ``active``,
``upcoming``, ``closed``, ``paid_out``) and ``type``, paged by ``limit`` (1-10,000,
default 100) and ``cursor``; the next page's cursor is ``next_cursor`` (absent on the last
page). Rewards are in centi-cents, the target size a fixed-point count."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.responses import Response

from predmm.domain import Venue
from predmm.simulator.exchange import KalshiIncentive, MarketState
from predmm.simulator.kalshi import errors, wire
from predmm.simulator.kalshi.endpoint import Call, json_response
from predmm.simulator.kalshi.reads import paginate
from predmm.simulator.kalshi.requests import int_param
from predmm.simulator.kalshi.serialize import market_uuid

OPERATION = "GetIncentivePrograms"
STATUSES = ("all", "active", "upcoming", "closed", "paid_out")
TYPES = ("all", "liquidity", "volume", "margin_maker_volume", "margin_taker_volume")


def status_of(program: KalshiIncentive, now: datetime) -> str:
    if program.paid_out:
        return "paid_out"
    if now < program.start:
        return "upcoming"
    return "active" if now < program.end else "closed"


def program_json(state: MarketState, program: KalshiIncentive) -> dict[str, Any]:
    ticker = state.market_id.symbol
    body: dict[str, Any] = {
        "id": program.program_id,
        "market_id": market_uuid(ticker),
        "market_ticker": ticker,
        "incentive_type": program.kind,
        "incentive_description": program.description,
        "start_date": wire.iso(program.start),
        "end_date": wire.iso(program.end),
        "period_reward": program.period_reward_centicents,
        "paid_out": program.paid_out,
    }
    if program.discount_factor_bps is not None:  # the optional rules: absent when unset
        body["discount_factor_bps"] = program.discount_factor_bps
    if program.target_size is not None:
        body["target_size_fp"] = wire.count(program.target_size)
    if program.max_reward_per_account_centicents is not None:
        body["max_reward_per_account"] = program.max_reward_per_account_centicents
    return body


def _choice(call: Call, name: str, allowed: tuple[str, ...]) -> str:
    value = call.query.get(name) or "all"
    if value not in allowed:
        raise errors.invalid_parameters(OPERATION, f"{name}: {value!r} is not one of {allowed}")
    return value


def incentive_programs(call: Call) -> Response:
    status = _choice(call, "status", STATUSES)
    kind = _choice(call, "type", TYPES)
    limit = int_param(call.query, "limit", OPERATION, 1, 10_000, 100)
    described = call.query.get("incentive_description")
    now = call.fe.now()
    rows = [
        (state, program)
        for state in sorted(call.fe.exchange.markets(Venue.KALSHI), key=lambda s: s.market_id)
        if state.spec.kalshi is not None
        for program in state.spec.kalshi.incentives
        if status in ("all", status_of(program, now))
        and kind in ("all", program.kind)
        and (described is None or program.description == described)
    ]
    cursor_in = call.query.get("cursor", "")
    page, cursor = paginate(rows, lambda row: row[1].program_id, limit, cursor_in)
    body: dict[str, Any] = {"incentive_programs": [program_json(s, p) for s, p in page]}
    if cursor:
        body["next_cursor"] = cursor
    return json_response(body)
