"""The control channel's socket: a Unix socket beside the journal
(``<journal>.sock``), mode 0600, its peer known by the kernel (``SO_PEERCRED``).

The daemon binds it in a private folder of its own (mode 0700, made in the journal's
folder), sets it to 0600, then renames it into place: no other user can connect at any
moment, and a socket a killed daemon left behind is replaced in one step. Only the
daemon that holds the journal's lock (``cli.locks``) binds it, so whatever lies at the
path then is stale. A path too long for ``sun_path`` (108 bytes) is reached through
``/proc/self/fd`` and a descriptor of its folder.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import socket
import stat
import struct
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs

from predmm.domain.errors import PredmmError

SUN_PATH_MAX = 100  # bytes of a path bound directly (the kernel's limit is 107)
MODE = 0o600


class ChannelError(PredmmError):
    """The control socket cannot be made or reached."""


@attrs.frozen(kw_only=True)
class Peer:
    """Who is at the other end of a connection, as the kernel says."""

    pid: int
    uid: int
    gid: int

    def describe(self) -> str:
        try:
            user = pwd.getpwuid(self.uid).pw_name
        except KeyError:
            user = "?"
        return f"{user} (uid {self.uid}, pid {self.pid})"


def socket_path(journal: Path) -> Path:
    return journal.with_name(journal.name + ".sock")


@contextlib.contextmanager
def reachable(path: Path) -> Iterator[str]:
    """An address for ``path`` that ``bind`` and ``connect`` accept: itself, or through a
    descriptor of its folder when it is too long."""
    if len(os.fsencode(path)) <= SUN_PATH_MAX:
        yield str(path)
        return
    fd = os.open(path.parent, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        yield f"/proc/self/fd/{fd}/{path.name}"
    finally:
        os.close(fd)


def bind_private(sock: socket.socket, path: Path) -> os.stat_result:
    """Bind ``sock`` at ``path`` with mode 0600, replacing a stale socket there; the
    socket file's identity (to remove it later only if it is still this one)."""
    _check_replaceable(path)
    try:
        folder = Path(tempfile.mkdtemp(prefix=".predmm-control-", dir=path.parent))
    except OSError as exc:
        message = f"cannot make the control socket in {path.parent}: {exc.strerror}"
        raise ChannelError(message) from None
    try:
        staged = folder / "s"
        with reachable(staged) as address:
            sock.bind(address)
        os.chmod(staged, MODE)
        os.replace(staged, path)
        return os.lstat(path)
    except OSError as exc:
        raise ChannelError(f"cannot bind the control socket {path}: {exc.strerror}") from None
    finally:
        with contextlib.suppress(OSError):
            for leftover in folder.iterdir():
                leftover.unlink()
            folder.rmdir()


def _check_replaceable(path: Path) -> None:
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(mode):
        raise ChannelError(f"{path} exists and is not a socket: move it away")


def remove_if_ours(path: Path, identity: os.stat_result) -> None:
    """Remove the socket file at ``path`` if it is still the one bound (``identity``)."""
    with contextlib.suppress(OSError):
        now = os.lstat(path)
        if (now.st_dev, now.st_ino) == (identity.st_dev, identity.st_ino):
            path.unlink()


def peer_of(sock: socket.socket | Any) -> Peer:
    """The process at the other end of a connected Unix socket (``SO_PEERCRED``)."""
    size = struct.calcsize("3i")
    raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, size)
    pid, uid, gid = struct.unpack("3i", raw)
    return Peer(pid=pid, uid=uid, gid=gid)


def connect(path: Path, timeout: float) -> socket.socket:
    """A connection to the control socket at ``path`` (blocking, ``timeout`` per call);
    ``FileNotFoundError`` / ``ConnectionRefusedError`` / ``PermissionError`` as the
    kernel says."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        with reachable(path) as address:
            sock.connect(address)
    except BaseException:
        sock.close()
        raise
    return sock
