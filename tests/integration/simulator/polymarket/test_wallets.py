"""The simulator checks each signature type as the venue does (signer, maker, the
signature under the market's exchange domain) and answers balance reads for the address
of the asked signature type; a wrong type, funder, signer or domain gets the venue's
error. Orders are signed as polymarket-client signs them (conftest ``PolyClient``)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from predmm.simulator import Simulator
from predmm.simulator.credentials import associated_wallet
from predmm.simulator.polymarket import _orders, create_relayer_app
from tests.integration.simulator.polymarket.conftest import Mkt, PolyClient, tokens

SIGNER_MISMATCH = "the order signer address has to be the address of the API KEY"
NO_BALANCE = "not enough balance / allowance"
BAD = {
    0: "invalid signature",
    1: "invalid POLY_PROXY signature",
    2: "invalid POLY_GNOSIS_SAFE signature",
    3: "invalid POLY_1271 signature",
}
OTHER = "0x" + "5a" * 20


def _client(poly: PolyClient, kind: int) -> PolyClient:
    trader = poly.sim.create_trader(
        f"kind-{kind}", cash=Decimal(100), polymarket_signature_type=kind
    )
    return PolyClient(poly.http, poly.sim, trader.polymarket_key)


async def _post(client: PolyClient, body: dict[str, Any]) -> tuple[int, str]:
    r = await client.call("POST", "/order", body)
    return r.status_code, str(r.json().get("error", r.json().get("status")))


@pytest.mark.parametrize("kind", [0, 1, 2, 3])
async def test_each_account_type_trades_from_its_wallet(
    poly: PolyClient, mkt: Mkt, kind: int
) -> None:
    client = _client(poly, kind)
    key = client.key
    assert key.wallet == (associated_wallet(key.address, kind) if kind else key.address)
    status, state = await _post(client, client.order(mkt.yes, "BUY", "0.4", "5"))
    assert (status, state) == (200, "live")
    (order,) = poly.sim.exchange.open_orders(key.account_id)
    rows = (await client.call("GET", "/data/orders")).json()["data"]
    assert [r["maker_address"] for r in rows] == [key.wallet]
    assert order.price == Decimal("0.4")


@pytest.mark.parametrize(
    ("kind", "change", "error"),
    [
        # a proxy account (type 1): its maker is the proxy, its signer the EOA
        (1, {"signature_type": 2}, BAD[2]),  # the wrong type: no Safe is known for the EOA
        (1, {"maker": OTHER}, BAD[1]),  # a funder that is not the EOA's proxy
        (1, {"signer_key": "other"}, BAD[1]),  # signed by another key
        (1, {"domain": "neg-risk"}, BAD[1]),  # signed for another exchange
        (1, {"domain": "v3"}, BAD[1]),
        (1, {"signer": "wallet"}, SIGNER_MISMATCH),  # the proxy cannot sign for itself
        (1, {"signature_type": 3}, SIGNER_MISMATCH),  # no deposit wallet for this EOA
        (1, {"signature_type": 0}, NO_BALANCE),  # a valid EOA order: the EOA holds nothing
        # a Safe account (type 2)
        (2, {"signature_type": 1}, BAD[1]),
        (2, {"maker": OTHER}, BAD[2]),
        (2, {"domain": "neg-risk"}, BAD[2]),
        # a deposit wallet account (type 3): maker = signer = the wallet, ERC-7739 wrapper
        (3, {"signer_key": "other"}, BAD[3]),
        (3, {"domain": "neg-risk"}, BAD[3]),  # the wrapper names another exchange
        (3, {"domain": "v3"}, BAD[3]),
        (3, {"maker": OTHER}, SIGNER_MISMATCH),  # (the client signs as the maker)
        (3, {"maker": OTHER, "signer": "wallet"}, BAD[3]),  # maker != signer
        (3, {"signer": "eoa"}, SIGNER_MISMATCH),
        (3, {"signature_type": 1}, BAD[1]),
        (3, {"signature_type": 0}, NO_BALANCE),
        # a plain EOA account (type 0)
        (0, {"signature_type": 1}, BAD[1]),  # it has no proxy
        (0, {"signature_type": 2, "maker": OTHER}, BAD[2]),
        (0, {"signature_type": 3}, SIGNER_MISMATCH),  # nor a deposit wallet
        (0, {"maker": OTHER}, BAD[0]),  # an EOA order's maker is its signer
        (0, {"domain": "neg-risk"}, BAD[0]),
        (0, {"domain": "v3"}, BAD[0]),
    ],
)
async def test_a_wrong_type_funder_signer_or_domain_is_refused(
    poly: PolyClient, mkt: Mkt, kind: int, change: dict[str, Any], error: str
) -> None:
    client = _client(poly, kind)
    key = client.key
    stranger = poly.sim.create_trader("stranger").polymarket_key
    domains = {
        "neg-risk": _orders.exchange_domain(True),
        "v3": _orders.exchange_domain(False, protocol=2),
    }
    named = {"wallet": key.wallet, "eoa": key.address, "other": stranger.private_key}
    kw = {
        k: domains.get(v, named.get(v, v)) if isinstance(v, str) else v for k, v in change.items()
    }
    assert await _post(client, client.order(mkt.yes, "BUY", "0.4", "5", **kw)) == (400, error)
    assert poly.sim.exchange.open_orders(key.account_id) == []


async def test_a_protocol_v2_market_takes_orders_on_exchange_v3(poly: PolyClient) -> None:
    v2 = Mkt(*tokens(poly.sim, protocol=2))
    for kind in (0, 1, 3):
        client = _client(poly, kind)
        v2_domain = _orders.exchange_domain(False, protocol=2)
        assert client._domain(v2.yes, None) == v2_domain
        wrong = client.order(v2.yes, "BUY", "0.4", "5", domain=_orders.exchange_domain(False))
        assert await _post(client, wrong) == (400, BAD[kind])
        assert await _post(client, client.order(v2.no, "BUY", "0.4", "5")) == (200, "live")
    neg = (await poly.http.get("/neg-risk", params={"token_id": v2.yes})).json()
    tick = (await poly.http.get("/tick-size", params={"token_id": v2.yes})).json()
    assert (neg, tick) == ({"neg_risk": False}, {"minimum_tick_size": 0.01})
    by_token = (await poly.http.get(f"/markets-by-token/{v2.no}")).json()
    assert by_token["condition_id"] == v2.condition_id


async def test_balances_are_read_at_the_address_of_the_signature_type(
    poly: PolyClient, mkt: Mkt
) -> None:
    proxy = _client(poly, 1)
    v2 = Mkt(*tokens(poly.sim, protocol=2))

    async def balance(kind: int | None, asset: str = "COLLATERAL", token: str = "") -> Any:
        params = {"asset_type": asset} | ({"token_id": token} if token else {})
        if kind is not None:
            params["signature_type"] = str(kind)
        r = await proxy.call("GET", "/balance-allowance", params=params)
        return r.status_code, r.json().get("balance", r.json().get("error"))

    assert await balance(1) == (200, "100000000")  # the proxy holds the money
    assert await balance(0) == (200, "0")  # the EOA itself holds nothing
    assert await balance(None) == (200, "0")  # (no signature_type: the EOA's)
    assert await balance(2) == (200, "0")
    assert await balance(3) == (404, "no deposit wallet found for owner")
    assert await balance(1, "CONDITIONAL", mkt.yes) == (200, "0")
    assert await balance(1, "CONDITIONAL-V2", v2.yes) == (200, "0")
    assert await balance(1, "CONDITIONAL", v2.yes) == (400, "Invalid asset type")
    assert await balance(1, "CONDITIONAL-V2", mkt.yes) == (400, "Invalid asset type")
    assert await balance(9) == (400, "Invalid signature_type")
    r = await proxy.call("GET", "/balance-allowance", params={"asset_type": "COLLATERAL"})
    assert _orders.EXCHANGE_V3[137] in r.json()["allowances"]


async def test_the_relayer_knows_the_accounts_wallets(sim: Simulator) -> None:
    import httpx

    keys = {
        k: sim.create_trader(f"r{k}", polymarket_signature_type=k).polymarket_key for k in range(4)
    }
    transport = httpx.ASGITransport(app=create_relayer_app(sim))
    async with httpx.AsyncClient(transport=transport, base_url="http://relayer.test") as http:

        async def deployed(address: str, kind: str) -> bool:
            r = await http.get("/deployed", params={"address": address, "type": kind})
            return bool(r.json()["deployed"])

        assert await deployed(keys[1].wallet, "PROXY")
        assert await deployed(keys[2].wallet.lower(), "SAFE")
        assert await deployed(keys[3].wallet, "WALLET")
        assert not await deployed(keys[1].wallet, "SAFE")
        assert not await deployed(keys[0].wallet, "PROXY")  # an EOA is no wallet
        assert not await deployed(associated_wallet(keys[0].address, 1), "PROXY")


async def test_a_neg_risk_v2_market_still_signs_for_exchange_v3(client_factory: Any) -> None:
    """Position ids carry the module (0x01 binary, 0x02 neg-risk) as polymarket-client
    decodes them; a neg-risk V2 market's orders go to the one Exchange V3, not to the
    neg-risk CTF exchange."""
    import httpx
    from polymarket._internal.protocol import decode_v2_outcome_position_id, is_v2_position_id

    from predmm.domain import EventId
    from predmm.simulator.polymarket import create_clob_app
    from predmm.simulator.testing import wall_clock_start
    from predmm.simulator.universe import Universe, polymarket_spec

    start = wall_clock_start()
    close = start + timedelta(hours=1)
    spec = polymarket_spec(
        "neg-risk-v2", "Who wins?", event=EventId("E"), start=start, close=close,
        protocol=2, neg_risk=True,
    )  # fmt: skip
    listing = spec.polymarket
    assert listing is not None
    yes, no = listing.yes_token_id, listing.no_token_id
    for index, position in enumerate((yes, no)):
        assert is_v2_position_id(position)
        decoded = decode_v2_outcome_position_id(position)
        assert decoded.outcome_index == index
        assert decoded.condition_id == spec.market_id.symbol[:-2]  # the 31-byte market id
    assert spec.market_id.symbol.startswith("0x02")
    sim = Simulator(seed=5, flow=False, start=start, universe=Universe(specs=(spec,), events=()))
    transport = httpx.ASGITransport(app=create_clob_app(sim))
    async with httpx.AsyncClient(transport=transport, base_url="http://clob.test") as http:
        poly = client_factory(http, sim)
        assert (await http.get("/neg-risk", params={"token_id": yes})).json() == {"neg_risk": True}
        neg_v2 = _orders.exchange_domain(True)  # the V2 neg-risk exchange: wrong here
        assert await _post(poly, poly.order(yes, "BUY", "0.4", "5", domain=neg_v2)) == (400, BAD[0])
        assert await _post(poly, poly.order(yes, "BUY", "0.4", "5")) == (200, "live")
