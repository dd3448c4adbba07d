"""Faults on demand: a seeded, per-venue and per-route fault plan.

The front ends consult it on every request and every websocket message:

    decision = sim.faults.on_request(Venue.KALSHI, "POST /portfolio/events/orders",
                                     kind=RouteKind.ORDER)
    if decision.latency_s: await trio.sleep(decision.latency_s)
    if decision.status is not None: answer that status in the venue's error shape
        (429 with decision.retry_after_s, 5xx, 425 engine restart, 503 post-only mode)
    if decision.ambiguous: do the work (the order IS accepted), then lose the answer
        (Kalshi: 504 gateway timeout body; Polymarket: 500 / a dropped connection)
    if decision.late_accept_s is not None: late acceptance. The request is processed
        that many (simulated) seconds later by the simulator itself (``Simulator.defer``),
        whatever became of its client (a client that gave up on a timeout does not take
        the request back on a real venue); its answer comes ``decision.late_answer_s``
        seconds after it arrived (the result if the work is done by then, else the
        venue's timeout shape) or never (None: the client times out)
    if decision.stale_read: answer reads as of ``decision.stale_window_s`` ago: an order
        cancelled less than that long ago (``order.updated_at``) still shows as resting

    ws = sim.faults.on_ws_message(Venue.KALSHI, "orderbook_delta")
    ws.drop: close the connection instead of sending; ws.skip_seq: consume one extra
    sequence number before this message (a gap); ws.duplicate: send it twice, same seq

Route names are the front end's "METHOD /path" (path relative to the venue's base, the
template not the concrete ids, e.g. "DELETE /portfolio/events/orders/{order_id}");
rules match them with shell globs (``fnmatch``). Randomness is drawn from one stream
per (seed, venue, route), so a route's faults do not depend on other routes' traffic.
Windows (engine restart, post-only mode, rule start/end) are in simulated time.
"""

from __future__ import annotations

import enum
import fnmatch
import random
from collections.abc import Callable

import attrs

from predmm.domain import MarketId, Venue


class FaultKind(enum.Enum):
    LATENCY = "latency"  # add ``latency_s`` before answering
    RATE_LIMIT = "rate_limit"  # 429
    SERVER_ERROR = "server_error"  # ``status`` (default 500)
    ENGINE_RESTART = "engine_restart"  # 425 on order routes
    AMBIGUOUS = "ambiguous"  # the submit is processed but its response is lost
    LATE_ACCEPT = "late_accept"  # processed ``accept_after_s`` later, answered late or never
    STALE_READ = "stale_read"  # reads do not yet show recent cancels
    WS_DROP = "ws_drop"  # the websocket is closed
    WS_SKIP_SEQ = "ws_skip_seq"  # a sequence number is skipped
    WS_DUPLICATE = "ws_duplicate"  # a message is sent twice with the same seq


class RouteKind(enum.Enum):
    READ = "read"
    ORDER = "order"  # creates and amends: refused in an engine restart and post-only mode
    CANCEL = "cancel"  # refused in an engine restart, allowed in post-only mode
    OTHER = "other"


_WS_KINDS = frozenset({FaultKind.WS_DROP, FaultKind.WS_SKIP_SEQ, FaultKind.WS_DUPLICATE})


@attrs.frozen(kw_only=True)
class FaultRule:
    """Fire ``kind`` on matching requests (or websocket messages: then ``route`` globs
    the channel name) with ``probability``, at most ``count`` times (None: forever),
    between simulated times ``start`` and ``end`` (Unix seconds; None: open)."""

    kind: FaultKind
    venue: Venue | None = None  # None: both venues
    route: str = "*"
    probability: float = 1.0
    count: int | None = None
    latency_s: float = 0.0
    status: int = 500
    retry_after_s: float | None = 1.0
    stale_window_s: float = 2.0
    accept_after_s: float = 2.0  # LATE_ACCEPT: processed this much later
    answer_after_s: float | None = None  # LATE_ACCEPT: answered then (None: never)
    route_kinds: frozenset[RouteKind] | None = None  # None: any kind
    start: float | None = None
    end: float | None = None

    def matches(self, venue: Venue, route: str, kind: RouteKind | None, now: float) -> bool:
        if self.venue not in (None, venue):
            return False
        if self.route_kinds is not None and kind not in self.route_kinds:
            return False
        if (self.start is not None and now < self.start) or (
            self.end is not None and now >= self.end
        ):
            return False
        return fnmatch.fnmatchcase(route, self.route)


@attrs.frozen(kw_only=True)
class FaultDecision:
    """What the front end must do with one request. ``FaultDecision()`` = serve normally."""

    latency_s: float = 0.0
    status: int | None = None  # answer this status instead of serving (429, 5xx, 425, 503)
    code: str = ""  # the reason: rate_limit, server_error, engine_restart, post_only_mode
    retry_after_s: float | None = None
    ambiguous: bool = False
    stale_read: bool = False
    stale_window_s: float = 0.0
    late_accept_s: float | None = None  # processed this much later, by the simulator
    late_answer_s: float | None = None  # and answered this long after it arrived (None: never)
    post_only_mode: bool = False  # Polymarket after a restart: only post-only orders pass

    @property
    def serve(self) -> bool:
        """True when the request should be processed (maybe late, maybe ambiguously)."""
        return self.status is None


@attrs.frozen(kw_only=True)
class WsFaultDecision:
    drop: bool = False
    skip_seq: bool = False
    duplicate: bool = False


@attrs.frozen(kw_only=True)
class FiredFault:
    venue: Venue
    route: str
    kind: FaultKind
    at: float


@attrs.frozen(kw_only=True)
class ScheduledPause:
    market_id: MarketId
    start: float
    end: float


@attrs.frozen(kw_only=True)
class ScheduledTradingPause:
    """A venue-wide trading pause (Kalshi's Thursday maintenance): placements and amends
    refused, cancels allowed, ``cancel_order_on_pause`` orders cancelled at its start."""

    venue: Venue
    start: float
    end: float


@attrs.define(eq=False)
class _Armed:
    rule: FaultRule
    remaining: int | None


@attrs.frozen
class _Window:
    start: float
    end: float


class Faults:
    """The fault plan. Thread-unsafe on purpose: used from the simulator's trio thread."""

    def __init__(self, seed: int = 0, *, clock: Callable[[], float] | None = None) -> None:
        self.seed = seed
        self._clock: Callable[[], float] = clock or (lambda: 0.0)
        self._rules: list[_Armed] = []
        self._rngs: dict[tuple[Venue, str], random.Random] = {}
        self._restarts: dict[Venue, list[_Window]] = {}
        self._post_only: dict[Venue, list[_Window]] = {}
        self.pauses: list[ScheduledPause] = []
        self.trading_pauses: list[ScheduledTradingPause] = []
        self.fired: list[FiredFault] = []

    def bind_clock(self, clock: Callable[[], float]) -> None:
        """Use ``clock`` (simulated Unix seconds) for windows; the Simulator does this."""
        self._clock = clock

    # configuring -------------------------------------------------------------------

    def add(self, rule: FaultRule) -> FaultRule:
        self._rules.append(_Armed(rule, rule.count))
        return rule

    def remove(self, rule: FaultRule) -> None:
        self._rules = [a for a in self._rules if a.rule is not rule]

    def clear(self) -> None:
        """Remove every rule, window and scheduled pause."""
        self._rules.clear()
        self._restarts.clear()
        self._post_only.clear()
        self.pauses.clear()
        self.trading_pauses.clear()

    def fail_next(
        self, venue: Venue, route: str = "*", *, status: int = 500, count: int = 1
    ) -> FaultRule:
        kind = {429: FaultKind.RATE_LIMIT, 425: FaultKind.ENGINE_RESTART}.get(
            status, FaultKind.SERVER_ERROR
        )
        return self.add(FaultRule(kind=kind, venue=venue, route=route, status=status, count=count))

    def delay(
        self, venue: Venue, route: str, seconds: float, *, count: int | None = None
    ) -> FaultRule:
        return self.add(
            FaultRule(
                kind=FaultKind.LATENCY, venue=venue, route=route, latency_s=seconds, count=count
            )
        )

    def ambiguous_next(self, venue: Venue, route: str = "*", *, count: int = 1) -> FaultRule:
        return self.add(FaultRule(kind=FaultKind.AMBIGUOUS, venue=venue, route=route, count=count))

    def late_accept(
        self,
        venue: Venue,
        route: str = "*",
        *,
        after_s: float = 2.0,
        answer_after_s: float | None = None,
        count: int = 1,
    ) -> FaultRule:
        """The next ``count`` requests to ``route`` are processed ``after_s`` simulated
        seconds late, whatever their client does meanwhile, and answered after
        ``answer_after_s`` seconds (None: never)."""
        return self.add(
            FaultRule(
                kind=FaultKind.LATE_ACCEPT,
                venue=venue,
                route=route,
                count=count,
                accept_after_s=after_s,
                answer_after_s=answer_after_s,
            )
        )

    def stale_reads(
        self, venue: Venue, route: str = "GET *", *, window_s: float = 2.0, count: int | None = None
    ) -> FaultRule:
        return self.add(
            FaultRule(
                kind=FaultKind.STALE_READ,
                venue=venue,
                route=route,
                stale_window_s=window_s,
                count=count,
            )
        )

    def ws_fault(
        self, venue: Venue, kind: FaultKind, channel: str = "*", *, count: int = 1
    ) -> FaultRule:
        if kind not in _WS_KINDS:
            raise ValueError(f"{kind} is not a websocket fault")
        return self.add(FaultRule(kind=kind, venue=venue, route=channel, count=count))

    def engine_restart(
        self, venue: Venue, seconds: float = 90.0, *, post_only_seconds: float = 0.0
    ) -> None:
        """From now: order and cancel routes answer 425 for ``seconds``; then, for
        ``post_only_seconds``, non-post-only orders get 503 ``post_only_mode``."""
        now = self._clock()
        self._restarts.setdefault(venue, []).append(_Window(now, now + seconds))
        if post_only_seconds:
            end = now + seconds
            self._post_only.setdefault(venue, []).append(_Window(end, end + post_only_seconds))

    def schedule_pause(self, market_id: MarketId, start: float, seconds: float) -> ScheduledPause:
        """Pause ``market_id`` from simulated time ``start`` for ``seconds`` (the
        Simulator applies it as its clock passes)."""
        pause = ScheduledPause(market_id=market_id, start=start, end=start + seconds)
        self.pauses.append(pause)
        return pause

    def schedule_trading_pause(
        self, venue: Venue, start: float, seconds: float
    ) -> ScheduledTradingPause:
        """Pause trading on every market of ``venue`` from simulated time ``start`` for
        ``seconds`` (Kalshi: ``GET /exchange/status`` says ``trading_active: false``)."""
        pause = ScheduledTradingPause(venue=venue, start=start, end=start + seconds)
        self.trading_pauses.append(pause)
        return pause

    def in_trading_pause(self, venue: Venue) -> bool:
        now = self._clock()
        return any(p.venue is venue and p.start <= now < p.end for p in self.trading_pauses)

    # consulting ----------------------------------------------------------------------

    def in_restart(self, venue: Venue) -> bool:
        now = self._clock()
        return any(w.start <= now < w.end for w in self._restarts.get(venue, ()))

    def in_post_only_mode(self, venue: Venue) -> bool:
        now = self._clock()
        return any(w.start <= now < w.end for w in self._post_only.get(venue, ()))

    def on_request(
        self, venue: Venue, route: str, *, kind: RouteKind | None = None
    ) -> FaultDecision:
        """The decision for one request to ``route`` of ``venue``."""
        now = self._clock()
        if kind in (RouteKind.ORDER, RouteKind.CANCEL) and self.in_restart(venue):
            self._record(venue, route, FaultKind.ENGINE_RESTART, now)
            return FaultDecision(status=425, code="engine_restart", retry_after_s=1.0)
        fields: dict[str, object] = {}
        if kind is RouteKind.ORDER and self.in_post_only_mode(venue):
            fields["post_only_mode"] = True
        for armed in self._due(venue, route, kind, now, ws=False):
            rule = armed.rule
            if rule.kind is FaultKind.LATENCY:
                fields["latency_s"] = float(fields.get("latency_s", 0.0)) + rule.latency_s  # type: ignore[arg-type]
            elif rule.kind is FaultKind.AMBIGUOUS:
                fields["ambiguous"] = True
            elif rule.kind is FaultKind.LATE_ACCEPT:
                fields.update(late_accept_s=rule.accept_after_s, late_answer_s=rule.answer_after_s)
            elif rule.kind is FaultKind.STALE_READ:
                fields.update(stale_read=True, stale_window_s=rule.stale_window_s)
            elif "status" not in fields:
                fields.update(_status_fields(rule))
        return FaultDecision(**fields)  # type: ignore[arg-type]

    def on_ws_message(self, venue: Venue, channel: str) -> WsFaultDecision:
        """The decision for one outgoing websocket message on ``channel``."""
        now = self._clock()
        kinds = {a.rule.kind for a in self._due(venue, channel, None, now, ws=True)}
        return WsFaultDecision(
            drop=FaultKind.WS_DROP in kinds,
            skip_seq=FaultKind.WS_SKIP_SEQ in kinds,
            duplicate=FaultKind.WS_DUPLICATE in kinds,
        )

    def _due(
        self, venue: Venue, route: str, kind: RouteKind | None, now: float, *, ws: bool
    ) -> list[_Armed]:
        due = []
        for armed in self._rules:
            rule = armed.rule
            if (rule.kind in _WS_KINDS) != ws or armed.remaining == 0:
                continue
            if not rule.matches(venue, route, kind, now):
                continue
            if rule.probability < 1.0 and self._rng(venue, route).random() >= rule.probability:
                continue
            if armed.remaining is not None:
                armed.remaining -= 1
            self._record(venue, route, rule.kind, now)
            due.append(armed)
        return due

    def _rng(self, venue: Venue, route: str) -> random.Random:
        key = (venue, route)
        rng = self._rngs.get(key)
        if rng is None:
            rng = self._rngs[key] = random.Random(f"{self.seed}:{venue.value}:{route}")
        return rng

    def _record(self, venue: Venue, route: str, kind: FaultKind, now: float) -> None:
        self.fired.append(FiredFault(venue=venue, route=route, kind=kind, at=now))


def _status_fields(rule: FaultRule) -> dict[str, object]:
    if rule.kind is FaultKind.RATE_LIMIT:
        return {"status": 429, "code": "rate_limit", "retry_after_s": rule.retry_after_s}
    if rule.kind is FaultKind.ENGINE_RESTART:
        return {"status": 425, "code": "engine_restart", "retry_after_s": rule.retry_after_s}
    return {"status": rule.status, "code": "server_error"}
