"""``JournalActor``: the single writer of the journal.

Everyone tells it ``Record…`` messages (``actors/journal/messages.py``); it writes each
one whole (one savepoint per message, by ``write`` in ``actors/journal/writes.py``) and
commits in batches: when its inbox is empty, or every ``batch_size`` messages. ``Flush``
(asked) and stopping always commit, durably. ``RecordIntents`` (orders about to be sent:
write-ahead) commits at once and then tells its sender. Commits follow message order, so what
survives a crash is always a prefix of what was told: a fill cursor is never durable
without the fills told before it.

An exception while writing is not swallowed: the messages before it in the batch are
committed, the failing one leaves nothing, and the actor crashes. The ``on_failure``
callback given at start is called once, with that exception, before pykka marks the
actor stopped: its watcher learns the cause before any tell can find the actor dead.

Reads (``predmm status``, recovery) do not go through the actor: open the file with
``Journal.open_read_only`` from any thread or process.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, runtime_checkable

import pykka

from predmm.actors.journal.messages import Flush, FlushResult, Record, RecordIntents
from predmm.actors.journal.schema import JournalError
from predmm.actors.journal.store import FillOutcome, Journal
from predmm.actors.journal.writes import write
from predmm.actors.messages import InjectFailure


@runtime_checkable
class HasNow(Protocol):
    def now(self) -> datetime: ...


Clock = Callable[[], datetime] | HasNow  # a function, or an ``actors.clock.Clock``
FailureCallback = Callable[[BaseException], None]


def _utcnow() -> datetime:
    return datetime.now(UTC)


_RECORD_TYPES = Record.__args__


class JournalActor(pykka.ThreadingActor):
    """The one writer of the journal file at ``path``.

    ``JournalActor.start(path)`` creates or migrates the file before it returns and raises
    ``JournalError`` / ``JournalVersionError`` if the file cannot be used. ``on_failure``
    is called (in the actor's thread) with the exception that stops the actor: a failed
    write, a failed Flush, or a failure to open in ``on_start``.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        synchronous: str = "NORMAL",
        batch_size: int = 512,
        clock: Clock = _utcnow,
        on_failure: FailureCallback | None = None,
        opener: Callable[..., Journal] = Journal.open,
    ) -> None:
        super().__init__()
        if batch_size < 1:
            raise JournalError(f"batch_size must be at least 1, got {batch_size}")
        # pykka runs __init__ in the caller's thread: create or migrate the file here, so
        # that ``start`` raises a bad journal (JournalVersionError, ...) to the caller and
        # readers may open the file as soon as it returns. The actor's own connection is
        # opened in on_start, in its thread (an sqlite3 connection stays in its thread).
        Journal.open(path, synchronous=synchronous).close()
        self._path = Path(path)
        self._synchronous = synchronous
        self._batch_size = batch_size
        self._now: Callable[[], datetime] = clock.now if isinstance(clock, HasNow) else clock
        self._failure_callback = on_failure
        self._opener = opener
        self._journal: Journal | None = None
        self._pending = 0
        self._records = 0
        self._duplicates = 0
        self._commits = 0

    def on_start(self) -> None:
        try:
            self._journal = self._opener(self._path, synchronous=self._synchronous)
        except Exception as exc:  # pykka only logs on_start failures: tell the watcher
            self._notify(exc)
            raise

    def on_receive(self, message: Any) -> Any:
        try:
            return self._receive(message)
        except Exception as exc:
            self._notify(exc)
            raise

    def _receive(self, message: Any) -> Any:
        if isinstance(message, RecordIntents):
            self._intents(message)
            return None
        if isinstance(message, _RECORD_TYPES):
            self._record(message)
            return None
        if isinstance(message, Flush):
            self._flush()
            return FlushResult(
                records=self._records, duplicates=self._duplicates, commits=self._commits
            )
        if isinstance(message, InjectFailure):
            raise JournalError(f"JournalActor: {message.reason}")
        raise JournalError(f"JournalActor cannot handle {type(message).__name__}: {message!r}")

    def _record(self, message: Record) -> None:
        journal = self._store()
        try:
            outcomes = write(journal, message, self._now())
        except BaseException:
            self._commit(durable=False)  # the batch's earlier messages are whole: keep them
            raise
        self._records += 1
        self._pending += 1
        self._duplicates += outcomes.count(FillOutcome.DUPLICATE)
        if self._pending >= self._batch_size or self.actor_inbox.empty():
            self._commit(durable=False)

    def _intents(self, message: RecordIntents) -> None:
        """Write-ahead: the orders committed (with the batch before them), then their
        sender told; told False if they could not be (the actor then stops as on any
        failed write)."""
        try:
            self._record(message)
            self._commit(durable=False)
        except BaseException:
            message.then(False)
            raise
        message.then(True)

    def _flush(self) -> None:
        # An asked message's exception goes back to the asker and pykka keeps the actor
        # alive: a failed Flush stops it too, and tells the watcher.
        try:
            self._commit(durable=True)
        except Exception as exc:
            self._close()
            self._notify(exc)
            self.actor_ref.stop(block=False)
            raise

    def _commit(self, *, durable: bool) -> None:
        journal = self._store()
        if journal.in_transaction:
            self._commits += 1
        journal.commit(durable=durable)
        self._pending = 0

    def _store(self) -> Journal:
        if self._journal is None:
            raise JournalError(f"journal {self._path} is not open")
        return self._journal

    def on_stop(self) -> None:
        if self._journal is not None:
            self._commit(durable=True)
            self._close()

    def _close(self) -> None:
        if self._journal is not None:
            self._journal.close()  # a transaction still open is rolled back
            self._journal = None

    def _notify(self, exc: BaseException) -> None:
        callback, self._failure_callback = self._failure_callback, None  # once
        if callback is not None:
            callback(exc)

    def on_failure(
        self,
        exception_type: type[BaseException] | None,
        exception_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._close()  # the failing message's batch was committed up to it
        if exception_value is not None:
            self._notify(exception_value)
