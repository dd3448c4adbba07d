"""Every problem of a settings file at once: ``settings_problems`` walks the parsed TOML
table by table and key by key (unknown keys with a "did you mean", wrong types and values
out of range, each naming the file, the table, the key and the value), then the rules
between keys of a table that was fine key by key. ``load_settings`` raises the first;
``predmm config check`` prints them all, with ``secret_problems``: the environment
variables and key files the venue tables name, looked up on this machine.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs

from predmm.config.accounts import account_problems
from predmm.config.loader import PRESET_NAMES, load_preset, structure_value
from predmm.config.market_making import MarketMakingConfig
from predmm.config.risk import RiskConfig
from predmm.config.settings import has_kalshi_credentials
from predmm.domain.errors import ConfigError

TOP_KEYS = ("preset", "strategy", "arbitrage", "risk", "kalshi", "polymarket", "daemon")
SECRET_NAMES = {
    "kalshi": ("key_id", "private_key"),
    "polymarket": ("private_key", "api_key", "api_secret", "api_passphrase"),
}
VENUE_TEXT_KEYS = {"kalshi": ("base_url",), "polymarket": ("clob_url", "gamma_url", "ws_url")}
VENUE_OTHER_KEYS = {  # own checks
    "kalshi": ("order_group_limit", "order_ttl_s", "cancel_on_pause"),
    "polymarket": ("signature_type", "funder"),
}
DAEMON_KEYS = ("journal", "metrics_port", "log_file")


@attrs.frozen(kw_only=True)
class Problem:
    """One thing wrong with a settings file, as one line."""

    where: str  # "mm.toml [risk]"
    message: str
    secret: bool = False  # a secret (variable or key file) missing on this machine

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def did_you_mean(key: str, known: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _unknown(
    key: str, value: Any, known: tuple[str, ...], elsewhere: Mapping[str, str] | None = None
) -> str:
    text = f"unknown key {key!r} (value {value!r})"
    if elsewhere and key in elsewhere:
        return text + f"; it belongs in [{elsewhere[key]}]"
    return text + did_you_mean(key, known)


def _home_of_keys() -> dict[str, str]:
    """Which table each known key belongs to (for a key put in the wrong table)."""
    home = {f.name: "strategy" for f in attrs.fields(MarketMakingConfig)}
    home.update({f.name: "risk" for f in attrs.fields(RiskConfig) if not f.name.startswith("_")})
    home.update(dict.fromkeys(DAEMON_KEYS, "daemon"))
    return home


def settings_problems(
    data: Mapping[str, Any], source: str, *, preset: str | None = None
) -> list[Problem]:
    """Every problem of a parsed settings file (``preset``: given on the command line)."""
    problems: list[Problem] = []
    home = _home_of_keys()
    for key, value in data.items():
        if key not in TOP_KEYS:
            problems.append(Problem(where=source, message=_unknown(key, value, TOP_KEYS, home)))
    from predmm.config.check_strategies import arbitrage_problems, strategy_venue_problems

    preset = preset or _preset(data.get("preset"), source, problems)
    table = data.get("strategy", {})
    venues = table.get("venues") if isinstance(table, dict) else None
    if isinstance(table, dict):  # [strategy.venues.*] is checked below
        table = {k: v for k, v in table.items() if k != "venues"}
    mine = strategy_problems(table, preset, source, home)
    problems += mine
    if venues is not None and not mine:  # each venue's values over a [strategy] that is fine
        problems += strategy_venue_problems(venues, table, preset, source, home)
    if "arbitrage" in data:
        problems += arbitrage_problems(data["arbitrage"], source)
    problems += risk_problems(data.get("risk", {}), f"{source} [risk]", home)
    for venue in ("kalshi", "polymarket"):
        if venue in data:
            problems += venue_problems(venue, data[venue], source)
    problems += daemon_problems(data.get("daemon", {}), f"{source} [daemon]", home)
    return problems


def _preset(value: Any, source: str, problems: list[Problem]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append(
            Problem(
                where=source, message=f"key 'preset' has a bad value {value!r}: expected a string"
            )
        )
        return None
    if value not in PRESET_NAMES:
        message = f"unknown preset {value!r}; choose one of {', '.join(PRESET_NAMES)}"
        problems.append(Problem(where=source, message=message + did_you_mean(value, PRESET_NAMES)))
        return None
    return value


def _not_a_table(value: Any, where: str, name: str) -> Problem | None:
    if isinstance(value, dict):
        return None
    return Problem(where=where, message=f"[{name}] must be a table, got {value!r}")


def strategy_problems(
    table: Any,
    preset: str | None,
    source: str,
    home: Mapping[str, str] | None = None,
    name: str = "strategy",
) -> list[Problem]:
    """The [strategy] table (or a strategy file's top level, or a venue's ``name``d
    table of the same keys) over ``preset``."""
    where = f"{source} [{name}]" + (f" over preset {preset}" if preset else "")
    bad = _not_a_table(table, source, "strategy")
    if bad is not None:
        return [bad]
    base = load_preset(preset) if preset else MarketMakingConfig()
    fields = {f.name: f for f in attrs.fields(MarketMakingConfig)}
    values = attrs.asdict(base, recurse=False)
    problems = []
    for key, value in table.items():
        if key not in fields:
            message = _unknown(key, value, tuple(fields), _elsewhere(home, "strategy"))
            problems.append(Problem(where=where, message=message))
            continue
        try:
            values[key] = _one_strategy_value(fields[key], value)
        except ConfigError as exc:
            problems.append(Problem(where=where, message=str(exc)))
    if not problems:
        problems += _whole(lambda: MarketMakingConfig(**values), where)
    return problems


def _elsewhere(home: Mapping[str, str] | None, table: str) -> dict[str, str]:
    return {k: v for k, v in (home or {}).items() if v != table}


def _one_strategy_value(field: attrs.Attribute[Any], value: Any) -> Any:
    typed = structure_value(field, value)
    _validate(field, typed)
    return typed


def _validate(field: attrs.Attribute[Any], value: Any) -> None:
    if field.validator is not None:
        try:
            field.validator(None, field, value)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"key {field.name!r} has a bad value {value!r}: {exc}") from None


def _whole(build: Callable[[], Any], where: str) -> list[Problem]:
    try:
        build()
    except ConfigError as exc:
        return [Problem(where=where, message=str(exc))]
    return []


def risk_problems(table: Any, where: str, home: Mapping[str, str] | None = None) -> list[Problem]:
    bad = _not_a_table(table, where.rsplit(" ", 1)[0], "risk")
    if bad is not None:
        return [bad]
    fields = {f.name: f for f in attrs.fields(RiskConfig) if f.init}
    problems, values = [], {}
    for key, value in table.items():
        if key not in fields:
            message = _unknown(key, value, tuple(fields), _elsewhere(home, "risk"))
            problems.append(Problem(where=where, message=message))
            continue
        try:
            values[key] = _one_risk_value(fields[key], value)
        except ConfigError as exc:
            problems.append(Problem(where=where, message=str(exc)))
    if not problems:
        problems += _whole(lambda: RiskConfig(**values), where)
    return problems


def _one_risk_value(field: attrs.Attribute[Any], value: Any) -> Any:
    """One [risk] value converted and checked alone; a wrong type names the key."""
    if field.type in (int, "int") and (isinstance(value, bool) or not isinstance(value, int)):
        raise ConfigError(f"key {field.name!r} has a bad value {value!r}: expected an integer")
    if field.name != "event_links" and isinstance(value, bool):
        raise ConfigError(f"key {field.name!r} has a bad value {value!r}: expected a number")
    converted = value
    if field.converter is not None:
        try:
            converter: Callable[[Any], Any] = field.converter  # type: ignore[assignment]
            converted = converter(value)
        except (ConfigError, TypeError, ValueError) as exc:
            if field.name == "event_links":
                raise ConfigError(str(exc)) from None
            raise ConfigError(f"key {field.name!r} has a bad value {value!r}: {exc}") from None
    _validate(field, converted)
    return converted


def venue_problems(venue: str, table: Any, source: str) -> list[Problem]:
    where = f"{source} [{venue}]"
    bad = _not_a_table(table, source, venue)
    if bad is not None:
        return [bad]
    known = list(VENUE_TEXT_KEYS[venue])
    problems = []
    credentials = venue != "kalshi" or has_kalshi_credentials(table)  # else trading keys only
    for name in SECRET_NAMES[venue]:
        known += [f"{name}_env", f"{name}_file"]
        problems += _secret_ref_problems(table, name, where) if credentials else []
    others = VENUE_OTHER_KEYS[venue]
    for key, value in table.items():
        if key in SECRET_NAMES[venue] or key in others:
            continue  # named by _secret_ref_problems, or checked below
        if key not in known:
            problems.append(Problem(where=where, message=_unknown(key, value, (*known, *others))))
        elif not isinstance(value, str):
            message = f"key {key!r} has a bad value {value!r}: expected a string"
            problems.append(Problem(where=where, message=message))
    if venue == "kalshi":
        problems += _kalshi_url_problems(table.get("base_url", "demo"), where)
        problems += [Problem(where=where, message=m) for m in kalshi_safety_problems(table)]
    else:
        problems += [Problem(where=where, message=m) for m in account_problems(table)]
    return problems


def _secret_ref_problems(table: Mapping[str, Any], name: str, where: str) -> list[Problem]:
    if name in table:
        message = (
            f"key {name!r}: secrets never go in the file; "
            f"use {name}_env (an environment variable) or {name}_file"
        )
        return [Problem(where=where, message=message)]
    given = [k for k in (f"{name}_env", f"{name}_file") if k in table]
    if len(given) != 1:
        return [Problem(where=where, message=f"give exactly one of {name}_env or {name}_file")]
    return []


def kalshi_safety_problems(table: Mapping[str, Any]) -> list[str]:
    """What is wrong with the [kalshi] table's safety net: ``order_group_limit`` (0 to a
    million), ``order_ttl_s`` (0, or 5 s to a day: renewed every sixth of it),
    ``cancel_on_pause`` (true or false)."""
    problems = [
        _whole_number(table, "order_group_limit", 0, 1_000_000),
        _whole_number(table, "order_ttl_s", 0, 86_400),
    ]
    ttl = table.get("order_ttl_s", 0)
    if problems[1] is None and 0 < ttl < 5:
        problems[1] = (
            f"key 'order_ttl_s' has a bad value {ttl}: 0 (no expiry) or at least 5 seconds"
            " (orders are renewed every sixth of it)"
        )
    pause = table.get("cancel_on_pause", True)
    if not isinstance(pause, bool):
        problems.append(f"key 'cancel_on_pause' has a bad value {pause!r}: expected true or false")
    return [p for p in problems if p is not None]


def _whole_number(table: Mapping[str, Any], key: str, low: int, high: int) -> str | None:
    value = table.get(key, low)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return (
            f"key {key!r} has a bad value {value!r}: expected a whole number from {low} to {high}"
        )
    return None


def _kalshi_url_problems(url: Any, where: str) -> list[Problem]:
    from predmm.config.settings import KALSHI_URLS

    if not isinstance(url, str):
        return []  # named as a bad type already
    full = KALSHI_URLS.get(url, url)
    if full.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        return []
    return [
        Problem(where=where, message=f"base_url = {url!r}: use production, demo or an https URL")
    ]


def daemon_problems(table: Any, where: str, home: Mapping[str, str] | None = None) -> list[Problem]:
    bad = _not_a_table(table, where.rsplit(" ", 1)[0], "daemon")
    if bad is not None:
        return [bad]
    problems = []
    for key, value in table.items():
        if key not in DAEMON_KEYS:
            message = _unknown(key, value, DAEMON_KEYS, _elsewhere(home, "daemon"))
            problems.append(Problem(where=where, message=message))
        elif key == "metrics_port":
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 65535:
                message = f"key 'metrics_port' has a bad value {value!r}: expected 0-65535"
                problems.append(Problem(where=where, message=message))
        elif not isinstance(value, str):
            message = f"key {key!r} has a bad value {value!r}: expected a string"
            problems.append(Problem(where=where, message=message))
    return problems


def secret_problems(
    data: Mapping[str, Any], source: str, environ: Mapping[str, str]
) -> list[Problem]:
    """The secrets the venue tables name that this machine does not have: unset
    environment variables, key files that do not exist or cannot be read."""
    problems = []
    for venue, names in SECRET_NAMES.items():
        table = data.get(venue)
        if not isinstance(table, dict):
            continue
        where = f"{source} [{venue}]"
        for name in names:
            problem = _secret_problem(table, name, environ)
            if problem is not None:
                problems.append(Problem(where=where, message=problem, secret=True))
    return problems


def _secret_problem(table: Mapping[str, Any], name: str, environ: Mapping[str, str]) -> str | None:
    env, file = table.get(f"{name}_env"), table.get(f"{name}_file")
    if isinstance(env, str) and file is None:
        return None if environ.get(env) else f"{name}_env: environment variable {env} is not set"
    if isinstance(file, str) and env is None:
        path = Path(file).expanduser()
        if path.is_dir():
            return f"{name}_file: {path} is a folder, not a key file"
        if not path.is_file():
            return f"{name}_file: key file {path} does not exist"
        try:
            path.read_bytes()
        except OSError as exc:
            return f"{name}_file: key file {path} cannot be read: {exc.strerror}"
    return None
