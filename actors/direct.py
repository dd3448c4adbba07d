"""Direct calls: how a MarketActor reaches the PortfolioActor and the PlatformActor on
the tick path without waking their threads.

Asking the PortfolioActor for a reservation and then telling the PlatformActor the
orders costs four thread wake-ups after the MarketActor's own; the tick -> order budget
is about two (one trio -> actor -> trio hop). A ``DirectActor`` guards its state with a
lock instead: ``on_receive`` handles each inbox message under it, and
``DirectRef.call(message)`` handles one message on the caller's thread under the same
lock, exactly as ``on_receive`` would. The actor still owns its state (nothing else
reads or writes it); the two entries never interleave; a stopped or failed actor
answers ``ActorDeadError``, and an exception raised while handling a direct call goes
to the caller, as an ``ask``'s would.

MarketActors call the PortfolioActor and the PlatformActor; the PlatformActor's handler
calls the PortfolioActor (so the portfolio hears of a fill or a closed order before any
market can act on it); the PortfolioActor calls nothing. The locks are thus always
taken in one order (platform, then portfolio) and cannot deadlock.
"""

from __future__ import annotations

import threading
from typing import Any

import pykka


class DirectActor(pykka.ThreadingActor):
    """Subclasses implement ``handle`` (not ``on_receive``) and call this ``__init__``
    with the ``DirectRef`` the engine gave them, if any."""

    def __init__(self, direct: DirectRef | None = None) -> None:
        super().__init__()
        self._lock = threading.RLock()
        self._direct = direct
        if direct is not None:
            direct._bind(self)

    def handle(self, message: Any) -> Any:
        raise NotImplementedError

    def on_receive(self, message: Any) -> Any:
        with self._lock:
            return self.handle(message)

    def on_stop(self) -> None:
        self._unbind()

    def on_failure(self, exc_type: Any, exc_value: Any, tb: Any) -> None:
        self._unbind()

    def _unbind(self) -> None:
        if self._direct is not None:
            with self._lock:
                self._direct._unbind(self)


class DirectRef:
    """A synchronous line into one ``DirectActor``; safe from any thread."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._actor: DirectActor | None = None

    def _bind(self, actor: DirectActor) -> None:
        self._actor = actor

    def _unbind(self, actor: DirectActor) -> None:
        if self._actor is actor:
            self._actor = None

    @property
    def alive(self) -> bool:
        return self._actor is not None

    def call(self, message: Any) -> Any:
        """Handle ``message`` now, on this thread; its answer, as an ``ask`` gives it."""
        actor = self._actor
        if actor is None:
            raise pykka.ActorDeadError(f"{self.name} is not running")
        with actor._lock:
            if self._actor is not actor:  # stopped while this call waited for the lock
                raise pykka.ActorDeadError(f"{self.name} is not running")
            return actor.handle(message)
