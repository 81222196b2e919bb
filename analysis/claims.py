"""Verdicts on the article's claims: our judgments, each with the evidence behind it.

The claims themselves (paraphrased, one claim per row) are data in
``data/claims.csv``; the verdicts are appraisal, so they live in code, and every
number in their evidence text comes from ``Results`` through ``analysis.fmt``.
Each verdict has a label, a one-line reason (for the handout) and the evidence
(for the report). A label must be one of ``VERDICTS`` and must agree with its
evidence: tests/test_results.py checks the labels and that no row bundles two.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import clinical, fmt

SUPPORTED = "supported"
PARTLY = "partly supported"
NOT_SUPPORTED = "not supported"
OUT_OF_DATE = "out of date"  # true when written, overtaken by later evidence
NOT_TESTABLE = "not testable from published data"
VERDICTS = (SUPPORTED, PARTLY, NOT_SUPPORTED, OUT_OF_DATE, NOT_TESTABLE)


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
    and Fisher's exact test, one-sided (0.0505)"; every one of them unpaired or not."""
    hits = [t for t in rs.tests_rounding_to_published]
    names = [f"{_TEST_NAMES.get(t.key, t.test)} ({fmt.p_exact(t.p, 4 if t.p < 0.1 else 3)})"
             for t in hits if t.design == "unpaired"]
    paired = sorted({t.a for t in hits if t.design == "paired"})
    text = " and ".join(names) if len(names) <= 2 else ", ".join(names[:-1]) + " and " + names[-1]
    if paired:
        text += f"; of the paired tests only some splits do ({', '.join(map(str, paired))} concordant)"
    return text


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


def verdicts(R) -> list[Verdict]:
    """One verdict per claim in ``data/claims.csv``, in file order."""
    rs, pain, sec, ev, des, bl = R.responders, R.pain, R.secondary, R.evidence, R.design, R.blinding
    cl = clinical.anchor(pain, R.pkg)
    v = R.pkg.value
    fin, inv = ev.trials["final2024"], ev.trials["innova"]
    later = ev.pooled["later trials"]
    fin_md = (v("fin.pain.difference"), R.pkg.number("fin.pain.difference"))
    lo_p, hi_p = paired_range(rs)
    holm = sec.holm4
    fin_pts = (f"{fmt.signed(fin_md[0], 2)} points on a 0\u201310 scale, 95% CI "
               f"{fmt.ci(fin_md[1]['low'], fin_md[1]['high'], 2)}")
    not_later = (f"the two largest later trials did not show a benefit on pain (FINAL {fin_pts}; "
                 f"INNOVA {_p(v('inv.pain.p'))})")
    rd = fmt.ci(100 * rs.rd.low, 100 * rs.rd.high, 1)
    judged = {
        "c01": (NOT_SUPPORTED, "the post said 'possible'; one small positive trial could not carry it, "
                               "and larger later trials did not show a benefit",
                f"One crossover trial of {des.randomized} women (analysed n probably {R.n}) found less "
                f"pain on LDN; since then {not_later}, and the later randomized trials pool to "
                f"{pooled_text(later)}."),
        "c02": (NOT_TESTABLE, "pharmacology, not a trial question",
                "A statement of pharmacology that none of the trials examined."),
        "c03": (NOT_TESTABLE, "mechanism untested; the pain effect is the trials' question",
                "That low doses spare the body's opioids is a hypothesis no trial tested; whether low "
                f"doses reduce pain is what the trials asked (below). A dose-finding study put the dose "
                f"that helps half of responders (ED50) at {fmt.num(v('df20.ed50'), 2)} mg."),
        "c04": (PARTLY, f"{fmt.pct(rs.pct_ldn)} responded on LDN, {fmt.pct(rs.pct_pbo)} on placebo: "
                        "plausible as a share improving, not as a net gain",
                f"Composite responders: {fmt.pct(rs.pct_ldn)} on LDN vs {fmt.pct(rs.pct_pbo)} on placebo, a net "
                f"difference of {fmt.num(100 * rs.rd.estimate, 1)} points (95% CI {rd}); the conference report "
                f"gives {fmt.pct(v('y13.conf.much-improved.ldn'))} much improved after LDN and "
                f"{fmt.pct(v('y13.conf.pain-30pct.all'))} with at least 30% less pain (condition not named) "
                f"[news report]; in FINAL {fmt.pct(v('fin.pain-30pct.ldn'))} on LDN and "
                f"{fmt.pct(v('fin.pain-30pct.placebo'))} on placebo had at least 30% less pain. The post's "
                "figure fits the share who improve on LDN, not the gain over placebo."),
        "c05": (SUPPORTED, "tolerability like placebo; no serious harms reported",
                f"Tolerability was rated alike on LDN and placebo ({fmt.num(bl.tolerability_ldn)} vs "
                f"{fmt.num(bl.tolerability_pbo)} of 100 [news report]); in the later trials adverse events "
                f"were as common on placebo (FINAL {fmt.pct(v('fin.ae.ldn'))} vs "
                f"{fmt.pct(v('fin.ae.placebo'))}; INNOVA {fmt.pct(v('inv.ae.ldn'))} vs "
                f"{fmt.pct(v('inv.ae.placebo'))})."),
        "c06": (NOT_TESTABLE, "no trial compared LDN with standard drugs",
                "No trial has compared LDN with duloxetine, pregabalin, amitriptyline or other standard "
                "drugs; the comparison is plausible but untested."),
        "c07": (NOT_TESTABLE, "a hypothesis; no controlled study measured it",
                f"The only cytokine data come from an uncontrolled study of {fmt.integer(v('p17.n.participants.all'))} "
                "women; no randomized trial measured inflammation in the brain."),
        "c08": (SUPPORTED, "design as registered; evening dose per the post only",
                f"{des.randomized} women started, {des.completed} completed and probably {R.n} were analysed; "
                f"LDN lasted {fmt.integer(des.weeks_ldn)} weeks and placebo {fmt.integer(des.weeks_placebo)}. "
                "Evening dosing is stated by the post only."),
        "c09": (SUPPORTED, f"as reported ({_p(pain.p)}); much of the relief also on placebo",
                f"Reported {fmt.num(pain.ldn)}% vs {fmt.num(pain.placebo)}% reduction ({_p(pain.p)}); the "
                f"difference of {fmt.num(pain.diff)} points has a recovered 95% CI of "
                f"{fmt.ci(pain.ci_t.low, pain.ci_t.high)}; {cl.summary} [IMMPACT]. Not replicated by "
                "the later trials."),
        "c10": (PARTLY, "nominal P; not kept after adjusting for four outcomes",
                f"Reported {_p(sec.reported['satisfaction with life'])}; adjusted for the four secondary "
                f"outcomes (Holm) {_p(holm['satisfaction with life'][0])}."),
        "c11": (PARTLY, "nominal P; not kept after adjusting for four outcomes",
                f"Reported {_p(sec.reported['mood'])}; adjusted for the four secondary outcomes (Holm) "
                f"{_p(holm['mood'][0])}."),
        "c12": (PARTLY, "quoted accurately; the P value is fragile and probably unpaired",
                f"{rs.x_ldn}/{rs.n} vs {rs.x_pbo}/{rs.n}. The reported P = {fmt.as_published(rs.reported_p)} "
                f"is matched by {rounding_words(rs)}, both unpaired; the paired analysis a crossover "
                f"calls for gives {fmt.p(lo_p)} to {fmt.p(hi_p)} depending on the version of the test and "
                "a split the abstract does not give, so it cannot be determined from the published data. "
                "One woman's outcome decides significance."),
        "c13": (SUPPORTED, "vivid dreams more common on LDN",
                f"Vivid dreams were reported by {fmt.pct(bl.dreams_ldn)} on LDN vs {fmt.pct(bl.dreams_pbo)} "
                f"on placebo [news report; the denominators are not given]; a 2025 meta-analysis gives a "
                f"risk ratio of {fmt.num(v('ams25.vivid-dreams.rr'), 2)}."),
        "c14": (OUT_OF_DATE, "true when written; three randomized trials since",
                "True when written. Since then three randomized trials have been published "
                f"({fmt.integer(v('b23.n.randomized.all'))}, {fmt.integer(v('fin.n.randomized.all'))} and "
                f"{fmt.integer(v('inv.n.randomized.all'))} participants)."),
        "c15": (NOT_TESTABLE, "clinical impressions, without a control group",
                "Experience in one's own patients cannot separate a drug effect from natural ups and "
                "downs, regression to the mean and expectation; a personal communication is not "
                "published evidence."),
        "c16": (NOT_TESTABLE, "outside what the trials measured",
                "None of the trials measured inflammation in the central nervous system; the only "
                f"cytokine data come from an uncontrolled study of {fmt.integer(v('p17.n.participants.all'))} women."),
        "c17": (NOT_TESTABLE, "speculation; no trial in other diseases cited",
                "No trial in other neurological diseases is cited or was reviewed here."),
        "c18": (OUT_OF_DATE, "one trial supported a modest benefit when written; not replicated since",
                f"True when written as far as one small trial could show (a modest benefit); since then "
                f"{not_later}."),
        "c19": (PARTLY, "nominal mood result; not kept after adjustment",
                f"Mood was a secondary outcome: reported {_p(sec.reported['mood'])}, Holm-adjusted for four "
                f"outcomes {_p(holm['mood'][0])}."),
        "c20": (NOT_SUPPORTED, "fatigue was measured and did not improve",
                "Fatigue was a secondary outcome of the trial and did not improve significantly (the P "
                "value is not published); this does not rule out a small effect."),
        "c21": (NOT_SUPPORTED, "both were secondary outcomes of this very trial",
                f"Fatigue and mood were two of the {fmt.words(sec.n_secondary)} secondary outcomes of the "
                "trial the post describes, and the post quotes the mood result itself."),
        "c22": (SUPPORTED, "no serious harms in the trials",
                f"No serious harms were reported; headache {fmt.pct(bl.headache_ldn)} on LDN vs "
                f"{fmt.pct(bl.headache_pbo)} on placebo [news report]; in FINAL adverse events were as "
                f"common on placebo ({fmt.pct(v('fin.ae.ldn'))} vs {fmt.pct(v('fin.ae.placebo'))})."),
        "c23": (NOT_TESTABLE, "no published data on the time course",
                "None of the sources reports how side effects changed over time."),
        "c24": (PARTLY, "opioid caveat sound; expected benefit small",
                "Leaving out regular opioid users is sound (naltrexone blocks opioids). Harms appear "
                f"small, but {not_later}, so a patient trying LDN should expect little."),
        "c25": (PARTLY, "discussing it is reasonable; expect little benefit",
                "Learning about LDN and discussing it with selected, informed patients is reasonable, "
                f"since harms appear small; but because {not_later}, and the later trials pool to "
                f"{pooled_text(later)}, a patient should not expect much benefit."),
        "c26": (NOT_SUPPORTED, "no trial in ME/CFS was cited",
                "All trials reviewed here enrolled people with fibromyalgia; none studied ME/CFS."),
    }
    out = []
    for cid, row in R.pkg.claims.iterrows():
        if cid not in judged:
            raise KeyError(f"data/claims.csv: claim '{cid}' has no verdict in analysis/claims.py")
        verdict, reason, evidence = judged[cid]
        out.append(Verdict(cid, row["section"], row["short"], row["paraphrase"], _claimed(row),
                           verdict, reason, evidence))
    extra = set(judged) - set(R.pkg.claims.index)
    if extra:
        raise KeyError(f"analysis/claims.py judges claims not in data/claims.csv: {sorted(extra)}")
    return out
