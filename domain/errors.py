"""The one exception tree of predmm.

Expected outcomes (a rejected order, a cancel of an order that is already gone) are
events, not exceptions. Exceptions are for what the caller must not ignore.
Messages name the field, the id and the value.
"""

from __future__ import annotations


class PredmmError(Exception):
    """Base of every error predmm raises on purpose."""


class ConfigError(PredmmError):
    """A setting is missing, of the wrong type or out of range."""


class InvalidTransition(PredmmError):
    """An order event that its current state does not allow."""


class OffGridPrice(PredmmError):
    """A price that the market's tick grid does not contain."""


class OffGridCount(PredmmError):
    """A contract count that the market's count step does not allow (a fraction of a
    contract on a whole-contract market)."""


class LimitExceeded(PredmmError):
    """An order would take an exposure past one of its limits."""


class NotJournaled(PredmmError):
    """Orders the journal could not record before they were to be sent: none was sent."""


class VenueError(PredmmError):
    """Something went wrong talking to a venue."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code


class AuthenticationError(VenueError):
    """The venue refused our credentials; retrying will not help."""


class RateLimited(VenueError):
    """The venue answered 429; back off and retry with the same client order id."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after


class VenueUnavailable(VenueError):
    """5xx, a timeout, a dropped connection or a maintenance window: the outcome is unknown."""


class VenueProtocolError(VenueError):
    """The venue sent something that does not parse as its documented format."""


class OrderRejected(VenueError):
    """The venue refused an order (invalid price, insufficient balance, post-only cross, ...)."""


class OrderNotFound(VenueError):
    """The venue does not know the order (cancel of an unknown or finished order)."""


class DuplicateClientOrderId(VenueError):
    """The venue already has an order with this client order id (Kalshi 409)."""
