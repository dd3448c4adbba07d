"""``predmm halt``, ``resume``, ``cancel-all`` and ``reload``: the operator's commands to
a running daemon, over its control socket (``client``); ``cancel-all`` also works with
no daemon running, on the venues directly (``direct``).

Exit codes: 0 done; 1 done in part or refused by the daemon (a venue failed, a resume
the limits do not allow); 2 nothing done (no daemon, a bad file, a bad option)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from predmm.cli.control.protocol import Request
from predmm.domain.errors import PredmmError

# how long each command waits for the daemon's answer (its own deadlines are shorter)
TIMEOUTS = {"halt": 60.0, "resume": 30.0, "cancel-all": 150.0, "reload": 60.0}


def fail(message: str, code: int = 2) -> NoReturn:
    click.echo(f"predmm: error: {message}", err=True)
    sys.exit(code)


def _journal_option(f: Any) -> Any:
    return click.option(
        "--journal",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="The daemon's journal. Default: as 'predmm status' finds it (the run started"
        " last in this folder).",
    )(f)


def _reason_option(f: Any) -> Any:
    return click.option(
        "--reason", default="", help="Why: journaled with your user name and the time."
    )(f)


def _json_option(f: Any) -> Any:
    return click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")(f)


def ask(journal: Path | None, command: str, reason: str = "", hint: str = "") -> dict[str, Any]:
    """The answer of the daemon running on ``journal`` (or the default journal); with
    none running, one line (``hint``: what to do instead) and exit code 2."""
    from predmm.cli.control.client import NoDaemon, ask_daemon
    from predmm.cli.control.protocol import BadRequest, parse_request
    from predmm.cli.reports.source import default_journal

    hint = hint or f"nothing to {command}"
    request = Request(command=command, reason=reason)
    try:
        parse_request(request.encode())  # what the daemon would refuse, refused here
        path = journal if journal is not None else default_journal()
    except BadRequest as exc:
        fail(f"--reason: {str(exc).removeprefix('reason ')}")
    except PredmmError as exc:
        fail(f"{exc}; {hint}")
    try:
        return ask_daemon(path, request, TIMEOUTS[command])
    except NoDaemon as exc:
        fail(f"{exc}: {hint}")
    except PredmmError as exc:
        fail(str(exc), code=1)


def venue_line(report: dict[str, Any]) -> str:
    """One venue of a halt or a cancel-all, as the operator reads it."""
    name, cancelled = report["venue"], report.get("cancelled")
    count = "?" if cancelled is None else str(cancelled)
    if report.get("error"):
        done = f" ({count} cancelled)" if cancelled else ""
        return f"{name}: FAILED: {report['error']}{done}"
    resting = report.get("resting")
    left = "nothing of ours live" if resting is None else "none resting"
    return f"{name}: cancelled {count} orders; {left}"


def state_line(answer: dict[str, Any]) -> str:
    return f"trading {answer['state'].upper()} (was {answer['was']}): {answer['reason']}"


def _finish(command: str, answer: dict[str, Any], as_json: bool) -> None:
    """Print ``answer`` (of a halt or a cancel-all); exit 1 naming the failed venues."""
    if as_json:
        click.echo(json.dumps(answer, indent=2))
    else:
        if "state" in answer:
            click.echo(state_line(answer))
        if answer.get("note"):
            click.echo(f"note: {answer['note']}")
        for venue in answer["venues"]:
            click.echo(venue_line(venue))
    failed = [v for v in answer["venues"] if v.get("error")]
    if failed:
        named = "; ".join(f"{v['venue']}: {v['error']}" for v in failed)
        fail(f"{command} failed on {named}", code=1)


@click.command("halt")
@_journal_option
@_reason_option
@_json_option
def halt_command(journal: Path | None, reason: str, as_json: bool) -> None:
    """Stop trading now, without stopping the daemon: trading goes HALTED (journaled as
    yours, with --reason), every market stops quoting and every venue cancels our orders;
    it answers once no order of ours is live. Nothing is placed until 'predmm resume'
    (a restart keeps it HALTED too).

    \b
    Examples:
      predmm halt --reason "Fed decision at 14:00"
      predmm halt --journal /var/lib/predmm/predmm.sqlite3
    """
    answer = ask(journal, "halt", reason)
    if not answer["ok"] and "venues" not in answer:
        fail(answer["error"], code=1)
    _finish("halt", answer, as_json)


@click.command("resume")
@_journal_option
@_reason_option
@_json_option
def resume_command(journal: Path | None, reason: str, as_json: bool) -> None:
    """Leave HALTED or REDUCING without a restart: trading goes back to the state the
    day's loss allows under the limits (ACTIVE, or REDUCING past reducing_loss);
    refused past daily_loss_limit (raise it with 'predmm reload') or after a core actor
    failed (restart the daemon). Journaled as yours, with --reason.

    \b
    Examples:
      predmm resume --reason "news out, spreads normal"
    """
    answer = ask(journal, "resume", reason)
    if as_json:
        click.echo(json.dumps(answer, indent=2))
    if not answer["ok"]:
        fail(answer["error"], code=1)
    if not as_json:
        click.echo(state_line(answer))


@click.command("reload")
@_journal_option
@_json_option
def reload_command(journal: Path | None, as_json: bool) -> None:
    """Read the daemon's config file again and apply it live: [strategy] settings (the
    markets requote with them), [risk] limits and thresholds, event links (refused if
    they contradict the venues' events). What needs a restart (paper_mode, the venue
    tables, [daemon]) is named and not applied. A bad file is refused with its error
    and the daemon runs on as it was.

    \b
    Examples:
      predmm reload
      predmm reload --journal /var/lib/predmm/predmm.sqlite3
    """
    answer = ask(journal, "reload")
    if as_json:
        click.echo(json.dumps(answer, indent=2))
    if not answer["ok"]:
        fail(answer["error"])
    if as_json:
        return
    applied, restart = answer["applied"], answer["restart"]
    click.echo(f"reloaded {answer['file']}: {len(applied) or 'no'} changes applied")
    for line in applied:
        click.echo(f"  applied: {line}")
    for line in restart:
        click.echo(f"  needs a restart (not applied): {line}")


@click.command("cancel-all")
@_journal_option
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="With no daemon running: the venues of this settings file.",
)
@click.option(
    "--sim-credentials",
    type=click.Path(file_okay=False, path_type=Path),
    help="With no daemon running: the venues of a running 'predmm sim'.",
)
@_reason_option
@_json_option
def cancel_all_command(
    journal: Path | None,
    config_path: Path | None,
    sim_credentials: Path | None,
    reason: str,
    as_json: bool,
) -> None:
    """Emergency: cancel every resting order of the account on every venue.

    Against a running daemon (its --journal, or the one trading the accounts of
    --config / --sim-credentials), it halts trading first, so nothing re-quotes, then
    cancels everything on every venue until the venues list nothing resting; the daemon
    stays HALTED until 'predmm resume'. With no daemon, it calls the venues of --config
    or --sim-credentials directly. Either way each venue is reported, one failing venue
    does not stop the others, and the exit code is 1 naming any venue that failed.

    \b
    Examples:
      predmm cancel-all --reason "runaway quotes"
      predmm cancel-all --config predmm.toml
      predmm cancel-all --sim-credentials ./sim-creds
    """
    if config_path is not None and sim_credentials is not None:
        fail("give --config or --sim-credentials, not both")
    if config_path is None and sim_credentials is None:
        hint = "to cancel on the venues directly, give --config FILE or --sim-credentials DIR"
        answer = ask(journal, "cancel-all", reason, hint)
        if not answer["ok"] and "venues" not in answer:
            fail(answer["error"], code=1)
        _finish("cancel-all", answer, as_json)
        return
    _cancel_with_venues(journal, config_path, sim_credentials, reason, as_json)


def _cancel_with_venues(
    journal: Path | None,
    config_path: Path | None,
    sim_credentials: Path | None,
    reason: str,
    as_json: bool,
) -> None:
    import trio

    from predmm.cli.control.venues import cancel_on_venues, setup_of
    from predmm.supervisors.logs import configure_logging

    configure_logging("WARNING")  # the venue clients' retries are not the operator's news
    try:
        setup = setup_of(config_path, sim_credentials)
    except PredmmError as exc:
        fail(str(exc))
    answer = trio.run(cancel_on_venues, setup, journal, reason)
    _finish("cancel-all", answer, as_json)
