"""Appraisal of Younger et al. 2013 for the report and the handout: risk of bias,
key numbers published beside recomputed, critical notes and discussion questions.

The risk-of-bias judgments are data (``data/rob2.csv``, loaded and validated by
``analysis.data``); this module only orders and shows them, their text made
literal by ``fmt.text``. Every number in the text below comes from ``Results``
through ``analysis.fmt``, so the report and the handout print the same digits.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import fmt
from .results import ALPHA
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
    """Overall RoB 2 judgment: the least favourable domain judgment (Higgins et al. 2019,
    Cochrane Handbook ch. 8, sterne2019rob2); the tool's optional upgrade of several
    'some concerns' to 'high' is a reviewer's call and is not applied here."""
    if not judgments:
        raise ValueError("overall() needs at least one domain judgment")
    return max((j.judgment for j in judgments), key=JUDGMENTS.index)


def rob2_table(pkg) -> str:
    """The RoB 2 judgments as a Markdown table, with the overall judgment as the last row."""
    js = rob2(pkg)
    rows = [[fmt.text(j.domain[0].upper() + j.domain[1:]), _SHOW[j.judgment], fmt.text(j.reason)]
            for j in js]
    rows.append(["**Overall**", _SHOW[overall(js)], "The least favourable domain judgment (the RoB 2 rule)."])
    return md_table(["Domain", "Risk of bias", "Reason"], rows, "lll", widths=[30, 13, 57])


def _mark(agrees: bool | None) -> str:
    if agrees is None:
        return "new"
    return "agrees" if agrees else "**\u2260 differs**"


def key_numbers_table(R) -> str:
    """Published numbers beside their recomputation, with a mark where they disagree."""
    rs, pain, sec = R.responders, R.pain, R.secondary
    ex = rs.paired["exact"]

    def holm(names: tuple[str, ...]) -> list[str]:
        kept = all(sec.holm3[n][1] for n in names)
        label = " / ".join(names)
        return [f"{label[0].upper() + label[1:]} P, Holm-adjusted",
                " / ".join(fmt.p(sec.reported[n]) for n in names),
                " / ".join(fmt.p(sec.holm3[n][0]) for n in names),
                "still < " + fmt.as_published(ALPHA) if kept else "**\u2260 not < " + fmt.as_published(ALPHA) + "**"]

    rows = [
        ["Analysed n; responders", f"n not given; {fmt.pct(rs.pct_ldn)} vs {fmt.pct(rs.pct_pbo)}",
         f"n = {R.n} (GRIM): {rs.x_ldn}/{rs.n} vs {rs.x_pbo}/{rs.n}",
         _mark(R.check("grim-n-vs-registry-baseline").agrees)],
        ["Responder P, unpaired \u03c7\u00b2", fmt.as_published(rs.reported_p), fmt.p(rs.chi2.p),
         _mark(rs.reproduces["chi2"])],
        ["Responder P, Fisher exact", fmt.as_published(rs.reported_p), fmt.p(rs.fisher.p),
         _mark(rs.reproduces["fisher"])],
        ["Responder P, paired McNemar (any split)", fmt.as_published(rs.reported_p),
         f"{fmt.p(ex['min'])} to {fmt.p(ex['max'])}", _mark(rs.reproduces["mcnemar_exact"])],
        ["NNT (95% CI)", "not given", rs.nnt_text, _mark(None)],
        ["Pain reduction, LDN vs placebo", f"{fmt.pct(pain.ldn, 1)} vs {fmt.pct(pain.placebo, 1)}, "
         f"{fmt.p(pain.p, prefix=True)}", f"difference {fmt.num(pain.diff)} points, 95% CI "
         f"{fmt.ci(pain.ci_t.low, pain.ci_t.high)}", _mark(None)],
        holm(("pain",)),
        holm(("satisfaction with life", "mood")),
    ]
    return md_table(["Number", "Published", "Recomputed", "Mark"], rows, "llll", widths=[34, 20, 32, 14])


def critical_notes(R) -> list[str]:
    """The critical notes, one line each, most important first (Markdown, numbers from Results)."""
    rs, des, sec, bl = R.responders, R.design, R.secondary, R.blinding
    later = R.evidence.pooled["later trials"]
    return [
        f"**Not replicated.** Pooled, the {fmt.words(len(R.evidence.sets['later trials']))} later randomized "
        f"trials give g = {fmt.est_ci(later.estimate, later.low, later.high, 2)}.",
        f"**Responder P depends on the test.** Only unpaired \u03c7\u00b2 gives {fmt.as_published(rs.reported_p)}; "
        f"Fisher gives {fmt.p(rs.fisher.p)}, paired tests {fmt.p(rs.paired['exact']['min'])} to "
        f"{fmt.p(rs.paired['exact']['max'])}.",
        f"**Unequal periods, no washout.** LDN {fmt.integer(des.weeks_ldn)} weeks, placebo "
        f"{fmt.integer(des.weeks_placebo)}; time and regression to the mean favour the longer period.",
        f"**Small.** {des.randomized} women started and probably {R.n} were analysed, at one centre.",
        f"**Blinding may have leaked.** Vivid dreams in {fmt.pct(bl.dreams_ldn)} on LDN vs "
        f"{fmt.pct(bl.dreams_pbo)} on placebo (news report); pain was self-reported.",
        f"**Many outcomes, no adjustment.** Pain, {fmt.words(sec.n_secondary)} secondary outcomes and a "
        "composite responder rule.",
    ]


def discussion_questions(R) -> list[Question]:
    """Questions for the room, each tied to a number printed elsewhere on the handout."""
    rs, des, pain, sec = R.responders, R.design, R.pain, R.secondary
    later = R.evidence.pooled["later trials"]
    sat_adj = fmt.p(sec.holm3["satisfaction with life"][0])
    g_later = fmt.num(later.estimate, 2)
    return [
        Question(f"The paper reports P = {fmt.as_published(rs.reported_p)} for responders; a paired test "
                 f"could give up to {fmt.p(rs.paired['exact']['max'])}. Which should a crossover report, "
                 "and would you still call it a finding?", fmt.p(rs.paired["exact"]["max"])),
        Question(f"Placebo lasted {fmt.integer(des.weeks_placebo)} weeks and LDN "
                 f"{fmt.integer(des.weeks_ldn)}. How could that alone produce a difference in pain?",
                 fmt.integer(des.weeks_ldn)),
        Question(f"The recovered interval for the pain difference runs from {fmt.num(pain.ci_t.low)} to "
                 f"{fmt.num(pain.ci_t.high)} points. What is the smallest difference your patients would notice?",
                 fmt.num(pain.ci_t.low)),
        Question(f"Satisfaction with life becomes {sat_adj} after Holm adjustment. Should secondary outcomes "
                 "appear in a blog post's list of benefits?", sat_adj),
        Question(f"The NNT is {rs.nnt_text}. How would you explain that interval to a patient?",
                 rs.nnt_text),
        Question(f"The later trials pool to g = {g_later}. Would you still offer LDN, and what would you tell "
                 "a patient who asks about the blog post?", g_later),
    ]


def questions_markdown(R) -> str:
    """The discussion questions as a Markdown bullet list."""
    return "\n".join(f"- {q.text}" for q in discussion_questions(R))


def notes_markdown(R) -> str:
    """The critical notes as a Markdown bullet list."""
    return "\n".join(f"- {n}" for n in critical_notes(R))
