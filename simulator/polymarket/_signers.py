"""Who may make an order: the signature-type checks the exchange contracts make, and the
API key's part (the venue's checks before the chain sees the order).

* 0 EOA: the signer is the API key's address, maker == signer, and the order hash's
  ECDSA signature recovers to the signer.
* 1 POLY_PROXY / 2 POLY_GNOSIS_SAFE: the signer is the API key's address (the EOA), the
  signature recovers to it, and the maker is the proxy / Safe of that EOA (the contracts
  derive it from the signer; the simulator knows the wallet each account trades from).
* 3 POLY_1271: maker == signer == the deposit wallet of the API key's EOA; the signature
  is the ERC-7739 wrapper (65-byte ECDSA over the ``TypedDataSign`` digest, then the
  exchange's domain separator, the order's struct hash, the Order type string and its
  length), its ECDSA part recovering to the wallet's owner, the EOA.

The domain is the market's exchange, so an order signed for another exchange (V2 for a
V3 market, the neg-risk twin for a plain one) recovers someone else and is refused.
"""

from __future__ import annotations

from typing import Any

from predmm.simulator.credentials import PolymarketKey
from predmm.simulator.polymarket._orders import (
    POLY_1271,
    SIGNATURE_ERRORS,
    SIGNER_MISMATCH,
    OrderInvalid,
    SignedOrderV2,
    recover_order_signer,
)


def _same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.lower() == b.lower()


def check_signer(key: PolymarketKey, order: SignedOrderV2) -> None:
    """The order's signer must be the API key's: its EOA, or (type 3) the EOA's deposit
    wallet, which only an account trading from a deposit wallet has."""
    deposit = order.signature_type == POLY_1271
    expected = key.wallet_of(POLY_1271) if deposit else key.address
    if not _same(order.signer, expected):
        raise OrderInvalid(SIGNER_MISMATCH)


def check_signature(key: PolymarketKey, order: SignedOrderV2, domain: dict[str, Any]) -> None:
    """The signature of the order's type verifies under ``domain`` and names the right
    maker; OrderInvalid with the venue's error for that type otherwise."""
    error = SIGNATURE_ERRORS.get(order.signature_type, SIGNATURE_ERRORS[0])
    try:
        recovered = recover_order_signer(order, dict(domain))
    except OrderInvalid:
        raise OrderInvalid(error) from None
    if not _same(recovered, key.address):
        raise OrderInvalid(error)
    plain = order.signature_type in (0, POLY_1271)  # maker == signer
    maker = order.signer if plain else key.wallet_of(order.signature_type)
    if not _same(order.maker, maker):
        raise OrderInvalid(error)


def check_order_parties(key: PolymarketKey, order: SignedOrderV2, domain: dict[str, Any]) -> None:
    check_signer(key, order)
    check_signature(key, order, domain)
