"""Clinical importance: the pain results set against the IMMPACT thresholds for
chronic-pain trials (Dworkin et al. 2008), which are published numbers in
``data/numbers.csv`` (``imm.*``). The thresholds describe a reduction of pain
within a patient, from baseline: about 10 to 20% at least minimally important,
30% or more moderately important, 50% or more substantial."""
from __future__ import annotations

from types import SimpleNamespace

from . import fmt

REFERENCE = "dworkin2008interpreting"


def thresholds(pkg) -> SimpleNamespace:
    """The IMMPACT thresholds (percent reduction of pain intensity) from the data."""
    v = pkg.value
    return SimpleNamespace(minimal_low=v("imm.pain-reduction.minimal-low"),
                           minimal_high=v("imm.pain-reduction.minimal-high"),
                           moderate=v("imm.pain-reduction.moderate"),
                           substantial=v("imm.pain-reduction.substantial"))


def band(reduction: float, t: SimpleNamespace) -> str:
    """Where a percent reduction of pain falls among the IMMPACT thresholds (Dworkin et al. 2008)."""
    if reduction >= t.substantial:
        return "substantial"
    if reduction >= t.moderate:
        return "moderately important"
    if reduction > t.minimal_high:
        return "more than minimally important, short of moderately important"
    if reduction >= t.minimal_low:
        return "minimally important"
    return "below what is minimally important"


def anchor(pain, pkg) -> SimpleNamespace:
    """The 2013 pain result in IMMPACT's terms: each condition's mean reduction,
    and the difference between conditions with its recovered interval."""
    t = thresholds(pkg)
    lo, hi = pain.ci_t.low, pain.ci_t.high
    rng = f"{fmt.integer(t.minimal_low)} to {fmt.integer(t.minimal_high)}%"
    if hi < t.minimal_low:
        diff_words = "all of its interval below what IMMPACT counts as minimally important"
    elif lo >= t.minimal_low:
        diff_words = f"all of its interval at least minimally important ({rng} or more)"
    else:
        diff_words = (f"at the lower end of the {rng} that IMMPACT counts as minimally important, "
                      "with an interval from a trivial to a minimally important difference"
                      if t.minimal_low <= pain.diff <= t.minimal_high else
                      f"with an interval that reaches from below to within the {rng} that "
                      "IMMPACT counts as minimally important")
    return SimpleNamespace(thresholds=t, range_text=rng, ldn_band=band(pain.ldn, t),
                           placebo_band=band(pain.placebo, t), diff_words=diff_words,
                           reference=REFERENCE)
