"""The metrics endpoint, served by hypercorn under trio on 127.0.0.1: ``/metrics``
answers Prometheus (``cli.metrics``), ``/healthz`` the liveness probe (200 while the
engine runs, every venue answers and no core actor is down, 503 otherwise, the body
saying why), anything else 404. A port that cannot be listened on is one line (``PredmmError``)."""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

import trio
from hypercorn.config import Config
from hypercorn.trio import serve
from prometheus_client import CollectorRegistry, make_asgi_app

from predmm.cli.fmt import clock_of_ts, duration
from predmm.cli.instrument import VenueState
from predmm.cli.oneline import HOST, bind_problem
from predmm.domain.enums import TradingState
from predmm.domain.errors import PredmmError

Scope = MutableMapping[str, Any]


def health(
    engine: Any,
    venues: Sequence[VenueState],
    *,
    now: float,
    started: float,
    halted_since: str = "",
) -> tuple[bool, str]:
    """Whether the daemon is healthy, and one line saying why (or why not)."""
    snap = engine.snapshot()
    if not snap.running:
        doing = "stopping" if getattr(engine, "stopping", False) else "starting"
        return False, f"{doing}: the engine is not running"
    down = [v for v in venues if not v.connected]
    if down:
        return False, "; ".join(
            f"{v.venue} down since {clock_of_ts(v.since)} UTC ({duration(now - v.since)})"
            + (f": {v.error}" if v.error else "")
            for v in down
        )
    if snap.trading_state is TradingState.HALTED:
        why = halted_since or snap.halt_reason or ""
        return False, "halted" + (f" {why}" if why else "")
    core = [c for c in snap.core if c.health != "restarted"]  # a core actor not back yet
    if core:
        return False, "; ".join(
            f"{c.component} {c.health}" + (f": {c.note}" if c.note else "") for c in core
        )
    up = ", ".join(f"{v.venue} connected" for v in venues)
    state = snap.trading_state.value.upper() + (" on PAPER" if snap.paper else "")
    return True, f"ok: running {duration(now - started)}; trading {state}" + (
        f"; {up}" if up else ""
    )


# the app and the server ------------------------------------------------------------------

App = Callable[
    [Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]
]
NOT_FOUND = b"not found: /metrics (Prometheus) and /healthz (liveness) are served here\n"


def metrics_app(registry: CollectorRegistry, healthz: Callable[[], tuple[bool, str]]) -> App:
    """/metrics, /healthz, and 404 for everything else."""
    prometheus = make_asgi_app(registry)

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        if scope["path"] == "/metrics":
            await prometheus(scope, receive, send)
            return
        if scope["path"] == "/healthz":
            ok, text = healthz()
            await _text(send, 200 if ok else 503, (text + "\n").encode())
            return
        await _text(send, 404, NOT_FOUND)

    return app


async def _lifespan(receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _text(send: Any, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def listen(port: int) -> socket.socket:
    """A socket listening on 127.0.0.1:``port``; a port that is taken (or forbidden)
    raises ``PredmmError`` in one line."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
        sock.listen(64)
    except OSError as exc:
        sock.close()
        raise PredmmError(bind_problem(exc, port, "metrics port")) from None
    return sock


async def serve_metrics(
    app: App,
    port: int,
    *,
    task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve ``app`` on 127.0.0.1:``port`` until cancelled; reports the bound port."""
    sock = listen(port)
    bound = sock.getsockname()[1]
    config = Config()
    config.bind = [f"fd://{sock.detach()}"]  # hypercorn owns (and closes) the socket
    config.accesslog = None
    config.errorlog = None
    config.graceful_timeout = 0.5

    class _Status:
        def started(self, binds: list[str] | None = None) -> None:
            task_status.started(bound)

    await serve(app, config, mode="asgi", task_status=_Status())  # type: ignore[arg-type]
