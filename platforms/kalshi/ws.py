"""A minimal websocket client over trio streams and wsproto, for the Kalshi feed.

No background task and no nursery: the feed's async generator owns the socket and reads
it in its own task, so it can ``yield`` events without holding a cancel scope open
across the yield. Pings are answered as they are read.
"""

from __future__ import annotations

import contextlib
import json
import ssl
from typing import Any
from urllib.parse import urlsplit

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

from domain.errors import AuthenticationError, VenueProtocolError, VenueUnavailable

_READ = 65536


class WsClosed(VenueUnavailable):
    """The websocket closed or broke."""


class WsConnection:
    def __init__(self, stream: trio.abc.Stream, ws: WSConnection) -> None:
        self._stream = stream
        self._ws = ws
        self._events: list[Event] = []
        self._parts: list[str] = []

    @classmethod
    async def open(cls, url: str, headers: dict[str, str]) -> WsConnection:
        """Connect, send the upgrade with ``headers``; 401/403 -> AuthenticationError."""
        parts = urlsplit(url)
        secure = parts.scheme == "wss"
        host = parts.hostname or ""
        port = parts.port or (443 if secure else 80)
        try:
            stream: trio.abc.Stream = await trio.open_tcp_stream(host, port)
            if secure:
                stream = trio.SSLStream(stream, ssl.create_default_context(), server_hostname=host)
        except OSError as exc:
            raise WsClosed(f"Kalshi ws {host}:{port}: {exc.strerror or exc}") from None
        conn = cls(stream, WSConnection(ConnectionType.CLIENT))
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        extra = [(k.encode(), v.encode()) for k, v in headers.items()]
        try:
            await conn._send(Request(host=parts.netloc, target=target, extra_headers=extra))
            await conn._await_accept(parts.path)
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
                await self._drain_reject(event)
                text = f"Kalshi ws upgrade {path} refused with HTTP {event.status_code}"
                if event.status_code in (401, 403):
                    raise AuthenticationError(text, status=event.status_code)
                if event.status_code >= 500 or event.status_code == 429:
                    raise WsClosed(text, status=event.status_code)
                raise VenueProtocolError(text, status=event.status_code)

    async def _drain_reject(self, event: RejectConnection) -> None:
        if not event.has_body:
            return
        with trio.move_on_after(1):
            while (
                not isinstance(ev := await self._next_event(), RejectData) or not ev.body_finished
            ):
                pass

    async def send_json(self, payload: dict[str, Any]) -> None:
        await self._send(TextMessage(json.dumps(payload, separators=(",", ":"))))

    async def receive_json(self) -> dict[str, Any]:
        """The next complete text message, decoded; pings are answered on the way."""
        while True:
            event = await self._next_event()
            if isinstance(event, Ping):
                await self._send(event.response())
            elif isinstance(event, CloseConnection):
                if self._ws.state is ConnectionState.REMOTE_CLOSING:
                    await self._send(event.response())
                raise WsClosed(f"Kalshi ws closed by the venue ({event.code} {event.reason})")
            elif isinstance(event, Message):
                text = self._assemble(event)
                if text is not None:
                    return _decode(text)

    def _assemble(self, event: Message[Any]) -> str | None:
        data = event.data if isinstance(event.data, str) else event.data.decode()
        self._parts.append(data)
        if not event.message_finished:
            return None
        text, self._parts = "".join(self._parts), []
        return text

    async def _next_event(self) -> Event:
        while not self._events:
            try:
                data = await self._stream.receive_some(_READ)
            except (trio.BrokenResourceError, trio.ClosedResourceError, OSError) as exc:
                raise WsClosed(f"Kalshi ws connection broke: {type(exc).__name__}") from None
            if not data:
                raise WsClosed("Kalshi ws connection closed")
            self._ws.receive_data(bytes(data))
            self._events.extend(self._ws.events())
        return self._events.pop(0)

    async def _send(self, event: Event) -> None:
        try:
            await self._stream.send_all(self._ws.send(event))
        except (trio.BrokenResourceError, trio.ClosedResourceError, OSError) as exc:
            raise WsClosed(f"Kalshi ws send failed: {type(exc).__name__}") from None

    async def aclose(self) -> None:
        with trio.CancelScope(shield=True), trio.move_on_after(1):
            if self._ws.state is ConnectionState.OPEN:
                with contextlib.suppress(WsClosed):
                    await self._send(CloseConnection(code=1000))
            await self._stream.aclose()


def _decode(text: str) -> dict[str, Any]:
    try:
        message = json.loads(text)
    except ValueError:
        raise VenueProtocolError(f"Kalshi ws: message is not JSON: {text[:200]!r}") from None
    if not isinstance(message, dict):
        raise VenueProtocolError(f"Kalshi ws: message is not an object: {text[:200]!r}")
    return message
