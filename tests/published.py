"""The published numbers the tests recompute from, read from data/numbers.csv with
the csv module (not through analysis/), and the 2013 trial's analysed n and
responder counts found by brute force (GRIM, integer arithmetic, half up), so
that independent recomputations follow the data instead of typing 9, 3 and 28.

The analysed n follows the report's documented default (results.Grim): the
registry's baseline count when it fits both responder percentages, else the
fitting n closest to it (ties: the larger).
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"


def values(root: Path = DATA) -> dict[str, float]:
    with open(root / "numbers.csv", encoding="utf-8", newline="") as fh:
        return {r["number_id"]: float(r["value"]) for r in csv.DictReader(fh)}


def whole_counts(pct: float, n: int) -> list[int]:
    """Counts k of n with 100 k / n rounding half up to the whole percentage ``pct``."""
    return [k for k in range(n + 1) if (200 * k + n) // (2 * n) == int(pct)]


@dataclass(frozen=True)
class Trial2013:
    fits: list[int]        # every n in 20..31 at which both responder percentages are whole counts
    n: int                 # the analysed n by the default rule
    x_ldn: int
    x_pbo: int
    pain_ldn: float
    pain_placebo: float
    pain_p: float
    reported_p: float      # the published responder P
    satisfaction_p: float
    mood_p: float


def trial2013(root: Path = DATA) -> Trial2013:
    v = values(root)
    pl, pp = v["y13.responders.ldn"], v["y13.responders.placebo"]
    fits = [n for n in range(20, 32) if whole_counts(pl, n) and whole_counts(pp, n)]
    base = int(v["y13.n.baseline.all"])
    n = base if base in fits else min(fits, key=lambda m: (abs(m - base), -m))
    return Trial2013(fits=fits, n=n, x_ldn=whole_counts(pl, n)[0], x_pbo=whole_counts(pp, n)[0],
                     pain_ldn=v["y13.pain.reduction.ldn"], pain_placebo=v["y13.pain.reduction.placebo"],
                     pain_p=v["y13.pain.p"], reported_p=v["y13.responders.p"],
                     satisfaction_p=v["y13.satisfaction.p"], mood_p=v["y13.mood.p"])
