"""Entry point of the ``predmm`` console script."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    print("predmm: the daemon's commands arrive with the daemon issue; try 'predmm --help'")
    return 0 if args in ([], ["--help"]) else 2
