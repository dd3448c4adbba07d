"""The fault plan as the Kalshi front end applies it: injected 429/5xx, the engine
restart window, ambiguous submits, stale reads after a cancel, added latency."""

from __future__ import annotations

import httpx

from predmm.domain import Venue
from predmm.simulator import Simulator
from predmm.simulator.kalshi.testing import order_body

FED = "KXFEDDECISION-26DEC-C25"
CREATE = "POST /portfolio/events/orders"


async def test_injected_errors_use_kalshi_shapes(client: httpx.AsyncClient, sim: Simulator) -> None:
    sim.faults.fail_next(Venue.KALSHI, CREATE, status=429)
    limited = await client.post("/portfolio/events/orders", json=order_body(FED))
    assert (limited.status_code, limited.json()) == (429, {"error": "too many requests"})
    sim.faults.fail_next(Venue.KALSHI, CREATE, status=500)
    failed = await client.post("/portfolio/events/orders", json=order_body(FED))
    assert failed.status_code == 500
    assert failed.json()["error"]["code"] == "internal_server_error"
    assert sim.exchange.orders(sim.maker.kalshi_account) == []
    assert (await client.post("/portfolio/events/orders", json=order_body(FED))).status_code == 201


async def test_engine_restart_refuses_writes_but_not_reads(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    oid = (await client.post("/portfolio/events/orders", json=order_body(FED))).json()["order_id"]
    sim.faults.engine_restart(Venue.KALSHI, 30)
    status = (await client.get("/exchange/status")).json()
    assert status["trading_active"] is False
    for response in (
        await client.post("/portfolio/events/orders", json=order_body(FED)),
        await client.delete(f"/portfolio/events/orders/{oid}"),
    ):
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "service_unavailable"
    assert (await client.get(f"/portfolio/orders/{oid}")).json()["order"]["status"] == "resting"
    sim.advance(31)
    assert (await client.delete(f"/portfolio/events/orders/{oid}")).status_code == 200


async def test_ambiguous_submit_is_accepted_but_the_answer_is_lost(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    sim.faults.ambiguous_next(Venue.KALSHI, CREATE)
    lost = await client.post("/portfolio/events/orders", json=order_body(FED, client_order_id="x"))
    assert lost.status_code == 504
    retry = await client.post("/portfolio/events/orders", json=order_body(FED, client_order_id="x"))
    assert retry.status_code == 409  # it was placed: look it up, never place it twice
    (order,) = (await client.get("/portfolio/orders")).json()["orders"]
    assert (order["client_order_id"], order["status"]) == ("x", "resting")


async def test_stale_read_shows_a_cancelled_order_resting_for_a_while(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    oid = (await client.post("/portfolio/events/orders", json=order_body(FED))).json()["order_id"]
    assert (await client.delete(f"/portfolio/events/orders/{oid}")).status_code == 200
    sim.faults.stale_reads(Venue.KALSHI, "GET /portfolio/orders*", window_s=2.0)
    stale = (await client.get(f"/portfolio/orders/{oid}")).json()["order"]
    assert (stale["status"], stale["remaining_count_fp"]) == ("resting", "10.00")
    assert (await client.delete(f"/portfolio/events/orders/{oid}")).status_code == 404
    sim.advance(2.5)
    fresh = (await client.get(f"/portfolio/orders/{oid}")).json()["order"]
    assert fresh["status"] == "canceled"


async def test_latency_is_added_before_answering(client: httpx.AsyncClient, sim: Simulator) -> None:
    import trio

    sim.faults.delay(Venue.KALSHI, "GET /exchange/status", 0.05, count=1)
    start = trio.current_time()
    assert (await client.get("/exchange/status")).status_code == 200
    assert trio.current_time() - start >= 0.05


async def test_a_late_accepted_submit_is_placed_after_its_client_gave_up(
    client: httpx.AsyncClient, sim: Simulator
) -> None:
    """Late acceptance: the answer times out (here it comes, as a 504, before the work),
    and the venue places the order 2 s later anyway; the same client order id again is
    then "already exists"."""
    sim.faults.late_accept(Venue.KALSHI, CREATE, after_s=2.0, answer_after_s=0.01)
    body = order_body(FED, client_order_id="late")
    lost = await client.post("/portfolio/events/orders", json=body)
    assert lost.status_code == 504
    assert (await client.get("/portfolio/orders")).json()["orders"] == []
    sim.advance(1.0)
    assert (await client.get("/portfolio/orders")).json()["orders"] == []
    sim.advance(1.0)
    (order,) = (await client.get("/portfolio/orders")).json()["orders"]
    assert (order["client_order_id"], order["status"]) == ("late", "resting")
    again = await client.post("/portfolio/events/orders", json=body)
    assert again.status_code == 409
