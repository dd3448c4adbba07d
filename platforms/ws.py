"""A minimal websocket client over trio streams and wsproto, shared by the venue adapters.

No background task and no nursery: the socket is read in the caller's task, so a feed's
async generator can ``yield`` between messages without holding a cancel scope open
across the yield. Pings are answered as they are read, and the socket is closed on every
path (trio-websocket leaves it open when the peer drops TCP without a close frame).

A refused upgrade raises ``AuthenticationError`` for 401/403, ``WsClosed`` for 429/5xx
and ``VenueProtocolError`` otherwise, each with the status and the start of the body.
Application-level keep-alives (Polymarket's ``PING`` text) and idle timeouts belong to
the adapter's stream code.
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Mapping
from typing import Any, NoReturn
from urllib.parse import SplitResult, urlsplit

import trio
from wsproto import ConnectionType, WSConnection
from wsproto.connection import ConnectionState
from wsproto.events import (
    AcceptConnection,
    CloseConnection,
    Event,
    Message,
    Ping,
    RejectConnection,
    RejectData,
    Request,
    TextMessage,
)

from predmm.domain.errors import (
    AuthenticationError,
    VenueError,
    VenueProtocolError,
    VenueUnavailable,
)

_READ = 65536
_BODY_CHARS = 200  # of a refused upgrade's body, quoted in the error
_BROKEN = (trio.BrokenResourceError, trio.ClosedResourceError, OSError)


class WsClosed(VenueUnavailable):
    """The websocket closed, broke, went silent or was refused for a transient reason."""


class WsConnection:
    """One client websocket; ``label`` (``"Kalshi ws"``) starts every error message."""

    def __init__(self, stream: trio.abc.Stream, url: str, label: str) -> None:
        self._stream = stream
        self._ws = WSConnection(ConnectionType.CLIENT)
        self._events: list[Event] = []
        self._parts: list[str] = []
        self.url = url
        self.label = label

    @classmethod
    async def open(
        cls, url: str, *, headers: Mapping[str, str] | None = None, label: str = "ws"
    ) -> WsConnection:
        """Connect (TLS for ``wss://``) and upgrade with the extra ``headers``."""
        parts = urlsplit(url)
        conn = cls(await _connect(parts, label), url, label)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        extra = [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
        try:
            await conn._send(Request(host=parts.netloc, target=target, extra_headers=extra))
            await conn._await_accept(parts.path or "/")
        except BaseException:
            await conn.aclose()
            raise
        return conn

    async def _await_accept(self, path: str) -> None:
        while True:
            event = await self._next_event()
            if isinstance(event, AcceptConnection):
                return
            if isinstance(event, RejectConnection):
                body = await self._reject_body(event)
                raise refused(f"{self.label} upgrade {path}", event.status_code, body)

    async def _reject_body(self, event: RejectConnection) -> str:
        """The start of a refusal's body, read for at most 1 s."""
        chunks: list[bytes] = []
        finished = not event.has_body
        with trio.move_on_after(1), contextlib.suppress(WsClosed):
            while not finished:
                data = await self._next_event()
                if isinstance(data, RejectData):
                    chunks.append(data.data)
                    finished = data.body_finished
        return b"".join(chunks).decode(errors="replace")[:_BODY_CHARS]

    async def send_text(self, text: str) -> None:
        await self._send(TextMessage(text))

    async def receive_text(self) -> str:
        """The next complete text message; pings are answered on the way."""
        while True:
            event = await self._next_event()
            if isinstance(event, Ping):
                await self._send(event.response())
            elif isinstance(event, CloseConnection):
                await self._closed_by_peer(event)
            elif isinstance(event, Message) and (text := self._assemble(event)) is not None:
                return text

    async def _closed_by_peer(self, event: CloseConnection) -> NoReturn:
        if self._ws.state is ConnectionState.REMOTE_CLOSING:
            with contextlib.suppress(WsClosed):
                await self._send(event.response())
        raise WsClosed(f"{self.label} closed by the venue ({event.code} {event.reason})")

    def _assemble(self, event: Message[Any]) -> str | None:
        """The whole message once its last frame arrived, else None."""
        self._parts.append(event.data if isinstance(event.data, str) else event.data.decode())
        if not event.message_finished:
            return None
        text, self._parts = "".join(self._parts), []
        return text

    async def _next_event(self) -> Event:
        while not self._events:
            try:
                data = await self._stream.receive_some(_READ)
            except _BROKEN as exc:
                raise WsClosed(f"{self.label} connection broke: {type(exc).__name__}") from None
            if not data:
                raise WsClosed(f"{self.label} connection closed")
            self._ws.receive_data(bytes(data))
            self._events.extend(self._ws.events())
        return self._events.pop(0)

    async def _send(self, event: Event) -> None:
        try:
            await self._stream.send_all(self._ws.send(event))
        except _BROKEN as exc:
            raise WsClosed(f"{self.label} send failed: {type(exc).__name__}") from None

    async def aclose(self) -> None:
        """Say goodbye if still open (at most 1 s, even when cancelled); close the socket."""
        with trio.CancelScope(shield=True):
            with trio.move_on_after(1):
                if self._ws.state is ConnectionState.OPEN:
                    with contextlib.suppress(WsClosed):
                        await self._send(CloseConnection(code=1000))
            with trio.move_on_after(1):  # the socket is closed even if this times out
                await self._stream.aclose()


async def _connect(parts: SplitResult, label: str) -> trio.abc.Stream:
    secure = parts.scheme == "wss"
    host = parts.hostname or ""
    port = parts.port or (443 if secure else 80)
    try:
        stream: trio.abc.Stream = await trio.open_tcp_stream(host, port)
    except OSError as exc:
        raise WsClosed(f"{label} {host}:{port}: {exc.strerror or exc}") from None
    if secure:
        return trio.SSLStream(stream, ssl.create_default_context(), server_hostname=host)
    return stream


def refused(what: str, status: int, body: str) -> VenueError:
    """The error for a refused upgrade: 401/403 are final, 429/5xx transient."""
    text = f"{what} refused with HTTP {status}: {body!r}"
    if status in (401, 403):
        return AuthenticationError(text, status=status)
    if status == 429 or status >= 500:
        return WsClosed(text, status=status)
    return VenueProtocolError(text, status=status)
