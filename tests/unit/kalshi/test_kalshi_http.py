"""KalshiPlatform's HTTP behaviour against a scripted fake venue (ASGI, no sockets):
signed requests, pagination, retries, 409 look-ups, per-order results."""

from __future__ import annotations

import base64
import json
from collections import defaultdict
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from predmm.domain import (
    AuthenticationError,
    ClientOrderId,
    MarketId,
    OffGridPrice,
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    RateLimited,
    Venue,
    VenueOrderId,
    VenueProtocolError,
    VenueUnavailable,
)
from predmm.platforms.kalshi import KalshiPlatform, RetryPolicy, capabilities_for, ws_url_for
from predmm.platforms.kalshi.endpoints import (
    DEMO_URL,
    DEMO_WS_URL,
    PRODUCTION_URL,
    PRODUCTION_WS_URL,
)
from predmm.platforms.venue import VenueClient

FIXTURES = Path(__file__).parent / "fixtures"
BASE = "http://kalshi.test/trade-api/v2"
MID = MarketId(Venue.KALSHI, "KXHIGHNY-26JUN11-T85")
ED25519_PEM = (
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
    "-----END PRIVATE KEY-----\n"
)
PUBLIC = ed25519.Ed25519PublicKey.from_public_bytes(
    bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
)


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


@attrs.define
class Seen:
    method: str
    path: str
    query: dict[str, str]
    body: Any


@attrs.define
class FakeVenue:
    """Answers each "METHOD /path" from a script (the last answer repeats) and checks
    every request's signature like Kalshi does."""

    script: dict[str, list[tuple[int, Any]]] = attrs.field(factory=lambda: defaultdict(list))
    seen: list[Seen] = attrs.field(factory=list)

    def on(self, route: str, *answers: tuple[int, Any]) -> None:
        self.script[route].extend(answers)

    def count(self, route: str) -> int:
        return sum(1 for s in self.seen if f"{s.method} {s.path}" == route)

    async def handle(self, request: Request) -> Response:
        path = request.url.path.removeprefix("/trade-api/v2")
        message = (
            request.headers["KALSHI-ACCESS-TIMESTAMP"] + request.method + request.url.path
        ).encode()
        PUBLIC.verify(base64.b64decode(request.headers["KALSHI-ACCESS-SIGNATURE"]), message)
        raw = await request.body()
        self.seen.append(
            Seen(request.method, path, dict(request.query_params), json.loads(raw) if raw else None)
        )
        answers = self.script[f"{request.method} {path}"]
        if not answers:
            return JSONResponse({"error": {"code": "not_found", "message": "no script"}}, 404)
        status, body = answers.pop(0) if len(answers) > 1 else answers[0]
        if body is None:
            return Response(status_code=status)
        return JSONResponse(body, status_code=status)


@pytest.fixture
def venue() -> FakeVenue:
    return FakeVenue()


@pytest.fixture
async def platform(venue: FakeVenue) -> AsyncIterator[KalshiPlatform]:
    app = Starlette(routes=[Route("/{p:path}", venue.handle, methods=["GET", "POST", "DELETE"])])
    client = KalshiPlatform(
        api_key="key-id",
        api_secret=ED25519_PEM,
        base_url=BASE,
        retry=RetryPolicy(attempts=4, base_delay=0.0, max_delay=0.0),
        transport=httpx.ASGITransport(app=app),
    )
    yield client
    await client.aclose()


def order(cid: str = "cid-1", **kw: Any) -> Order:
    fields: dict[str, Any] = {
        "client_order_id": ClientOrderId(cid),
        "market_id": MID,
        "side": OrderSide.YES,
        "price": Decimal("0.56"),
        "quantity": Decimal(1),
    }
    return Order(**(fields | kw))


def orders_page(*items: dict[str, Any], cursor: str = "") -> dict[str, Any]:
    return {"orders": list(items), "cursor": cursor}


RESTING = load("order_resting.json")["order"]


async def test_platform_is_a_venue_client_with_kalshi_capabilities(
    platform: KalshiPlatform,
) -> None:
    assert isinstance(platform, VenueClient)
    caps = platform.capabilities
    assert (caps.order_tokens, caps.cancel_tokens) == (Decimal(10), Decimal(2))
    assert (caps.write_tokens_per_s, caps.write_burst) == (Decimal(100), Decimal(100))
    assert (caps.max_batch_create, caps.max_batch_cancel) == (10, 20)
    assert caps.amend
    assert caps.fractional_counts
    assert capabilities_for("premier").max_batch_create == 20


def test_urls_for_production_demo_and_custom() -> None:
    assert ws_url_for(PRODUCTION_URL) == PRODUCTION_WS_URL
    assert ws_url_for(DEMO_URL) == DEMO_WS_URL
    assert ws_url_for("http://127.0.0.1:5000/trade-api/v2") == "ws://127.0.0.1:5000/trade-api/ws/v2"


async def test_markets_follow_the_cursor(venue: FakeVenue, platform: KalshiPlatform) -> None:
    first = {"markets": [load("market.json")["market"]], "cursor": "page-2"}
    venue.on("GET /markets", (200, first), (200, load("markets_tapered_empty.json")))
    venue.on("GET /events", (200, load("events.json")))
    markets = await platform.get_markets(status="open")
    assert [m.market_id.symbol for m in markets] == ["KXSPACEXSTARSHIP-12-26MAY19", "KXTAPER-26-T1"]
    assert [s.query.get("cursor") for s in venue.seen if s.path == "/markets"] == [None, "page-2"]
    assert venue.seen[0].query == {"status": "open", "limit": "1000"}


async def test_markets_learn_their_events_exclusivity_once(
    venue: FakeVenue, platform: KalshiPlatform
) -> None:
    """GET /events (spec-shaped EventData, fixtures/events.json): MECNET events say at
    most one of their markets resolves YES; each event is read once."""
    venue.on("GET /markets", (200, load("markets_tapered_empty.json")))
    venue.on("GET /markets/KXSPACEXSTARSHIP-12-26MAY19", (200, load("market.json")))
    star_event, taper_event = load("events.json")["events"]
    venue.on(
        "GET /events",
        (200, {"events": [taper_event], "cursor": ""}),
        (200, {"events": [star_event], "cursor": ""}),
    )
    [taper] = await platform.get_markets(status="open")
    star = await platform.get_market(MarketId(Venue.KALSHI, "KXSPACEXSTARSHIP-12-26MAY19"))
    assert (str(taper.event_id), taper.exclusive) == ("KXTAPER-26", False)
    assert (str(star.event_id), star.exclusive, star.exhaustive) == (
        "KXSPACEXSTARSHIP-12",
        True,
        False,  # Kalshi says "at most one", never "exactly one"
    )
    await platform.get_markets(status="open")
    asked = [s.query["tickers"] for s in venue.seen if s.path == "/events"]
    assert asked == ["KXTAPER-26", "KXSPACEXSTARSHIP-12"]
    assert {s.query["limit"] for s in venue.seen if s.path == "/events"} == {"200"}


async def test_usage_guide_place_order_returns_an_order(
    venue: FakeVenue, platform: KalshiPlatform
) -> None:
    venue.on("POST /portfolio/events/orders", (201, load("create_ioc_taker.json")))
    placed = await platform.place_order(
        market_id=MID,
        side=OrderSide.NO,
        order_type=OrderType.LIMIT,
        quantity=Decimal(1),
        price=Decimal("0.48"),
    )
    assert placed.status is OrderStatus.FILLED
    assert placed.filled_quantity == 1
    assert placed.venue_order_id == VenueOrderId("97ec5b3a-1f2d-4e6c-a8b9-0c7d6e5f4a32")
    body = venue.seen[0].body
    assert (body["side"], body["price"], body["count"]) == ("ask", "0.5200", "1.00")
    assert body["client_order_id"] == placed.client_order_id.value


async def test_a_429_backs_off_and_succeeds(venue: FakeVenue, platform: KalshiPlatform) -> None:
    venue.on(
        "POST /portfolio/events/orders",
        (429, {"error": "too many requests"}),
        (429, {"error": "too many requests"}),
        (201, load("create_maker.json")),
    )
    [result] = await platform.place_orders([order()])
    assert result.status is OrderStatus.OPEN
    assert platform.http_stats.rate_limited == 2
    ids = {s.body["client_order_id"] for s in venue.seen}
    assert ids == {"cid-1"}


async def test_429_forever_raises_rate_limited(venue: FakeVenue, platform: KalshiPlatform) -> None:
    venue.on("GET /portfolio/balance", (429, {"error": "too many requests"}))
    with pytest.raises(RateLimited):
        await platform.get_balance()
    assert venue.count("GET /portfolio/balance") == 4


async def test_bad_credentials_fail_after_one_request(
    venue: FakeVenue, platform: KalshiPlatform
) -> None:
    body = {
        "error": {
            "code": "authentication_error",
            "message": "authentication_error",
            "details": "NOT_FOUND",
        }
    }
    venue.on("POST /portfolio/events/orders", (401, body))
    with pytest.raises(AuthenticationError, match="NOT_FOUND"):
        await platform.place_orders([order()])
    assert len(venue.seen) == 1


async def test_lost_answer_then_409_reports_the_existing_order(
    venue: FakeVenue, platform: KalshiPlatform
) -> None:
    exists = {"error": {"code": "order_already_exists", "message": "order already exists"}}
    venue.on(
        "POST /portfolio/events/orders",
        (504, {"error": {"code": "gateway_timeout", "message": "gateway timeout"}}),
        (409, exists),
    )
    venue.on("GET /portfolio/orders", (200, orders_page(RESTING)))
    [result] = await platform.place_orders([order(RESTING["client_order_id"])])
    assert result.status is OrderStatus.OPEN
    assert result.venue_order_id == VenueOrderId(RESTING["order_id"])
    assert venue.count("POST /portfolio/events/orders") == 2
    assert venue.seen[-1].query["ticker"] == MID.symbol


async def test_batch_items_each_get_their_result(
    venue: FakeVenue, platform: KalshiPlatform
) -> None:
    venue.on("POST /portfolio/events/orders/batched", (201, load("batch_create.json")))
    batch = [
        order("8c35ecb3-328f-4f52-8c7c-0f4b9862f8d1", quantity=Decimal(10)),
        order("2a0e3fc9-b593-4aa3-96e5-82f7f7566c2a", quantity=Decimal(5)),
        order("cid-3"),
    ]
    results = await platform.place_orders(batch)
    assert [r.status for r in results] == [
        OrderStatus.OPEN,
        OrderStatus.FILLED,
        OrderStatus.REJECTED,
    ]
    assert results[2].reason == "invalid_price: invalid price"
    assert len(venue.seen[0].body["orders"]) == 3


async def test_off_grid_price_raises_before_sending(
    venue: FakeVenue, platform: KalshiPlatform
) -> None:
    venue.on(
        "GET /markets/KXHIGHNY-26JUN11-T85",
        (200, {"market": load("market.json")["market"] | {"ticker": MID.symbol}}),
    )
    venue.on("GET /events", (200, load("events.json")))
    await platform.get_market(MID)
    with pytest.raises(OffGridPrice):
        await platform.place_orders([order(price=Decimal("0.555"))])
    assert venue.count("POST /portfolio/events/orders") == 0


async def test_rejections_are_results(venue: FakeVenue, platform: KalshiPlatform) -> None:
    cross = {
        "error": {"code": "invalid_order", "message": "invalid order", "details": "post only cross"}
    }
    venue.on("POST /portfolio/events/orders", (400, cross))
    [result] = await platform.place_orders([order()])
    assert result.status is OrderStatus.REJECTED
    assert result.reason == "invalid_order: invalid order: post only cross"


async def test_cancel_of_a_dead_order_is_not_cancelled(
    venue: FakeVenue, platform: KalshiPlatform
) -> None:
    oid = "2597a2f4-07e8-4d7e-93c6-3f0b8c1d9e10"
    venue.on(
        f"DELETE /portfolio/events/orders/{oid}",
        (404, {"error": {"code": "not_found", "message": "not found"}}),
    )
    [result] = await platform.cancel_orders([order(venue_order_id=VenueOrderId(oid))])
    assert not result.cancelled
    assert venue.seen[0].query == {"market_ticker": MID.symbol}


async def test_batch_cancel_and_cancel_all(venue: FakeVenue, platform: KalshiPlatform) -> None:
    answer = {
        "orders": [
            {"order_id": "o1", "client_order_id": "a", "reduced_by": "1.00", "ts_ms": 1},
            {
                "order_id": "o2",
                "reduced_by": "0.00",
                "error": {"code": "not_found", "message": "not found"},
            },
        ]
    }
    venue.on("DELETE /portfolio/events/orders/batched", (200, answer))
    venue.on("GET /portfolio/orders", (200, orders_page(RESTING, RESTING)))
    venue.on("DELETE /portfolio/events/orders", (204, None))
    results = await platform.cancel_orders(
        [
            order("a", venue_order_id=VenueOrderId("o1")),
            order("b", venue_order_id=VenueOrderId("o2")),
        ]
    )
    assert [(r.cancelled, r.reduced_by) for r in results] == [
        (True, Decimal(1)),
        (False, Decimal(0)),
    ]
    assert venue.seen[0].body == {
        "orders": [
            {"order_id": "o1", "market_ticker": MID.symbol},
            {"order_id": "o2", "market_ticker": MID.symbol},
        ]
    }
    assert await platform.cancel_all() == 2
    assert venue.count("DELETE /portfolio/events/orders") == 1


async def test_amend_sends_the_new_total(venue: FakeVenue, platform: KalshiPlatform) -> None:
    oid = "2597a2f4-07e8-4d7e-93c6-3f0b8c1d9e10"
    venue.on(
        f"POST /portfolio/events/orders/{oid}/amend",
        (
            200,
            {
                "order_id": oid,
                "client_order_id": "cid-1",
                "remaining_count": "3.00",
                "fill_count": "0.00",
                "ts_ms": 1,
            },
        ),
    )
    live = order(venue_order_id=VenueOrderId(oid), filled_quantity=Decimal(1), quantity=Decimal(2))
    result = await platform.amend_order(live, Decimal("0.57"), Decimal(4))
    assert result.status is OrderStatus.PARTIALLY_FILLED
    assert result.filled_quantity == 1
    assert venue.seen[0].body == {
        "ticker": MID.symbol,
        "side": "bid",
        "price": "0.5700",
        "count": "4.00",
        "client_order_id": "cid-1",
    }


async def test_retired_v1_endpoint_and_5xx(venue: FakeVenue, platform: KalshiPlatform) -> None:
    gone = {
        "error": {
            "code": "deprecated_v1_order_endpoint",
            "message": "Please switch to the V2 endpoints",
        }
    }
    venue.on("GET /portfolio/fills", (410, gone))
    with pytest.raises(VenueProtocolError, match="GET /portfolio/fills"):
        await platform.get_fills()
    venue.on(
        "GET /portfolio/positions",
        (503, {"error": {"code": "service_unavailable", "message": "x"}}),
    )
    with pytest.raises(VenueUnavailable):
        await platform.get_positions()
    assert venue.count("GET /portfolio/positions") == 4


async def test_reads_fills_positions_balance(venue: FakeVenue, platform: KalshiPlatform) -> None:
    venue.on(
        "GET /portfolio/fills",
        (200, load("fills.json") | {"cursor": "next"}),  # newest first, an older page behind
        (200, {"fills": [], "cursor": ""}),
    )
    venue.on("GET /portfolio/positions", (200, load("positions.json")))
    venue.on("GET /portfolio/balance", (200, load("balance.json")))
    venue.on("GET /markets/KXHIGHNY-26JUN11-T85/orderbook", (200, load("orderbook.json")))
    page = await platform.get_fills()  # walks both pages
    assert venue.count("GET /portfolio/fills") == 2
    assert page.cursor == "since:1781159370"  # the next walk starts at the newest fill's second
    assert [f.ts for f in page.fills] == sorted(f.ts for f in page.fills if f.ts)  # oldest first
    assert len(page.fills) == 2
    assert [p.no_contracts for p in await platform.get_positions()] == [0, Decimal("3.5")]
    assert await platform.get_balance() == Decimal("98.0186")
    assert (await platform.get_order_book(MID)).best_bid() == Decimal("0.47")


async def test_order_by_venue_id(venue: FakeVenue, platform: KalshiPlatform) -> None:
    oid = RESTING["order_id"]
    venue.on(f"GET /portfolio/orders/{oid}", (200, {"order": RESTING}))
    found = await platform.get_order_by_id(VenueOrderId(oid))
    assert found is not None
    assert found.status is OrderStatus.OPEN
    assert await platform.get_order_by_id(VenueOrderId("gone")) is None  # 404
