"""The daemon's end of the control channel: a trio task serving the Unix socket
(``channel``), one request per connection, each in a task of its own so that a slow
command (a cancel-all waits for the venues) holds up neither the loop nor another
request.

A connection from another user than the daemon's is refused without looking at what it
sends (the socket's 0600 mode already keeps other users out; a careless chmod, or root,
is not kept out by modes, so the peer's uid is checked too); a request that is not one
(``protocol``) gets an answer saying why; a command that fails gets its one-line error.
Nothing a client sends or fails to send can stop the daemon.
"""

from __future__ import annotations

import functools
import os
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import trio
from loguru import logger

from predmm.cli.control.channel import Peer, bind_private, peer_of, remove_if_ours
from predmm.cli.control.protocol import (
    MAX_REQUEST,
    BadRequest,
    Request,
    encode,
    failure,
    parse_request,
)
from predmm.domain.errors import PredmmError

Handler = Callable[[Request, Peer], Awaitable[dict[str, Any]]]
READ_TIMEOUT = 5.0  # seconds a client has to send its request
MAX_CONNECTIONS = 8  # served at once; more are told to try again
_log = logger.bind(actor="control")


async def serve_control(
    path: Path,
    handle: Handler,
    *,
    allowed_uid: int | None = None,
    task_status: trio.TaskStatus[Path] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve ``handle`` on a control socket at ``path`` until cancelled; the socket file
    is removed on the way out. ``allowed_uid``: the one user served (default: the
    daemon's own)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        identity = bind_private(sock, path)
        sock.listen(MAX_CONNECTIONS)
    except BaseException:
        sock.close()
        raise
    listener = trio.SocketListener(trio.socket.from_stdlib_socket(sock))
    try:
        allowed = os.getuid() if allowed_uid is None else allowed_uid
        slots = trio.Semaphore(MAX_CONNECTIONS)
        serve = functools.partial(_connection, handle, allowed, slots)
        task_status.started(path)
        _log.info("control socket {path}", path=path)
        await trio.serve_listeners(serve, [listener])
    finally:
        remove_if_ours(path, identity)
        listener.socket.close()


async def _connection(
    handle: Handler, allowed_uid: int, slots: trio.Semaphore, stream: trio.SocketStream
) -> None:
    try:
        async with stream:
            answer = await _answer_for(handle, allowed_uid, slots, stream)
            with trio.move_on_after(READ_TIMEOUT):
                await stream.send_all(encode(answer))
                await stream.send_eof()
                await _discard(stream)  # closed with unread data, the answer could be lost
    except (trio.BrokenResourceError, trio.ClosedResourceError, OSError):
        pass  # the client went away: nothing to tell it
    except Exception:  # never out of here: it would stop the daemon
        _log.exception("control connection failed")


async def _answer_for(
    handle: Handler, allowed_uid: int, slots: trio.Semaphore, stream: trio.SocketStream
) -> dict[str, Any]:
    peer = peer_of(stream.socket)
    if peer.uid != allowed_uid:
        _log.warning("control request from {who} refused: not the daemon's user", who=peer)
        return failure(f"refused: uid {peer.uid} is not the daemon's user (uid {allowed_uid})")
    try:
        slots.acquire_nowait()
    except trio.WouldBlock:
        return failure(f"busy: {MAX_CONNECTIONS} control requests under way; try again")
    try:
        try:
            request = parse_request(await _read(stream))
        except BadRequest as exc:
            return failure(f"bad request: {exc}")
        _log.warning("{cmd} by {who}", cmd=request.command, who=peer.describe())
        return await _run(handle, request, peer)
    finally:
        slots.release()


async def _run(handle: Handler, request: Request, peer: Peer) -> dict[str, Any]:
    try:
        return await handle(request, peer)
    except PredmmError as exc:
        return failure(str(exc))
    except Exception as exc:
        _log.exception("control command {cmd} failed", cmd=request.command)
        return failure(f"{request.command} failed inside the daemon: {type(exc).__name__}: {exc}")


async def _discard(stream: trio.SocketStream) -> None:
    """Read what the client still sends until it closes (at most ``MAX_REQUEST`` more)."""
    left = MAX_REQUEST
    while left > 0 and (chunk := await stream.receive_some(left)):
        left -= len(chunk)


async def _read(stream: trio.SocketStream) -> bytes:
    """The request: up to a newline or the client's end of writing."""
    data = b""
    with trio.move_on_after(READ_TIMEOUT) as late:
        while b"\n" not in data and len(data) <= MAX_REQUEST:
            chunk = await stream.receive_some(MAX_REQUEST + 1)
            if not chunk:
                break
            data += chunk
    if late.cancelled_caught:
        raise BadRequest(f"no complete request within {READ_TIMEOUT:g} s")
    return data.split(b"\n", 1)[0] if len(data) <= MAX_REQUEST else data
