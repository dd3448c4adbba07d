"""The worst case over outcome scenarios: of one set of mutually exclusive outcomes
(``Scenarios``), and of every event, venue and the total (``EventSums``, the exposure
book's sums).

A ``Scenarios`` is a set of outcomes of which at most one happens (exactly one when it
is exhaustive). Its scenarios are "outcome k happens", for each k, and "none happens"
unless it is exhaustive. A market is one outcome: it resolves YES in the scenario of its
outcome and NO in every other, so what it adds is its ``Exposure`` in the NO world to
every scenario, and the difference of its YES and NO worlds to its own outcome's:

* loss in "k happens" = ``base`` + ``loss[k]``, in "none happens" = ``base``, where
  ``base`` sums every market's ``loss_if_no`` and ``loss[k]`` the ``loss_if_yes -
  loss_if_no`` of the markets of outcome k;
* the event's contracts are its largest swing: how many more contracts pay in one
  scenario than in another, ``up[s] + down[t]`` over scenarios s != t, where ``up[k]``
  sums the markets' ``directional_yes`` of outcome k and ``down[k]`` their
  ``directional_no`` (a market that resolves the same way in s and t pays the same in
  both; "none" adds nothing to either).

Resting orders are in the ``Exposure`` as ``domain.risk`` counts them: per scenario,
what hurts as filled and what helps as not filled. With one outcome and no
exhaustiveness this is one binary market (or linked ones): the worst of its two sides.

Sums are kept by difference (``add``), Decimal and exact; the maxima are recomputed on
each change, O(outcomes). ``after`` answers what one change would make of them without
making it (the limit check).

``EventSums`` places each market (``domain.outcomes.layout``: its event, the clique of
that event that holds it, its outcome there) and keeps, by difference, each clique's
``Scenarios`` on every venue and on the market's own venue, each event's worst case and
contracts (the sums over its cliques), each venue's loss and the total.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

import attrs

from predmm.domain.enums import Venue
from predmm.domain.ids import MarketId
from predmm.domain.outcomes import Layout, Link, VenueGroup, layout
from predmm.domain.risk import NONE, Exposure, Scope

ZERO = Decimal(0)
LOWEST = Decimal("-Infinity")


class Scenarios:
    __slots__ = ("base", "contracts", "down", "exhaustive", "loss", "single", "up", "worst_loss")

    def __init__(self, outcomes: int, *, exhaustive: bool = False) -> None:
        if outcomes < 1:
            raise ValueError(f"a set of outcomes needs at least one, got {outcomes}")
        self.exhaustive = exhaustive and outcomes > 1
        self.single = outcomes == 1  # one outcome and "none": a binary market's two sides
        self.base = ZERO
        self.loss = [ZERO] * outcomes
        self.up = [ZERO] * outcomes
        self.down = [ZERO] * outcomes
        self.worst_loss = ZERO
        self.contracts = ZERO

    def __repr__(self) -> str:
        kind = "exhaustive" if self.exhaustive else "exclusive"
        return f"Scenarios({len(self.loss)} {kind}, worst {self.worst_loss})"

    def add(self, outcome: int, exposure: Exposure) -> None:
        """A market of ``outcome`` changed by ``exposure`` (a difference)."""
        self.base += exposure[1]
        loss = self.loss[outcome] = self.loss[outcome] + exposure[0] - exposure[1]
        up = self.up[outcome] = self.up[outcome] + exposure[2]
        down = self.down[outcome] = self.down[outcome] + exposure[3]
        self.worst_loss, self.contracts = self._measure(self.base, outcome, loss, up, down)

    def after(self, outcome: int, exposure: Exposure) -> tuple[Decimal, Decimal]:
        """(worst loss, contracts) were ``add(outcome, exposure)`` made; nothing changes."""
        return self._measure(
            self.base + exposure[1],
            outcome,
            self.loss[outcome] + exposure[0] - exposure[1],
            self.up[outcome] + exposure[2],
            self.down[outcome] + exposure[3],
        )

    def _measure(
        self, base: Decimal, k: int, loss: Decimal, up: Decimal, down: Decimal
    ) -> tuple[Decimal, Decimal]:
        """(worst loss, contracts) with outcome ``k``'s sums ``loss``, ``up``, ``down``."""
        if self.single:
            worst = base + loss if loss > ZERO else base
            swing = up if up > down else down
            return (worst if worst > ZERO else ZERO), (swing if swing > ZERO else ZERO)
        return self._worst(base, k, loss), self._swing(k, up, down)

    def _worst(self, base: Decimal, k: int, loss: Decimal) -> Decimal:
        top = loss if self.exhaustive or loss > ZERO else ZERO  # "none": 0
        for i, other in enumerate(self.loss):
            if i != k and other > top:
                top = other
        worst = base + top
        return worst if worst > ZERO else ZERO

    def _swing(self, k: int, up_k: Decimal, down_k: Decimal) -> Decimal:
        """max over scenarios s != t of ``up[s] + down[t]`` ("none": 0 and 0), >= 0."""
        u1 = u2 = d1 = d2 = LOWEST
        iu = id_ = -1
        n = len(self.up)
        for i in range(n if self.exhaustive else n + 1):
            if i == n:
                up, down = ZERO, ZERO
            elif i == k:
                up, down = up_k, down_k
            else:
                up, down = self.up[i], self.down[i]
            if up > u1:
                u1, u2, iu = up, u1, i
            elif up > u2:
                u2 = up
            if down > d1:
                d1, d2, id_ = down, d1, i
            elif down > d2:
                d2 = down
        best = u1 + d1 if iu != id_ else max(u1 + d2, u2 + d1)
        return best if best > ZERO else ZERO

    def losses(self) -> tuple[Decimal, ...]:
        """The loss in each scenario: one per outcome, then "none" unless exhaustive."""
        per_outcome = tuple(self.base + d for d in self.loss)
        return per_outcome if self.exhaustive else (*per_outcome, self.base)

    def worst_scenario(self) -> int | None:
        """The outcome whose happening loses the most (None: "none happens" does; the
        first outcome on a tie)."""
        losses = self.losses()
        index = losses.index(max(losses))
        return index if index < len(self.loss) else None


@attrs.frozen(kw_only=True)
class EventExposure:
    event_id: str
    contracts: Decimal
    worst_loss: Decimal
    scenario: str = ""  # the scenario of the worst loss ("YES", an outcome, "none of them")
    markets: tuple[str, ...] = ()


class _Total:
    """An event's or a venue's sums (mutable, reached from the cells that feed them)."""

    __slots__ = ("contracts", "loss")

    def __init__(self) -> None:
        self.loss = ZERO
        self.contracts = ZERO


class _Cell:
    """Where one market's exposure counts: its outcome, the clique of outcomes that holds
    it on every venue and on the market's own, its event's sums and its venue's."""

    __slots__ = ("clique", "event", "event_total", "on_venue", "outcome", "venue_total")

    def __init__(
        self,
        event: str,
        outcome: int,
        cliques: tuple[Scenarios, Scenarios],
        totals: tuple[_Total, _Total],
    ) -> None:
        self.event, self.outcome = event, outcome
        self.clique, self.on_venue = cliques
        self.event_total, self.venue_total = totals


class EventSums:
    """The exposure per market, and what it makes per event (the sum of its cliques'
    worst cases), per venue (summed per event and clique on that venue's markets) and in
    total (summed per event), kept by difference."""

    def __init__(self, links: Sequence[Link] = ()) -> None:
        self.links = tuple(links)
        self.groups: dict[MarketId, VenueGroup] = {}
        self.known: set[MarketId] = set()  # learned, with or without a venue event
        self.layout: Layout = layout(self.links, self.groups)
        self.market_exp: dict[MarketId, Exposure] = {}
        self._reset()

    def _reset(self) -> None:
        self.cells: dict[MarketId, _Cell] = {}
        self.cliques: dict[tuple[str, int, Venue | None], Scenarios] = {}
        self.event_markets: dict[str, set[MarketId]] = {}
        self.event_totals: dict[str, _Total] = {}
        self.venue_totals: dict[Venue, _Total] = {}
        self.total_loss = ZERO

    @property
    def event_loss(self) -> dict[str, Decimal]:
        return {event: t.loss for event, t in self.event_totals.items()}

    @property
    def venue_loss(self) -> dict[Venue, Decimal]:
        return {venue: t.loss for venue, t in self.venue_totals.items()}

    def learn(self, facts: Iterable[tuple[MarketId, VenueGroup | None]]) -> tuple[str, ...]:
        """Each market's venue event; when that changes what anything is, every sum is
        rebuilt. Returns the layout's problems (contradicting links)."""
        changed = False
        for market_id, group in facts:
            self.known.add(market_id)
            if self.groups.get(market_id) != group:
                changed = True
                if group is None:
                    del self.groups[market_id]
                else:
                    self.groups[market_id] = group
        if changed:
            self._relayout()
        return self.layout.problems

    def relink(self, links: Sequence[Link]) -> tuple[str, ...]:
        """The config's links replaced (``predmm reload``): every sum rebuilt under them,
        as when a venue event is learned. Links that contradict the venues' events are
        refused: their problems returned, nothing changed."""
        links = tuple(links)
        problems = layout(links, self.groups).problems
        if problems:
            return problems
        if links != self.links:
            self.links = links
            self._relayout()
        return ()

    def empty(self) -> EventSums:
        """A book of the same links and venue events, holding nothing."""
        out = EventSums.__new__(EventSums)
        out.links, out.layout = self.links, self.layout
        out.groups, out.known = dict(self.groups), set(self.known)
        out.market_exp = {}
        out._reset()
        return out

    def _relayout(self) -> None:
        self.layout = layout(self.links, self.groups)
        touched = [m for ms in self.event_markets.values() for m in ms]
        self._reset()
        for market_id in touched:
            self.cell(market_id)
            exposure = self.market_exp.pop(market_id, NONE)
            if exposure != NONE:
                self.shift(market_id, exposure)

    def cell(self, market_id: MarketId) -> _Cell:
        found = self.cells.get(market_id)
        if found is None:
            found = self.cells[market_id] = self._place(market_id)
        return found

    def _place(self, market_id: MarketId) -> _Cell:
        place = self.layout.place(market_id)
        spec = self.layout.cliques(place.event)[place.clique]
        venue = market_id.venue
        keys: list[tuple[str, int, Venue | None]] = [(place.event, place.clique, None)]
        if place.event in self.layout.across_venues:  # else one venue's is every venue's
            keys.append((place.event, place.clique, venue))
        cliques = []
        for key in keys:
            clique = self.cliques.get(key)
            if clique is None:
                n = len(spec.outcomes)
                clique = self.cliques[key] = Scenarios(n, exhaustive=spec.exhaustive)
            cliques.append(clique)
        self.event_markets.setdefault(place.event, set()).add(market_id)
        event = self.event_totals.setdefault(place.event, _Total())
        totals = (event, self.venue_totals.setdefault(venue, _Total()))
        return _Cell(place.event, place.outcome, (cliques[0], cliques[-1]), totals)

    def shift(self, market_id: MarketId, delta: Exposure) -> None:
        """``market_id``'s exposure changed by ``delta``: so do its event's scenarios."""
        old = self.market_exp.get(market_id)
        self.market_exp[market_id] = delta if old is None else old + delta
        cell = self.cells.get(market_id) or self.cell(market_id)
        clique = cell.clique
        loss, contracts = clique.worst_loss, clique.contracts
        clique.add(cell.outcome, delta)
        event, d_loss = cell.event_total, clique.worst_loss - loss
        if d_loss:
            event.loss += d_loss
            self.total_loss += d_loss
        event.contracts += clique.contracts - contracts
        on_venue = cell.on_venue
        if on_venue is clique:  # the event is on one venue
            cell.venue_total.loss += d_loss
            return
        loss = on_venue.worst_loss
        on_venue.add(cell.outcome, delta)
        cell.venue_total.loss += on_venue.worst_loss - loss

    def scope(self, market_id: MarketId) -> Scope:
        cell = self.cells.get(market_id) or self.cell(market_id)
        return Scope(
            market_id,
            self.market_exp.get(market_id, NONE),
            cell.outcome,
            cell.clique,
            cell.event_total.loss,
            cell.event_total.contracts,
            cell.on_venue,
            cell.venue_total.loss,
            self.total_loss,
        )

    def events(self) -> tuple[EventExposure, ...]:
        """Each event's exposure across the venues and its worst scenario, by key."""
        return tuple(self._event(key) for key in sorted(self.event_markets))

    def _event(self, key: str) -> EventExposure:
        specs = self.layout.cliques(key)
        worst = []
        for i, spec in enumerate(specs):
            clique = self.cliques.get((key, i, None))
            if clique is not None and (clique.worst_loss > 0 or len(specs) == 1):
                worst.append(spec.scenario(clique.worst_scenario()))
        total = self.event_totals[key]
        return EventExposure(
            event_id=key,
            contracts=total.contracts,
            worst_loss=total.loss,
            scenario=" and ".join(worst),
            markets=tuple(sorted(str(m) for m in self.event_markets[key])),
        )
