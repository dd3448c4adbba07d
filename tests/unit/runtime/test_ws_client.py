"""The shared websocket client against a tiny wsproto server on 127.0.0.1."""

from __future__ import annotations

import functools
import re
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import trio
from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    CloseConnection,
    Event,
    Ping,
    Pong,
    RejectConnection,
    RejectData,
    Request,
    TextMessage,
)

from predmm.domain.errors import AuthenticationError, VenueProtocolError
from predmm.platforms.ws import WsClosed, WsConnection


class Peer:
    """The server side of one connection; ``seen`` records what the client sent."""

    def __init__(self, stream: trio.SocketStream) -> None:
        self.stream = stream
        self.ws = WSConnection(ConnectionType.SERVER)
        self.pending: list[Event] = []
        self.seen: list[Event] = []
        self.eof = trio.Event()

    async def next(self) -> Event | None:
        while not self.pending:
            data = await self.stream.receive_some(65536)
            if not data:
                self.eof.set()
                return None
            self.ws.receive_data(data)
            self.pending.extend(self.ws.events())
        event = self.pending.pop(0)
        self.seen.append(event)
        return event

    async def send(self, *events: Event) -> None:
        await self.stream.send_all(b"".join(self.ws.send(e) for e in events))

    async def drain(self) -> None:
        """Read until the client closes its socket."""
        while await self.next() is not None:
            pass


Script = Callable[[Peer], Awaitable[None]]
Serve = Callable[[Script], Awaitable[tuple[str, list[Peer]]]]


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    async with trio.open_nursery() as nursery:

        async def start(script: Script) -> tuple[str, list[Peer]]:
            peers: list[Peer] = []

            async def handle(stream: trio.SocketStream) -> None:
                peer = Peer(stream)
                peers.append(peer)
                async with stream:
                    await script(peer)

            listeners = await nursery.start(
                functools.partial(trio.serve_tcp, host="127.0.0.1"), handle, 0
            )
            port = listeners[0].socket.getsockname()[1]
            return f"ws://127.0.0.1:{port}/feed?x=1", peers

        yield start
        nursery.cancel_scope.cancel()


async def _accept(peer: Peer) -> Request:
    request = await peer.next()
    assert isinstance(request, Request)
    await peer.send(AcceptConnection())
    return request


async def test_headers_reassembly_pings_and_close(serve: Serve) -> None:
    async def script(peer: Peer) -> None:
        await _accept(peer)
        await peer.send(
            TextMessage("hel", message_finished=False),
            TextMessage("lo", message_finished=True),
            Ping(b"beat"),
            TextMessage("after the ping"),
        )
        while not isinstance(await peer.next(), TextMessage):
            pass
        await peer.send(CloseConnection(code=1001, reason="going away"))
        await peer.drain()

    url, peers = await serve(script)
    with trio.fail_after(5):
        conn = await WsConnection.open(url, headers={"KALSHI-ACCESS-KEY": "k1"}, label="T ws")
        assert conn.url == url
        assert await conn.receive_text() == "hello"
        assert await conn.receive_text() == "after the ping"
        await conn.send_text('{"id":1}')
        with pytest.raises(WsClosed, match=re.escape("T ws closed by the venue (1001 going away)")):
            await conn.receive_text()
        await conn.aclose()
        await peers[0].eof.wait()
    request, *rest = peers[0].seen
    assert isinstance(request, Request)
    assert request.target == "/feed?x=1"
    assert (b"kalshi-access-key", b"k1") in [(k.lower(), v) for k, v in request.extra_headers]
    assert [type(e) for e in rest] == [Pong, TextMessage, CloseConnection]
    assert rest[1].data == '{"id":1}'  # type: ignore[attr-defined]


async def test_aclose_says_goodbye_and_closes_the_socket(serve: Serve) -> None:
    async def script(peer: Peer) -> None:
        await _accept(peer)
        await peer.drain()

    url, peers = await serve(script)
    with trio.fail_after(5):
        conn = await WsConnection.open(url)
        await conn.aclose()
        await peers[0].eof.wait()
    close = peers[0].seen[-1]
    assert isinstance(close, CloseConnection)
    assert close.code == 1000


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, AuthenticationError),
        (403, AuthenticationError),
        (503, WsClosed),
        (429, WsClosed),
        (404, VenueProtocolError),
    ],
)
async def test_a_refused_upgrade_raises_with_status_and_body(
    serve: Serve,
    status: int,
    error: type[Exception],
) -> None:
    body = b'{"error":{"code":"INCORRECT_API_KEY_SIGNATURE"}}'

    async def script(peer: Peer) -> None:
        assert isinstance(await peer.next(), Request)
        length = [(b"content-length", str(len(body)).encode())]
        await peer.send(RejectConnection(status_code=status, headers=length, has_body=True))
        await peer.send(RejectData(data=body, body_finished=True))
        await peer.drain()

    url, peers = await serve(script)
    with trio.fail_after(5):
        with pytest.raises(error, match="INCORRECT_API_KEY_SIGNATURE") as info:
            await WsConnection.open(url, label="T ws")
        await peers[0].eof.wait()  # the client closed its socket
    assert info.value.status == status  # type: ignore[attr-defined]
    assert f"T ws upgrade /feed refused with HTTP {status}" in str(info.value)


async def test_a_dropped_socket_raises_ws_closed(serve: Serve) -> None:
    async def script(peer: Peer) -> None:
        await _accept(peer)
        await peer.send(TextMessage("only"))

    url, _ = await serve(script)
    with trio.fail_after(5):
        conn = await WsConnection.open(url)
        try:
            assert await conn.receive_text() == "only"
            with pytest.raises(WsClosed, match="connection closed"):
                await conn.receive_text()
        finally:
            await conn.aclose()


async def test_a_refused_connection_raises_ws_closed() -> None:
    listener = (await trio.open_tcp_listeners(0, host="127.0.0.1"))[0]
    port = listener.socket.getsockname()[1]
    await listener.aclose()  # nothing listens on the port any more
    with trio.fail_after(5), pytest.raises(WsClosed, match=f"127.0.0.1:{port}"):
        await WsConnection.open(f"ws://127.0.0.1:{port}/")
