"""The actor tests share helpers (``tests.actors.fake_venue``, ``tests.actors.harness``):
make the repository root importable however pytest was started."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
