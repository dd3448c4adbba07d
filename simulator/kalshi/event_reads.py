"""Event reads: ``GET /events`` and ``GET /events/{event_ticker}`` (``EventData``: the
event's ``mutually_exclusive`` flag, ``collateral_return_type`` ``MECNET`` when it is
set, and, when asked, its markets)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from predmm.domain import MarketStatus, Venue
from predmm.simulator.exchange import MarketState
from predmm.simulator.kalshi import errors, wire
from predmm.simulator.kalshi.endpoint import Call, json_response
from predmm.simulator.kalshi.reads import paginate
from predmm.simulator.kalshi.requests import int_param

STATUSES = ("unopened", "open", "closed", "settled")


def _events(call: Call) -> dict[str, list[MarketState]]:
    """Every Kalshi event of the exchange, with its markets, by ticker."""
    out: dict[str, list[MarketState]] = {}
    states = sorted(call.fe.exchange.markets(Venue.KALSHI), key=lambda s: s.market_id.symbol)
    for state in states:
        out.setdefault(call.fe.event_ticker(state), []).append(state)
    return out


def _status(markets: list[MarketState]) -> str:
    statuses = {m.status for m in markets}
    if MarketStatus.OPEN in statuses or MarketStatus.PAUSED in statuses:
        return "open"
    if statuses == {MarketStatus.SETTLED}:
        return "settled"
    if statuses == {MarketStatus.UNOPENED}:
        return "unopened"
    return "closed"


def _series(state: MarketState) -> str:
    listing = state.spec.kalshi
    return listing.series_ticker if listing is not None else ""


def _flag(call: Call, name: str, operation: str) -> bool:
    raw = str(call.query.get(name, "false")).lower()
    if raw not in ("true", "false"):
        raise errors.invalid_parameters(operation, f"{name}: {raw!r} is not a boolean")
    return raw == "true"


def event_json(call: Call, ticker: str, markets: list[MarketState], nested: bool) -> dict[str, Any]:
    first = markets[0].spec
    listing = first.kalshi
    exclusive = bool(listing and listing.mutually_exclusive)
    body: dict[str, Any] = {
        "event_ticker": ticker,
        "series_ticker": listing.series_ticker if listing else ticker,
        "sub_title": "",
        "title": (listing.event_title if listing else "") or first.title,
        "collateral_return_type": "MECNET" if exclusive else "",
        "mutually_exclusive": exclusive,
        "category": listing.category if listing else "",
        "settlement_sources": [],
        "last_updated_ts": wire.iso(first.open_time or call.fe.now()),
    }
    if nested:
        body["markets"] = [call.fe.market_json(m) for m in markets]
    return body


def events(call: Call) -> Response:
    operation = "GetEvents"
    limit = int_param(call.query, "limit", operation, 1, 200, 200) or 200
    status = call.query.get("status")
    if status and status not in STATUSES:
        raise errors.invalid_parameters(operation, f"status: {status!r} is not an event status")
    nested = _flag(call, "with_nested_markets", operation)
    tickers = {t.strip() for t in call.query.get("tickers", "").split(",") if t.strip()}
    series = call.query.get("series_ticker")
    chosen = [
        (ticker, markets)
        for ticker, markets in _events(call).items()
        if (not tickers or ticker in tickers)
        and (not status or _status(markets) == status)
        and (
            not series
            or any(m.spec.kalshi and m.spec.kalshi.series_ticker == series for m in markets)
        )
    ]
    page, cursor = paginate(chosen, lambda item: item[0], limit, call.query.get("cursor", ""))
    body = [event_json(call, ticker, markets, nested) for ticker, markets in page]
    return json_response({"events": body, "cursor": cursor})


def event(call: Call) -> Response:
    ticker = call.path_param("event_ticker")
    markets = _events(call).get(ticker)
    if not markets:
        raise errors.not_found()
    nested = _flag(call, "with_nested_markets", "GetEvent")
    return json_response(
        {
            "event": event_json(call, ticker, markets, nested),
            "markets": [call.fe.market_json(m) for m in markets],
        }
    )
