"""Direct calls into an actor (``actors.direct``): handled on the caller's thread, never
interleaved with the actor's own messages, refused once the actor is gone."""

from __future__ import annotations

import threading
from typing import Any

import pykka
import pytest

from predmm.actors.direct import DirectActor, DirectRef

WAIT = 5.0


class Counter(DirectActor):
    """Counts; ``"slow"`` holds the actor until ``release`` is set."""

    def __init__(self, direct: DirectRef, entered: threading.Event, release: threading.Event):
        super().__init__(direct)
        self.count = 0
        self.entered, self.release = entered, release
        self.threads: list[str] = []

    def handle(self, message: Any) -> Any:
        self.threads.append(threading.current_thread().name)
        if message == "slow":
            self.entered.set()
            assert self.release.wait(WAIT)
        elif message == "boom":
            raise ValueError("bad message")
        self.count += 1
        return self.count


def _start() -> tuple[pykka.ActorRef[Any], DirectRef, threading.Event, threading.Event]:
    direct = DirectRef("counter")
    entered, release = threading.Event(), threading.Event()
    ref = Counter.start(direct, entered, release)
    return ref, direct, entered, release


def test_a_direct_call_runs_on_the_callers_thread_and_answers_like_an_ask() -> None:
    ref, direct, _, _ = _start()
    try:
        assert direct.call("one") == 1
        assert ref.ask("two", timeout=WAIT) == 2
        assert direct.call("three") == 3
    finally:
        ref.stop()


def test_a_direct_call_waits_while_the_actor_handles_a_message() -> None:
    ref, direct, entered, release = _start()
    try:
        ref.tell("slow")
        assert entered.wait(WAIT)
        answers: list[int] = []
        caller = threading.Thread(target=lambda: answers.append(direct.call("x")))
        caller.start()
        caller.join(0.2)
        assert caller.is_alive()  # held behind the message in progress
        assert answers == []
        release.set()
        caller.join(WAIT)
        assert answers == [2]  # after "slow" counted 1: never interleaved
    finally:
        release.set()
        ref.stop()


def test_an_error_in_a_direct_call_goes_to_the_caller_and_the_actor_lives_on() -> None:
    ref, direct, _, _ = _start()
    try:
        with pytest.raises(ValueError, match="bad message"):
            direct.call("boom")
        assert ref.ask("after", timeout=WAIT) == 1
        assert direct.alive
    finally:
        ref.stop()


def test_a_stopped_or_failed_actor_refuses_direct_calls() -> None:
    ref, direct, _, _ = _start()
    ref.stop()
    assert not direct.alive
    with pytest.raises(pykka.ActorDeadError, match="counter is not running"):
        direct.call("x")

    ref, direct, _, _ = _start()
    ref.tell("boom")  # unhandled in the actor's own thread: it fails and stops
    assert ref.actor_stopped.wait(WAIT)
    with pytest.raises(pykka.ActorDeadError):
        direct.call("x")
