"""``predmm cancel-all --config FILE`` (or ``--sim-credentials DIR``): the venues of
the file, each account's daemon asked first (the account's lock names the daemon holding
it and its journal: it halts, so it does not re-quote what is cancelled), the venues no
daemon trades cancelled directly (``direct``). One answer for all, in the shape of a
daemon's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import trio

from predmm.cli.control.client import ask_daemon, running_daemon
from predmm.cli.control.direct import cancel_directly
from predmm.cli.control.protocol import Request
from predmm.cli.locks import account_lock_path, probe
from predmm.cli.venues import VenueSetup, from_settings, from_sim_credentials
from predmm.config.settings import load_settings
from predmm.domain.errors import PredmmError

DAEMON_TIMEOUT = 150.0


def setup_of(config_path: Path | None, sim_credentials: Path | None) -> VenueSetup:
    """The venues of a settings file (its secrets read now) or of a running simulator."""
    if sim_credentials is not None:
        return from_sim_credentials(sim_credentials)
    assert config_path is not None
    return from_settings(load_settings(config_path))


def daemons_of(setup: VenueSetup, journal: Path | None) -> tuple[dict[Path, set[str]], list[str]]:
    """The journals of the daemons trading ``setup``'s accounts (or running on
    ``journal``), with the venues each trades; and notes on daemons that hold an account
    but cannot be asked (their journal unknown)."""
    found: dict[Path, set[str]] = {}
    notes: list[str] = []
    if journal is not None and running_daemon(journal) is not None:
        found[journal] = {c.venue.value for c in setup.clients}
    for account in setup.accounts:
        state = probe(account_lock_path(account.key))
        holder = state.holder
        if not state.running:
            continue
        if holder is not None and holder.journal:
            found.setdefault(Path(holder.journal), set()).add(account.venue.value)
        else:
            who = holder.describe() if holder is not None else "another process"
            notes.append(f"predmm {who} trades {account.venue.value} and may place orders again")
    return found, notes


async def cancel_on_venues(setup: VenueSetup, journal: Path | None, reason: str) -> dict[str, Any]:
    daemons, notes = daemons_of(setup, journal)
    answer: dict[str, Any] = {}
    reports: dict[str, dict[str, Any]] = {}
    for path, venues in daemons.items():
        request = Request(command="cancel-all", reason=reason)
        try:
            said = await trio.to_thread.run_sync(ask_daemon, path, request, DAEMON_TIMEOUT)
        except PredmmError as exc:
            notes.append(f"{exc}: its venues ({', '.join(sorted(venues))}) cancelled directly")
            continue
        answer |= {k: said[k] for k in ("state", "was", "reason") if k in said}
        reports |= {v["venue"]: v for v in said.get("venues", ())}
        if not said["ok"] and "venues" not in said:
            notes.append(f"the daemon on {path} answered: {said['error']}")
    direct = [c for c in setup.clients if c.venue.value not in reports]
    others = [c for c in setup.clients if c.venue.value in reports]
    for client in others:  # built for nothing: the daemon did it
        await client.aclose()
    if direct and not daemons:
        notes.append("no daemon trades these accounts: cancelling on the venues directly")
    for report in await cancel_directly(direct):
        reports[report["venue"]] = report
    listed = [reports[c.venue.value] for c in setup.clients]
    ok = not any(v["error"] for v in listed)
    note = {"note": "; ".join(notes)} if notes else {}
    return {"ok": ok, **answer, **note, "venues": listed}
