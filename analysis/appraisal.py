"""Appraisal of Younger et al. 2013 for the report and the handout: risk of bias,
key numbers published beside recomputed, critical notes and discussion questions.

The risk-of-bias judgments are data (``data/rob2.csv``, loaded and validated by
``analysis.data``); this module only orders and shows them, their text made
literal by ``fmt.text``. Every number in the text below comes from ``Results``
through ``analysis.fmt``, so the report and the handout print the same digits.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from . import fmt, registry, words as W
from .claims import paired_range
from .results import ALPHA, NOT_SIGNIFICANT_FLOOR
from .tables import md_table

LOW, SOME, HIGH = "low", "some concerns", "high"
JUDGMENTS = (LOW, SOME, HIGH)  # RoB 2's three levels, least to most concern
# RoB 2 domains in the tool's order, with the crossover domain after randomization
# (Sterne et al. 2019; Higgins, Li & Sterne 2021, additional considerations for crossover trials).
DOMAINS = ("randomization process", "period and carryover effects",
           "deviations from intended interventions", "missing outcome data",
           "measurement of the outcome", "selection of the reported result")
# Printed marks that survive black-and-white printing: the word plus weight.
_SHOW = {LOW: "low", SOME: "some concerns", HIGH: "**HIGH**"}


@dataclass(frozen=True)
class Judgment:
    domain: str
    judgment: str
    reason: str


@dataclass(frozen=True)
class Question:
    """A discussion question and the number on the page it is tied to."""

    text: str
    number: str


def rob2(pkg) -> list[Judgment]:
    """RoB 2 domain judgments in the tool's domain order (Sterne et al. 2019, sterne2019rob2)."""
    frame = pkg.rob2
    missing = [d for d in DOMAINS if d not in frame.index]
    if missing:
        raise KeyError(f"data/rob2.csv has no row for domain '{missing[0]}'")
    out = []
    for d in DOMAINS:
        j = str(frame.loc[d, "judgment"])
        if j not in JUDGMENTS:
            raise ValueError(f"data/rob2.csv, domain '{d}': judgment '{j}' is not one of {JUDGMENTS}")
        out.append(Judgment(d, j, str(frame.loc[d, "reason"])))
    return out


def overall(judgments: list[Judgment]) -> str:
    """Overall RoB 2 judgment (Sterne et al. 2019, sterne2019rob2; Cochrane Handbook ch. 8):
    the least favourable domain judgment, and high also when there are some concerns in
    multiple domains "in a way that substantially lowers confidence in the result". That
    second rule is a reviewer's call; we apply it in its narrowest reading, to some concerns
    in every domain and no domain at low risk, so that it changes no other pattern."""
    if not judgments:
        raise ValueError("overall() needs at least one domain judgment")
    worst = max((j.judgment for j in judgments), key=JUDGMENTS.index)
    if worst == SOME and len(judgments) > 1 and all(j.judgment == SOME for j in judgments):
        return HIGH
    return worst


def overall_reason(judgments: list[Judgment]) -> str:
    """Why the overall judgment is what it is, in the words of the rule that decided it."""
    o = overall(judgments)
    if o == HIGH and not any(j.judgment == HIGH for j in judgments):
        return "some concerns in every domain, which together lower confidence substantially"
    return "the least favourable domain judgment"


def rob2_table(pkg) -> str:
    """The RoB 2 judgments as a Markdown table, with the overall judgment as the last row."""
    js = rob2(pkg)
    rows = [[fmt.text(j.domain[0].upper() + j.domain[1:]), _SHOW[j.judgment], fmt.text(j.reason)]
            for j in js]
    rows.append(["**Overall**", _SHOW[overall(js)], fmt.capital(overall_reason(js)) + " (the RoB 2 rule)."])
    return md_table(["Domain", "Risk of bias", "Reason"], rows, "lll", widths=[30, 13, 57])


def rob2_run_in(pkg) -> str:
    """The RoB 2 judgments in one paragraph (the handout's short form): the overall judgment,
    then each domain and its judgment in the tool's order, with the reason for any high one."""
    js = rob2(pkg)
    parts = []
    for j in js:
        part = f"{fmt.text(j.domain[0].upper() + j.domain[1:])} {_SHOW[j.judgment]}"
        if j.judgment == HIGH:
            part += f" ({fmt.text(j.reason.rstrip('.'))})"
        parts.append(part)
    return f"**Overall {_SHOW[overall(js)].strip('*')}** ({overall_reason(js)}). " + "; ".join(parts) + "."


def _mark(agrees: bool | None) -> str:
    """A neutral mark: a recomputation that gives another value is another analysis, not an error."""
    if agrees is None:
        return "new"
    return "agrees" if agrees else "other analyses give"


def paired_mark(rs) -> bool:
    """The paired row 'agrees' only if every possible split gives, under the McNemar version in
    force, a P that rounds to the published one (the split is not published)."""
    hits = {t.a for t in rs.tests_rounding
            if t.key == f"mcnemar_{rs.headline.test}" and t.rounds}
    return len(hits) == rs.n_splits


def key_numbers_table(R, *, all_versions: bool = False) -> str:
    """Published numbers beside what our recomputations give, with neutral marks computed from
    the comparison ("agrees" only where the recomputation rounds to the published value);
    ``all_versions`` adds to the paired row the range over every version of McNemar's test,
    with its label (the handout, whose notes and questions quote that range)."""
    rs, pain, sec = R.responders, R.pain, R.secondary
    matching = W.matching_unpaired(rs)
    if matching:
        unpaired_cell, unpaired_agrees = "; ".join(f"{_short_test(t.test)} {fmt.p(t.p)}" for t in matching), True
    else:
        closest = min(W.unpaired_tests(rs), key=lambda t: abs(t.p - rs.reported_p))
        unpaired_cell = f"no common test gives it (closest: {_short_test(closest.test)} {fmt.p(closest.p)})"
        unpaired_agrees = False
    sat, mood = sec.holm4["satisfaction with life"], sec.holm4["mood"]
    n_sec = fmt.words(sec.n_secondary)
    rows = [
        ["Analysed n; responders", f"n not given; {fmt.pct(rs.pct_ldn)} vs {fmt.pct(rs.pct_pbo)}",
         f"n = {R.n} (GRIM): {rs.x_ldn}/{rs.n} vs {rs.x_pbo}/{rs.n}",
         _mark(R.check("grim-n-vs-registry-baseline").agrees)],
        ["Responder P, unpaired tests", fmt.as_published(rs.reported_p), unpaired_cell, _mark(unpaired_agrees)],
        ["Responder P, paired (McNemar)", f"{fmt.as_published(rs.reported_p)} (test not stated)",
         paired_row_text(rs, all_versions=all_versions), _mark(paired_mark(rs))],
        ["NNT (95% CI), unpaired Newcombe", "not given",
         f"{rs.nnt_text}; paired, by split: through \u221e for "
         f"{fmt.of(len(W.splits_through_infinity(rs)), len(rs.splits))}", _mark(None)],
        ["Pain reduction, LDN vs placebo", f"{fmt.pct(pain.ldn, 1)} vs {fmt.pct(pain.placebo, 1)}, "
         f"{fmt.p(pain.p, prefix=True)}", f"difference {fmt.num(pain.diff)} % points of baseline (95% CI "
         f"{fmt.ci(pain.ci_t.low, pain.ci_t.high)})", _mark(None)],
        [f"Satisfaction / mood, Holm of {n_sec}",
         f"{fmt.p(sec.reported['satisfaction with life'])} / {fmt.p(sec.reported['mood'])}",
         f"{fmt.p(sat[0])} / {fmt.p(mood[0])}",
         "still < " + fmt.as_published(ALPHA) if sat[1] and mood[1] else
         "not < " + fmt.as_published(ALPHA) + " adjusted" if not sat[1] and not mood[1] else
         "one still < " + fmt.as_published(ALPHA)],
    ]
    return md_table(["Number", "Abstract", "Recomputed", "Mark"], rows, "llll", widths=[27, 17, 42, 14])


# The label of the widest paired range, printed beside it wherever the handout gives it, so
# that it is never mistaken for the range under the version in force (rs.headline).
PAIRED_ALL_LABEL = "any version of McNemar's test, any possible split"


def paired_all_text(rs) -> str:
    """The paired responder P over every version of McNemar's test (exact, mid-p, asymptotic)
    and every possible split, with its label: '0.014 to 0.15 (any version ..., any ...)'."""
    lo, hi = paired_range(rs)
    return f"{fmt.p(lo)} to {fmt.p(hi)}, {PAIRED_ALL_LABEL}"


def paired_row_text(rs, *, all_versions: bool = True) -> str:
    """The key-numbers cell of the paired responder P: the range under the version in force
    over the possible splits, then (``all_versions``) the range of ``paired_all_text`` with
    the same label."""
    h = rs.headline
    lo, hi = paired_range(rs)
    if h.low == h.high:
        own = f"{fmt.p(h.low)} ({h.name})"
    else:
        own = f"{fmt.p(h.low)} to {fmt.p(h.high)} ({h.name}, by the unpublished split)"
    if not all_versions or (fmt.p(lo), fmt.p(hi)) == (fmt.p(h.low), fmt.p(h.high)):
        return own
    return f"{own}; {fmt.p(lo)} to {fmt.p(hi)} ({PAIRED_ALL_LABEL})"


def notice_words(R) -> str:
    """What patients would notice, for the handout's bottom line: the responder-share anchor
    first (IMMPACT judges a difference between treatments by the share of patients whose own
    pain falls by a threshold, Dworkin et al. 2009: FINAL's shares), then the 2013 group means
    against the thresholds for one patient's change, called a rough guide."""
    from . import clinical
    pkg, pain = R.pkg, R.pain
    clin = clinical.anchor(pain, pkg)
    t = clin.thresholds
    share = (f"Whether patients would notice it is better judged by shares of patients (IMMPACT): in "
             f"the later FINAL trial {fmt.pct(pkg.value('fin.pain-30pct.ldn'))} on LDN vs "
             f"{fmt.pct(pkg.value('fin.pain-30pct.placebo'))} on placebo had more than "
             f"{fmt.integer(t.moderate)}% less pain")
    guide = "as a rough guide only (IMMPACT's thresholds are for one patient's change), "
    if clinical.much_on_placebo(pain):
        rough = (f"{guide}placebo's mean reduction in 2013 ({fmt.num(pain.placebo)}%) was already "
                 f"{clin.placebo_words}")
    else:
        rough = (f"{guide}the 2013 mean reductions count as {clin.ldn_band} on LDN and "
                 f"{clin.placebo_band} on placebo")
    return f"{share}; {rough}."


def post_words(R) -> str:
    """What the blog post itself says, in two lines (paraphrase; a few words quoted): its
    claim, the trial it rests on, the share it names and what it asks of clinicians."""
    share = next((v.claimed for v in _verdicts(R) if v.claim_id == "c04"), "")
    # typographic quotes and apostrophe: a string holding both ' and " reaches Quarto's inline
    # output as its repr, with the apostrophe escaped ("clinician\\'s")
    return (f"A clinician\u2019s blog post calls LDN \u201cpossibly a major breakthrough\u201d for "
            f"fibromyalgia, citing the Stanford crossover trial of "
            f"{fmt.integer(R.pkg.value('y13.n.participants.all'))} women. "
            "It says LDN helps \u201ca meaningful proportion\u201d of patients"
            + (f" (perhaps {share})" if share else "")
            + ", with mild side effects, and urges clinicians to consider offering it.")


def _verdicts(R):
    from .claims import verdicts
    return verdicts(R)


def _short_test(name: str) -> str:
    return (name.replace("Pearson chi-squared, no correction", "\u03c7\u00b2")
            .replace("Fisher exact, one-sided (LDN > placebo)", "Fisher one-sided")
            .replace("Fisher exact, two-sided", "Fisher two-sided")
            .replace("chi-squared with Yates correction", "\u03c7\u00b2 with Yates"))


def key_references(pkg) -> list[str]:
    """Short references with DOI for the handout: the index trial, the later trials, the reviews."""
    st = pkg.studies
    out = []
    for role in ("index-trial", "later-trial", "review"):
        for sid, row in st[st["role"] == role].iterrows():
            if role == "review" and row["design"] != "meta-analysis":
                continue  # the reviews that pooled trials
            doi = row["doi"]
            ref = fmt.text(row["label"])
            if isinstance(doi, str) and doi:
                ref += f", doi:{fmt.text(doi)}"
            elif role == "later-trial":
                ref += " (not yet verified)"
            out.append(ref)
    return out


def critical_notes(R) -> list[str]:
    """The critical notes, one line each, most important first (Markdown, numbers from Results)."""
    rs, des, sec, bl = R.responders, R.design, R.secondary, R.blinding
    later = R.evidence.pooled["later trials"]
    n_primary = registry.history(R.pkg).primary_registered
    return [
        f"**{'Not replicated' if W.no_clear_benefit(later) else 'Replicated on average'}.** Pooled, the "
        f"{W.later_count(R)} give g = {fmt.num(later.estimate, 2)} (95% CI "
        f"{fmt.ci(later.hk.low, later.hk.high, 2)}, Hartung\u2013Knapp).",
        f"**Responder P depends on the analysis.** {fmt.capital(W.unpaired_p_words(rs))}; the paired P "
        f"({paired_all_text(rs)}) "
        + ("cannot be determined from the published data." if W.paired_undetermined(rs)
           else "depends on the test and an unpublished split."),
        f"**Unequal periods, washout not described.** LDN {fmt.integer(des.weeks_ldn)} weeks, placebo "
        f"{fmt.integer(des.weeks_placebo)} ({W.ratio_words(des)}); on average the LDN end point came "
        f"{fmt.integer(des.endpoint_week_ldn - des.endpoint_week_pbo)} weeks later in the study, and time, "
        "natural course and regression to the mean favour the later one.",
        f"**Blinding may have leaked.** Vivid dreams {fmt.pct(bl.dreams_ldn)} on LDN vs "
        f"{fmt.pct(bl.dreams_pbo)} on placebo (news report; denominators not given); "
        "pain was self-reported; guesses reportedly inaccurate, no numbers given.",
        f"**Many outcomes.** {fmt.capital(fmt.words(n_primary))} primary outcomes in the registry, "
        f"{fmt.words(len(sec.exploratory))} unregistered ones and a composite responder rule, none adjusted "
        f"in the abstract; pain's P adjusted across the registered {fmt.words(n_primary)} (Holm): "
        f"{fmt.p(sec.holm_primary['worst']['pain'][0])}.",
        f"**Small.** {des.randomized} women started and probably {R.n} were analysed, at one centre.",
    ]


def discussion_questions(R) -> list[Question]:
    """Questions for the room, each tied to a number printed elsewhere on the handout."""
    rs, des, pain, sec = R.responders, R.design, R.pain, R.secondary
    later = R.evidence.pooled["later trials"]
    sat_adj = fmt.p(sec.holm4["satisfaction with life"][0])
    g_later = fmt.num(later.estimate, 2)
    return [
        Question(f"The abstract reports P = {fmt.as_published(rs.reported_p)} for responders; a paired test "
                 f"could give {fmt.p(paired_range(rs)[0])} to {fmt.p(paired_range(rs)[1])} "
                 f"({PAIRED_ALL_LABEL}). "
                 "Which should a crossover report, and is it still a finding?",
                 fmt.p(paired_range(rs)[1])),
        Question(f"Placebo lasted {fmt.integer(des.weeks_placebo)} weeks and LDN "
                 f"{fmt.integer(des.weeks_ldn)}. How could that alone produce a difference in pain?",
                 fmt.integer(des.weeks_ldn)),
        Question(f"The pain difference's recovered interval runs from {fmt.num(pain.ci_t.low)} to "
                 f"{fmt.num(pain.ci_t.high)} percentage points of baseline pain. What difference would "
                 "your patients notice?",
                 fmt.num(pain.ci_t.low)),
        Question(f"Satisfaction with life becomes {sat_adj} after Holm adjustment across "
                 f"{fmt.words(sec.n_secondary)} secondary outcomes. Should secondary outcomes appear in a blog post's list of benefits?", sat_adj),
        Question(f"The NNT is {rs.nnt_text}. How would you explain that interval to a patient?",
                 rs.nnt_text),
        Question(f"The later trials pool to g = {g_later}. Would you still offer LDN, and what would you tell "
                 "a patient who asks about the blog post?", g_later),
    ]


def questions_markdown(R, most: int | None = None) -> str:
    """The discussion questions as a Markdown bullet list (the first ``most`` of them)."""
    return "\n".join(f"- {q.text}" for q in discussion_questions(R)[:most])


def notes_markdown(R, most: int | None = None, *, skip: int = 0) -> str:
    """The critical notes as a Markdown bullet list (from the ``skip``-th, at most ``most``)."""
    notes = critical_notes(R)[skip:]
    return "\n".join(f"- {n}" for n in notes[:most])


def verdict_summary(verdicts) -> str:
    """How many claims got each verdict, in the order of ``claims.VERDICTS``: "5 supported, ..."."""
    from .claims import VERDICTS
    counts = {label: sum(v.verdict == label for v in verdicts) for label in VERDICTS}
    return ", ".join(f"{fmt.words(n)} {label}" for label, n in counts.items() if n)


def verdict_groups_table(verdicts) -> str:
    """Every claim of the post under its verdict, one row per verdict label (in the order of
    ``claims.VERDICTS``), for a slide: the label, how many claims, and their short names."""
    from .claims import VERDICTS
    rows = []
    for label in VERDICTS:
        group = [v for v in verdicts if v.verdict == label]
        if group:
            rows.append([f"**{label}**", fmt.integer(len(group)),
                         "; ".join(fmt.text(v.short) for v in group)])
    unknown = sorted({v.verdict for v in verdicts} - set(VERDICTS))
    if unknown:
        raise ValueError(f"verdict labels not in claims.VERDICTS: {unknown}")
    return md_table(["Verdict", "Claims", "The post's claims"], rows, "lrl", widths=[22, 8, 70])


# Plain-language glossary: (term, explanation). The handout prints the entries
# named in HANDOUT_TERMS; the report prints them all.
GLOSSARY = [
    ("Crossover trial", "each participant takes both treatments, one after the other, in a random "
     "order; each is her own control."),
    ("Washout", "a gap between the two treatments so that the first cannot carry over into the second."),
    ("Paired vs unpaired test", "a paired test compares each woman with herself (right for a "
     "crossover); an unpaired test treats the two periods as different people."),
    ("McNemar test, mid-p", "the paired test for a yes/no outcome, using the women who responded on "
     "one treatment only; mid-p is its less conservative, often recommended version."),
    ("\u03c7\u00b2 (chi-squared) test", "an unpaired test of a yes/no outcome in two groups; Yates's "
     "correction makes it more conservative."),
    ("Newcombe interval", "an interval for a difference of two proportions, from their Wilson "
     "intervals; the paired version allows for the same women on both."),
    ("Fisher's exact test", "an unpaired test for a yes/no outcome in two groups; one-sided if it "
     "looks for a difference in one direction only."),
    ("P value", "how surprising the data would be if the treatment did nothing; not the chance that "
     "the treatment works."),
    ("95% confidence interval (CI)", "the range of effects compatible with the data; a wide interval "
     "means an imprecise estimate."),
    ("NNTB / NNTH", "number needed to treat for one extra patient to benefit (B) or be harmed (H); "
     "if the difference could be zero, the interval runs through infinity."),
    ("Holm, Benjamini-Hochberg", "adjust P values for testing several outcomes, so that a chance "
     "finding among many is not taken as real."),
    ("Fragility", "how many patients' outcomes would have to change to move a result across "
     "P = {alpha}; small numbers mean a fragile result."),
    ("GRIM test", "checks whether a percentage can arise from a whole number of people out of a "
     "given total."),
    ("Hedges' g", "a difference in standard-deviation units, comparable across pain scales; "
     "negative means less pain on LDN."),
    ("Random-effects meta-analysis", "pools trials while allowing the true effect to differ between "
     "them; \u03c4\u00b2 is the variance of those true effects and I\u00b2 the share of the "
     "spread not due to chance."),
    ("Hartung-Knapp interval", "a pooled interval that allows for the uncertainty in \u03c4\u00b2; "
     "wider, and more honest, with few trials."),
    ("Prediction interval", "where the true effect in a new, similar setting would be expected to lie."),
    ("RoB 2", "Cochrane's risk-of-bias tool for randomized trials, with a domain for crossover trials."),
    ("IMMPACT thresholds", "what chronic-pain trials count as a change patients notice: a reduction "
     "of pain of about {imm_low}\u2013{imm_high}% minimally important, {imm_mod}% moderately, "
     "{imm_sub}% substantially, within a patient; judge a difference between treatments by the "
     "shares reaching them."),
    ("Regression to the mean", "people enrol when symptoms are bad; on average they improve "
     "afterwards whatever the treatment."),
]
HANDOUT_TERMS = ("Paired vs unpaired test", "McNemar test, mid-p", "\u03c7\u00b2 (chi-squared) test",
                 "Newcombe interval", "NNTB / NNTH", "GRIM test", "Holm, Benjamini-Hochberg",
                 "IMMPACT thresholds", "Hedges' g", "Hartung-Knapp interval",
                 "Prediction interval")  # RoB 2 is named where it is used (handout headings)


def glossary_markdown(pkg, terms=None, *, run_in: bool = False) -> str:
    """The glossary as Markdown, one paragraph per term (all terms, or those in ``terms``;
    ``run_in`` puts them in one paragraph, for the handout); its numbers (alpha, the
    IMMPACT thresholds) come from the code and the data."""
    from .clinical import thresholds
    t = thresholds(pkg)
    values = {"alpha": fmt.as_published(ALPHA), "imm_low": fmt.integer(t.minimal_low),
              "imm_high": fmt.integer(t.minimal_high), "imm_mod": fmt.integer(t.moderate),
              "imm_sub": fmt.integer(t.substantial)}
    chosen = [(term, d) for term, d in GLOSSARY if terms is None or term in terms]
    missing = set(terms or ()) - {term for term, _ in chosen}
    if missing:
        raise KeyError(f"glossary has no entry for {sorted(missing)}")
    entries = [f"**{fmt.text(term)}**: {fmt.text(d.format(**values))}" for term, d in chosen]
    return " ".join(entries) if run_in else "\n\n".join(entries)


def percent_scan_words(R) -> str:
    """The sample-size consistency scan of the side-effect percentages, in words."""
    g = R.grim
    se = [pc for pc in g.all_percentages if pc.quantity in ("vivid_dreams", "headache")]
    if not se:
        return "no side-effect percentages are published"
    shown = ", ".join(f"{fmt.pct(pc.value)}" for pc in se)
    ns = g.pct_ns_of_interest
    fit_all = [m for m in ns if all(pc.fits[m] for pc in se)]
    joint = g.side_effects_joint
    lo, hi = g.pct_scan_ns[0], g.pct_scan_ns[-1]
    misfits = [m for m in ns if m not in fit_all]
    listed = (", ".join(map(str, misfits[:-1])) + " or " + str(misfits[-1])) if len(misfits) > 1 \
        else str(misfits[0])
    text = f"the side-effect percentages ({shown}) do not fit n = {listed} together"
    if joint:
        from . import stats
        both = stats.grim_consistent_ns(list(g.pcts), joint)
        text += (f"; from {lo} to {hi} women only n = {', '.join(map(str, joint))} fits all of them, "
                 + (f"and none of those fits the responder percentages too" if not both else
                    f"and of those n = {', '.join(map(str, both))} also fits the responder percentages"
                    + (f", but that is more women than the {R.design.started} who started the trial"
                       if all(m > R.design.started for m in both) else "")))
    else:
        text += f"; no n from {lo} to {hi} fits all four"
    return text


def multiplicity_words(R) -> str:
    """What the secondary-outcome adjustment shows, under both bounds for the unpublished P values."""
    s = R.secondary
    best_h, best_b = s.holm4_best, s.bh4_best
    names = ("satisfaction with life", "mood")
    unpub = f"the {fmt.words(W.n_unpublished(s))} unpublished P values"
    if any(best_h[n][1] or best_b[n][1] for n in names):
        return (f"If {unpub} were only just above "
                f"{fmt.as_published(ALPHA)}, the result would change (Table below).")
    lead = (f"Even if {unpub} were as small as a result reported as not improved "
            f"could be ({fmt.p(s.not_significant_floor)})" if s.not_significant_floor == NOT_SIGNIFICANT_FLOOR
            else f"With {unpub} set to {fmt.p(s.not_significant_floor)} (the value in force)")
    text = (f"{lead}, neither outcome would stay below "
            f"{fmt.as_published(ALPHA)} (Holm {fmt.p(best_h['mood'][0])}, false discovery rate "
            f"{fmt.p(best_b['mood'][0])}).")
    reported_only = (f"adjusting just the {fmt.words(len(s.bh_reported))} secondary P values that were "
                     "published")
    kept3 = [n for n in names if s.bh_reported[n][1]]
    if kept3:
        text += (" Only if the outcomes without a published P value were left out altogether, "
                 f"{reported_only}, would the false discovery rate method keep "
                 f"{'them' if len(kept3) == len(names) else fmt.join(kept3)} "
                 f"({fmt.p(s.bh_reported['mood'][0])}).")
    else:
        text += (f" Even {reported_only}, the false discovery rate method keeps neither "
                 f"({fmt.p(s.bh_reported['mood'][0])}).")
    return text


def difference_words(d, k: int | None = None) -> str:
    """The test of the 2013 trial against the later trials, read both ways; ``k`` is the number
    of trials compared (the later ones plus the 2013 trial), which decides 'so few'."""
    if d.p < ALPHA:
        return ("The 2013 result differs from the later trials by more than chance easily explains: "
                "something about it, or about them, was different.")
    few = (", which with so few trials is what one should expect" if k is not None and k < W.FEW_TRIALS
           else "")
    return ("That difference could be chance: the data neither show that the 2013 result was a fluke "
            f"nor that the later trials missed a real effect{few}.")


def assumptions_box(R) -> str:
    """The values in force (Markdown list) and how to change them, for the box near the top."""
    a = R.assumptions
    lines = [f"- *r* = {fmt.num(a.r, 1)}: {a.describe['r']}.",
             f"- unpublished P: the headline adjustment (@sec-multiplicity) sets the unpublished P values "
             f"to 1 (conservative); this parameter, {fmt.p(a.unpublished_p)}, gives only the other bound "
             f"({a.describe['unpublished_p']}).",
             f"- paired test = {a.paired_test_name}: {a.describe['paired_test']}.",
             _analysed_n_line(R)]
    state = ("These are the defaults." if not a.changed else
             "Changed from the defaults in this render: " + ", ".join(a.changed) + ".")
    return "\n".join(lines) + (
        f"\n\n{state} A reader can set others, for example `make report PARAMS=\"r=0.3\"` "
        "(or Quarto's `-P r:0.3`), which writes a separately named report beside this one; "
        "@sec-sensitivity shows how the conclusions move.\n")


def tests_sentence(rs) -> str:
    """Which common tests give the published responder P, and what they have in common; says
    'no common test' when none does."""
    from .claims import rounding_words
    unp, pai = W.matching_unpaired(rs), W.matching_paired_splits(rs)
    if not unp and not pai:
        return ("No common test rounds to it, unpaired or paired (for any possible split); the paper "
                "may have used another analysis.")
    text = f"{fmt.capital(rounding_words(rs))} round{'s' if len(unp) == 1 and not pai else ''} to it."
    if unp and not pai:
        text += (" " + ("It treats" if len(unp) == 1 else "All of these treat")
                 + " the LDN and placebo periods as two independent groups of women, which ignores the "
                   "pairing whichever test it is.")
    return text


def _analysed_n_line(R) -> str:
    """The analysed-n assumption for the box: the n in force, why, and every n GRIM allows."""
    g = R.grim
    span = f"from n = {g.ns[0]} to {g.ns[-1]}"
    allowed = (f"{span}, GRIM allows n = {g.fits_text}" if g.ambiguous
               else f"{span}, GRIM allows only n = {g.fits_text}")
    return (f"- analysed n = {g.n}, {g.n_reason}: {R.assumptions.describe['analysed_n']}; {allowed}.")


def do_does(n: int) -> str:
    """'one of them does', 'two of them do', 'none of them does'."""
    if int(n) == 0:
        return "none of them does"
    return f"{fmt.words(n)} of them {'does' if n == 1 else 'do'}"


def other_paired_test(rs) -> SimpleNamespace:
    """The paired responder result under the version of McNemar's test not in force."""
    return next(v for t, v in rs.paired_tests.items() if t != rs.headline.test)


def sensitivity_words(R) -> str:
    """Whether each main conclusion holds across its assumption's plausible range."""
    ev, rs, s = R.evidence, R.responders, R.secondary
    r_lo, r_hi = ev.r_range[0], ev.r_range[-1]
    null_later = all(ev.later_by_r[r].hk.low < 0 < ev.later_by_r[r].hk.high for r in ev.r_range)
    ps = [ev.diff_2013_vs_later_by_r[r].p for r in ev.r_range]
    names = ("satisfaction with life", "mood")
    sweep = s.best_by_unpublished_p
    lowest = min(sweep)
    kept_any = any(best[m][n][1] for best in sweep.values() for m in best for n in names)
    later = (f"For every r from {fmt.num(r_lo, 1)} to {fmt.num(r_hi, 1)} the later trials' pooled interval "
             + ("includes zero (no effect)" if null_later else "excludes zero for some r")
             + f", and the test of the 2013 trial against them gives P from {fmt.p(min(ps))} to "
             f"{fmt.p(max(ps))}" + (", so the 2013 result is not clearly different from the later trials"
                                    if min(ps) >= ALPHA else ""))
    sec = (f"; within the family of {fmt.words(s.n_secondary)} secondary outcomes, whatever P the "
           f"{fmt.words(W.n_unpublished(s))} unpublished ones had, " +
           ("a secondary outcome could stay below " if kept_any else "none stays below ")
           + f"{fmt.as_published(ALPHA)} after adjustment"
           + ("" if kept_any else f" (at best only just: false discovery rate "
              f"{fmt.p(min(sweep[lowest]['fdr_bh'][n][0] for n in names))} with P = {fmt.p(lowest)})"))
    tests = rs.paired_tests.values()
    mixed = all(0 < t.below_alpha < rs.n_splits for t in tests)
    paired = ("; and the paired responder result "
              + ("stays undetermined under either version of " if mixed else "depends on the version of ")
              + "McNemar's test ("
              + ", ".join(f"{fmt.of(t.below_alpha, rs.n_splits)} splits below "
                          f"{fmt.as_published(ALPHA)} with the {t.name} test" for t in tests) + ").")
    return later + sec + paired


def later_intervals_words(ev) -> str:
    """', and each one's interval includes no effect' when every later trial's does."""
    trials = [ev.trials[k] for k in ev.sets["later trials"]]
    return (", and each one's published or converted interval includes no effect" if all(t.low < 0 < t.high for t in trials)
            else "")


def final_holds_words(ev) -> str:
    """Whether FINAL's own interval still holds an effect as large as the 2013 trial's."""
    f = ev.final_includes_2013
    return (f"FINAL's own interval ({fmt.ci(f.final_low, f.final_high, 2)}) "
            + ("still includes" if f.includes else "excludes")
            + f" an effect as large as the 2013 trial's (g = {fmt.num(f.g13, 2)}).")
