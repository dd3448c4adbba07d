"""The heartbeat watchdog of a served simulator cancels on its own, with no request."""

from __future__ import annotations

import json
from typing import Any

import pytest
import trio
from trio_websocket import open_websocket_url

from predmm.simulator.polymarket import PolymarketOptions


@pytest.fixture
def options() -> PolymarketOptions:
    return PolymarketOptions(heartbeat_timeout_s=0.5)


async def test_served_watchdog_cancels_without_any_request(served: Any, mkt: Any) -> None:
    poly = served.client
    key = poly.key
    auth = {"apiKey": key.api_key, "secret": key.secret, "passphrase": key.passphrase}
    async with open_websocket_url(served.user_ws) as ws:
        await ws.send_message(json.dumps({"auth": auth, "type": "user"}))
        await poly.call("POST", "/v1/heartbeats", {"heartbeat_id": ""})
        placed = (await poly.call("POST", "/order", poly.order(mkt.yes, "BUY", "0.3", "5"))).json()
        with trio.fail_after(5):
            while True:
                event = json.loads(await ws.get_message())
                if event["type"] == "CANCELLATION":
                    break
        assert event["id"] == placed["orderID"]
    assert served.sim.exchange.open_orders(key.account_id) == []
