"""Recomputations from summary data: consistency checks, intervals, tests,
fragility, P-value/CI conversions, power and multiplicity.

Every function takes plain numbers and returns an ``analysis.core.Result``
(or a small documented structure); nothing here knows about any particular
trial. scipy and statsmodels do the arithmetic wherever they implement the
method; the docstrings state the software defaults that change answers
(continuity corrections, how a two-sided P is defined), in the spirit of the
CAMIS method pages.

Conventions used throughout
---------------------------
* Two independent groups: ``x1`` events of ``n1`` in group 1 and ``x2`` of
  ``n2`` in group 2; the estimate is the risk difference ``x1/n1 - x2/n2``.
* Paired (crossover) binary data, one row per person::

                        placebo: yes   placebo: no
      treatment: yes        a              b
      treatment: no         c              d

  ``a`` = responder on both, ``b`` = responder on treatment only,
  ``c`` = responder on placebo only, ``d`` = neither. The paired difference is
  ``(a + b)/n - (a + c)/n = (b - c)/n``.
* All P values are two-sided unless a name says otherwise.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Iterable, Mapping, Sequence

import numpy as np
from scipy import stats as sps
from statsmodels.stats.contingency_tables import mcnemar as _sm_mcnemar
from statsmodels.stats.power import TTestPower
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
)

from analysis.core import Result

__all__ = [
    "grim_counts",
    "grim_scan",
    "grim_consistent_ns",
    "wilson",
    "newcombe_diff",
    "newcombe_paired_diff",
    "NNT",
    "nnt",
    "describe_nnt",
    "chi2_2x2",
    "fisher_2x2",
    "mcnemar_exact",
    "mcnemar_midp",
    "mcnemar_asymptotic",
    "paired_splits",
    "paired_p_range",
    "fragility_index",
    "paired_fragility",
    "paired_fragility_over_splits",
    "ci_from_p",
    "ci_from_p_t",
    "p_from_ci",
    "dz_from_p",
    "power_paired",
    "n_for_power",
    "adjust_pvalues",
    "adjust_pvalues_bounds",
    "grim_denominators",
    "difference_of_estimates",
    "replication_power",
    "condition_end_times",
]


# --------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------

def _check_count(name: str, value: int) -> int:
    if isinstance(value, bool) or int(value) != value or value < 0:
        raise ValueError(f"{name} must be a whole number >= 0, got {value!r}")
    return int(value)


def _check_group_size(name: str, value: int) -> int:
    """A group of a two-sample comparison: a whole number of at least 2."""
    if _check_count(name, value) < 2:
        raise ValueError(f"{name} must be a whole number of at least 2, got {value!r}")
    return int(value)


def _check_binomial(x: int, n: int, xname: str = "x", nname: str = "n") -> tuple[int, int]:
    x = _check_count(xname, x)
    n = _check_count(nname, n)
    if n == 0:
        raise ValueError(f"{nname} must be at least 1, got 0")
    if x > n:
        raise ValueError(f"{xname} ({x}) cannot exceed {nname} ({n})")
    return x, n


def _check_alpha(alpha: float) -> float:
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie strictly between 0 and 1, got {alpha!r}")
    return float(alpha)


def _check_p(p: float, name: str = "p") -> float:
    if not 0 < p <= 1:
        raise ValueError(f"{name} must lie in (0, 1], got {p!r}")
    return float(p)


def _table(x1: int, n1: int, x2: int, n2: int) -> np.ndarray:
    x1, n1 = _check_binomial(x1, n1, "x1", "n1")
    x2, n2 = _check_binomial(x2, n2, "x2", "n2")
    return np.array([[x1, n1 - x1], [x2, n2 - x2]])


# --------------------------------------------------------------------------
# 1. GRIM
# --------------------------------------------------------------------------

_ROUNDING = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "down": ROUND_DOWN}


def grim_counts(pct: float, n: int, decimals: int = 0, rounding: str = "half_up") -> list[int]:
    """GRIM test (Brown & Heathers 2017): every count k in 0..n whose 100k/n rounds to pct."""
    n = _check_count("n", n)
    if n == 0:
        raise ValueError("n must be at least 1")
    if rounding not in _ROUNDING:
        raise ValueError(f"rounding must be one of {sorted(_ROUNDING)}, got {rounding!r}")
    quantum = Decimal(1).scaleb(-int(decimals))
    # str() keeps the reported digits (32.1 stays 32.1, not 32.09999...).
    target = Decimal(str(pct)).quantize(quantum, rounding=ROUND_HALF_UP)
    mode = _ROUNDING[rounding]
    return [
        k
        for k in range(n + 1)
        if (Decimal(100 * k) / Decimal(n)).quantize(quantum, rounding=mode) == target
    ]


def grim_scan(
    pcts: Sequence[float],
    n_values: Iterable[int],
    decimals: int = 0,
    rounding: str = "half_up",
) -> list[tuple[int, list[list[int]]]]:
    """GRIM test (Brown & Heathers 2017) over candidate sample sizes: counts per percentage for each n."""
    pcts = list(pcts)
    return [
        (int(n), [grim_counts(p, n, decimals, rounding) for p in pcts]) for n in n_values
    ]


def grim_consistent_ns(
    pcts: Sequence[float],
    n_values: Iterable[int],
    decimals: int = 0,
    rounding: str = "half_up",
) -> list[int]:
    """GRIM test (Brown & Heathers 2017): the n at which every percentage is a whole-count fraction."""
    return [
        n for n, counts in grim_scan(pcts, n_values, decimals, rounding) if all(counts)
    ]


def grim_denominators(
    pct: float,
    n_values: Iterable[int],
    decimals: int = 0,
    rounding: str = "half_up",
) -> dict[int, list[int]]:
    """GRIM test for a proportion (Brown & Heathers 2017): each n whose whole counts k give 100k/n rounding to pct, with those k."""
    out = {}
    for n in n_values:
        ks = grim_counts(pct, n, decimals, rounding)
        if ks:
            out[int(n)] = ks
    return out


# --------------------------------------------------------------------------
# 2-4. proportions and their differences
# --------------------------------------------------------------------------

def wilson(x: int, n: int, alpha: float = 0.05) -> Result:
    """Wilson score interval for one proportion (Wilson 1927), via statsmodels proportion_confint."""
    x, n = _check_binomial(x, n)
    alpha = _check_alpha(alpha)
    low, high = proportion_confint(x, n, alpha=alpha, method="wilson")
    return Result(
        estimate=x / n,
        low=float(low),
        high=float(high),
        method="Wilson score interval (no continuity correction)",
        reference="wilson1927probable",
        extra={"x": x, "n": n, "alpha": alpha,
               "software": "statsmodels proportion_confint(method='wilson')"},
    )


def newcombe_diff(x1: int, n1: int, x2: int, n2: int, alpha: float = 0.05) -> Result:
    """Newcombe hybrid score interval (method 10) for p1 - p2, independent groups (Newcombe 1998, Stat Med 17:873)."""
    _table(x1, n1, x2, n2)
    alpha = _check_alpha(alpha)
    low, high = confint_proportions_2indep(
        x1, n1, x2, n2, method="newcomb", compare="diff", alpha=alpha
    )
    w1 = wilson(x1, n1, alpha)
    w2 = wilson(x2, n2, alpha)
    return Result(
        estimate=x1 / n1 - x2 / n2,
        low=float(low),
        high=float(high),
        method="Newcombe hybrid score interval (method 10, Wilson limits without "
               "continuity correction)",
        reference="newcombe1998two",
        extra={
            "p1": x1 / n1, "p2": x2 / n2,
            "wilson1": (w1.low, w1.high), "wilson2": (w2.low, w2.high),
            "alpha": alpha,
            "software": "statsmodels confint_proportions_2indep(method='newcomb', "
                        "compare='diff')",
        },
    )


def newcombe_paired_diff(a: int, b: int, c: int, d: int, alpha: float = 0.05) -> Result:
    """Newcombe method 10 interval for a paired difference (b - c)/n (Newcombe 1998, Stat Med 17:2635)."""
    a, b, c, d = (_check_count(k, v) for k, v in zip("abcd", (a, b, c, d)))
    alpha = _check_alpha(alpha)
    n = a + b + c + d
    if n == 0:
        raise ValueError("the paired table is empty (a + b + c + d = 0)")
    x1, x2 = a + b, a + c  # responders on treatment, on placebo
    p1, p2 = x1 / n, x2 / n
    l1, u1 = (float(v) for v in proportion_confint(x1, n, alpha=alpha, method="wilson"))
    l2, u2 = (float(v) for v in proportion_confint(x2, n, alpha=alpha, method="wilson"))
    # Newcombe's correlation term: phi of the 2x2 table with a continuity
    # adjustment; zero when any margin is empty.
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    cross = a * d - b * c
    if margins == 0:
        phi = 0.0
    elif cross > n / 2:
        phi = (cross - n / 2) / math.sqrt(margins)
    elif cross >= 0:
        phi = 0.0
    else:
        phi = cross / math.sqrt(margins)
    est = p1 - p2
    delta = math.sqrt(max((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2, 0.0))
    epsilon = math.sqrt(max((p2 - l2) ** 2 - 2 * phi * (p2 - l2) * (u1 - p1) + (u1 - p1) ** 2, 0.0))
    return Result(
        estimate=est,
        low=max(-1.0, est - delta),
        high=min(1.0, est + epsilon),
        method="Newcombe paired-difference interval (method 10: Wilson limits of the two "
               "marginal proportions combined with a corrected phi)",
        reference="newcombe1998paired",
        extra={
            "cells": {"a": a, "b": b, "c": c, "d": d},
            "cell_convention": "a = responder on both; b = on treatment only; "
                               "c = on placebo only; d = neither",
            "p_treatment": p1, "p_placebo": p2, "phi": phi,
            "wilson_treatment": (l1, u1), "wilson_placebo": (l2, u2),
            "alpha": alpha,
            "software": "Wilson limits from statsmodels proportion_confint(method='wilson'); "
                        "combination coded here (statsmodels 0.15 has no paired Newcombe)",
        },
    )


# --------------------------------------------------------------------------
# 5. number needed to treat
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class NNT:
    """Number needed to treat and its interval, labelled as benefit (NNTB) or harm (NNTH).

    ``value`` is |1/RD| (``inf`` when RD = 0). ``lower`` and ``upper`` are the
    interval ends as (label, value) pairs in the order of the RD interval
    (from the RD lower limit to the RD upper limit); a value of ``inf`` means
    the RD limit is exactly zero. When ``crosses_zero`` is true the interval
    runs from one label through infinity to the other (Altman 1998).
    """

    label: str
    value: float
    lower: tuple[str, float] | None
    upper: tuple[str, float] | None
    crosses_zero: bool
    rd: float
    rd_low: float | None
    rd_high: float | None
    reference: str = "altman1998nnt"


def _nnt_label(rd: float, good_outcome: bool) -> str:
    benefit = rd > 0 if good_outcome else rd < 0
    return "NNTB" if benefit else "NNTH"


def _inv(x: float) -> float:
    return math.inf if x == 0 else 1.0 / abs(x)


def nnt(rd: Result, good_outcome: bool = True) -> NNT:
    """Number needed to treat = 1/RD with Altman's interval through infinity (Altman, BMJ 1998;317:1309)."""
    if rd.estimate is None or math.isnan(rd.estimate):
        raise ValueError("the risk difference has no estimate")
    label = _nnt_label(rd.estimate, good_outcome) if rd.estimate != 0 else "NNT"
    lower = upper = None
    crosses = False
    if rd.low is not None and rd.high is not None:
        lo, hi = rd.low, rd.high
        crosses = lo < 0 < hi
        lower = (_nnt_label(lo, good_outcome) if lo != 0 else "NNT", _inv(lo))
        upper = (_nnt_label(hi, good_outcome) if hi != 0 else "NNT", _inv(hi))
    return NNT(
        label=label,
        value=_inv(rd.estimate),
        lower=lower,
        upper=upper,
        crosses_zero=crosses,
        rd=rd.estimate,
        rd_low=rd.low,
        rd_high=rd.high,
    )


def _fmt_num(x: float, digits: int) -> str:
    return "∞" if math.isinf(x) else f"{x:.{digits}f}"


def describe_nnt(n: NNT, digits: int = 1) -> str:
    """Text for an NNT in Altman's style, e.g. 'NNTB 5 (NNTH 40 to ∞ to NNTB 2)' (Altman, BMJ
    1998;317:1309): the estimate and the interval limits with ``digits`` decimals alike."""
    def lim(v: float) -> str:
        return _fmt_num(v, digits)
    head = f"{n.label} {lim(n.value)}"
    if n.lower is None or n.upper is None:
        return head
    (l_lab, l_val), (u_lab, u_val) = n.lower, n.upper
    if n.crosses_zero:
        return f"{head} ({l_lab} {lim(l_val)} to ∞ to {u_lab} {lim(u_val)})"
    # Same side of zero: print the two NNTs from smaller to larger.
    first, second = sorted((l_val, u_val))
    return f"{head} ({lim(first)} to {lim(second)})"


# --------------------------------------------------------------------------
# 6. independent 2x2 tests
# --------------------------------------------------------------------------

def chi2_2x2(x1: int, n1: int, x2: int, n2: int, correction: bool) -> Result:
    """Pearson chi-squared test of a 2x2 table, with or without Yates's correction, via scipy chi2_contingency."""
    table = _table(x1, n1, x2, n2)
    if (table.sum(axis=0) == 0).any():
        raise ValueError(
            "chi-squared test undefined: a column of the 2x2 table is empty "
            f"(events {table[:, 0].sum()}, non-events {table[:, 1].sum()})"
        )
    res = sps.chi2_contingency(table, correction=correction)
    return Result(
        estimate=x1 / n1 - x2 / n2,
        p=float(res.pvalue),
        method="Pearson chi-squared test, 1 df, "
               + ("with Yates continuity correction" if correction else "no continuity correction"),
        reference="yates1934contingency" if correction else "pearson1900criterion",
        extra={
            "statistic": float(res.statistic), "df": int(res.dof),
            "expected": res.expected_freq.tolist(), "correction": correction,
            "min_expected": float(res.expected_freq.min()),
            "software": "scipy.stats.chi2_contingency; its Yates correction moves each "
                        "observed count 0.5 towards its expected count but never past it",
        },
    )


def fisher_2x2(x1: int, n1: int, x2: int, n2: int, alternative: str = "two-sided") -> Result:
    """Fisher's exact test of a 2x2 table, two- or one-sided, via scipy fisher_exact (Fisher 1922)."""
    table = _table(x1, n1, x2, n2)
    if alternative not in ("two-sided", "greater", "less"):
        raise ValueError("alternative must be 'two-sided', 'greater' (group 1 has the higher "
                         f"proportion) or 'less', got {alternative!r}")
    res = sps.fisher_exact(table, alternative=alternative)
    sided = ("two-sided" if alternative == "two-sided"
             else f"one-sided ({'p1 > p2' if alternative == 'greater' else 'p1 < p2'})")
    return Result(
        estimate=x1 / n1 - x2 / n2,
        p=float(res.pvalue),
        method=f"Fisher's exact test, {sided}",
        reference="fisher1922interpretation",
        extra={
            "odds_ratio_sample": float(res.statistic), "alternative": alternative,
            "software": f"scipy.stats.fisher_exact(alternative='{alternative}'): the two-sided P "
                        "sums the hypergeometric probabilities of all tables no more probable "
                        "than the observed one (as R fisher.test); a one-sided P is one tail of "
                        "the hypergeometric distribution (x1 or more for 'greater'); the odds "
                        "ratio is the sample (cross-product) ratio, not R's conditional MLE",
        },
    )


# --------------------------------------------------------------------------
# 7-8. McNemar tests and the paired splits a published marginal pair allows
# --------------------------------------------------------------------------

def _discordant(b: int, c: int) -> tuple[int, int]:
    return _check_count("b", b), _check_count("c", c)


def _paired_or(b: int, c: int) -> float:
    if c == 0:
        return math.nan if b == 0 else math.inf
    return b / c


def mcnemar_exact(b: int, c: int) -> Result:
    """McNemar exact conditional test: binomial test of b out of b + c at 1/2 (Fagerland et al. 2013)."""
    b, c = _discordant(b, c)
    p = 1.0 if b + c == 0 else float(sps.binomtest(b, b + c, 0.5).pvalue)
    return Result(
        estimate=_paired_or(b, c),
        p=min(p, 1.0),
        method="McNemar exact conditional test, two-sided",
        reference="fagerland2013mcnemar",
        extra={"b": b, "c": c, "estimate_is": "conditional odds ratio b/c",
               "software": "scipy.stats.binomtest(b, b + c, 0.5); with p = 1/2 its two-sided "
                           "P equals twice the smaller tail, capped at 1 (same as statsmodels "
                           "mcnemar(exact=True))"},
    )


def mcnemar_midp(b: int, c: int) -> Result:
    """McNemar mid-p test: exact conditional P minus the point probability of b (Fagerland et al. 2013)."""
    b, c = _discordant(b, c)
    nd = b + c
    if nd == 0:
        p = 1.0
    elif b == c:
        p = 1.0 - 0.5 * float(sps.binom.pmf(b, nd, 0.5))
    else:
        exact = min(1.0, 2.0 * float(sps.binom.cdf(min(b, c), nd, 0.5)))
        p = exact - float(sps.binom.pmf(b, nd, 0.5))
    return Result(
        estimate=_paired_or(b, c),
        p=p,
        method="McNemar mid-p test, two-sided",
        reference="fagerland2013mcnemar",
        extra={"b": b, "c": c, "estimate_is": "conditional odds ratio b/c",
               "software": "scipy.stats.binom (cdf, pmf); formula of Fagerland et al. 2013"},
    )


def mcnemar_asymptotic(b: int, c: int, correction: bool = False) -> Result:
    """McNemar asymptotic chi-squared test, optional Edwards continuity correction (McNemar 1947)."""
    b, c = _discordant(b, c)
    nd = b + c
    if nd == 0:
        stat, p = 0.0, 1.0
    else:
        # statsmodels computes (|b - c| - 1)^2/(b + c), which is positive when
        # b == c; the correction is floored at zero here so that P = 1 then.
        num = abs(b - c) - (1 if correction else 0)
        if correction and num < 0:
            stat, p = 0.0, 1.0
        else:
            res = _sm_mcnemar([[0, b], [c, 0]], exact=False, correction=correction)
            stat, p = float(res.statistic), float(res.pvalue)
    return Result(
        estimate=_paired_or(b, c),
        p=p,
        method="McNemar asymptotic test, 1 df, "
               + ("with continuity correction" if correction else "no continuity correction"),
        reference="mcnemar1947note",
        extra={"b": b, "c": c, "statistic": stat, "correction": correction,
               "estimate_is": "conditional odds ratio b/c",
               "software": "statsmodels.stats.contingency_tables.mcnemar(exact=False); note its "
                           "default is exact=True, and correction=True by default"},
    )


def paired_splits(n: int, x1: int, x2: int) -> list[tuple[int, int, int, int]]:
    """All paired tables (a, b, c, d) with margins a + b = x1, a + c = x2 and total n."""
    x1, n = _check_binomial(x1, n, "x1", "n")
    x2, _ = _check_binomial(x2, n, "x2", "n")
    out = []
    for a in range(max(0, x1 + x2 - n), min(x1, x2) + 1):
        b, c = x1 - a, x2 - a
        out.append((a, b, c, n - a - b - c))
    return out


def paired_p_range(n: int, x1: int, x2: int) -> dict:
    """Smallest and largest McNemar exact and mid-p P over every paired table with the given margins (Fagerland et al. 2013)."""
    splits = paired_splits(n, x1, x2)
    out: dict = {"n": n, "x1": x1, "x2": x2, "n_splits": len(splits), "splits": splits}
    for name, fn in (("exact", mcnemar_exact), ("midp", mcnemar_midp)):
        ps = [fn(b, c).p for (_, b, c, _) in splits]
        lo, hi = min(ps), max(ps)
        out[name] = {
            "min": lo,
            "max": hi,
            "min_splits": [s for s, p in zip(splits, ps) if math.isclose(p, lo, rel_tol=1e-12)],
            "max_splits": [s for s, p in zip(splits, ps) if math.isclose(p, hi, rel_tol=1e-12)],
            "by_split": dict(zip(splits, ps)),
        }
    return out


# --------------------------------------------------------------------------
# 9. fragility index
# --------------------------------------------------------------------------

def _fisher_p(t: Sequence[int]) -> float:
    x1, n1, x2, n2 = t
    return float(sps.fisher_exact([[x1, n1 - x1], [x2, n2 - x2]]).pvalue)


def _walk(x1: int, n1: int, x2: int, n2: int, group: int, step: int, alpha: float,
          want_significant: bool) -> tuple[int, tuple[int, int, int, int], float] | None:
    """Change one group's events by `step` at a time until the significance flips."""
    xs = [x1, x2]
    ns = [n1, n2]
    k = 0
    while True:
        xs[group] += step
        k += 1
        if not 0 <= xs[group] <= ns[group]:
            return None
        t = (xs[0], ns[0], xs[1], ns[1])
        p = _fisher_p(t)
        if (p < alpha) == want_significant:
            return k, t, p


def fragility_index(x1: int, n1: int, x2: int, n2: int, alpha: float = 0.05) -> Result:
    """Fragility index by Fisher's exact test (Walsh et al., J Clin Epidemiol 2014;67:622), or the reverse index when P >= alpha."""
    _table(x1, n1, x2, n2)
    alpha = _check_alpha(alpha)
    p0 = _fisher_p((x1, n1, x2, n2))
    significant = p0 < alpha
    if significant:
        # Walsh: add events (removing non-events) to the group with fewer
        # events until P >= alpha. With equal event counts both groups are
        # tried and the smaller index kept.
        groups = [0] if x1 < x2 else [1] if x2 < x1 else [0, 1]
        tries = [(g, +1) for g in groups]
        kind = "fragility index"
        rule = ("non-events turned into events in the group with fewer events until "
                "Fisher's P >= alpha")
    else:
        # Reverse index: the fewest single-group changes that make P < alpha,
        # over all four moves (add or remove events in either group).
        tries = [(0, +1), (0, -1), (1, +1), (1, -1)]
        kind = "reverse fragility index"
        rule = ("fewest outcome changes within one group (any of the four moves: add or "
                "remove events in group 1 or group 2) until Fisher's P < alpha")
    best = None
    for g, step in tries:
        r = _walk(x1, n1, x2, n2, g, step, alpha, want_significant=not significant)
        if r is not None and (best is None or r[0] < best[0][0]):
            best = (r, g, step)
    extra = {"kind": kind, "rule": rule, "alpha": alpha, "p_original": p0,
             "software": "scipy.stats.fisher_exact, two-sided"}
    if best is None:
        extra["note"] = "no single-group sequence of changes flips significance"
        return Result(estimate=math.nan, p=p0, method=f"{kind} (Fisher's exact test)",
                      reference="walsh2014fragility", extra=extra)
    (k, table, p_final), g, step = best
    extra.update({
        "group_modified": g + 1,
        "change": "non-event -> event" if step > 0 else "event -> non-event",
        "final_table": table,
        "p_final": p_final,
    })
    return Result(estimate=float(k), p=p0, method=f"{kind} (Fisher's exact test)",
                  reference="walsh2014fragility", extra=extra)


_PAIRED_TESTS = {"exact": "McNemar exact conditional test", "midp": "McNemar mid-p test"}


def _women_moved(db: int, dc: int) -> int:
    """Fewest women whose status changes to move the discordant cells by (db, dc):
    one woman who changes in both conditions moves from c to b (or b to c)."""
    if db * dc < 0:
        return max(abs(db), abs(dc))
    return abs(db) + abs(dc)


def paired_fragility(a: int, b: int, c: int, d: int, alpha: float = 0.05,
                     test: str = "exact") -> Result:
    """Fragility index of a paired 2x2 table under McNemar's exact or mid-p test (Walsh et al. 2014, applied to discordant pairs).

    Walsh et al. count the patients whose outcome must change for a trial's
    significance to flip. In a crossover each woman has two outcomes (responder
    on treatment, responder on placebo), so the unit here is one *outcome*: one
    woman's responder status in one condition. Every such change moves her
    between a concordant cell (a or d) and a discordant cell (b or c), so it
    changes b or c by exactly one. The index is the smallest |b' - b| + |c' - c|
    over tables (a', b', c', d') with the same n whose P lies on the other side
    of alpha: from P < alpha to P >= alpha (the fragility index) or from
    P >= alpha to P < alpha (the reverse fragility index). Any table with
    b', c' >= 0 and b' + c' <= n can be reached with that many changes.
    ``extra['women']`` counts people instead: the fewest women whose status
    changes in either or both conditions (a woman changing in both moves
    between b and c in one go), which can be smaller than the number of
    outcome changes. Ties between targets are broken by fewer women, then by
    the P farthest across alpha (and for ``women``, by fewer outcome changes first).
    """
    a, b, c, d = (_check_count(k, v) for k, v in zip("abcd", (a, b, c, d)))
    alpha = _check_alpha(alpha)
    if test not in _PAIRED_TESTS:
        raise ValueError(f"test must be one of {sorted(_PAIRED_TESTS)}, got {test!r}")
    n = a + b + c + d
    if n == 0:
        raise ValueError("the paired table is empty (a + b + c + d = 0)")
    fn = mcnemar_exact if test == "exact" else mcnemar_midp
    p0 = fn(b, c).p
    significant = p0 < alpha

    def crosses(p: float) -> bool:
        return (p >= alpha) if significant else (p < alpha)

    def changes(db: int, dc: int) -> int:
        return abs(db) + abs(dc)

    def search(cost, other) -> tuple[int, int, int, float] | None:
        # targets ordered by cost; the first cost with a crossing target wins
        for k in range(1, 2 * n + 1):
            found = []
            for db in range(-k, k + 1):
                for dc in range(-k, k + 1):
                    bb, cc = b + db, c + dc
                    if cost(db, dc) != k or bb < 0 or cc < 0 or bb + cc > n:
                        continue
                    p = fn(bb, cc).p
                    if crosses(p):
                        found.append((k, bb, cc, p))
            if found:
                return min(found, key=lambda t: (other(t[1] - b, t[2] - c),
                                                 (-t[3] if significant else t[3])))
        return None

    by_changes = search(changes, _women_moved)
    by_women = search(_women_moved, changes)
    kind = "fragility index" if significant else "reverse fragility index"
    extra = {"kind": kind, "test": test, "alpha": alpha, "p_original": p0, "n": n,
             "table": (a, b, c, d),
             "unit": "one woman's responder status in one condition",
             "software": f"{_PAIRED_TESTS[test]} as in analysis.stats (scipy.stats.binomtest / binom)"}
    if by_changes is None:
        extra["note"] = "no table with the same n crosses alpha"
        return Result(estimate=math.nan, p=p0, method=f"{kind} ({_PAIRED_TESTS[test]}, paired table)",
                      reference="walsh2014fragility", extra=extra)
    k, bb, cc, pk = by_changes
    extra.update({"final_b": bb, "final_c": cc, "p_final": pk,
                  "women": by_women[0], "women_final_b": by_women[1],
                  "women_final_c": by_women[2], "women_p_final": by_women[3]})
    return Result(estimate=float(k), p=p0, method=f"{kind} ({_PAIRED_TESTS[test]}, paired table)",
                  reference="walsh2014fragility", extra=extra)


def paired_fragility_over_splits(n: int, x1: int, x2: int, alpha: float = 0.05,
                                 test: str = "exact") -> dict:
    """:func:`paired_fragility` for every paired table with the published margins, and the minimum over them (Walsh et al. 2014)."""
    by_split = {s: paired_fragility(*s, alpha=alpha, test=test) for s in paired_splits(n, x1, x2)}
    values = [r.estimate for r in by_split.values() if not math.isnan(r.estimate)]
    women = [r.extra["women"] for r in by_split.values() if "women" in r.extra]
    return {"by_split": by_split, "min": min(values) if values else math.nan,
            "max": max(values) if values else math.nan,
            "min_women": min(women) if women else math.nan, "test": test, "alpha": alpha}


# --------------------------------------------------------------------------
# 10. P values and confidence intervals from each other
# --------------------------------------------------------------------------

def _to_scale(x: float, ratio: bool, name: str) -> float:
    if not ratio:
        return float(x)
    if x <= 0:
        raise ValueError(f"{name} must be > 0 for a ratio measure, got {x!r}")
    return math.log(x)


def _from_scale(x: float, ratio: bool) -> float:
    return math.exp(x) if ratio else x


def ci_from_p(estimate: float, p: float, alpha: float = 0.05, ratio: bool = False) -> Result:
    """Confidence interval from an estimate and its two-sided P (Altman & Bland, BMJ 2011;343:d2090)."""
    p = _check_p(p)
    alpha = _check_alpha(alpha)
    est = _to_scale(estimate, ratio, "estimate")
    # Altman & Bland's approximation to the normal quantile for P.
    z = -0.862 + math.sqrt(0.743 - 2.404 * math.log(p))
    z_exact = float(sps.norm.isf(p / 2))
    crit = float(sps.norm.isf(alpha / 2))
    if est == 0:
        raise ValueError("the estimate is zero (or a ratio of 1): no standard error can be "
                         "recovered from P")
    se = abs(est) / z
    se_exact = abs(est) / z_exact
    return Result(
        estimate=float(estimate),
        low=_from_scale(est - crit * se, ratio),
        high=_from_scale(est + crit * se, ratio),
        p=p,
        method="CI from P, normal approximation (Altman & Bland z formula)"
               + (", log scale" if ratio else ""),
        reference="altman2011ci",
        extra={
            "z": z, "se": se, "z_exact": z_exact, "se_exact": se_exact,
            "ci_exact_normal": (_from_scale(est - crit * se_exact, ratio),
                                _from_scale(est + crit * se_exact, ratio)),
            "alpha": alpha, "critical_value": crit, "ratio": ratio,
            "note": "assumes a z test; for small samples a t-based inversion "
                    "(ci_from_p_t) gives a wider interval",
        },
    )


def ci_from_p_t(estimate: float, p: float, df: float, alpha: float = 0.05,
                ratio: bool = False) -> Result:
    """Confidence interval from an estimate and a two-sided t-test P with df degrees of freedom (Altman & Bland 2011 with t)."""
    p = _check_p(p)
    alpha = _check_alpha(alpha)
    if df <= 0:
        raise ValueError(f"df must be > 0, got {df!r}")
    est = _to_scale(estimate, ratio, "estimate")
    if est == 0:
        raise ValueError("the estimate is zero (or a ratio of 1): no standard error can be "
                         "recovered from P")
    t_obs = float(sps.t.isf(p / 2, df))
    crit = float(sps.t.isf(alpha / 2, df))
    se = abs(est) / t_obs
    return Result(
        estimate=float(estimate),
        low=_from_scale(est - crit * se, ratio),
        high=_from_scale(est + crit * se, ratio),
        p=p,
        method=f"CI from P by inverting a two-sided t test on {df:g} df"
               + (", log scale" if ratio else ""),
        reference="altman2011ci",
        extra={"t": t_obs, "se": se, "df": df, "critical_value": crit, "alpha": alpha,
               "ratio": ratio, "software": "scipy.stats.t.isf"},
    )


def p_from_ci(estimate: float, low: float, high: float, alpha: float = 0.05,
              ratio: bool = False, df: float | None = None) -> Result:
    """Two-sided P from an estimate and its confidence interval (Altman & Bland, BMJ 2011;343:d2304).

    With ``df``, ``extra['p_t']`` also holds the exact inversion of a t-based interval."""
    alpha = _check_alpha(alpha)
    est = _to_scale(estimate, ratio, "estimate")
    lo = _to_scale(low, ratio, "low")
    hi = _to_scale(high, ratio, "high")
    if not lo < hi:
        raise ValueError(f"the interval must have low < high, got {low!r} to {high!r}")
    crit = float(sps.norm.isf(alpha / 2))
    se = (hi - lo) / (2 * crit)
    z = abs(est) / se
    p = math.exp(-0.717 * z - 0.416 * z ** 2)
    return Result(
        estimate=float(estimate),
        low=float(low),
        high=float(high),
        p=p,
        method="P from CI, normal approximation (Altman & Bland P formula)"
               + (", log scale" if ratio else ""),
        reference="altman2011p",
        extra={"z": z, "se": se, "p_exact_normal": float(2 * sps.norm.sf(z)),
               **({"p_t": _p_t_from_ci(est, lo, hi, df, alpha)} if df is not None else {}),
               "alpha": alpha, "ratio": ratio,
               "note": "assumes a symmetric (on the analysis scale) normal-theory interval"},
    )


def p_from_d(d: float, n1: int, n2: int) -> Result:
    """Two-sided P of a two-sample t test from Cohen's d and the group sizes,
    t = d * sqrt(n1 n2 / (n1 + n2)) on n1 + n2 - 2 df (Borenstein et al. 2009 ch. 4)."""
    n1, n2 = _check_group_size("n1", n1), _check_group_size("n2", n2)
    if not math.isfinite(d):
        raise ValueError(f"d must be finite, got {d!r}")
    df = n1 + n2 - 2
    t = d * math.sqrt(n1 * n2 / (n1 + n2))
    return Result(estimate=float(d), low=None, high=None, p=float(2 * sps.t.sf(abs(t), df)),
                  method="P from Cohen's d and group sizes, two-sample t test (pooled SD)",
                  reference="borenstein2009introduction", extra={"t": t, "df": df})


def d_from_p(p: float, n1: int, n2: int) -> float:
    """Cohen's d (absolute) that a two-sided two-sample t test P implies for the
    group sizes: the inverse of :func:`p_from_d` (Borenstein et al. 2009 ch. 4)."""
    _check_p(p, "P")
    n1, n2 = _check_group_size("n1", n1), _check_group_size("n2", n2)
    df = n1 + n2 - 2
    return float(sps.t.isf(p / 2, df)) / math.sqrt(n1 * n2 / (n1 + n2))


def _p_t_from_ci(est: float, lo: float, hi: float, df: float, alpha: float) -> float:
    se = (hi - lo) / (2 * float(sps.t.isf(alpha / 2, df)))
    return float(2 * sps.t.sf(abs(est) / se, df))


# --------------------------------------------------------------------------
# 11. effect size and power for a paired t test
# --------------------------------------------------------------------------

def dz_from_p(p: float, n: int) -> Result:
    """Cohen's dz implied by a two-sided paired t-test P with n pairs: t = t.isf(p/2, n-1), dz = t/sqrt(n) (Lakens 2013)."""
    p = _check_p(p)
    n = _check_count("n", n)
    if n < 2:
        raise ValueError(f"a paired t test needs at least 2 pairs, got n = {n}")
    t_obs = float(sps.t.isf(p / 2, n - 1))
    return Result(
        estimate=t_obs / math.sqrt(n),
        p=p,
        method="standardized mean difference of paired data (dz) from a two-sided "
               "paired t-test P",
        reference="lakens2013calculating",
        extra={"t": t_obs, "df": n - 1, "n": n,
               "note": "the sign of dz is not recoverable from P; the magnitude is returned"},
    )


def power_paired(dz: float, n: int, alpha: float = 0.05) -> float:
    """Power of a two-sided paired (one-sample) t test for effect dz with n pairs, via statsmodels TTestPower (Cohen 1988)."""
    alpha = _check_alpha(alpha)
    n = _check_count("n", n)
    if n < 2:
        raise ValueError(f"n must be at least 2, got {n}")
    return float(TTestPower().power(effect_size=dz, nobs=n, alpha=alpha,
                                    alternative="two-sided"))


def n_for_power(dz: float, power: float, alpha: float = 0.05) -> int:
    """Pairs needed for a two-sided paired t test to reach `power` at effect dz, rounded up (statsmodels TTestPower; Cohen 1988)."""
    alpha = _check_alpha(alpha)
    if not 0 < power < 1:
        raise ValueError(f"power must lie strictly between 0 and 1, got {power!r}")
    if dz == 0:
        raise ValueError("dz = 0: no sample size reaches any power above alpha")
    n = float(TTestPower().solve_power(effect_size=abs(dz), nobs=None, alpha=alpha,
                                       power=power, alternative="two-sided"))
    k = math.ceil(n - 1e-9)
    # guard against solver tolerance at the boundary
    while power_paired(dz, k, alpha) < power:
        k += 1
    return max(k, 2)


# --------------------------------------------------------------------------
# 12. multiplicity
# --------------------------------------------------------------------------

_MT_METHODS = {"holm": ("holm", "holm1979simple"), "fdr_bh": ("fdr_bh", "benjamini1995controlling")}


def adjust_pvalues(
    pvals: Mapping[str, float | None],
    method: str,
    alpha: float = 0.05,
    missing: float | None = None,
) -> dict[str, tuple[float, bool]]:
    """Holm (1979) or Benjamini-Hochberg (1995) adjusted P values and rejections.

    Computed here rather than with statsmodels' ``multipletests``, which gives
    the same values (tests/test_stats.py compares them) but runs a full
    garbage collection on every Holm call: about 0.1 s each in a kernel that
    has pandas, scipy and matplotlib loaded."""
    # A P value given as None is an error unless `missing` supplies a value to
    # use in its place, as a sensitivity analysis: 1.0 for "not significant,
    # value unknown", or a value just above alpha for the least favourable
    # not-significant case. statsmodels' adjusted P values are capped at 1.
    if method not in _MT_METHODS:
        raise ValueError(f"method must be one of {sorted(_MT_METHODS)}, got {method!r}")
    alpha = _check_alpha(alpha)
    names = list(pvals)
    if not names:
        raise ValueError("no P values given")
    values = []
    for name in names:
        v = pvals[name]
        if v is None:
            if missing is None:
                raise ValueError(f"P value for {name!r} is missing; pass missing=<value> to "
                                 "run a sensitivity analysis")
            v = missing
        values.append(_check_p(float(v), f"P value for {name!r}"))
    # The same arithmetic as statsmodels, so that a P value on the boundary is
    # rejected or not exactly as there: decisions compare the raw P values
    # with their thresholds; adjusted values are capped at 1.
    m = len(values)
    order = sorted(range(m), key=lambda i: values[i])
    adjusted, reject = [0.0] * m, [False] * m
    if method == "holm":  # step-down: stop at the first p_(k) > alpha / (m - k + 1)
        running, rejecting = 0.0, True
        for rank, i in enumerate(order):
            running = max(running, (m - rank) * values[i])
            adjusted[i] = min(1.0, running)
            rejecting = rejecting and values[i] <= alpha / (m - rank)
            reject[i] = rejecting
    else:  # fdr_bh, step-up: reject up to the largest k with p_(k) <= k alpha / m
        running = math.inf
        last = max((rank for rank in range(1, m + 1) if values[order[rank - 1]] <= rank / m * alpha),
                   default=0)
        for rank in range(m, 0, -1):
            i = order[rank - 1]
            running = min(running, values[i] / (rank / m))
            adjusted[i] = min(1.0, running)
            reject[i] = rank <= last
    return {name: (a, r) for name, a, r in zip(names, adjusted, reject)}


def adjust_pvalues_bounds(
    pvals: Mapping[str, float | None],
    method: str,
    alpha: float = 0.05,
    not_significant_floor: float = 0.051,
) -> dict:
    """Holm (1979) or Benjamini-Hochberg (1995) adjustment of a family in which some P values are unpublished, bounded from both sides.

    A P value given as None is known only to be "not significant". Both
    procedures' adjusted P values are non-decreasing in every raw P value
    (Holm's are running maxima of (m - k + 1) p_(k), BH's running minima of
    m p_(k) / k taken from the top), so the adjustment with every unknown set
    to 1 is the worst case (``'worst'``, the conservative analysis) and with
    every unknown set to the smallest not-significant value
    ``not_significant_floor`` the best case (``'best'``); whatever the unknown
    values were, each published P value's adjusted value lies between the two.
    Under Holm the two coincide for the published P values whenever the
    unknowns rank after them (any unknown at or above the largest published
    P): the published ones then take the largest multipliers, m and m - 1,
    whatever the unknowns are. Under BH setting the unknowns to 1 is what makes
    the published values' adjustment largest; with the unknowns just above
    0.05 the published values borrow the smaller thresholds of the higher
    ranks and adjust to about the floor.
    """
    missing = [k for k, v in pvals.items() if v is None]
    if not missing:
        raise ValueError("no unpublished (None) P value: use adjust_pvalues")
    _check_p(not_significant_floor, "not_significant_floor")
    worst = adjust_pvalues(pvals, method, alpha, missing=1.0)
    best = adjust_pvalues(pvals, method, alpha, missing=not_significant_floor)
    return {"worst": worst, "best": best, "missing": missing, "method": method,
            "alpha": alpha, "not_significant_floor": not_significant_floor,
            "reference": _MT_METHODS[method][1]}


# --------------------------------------------------------------------------
# 13. two independent estimates, replication power, crossover timing
# --------------------------------------------------------------------------

def difference_of_estimates(e1: float, se1: float, e2: float, se2: float,
                            alpha: float = 0.05) -> Result:
    """Test of the difference between two independent estimates, z = (E1 - E2)/sqrt(SE1^2 + SE2^2) (Altman & Bland, BMJ 2003;326:219)."""
    alpha = _check_alpha(alpha)
    for name, se in (("se1", se1), ("se2", se2)):
        if not se > 0 or not math.isfinite(se):
            raise ValueError(f"{name} must be a positive finite standard error, got {se!r}")
    d = float(e1) - float(e2)
    se = math.hypot(se1, se2)
    z = d / se
    crit = float(sps.norm.isf(alpha / 2))
    return Result(
        estimate=d, low=d - crit * se, high=d + crit * se, p=float(2 * sps.norm.sf(abs(z))),
        method="difference between two independent estimates, z test (two-sided)",
        reference="altman2003interaction",
        extra={"se": se, "z": z, "e1": e1, "se1": se1, "e2": e2, "se2": se2, "alpha": alpha,
               "note": "the estimates must be independent (different people) and "
                       "approximately normal on the scale used"},
    )


def replication_power(p: float, n: int, alpha: float = 0.05) -> Result:
    """Power of a new paired trial of the same size to detect the effect a paired t-test P implies ('post hoc power' restated; Hoenig & Heisey 2001; statsmodels TTestPower)."""
    dz = dz_from_p(p, n)
    power = power_paired(dz.estimate, n, alpha)
    return Result(
        estimate=power, p=dz.p,
        method="power of a same-size paired replication, two-sided t test, at the observed dz",
        reference="hoenig2001abuse",
        extra={"dz": dz.estimate, "n": n, "alpha": alpha, "t_observed": dz.extra["t"],
               "software": "statsmodels TTestPower().power(effect_size=dz, nobs=n)",
               "note": "a function of the observed P alone (for given n): P = alpha gives "
                       "about 50 %, so it adds no information to P"},
    )


def condition_end_times(sequences: Mapping[str, Sequence[tuple[str, float]]]) -> dict:
    """Week at which each condition ends in each sequence of a crossover, and the mean over the sequences (counterbalanced design arithmetic)."""
    by_sequence: dict[str, dict[str, float]] = {}
    for seq, phases in sequences.items():
        t = 0.0
        ends: dict[str, float] = {}
        for name, weeks in phases:
            if weeks < 0:
                raise ValueError(f"sequence {seq!r}: phase {name!r} has negative length {weeks!r}")
            t += float(weeks)
            if name in ends:
                raise ValueError(f"sequence {seq!r}: phase {name!r} appears twice")
            ends[name] = t
        by_sequence[seq] = ends
    common = set.intersection(*(set(e) for e in by_sequence.values())) if by_sequence else set()
    mean = {name: sum(e[name] for e in by_sequence.values()) / len(by_sequence)
            for name in sorted(common)}
    return {"by_sequence": by_sequence, "mean": mean}
