"""One daemon per journal and per venue account: file locks held for the life of the
process.

``predmm run`` takes an exclusive ``flock`` on ``<journal>.lock`` beside its journal, and
one on ``account-<key>.lock`` in the lock directory for each venue account it trades
(``key``: a hash of the venue, its address and the key id or wallet address, so the file
name reveals no secret). The kernel releases a lock when its process ends, however it
ends (SIGKILL included): there is no PID file to go stale and nothing to clean up. The
holder writes who it is into the file (pid, start time, command); a second daemon that
finds the lock taken refuses with one line naming it, and ``predmm status`` reads it to
say whether a daemon runs on a journal (``probe``).

The lock directory is ``$PREDMM_LOCK_DIR``, else ``$XDG_RUNTIME_DIR/predmm``, else
``<tmp>/predmm-<uid>``: per user by default; daemons of several users sharing one
account on one machine need one ``PREDMM_LOCK_DIR`` they can all write.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shlex
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import attrs

from predmm.domain.errors import PredmmError

RETRIES = 10  # ``predmm status`` holds a shared lock for an instant: try a few times
RETRY_DELAY = 0.05


class LockHeld(PredmmError):
    """Another daemon holds the journal or the venue account."""


@attrs.frozen(kw_only=True)
class Holder:
    """Who holds a lock: written into its file by the holder."""

    pid: int
    started_at: datetime
    command: str
    journal: str = ""

    def describe(self) -> str:
        return f"pid {self.pid} (started {self.started_at:%Y-%m-%d %H:%M:%S} UTC: {self.command})"

    def to_json(self) -> str:
        data = attrs.asdict(self) | {"started_at": self.started_at.isoformat()}
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> Holder | None:
        try:
            data = json.loads(text)
            return cls(
                pid=int(data["pid"]),
                started_at=datetime.fromisoformat(data["started_at"]),
                command=str(data["command"]),
                journal=str(data.get("journal", "")),
            )
        except (ValueError, KeyError, TypeError):
            return None  # empty (being written) or not ours


@attrs.frozen(kw_only=True)
class LockState:
    """What ``probe`` finds: whether a process holds the lock now, and the last holder."""

    running: bool
    holder: Holder | None


def this_process(journal: Path | None = None, argv: Sequence[str] | None = None) -> Holder:
    args = list(sys.argv if argv is None else argv)
    if args:
        args[0] = Path(args[0]).name
    return Holder(
        pid=os.getpid(),
        started_at=datetime.now(UTC).replace(microsecond=0),
        command=shlex.join(args),
        journal=str(journal.resolve()) if journal is not None else "",
    )


def journal_lock_path(journal: Path) -> Path:
    return journal.with_name(journal.name + ".lock")


def lock_dir() -> Path:
    configured = os.environ.get("PREDMM_LOCK_DIR")
    if configured:
        return Path(configured)
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and Path(runtime).is_dir():
        return Path(runtime) / "predmm"
    return Path(tempfile.gettempdir()) / f"predmm-{os.getuid()}"


def account_lock_path(key: str) -> Path:
    return lock_dir() / f"account-{key}.lock"


@contextlib.contextmanager
def holding(path: Path, holder: Holder, what: str) -> Iterator[None]:
    """Hold the exclusive lock on ``path`` for the body (``what`` names the thing locked
    in the refusal: "journal predmm.sqlite3"); raises ``LockHeld`` naming the process
    that holds it."""
    fd = _open(path, os.O_RDWR | os.O_CREAT, what)
    try:
        if not _lock(fd, fcntl.LOCK_EX):
            other = Holder.from_json(_read(fd))
            who = other.describe() if other is not None else "another process"
            raise LockHeld(f"{what} is in use by predmm {who}: stop that daemon first")
        os.ftruncate(fd, 0)
        os.pwrite(fd, holder.to_json().encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


@contextlib.contextmanager
def holding_all(locks: Sequence[tuple[Path, str]], holder: Holder) -> Iterator[None]:
    """Hold every lock of ``locks`` (path, what), taken in that order (never waiting: no
    order can deadlock), or none: the first one taken refuses."""
    with contextlib.ExitStack() as stack:
        for path, what in locks:
            stack.enter_context(holding(path, holder, what))
        yield


def probe(path: Path) -> LockState:
    """Whether a daemon holds the lock at ``path`` now (a shared lock is refused), and who
    held it last; never waits."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return LockState(running=False, holder=None)
    try:
        free = _try(fd, fcntl.LOCK_SH)
        if free:
            fcntl.flock(fd, fcntl.LOCK_UN)
        return LockState(running=not free, holder=Holder.from_json(_read(fd)))
    finally:
        os.close(fd)


def _open(path: Path, flags: int, what: str) -> int:
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        return os.open(path, flags | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise PredmmError(f"{what}: cannot open its lock file {path}: {exc.strerror}") from None


def _lock(fd: int, kind: int) -> bool:
    for attempt in range(RETRIES):
        if _try(fd, kind):
            return True
        if attempt + 1 < RETRIES:
            time.sleep(RETRY_DELAY)  # a status probe holds it for an instant
    return False


def _try(fd: int, kind: int) -> bool:
    try:
        fcntl.flock(fd, kind | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _read(fd: int) -> str:
    return os.pread(fd, 64 * 1024, 0).decode(errors="replace")
