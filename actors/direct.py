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

A ``DirectRef`` is also the actor's stable address: ``tell``, ``ask`` and ``stop`` reach
whichever actor is bound to it now. A successor started with the same ``DirectRef`` (the
engine restarting a PlatformActor, ``supervisors.core``) binds to it, and everyone
holding it reaches the new actor; between the two, every call raises ``ActorDeadError``
as a dead actor's ref would.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pykka

FailureCallback = Callable[[BaseException], None]


class DirectActor(pykka.ThreadingActor):
    """Subclasses implement ``handle`` (not ``on_receive``) and call this ``__init__``
    with the ``DirectRef`` the engine gave them, if any, and the callback its watcher
    wants called (in the actor's thread, once it is unbound) when a told message's
    exception stops it (``on_failure``)."""

    def __init__(
        self, direct: DirectRef | None = None, on_failure: FailureCallback | None = None
    ) -> None:
        super().__init__()
        self._lock = threading.RLock()
        self._direct = direct
        self._failure_callback = on_failure
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
        if self._failure_callback is not None and exc_value is not None:
            self._failure_callback(exc_value)

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

    def _bound(self) -> DirectActor:
        actor = self._actor
        if actor is None:
            raise pykka.ActorDeadError(f"{self.name} is not running")
        return actor

    def is_alive(self) -> bool:
        actor = self._actor
        return actor is not None and actor.actor_ref.is_alive()

    def tell(self, message: Any) -> None:
        """Tell the actor bound now (``ActorDeadError`` if none is)."""
        self._bound().actor_ref.tell(message)

    def ask(self, message: Any, timeout: float | None = None) -> Any:
        """Ask the actor bound now and wait up to ``timeout`` for its answer."""
        return self._bound().actor_ref.ask(message, timeout=timeout)

    def stop(self, block: bool = True, timeout: float | None = None) -> Any:
        """Stop the actor bound now (see ``pykka.ActorRef.stop``)."""
        ref = self._bound().actor_ref
        return ref.stop(block=block, timeout=timeout)

    def __repr__(self) -> str:
        return f"DirectRef({self.name!r}, alive={self.alive})"

    def call(self, message: Any) -> Any:
        """Handle ``message`` now, on this thread; its answer, as an ``ask`` gives it."""
        actor = self._actor
        if actor is None:
            raise pykka.ActorDeadError(f"{self.name} is not running")
        with actor._lock:
            if self._actor is not actor:  # stopped while this call waited for the lock
                raise pykka.ActorDeadError(f"{self.name} is not running")
            return actor.handle(message)
