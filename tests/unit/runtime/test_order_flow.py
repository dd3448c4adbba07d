"""The send scheduling's spending: what ``affordable`` grants, it pays for."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SPEND_TWICE = """
from decimal import Decimal as D
from predmm.actors.platform.flow import affordable
from predmm.platforms.limiter import TokenBucket
bucket = TokenBucket(D(10), D(20))
print(affordable(bucket, 5, D(10), 0.0), bucket.spent, affordable(bucket, 5, D(10), 0.0))
"""


def test_what_is_granted_is_spent_even_with_asserts_stripped() -> None:
    # python -O strips asserts; a spend inside one let every request through for free
    root = Path(__file__).resolve().parents[3]
    for flags in ([], ["-O"]):
        run = subprocess.run(
            [sys.executable, *flags, "-c", SPEND_TWICE],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )
        assert run.stdout.split() == ["2", "20", "0"], flags
