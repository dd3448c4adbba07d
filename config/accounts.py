"""A Polymarket account in the settings file: ``signature_type`` (who signs and whose
money trades) and ``funder`` (the proxy, Safe or deposit wallet of types 1-3). The checks
(``account_problems``, for ``config.check``) and the readers (``signature_type_of``,
``funder_of``, for ``config.settings``) live together so the two cannot disagree."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from eth_utils.address import is_checksum_address, to_checksum_address

# Polymarket's order signature types: who signs and whose money trades
SIGNATURE_TYPES = {0: "EOA", 1: "POLY_PROXY", 2: "POLY_GNOSIS_SAFE", 3: "POLY_1271"}
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}\Z")


def signature_type_of(value: Any) -> int | None:
    """The type a ``signature_type`` value names (its number or name, any case); None
    if it names none."""
    if isinstance(value, str):
        names = {name: n for n, name in SIGNATURE_TYPES.items()}
        value = names.get(value.strip().upper(), value)
    if isinstance(value, bool) or value not in SIGNATURE_TYPES:
        return None
    return int(value)


def is_address(raw: str) -> bool:
    """0x and 40 hex digits, all lower case or with a valid EIP-55 checksum."""
    if not _ADDRESS.match(raw):
        return False
    return raw[2:] == raw[2:].lower() or bool(is_checksum_address(raw))


def funder_of(table: Mapping[str, Any]) -> str | None:
    """The funder of a table that passed ``account_problems``, checksummed."""
    raw = table.get("funder")
    return None if raw is None else str(to_checksum_address(raw))


def account_problems(table: Mapping[str, Any]) -> list[str]:
    """What is wrong with the [polymarket] table's ``signature_type`` and ``funder``."""
    raw_kind = table.get("signature_type", 0)
    kind = signature_type_of(raw_kind)
    if kind is None:
        kinds = ", ".join(f"{n} ({name})" for n, name in SIGNATURE_TYPES.items())
        return [
            f"key 'signature_type' has a bad value {raw_kind!r}: expected one of {kinds}, "
            "or the name"
        ]
    problem = _funder_problem(table.get("funder"), kind)
    return [] if problem is None else [problem]


def _funder_problem(raw: Any, kind: int) -> str | None:
    named = f"signature_type {kind} ({SIGNATURE_TYPES[kind]})"
    if kind == 0:
        if raw is None:
            return None
        return (
            f"key 'funder' = {raw!r} with {named}: an EOA trades from the key's own address; "
            "remove funder, or set signature_type to 1, 2 or 3"
        )
    if raw is None:
        return (
            f"key 'funder' is required with {named}: the address of the proxy, Safe or "
            "deposit wallet that holds the money"
        )
    if not isinstance(raw, str) or not is_address(raw):
        return (
            f"key 'funder' has a bad value {raw!r}: expected a 0x address of 40 hex digits, "
            "checksummed (EIP-55) or in lower case"
        )
    return None
