"""Words that depend on the data: counts, lists of trials and qualitative judgments.

Every word here that a reader could check against a number is computed by a
documented rule with its threshold named below, so a sentence follows the data
when a trial is added or a number is corrected. Functions are pure: ``Results``
(or a part of it) in, a string or a small value out. Lists of trials come from
the analysis sets in ``R.evidence.sets`` and labels from ``data/studies.csv``;
no study id or name is typed here.

Conventions: Hedges' g is negative when LDN reduced pain more (the report's
scale), so "a benefit" is an interval below zero.
"""
from __future__ import annotations

from . import fmt
from .results import ALPHA

# Cochrane Handbook (Deeks, Higgins & Altman, ch. 10.10.2): a rough guide to I²,
# with overlapping bands "because the importance of I² depends on" other things.
# A value in two bands is named by both ("low to moderate").
I2_BANDS = (("low", 0.0, 0.40), ("moderate", 0.30, 0.60), ("substantial", 0.50, 0.90),
            ("considerable", 0.75, 1.0))
# With fewer trials than this, heterogeneity (τ², I²) is very imprecisely estimated
# (the Handbook's threshold of ten studies for tests that need a spread of trials).
FEW_TRIALS = 10
# Cohen's benchmarks for a standardized difference (Cohen 1988): small 0.2, large 0.8.
SMALL_G, LARGE_G = 0.2, 0.8
# An interval "just" includes (or excludes) zero when its nearer limit lies within
# this share of the interval's width from zero.
JUST = 0.10
# One effect is "much smaller" than another when less than this share of it.
MUCH_SMALLER = 0.5
LATER = "later trials"          # the analysis set of trials published after the post
RANDOMIZED = "randomized"       # the analysis set of every randomized trial


# ------------------------------------------------------------------ intervals ----

def zero_side(low: float, high: float) -> str:
    """Where an interval lies relative to zero: 'above', 'below' or 'includes'."""
    if low > 0:
        return "above"
    if high < 0:
        return "below"
    return "includes"


def is_just(low: float, high: float) -> bool:
    """True when the limit nearer zero lies within JUST of the interval's width from zero."""
    width = high - low
    return width > 0 and min(abs(low), abs(high)) <= JUST * width


def zero_words(low: float, high: float) -> str:
    """What an interval says about zero, for '..., which {words}': 'just includes zero',
    'includes zero', 'lies entirely above zero', 'lies just above zero'."""
    side = zero_side(low, high)
    just = is_just(low, high)
    if side == "includes":
        return "just includes zero" if just else "includes zero"
    return f"lies {'just' if just else 'entirely'} {side} zero"


def is_wide(est: float, low: float, high: float) -> bool:
    """An interval is called wide when it is wider than the estimate is far from zero."""
    return (high - low) > abs(est)


# ---------------------------------------------------------------- trials ----

def study_label(pkg, sid: str) -> str:
    """A study's label from data/studies.csv, as literal text."""
    return fmt.text(pkg.studies.loc[sid, "label"])


def short_label(pkg, sid: str) -> str:
    """The name a sentence uses: the acronym before a colon ('FINAL: Bruun et al. 2024' ->
    'FINAL'), otherwise the whole label."""
    label = str(pkg.studies.loc[sid, "label"])
    return fmt.text(label.split(":")[0] if ":" in label else label)


def trial_n(g) -> int:
    """Participants behind one trial's converted effect (crossover: n; parallel: both groups)."""
    x = g.extra
    if "n" in x:
        return int(x["n"])
    return int(x["n1"]) + int(x["n2"])


def in_set(R, name: str) -> list[str]:
    """The study ids of an analysis set, in the set's order."""
    return list(R.evidence.sets[name])


def later_ids(R) -> list[str]:
    return in_set(R, LATER)


def index_id(R) -> str:
    """The trial the post rests on: the one study whose role is 'index-trial'."""
    st = R.pkg.studies
    ids = list(st.index[st["role"] == "index-trial"])
    if len(ids) != 1:
        raise ValueError(f"data/studies.csv: expected one study with role 'index-trial', found {ids}")
    return ids[0]


def n_later(R) -> int:
    return len(later_ids(R))


def later_count(R) -> str:
    """'three later randomized trials' (the count from the set)."""
    return fmt.count(n_later(R), "later randomized trial")


def larger_than_index(R) -> list[str]:
    """Later trials with more participants than the index trial's analysed n."""
    ev = R.evidence
    n0 = trial_n(ev.trials[index_id(R)])
    return [s for s in later_ids(R) if trial_n(ev.trials[s]) > n0]


def larger_words(R) -> str:
    """'larger' when every later trial is larger than the index trial; otherwise how many are:
    'three randomized trials (two of them larger)'; used as '{count} {larger} randomized trials'."""
    k, big = n_later(R), len(larger_than_index(R))
    if big == k:
        return f"{fmt.words(k)} larger randomized trial{'s' if k != 1 else ''}"
    return (f"{fmt.count(k, 'randomized trial')} ("
            + ("none of them larger" if big == 0 else f"{fmt.words(big)} of them larger") + ")")


def _design_group_words(R, ids) -> str:
    """'a crossover trial of 58 participants (Bested et al. 2023)' / 'two parallel-group trials
    of 99 and 98 participants (FINAL, INNOVA)'."""
    ev, pkg = R.evidence, R.pkg
    by: dict[str, list[str]] = {}
    for s in ids:
        by.setdefault(str(pkg.studies.loc[s, "design"]), []).append(s)
    parts = []
    for design, group in by.items():
        name = {"parallel": "parallel-group"}.get(design, design)
        ns = [fmt.integer(trial_n(ev.trials[s])) for s in group]
        head = f"a {name} trial" if len(group) == 1 else f"{fmt.words(len(group))} {name} trials"
        parts.append(f"{head} of {fmt.join(ns)} participants "
                     f"({', '.join(short_label(pkg, s) for s in group)})")
    return fmt.join(parts)


def results_citation(pkg, sid: str) -> str:
    """The citation of a study's first 'abstract' source in data/sources.csv, '[@key]'."""
    src = pkg.sources
    rows = src[(src["study_id"] == sid) & (src["kind"] == "abstract")]
    if rows.empty:
        rows = src[src["study_id"] == sid]
    if rows.empty:
        raise KeyError(f"data/sources.csv: no source for study '{sid}'")
    return fmt.citation(rows.iloc[0]["bib_key"])


def later_trials_sentence(R) -> str:
    """What has reported since the post, by design, with citations and any trial whose
    results paper is not verified (no DOI in data/studies.csv)."""
    ids, pkg = later_ids(R), R.pkg
    if not ids:
        return "no randomized trial has reported."
    cites = "; ".join("@" + results_citation(pkg, s)[2:-1] for s in ids)
    text = (f"{fmt.count(len(ids), 'randomized trial')} "
            f"{'has' if len(ids) == 1 else 'have'} reported: {_design_group_words(R, ids)} [{cites}]")
    unverified = [short_label(pkg, s) for s in ids
                  if not isinstance(pkg.studies.loc[s, "doi"], str) or not pkg.studies.loc[s, "doi"]]
    if unverified:
        text += (f" ({fmt.join(u + chr(8217) + 's' for u in unverified)} journal, year and DOI "
                 "are not yet verified)")
    return text + "."


def benefit_trials(R, ids) -> list[str]:
    """Trials among ``ids`` whose own interval lies below zero (a benefit of LDN)."""
    return [s for s in ids if R.evidence.trials[s].high < 0]


def later_benefit_words(R) -> str:
    """Whether the later trials showed a benefit on pain, each by its own interval:
    'none of the three later randomized trials showed a benefit on pain (each one's interval
    includes no effect)'; or 'one of the four ... showed a benefit (X, g = ...)'."""
    ids = later_ids(R)
    if not ids:
        return "no randomized trial has reported since"
    hits = benefit_trials(R, ids)
    k = len(ids)
    if not hits:
        lead = ("the later randomized trial did not show" if k == 1 else
                f"none of the {fmt.words(k)} later randomized trials showed")
        # "published or converted": Bested et al. published no interval; theirs is our conversion
        each = ("its published or converted interval includes" if k == 1
                else "each one's published or converted interval includes")
        if any(zero_side(R.evidence.trials[s].low, R.evidence.trials[s].high) == "above" for s in ids):
            each = "no interval lies below"
        return f"{lead} a benefit on pain ({each} no effect)"
    ev = R.evidence
    shown = "; ".join(f"{short_label(R.pkg, s)} g = {fmt.num(ev.trials[s].estimate, 2)}" for s in hits)
    return (f"{fmt.words(len(hits))} of the {fmt.words(k)} later randomized trials "
            f"showed a benefit on pain ({shown})")


# --------------------------------------------------------------- pooling ----

def i2_band(i2: float) -> str:
    """I² in the Cochrane Handbook's overlapping bands: 'moderate', 'low to moderate'."""
    names = [name for name, lo, hi in I2_BANDS if lo <= i2 <= hi]
    return " to ".join([names[0], names[-1]]) if len(names) > 1 else names[0]


def heterogeneity_words(m) -> str:
    """'Heterogeneity is moderate and very imprecisely estimated' (I² from τ², Handbook bands;
    'imprecisely' with fewer than FEW_TRIALS trials)."""
    text = f"Heterogeneity is {i2_band(m.i2_tau2)}"
    if m.k < FEW_TRIALS:
        text += " and very imprecisely estimated"
    return text


def pooled_reading(m) -> str:
    """What a pooled Hartung–Knapp interval says, by Cohen's benchmarks: 'centred near zero,
    and with only three trials unable to rule out a small benefit, though a large one looks
    unlikely'."""
    est, lo, hi = m.estimate, m.hk.low, m.hk.high
    if abs(est) < SMALL_G:
        centre = "centred near zero"
    else:
        centre = f"centred on {'a benefit of LDN' if est < 0 else 'an effect favouring placebo'}"
    few = f"with only {fmt.count(m.k, 'trial')} " if m.k < FEW_TRIALS else ""
    if hi < 0:
        rule = f"{few}showing a benefit"
    elif lo > -SMALL_G:
        rule = f"{few}ruling out even a small benefit"
    else:
        rule = f"{few}unable to rule out a small benefit"
    large = ("though a large one looks unlikely" if lo > -LARGE_G else
             "and not ruling out a large one")
    return f"{centre}, and {rule}, {large}"


def holds_effect_words(m, g: float) -> str:
    """Whether a pooled interval holds an effect as large as ``g`` (the 2013 trial's):
    'an interval wide enough to hold the 2013 effect' or '... that excludes ...'."""
    return ("an interval wide enough to hold the 2013 effect" if m.hk.low <= g <= m.hk.high
            else "an interval that excludes the 2013 effect")


def no_clear_benefit(m) -> bool:
    """A pooled estimate shows no clear benefit when its Hartung–Knapp interval reaches zero."""
    return m.hk.high >= 0


def later_verdict_words(R) -> str:
    """'did not show a benefit on average' / 'showed a benefit on average' (later pool, HK)."""
    m = R.evidence.pooled[LATER]
    return "did not show a benefit on average" if no_clear_benefit(m) else "showed a benefit on average"


def much_smaller(g: float, ref: float) -> bool:
    """``g`` is much smaller than ``ref`` in the direction of benefit (less than MUCH_SMALLER of it)."""
    return g / ref < MUCH_SMALLER if ref else False


def carried_by(R) -> list[str]:
    """Trials (in any analysis set) whose own interval lies below zero: who carries a benefit."""
    ids = list(dict.fromkeys(s for ids in R.evidence.sets.values() for s in ids))
    return benefit_trials(R, ids)


def near_null(g) -> bool:
    """A trial is close to null when its estimate is smaller than a small effect."""
    return abs(g.estimate) < SMALL_G


# ------------------------------------------------------------- responders ----

_SHORT_TESTS = {"chi2": "Pearson \u03c7\u00b2", "chi2_cc": "\u03c7\u00b2 with Yates",
                "fisher": "two-sided Fisher", "fisher_greater": "one-sided Fisher"}


def unpaired_tests(rs) -> list:
    """The unpaired tests of the responder counts (rows of rs.tests_rounding)."""
    return [t for t in rs.tests_rounding if t.design == "unpaired"]


def matching_unpaired(rs) -> list:
    return [t for t in unpaired_tests(rs) if t.rounds]


def matching_paired_splits(rs) -> list[int]:
    return sorted({t.a for t in rs.tests_rounding if t.design == "paired" and t.rounds})


def published_p_words(rs) -> str:
    """What reproduces the published responder P, for 'the published P {words}':
    'matches only tests that treat the two periods as separate groups', 'matches no common
    test', or 'matches tests of both kinds'."""
    unp, pai = matching_unpaired(rs), matching_paired_splits(rs)
    if not unp and not pai:
        return "matches no common test, paired or unpaired"
    if unp and not pai:
        return "matches only tests that treat the two periods as separate groups"
    if pai and not unp:
        return "matches only paired tests, and only for some splits the abstract does not give"
    return "matches tests that treat the two periods as separate groups and, for some splits, paired tests"


def unpaired_p_words(rs) -> str:
    """Which unpaired tests give the published P and what the others give: 'Pearson χ² and
    one-sided Fisher give 0.05; χ² with Yates 0.10, two-sided Fisher 0.10'."""
    pub = fmt.as_published(rs.reported_p)
    hit = [_SHORT_TESTS.get(t.key, t.test) for t in matching_unpaired(rs)]
    by_p: dict[str, list[str]] = {}
    for t in unpaired_tests(rs):
        if not t.rounds:
            by_p.setdefault(fmt.p(t.p), []).append(_SHORT_TESTS.get(t.key, t.test))
    miss = [f"{fmt.join(names)} {p}" for p, names in by_p.items()]
    head = f"{fmt.join(hit)} give{'s' if len(hit) == 1 else ''} {pub}" if hit else \
        f"no common unpaired test gives {pub}"
    return head + (f"; {', '.join(miss)}" if miss else "")


def paired_undetermined(rs) -> bool:
    """The paired result is undetermined when, under the McNemar version in force, some
    possible splits give P below alpha and others not."""
    return 0 < rs.headline.below_alpha < rs.n_splits


def paired_side_words(rs) -> str:
    """'could land on either side of 0.05' / 'lies below 0.05 for every split' / 'above'."""
    a = fmt.as_published(ALPHA)
    if paired_undetermined(rs):
        return f"could land on either side of {a}"
    return f"lies {'below' if rs.headline.below_alpha else 'above'} {a} for every possible split"


def fragility_words(rs) -> str:
    """How many responders would change the two-sided Fisher result (Walsh's fragility index, or
    the reverse index when P >= alpha): 'one placebo responder fewer would make it significant'."""
    f = rs.fragility
    x = f.extra
    if f.estimate is None or "group_modified" not in x:
        return "no change of a few responders in one condition would move it across " + \
            fmt.as_published(ALPHA)
    k = int(f.estimate)
    arm = "LDN" if x["group_modified"] == 1 else "placebo"
    more = "fewer" if x["change"].startswith("event") else "more"
    who = f"{fmt.words(k)} {arm} responder{'s' if k != 1 else ''} {more}"
    effect = "make it significant" if x["kind"] == "reverse fragility index" else "make it non-significant"
    return f"{who} would {effect}"


def significance_word(p: float) -> str:
    return "significant" if p < ALPHA else "not significant"


def kept_after_adjustment(sec) -> list[str]:
    """Secondary outcomes reported significant that stay below alpha after Holm across the family."""
    return [n for n in ("satisfaction with life", "mood") if sec.holm4[n][1]]


def adjustment_words(sec) -> str:
    """'Satisfaction with life and mood do not stay below 0.05 once the four secondary outcomes
    are adjusted for' (Holm, unknown P at 1), or which of them does."""
    names = [n for n in ("satisfaction with life", "mood") if sec.reported[n] < ALPHA]
    a = fmt.as_published(ALPHA)
    fam = f"once the {fmt.words(sec.n_secondary)} secondary outcomes are adjusted for"
    if not names:
        return f"Neither satisfaction with life nor mood was below {a} even before adjustment"
    kept = [n for n in names if sec.holm4[n][1]]
    lost = [n for n in names if n not in kept]
    parts = []
    if lost:
        parts.append(f"{fmt.capital(fmt.join(lost))} {'does' if len(lost) == 1 else 'do'} not stay below {a} {fam}")
    if kept:
        parts.append(f"{fmt.join(kept) if parts else fmt.capital(fmt.join(kept))} "
                     f"{'stays' if len(kept) == 1 else 'stay'} below {a} {fam}")
    return "; ".join(parts)


def small_pool_text(m, digits: int = 2) -> str:
    """A pooled estimate of very few trials: with two, the Hartung-Knapp interval rests on one
    degree of freedom and is too wide to read, so the estimate is given without it."""
    if m.k > 2:
        return (f"g = {fmt.num(m.estimate, digits)} (95% CI {fmt.ci(m.hk.low, m.hk.high, digits)}, "
                "Hartung\u2013Knapp)")
    return (f"g = {fmt.num(m.estimate, digits)}, whose Hartung\u2013Knapp interval, resting on "
            f"{fmt.count(m.k - 1, 'degree')} of freedom, is too wide to be evidence either way")


def splits_through_infinity(rs) -> list:
    """The possible splits whose paired NNT interval runs through infinity: those whose
    Newcombe paired interval for the responder difference includes zero."""
    return [s for s in rs.splits if s.ci.low <= 0 <= s.ci.high]


def paired_nnt_words(rs) -> str:
    """How the paired NNT interval (Newcombe's paired interval, one per possible split) relates
    to infinity: 'it runs through infinity for two of the four possible splits and stays on the
    side of benefit for the other two (NNTB 5 (2 to 88) ... )'."""
    through = splits_through_infinity(rs)
    benefit = [s for s in rs.splits if s.ci.low > 0]
    harm = [s for s in rs.splits if s.ci.high < 0]
    n = rs.n_splits
    if len(through) == n:
        return f"it runs through infinity for each of the {fmt.words(n)} possible splits"
    if not through:
        side = "benefit" if len(benefit) == n else "harm" if len(harm) == n else "benefit or harm"
        return f"it stays on the side of {side} for each of the {fmt.words(n)} possible splits"
    other = benefit or harm
    side = "benefit" if benefit else "harm"
    widest = other[0] if other[0].a < other[-1].a else other[-1]
    return (f"it runs through infinity for {fmt.words(len(through))} of the {fmt.words(n)} possible "
            f"splits and stays on the side of {side} for the other {fmt.words(len(other))}, those with "
            f"{fmt.join([str(s.a) for s in other])} women responding on both (the wider of these: "
            f"{widest.nnt_text})")


# ---------------------------------------------------------------- design ----

def ratio_words(des) -> str:
    """How long placebo lasted beside LDN, in words: 'a third as long'."""
    return fmt.ratio(des.placebo_share, "long")


def n_unpublished(sec) -> int:
    """Secondary outcomes reported only as 'not improved' (no P published)."""
    return sum(p is None for p in sec.family4.values())


def n_reported(sec) -> int:
    """Outcomes with a published P (pain included): the reported-only family."""
    return len(sec.reported)


# ------------------------------------------------------- sentence pieces ----

FRAGILE_AT = 2  # a result is called fragile when changing this many outcomes or fewer moves it across alpha


def is_fragile(rs) -> bool:
    """Fragile: the paired P is undetermined, or at most FRAGILE_AT outcome changes (Fisher's
    fragility or reverse fragility index, or the paired index for the test in force) move P."""
    f = rs.fragility.estimate
    paired_most = rs.paired_fragility[rs.headline.test]["max"]
    return (paired_undetermined(rs) or (f is not None and f <= FRAGILE_AT)
            or (paired_most is not None and paired_most <= FRAGILE_AT))


def fragile_everywhere(rs) -> bool:
    """Fragile by Fisher's test and by the paired test in force alike."""
    f = rs.fragility.estimate
    paired_most = rs.paired_fragility[rs.headline.test]["max"]
    return (f is not None and f <= FRAGILE_AT) and (paired_most is not None and paired_most <= FRAGILE_AT)


def paired_state(rs) -> str:
    """'cannot be determined from the published data' or where every split puts the paired P."""
    return ("cannot be determined from the published data" if paired_undetermined(rs)
            else paired_side_words(rs))


def have(n: int) -> str:
    return "has" if int(n) == 1 else "have"


def period_words(des) -> str:
    """The unequal periods and what follows from them: 'the placebo condition was a third as long
    as the drug condition, so its end point came earlier in the study, which favours LDN if
    symptoms ease with time on study'."""
    if des.weeks_placebo == des.weeks_ldn:
        return "the two conditions lasted equally long"
    text = f"the placebo condition was {ratio_words(des)} as the drug condition"
    if des.endpoint_gap_weeks > 0:
        text += (", so on average over the two sequences its end point came earlier in the study, "
                 "which favours LDN if symptoms ease with time on study")
    return text


def later_pool_sentence(R) -> str:
    """The verdict's tail: 'the larger trials since have not confirmed a benefit that patients
    would notice', or what they did show."""
    later = R.evidence.pooled[LATER]
    k = n_later(R)
    if k == 0:
        return "no randomized trial has tested it since"
    who = "the larger trials since" if len(larger_than_index(R)) == k else "the trials since"
    if no_clear_benefit(later):
        return f"{who} have not confirmed a benefit that patients would notice"
    return f"{who} show a benefit on average (pooled g = {fmt.num(later.estimate, 2)})"


def pain_interval_words(pain) -> str:
    """'The interval lies entirely above zero: the data favour LDN, by anything from a little to a
    fair amount.' or what it says otherwise."""
    lo, hi = pain.ci_t.low, pain.ci_t.high
    side = zero_side(lo, hi)
    text = f"The interval {zero_words(lo, hi)}"
    if side == "above":
        return text + ": the data favour LDN, by anything from a little to a fair amount."
    if side == "below":
        return text + ": the data favour placebo."
    return text + ": the data are compatible with no difference."


def final_words(R) -> str:
    """FINAL's own interval against the 2013 effect, read as the report does."""
    f = R.evidence.final_includes_2013
    ci = fmt.ci(f.final_low, f.final_high, 2)
    if f.includes:
        text = (f"Nor did FINAL simply \u201cfind no benefit\u201d: its own interval for g, {ci}, includes "
                "the 2013 effect")
        return text + ("; what it does is make a large benefit unlikely." if f.final_low > -LARGE_G
                       else ", and does not rule out a large benefit either.")
    return f"FINAL's own interval for g, {ci}, excludes the 2013 effect."


def replication_words(R) -> str:
    """'both found much smaller effects' for the trials the power sentence names (Bested and FINAL)."""
    ev = R.evidence
    g13 = ev.g13.estimate
    named = [s for s in ("final2024", "bested2023") if s in ev.trials]
    smaller = [s for s in named if much_smaller(ev.trials[s].estimate, g13)]
    if len(smaller) == len(named) == 2:
        return "both found much smaller effects"
    if not smaller:
        return "neither found a much smaller effect"
    return f"{fmt.join(short_label(R.pkg, s) for s in smaller)} found a much smaller effect"


def carried_sentence(R) -> str:
    """Which trials carry the benefit (own interval below zero), and any crossover close to null."""
    ev, pkg = R.evidence, R.pkg
    carriers = carried_by(R)
    if not carriers:
        return "No single trial's own interval lies below zero."
    text = f"The benefit is carried by {fmt.join(study_label(pkg, s) for s in carriers)}"
    crossovers = [s for s in dict.fromkeys(x for ids in ev.sets.values() for x in ids)
                  if s not in carriers and pkg.studies.loc[s, "design"] == "crossover"
                  and near_null(ev.trials[s])]
    if crossovers:
        text += (", not by crossover trials as such: "
                 + fmt.join(f"the {short_label(pkg, s)} crossover" for s in crossovers)
                 + f" {'is' if len(crossovers) == 1 else 'are'} close to null")
    return text + "."


def grim_fit_words(R, *, start: bool = True, responders: bool = True) -> str:
    """Which analysed n in the range checked fit both responder percentages: 'From n = 20 to
    31, only n = 28 fits both, with 9 and 3 responders', or 'from n = 20 to 31, n = 22 or 28
    fit both; at n = 28 there are 9 and 4 responders' (``start``: begins a sentence;
    ``responders``: add the counts at the n in force). The range is named because the claim
    holds only within it (issue 23: n = 19 also fits the published percentages)."""
    fits = list(R.grim.fits)
    rs = R.responders
    span = f"{'From' if start else 'from'} n = {R.grim.ns[0]} to {R.grim.ns[-1]}, "
    if len(fits) == 1:
        text = f"{span}only n = {fits[0]} fits both"
        return text + (f", with {rs.x_ldn} and {rs.x_pbo} responders" if responders else "")
    text = f"{span}n = {fmt.join(map(str, fits), conj='or')} fit both"
    return text + (f"; at n = {R.n} there are {rs.x_ldn} and {rs.x_pbo} responders" if responders else "")


def grim_match_words(R) -> str:
    """Whether the analysed n matches the registry's baseline table and the conference completers."""
    g = R.grim
    same = [f"the registry's baseline table ({g.registry_baseline} women)" if g.registry_baseline == R.n else None,
            f"the completers in the conference report ({g.conference_completers})"
            if g.conference_completers == R.n else None]
    same = [x for x in same if x]
    several = len(g.fits) > 1
    if same and several:
        return (f"Of these, n = {R.n} matches {fmt.join(same)}, so we use it below (an assumption, "
                "stated in the box at the top); it remains an inference.")
    if same:
        return f"It matches {fmt.join(same)}, so we use n = {R.n} below; it remains an inference."
    return (f"{'n = ' + str(R.n) + ' matches' if several else 'It matches'} neither the registry's "
            f"baseline table ({g.registry_baseline} women) nor the completers in the conference report "
            f"({g.conference_completers}); we use n = {R.n} below"
            + (" (an assumption, stated in the box at the top)" if several else "") + ", an inference.")


def nominal_words(sec) -> str:
    """Unadjusted, which of satisfaction with life and mood are nominally significant."""
    names = [n for n in ("satisfaction with life", "mood") if sec.reported[n] < ALPHA]
    if len(names) == 2:
        return "both are nominally significant, but neither has been replicated"
    if not names:
        return "neither is significant even unadjusted"
    return f"only {names[0]} is nominally significant, and it has not been replicated"


def assumptions_words() -> str:
    """'Two numbers the papers do not give are assumed, and one choice of test is made', counted
    from results.ASSUMPTIONS (a number is an assumed value, a string a choice)."""
    from .results import ASSUMPTIONS
    numbers = sum(not isinstance(d, str) for d, _, _ in ASSUMPTIONS.values())
    choices = len(ASSUMPTIONS) - numbers
    text = f"{fmt.capital(fmt.count(numbers, 'number'))} the papers do not give {'is' if numbers == 1 else 'are'} assumed"
    if choices:
        text += f", and {fmt.count(choices, 'choice')} of test {'is' if choices == 1 else 'are'} made"
    return text


def more_or_less(diff: float) -> str:
    """'more' when LDN reduced pain more than placebo (a positive difference in reduction)."""
    return "more" if diff > 0 else "no more"


def splits_below_words(k: int, n: int) -> str:
    """'two of the four possible splits give', 'one of the five possible splits gives',
    'none of the five possible splits gives' (followed by 'P below 0.05')."""
    k, n = int(k), int(n)
    if k == 0:
        return f"none of the {fmt.words(n)} possible splits gives"
    if k == n:
        return f"{'the only possible split gives' if n == 1 else 'all ' + fmt.words(n) + ' possible splits give'}"
    return f"{fmt.words(k)} of the {fmt.words(n)} possible splits give{'s' if k == 1 else ''}"
