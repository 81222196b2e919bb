"""Verdicts on the article's claims: our judgments, each with the evidence behind it.

The claims themselves (paraphrased, one claim per row) are data in
``data/claims.csv``; the verdicts are appraisal, so they live in code, and every
number in their evidence text comes from ``Results`` through ``analysis.fmt``.
Each verdict has a label, a one-line reason (for the handout) and the evidence
(for the report). A label must be one of ``VERDICTS`` and must agree with its
evidence: tests/test_results.py checks the labels and that no row bundles two.

Each label comes from a rule written beside its claim in :func:`verdicts`, so a
label cannot outlive the numbers that support it. Most rules are computed from
``Results`` (``RULES`` says each in words). Where a verdict is a human judgment
that numbers cannot decide, ``JUDGED_ON`` records the published numbers (and the
later trials) it rests on at the time of judgment, and :func:`stale_judgments`
(called by the data check) names every judgment whose numbers have changed since.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import clinical, fmt, words as W
from .results import ALPHA

SUPPORTED = "supported"
PARTLY = "partly supported"
NOT_SUPPORTED = "not supported"
OUT_OF_DATE = "out of date"  # true when written, overtaken by later evidence
NOT_TESTABLE = "not testable from published data"  # no published study could confirm or refute it
NOT_ASSESSED = "not assessed in this review"  # outside what this review looked at (other diseases)
VERDICTS = (SUPPORTED, PARTLY, NOT_SUPPORTED, OUT_OF_DATE, NOT_TESTABLE, NOT_ASSESSED)
# Labels the handout gathers into one row each (their reasons are in the report).
GROUPED_LABELS = (NOT_TESTABLE, NOT_ASSESSED)


@dataclass(frozen=True)
class Verdict:
    claim_id: str
    section: str
    short: str
    claim: str
    claimed: str      # the post's own figure, formatted ("" when it gives none)
    verdict: str
    reason: str       # one line, for the handout
    evidence: str     # the numbers behind the verdict, for the report


def _p(x):
    return fmt.p(x, prefix=True)


def _claimed(row) -> str:
    value, unit = row.get("claimed_value"), row.get("claimed_unit") or ""
    try:
        missing = value is None or value != value  # NaN
    except TypeError:
        missing = False
    if missing or value == "":
        return ""
    text = fmt.num(float(value), fmt.decimals(float(value)))
    return text + "%" if unit == "percent" else fmt.with_unit(text, float(value), unit)


_TEST_NAMES = {"chi2": "Pearson's chi-squared test without continuity correction",
               "chi2_cc": "the chi-squared test with Yates's correction",
               "fisher": "Fisher's exact test (two-sided)",
               "fisher_greater": "Fisher's exact test, one-sided"}


def rounding_words(rs) -> str:
    """Which tests round to the published responder P, in words: "Pearson's ... (0.051)
    and Fisher's exact test, one-sided (0.0505)", then the paired splits that do; "no common
    test" when none does (never an empty list joined into a sentence)."""
    hits = [t for t in rs.tests_rounding_to_published]
    names = [f"{_TEST_NAMES.get(t.key, t.test)} ({fmt.p_exact(t.p, 4 if t.p < 0.1 else 3)})"
             for t in hits if t.design == "unpaired"]
    paired = sorted({t.a for t in hits if t.design == "paired"})
    if not names and not paired:
        return "no common test"
    text = fmt.join(names) if names else "none of the unpaired tests"
    if paired:
        text += f"; of the paired tests only some splits do ({', '.join(map(str, paired))} concordant)"
    return text


def rounding_design_words(rs) -> str:
    """', both unpaired' / ', unpaired' after the list of matching tests; '' when none or mixed."""
    unp = [t for t in rs.tests_rounding_to_published if t.design == "unpaired"]
    if not unp or len(unp) != len(rs.tests_rounding_to_published):
        return ""
    return {1: ", unpaired", 2: ", both unpaired"}.get(len(unp), ", all unpaired")


def paired_range(rs) -> tuple[float, float]:
    """The smallest and largest paired (McNemar) P over every possible split and the
    exact, mid-p and asymptotic versions of the test."""
    ps = [p for sp in rs.splits for p in (sp.exact, sp.midp, sp.asymptotic)]
    return min(ps), max(ps)


def paired_headline_words(rs) -> str:
    """The headline paired responder P: the range under the McNemar version in force
    (a parameter) over the possible splits, then the range over every version."""
    h = rs.headline
    lo, hi = paired_range(rs)
    return (f"by the {h.name} McNemar test it lies between {fmt.p(h.low)} and {fmt.p(h.high)}, "
            f"depending on an unpublished split, and between {fmt.p(lo)} and {fmt.p(hi)} across the "
            "versions of the test")


def paired_fragility_words(rs, alpha: float) -> str:
    """How few women's outcomes move the paired P across alpha, for the test in force."""
    h = rs.headline
    most = int(rs.paired_fragility[h.test]["max"])
    who = "one woman's outcome" if most == 1 else f"the outcomes of at most {fmt.words(most)} women"
    return (f"by the paired {h.name} test, for every possible split, a change in {who} moves P across "
            f"{fmt.as_published(alpha)}")


def pooled_text(m, digits: int = 2) -> str:
    """A pooled estimate with the Hartung-Knapp interval the report relies on: 'g = −0.08 (95% CI
    −0.53 to 0.38, Hartung-Knapp)'."""
    return f"g = {fmt.num(m.estimate, digits)} (95% CI {fmt.ci(m.hk.low, m.hk.high, digits)}, Hartung\u2013Knapp)"


# ------------------------------------------------------------ judgments ----

# Verdicts that are a human judgment the numbers cannot decide: the published numbers
# each rests on, with their values when it was judged, and the later trials it
# weighed (by study_id, from data/studies.csv role 'later-trial'). When any of them
# changes, stale_judgments() says which claim to re-read; after re-judging, update
# the values here (and the verdict in verdicts() if it changes).
LATER_TRIALS_JUDGED = ("bested2023", "final2024", "innova")
JUDGED_ON: dict[str, dict] = {
    "c02": {"numbers": {"yz09.n.fibromyalgia.all": 10.0, "yz09.dose.all": 50.0},
            "why": "one small single-dose laboratory study speaks against it"},
    "c03": {"numbers": {}, "why": "mechanism, not assessed in this review"},
    "c05": {"numbers": {"y13.conf.tolerability.ldn": 89.2, "y13.conf.tolerability.placebo": 89.4,
                        "fin.ae.ldn": 84.0, "fin.ae.placebo": 86.0, "inv.ae.ldn": 68.8,
                        "inv.ae.placebo": 72.0},
            "later trials": True, "why": "whether side effects are 'fairly benign'"},
    "c06": {"numbers": {}, "later trials": True, "why": "no trial compared LDN with standard drugs"},
    "c07": {"numbers": {}, "later trials": True, "why": "no controlled study measured it"},
    "c15": {"numbers": {}, "why": "clinical impressions are not trial evidence"},
    "c16": {"numbers": {}, "later trials": True, "why": "no trial measured brain inflammation"},
    "c17": {"numbers": {}, "why": "no trial in other diseases cited"},
    "c20": {"numbers": {"y13.outcomes.secondary.count": 4.0},
            "why": "fatigue 'not improved' is text, not a number"},
    "c21": {"numbers": {"y13.outcomes.secondary.count": 4.0, "y13.mood.p": 0.039},
            "why": "whether the post's 'not formally tested' fits a secondary outcome"},
    "c22": {"numbers": {"y13.conf.headache.ldn": 16.0, "y13.conf.headache.placebo": 3.0,
                        "fin.ae.ldn": 84.0, "fin.ae.placebo": 86.0},
            "later trials": True, "why": "whether side effects are 'not dangerous'"},
    "c23": {"numbers": {}, "later trials": True, "why": "no source reports the time course"},
    "c24": {"numbers": {"fin.ae.ldn": 84.0, "fin.ae.placebo": 86.0, "inv.ae.ldn": 68.8,
                        "inv.ae.placebo": 72.0},
            "later trials": True, "why": "a recommendation weighs small harms against a small benefit"},
    "c25": {"numbers": {"fin.ae.ldn": 84.0, "fin.ae.placebo": 86.0},
            "later trials": True, "why": "a recommendation weighs small harms against a small benefit"},
    "c26": {"numbers": {}, "later trials": True, "why": "no trial in ME/CFS"},
}


def stale_judgments(pkg) -> list[str]:
    """Judgment verdicts whose published numbers, or whose set of later trials, changed since
    they were judged: one message per claim, naming the file, the row and what to do."""
    st = pkg.studies
    later_now = tuple(st.index[st["role"] == "later-trial"])
    out = []
    for cid, basis in JUDGED_ON.items():
        where = f"data/claims.csv row {cid} (verdict judged in analysis/claims.py JUDGED_ON['{cid}'])"
        if cid not in pkg.claims.index:
            out.append(f"{where}: the claim is no longer in data/claims.csv; remove its JUDGED_ON entry")
            continue
        changed = []
        for nid, was in basis["numbers"].items():
            try:
                now = float(pkg.value(nid))
            except KeyError:
                changed.append(f"{nid} is no longer in data/numbers.csv")
                continue
            if now != was:
                changed.append(f"{nid} was {fmt.as_published(was)} when judged, now {fmt.as_published(now)}")
        if basis.get("later trials") and later_now != LATER_TRIALS_JUDGED:
            added = [s for s in later_now if s not in LATER_TRIALS_JUDGED]
            gone = [s for s in LATER_TRIALS_JUDGED if s not in later_now]
            changed.append("the later trials changed since it was judged"
                           + (f" (added: {', '.join(added)})" if added else "")
                           + (f" (removed: {', '.join(gone)})" if gone else ""))
        if changed:
            out.append(f"{where}: a human judgment ({basis['why']}) rests on numbers that changed: "
                       + "; ".join(changed) + ". Re-read the claim, confirm or change its verdict, "
                       "and record the new values in JUDGED_ON.")
    return out


# How each verdict is decided, in words (the rule in verdicts() does exactly this).
RULES = {
    "c01": "computed: out of date while the later trials' pooled Hartung-Knapp interval reaches "
           "zero ('possibly' fitted one small positive trial when written); partly supported if it "
           "shows a benefit",
    "c08": "computed: supported if the placebo period was shorter than the LDN period in a "
           "double-blind trial",
    "c09": "computed: supported if the published pain P is below alpha with less pain on LDN",
    "c10": "computed: supported if kept after Holm across the secondary outcomes, partly if only "
           "nominally below alpha, not supported otherwise",
    "c11": "computed, as c10", "c19": "computed, as c10",
    "c12": "computed: supported if every possible split gives a paired P below alpha, partly if "
           "more responded on LDN, not supported otherwise",
    "c13": "computed: supported if vivid dreams were more common on LDN than on placebo and than "
           "headache on LDN",
    "c14": "computed: out of date once a later randomized trial exists",
    "c18": "computed: supported if the later trials' pool shows a benefit; otherwise partly if the "
           "2013 net responder difference's paired interval (Newcombe) excludes zero for at least one "
           "possible split, not supported if it includes zero for every split",
    "c04": "computed, as c18 (a meaningful share is a net share: LDN minus placebo)",
}
RULES.update({cid: "judgment: " + b["why"] for cid, b in JUDGED_ON.items()})


def verdict_of(R, claim_id: str) -> str:
    """The verdict label of one claim (for a sentence that quotes it)."""
    return next(v.verdict for v in verdicts(R) if v.claim_id == claim_id)


def _secondary_verdict(sec, name: str) -> str:
    if sec.reported[name] >= ALPHA:
        return NOT_SUPPORTED
    return SUPPORTED if sec.holm4[name][1] else PARTLY


def verdicts(R) -> list[Verdict]:
    """One verdict per claim in ``data/claims.csv``, in file order; each label from its rule."""
    rs, pain, sec, ev, des, bl = R.responders, R.pain, R.secondary, R.evidence, R.design, R.blinding
    cl = clinical.anchor(pain, R.pkg)
    v = R.pkg.value
    later = ev.pooled["later trials"]
    lo_p, hi_p = paired_range(rs)
    holm = sec.holm4
    k_later = W.n_later(R)
    no_benefit_later = W.no_clear_benefit(later)
    not_later = W.later_benefit_words(R)
    larger = "larger " if len(W.larger_than_index(R)) == k_later else ""
    later_short = (f"{larger}later trials did not show a benefit" if no_benefit_later
                   else f"{larger}later trials showed a benefit on average")
    rd = fmt.ci(100 * rs.rd.low, 100 * rs.rd.high, 1)
    n_sec = fmt.words(sec.n_secondary)
    pain_sig = pain.p < ALPHA and pain.diff > 0

    # c01: a "possible major breakthrough" against the later trials' pool
    c01 = (OUT_OF_DATE if no_benefit_later else PARTLY)
    # c12: more responders on LDN; the paired result decides how far
    if rs.x_ldn <= rs.x_pbo:
        c12 = NOT_SUPPORTED
    elif rs.headline.below_alpha == rs.n_splits:
        c12 = SUPPORTED
    else:
        c12 = PARTLY
    matched = rounding_words(rs)
    fragile = W.paired_undetermined(rs) or (rs.fragility.estimate is not None and rs.fragility.estimate <= 2)
    c12_reason = ("quoted accurately; the P value is "
                  + ("fragile and " if fragile else "")
                  + ("probably unpaired" if W.matching_unpaired(rs) and not W.matching_paired_splits(rs)
                     else "matched by no common test" if matched == "no common test"
                     else "of unknown test"))
    c13 = SUPPORTED if (bl.dreams_ldn > bl.dreams_pbo and bl.dreams_ldn >= bl.headache_ldn) else NOT_SUPPORTED
    # c04 and c18 claim a net benefit in a share of patients (LDN minus placebo, a causal
    # claim): supported once the later trials' pool shows a benefit; partly if only the 2013
    # net responder difference shows one, by the paired interval the crossover calls for
    # (it depends on an unpublished split: partly if any split's interval excludes zero);
    # not supported if no split's does.
    net_splits = sum(s.ci.low > 0 for s in rs.splits)
    net_shown = net_splits > 0
    net_words = (f"the net gain's paired interval excludes zero for {fmt.words(net_splits)} of the "
                 f"{fmt.words(len(rs.splits))} possible splits" if net_shown
                 else "the net gain's paired interval includes zero for every possible split")
    c_share = (SUPPORTED if not no_benefit_later else PARTLY if net_shown else NOT_SUPPORTED)
    c18 = c_share
    sizes = fmt.join([fmt.integer(W.trial_n(ev.trials[s])) for s in W.later_ids(R)]) if k_later else ""
    placebo_much = clinical.much_on_placebo(pain)
    replicated = ("Not replicated by the later trials." if no_benefit_later
                  else "The later trials pooled also show a benefit.")

    judged = {
        "c01": (c01, "‘possibly’ fitted one small positive trial; " + later_short,
                f"True when written, as a 'possibly': one crossover trial of {des.randomized} women "
                f"(analysed n probably {R.n}) and its pilot had found less pain on LDN; since then "
                f"{not_later}, and the later randomized trials pool to {pooled_text(later)}."),
        "c02": (NOT_SUPPORTED, "a single dose did not change pain sensitivity (weak evidence)",
                f"In a small randomized, double-blind laboratory crossover by the same first author, a single "
                f"{fmt.as_published(v('yz09.dose.all'))} mg dose of naltrexone did not change experimental "
                f"pain sensitivity in {fmt.integer(v('yz09.n.fibromyalgia.all'))} women with fibromyalgia "
                "[PLoS One 2009]. Weak evidence: one dose, laboratory pain rather than daily pain, and few "
                "women; no study tested daily use at that dose."),
        "c03": (NOT_ASSESSED, "a mechanism; this review looked at the pain effect",
                "That low doses spare the body's opioids is a mechanism this review did not assess (none "
                f"of the trials here tested it); whether low doses reduce pain is what the trials asked (below). A dose-finding study put the dose "
                f"estimated to be effective in half of the women (ED50) at {fmt.num(v('df20.ed50'), 2)} mg."),
        "c04": (c_share, f"{fmt.pct(rs.pct_ldn)} responded on LDN, {fmt.pct(rs.pct_pbo)} on placebo; "
                         + ("the net gain depends on an unpublished split" if net_shown and net_splits < len(rs.splits)
                            else "the net gain's interval excludes zero" if net_shown
                            else "the net gain's interval includes zero"),
                f"Composite responders: {fmt.pct(rs.pct_ldn)} on LDN vs {fmt.pct(rs.pct_pbo)} on placebo, a net "
                f"difference of {fmt.num(100 * rs.rd.estimate, 1)} points (95% CI {rd} if the periods were "
                f"separate groups; {net_words}); the conference report "
                f"gives {fmt.pct(v('y13.conf.much-improved.ldn'))} much improved after LDN and "
                f"{fmt.pct(v('y13.conf.pain-30pct.all'))} with at least 30% less pain (condition not named) "
                f"[news report]; in FINAL {fmt.pct(v('fin.pain-30pct.ldn'))} on LDN and "
                f"{fmt.pct(v('fin.pain-30pct.placebo'))} on placebo had more than 30% less pain. The post's "
                "figure fits the share who improve on LDN, not the gain over placebo."),
        "c05": (SUPPORTED, "tolerability like placebo; no serious harms reported",
                f"Tolerability was rated alike on LDN and placebo ({fmt.num(bl.tolerability_ldn)} vs "
                f"{fmt.num(bl.tolerability_pbo)} of 100 [news report]); in the later trials adverse events "
                f"were as common on placebo (FINAL {fmt.pct(v('fin.ae.ldn'))} vs "
                f"{fmt.pct(v('fin.ae.placebo'))}; INNOVA {fmt.pct(v('inv.ae.ldn'))} vs "
                f"{fmt.pct(v('inv.ae.placebo'))})."),
        "c06": (NOT_ASSESSED, "no trial here compared LDN with standard drugs",
                "None of the trials here compared LDN with duloxetine, pregabalin, amitriptyline or other "
                "standard drugs, and this review did not search for such a comparison; plausible, but "
                "not assessed."),
        "c07": (NOT_ASSESSED, "a hypothesis; no trial here measured it",
                f"The only cytokine data on LDN in fibromyalgia among our sources come from an uncontrolled study "
                f"of {fmt.integer(v('p17.n.participants.all'))} women; none of the trials measured inflammation "
                "in the brain, and this review did not assess the mechanism."),
        "c08": (SUPPORTED if (des.weeks_placebo < des.weeks_ldn
                              and R.pkg.studies.loc[W.index_id(R), "blinding"] == "double") else PARTLY,
                "design as in the registry; evening dose per the post only",
                f"{des.randomized} women started, {des.completed} completed and probably {R.n} were analysed; "
                f"LDN lasted {fmt.integer(des.weeks_ldn)} weeks and placebo {fmt.integer(des.weeks_placebo)}. "
                "Evening dosing is stated by the post only."),
        "c09": (SUPPORTED if pain_sig else NOT_SUPPORTED,
                f"as reported ({_p(pain.p)})" + ("; much of the relief also on placebo" if placebo_much else ""),
                f"Reported {fmt.num(pain.ldn)}% vs {fmt.num(pain.placebo)}% reduction ({_p(pain.p)}); the "
                f"difference of {fmt.num(pain.diff)} percentage points of baseline pain has a recovered 95% CI of "
                f"{fmt.ci(pain.ci_t.low, pain.ci_t.high)}; {cl.summary} [IMMPACT]. {replicated}"),
        "c10": (_secondary_verdict(sec, "satisfaction with life"),
                _secondary_reason(sec, "satisfaction with life"),
                f"Reported {_p(sec.reported['satisfaction with life'])}; not a registered outcome, so "
                f"exploratory; even as one of the abstract's {n_sec} secondary outcomes, adjusted (Holm) "
                f"{_p(holm['satisfaction with life'][0])}."),
        "c11": (_secondary_verdict(sec, "mood"), _secondary_reason(sec, "mood"),
                f"Reported {_p(sec.reported['mood'])}; not a registered outcome, so exploratory; even as one "
                f"of the abstract's {n_sec} secondary outcomes, adjusted (Holm) {_p(holm['mood'][0])}."),
        "c12": (c12, c12_reason,
                f"{rs.x_ldn}/{rs.n} vs {rs.x_pbo}/{rs.n}. The reported P = {fmt.as_published(rs.reported_p)} "
                f"is matched by {matched}{rounding_design_words(rs)}; the paired analysis a crossover "
                f"calls for gives {fmt.p(lo_p)} to {fmt.p(hi_p)} depending on the version of the test and "
                "a split the abstract does not give"
                + (", so it cannot be determined from the published data" if W.paired_undetermined(rs) else "")
                + f". {fmt.capital(paired_fragility_words(rs, ALPHA))}."),
        "c13": (c13, "vivid dreams more common on LDN" if c13 == SUPPORTED else
                "vivid dreams not the commonest excess on LDN",
                f"Vivid dreams: {fmt.pct(bl.dreams_ldn)} on LDN vs {fmt.pct(bl.dreams_pbo)} "
                f"on placebo [news report; denominators not given, so not necessarily shares of women]; a 2025 meta-analysis gives a "
                f"risk ratio of {fmt.num(v('ams25.vivid-dreams.rr'), 2)}."),
        "c14": ((OUT_OF_DATE, f"true when written; {fmt.count(k_later, 'randomized trial')} since",
                 f"True when written. Since then {fmt.count(k_later, 'randomized trial')} "
                 f"{'has' if k_later == 1 else 'have'} been published ({sizes} participants).")
                if k_later else
                (SUPPORTED, "no randomized trial since", "No randomized trial has been published since.")),
        "c15": (NOT_TESTABLE, "clinical impressions, without a control group",
                "Experience in one's own patients cannot separate a drug effect from natural ups and "
                "downs, regression to the mean and expectation; a personal communication is not "
                "published evidence."),
        "c16": (NOT_ASSESSED, "outside this review; the trials did not measure it",
                "None of the trials measured inflammation in the central nervous system; the only "
                f"cytokine data on LDN among our sources come from an uncontrolled study of "
                f"{fmt.integer(v('p17.n.participants.all'))} women."),
        "c17": (NOT_ASSESSED, "other diseases are outside this review; the post cites no trial",
                "This review covers fibromyalgia; the post cites no trial in other neurological diseases, "
                "and we did not look for one."),
        "c18": (c18, {NOT_SUPPORTED: "net share's interval includes zero"
                                     + ("; " + later_short if no_benefit_later else ""),
                      PARTLY: ("a single small trial showed a net share"
                               + (" for some possible splits" if net_splits < len(rs.splits) else "")
                               + "; " + later_short),
                      SUPPORTED: "the later trials pooled show a benefit"}[c18],
                f"Net share responding (LDN minus placebo): {fmt.num(100 * rs.rd.estimate, 1)} percentage "
                f"points (95% CI {rd} if the periods were separate groups; {net_words}); pain fell more on "
                f"LDN ({_p(pain.p)}), a mean, not a share. Since "
                f"then {not_later}, and the later trials pool to {pooled_text(later)}."),
        "c19": (_secondary_verdict(sec, "mood"), _secondary_reason(sec, "mood", short=True),
                f"Mood was an exploratory outcome (not in the registry): reported {_p(sec.reported['mood'])}, "
                f"Holm-adjusted for the abstract's {n_sec} secondary outcomes {_p(holm['mood'][0])}."),
        "c20": (NOT_SUPPORTED, "fatigue was measured and did not improve",
                "Fatigue was measured in the trial (a registered primary outcome, secondary in the "
                "abstract) and did not improve significantly (the P value is "
                "not published); this does not rule out a small effect."),
        "c21": (NOT_SUPPORTED, "fatigue and mood were outcomes of this very trial",
                f"Fatigue and mood were two of the {n_sec} secondary outcomes the abstract reports for the "
                "trial the post describes (fatigue also a registered primary outcome), and the post quotes "
                "the mood result itself."),
        "c22": (SUPPORTED, "no serious harms in the trials",
                f"No serious harms were reported; headache {fmt.pct(bl.headache_ldn)} on LDN vs "
                f"{fmt.pct(bl.headache_pbo)} on placebo [news report]; in FINAL adverse events were as "
                f"common on placebo ({fmt.pct(v('fin.ae.ldn'))} vs {fmt.pct(v('fin.ae.placebo'))})."),
        "c23": (NOT_ASSESSED, "the sources here give no time course",
                "None of the sources this review read reports how side effects changed over time."),
        "c24": (PARTLY, "opioid caveat sound; expected benefit small",
                "Leaving out regular opioid users is sound (naltrexone blocks opioids). Harms appear "
                f"small, but {not_later}, so a patient trying LDN should expect little."),
        "c25": (PARTLY, "discussing it is reasonable; expect little benefit",
                "Learning about LDN and discussing it with selected, informed patients is reasonable, "
                f"since harms appear small; but because {not_later}, and the later trials pool to "
                f"{pooled_text(later)}, a patient should not expect much benefit."),
        "c26": (NOT_ASSESSED, "ME/CFS is outside this review; the post cites no trial",
                "All trials reviewed here enrolled people with fibromyalgia; the post cites no trial in "
                "ME/CFS, and we did not look for one."),
    }
    out = []
    for cid, row in R.pkg.claims.iterrows():
        if cid not in judged:
            raise KeyError(f"data/claims.csv: claim '{cid}' has no verdict in analysis/claims.py")
        if cid not in RULES:
            raise KeyError(f"analysis/claims.py: claim '{cid}' has no rule in RULES")
        verdict, reason, evidence = judged[cid]
        out.append(Verdict(cid, row["section"], row["short"], row["paraphrase"], _claimed(row),
                           verdict, reason, evidence))
    extra = set(judged) - set(R.pkg.claims.index)
    if extra:
        raise KeyError(f"analysis/claims.py judges claims not in data/claims.csv: {sorted(extra)}")
    return out


def _secondary_reason(sec, name: str, short: bool = False) -> str:
    """'nominal P; not kept after adjusting for four outcomes', by the same rule as the label."""
    n = fmt.count(sec.n_secondary, "outcome")
    if sec.reported[name] >= ALPHA:
        return "not significant even before adjustment"
    if sec.holm4[name][1]:
        return f"kept after adjusting for {n}"
    return "nominal mood result; not kept after adjustment" if short else \
        f"nominal P; not kept after adjusting for {n}"
