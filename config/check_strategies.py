"""The problems of the settings tables of several strategies (``config.check`` asks):
``[strategy.venues.<venue>]`` (a venue's own values of any ``[strategy]`` key, over
``[strategy]``) and ``[arbitrage]`` (the arbitrageur's settings)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from predmm.config.arbitrage import arbitrage_config_from_dict
from predmm.config.check import Problem, strategy_problems
from predmm.domain.enums import Venue
from predmm.domain.errors import ConfigError

VENUE_NAMES = tuple(v.value for v in Venue if v is not Venue.PAPER)
NOT_A_VENUES = ("paper_mode", "venues")  # keys only [strategy] may set


def strategy_venue_problems(
    venues: Any,
    strategy: Mapping[str, Any],
    preset: str | None,
    source: str,
    home: Mapping[str, str] | None = None,
) -> list[Problem]:
    """``[strategy.venues]``: known venues, each a table of ``[strategy]`` keys that
    gives a valid config over ``strategy`` (the [strategy] table) and ``preset``."""
    if not isinstance(venues, dict):
        return [Problem(where=source, message=f"[strategy.venues] must be a table, got {venues!r}")]
    problems = []
    for name, changes in venues.items():
        where = f"{source} [strategy.venues.{name}]"
        if name not in VENUE_NAMES:
            message = f"unknown venue {name!r}; expected {', '.join(VENUE_NAMES)}"
            problems.append(Problem(where=where, message=message))
        elif not isinstance(changes, dict):
            message = f"must be a table of [strategy] keys, got {changes!r}"
            problems.append(Problem(where=where, message=message))
        else:
            problems += _venue_problems(name, changes, strategy, preset, source, home)
    return problems


def _venue_problems(
    name: str,
    changes: Mapping[str, Any],
    strategy: Mapping[str, Any],
    preset: str | None,
    source: str,
    home: Mapping[str, str] | None,
) -> list[Problem]:
    where = f"{source} [strategy.venues.{name}]"
    problems = [
        Problem(
            where=where,
            message=f"key {key!r} (value {changes[key]!r}) is not a venue's:"
            " set paper_mode in [strategy]",
        )
        for key in NOT_A_VENUES
        if key in changes
    ]
    if problems:
        return problems
    table = {**strategy, **changes}  # the venue's values over [strategy]'s
    return strategy_problems(table, preset, source, home, name=f"strategy.venues.{name}")


def arbitrage_problems(table: Any, source: str) -> list[Problem]:
    """``[arbitrage]``: the first problem of the table (``arbitrage_config_from_dict``)."""
    where = f"{source} [arbitrage]"
    try:
        arbitrage_config_from_dict(table, where)
    except ConfigError as exc:
        return [Problem(where=where, message=str(exc).removeprefix(f"{where}: "))]
    return []
