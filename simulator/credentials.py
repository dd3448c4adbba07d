"""Generated test credentials of the simulator's accounts, and the files that hand them
to a client (``kalshi.json``, ``polymarket.json``).

Kalshi: an RSA key pair per account; the front end verifies RSA-PSS signatures against
the registered public key, found by key id. Polymarket: an Ethereum key (the EOA that
signs) plus an L2 API key, secret (urlsafe base64) and passphrase, found by API key, and
the account's wallet: the EOA itself (signature type 0) or the proxy (1), Safe (2) or
deposit wallet (3) the simulator associates with that EOA, the funder that holds the
money and makes the orders. On the chain those addresses are CREATE2 addresses derived
from the EOA; here a funder is given (e.g. what polymarket-client derives) or made up
from the EOA and the type (``associated_wallet``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import uuid
from collections.abc import Sequence
from pathlib import Path

import attrs
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from eth_account import Account as EthAccount
from eth_utils.address import to_checksum_address

from predmm.simulator.exchange.model import AccountId
from predmm.simulator.plans import OutcomeLink


@attrs.frozen(kw_only=True, repr=False)
class KalshiKey:
    key_id: str
    account_id: AccountId
    private_key_pem: str
    public_key_pem: str

    def public_key(self) -> rsa.RSAPublicKey:
        key = serialization.load_pem_public_key(self.public_key_pem.encode())
        assert isinstance(key, rsa.RSAPublicKey)
        return key

    def __repr__(self) -> str:  # never print the private key
        return f"KalshiKey(key_id={self.key_id!r}, account_id={self.account_id!r})"


POLYMARKET_WALLETS = {0: "EOA", 1: "POLY_PROXY", 2: "POLY_GNOSIS_SAFE", 3: "POLY_1271"}


def associated_wallet(address: str, signature_type: int) -> str:
    """The simulator's stand-in for the proxy / Safe / deposit wallet of an EOA: a fixed
    address made from the EOA and the type (the chain's are CREATE2 addresses)."""
    if signature_type == 0:
        return to_checksum_address(address)
    digest = hashlib.sha256(f"wallet:{signature_type}:{address.lower()}".encode()).digest()
    return to_checksum_address(digest[:20])


@attrs.frozen(kw_only=True, repr=False)
class PolymarketKey:
    api_key: str
    secret: str  # urlsafe base64, the L2 HMAC key
    passphrase: str
    private_key: str  # 0x hex of the signer's Ethereum key
    address: str  # checksummed address of ``private_key``: the EOA, the API key's address
    account_id: AccountId
    signature_type: int = 0  # the account's wallet: POLYMARKET_WALLETS
    funder: str = ""  # checksummed: the wallet that holds the money ("" = ``address``)

    @property
    def wallet(self) -> str:
        """The address of the account's money: every order's maker."""
        return self.funder or self.address

    def wallet_of(self, signature_type: int) -> str | None:
        """The address an order or balance read of ``signature_type`` names for this EOA:
        the EOA for 0, the account's wallet for its own type, none otherwise."""
        if signature_type == 0:
            return self.address
        return self.wallet if signature_type == self.signature_type else None

    def __repr__(self) -> str:
        kind = POLYMARKET_WALLETS.get(self.signature_type, self.signature_type)
        return (
            f"PolymarketKey(api_key={self.api_key!r}, address={self.address!r}, "
            f"wallet={kind}:{self.wallet})"
        )


def generate_kalshi_key(account_id: AccountId) -> KalshiKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return KalshiKey(
        key_id=str(uuid.uuid4()),
        account_id=account_id,
        private_key_pem=private_pem,
        public_key_pem=public_pem,
    )


def generate_polymarket_key(
    account_id: AccountId,
    *,
    signature_type: int = 0,
    funder: str | None = None,
    private_key: str | None = None,
) -> PolymarketKey:
    """A new API key for a new (or the given) EOA, whose account trades through the wallet
    of ``signature_type``: ``funder``, or the simulator's ``associated_wallet``."""
    if signature_type not in POLYMARKET_WALLETS:
        raise ValueError(f"signature_type {signature_type} is not one of 0-3")
    eoa = EthAccount.from_key(private_key) if private_key else EthAccount.create()
    wallet = funder or associated_wallet(eoa.address, signature_type)
    return PolymarketKey(
        api_key=str(uuid.uuid4()),
        secret=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        passphrase=secrets.token_hex(32),
        private_key="0x" + bytes(eoa.key).hex(),
        address=eoa.address,
        account_id=account_id,
        signature_type=signature_type,
        funder=to_checksum_address(wallet) if signature_type else "",
    )


class CredentialStore:
    """Looks accounts up by Kalshi key id, Polymarket API key, signer address or wallet."""

    def __init__(self) -> None:
        self._kalshi: dict[str, KalshiKey] = {}
        self._poly: dict[str, PolymarketKey] = {}
        self._by_address: dict[str, PolymarketKey] = {}
        self._by_wallet: dict[str, PolymarketKey] = {}

    def add_kalshi(self, key: KalshiKey) -> KalshiKey:
        self._kalshi[key.key_id] = key
        return key

    def add_polymarket(self, key: PolymarketKey) -> PolymarketKey:
        self._poly[key.api_key] = key
        self._by_address[key.address.lower()] = key
        self._by_wallet[key.wallet.lower()] = key
        return key

    def kalshi(self, key_id: str) -> KalshiKey | None:
        return self._kalshi.get(key_id)

    def polymarket(self, api_key: str) -> PolymarketKey | None:
        return self._poly.get(api_key)

    def polymarket_by_address(self, address: str) -> PolymarketKey | None:
        return self._by_address.get(address.lower())

    def polymarket_by_wallet(self, address: str) -> PolymarketKey | None:
        """The key whose account's money is at ``address`` (its EOA or its wallet)."""
        return self._by_wallet.get(address.lower())


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.chmod(path, 0o600)


def write_kalshi_credentials(
    directory: Path, key: KalshiKey, *, base_url: str, ws_url: str
) -> Path:
    """Write ``kalshi.json`` and the PEM it points to (mode 0600); return the json path."""
    directory.mkdir(parents=True, exist_ok=True)
    pem = directory / "kalshi-private-key.pem"
    _write_private(pem, key.private_key_pem)
    body = {
        "base_url": base_url,
        "ws_url": ws_url,
        "key_id": key.key_id,
        "private_key_path": str(pem.resolve()),
    }
    out = directory / "kalshi.json"
    _write_private(out, json.dumps(body, indent=2) + "\n")
    return out


def write_polymarket_credentials(
    directory: Path, key: PolymarketKey, *, clob_url: str, gamma_url: str, ws_url: str
) -> Path:
    """Write ``polymarket.json`` (mode 0600); return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    body = {
        "clob_url": clob_url,
        "gamma_url": gamma_url,
        "ws_url": ws_url,
        "api_key": key.api_key,
        "secret": key.secret,
        "passphrase": key.passphrase,
        "private_key": key.private_key,
        "address": key.address,
        "signature_type": key.signature_type,
        "funder": key.funder,
    }
    out = directory / "polymarket.json"
    _write_private(out, json.dumps(body, indent=2) + "\n")
    return out


def write_event_links(directory: Path, links: Sequence[OutcomeLink]) -> Path:
    """Write ``events.json``: the outcomes listed on both venues, as
    ``[{"event_id": ..., "outcome": ..., "markets": ["kalshi:T", "polymarket:0x.."]}]``
    (what ``[[risk.event_links]]`` tables hold; ``outcome`` only when the event has
    others)."""
    directory.mkdir(parents=True, exist_ok=True)
    body = [
        {"event_id": str(link.event_id)}
        | ({"outcome": link.outcome} if link.outcome else {})
        | {"markets": [str(m) for m in link.markets]}
        for link in sorted(links, key=lambda link: (str(link.event_id), link.outcome or ""))
    ]
    out = directory / "events.json"
    out.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    return out


def write_world_clock(
    directory: Path, *, world_time: float, wall_time: float, scale: float
) -> Path:
    """Write ``clock.json``: the time of a simulated world that runs ``scale`` times as
    fast as the wall clock (``Simulator(time_scale=...)``), as one reading of both
    clocks taken together (Unix seconds): at wall time ``w`` the world's time is
    ``world_time + scale * (w - wall_time)``. A daemon on the world reads its time from
    it (``predmm run --sim-credentials``): its market hours, exits and UTC days."""
    directory.mkdir(parents=True, exist_ok=True)
    body = {"world_time": world_time, "wall_time": wall_time, "time_scale": scale}
    out = directory / "clock.json"
    out.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    return out
