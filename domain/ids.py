"""Typed identifiers: one type per meaning, never a bare ``str``."""

from __future__ import annotations

import attrs

from predmm.domain.enums import Venue


def _non_empty(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{attribute.name} must be a non-empty string, got {value!r}")


@attrs.frozen(order=True, cache_hash=True)  # a dict key everywhere: hash it once
class MarketId:
    """A market on one venue: the venue plus its own id (Kalshi ticker, Polymarket condition)."""

    venue: Venue
    symbol: str = attrs.field(validator=_non_empty)

    def __str__(self) -> str:
        return f"{self.venue.value}:{self.symbol}"

    @classmethod
    def parse(cls, text: str) -> MarketId:
        """Read ``"kalshi:TICKER"`` back into a MarketId."""
        venue, sep, symbol = text.partition(":")
        if not sep:
            raise ValueError(f"market id {text!r} is not of the form 'venue:symbol'")
        try:
            return cls(Venue(venue), symbol)
        except ValueError as exc:
            raise ValueError(f"market id {text!r}: {exc}") from None


@attrs.frozen(order=True, cache_hash=True)
class _TextId:
    value: str = attrs.field(validator=_non_empty)

    def __str__(self) -> str:
        return self.value


@attrs.frozen(order=True)
class EventId(_TextId):
    """One real-world question, which may be listed on several venues."""


@attrs.frozen(order=True)
class ClientOrderId(_TextId):
    """Our id for one order intent; reused on every retry of that intent."""


@attrs.frozen(order=True)
class VenueOrderId(_TextId):
    """The venue's id for an order it accepted."""


@attrs.frozen(order=True)
class FillId(_TextId):
    """The venue's id for one fill (Kalshi ``fill_id``, Polymarket trade id)."""
