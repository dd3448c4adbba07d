"""``predmm cancel-all`` with no daemon to ask: each venue of the config (or of a
running ``predmm sim``) is told to cancel every resting order of the account, then read
until it lists none, at most ``SWEEPS`` times. The venues are worked at once and apart:
one that fails or does not answer stops none of the others, and each is reported (how
many it cancelled, how many still rest, or what went wrong), in the same shape as a
daemon's answer."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import trio

from predmm.platforms.venue import VenueClient

SWEEPS = 3
CALL_TIMEOUT = 15.0  # seconds per call to a venue
T = TypeVar("T")


async def cancel_directly(clients: Sequence[VenueClient]) -> list[dict[str, Any]]:
    """Cancel everything on each of ``clients`` (closed afterwards); one report each, in
    their order."""
    reports: dict[int, dict[str, Any]] = {}

    async def one(n: int, client: VenueClient) -> None:
        reports[n] = await _clear(client)

    try:
        async with trio.open_nursery() as nursery:
            for n, client in enumerate(clients):
                nursery.start_soon(one, n, client)
    finally:
        for client in clients:
            shielded = trio.CancelScope(shield=True)
            with shielded, trio.move_on_after(5), contextlib.suppress(Exception):
                await client.aclose()  # closing: nothing left to report
    return [reports[n] for n in range(len(clients))]


async def _clear(client: VenueClient) -> dict[str, Any]:
    cancelled, resting, error = 0, None, ""
    try:
        for _ in range(SWEEPS):
            cancelled += await _call(client.cancel_all)
            resting = len(await _call(client.get_open_orders))
            if resting == 0:
                break
        else:
            error = f"{resting} orders still rest after {SWEEPS} cancel-all calls"
    except Exception as exc:
        error = _text(exc)
    return {
        "venue": client.venue.value,
        "cancelled": cancelled,
        "resting": resting,
        "error": error,
    }


async def _call(call: Callable[[], Awaitable[T]]) -> T:
    with trio.fail_after(CALL_TIMEOUT):
        return await call()


def _text(exc: BaseException) -> str:
    if isinstance(exc, trio.TooSlowError):
        return f"no answer within {CALL_TIMEOUT:g} s"
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
