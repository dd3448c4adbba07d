"""``MarketDeps``: what the MarketActors of one venue share (the strategy's config, the
venue's capabilities, the PortfolioActor and the venue's PlatformActor with their
direct-call refs, the clock, the run id, and optionally the supervisor, the conflator,
the status board and a decision tracer), built by the engine once per venue and handed
to each MarketActor the supervisor spawns for a market of that venue.
"""

from __future__ import annotations

from typing import Any

import attrs
import pykka

from predmm.actors.clock import Clock
from predmm.actors.direct import DirectRef
from predmm.actors.status import StatusBoard
from predmm.config.market_making import MarketMakingConfig
from predmm.platforms.venue import Capabilities
from predmm.strategies.maker.trace import Tracer


@attrs.frozen(kw_only=True)
class MarketDeps:
    """What every MarketActor of one engine shares."""

    config: MarketMakingConfig
    capabilities: Capabilities
    portfolio: pykka.ActorRef[Any]
    platform: pykka.ActorRef[Any] | DirectRef  # the engine gives the DirectRef: restarts too
    portfolio_direct: DirectRef  # reservations and marks, on this actor's thread
    platform_direct: DirectRef  # order submissions, on this actor's thread
    clock: Clock
    run_id: str
    supervisor: pykka.ActorRef[Any] | None = None
    conflator: Any = None  # platforms.bridge.Conflator
    board: StatusBoard | None = None
    tracer: Tracer | None = None  # every decision the markets' cores make (the parity test)
