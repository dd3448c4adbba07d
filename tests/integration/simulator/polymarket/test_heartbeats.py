"""The order-safety heartbeat: trio time drives it, so tests use trio's MockClock."""

from __future__ import annotations

from typing import Any

import trio


async def test_heartbeat_chain_and_timeout_cancels_everything(
    poly: Any, mkt: Any, autojump_clock: trio.testing.MockClock
) -> None:
    first = await poly.call("POST", "/v1/heartbeats", {"heartbeat_id": ""})
    hb = first.json()["heartbeat_id"]
    assert hb
    for price in ("0.30", "0.31"):
        await poly.call("POST", "/order", poly.order(mkt.yes, "BUY", price, "5"))
    await trio.sleep(9)
    wrong = await poly.call("POST", "/v1/heartbeats", {"heartbeat_id": "nope"})
    assert wrong.status_code == 400
    assert wrong.json() == {
        "error": "Invalid Heartbeat ID", "error_msg": "Invalid Heartbeat ID", "heartbeat_id": hb,
    }  # fmt: skip
    hb = (await poly.call("POST", "/v1/heartbeats", {"heartbeat_id": hb})).json()["heartbeat_id"]
    await trio.sleep(9)
    assert len((await poly.call("GET", "/data/orders")).json()["data"]) == 2
    await trio.sleep(1.5)  # 10.5 s since the last heartbeat
    assert (await poly.call("GET", "/data/orders")).json()["data"] == []
    assert poly.sim.exchange.open_orders(poly.key.account_id) == []
    stale = await poly.call("POST", "/v1/heartbeats", {"heartbeat_id": hb})
    assert stale.status_code == 400  # the session ended with the timeout
