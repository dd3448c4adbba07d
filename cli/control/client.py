"""The command line's end of the control channel: find the daemon of a journal (its lock
says whether one runs, and who), send it one request and wait for its answer."""

from __future__ import annotations

import os
import socket
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from predmm.cli.control.channel import connect, peer_of, socket_path
from predmm.cli.control.protocol import MAX_ANSWER, Request, parse_answer
from predmm.cli.locks import Holder, journal_lock_path, probe
from predmm.domain.errors import PredmmError

CONNECT_TIMEOUT = 5.0
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class NoDaemon(PredmmError):
    """No daemon holds the journal's lock."""


def running_daemon(journal: Path) -> Holder | None:
    """Who runs on ``journal`` now (None: no daemon does; a holder of unknown identity is
    described as such)."""
    state = probe(journal_lock_path(journal))
    if not state.running:
        return None
    return state.holder or Holder(pid=0, started_at=_EPOCH, command="?")


def ask_daemon(journal: Path, request: Request, timeout: float) -> dict[str, Any]:
    """Send ``request`` to the daemon running on ``journal`` and return its answer;
    ``NoDaemon`` if none runs there, ``PredmmError`` if it cannot be reached or does not
    answer within ``timeout`` seconds."""
    holder = running_daemon(journal)
    if holder is None:
        raise NoDaemon(f"no daemon runs on journal {journal}")
    who, path = f"predmm {holder.describe()}", socket_path(journal)
    try:
        sock = connect(path, CONNECT_TIMEOUT)
    except FileNotFoundError:
        raise PredmmError(
            f"{who} holds journal {journal} but serves no control socket at {path}"
            " (still starting, or older than the control channel)"
        ) from None
    except PermissionError:
        raise PredmmError(f"{path}: permission denied (the daemon runs as another user)") from None
    except OSError as exc:
        raise PredmmError(f"{who} does not answer on {path}: {exc.strerror or exc}") from None
    with sock:
        _check_server(sock, holder, path)
        try:
            sock.sendall(request.encode())
            sock.shutdown(socket.SHUT_WR)
            raw = _read_all(sock, timeout)
        except TimeoutError:
            raise PredmmError(
                f"{who} did not answer {request.command} within {timeout:g} s"
            ) from None
        except OSError as exc:
            raise PredmmError(f"{who}: the control connection failed: {exc}") from None
    return parse_answer(raw)


def _check_server(sock: socket.socket, holder: Holder, path: Path) -> None:
    """The process serving ``path`` is the daemon holding the journal (the lock names
    it), and of this user: a socket put there by anyone else is not spoken to."""
    peer = peer_of(sock)
    if peer.uid != os.getuid():
        raise PredmmError(f"{path} is served by uid {peer.uid}, not this user: not asked")
    if holder.pid and peer.pid != holder.pid:
        raise PredmmError(
            f"{path} is served by pid {peer.pid}, not by the daemon holding the journal"
            f" (pid {holder.pid}): not asked"
        )


def _read_all(sock: socket.socket, timeout: float) -> bytes:
    deadline = time.monotonic() + timeout
    data = b""
    while len(data) <= MAX_ANSWER:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        sock.settimeout(left)
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    raise PredmmError(f"the daemon's answer is larger than {MAX_ANSWER} bytes")
