"""The fault plan: seeded, per venue and route, counted, windowed, settable at runtime."""

from __future__ import annotations

from predmm.domain import MarketStatus, Venue
from predmm.simulator import Simulator
from predmm.simulator.faults import FaultKind, FaultRule, Faults, RouteKind

K, P = Venue.KALSHI, Venue.POLYMARKET
ORDER = "POST /portfolio/events/orders"


def _pattern(faults: Faults, n: int = 200) -> list[int | None]:
    return [faults.on_request(K, ORDER, kind=RouteKind.ORDER).status for _ in range(n)]


def _plan(seed: int) -> Faults:
    faults = Faults(seed)
    faults.add(FaultRule(kind=FaultKind.RATE_LIMIT, venue=K, route="POST *", probability=0.2))
    faults.add(
        FaultRule(kind=FaultKind.SERVER_ERROR, venue=K, route="POST *", probability=0.1, status=503)
    )
    return faults


def test_the_same_seed_gives_the_same_faults():
    a, b = _pattern(_plan(4)), _pattern(_plan(4))
    assert a == b
    assert {429, 503, None} <= set(a)
    assert _pattern(_plan(5)) != a


def test_a_route_draws_its_own_stream():
    """Traffic on one route does not change the faults another route sees."""
    quiet, busy = _plan(4), _plan(4)
    for _ in range(50):
        busy.on_request(K, "POST /portfolio/events/orders/batched", kind=RouteKind.ORDER)
    assert _pattern(quiet) == _pattern(busy)


def test_counted_rules_and_venue_and_route_matching():
    faults = Faults(0)
    faults.fail_next(K, "DELETE *", status=429, count=2)
    assert faults.on_request(P, "DELETE /order").serve
    assert faults.on_request(K, "GET /markets").serve
    first = faults.on_request(K, "DELETE /portfolio/events/orders/{order_id}")
    assert (first.status, first.code, first.retry_after_s) == (429, "rate_limit", 1.0)
    assert faults.on_request(K, "DELETE /x").status == 429
    assert faults.on_request(K, "DELETE /x").serve
    assert [f.kind for f in faults.fired] == [FaultKind.RATE_LIMIT, FaultKind.RATE_LIMIT]


def test_latency_ambiguity_and_stale_reads_combine():
    faults = Faults(0)
    faults.delay(P, "POST /order", 0.5)
    faults.ambiguous_next(P, "POST /order")
    faults.stale_reads(P, "GET /data/orders", window_s=3)
    d = faults.on_request(P, "POST /order", kind=RouteKind.ORDER)
    assert (d.latency_s, d.ambiguous, d.serve) == (0.5, True, True)
    assert not faults.on_request(P, "POST /order").ambiguous
    read = faults.on_request(P, "GET /data/orders", kind=RouteKind.READ)
    assert read.stale_read
    assert read.stale_window_s == 3


def test_engine_restart_window_then_post_only_mode():
    now = [1000.0]
    faults = Faults(0, clock=lambda: now[0])
    faults.engine_restart(P, 90, post_only_seconds=120)
    assert faults.on_request(P, "POST /order", kind=RouteKind.ORDER).status == 425
    assert faults.on_request(P, "DELETE /order", kind=RouteKind.CANCEL).status == 425
    assert faults.on_request(P, "GET /book", kind=RouteKind.READ).serve
    assert faults.on_request(K, ORDER, kind=RouteKind.ORDER).serve
    now[0] = 1090.0
    after = faults.on_request(P, "POST /order", kind=RouteKind.ORDER)
    assert after.serve
    assert after.post_only_mode
    assert faults.on_request(P, "DELETE /order", kind=RouteKind.CANCEL).serve
    now[0] = 1210.0
    assert not faults.on_request(P, "POST /order", kind=RouteKind.ORDER).post_only_mode


def test_websocket_faults():
    faults = Faults(0)
    faults.ws_fault(K, FaultKind.WS_SKIP_SEQ, "orderbook_delta")
    faults.ws_fault(K, FaultKind.WS_DUPLICATE, "orderbook_delta")
    faults.ws_fault(P, FaultKind.WS_DROP, "*")
    assert faults.on_ws_message(K, "ticker") == faults.on_ws_message(K, "fill")
    d = faults.on_ws_message(K, "orderbook_delta")
    assert (d.skip_seq, d.duplicate, d.drop) == (True, True, False)
    assert not faults.on_ws_message(K, "orderbook_delta").skip_seq
    assert faults.on_ws_message(P, "book").drop
    assert not faults.on_request(K, "GET /x").ambiguous  # ws rules never touch requests


def test_scheduled_market_pause_runs_on_the_simulated_clock():
    sim = Simulator(seed=1, flow=False)
    mid = sim.universe.specs[0].market_id
    sim.faults.schedule_pause(mid, sim.clock.timestamp() + 10, 30)
    sim.advance(5)
    assert sim.exchange.status(mid) is MarketStatus.OPEN
    sim.advance(10)
    assert sim.exchange.status(mid) is MarketStatus.PAUSED
    sim.advance(30)
    assert sim.exchange.status(mid) is MarketStatus.OPEN


def test_late_acceptance_is_decided_per_request_and_runs_on_the_simulated_clock():
    sim = Simulator(seed=1, flow=False)
    sim.faults.late_accept(P, "POST /order", after_s=3.0, count=2)
    decision = sim.faults.on_request(P, "POST /order", kind=RouteKind.ORDER)
    assert (decision.serve, decision.late_accept_s, decision.late_answer_s) == (True, 3.0, None)
    done: list[str] = []
    first = sim.defer(3.0, lambda: done.append("first") or "one")
    sim.defer(1.0, lambda: done.append("second"))
    sim.defer(3.0, lambda: done.append("third"))
    sim.advance(2.0)
    assert done == ["second"]
    assert not first.done
    sim.advance(1.0)
    assert done == ["second", "first", "third"]  # in time order, ties in the order deferred
    assert (first.done, first.result) == (True, "one")
    assert sim.faults.on_request(P, "POST /order").late_accept_s == 3.0
    assert sim.faults.on_request(P, "POST /order").late_accept_s is None  # count 2: spent
