"""Which markets are the same outcome, and which outcomes make one real-world event.

A real-world event is a set of outcomes; a market is one outcome on one venue. What is
known comes from two places:

* the venues: a ``VenueGroup`` is a venue's event (a Kalshi event ticker, a Polymarket
  Gamma event). When the venue says so (Kalshi ``mutually_exclusive``, Polymarket
  ``negRisk``) its markets are *different*, mutually exclusive outcomes (``exclusive``);
  a Polymarket neg-risk event that is not augmented is also exhaustive: exactly one of
  its markets, all listed in ``markets``, resolves YES. A venue event that says nothing
  of the kind still groups its markets into one real-world event, of unknown structure;
* the operator: a link (``[[risk.event_links]]``) lists markets that are the *same*
  outcome (one question on several venues); links that share an ``event_id`` name
  different, mutually exclusive outcomes of one event (each names its ``outcome``).

``layout`` joins them: markets linked are one outcome; outcomes in one venue event or one
linked event are one real-world event, so a linked market pulls its venue event's other
markets in. Within an event, a *clique* is a set of outcomes known to exclude each other,
with one scenario per outcome ("it happens") plus "none happens" unless the clique is
exhaustive (``domain.scenarios``). When every pair of the event's outcomes is known
exclusive (one venue event, or venue events linked outcome by outcome) the event is one
clique and its worst case is exact. Otherwise (a venue event that says nothing, two
multi-outcome venue events linked by some of their outcomes only) each outcome goes to
one clique of outcomes known exclusive, or alone, and the event's worst case is the sum
of its cliques': never less than the truth. A market nobody knows anything about is its
own event: one outcome, its YES, and "none", its NO.

Contradictions (a link that makes two outcomes of one exclusive venue event the same)
are reported in ``Layout.problems``, naming the link, and that link is not applied.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

import attrs

from predmm.domain.enums import Venue
from predmm.domain.ids import EventId, MarketId
from predmm.domain.market import Market


@attrs.frozen(kw_only=True, cache_hash=True)
class VenueGroup:
    """A venue's event, as the venue describes it."""

    venue: Venue
    group_id: str  # the venue's event id (Kalshi event ticker, Polymarket Gamma event id)
    exclusive: bool = True  # at most one of its markets resolves YES
    exhaustive: bool = False  # exactly one does, one of ``markets``
    markets: tuple[MarketId, ...] = ()  # every market of it, when the venue lists them

    def __attrs_post_init__(self) -> None:
        if self.exhaustive and not (self.exclusive and self.markets):
            raise ValueError(
                f"{self.venue.value} event {self.group_id}: exhaustive needs exclusive "
                "outcomes and the list of its markets"
            )

    @property
    def key(self) -> str:
        return f"{self.venue.value}:{self.group_id}"


def venue_group(market: Market) -> VenueGroup | None:
    """What ``market``'s venue says of its event (None: no event)."""
    if market.event_id is None:
        return None
    return VenueGroup(
        venue=market.market_id.venue,
        group_id=str(market.event_id),
        exclusive=market.exclusive,
        exhaustive=market.exhaustive,
        markets=market.event_markets,
    )


class Link(Protocol):
    """One ``[[risk.event_links]]`` entry (``config.risk.EventLink``)."""

    @property
    def event_id(self) -> EventId: ...
    @property
    def outcome(self) -> str | None: ...
    @property
    def markets(self) -> tuple[MarketId, ...]: ...


@attrs.frozen
class Place:
    """Where a market counts: its event, the clique in it, and its outcome there."""

    event: str
    clique: int
    outcome: int


@attrs.frozen
class Clique:
    outcomes: tuple[str, ...]  # labels, in order
    exhaustive: bool = False

    def scenario(self, outcome: int | None) -> str:
        """The name of the scenario "``outcome`` happens" (None: none does)."""
        if len(self.outcomes) == 1 and not self.exhaustive:
            return "YES" if outcome is not None else "NO"
        return self.outcomes[outcome] if outcome is not None else "none of them"


@attrs.frozen
class Layout:
    places: Mapping[MarketId, Place]
    events: Mapping[str, tuple[Clique, ...]]
    problems: tuple[str, ...] = ()
    across_venues: frozenset[str] = frozenset()  # events with markets on several venues

    def place(self, market_id: MarketId) -> Place:
        return self.places.get(market_id) or Place(f"market:{market_id}", 0, 0)

    def cliques(self, event: str) -> tuple[Clique, ...]:
        found = self.events.get(event)
        if found is not None:
            return found
        assert event.startswith("market:"), event
        return (Clique((event.removeprefix("market:"),)),)


class _Sets:
    """Union-find over hashable items."""

    def __init__(self) -> None:
        self.parent: dict[object, object] = {}

    def find(self, item: object) -> object:
        parent = self.parent.setdefault(item, item)
        if parent != item:
            parent = self.parent[item] = self.find(parent)
        return parent

    def join(self, items: Iterable[object]) -> None:
        items = list(items)
        for other in items[1:]:
            a, b = self.find(items[0]), self.find(other)
            if a != b:
                self.parent[b] = a


def layout(links: Sequence[Link], groups: Mapping[MarketId, VenueGroup]) -> Layout:
    """Place every market that ``links`` or ``groups`` (each learned market's venue
    event) mention; markets mentioned nowhere are their own events (``Layout.place``)."""
    members = _members(groups)
    problems, applied = _applied_links(links, members)
    outcomes = _Sets()
    for link in applied:
        outcomes.join(link.markets)
    for market in (*groups, *(m for ms in members.values() for m in ms)):
        outcomes.find(market)
    events = _Sets()
    for ms in members.values():
        events.join(outcomes.find(m) for m in ms)
    linked_events: dict[EventId, list[Link]] = {}
    for link in applied:
        linked_events.setdefault(link.event_id, []).append(link)
    for same in linked_events.values():
        events.join(outcomes.find(link.markets[0]) for link in same)
    return _build(outcomes, events, members, linked_events, groups, problems)


def _members(groups: Mapping[MarketId, VenueGroup]) -> dict[str, tuple[MarketId, ...]]:
    """Each venue event's markets: those learned in it and those it lists."""
    out: dict[str, dict[MarketId, None]] = {}
    for market, group in sorted(groups.items()):
        known = out.setdefault(group.key, {})
        known.update(dict.fromkeys((market, *group.markets)))
    return {key: tuple(ms) for key, ms in out.items()}


def _applied_links(
    links: Sequence[Link], members: Mapping[str, tuple[MarketId, ...]]
) -> tuple[tuple[str, ...], tuple[Link, ...]]:
    """The links to apply, and why the others are not."""
    where = {m: key for key, ms in members.items() for m in ms}
    problems: list[str] = []
    applied: list[Link] = []
    for link in links:
        seen: dict[str, MarketId] = {}
        clash = None
        for market in link.markets:
            key = where.get(market)
            if key is not None and key in seen:
                clash = (seen[key], market, key)
            elif key is not None:
                seen[key] = market
        if clash is None:
            applied.append(link)
        else:
            a, b, key = clash
            problems.append(
                f"[[risk.event_links]] event_id = {str(link.event_id)!r}: {a} and {b} are "
                f"different markets of the venue event {key}, not one outcome; "
                "the link is not applied"
            )
    return tuple(problems), tuple(applied)


def _build(
    outcomes: _Sets,
    events: _Sets,
    members: Mapping[str, tuple[MarketId, ...]],
    linked_events: Mapping[EventId, list[Link]],
    groups: Mapping[MarketId, VenueGroup],
    problems: tuple[str, ...],
) -> Layout:
    labels = _outcome_labels(outcomes, linked_events)
    by_event: dict[object, dict[object, list[MarketId]]] = {}
    for market in list(outcomes.parent):
        assert isinstance(market, MarketId)
        root = outcomes.find(market)
        by_event.setdefault(events.find(root), {}).setdefault(root, []).append(market)
    described = {g.key: g for g in groups.values()}
    asserted = _assertions(outcomes, members, linked_events, described)
    places: dict[MarketId, Place] = {}
    spec: dict[str, tuple[Clique, ...]] = {}
    across: set[str] = set()
    for classes in by_event.values():
        key = _event_key(classes, outcomes, linked_events, members)
        cliques = _cliques(list(classes), asserted, labels)
        spec[key] = tuple(Clique(tuple(labels[c] for c in cs), ex) for cs, ex in cliques)
        if len({m.venue for ms in classes.values() for m in ms}) > 1:
            across.add(key)
        for i, (cs, _) in enumerate(cliques):
            for j, cls in enumerate(cs):
                for market in classes[cls]:
                    places[market] = Place(key, i, j)
    return Layout(places=places, events=spec, problems=problems, across_venues=frozenset(across))


def _outcome_labels(
    outcomes: _Sets, linked_events: Mapping[EventId, list[Link]]
) -> dict[object, str]:
    named = {
        outcomes.find(link.markets[0]): link.outcome
        for same in linked_events.values()
        for link in same
        if link.outcome
    }
    labels: dict[object, list[str]] = {}
    for market in list(outcomes.parent):
        labels.setdefault(outcomes.find(market), []).append(str(market))
    return {root: named.get(root) or " = ".join(sorted(ms)) for root, ms in labels.items()}


def _assertions(
    outcomes: _Sets,
    members: Mapping[str, tuple[MarketId, ...]],
    linked_events: Mapping[EventId, list[Link]],
    described: Mapping[str, VenueGroup],
) -> list[tuple[frozenset[object], bool]]:
    """Sets of outcomes known to exclude each other, each with whether exactly one of
    them happens: exclusive venue events first, then linked events of several outcomes."""
    out: list[tuple[frozenset[object], bool]] = []
    for key in sorted(members):
        group = described.get(key)
        if group is not None and group.exclusive:
            out.append((frozenset(outcomes.find(m) for m in members[key]), group.exhaustive))
    for event_id in sorted(linked_events):
        same = linked_events[event_id]
        if len(same) > 1:
            out.append((frozenset(outcomes.find(link.markets[0]) for link in same), False))
    return out


def _cliques(
    classes: list[object],
    asserted: list[tuple[frozenset[object], bool]],
    labels: dict[object, str],
) -> list[tuple[list[object], bool]]:
    """The event's cliques: one if every pair of its outcomes is known exclusive; else
    each outcome in the first set that holds it (or alone)."""
    order = sorted(classes, key=labels.__getitem__)
    mine = set(classes)
    relevant = [(s, ex) for s, ex in asserted if s & mine]
    if len(order) == 1 or _all_exclusive(order, relevant):
        exhaustive = any(ex and s == mine for s, ex in relevant)
        return [(order, exhaustive)]
    assigned: dict[int, list[object]] = {}
    alone: list[list[object]] = []
    for cls in order:
        home = next((i for i, (s, _) in enumerate(relevant) if cls in s), None)
        if home is None:
            alone.append([cls])
        else:
            assigned.setdefault(home, []).append(cls)
    out = [(cs, relevant[i][1] and set(cs) == relevant[i][0]) for i, cs in assigned.items()]
    out += [(cs, False) for cs in alone]
    return sorted(out, key=lambda item: labels[item[0][0]])


def _all_exclusive(order: list[object], relevant: list[tuple[frozenset[object], bool]]) -> bool:
    everything = set(order)
    if any(s >= everything for s, _ in relevant):
        return True
    return all(
        any(a in s and b in s for s, _ in relevant)
        for i, a in enumerate(order)
        for b in order[i + 1 :]
    )


def _event_key(
    classes: Mapping[object, list[MarketId]],
    outcomes: _Sets,
    linked_events: Mapping[EventId, list[Link]],
    members: Mapping[str, tuple[MarketId, ...]],
) -> str:
    markets = {m for ms in classes.values() for m in ms}
    linked = sorted(
        str(event_id)
        for event_id, same in linked_events.items()
        if any(m in markets for link in same for m in link.markets)
    )
    if linked:
        return "event:" + "+".join(linked)
    venue_events = sorted(key for key, ms in members.items() if markets.intersection(ms))
    if venue_events:
        return "event:" + "+".join(venue_events)
    return f"market:{min(markets)}"
