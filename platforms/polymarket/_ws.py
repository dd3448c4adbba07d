"""A minimal websocket client over wsproto that runs no background task: the socket is
read in the caller's task and closed on every path (trio-websocket leaves the socket
open when the peer drops the TCP connection without a close frame)."""

from __future__ import annotations

import contextlib
import ssl
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
    Request,
    TextMessage,
)

from domain.errors import VenueUnavailable

_READ = 65536


class LinkClosed(VenueUnavailable):
    """The websocket closed, broke or was refused."""


class WsLink:
    def __init__(self, stream: trio.abc.Stream, url: str) -> None:
        self._stream = stream
        self._ws = WSConnection(ConnectionType.CLIENT)
        self._events: list[Event] = []
        self._parts: list[str] = []
        self.url = url

    @classmethod
    async def open(cls, url: str) -> WsLink:
        parts = urlsplit(url)
        secure = parts.scheme == "wss"
        host = parts.hostname or ""
        port = parts.port or (443 if secure else 80)
        try:
            stream: trio.abc.Stream = await trio.open_tcp_stream(host, port)
        except OSError as exc:
            raise LinkClosed(f"polymarket ws {url}: {exc.strerror or exc}") from None
        if secure:
            stream = trio.SSLStream(stream, ssl.create_default_context(), server_hostname=host)
        link = cls(stream, url)
        try:
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            await link._send(Request(host=parts.netloc, target=target))
            await link._await_accept()
        except BaseException:
            await link.aclose()
            raise
        return link

    async def _await_accept(self) -> None:
        while True:
            event = await self._next_event()
            if isinstance(event, AcceptConnection):
                return
            if isinstance(event, RejectConnection):
                raise LinkClosed(
                    f"polymarket ws {self.url} refused: HTTP {event.status_code}",
                    status=event.status_code,
                )

    async def send_text(self, text: str) -> None:
        await self._send(TextMessage(text))

    async def receive_text(self) -> str:
        """The next complete text message; pings are answered on the way."""
        while True:
            event = await self._next_event()
            if isinstance(event, Ping):
                await self._send(event.response())
            elif isinstance(event, CloseConnection):
                if self._ws.state is ConnectionState.REMOTE_CLOSING:
                    with contextlib.suppress(LinkClosed):
                        await self._send(event.response())
                raise LinkClosed(f"polymarket ws closed by the venue ({event.code})")
            elif isinstance(event, Message):
                data = event.data if isinstance(event.data, str) else event.data.decode()
                self._parts.append(data)
                if event.message_finished:
                    text, self._parts = "".join(self._parts), []
                    return text

    async def _next_event(self) -> Event:
        while not self._events:
            try:
                data = await self._stream.receive_some(_READ)
            except (trio.BrokenResourceError, trio.ClosedResourceError, OSError) as exc:
                raise LinkClosed(f"polymarket ws broke: {type(exc).__name__}") from None
            if not data:
                raise LinkClosed("polymarket ws connection closed")
            self._ws.receive_data(bytes(data))
            self._events.extend(self._ws.events())
        return self._events.pop(0)

    async def _send(self, event: Event) -> None:
        try:
            await self._stream.send_all(self._ws.send(event))
        except (trio.BrokenResourceError, trio.ClosedResourceError, OSError) as exc:
            raise LinkClosed(f"polymarket ws send failed: {type(exc).__name__}") from None

    async def aclose(self) -> None:
        """Say goodbye if still open (at most 1 s, even when cancelled); close the socket."""
        with trio.CancelScope(shield=True):
            with trio.move_on_after(1):
                if self._ws.state is ConnectionState.OPEN:
                    with contextlib.suppress(LinkClosed):
                        await self._send(CloseConnection(code=1000))
            with trio.move_on_after(1):  # the socket is closed even if this times out
                await self._stream.aclose()
