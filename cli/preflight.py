"""Checks a command makes before it starts anything, so that an operator's mistake (a
port in use, a folder that does not exist, a file that is not a journal) is refused in
one line naming the thing, before any venue is spoken to. Each raises ``PredmmError``.

A check cannot hold a resource until it is used (another process may take a port a
moment later): what fails later is turned into the same one line by the code that uses
it (``cli.metrics.serve_metrics``).
"""

from __future__ import annotations

import errno
import os
import socket
import sqlite3
from pathlib import Path

from predmm.actors.journal.schema import JournalError, check_identity, check_version
from predmm.domain.errors import PredmmError

HOST = "127.0.0.1"


def port_problem(port: int, what: str, host: str = HOST) -> str | None:
    """Why ``port`` cannot be listened on now (None: it can; 0 is always free)."""
    if not 0 <= port <= 65535:
        return f"{what} {port} is out of range: use 1-65535 (0: none)"
    if port == 0:
        return None
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError as exc:
            return bind_problem(exc, port, what, host)
    return None


def bind_problem(exc: OSError, port: int, what: str, host: str = HOST) -> str:
    if exc.errno == errno.EADDRINUSE:
        return f"{what} {port} on {host} is in use by another process: choose another port"
    if exc.errno == errno.EACCES:
        return f"{what} {port} on {host}: permission denied (ports below 1024 need privileges)"
    return f"{what} {port} on {host}: cannot listen: {exc.strerror or exc}"


def check_port(port: int, what: str) -> None:
    problem = port_problem(port, what)
    if problem is not None:
        raise PredmmError(problem)


def writable_file_problem(path: Path, what: str) -> str | None:
    """Why a file cannot be written (created or appended to) at ``path``, or None."""
    path = path.expanduser()
    if path.is_dir():
        return f"{what} {path} is a folder, not a file"
    if path.exists():
        try:
            with open(path, "ab"):
                pass
        except OSError as exc:
            return f"{what} {path} is not writable: {exc.strerror}"
        return None
    return _folder_problem(path.parent, f"{what} {path}")


def _folder_problem(folder: Path, what: str) -> str | None:
    if not folder.exists():
        return f"{what}: folder {folder} does not exist"
    if not folder.is_dir():
        return f"{what}: {folder} is not a folder"
    probe = folder / f".predmm-probe-{os.getpid()}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        return f"{what}: cannot write in folder {folder}: {exc.strerror}"
    os.close(fd)
    probe.unlink()
    return None


def check_writable_file(path: Path, what: str) -> None:
    problem = writable_file_problem(path, what)
    if problem is not None:
        raise PredmmError(problem)


def check_folder(folder: Path, what: str, *, create: bool = False) -> None:
    """A folder to write files into (``create``: made if missing, with its parents)."""
    folder = folder.expanduser()
    if create and not folder.exists():
        try:
            folder.mkdir(parents=True)
        except OSError as exc:
            raise PredmmError(f"{what} {folder}: cannot create it: {exc.strerror}") from None
    problem = _folder_problem(folder, f"{what} {folder}")
    if problem is not None:
        raise PredmmError(problem)


def check_journal_for_writing(path: Path) -> None:
    """The journal the daemon will write: a writable place, and if the file exists, a
    predmm journal no newer than this predmm (an older one is migrated at start)."""
    check_writable_file(path, "journal")
    if path.exists() and path.stat().st_size > 0:
        check_journal_file(path, reading=False)


def check_journal_file(path: Path, *, reading: bool = True) -> None:
    """``path`` is a predmm journal this predmm can read (``reading``: at its version;
    else at most its version)."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0)
    except sqlite3.Error as exc:
        raise JournalError(f"{path}: cannot open: {exc}") from None
    try:
        check_identity(conn, path)
        if reading:
            check_version(conn, path)
        else:
            _not_newer(conn, path)
    except sqlite3.Error as exc:
        raise JournalError(f"{path} is not a predmm journal ({exc})") from None
    finally:
        conn.close()


def _not_newer(conn: sqlite3.Connection, path: Path) -> None:
    from predmm.actors.journal.schema import SCHEMA_VERSION, JournalVersionError, user_version

    version = user_version(conn)
    if version > SCHEMA_VERSION:
        raise JournalVersionError(
            f"journal {path} has schema version {version}, newer than this predmm knows"
            f" ({SCHEMA_VERSION}): upgrade predmm or use another journal file"
        )
