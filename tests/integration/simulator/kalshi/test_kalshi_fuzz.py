"""Property: any body sent to the order routes gets a Kalshi-shaped answer (never a
5xx, never a stack trace), and a request that is refused leaves the book and the
account exactly as they were."""

from __future__ import annotations

import json
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from predmm.domain import MarketId, Venue
from predmm.simulator import Simulator

FED = "KXFEDDECISION-26DEC-C25"
FED_ID = MarketId(Venue.KALSHI, FED)

json_scalars = (
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=8)
)
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=3), max_leaves=6)
plausible = {
    "ticker": st.sampled_from([FED, "NOPE", ""]) | json_values,
    "side": st.sampled_from(["bid", "ask", "yes"]) | json_values,
    "count": st.sampled_from(["1", "2.50", "0", "-1", "1.234", "1e3", "999999999"]) | json_values,
    "price": st.sampled_from(["0.4000", "0.41", "0.405", "1", "0", ".5", "NaN"]) | json_values,
    "time_in_force": st.sampled_from(
        ["good_till_canceled", "immediate_or_cancel", "fill_or_kill", "gtc"]
    )
    | json_values,
    "self_trade_prevention_type": st.sampled_from(["taker_at_cross", "maker", "x"]) | json_values,
    "client_order_id": st.text(max_size=6) | json_values,
    "post_only": st.booleans() | json_values,
    "reduce_only": st.booleans() | json_values,
    "expiration_time": st.integers(-5, 2**40) | json_values,
}
bodies = st.fixed_dictionaries({}, optional=plausible) | json_values


def _encode(body: Any) -> bytes:
    """JSON as a careless client may send it (NaN and Infinity included)."""
    return json.dumps(body, allow_nan=True).encode()


def _state(sim: Simulator) -> tuple[Any, ...]:
    account = sim.maker.kalshi_account
    return (
        sim.exchange.book(FED_ID),
        sim.exchange.balance(account),
        len(sim.exchange.orders(account)),
    )


@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=bodies)
async def test_any_create_body_gets_a_kalshi_answer(
    client: httpx.AsyncClient, sim: Simulator, body: Any
) -> None:
    before = _state(sim)
    response = await client.post("/portfolio/events/orders", content=_encode(body))
    assert response.status_code in (201, 400, 404, 409), response.text
    error = response.json()
    if response.status_code == 201:
        assert sim.exchange.order(error["order_id"]) is not None
        await client.delete("/portfolio/events/orders")  # back to an empty book
        return
    assert ("error" in error) or (error.get("code") == "bad_request"), error
    assert _state(sim) == before


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(body=json_values, route=st.sampled_from(["batched", "amend", "decrease"]))
async def test_any_body_on_other_write_routes_is_refused_cleanly(
    client: httpx.AsyncClient, sim: Simulator, body: Any, route: str
) -> None:
    before = _state(sim)
    if route == "batched":
        content = _encode({"orders": body})
        response = await client.post("/portfolio/events/orders/batched", content=content)
    else:
        response = await client.post(f"/portfolio/events/orders/abc/{route}", content=_encode(body))
    assert response.status_code in (201, 400, 404), response.text
    assert _state(sim) == before or response.status_code == 201
