"""The control channel itself, on real Unix sockets: 0600 and replacing a socket a
killed daemon left; another user kept out (by the mode, and by the peer's uid where
modes do not stop it); requests that are not requests answered with why, the server
serving on; a journal folder too deep for a socket path; the client's word when no
daemon runs or it serves no socket."""

from __future__ import annotations

import os
import shutil
import socket
import stat
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import attrs
import pytest
import trio

from predmm.cli.control.channel import Peer, connect, reachable, socket_path
from predmm.cli.control.client import NoDaemon, ask_daemon
from predmm.cli.control.protocol import MAX_REQUEST, Request
from predmm.cli.control.server import serve_control
from predmm.cli.locks import holding, journal_lock_path, this_process
from predmm.domain.errors import PredmmError

NOBODY = 65534
# a python another user may run (this venv's may live in a folder private to its user)
SYSTEM_PYTHON = next((p for p in map(Path, ("/usr/bin/python3",)) if p.exists()), None)


class Recorder:
    """A handler that answers every request with what it was and who sent it."""

    def __init__(self) -> None:
        self.seen: list[tuple[Request, Peer]] = []

    async def __call__(self, request: Request, peer: Peer) -> dict[str, Any]:
        self.seen.append((request, peer))
        return {"ok": True, "command": request.command, "uid": peer.uid, "pid": peer.pid}


@asynccontextmanager
async def serving(journal: Path, handler: Any, **kw: Any) -> AsyncIterator[Path]:
    async with trio.open_nursery() as nursery:
        path = await nursery.start(
            lambda task_status: serve_control(
                socket_path(journal), handler, task_status=task_status, **kw
            )
        )
        yield path
        nursery.cancel_scope.cancel()


async def exchange(path: Path, raw: bytes, *, close_write: bool = True) -> bytes:
    """Send ``raw`` on a new connection and read the answer to the end."""
    with reachable(path) as address:
        stream = await trio.open_unix_socket(address)
    async with stream:
        await stream.send_all(raw)
        if close_write:
            await stream.send_eof()
        out = b""
        while chunk := await stream.receive_some(65536):
            out += chunk
    return out


def stale_socket(path: Path) -> None:
    """What a SIGKILLed daemon leaves: a socket file nobody listens on."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))
    sock.close()


async def test_the_socket_is_0600_replaces_a_stale_one_and_goes_with_the_daemon(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "j.sqlite3"
    stale_socket(socket_path(journal))
    with pytest.raises(ConnectionRefusedError):
        connect(socket_path(journal), 1).close()
    recorder = Recorder()
    async with serving(journal, recorder) as path:
        mode = os.lstat(path).st_mode
        assert stat.S_ISSOCK(mode)
        assert stat.S_IMODE(mode) == 0o600
        answer = await exchange(path, Request(command="halt", reason="test").encode())
        assert b'"ok":true' in answer
        [(request, peer)] = recorder.seen
        assert (request.reason, peer.uid, peer.pid) == ("test", os.getuid(), os.getpid())
        assert sorted(p.name for p in tmp_path.iterdir()) == ["j.sqlite3.sock"]  # no leftovers
    assert not path.exists()


async def test_a_file_in_the_sockets_place_is_not_replaced(tmp_path: Path) -> None:
    journal = tmp_path / "j.sqlite3"
    socket_path(journal).write_text("mine")
    with pytest.raises(PredmmError, match=r"j.sqlite3.sock exists and is not a socket"):
        await serve_control(socket_path(journal), Recorder())
    assert socket_path(journal).read_text() == "mine"


async def test_a_request_from_another_uid_is_refused_before_it_is_read(tmp_path: Path) -> None:
    recorder = Recorder()
    other = os.getuid() + 1
    async with serving(tmp_path / "j.sqlite3", recorder, allowed_uid=other) as path:
        answer = await exchange(path, Request(command="halt").encode())
    assert answer.decode().strip() == (
        f'{{"ok":false,"error":"refused: uid {os.getuid()} is not the daemon\'s user'
        f' (uid {other})"}}'
    )
    assert recorder.seen == []


CONNECT_AS_NOBODY = """
import socket, sys
sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    sock.connect(sys.argv[1])
except PermissionError:
    print("denied")
    sys.exit(0)
except ConnectionRefusedError:
    print("refused")
    sys.exit(0)
sock.sendall(b'{"command":"halt"}\\n')
sock.shutdown(socket.SHUT_WR)
print(sock.recv(4096).decode())
"""


async def as_nobody(path: Path) -> str:
    done = await trio.run_process(
        [str(SYSTEM_PYTHON), "-c", CONNECT_AS_NOBODY, str(path)],
        capture_stdout=True,
        preexec_fn=lambda: os.setuid(NOBODY),
    )
    return done.stdout.decode().strip()


@pytest.fixture
def open_folder() -> Iterator[Path]:
    """A folder every user can reach (pytest's tmp_path is private to its user): only
    the socket's own mode keeps another user out of a socket in it."""
    folder = Path(tempfile.mkdtemp(prefix="predmm-control-test-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.skipif(
    os.getuid() != 0 or SYSTEM_PYTHON is None,
    reason="needs root (to act as another user) and a system python",
)
async def test_another_user_cannot_connect_and_is_refused_if_the_mode_lets_them(
    open_folder: Path,
) -> None:
    recorder = Recorder()
    async with serving(open_folder / "j.sqlite3", recorder) as path:
        probe = open_folder / "probe.sock"
        stale_socket(probe)
        probe.chmod(0o777)
        assert await as_nobody(probe) == "refused"  # the folder lets them reach a socket
        assert await as_nobody(path) == "denied"
        path.chmod(0o666)  # a careless chmod: the peer's uid still refuses them
        said = await as_nobody(path)
    refused = f"refused: uid {NOBODY} is not the daemon's user (uid 0)"
    assert said == f'{{"ok":false,"error":"{refused}"}}'
    assert recorder.seen == []


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (b"halt\n", "bad request: not JSON"),
        (b"[1, 2]\n", "bad request: not a JSON object"),
        (b'{"command": "shutdown"}\n', "bad request: unknown command 'shutdown' (one of: halt"),
        (b'{"command": "halt", "as": "root"}\n', "bad request: unknown field 'as'"),
        (b'{"command": "halt", "reason": 7}\n', "bad request: reason must be one line"),
        (b'{"command": "halt", "reason": "' + b"x" * MAX_REQUEST + b'"}', "bad request: larger"),
        (b"\xff\xfe\n", "bad request: not JSON"),
    ],
)
async def test_what_is_not_a_request_is_answered_with_why_and_the_server_serves_on(
    tmp_path: Path, raw: bytes, error: str
) -> None:
    recorder = Recorder()
    async with serving(tmp_path / "j.sqlite3", recorder) as path:
        answer = await exchange(path, raw)
        assert answer.startswith(b'{"ok":false,"error":"' + error.encode()), answer
        assert recorder.seen == []
        good = await exchange(path, Request(command="resume").encode())
        assert b'"command":"resume"' in good


async def test_a_client_that_never_finishes_its_request_is_answered_and_dropped(
    tmp_path: Path, autojump_clock: trio.abc.Clock
) -> None:
    recorder = Recorder()
    async with serving(tmp_path / "j.sqlite3", recorder) as path:
        answer = await exchange(path, b'{"command": "ha', close_write=False)
        assert answer == b'{"ok":false,"error":"bad request: no complete request within 5 s"}\n'
        assert recorder.seen == []


async def test_a_journal_folder_too_deep_for_a_socket_path(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    journal = deep / "predmm.sqlite3"
    assert len(os.fsencode(socket_path(journal))) > 108
    recorder = Recorder()
    async with serving(journal, recorder) as path:
        answer = await exchange(path, Request(command="reload").encode())
    assert b'"command":"reload"' in answer


async def test_the_client_says_when_no_daemon_runs_and_when_one_serves_no_socket(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "j.sqlite3"
    with pytest.raises(NoDaemon, match=r"^no daemon runs on journal .*j.sqlite3$"):
        ask_daemon(journal, Request(command="halt"), 5)
    stale_socket(socket_path(journal))  # left by a killed daemon: no lock, so no daemon
    with pytest.raises(NoDaemon):
        ask_daemon(journal, Request(command="halt"), 5)
    socket_path(journal).unlink()
    with holding(journal_lock_path(journal), this_process(journal), "journal j.sqlite3"):
        with pytest.raises(PredmmError, match=r"holds journal .* but serves no control socket"):
            ask_daemon(journal, Request(command="halt"), 5)

        recorder = Recorder()
        async with serving(journal, recorder):
            said = await trio.to_thread.run_sync(
                ask_daemon, journal, Request(command="halt", reason="r"), 5
            )
    assert said == {"ok": True, "command": "halt", "uid": os.getuid(), "pid": os.getpid()}


async def test_the_client_asks_only_the_daemon_that_holds_the_journal(tmp_path: Path) -> None:
    journal = tmp_path / "j.sqlite3"
    someone = attrs.evolve(this_process(journal), pid=1)  # the lock names pid 1
    with holding(journal_lock_path(journal), someone, "journal j.sqlite3"):
        recorder = Recorder()
        async with serving(journal, recorder):  # served by this process, not by pid 1
            with pytest.raises(PredmmError) as refused:
                await trio.to_thread.run_sync(ask_daemon, journal, Request(command="halt"), 5)
    assert str(refused.value) == (
        f"{socket_path(journal)} is served by pid {os.getpid()}, not by the daemon holding"
        " the journal (pid 1): not asked"
    )
    assert recorder.seen == []
