"""Every mistake an operator can make at the command line ends in one line on stderr and
exit code 2, never a traceback: ``fail`` for the commands' own refusals, and
``PredmmGroup``, the ``predmm`` group, whose ``main`` turns click's usage errors (an
option out of range, a missing argument), a ``PredmmError`` that escaped a command and a
lone ``PredmmError`` inside an exception group (a refusal raised in a nursery) into that
line. Any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import click

from predmm.domain.errors import PredmmError

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
