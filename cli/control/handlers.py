"""What the daemon does with each control request (``DaemonControl``, the server's
handler): halt, resume and cancel-all through the engine's control
(``supervisors.control``), journaled with the requesting user (the kernel's word for it,
``channel.Peer``); reload by reading the daemon's config file again in a worker thread,
refusing a bad one with its one-line error (the daemon runs on as it was), applying what
can change live and naming what needs a restart. Each answer is a JSON object."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import trio

from predmm.actors.messages import StateChange
from predmm.cli.control.channel import Peer
from predmm.cli.control.protocol import Request, failure
from predmm.cli.control.reload import plan_reload
from predmm.config.risk import RiskConfig
from predmm.config.settings import Settings
from predmm.domain.errors import PredmmError
from predmm.supervisors.control import Cleared, EngineControl
from predmm.supervisors.engine import TradingEngine

NO_REASON = "no reason given"


class DaemonControl:
    """The control requests of one running daemon.

    ``settings``: what it runs on; ``config_file`` and ``reread``: its config file and
    how to read it again as the start did (``--preset`` and ``--paper`` applied), or None
    without one; ``merge_links``: the venues' known event links added to a RiskConfig,
    as at the start."""

    def __init__(
        self,
        engine: TradingEngine,
        settings: Settings,
        *,
        config_file: Path | None,
        reread: Callable[[], Settings],
        merge_links: Callable[[RiskConfig], RiskConfig],
        control: EngineControl | None = None,
    ) -> None:
        self.control = control or EngineControl(engine)
        self.config_file, self.reread, self.merge_links = config_file, reread, merge_links
        self.settings = _merged(settings, merge_links)
        self._reloading = trio.Lock()

    async def __call__(self, request: Request, peer: Peer) -> dict[str, Any]:
        who, why = peer.describe(), request.reason or NO_REASON
        match request.command:
            case "halt":
                return _cleared(await self.control.halt(who, why))
            case "cancel-all":
                return _cleared(await self.control.cancel_all(who, why))
            case "resume":
                return _resumed(await self.control.resume(who, why))
            case "reload":
                async with self._reloading:
                    return await self._reload()
        return failure(f"unknown command {request.command!r}")

    async def _reload(self) -> dict[str, Any]:
        if self.config_file is None:
            return failure(
                "this daemon runs without a config file (--preset or the defaults): nothing"
                " to reload; start it with --config FILE to change its settings live"
            )
        try:
            read = _merged(await trio.to_thread.run_sync(self.reread), self.merge_links)
        except PredmmError as exc:
            return failure(f"reload refused, still running on the previous settings: {exc}")
        plan = plan_reload(self.settings, read)
        strategy, risk = plan.settings.strategy, plan.settings.risk
        problems = await self.control.reconfigure(strategy, risk, plan.settings.strategy_venues)
        if problems:
            text = "; ".join(problems)
            return failure(f"reload refused, still running on the previous settings: {text}")
        self.settings = plan.settings
        answer: dict[str, Any] = {"ok": True, "file": str(self.config_file)}
        return answer | {"applied": list(plan.applied), "restart": list(plan.restart)}


def _merged(settings: Settings, merge_links: Callable[[RiskConfig], RiskConfig]) -> Settings:
    return attrs.evolve(settings, risk=merge_links(settings.risk))


def _change(change: StateChange) -> dict[str, Any]:
    return {
        "state": change.after.value,
        "was": change.before.value,
        "reason": change.reason,
    }


def _resumed(change: StateChange) -> dict[str, Any]:
    if change.refused:
        return failure(f"resume refused: {change.refused}") | _change(change)
    return {"ok": True, **_change(change)}


def _cleared(cleared: Cleared) -> dict[str, Any]:
    venues = [
        {"venue": v.venue.value, "cancelled": v.cancelled, "resting": v.resting, "error": v.error}
        for v in cleared.venues
    ]
    answer = {"ok": cleared.ok, **_change(cleared.change), "venues": venues}
    if cleared.change.refused:
        answer["note"] = cleared.change.refused
    return answer
