"""Who trades: the EOA whose key signs, the signature type of its account, and the funder
(the address that holds the money and makes every order).

Polymarket accounts as users have them: a plain EOA (type 0, the funder is the EOA), an
EOA that owns a Polymarket proxy (type 1, email/Magic accounts) or Safe (type 2, browser
wallet accounts), or a deposit wallet (type 3, POLY_1271: what new API accounts are
steered to). Every private request is still made by the EOA (``POLY_ADDRESS``, the API
key's address); the funder is the order's ``maker`` and what balance reads ask about.
"""

from __future__ import annotations

import re

import attrs
from eth_utils.address import is_checksum_address, to_checksum_address

from predmm.platforms.polymarket._signing import EOA, POLY_1271, SIGNATURE_TYPES

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}\Z")


def signature_type_of(value: object) -> int:
    """0-3, or a name (EOA, POLY_PROXY, POLY_GNOSIS_SAFE, POLY_1271; any case); ValueError
    naming the value otherwise."""
    if isinstance(value, str):
        by_name = {name: number for number, name in SIGNATURE_TYPES.items()}
        found = by_name.get(value.strip().upper())
        if found is not None:
            return found
    elif isinstance(value, int) and not isinstance(value, bool) and value in SIGNATURE_TYPES:
        return value
    names = ", ".join(f"{n} ({name})" for n, name in SIGNATURE_TYPES.items())
    raise ValueError(f"signature_type {value!r} is not one of {names}")


def funder_address(value: object) -> str:
    """A 0x address, checksummed (EIP-55) or all lower case, returned checksummed;
    ValueError naming the value otherwise (a mistyped mixed-case address fails EIP-55)."""
    if not isinstance(value, str) or not _ADDRESS.match(value):
        raise ValueError(f"funder {value!r} is not a 0x address of 40 hex digits")
    body = value[2:]
    if body != body.lower() and not is_checksum_address(value):
        raise ValueError(f"funder {value!r} fails its EIP-55 checksum (or write it in lower case)")
    return to_checksum_address(value)


@attrs.frozen
class TradingAccount:
    """The signer (EOA), the signature type and the funder of one Polymarket account."""

    signer: str
    signature_type: int = EOA
    funder: str = ""

    @classmethod
    def of(
        cls, signer: str, signature_type: object = EOA, funder: str | None = None
    ) -> TradingAccount:
        """Validated: types 1-3 need a funder other than the EOA; type 0 trades from the
        EOA itself (a funder, if given, must be the EOA)."""
        kind = signature_type_of(signature_type)
        if kind == EOA:
            if funder and funder_address(funder) != signer:
                raise ValueError(
                    f"funder {funder} differs from the key's address {signer}: signature_type 0 "
                    "(EOA) trades from the key's own address; a proxy, Safe or deposit wallet "
                    "needs signature_type 1, 2 or 3"
                )
            return cls(signer, EOA, signer)
        return cls(signer, kind, _wallet_funder(signer, kind, funder))

    @property
    def maker(self) -> str:
        """Every order's ``maker``: the funder."""
        return self.funder

    @property
    def order_signer(self) -> str:
        """Every order's ``signer``: the EOA, except a deposit wallet signs as itself."""
        return self.funder if self.signature_type == POLY_1271 else self.signer

    @property
    def kind(self) -> str:
        return SIGNATURE_TYPES[self.signature_type]


def _wallet_funder(signer: str, kind: int, funder: str | None) -> str:
    """The proxy, Safe or deposit wallet of a type 1-3 account, checksummed."""
    named = f"signature_type {kind} ({SIGNATURE_TYPES[kind]})"
    if not funder:
        raise ValueError(
            f"funder is required with {named}: the address of the proxy, Safe or deposit "
            "wallet that holds the money"
        )
    checked = funder_address(funder)
    if checked == signer:
        raise ValueError(
            f"funder {checked} is the key's own address: that is signature_type 0 (EOA), "
            f"not {named}"
        )
    return checked
