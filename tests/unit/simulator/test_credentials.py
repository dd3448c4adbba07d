"""Generated credentials: lookups, signatures that verify, files with mode 0600."""

from __future__ import annotations

import base64
import json
import stat
from decimal import Decimal

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from eth_account import Account as EthAccount

from predmm.domain import Venue
from predmm.simulator import Simulator
from predmm.simulator.credentials import write_kalshi_credentials, write_polymarket_credentials
from predmm.simulator.exchange import TradeStatus


def test_traders_have_accounts_and_keys_found_by_id(tmp_path):
    sim = Simulator(seed=1, flow=False, maker_cash=Decimal(500))
    mm = sim.maker
    assert sim.kalshi_account(mm.kalshi_key.key_id) == mm.kalshi_account
    assert sim.polymarket_account(mm.polymarket_key.api_key) == mm.polymarket_account
    assert (
        sim.credentials.polymarket_by_address(mm.polymarket_key.address.lower())
        is mm.polymarket_key
    )
    assert sim.kalshi_account("nope") is None
    assert sim.exchange.account_venue(mm.kalshi_account) is Venue.KALSHI
    assert sim.exchange.balance(mm.polymarket_account).cash == Decimal(500)
    assert "PRIVATE" not in repr(mm)
    assert mm.polymarket_key.private_key not in repr(mm)


def test_kalshi_key_verifies_rsa_pss():
    sim = Simulator(seed=1, flow=False)
    key = sim.maker.kalshi_key
    private = serialization.load_pem_private_key(key.private_key_pem.encode(), password=None)
    msg = b"1700000000000GET/trade-api/v2/portfolio/balance"
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)
    sig = private.sign(msg, pss, hashes.SHA256())
    key.public_key().verify(sig, msg, pss, hashes.SHA256())  # raises if wrong


def test_polymarket_key_is_consistent():
    key = Simulator(seed=1, flow=False).maker.polymarket_key
    assert EthAccount.from_key(key.private_key).address == key.address
    assert len(base64.urlsafe_b64decode(key.secret)) == 32


def test_credential_files(tmp_path):
    sim = Simulator(seed=1, flow=False)
    kpath = write_kalshi_credentials(
        tmp_path, sim.maker.kalshi_key, base_url="http://127.0.0.1:1/trade-api/v2", ws_url="ws://x"
    )
    ppath = write_polymarket_credentials(
        tmp_path,
        sim.maker.polymarket_key,
        clob_url="http://c",
        gamma_url="http://g",
        ws_url="ws://w/",
    )
    kalshi = json.loads(kpath.read_text())
    assert kalshi["base_url"].endswith("/trade-api/v2")
    assert kalshi["key_id"] == sim.maker.kalshi_key.key_id
    pem = tmp_path / "kalshi-private-key.pem"
    assert kalshi["private_key_path"] == str(pem.resolve())
    assert pem.read_text() == sim.maker.kalshi_key.private_key_pem
    for p in (pem, kpath, ppath):
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
    poly = json.loads(ppath.read_text())
    assert set(poly) == {
        "clob_url",
        "gamma_url",
        "ws_url",
        "api_key",
        "secret",
        "passphrase",
        "private_key",
        "address",
        "signature_type",
        "funder",
    }
    assert (poly["signature_type"], poly["funder"]) == (0, "")  # an EOA account


def test_simulator_moves_polymarket_trades_to_confirmed():
    from predmm.domain import OrderSide

    sim = Simulator(seed=1, flow=False, mine_after_s=2, confirm_after_s=4)
    other = sim.create_trader("other")
    mid = next(s.market_id for s in sim.universe.specs if s.venue is Venue.POLYMARKET)
    ex = sim.exchange
    ex.place_order(other.polymarket_account, mid, OrderSide.NO, Decimal("0.40"), Decimal(10))
    out = ex.place_order(
        sim.maker.polymarket_account, mid, OrderSide.YES, Decimal("0.60"), Decimal(10)
    )
    tid = out.fills[0].trade_id
    sim.advance(1)
    assert ex.trade(tid).status is TradeStatus.MATCHED
    sim.advance(1)
    assert ex.trade(tid).status is TradeStatus.MINED
    sim.advance(2)
    assert ex.trade(tid).status is TradeStatus.CONFIRMED
