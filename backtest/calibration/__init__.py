"""What a naive maker resting at the touch would have seen, and the quoted spread by mid,
measured over a replay's events: the same code for every source (the real Polymarket
books, the simulator's seeded day), so the figures can be held side by side and against
the published ones (``bench/calibration.py``).

* **Touch probes.** Every ``probe_every_s`` of the data's time, in every open market with
  a two-sided book, one probe per side joins the touch: a YES bid at the best YES bid and a
  NO bid at the best NO bid (a YES ask at the best ask), one contract each, resting for
  ``window_s``. A probe fills, at its own price, when the opposite best reaches its price:
  an ask at or below our bid is a seller who would have met our bid wherever it stood in
  the queue (price-time priority), the one fill a book snapshot proves. With
  ``prints=True`` prints fill too: a print through our price, or prints at our price by
  sellers to our side once they have taken the size that was ahead of us when we joined
  (the size shown there then, never more than the level has shown since). The real
  Polymarket data has no prints; the simulator's day has both, so the default reads both
  the same way: books only.
* **Fill probability**: probes filled within their window over probes whose window the
  data covers (a probe still waiting when its market closes or the data ends is left out).
* **Markouts** at ``horizons_s`` (1 s, 10 s, 60 s, 5 min): per filled probe, in its side's
  terms, the mid then less the fill price, in cents per contract (negative: the market went
  on against the maker); a horizon past the market's last book is left out of that horizon.
* **Quoted spread by mid**: the book in force every ``sample_every_s``, in every open market
  with a two-sided book, read from each token's side (YES at mid m, NO at 1 - m: each token
  of a Polymarket market has its own book): the spread over that token's mid in basis
  points, and in cents; the median per bucket of the mid (``BUCKETS``, Dubach's and the two
  between them).

Pure: ``measure(markets, batches)`` reads events and returns a ``Calibration``; no clock,
no I/O of its own (``probes``: the pass over the events; ``figures``: what it returns).
"""

from predmm.backtest.calibration.figures import (
    BUCKETS,
    HORIZONS_S,
    Calibration,
    CalibrationConfig,
    SpreadBucket,
    TouchFigures,
    TouchFill,
)
from predmm.backtest.calibration.probes import measure, measure_all

__all__ = [
    "BUCKETS",
    "HORIZONS_S",
    "Calibration",
    "CalibrationConfig",
    "SpreadBucket",
    "TouchFigures",
    "TouchFill",
    "measure",
    "measure_all",
]
