"""Verdicts on the article's claims: our judgments, each with the evidence behind it.

The claims themselves (paraphrased) are data in ``data/claims.csv``; the
verdicts are appraisal, so they live in code, and every number in their
evidence text comes from ``Results`` through ``analysis.fmt``.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import fmt

SUPPORTED = "supported"
PARTLY = "partly supported"
NOT_SUPPORTED = "not supported"
NOT_TESTABLE = "not testable from published data"
VERDICTS = (SUPPORTED, PARTLY, NOT_SUPPORTED, NOT_TESTABLE)


@dataclass(frozen=True)
class Verdict:
    claim_id: str
    section: str
    claim: str
    verdict: str
    evidence: str


def _p(x):
    return fmt.p(x, prefix=True)


def verdicts(R) -> list[Verdict]:
    """One verdict per claim in ``data/claims.csv``, in file order."""
    rs, pain, sec, ev, des, bl = R.responders, R.pain, R.secondary, R.evidence, R.design, R.blinding
    v = R.pkg.value
    fin_d, inv_d = ev.trials["final2024"], ev.trials["innova"]
    later = ev.pooled["later trials"]
    holm_kept = [k for k, (_, keep) in sec.holm3.items() if keep]
    judged = {
        "c01": (NOT_SUPPORTED,
                f"One crossover trial of {des.randomized} women, analysed n probably {R.n}. Two later "
                f"parallel trials of about 100 women found no benefit on pain (FINAL {_p(v('fin.pain.p'))}; "
                f"INNOVA {_p(v('inv.pain.p'))}); pooled later trials g = "
                f"{fmt.est_ci(later.estimate, later.low, later.high, 2)}."),
        "c02": (NOT_TESTABLE,
                "A pharmacological rationale, not a trial result; a dose-finding study put the dose "
                f"that works in half of patients (ED50) at {fmt.num(v('df20.ed50'), 2)} mg."),
        "c03": (PARTLY,
                f"Responders in the trial: {fmt.pct(rs.pct_ldn)} on LDN vs {fmt.pct(rs.pct_pbo)} on placebo, "
                f"a difference of {fmt.num(100 * rs.rd.estimate, 0)} points "
                f"(95% CI {fmt.ci(100 * rs.rd.low, 100 * rs.rd.high, 0)}); the article's rough share "
                "is not a trial figure."),
        "c04": (PARTLY,
                "No serious adverse events and tolerability like placebo in the trial; later trials found "
                f"adverse events as often on placebo (FINAL {fmt.pct(v('fin.ae.ldn'))} vs "
                f"{fmt.pct(v('fin.ae.placebo'))}). No trial compared LDN with standard fibromyalgia drugs."),
        "c05": (NOT_TESTABLE,
                f"Cytokine data come from an uncontrolled study of {int(v('p17.n.participants.all'))} women; "
                "no trial tested the brain-inflammation mechanism or other diseases."),
        "c06": (PARTLY,
                f"{des.randomized} women started, {des.completed} completed and probably {R.n} were analysed; "
                f"LDN lasted {fmt.integer(des.weeks_ldn)} weeks and placebo {fmt.integer(des.weeks_placebo)}. "
                "Evening dosing is stated by the article only."),
        "c07": (SUPPORTED,
                f"Reported {fmt.num(pain.ldn)}% vs {fmt.num(pain.placebo)}% ({_p(pain.p)}); the difference of "
                f"{fmt.num(pain.diff)} points has a recovered 95% CI of "
                f"{fmt.ci(pain.ci_t.low, pain.ci_t.high)}. One trial; not replicated."),
        "c08": (PARTLY,
                f"Nominal {_p(sec.reported['satisfaction with life'])} and {_p(sec.reported['mood'])}; "
                "after Holm adjustment across the reported outcomes only "
                + (", ".join(holm_kept) if holm_kept else "none") + " stays below 0.05."),
        "c09": (NOT_SUPPORTED,
                f"{rs.x_ldn}/{rs.n} vs {rs.x_pbo}/{rs.n}: reported P = {fmt.as_published(rs.reported_p)} is reproduced only "
                f"by an unpaired chi-squared test ({fmt.p(rs.chi2.p)}); Fisher gives {fmt.p(rs.fisher.p)} and "
                f"paired McNemar tests {fmt.p(rs.paired['exact']['min'])} to {fmt.p(rs.paired['exact']['max'])}."),
        "c10": (NOT_SUPPORTED,
                "True when written, no longer: three later randomized trials "
                f"({int(v('b23.n.randomized.all'))}, {int(v('fin.n.randomized.all'))} and "
                f"{int(v('inv.n.randomized.all'))} women) have since been published."),
        "c11": (PARTLY,
                f"Mood improved ({_p(sec.reported['mood'])}, not surviving adjustment); fatigue did not "
                "improve in the trial."),
        "c12": (NOT_SUPPORTED,
                f"Vivid dreams were reported by {fmt.pct(bl.dreams_ldn)} on LDN vs {fmt.pct(bl.dreams_pbo)} "
                f"on placebo [news report]; the larger later trials found no pain benefit (SMD "
                f"{fmt.num(fin_d.estimate, 2)} and {fmt.signed(inv_d.estimate, 2)})."),
    }
    out = []
    for cid, row in R.pkg.claims.iterrows():
        if cid not in judged:
            raise KeyError(f"data/claims.csv: claim '{cid}' has no verdict in analysis/claims.py")
        verdict, evidence = judged[cid]
        out.append(Verdict(cid, row["section"], row["paraphrase"], verdict, evidence))
    extra = set(judged) - set(R.pkg.claims.index)
    if extra:
        raise KeyError(f"analysis/claims.py judges claims not in data/claims.csv: {sorted(extra)}")
    return out
