"""Every mistake an operator can make at the command line ends in one line on stderr and
exit code 2, never a traceback: ``fail`` for the commands' own refusals, and
``PredmmGroup``, the ``predmm`` group, whose ``main`` turns click's usage errors (an
option out of range, a missing argument), a ``PredmmError`` that escaped a command and a
lone ``PredmmError`` inside an exception group (a refusal raised in a nursery) into that
line. Any other exception is a bug and keeps its traceback.

The checks a command makes before it starts anything are here too, so that a mistake (a
port in use, a folder that does not exist, a file that is not a journal) is refused in
one line naming the thing before any venue is spoken to (the venues' keys too: each read
as a key, never shown); each raises ``PredmmError``. A
check cannot hold a resource until it is used (another process may take a port a moment
later): what fails later is turned into the same line where it is used
(``cli.live.http.serve_metrics``).
"""

from __future__ import annotations

import errno
import os
import socket
import sqlite3
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from predmm.actors.journal.schema import (
    SCHEMA_VERSION,
    JournalError,
    JournalVersionError,
    check_identity,
    check_version,
    user_version,
)
from predmm.config.settings import PolymarketSettings, SecretRef, Settings
from predmm.domain.errors import ConfigError, PredmmError

PREFIX = "predmm: error: "


def fail(message: str, code: int = 2) -> NoReturn:
    """One line on stderr and a non-zero exit: what a script or an operator can act on."""
    click.echo(PREFIX + one_line(message), err=True)
    sys.exit(code)


def one_line(message: str) -> str:
    """``message`` on one line (a venue's or a library's text may hold newlines)."""
    return " ".join(message.split())


def sole_predmm_error(exc: BaseException) -> PredmmError | None:
    """The PredmmError that ``exc`` is, or that an exception group holds alone."""
    leaves: list[BaseException] = []
    stack = [exc]
    while stack:
        item = stack.pop()
        if isinstance(item, BaseExceptionGroup):
            stack.extend(item.exceptions)
        else:
            leaves.append(item)
    only = leaves[0] if len(leaves) == 1 else None
    return only if isinstance(only, PredmmError) else None


class PredmmGroup(click.Group):
    """A click group whose errors are one line: ``predmm: error: <what and why>``."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as exc:
            fail(_click_message(exc), exc.exit_code)
        except click.Abort:
            click.echo("predmm: aborted", err=True)
            sys.exit(1)
        except BrokenPipeError:  # ``predmm fills | head``: the reader left
            _quiet_stdout()
            sys.exit(0)
        except BaseException as exc:
            sole = sole_predmm_error(exc)
            if sole is None:
                raise
            fail(str(sole))
        if not standalone_mode:
            return rv
        sys.exit(rv if isinstance(rv, int) else 0)


def _click_message(exc: click.ClickException) -> str:
    message = exc.format_message()
    if isinstance(exc, click.UsageError) and exc.ctx is not None:
        command = exc.ctx.command_path
        return f"{command}: {message} (see '{command} --help')"
    return message


def _quiet_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


# checks before a start -------------------------------------------------------------

HOST = "127.0.0.1"


def port_problem(port: int, what: str, host: str = HOST) -> str | None:
    """Why ``port`` cannot be listened on now (None: it can; 0 is always free)."""
    if not 0 <= port <= 65535:
        return f"{what} {port} is out of range: use 1-65535 (0: none)"
    if port == 0:
        return None
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError as exc:
            return bind_problem(exc, port, what, host)
    return None


def bind_problem(exc: OSError, port: int, what: str, host: str = HOST) -> str:
    if exc.errno == errno.EADDRINUSE:
        return f"{what} {port} on {host} is in use by another process: choose another port"
    if exc.errno == errno.EACCES:
        return f"{what} {port} on {host}: permission denied (ports below 1024 need privileges)"
    return f"{what} {port} on {host}: cannot listen: {exc.strerror or exc}"


def check_port(port: int, what: str) -> None:
    problem = port_problem(port, what)
    if problem is not None:
        raise PredmmError(problem)


def writable_file_problem(path: Path, what: str) -> str | None:
    """Why a file cannot be written (created or appended to) at ``path``, or None."""
    path = path.expanduser()
    if path.is_dir():
        return f"{what} {path} is a folder, not a file"
    if path.exists():
        try:
            with open(path, "ab"):
                pass
        except OSError as exc:
            return f"{what} {path} is not writable: {exc.strerror}"
        return None
    return _folder_problem(path.parent, f"{what} {path}")


def _folder_problem(folder: Path, what: str) -> str | None:
    if not folder.exists():
        return f"{what}: folder {folder} does not exist"
    if not folder.is_dir():
        return f"{what}: {folder} is not a folder"
    probe = folder / f".predmm-probe-{os.getpid()}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        return f"{what}: cannot write in folder {folder}: {exc.strerror}"
    os.close(fd)
    probe.unlink()
    return None


def check_writable_file(path: Path, what: str) -> None:
    problem = writable_file_problem(path, what)
    if problem is not None:
        raise PredmmError(problem)


def check_folder(folder: Path, what: str, *, create: bool = False) -> None:
    """A folder to write files into (``create``: made if missing, with its parents)."""
    folder = folder.expanduser()
    if create and not folder.exists():
        try:
            folder.mkdir(parents=True)
        except OSError as exc:
            raise PredmmError(f"{what} {folder}: cannot create it: {exc.strerror}") from None
    problem = _folder_problem(folder, f"{what} {folder}")
    if problem is not None:
        raise PredmmError(problem)


def check_journal_for_writing(path: Path) -> None:
    """The journal the daemon will write: a writable place, and if the file exists, a
    predmm journal no newer than this predmm (an older one is migrated at start)."""
    check_writable_file(path, "journal")
    if path.exists() and path.stat().st_size > 0:
        check_journal_file(path, reading=False)


def check_journal_file(path: Path, *, reading: bool = True) -> None:
    """``path`` is a predmm journal this predmm can read (``reading``: at its version;
    else at most its version)."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0)
    except sqlite3.Error as exc:
        raise JournalError(f"{path}: cannot open: {exc}") from None
    try:
        check_identity(conn, path)
        if reading:
            check_version(conn, path)
        else:
            _not_newer(conn, path)
    except sqlite3.Error as exc:
        raise JournalError(f"{path} is not a predmm journal ({exc})") from None
    finally:
        conn.close()


def _not_newer(conn: sqlite3.Connection, path: Path) -> None:
    version = user_version(conn)
    if version > SCHEMA_VERSION:
        raise JournalVersionError(
            f"journal {path} has schema version {version}, newer than this predmm knows"
            f" ({SCHEMA_VERSION}): upgrade predmm or use another journal file"
        )


# the venues' keys ---------------------------------------------------------------------


def _origin(ref: SecretRef) -> str:
    return f"environment variable {ref.env}" if ref.env else f"key file {ref.file}"


def check_keys(settings: Settings, secrets: Mapping[str, str]) -> None:
    """Each venue's signing key read as a key: a file or variable that holds something
    else is refused naming it (never its value)."""
    problems = key_problems(settings, secrets)
    if problems:
        raise ConfigError(problems[0])


def key_problems(settings: Settings, secrets: Mapping[str, str] | None = None) -> list[str]:
    """Why a venue's signing key cannot sign (the secrets not available are skipped:
    ``config.check.secret_problems`` names them)."""
    from predmm.platforms.kalshi.signing import load_private_key

    problems: list[str] = []
    if settings.kalshi is not None:
        ref = settings.kalshi.private_key
        secret = _available(secrets, "kalshi.private_key", ref)
        if secret is not None:
            try:
                load_private_key(secret)
            except (ConfigError, ValueError):
                problems.append(
                    f"kalshi.private_key ({_origin(ref)}): not a PEM private key"
                    " (an unencrypted RSA or Ed25519 key, as Kalshi issues it)"
                )
    if settings.polymarket is not None:
        problems += _polymarket_key_problems(settings.polymarket, secrets)
    return problems


def _polymarket_key_problems(
    pm: PolymarketSettings, secrets: Mapping[str, str] | None
) -> list[str]:
    """The key read as an Ethereum key, and the account it makes with the funder (a
    proxy, Safe or deposit wallet is not the key's own address)."""
    from predmm.platforms.polymarket import TradingAccount, Wallet

    secret = _available(secrets, "polymarket.private_key", pm.private_key)
    if secret is None:
        return []
    try:
        wallet = Wallet(secret)
    except ValueError as exc:
        return [
            f"polymarket.private_key ({_origin(pm.private_key)}): not an Ethereum private key"
            f" ({exc}: 32 bytes as hex, 0x optional)"
        ]
    try:
        TradingAccount.of(wallet.address, pm.signature_type, pm.funder)
    except ValueError as exc:
        return [f"[polymarket]: {exc}"]
    return []


def _available(secrets: Mapping[str, str] | None, name: str, ref: SecretRef) -> str | None:
    if secrets is not None:
        return secrets.get(name)
    try:
        return ref.resolve(name, os.environ)
    except ConfigError:
        return None
