"""Tables for the report and the handout, as Markdown pipe-table strings.

Both renderers (Quarto and the offline one) turn a Markdown table printed by a
cell into a real table in HTML and in Typst; the documents wrap these strings
in ``IPython.display.Markdown``. Numbers come from ``Results`` via ``fmt``.

Cells are Markdown. Text from ``data/`` goes through ``fmt.text`` (literal:
no emphasis, links, HTML, math or citations) before it becomes part of a cell;
only markup this module writes itself (bold verdicts, code-span ids, citations
built by ``fmt.citation``) is interpreted.
"""
from __future__ import annotations

from . import fmt, registry
from .claims import verdicts

TAG_NAMES = {"A": "abstract", "R": "registry", "N": "news/secondary"}


def md_table(headers: list[str], rows: list[list], align: str | None = None,
             widths: list[int] | None = None) -> str:
    """A pipe table; ``align`` is one letter per column (l, r, c); ``widths`` are
    relative column widths (pandoc reads them from the dashes of the rule line
    when a row is longer than 72 characters, which long tables always have)."""
    def cell(x) -> str:
        s = str(x)
        if "\n" in s:
            raise ValueError(f"a table cell cannot hold a line break: {s!r}; pass data text "
                             "through fmt.text")
        return _escape_pipes(s)
    align = align or "l" * len(headers)
    widths = widths or [3] * len(headers)

    def rule(a: str, w: int) -> str:
        dashes = "-" * max(3, w)
        return {"l": ":" + dashes, "r": dashes + ":", "c": ":" + dashes + ":"}[a]
    lines = ["| " + " | ".join(cell(h) for h in headers) + " |",
             "|" + "|".join(rule(a, w) for a, w in zip(align, widths)) + "|"]
    lines += ["| " + " | ".join(cell(x) for x in row) + " |" for row in rows]
    return "\n".join(lines)


def _escape_pipes(s: str) -> str:
    """``s`` with every pipe that is not already backslash-escaped escaped, so it stays one cell."""
    out, i = [], 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s):
            out.append(s[i:i + 2])
            i += 2
            continue
        out.append("\\|" if s[i] == "|" else s[i])
        i += 1
    return "".join(out)


def tagged(pkg, number_id: str, text: str | None = None, digits: int | None = None) -> str:
    """A published number with its evidence level, as literal Markdown: '37% [N]', '57% [N, unconfirmed]'."""
    row = pkg.number(number_id)
    prov = pkg.provenance(number_id)
    if text is None:
        d = digits if digits is not None else fmt.decimals(row["value"])
        text = fmt.num(row["value"], d) + ("%" if row["unit"] == "percent" else "")
    marks = [prov["tag"]] if prov["tag"] != "A" else []
    if not prov["confirmed"]:
        marks.append("unconfirmed")
    return fmt.text(text + (f" [{', '.join(marks)}]" if marks else ""))


def _missing(x) -> bool:
    import pandas as pd
    return x is None or bool(pd.isna(x))



def claims_table(R) -> str:
    """Every claim of the post with the post's own figure, our verdict and the evidence."""
    rows = []
    for v in verdicts(R):
        figure = f" The post's figure: {fmt.text(v.claimed)}." if v.claimed else ""
        rows.append([f"{fmt.text(v.claim)}{figure} ({fmt.text(v.section)})", f"**{v.verdict}**",
                     v.evidence])
    return md_table(["The post's claim (paraphrased; section)", "Verdict", "Evidence"], rows,
                    widths=[36, 14, 50])


def claims_summary_table(R) -> str:
    """The handout's compact version: the claim in a few words, verdict, one-line reason;
    the claims no published data can test share one row, and so do those outside this review."""
    from .claims import GROUPED_LABELS
    vs = verdicts(R)
    rows = [[fmt.text(v.short) + (f" (post: {fmt.text(v.claimed)})" if v.claimed else ""),
             f"**{v.verdict}**", fmt.text(v.reason)] for v in vs if v.verdict not in GROUPED_LABELS]
    for label in GROUPED_LABELS:
        group = [v for v in vs if v.verdict == label]
        if group:
            rows.append([fmt.capital(fmt.count(len(group), "more claim")), f"**{label}**",
                         "; ".join(fmt.text(v.short) for v in group)])
    return md_table(["The post's claim", "Verdict", "Why"], rows, widths=[30, 16, 54])


_SCALES = {"points 0-10": "on a 0\u201310 scale", "points 0-100": "on a 0\u2013100 scale",
           "FIQR points": "questionnaire points (0\u2013100)", "SPIR points": "summed-rating points"}


def on_own_scale(pkg, number_id: str) -> str:
    """A published difference on its trial's own pain scale, with its interval when published:
    "−0.34 points on a 0–10 scale (95% CI −0.95 to 0.27)"."""
    row = pkg.number(number_id)
    d = fmt.decimals(row["value"])
    unit = str(row["unit"])
    scale = _SCALES.get(unit)
    if scale is None:
        raise ValueError(f"{number_id}: no pain scale is known for unit {unit!r}")
    if unit.startswith("points"):
        text = f"{fmt.signed(row['value'], d)} points {scale}"
    else:
        text = f"{fmt.signed(row['value'], d)} {scale}"
    if not _missing(row["low"]) and not _missing(row["high"]):
        text += f" (95% CI {fmt.ci(row['low'], row['high'], d)})"
    return text


def glance_table(R) -> str:
    p = R.pkg
    rows = [
        ["Design", "randomized, double-blind, placebo-controlled crossover, counterbalanced order", "A"],
        ["Participants", f"{tagged(p, 'y13.n.participants.all')} women with fibromyalgia", "A"],
        ["Setting", "one centre, Stanford University School of Medicine", "R"],
        ["Drug", f"naltrexone {tagged(p, 'y13.dose.ldn')} mg by mouth daily", "A"],
        ["Phases", f"baseline {tagged(p, 'y13.weeks.baseline')} wk; LDN {tagged(p, 'y13.weeks.ldn')} wk; "
                   f"placebo {tagged(p, 'y13.weeks.placebo')} wk; follow-up "
                   f"{tagged(p, 'y13.conf.weeks.followup')} wk", "R, N"],
        ["Primary outcome", "daily pain, 0-100 scale; end point = mean of the last "
                            f"{tagged(p, 'y13.days.endpoint')} days of each condition, as % reduction "
                            "from baseline", "R"],
        ["Secondary outcomes", "satisfaction with life, positive mood, sleep quality, fatigue", "A"],
        ["Registered outcomes", f"{fmt.words(int(p.value('y13.reg2012.outcomes.primary.count')))} primary "
                                f"(pain, sleep quality, fatigue; {registry.history(p).primary_since_short()}), "
                                "laboratory pain sensitivity secondary (2012 version); satisfaction and "
                                "mood not listed", "R"],
        ["Analysed n", f"not stated in the abstract; {R.n} by the consistency check below", "computed"],
    ]
    return md_table(["Item", "What the trial did", "Source"], rows)


def flow_table(R) -> str:
    p, d = R.pkg, R.design
    rows = [
        ["Screened online", tagged(p, "y13.n.screened.all"), "registry"],
        ["Enrolled (registry; includes withdrawals before assignment)", tagged(p, "y13.n.enrolled.all"), "registry"],
        ["Randomized and started (abstract: participants)", tagged(p, "y13.n.participants.all"), "abstract"],
        ["Started LDN first / placebo first",
         f"{tagged(p, 'y13.n.started.ldn-first')} / {tagged(p, 'y13.n.started.placebo-first')}", "registry"],
        ["Completed", f"{d.completed} ({tagged(p, 'y13.n.completed.ldn-first')} + "
                      f"{tagged(p, 'y13.n.completed.placebo-first')})", "registry"],
        ["In the registry's baseline table", tagged(p, "y13.n.baseline.all"), "registry"],
        ["Completers in the 2012 presentation", tagged(p, "y13.conf.n.completed.all"), "news"],
        ["Analysed (inferred from the responder percentages)", str(R.n), "computed here"],
    ]
    return md_table(["Stage", "Women", "Source"], rows, "lrl")


def grim_table(R) -> str:
    g = R.grim
    rows = []
    for n, (c1, c2) in g.scan:
        def show(cs, pct):
            return ", ".join(f"{k}/{n} = {fmt.num(100 * k / n, 1)}%" for k in cs) if cs else "none"
        both = "**yes**" if c1 and c2 else "no"
        rows.append([n, show(c1, g.pcts[0]), show(c2, g.pcts[1]), both])
    return md_table(["n analysed", f"counts giving {fmt.pct(g.pcts[0])}",
                     f"counts giving {fmt.pct(g.pcts[1])}", "fits both"], rows, "rllc")


def responder_tests_table(R) -> str:
    """Every common test of the responder counts, with its P (a range over the possible
    splits for the paired ones) and whether it rounds to the published P."""
    rs = R.responders

    def mark(key):
        return "yes" if rs.reproduces.get(key) else "no"

    def paired(attr, key):
        ps = [getattr(sp, attr) for sp in rs.splits]
        hits = sorted({t.a for t in rs.tests_rounding_to_published if t.key == key})
        rounds = "no" if not hits else "split " + ", ".join(map(str, hits)) + " only"
        return f"{fmt.p_exact(min(ps))} to {fmt.p_exact(max(ps))}", rounds
    rows = [
        ["Pearson chi-squared, no continuity correction", "independent groups", fmt.p_exact(rs.chi2.p), mark("chi2")],
        ["Chi-squared with Yates continuity correction", "independent groups", fmt.p_exact(rs.chi2_cc.p), mark("chi2_cc")],
        ["Fisher exact test, two-sided", "independent groups", fmt.p_exact(rs.fisher.p), mark("fisher")],
        ["Fisher exact test, one-sided (more responders on LDN)", "independent groups",
         fmt.p_exact(rs.fisher_greater.p), mark("fisher_greater")],
    ]
    for name, attr, key in (("McNemar exact (binomial)", "exact", "mcnemar_exact"),
                            ("McNemar mid-p", "midp", "mcnemar_midp"),
                            ("McNemar chi-squared, no continuity correction", "asymptotic", "mcnemar_asymptotic"),
                            ("McNemar chi-squared with continuity correction", "asymptotic_cc", "mcnemar_asymptotic_cc")):
        rng, rounds = paired(attr, key)
        rows.append([name, "paired (same women)", rng, rounds])
    return md_table(["Test", "Treats the data as", "P",
                     f"Rounds to the reported {fmt.as_published(rs.reported_p)}?"],
                    rows, "llrl", widths=[40, 20, 18, 22])


def splits_table(R) -> str:
    """Every paired table consistent with the counts: McNemar P values, the Newcombe paired
    interval (to one decimal, so that it shows whether it crosses zero) and the fragility."""
    rs = R.responders
    rows = [[f"{s.a}", f"{s.b}", f"{s.c}", f"{s.d}", fmt.p_exact(s.exact), fmt.p_exact(s.midp),
             fmt.p_exact(s.asymptotic), fmt.ci(100 * s.ci.low, 100 * s.ci.high, 1), fmt.text(s.nnt_text),
             f"{fmt.integer(s.fragility_exact.estimate)} / {fmt.integer(s.fragility_midp.estimate)}"]
            for s in rs.splits]
    return md_table(["Both", "LDN only", "Placebo only", "Neither", "McNemar exact P", "mid-p P",
                     "chi-squared P", "Paired difference, 95% CI (points)", "NNT (paired 95% CI)",
                     "Outcomes to change to cross 0.05 (exact / mid-p)"], rows, "rrrrrrrlll",
                    widths=[6, 6, 7, 7, 8, 7, 8, 15, 20, 16])


def multiplicity_table(R) -> str:
    """The four secondary outcomes, Holm and BH adjusted with the unpublished P values at 1
    (conservative) and just above alpha (the other bound); the reported-only family as a
    sensitivity line."""
    s = R.secondary

    def adj(d, name):
        p, keep = d[name]
        return f"{fmt.p(p)}{' (kept)' if keep else ''}"
    floor = fmt.p(s.not_significant_floor)
    rows = []
    for name, pval in s.family4.items():
        rows.append([name, fmt.p(pval) if pval is not None else "not given (\"not improved\")",
                     adj(s.holm4, name), adj(s.bh4, name), adj(s.holm4_best, name),
                     adj(s.bh4_best, name)])
    for name in s.holm_reported:
        rows.append([f"{name}: sensitivity, the {fmt.words(len(s.holm_reported))} secondary outcomes "
                     "with a published P only",
                     fmt.p(s.reported[name]), adj(s.holm_reported, name), adj(s.bh_reported, name), "", ""])
    return md_table(["Outcome", "Reported P", "Holm, unknown = 1", "BH, unknown = 1",
                     f"Holm, unknown = {floor}", f"BH, unknown = {floor}"], rows, "lrrrrr",
                    widths=[34, 14, 13, 13, 13, 13])


def checks_table(R) -> str:
    def result(c):
        if c.agrees:
            return "agrees"
        return "another analysis" if c.kind == "analysis" else "**does not fit**"
    rows = [[c.what, fmt.as_published(c.published), _num(c.recomputed), result(c), c.rule]
            for c in R.checks]
    return md_table(["Check", "Published", "Recomputed", "Result", "Rule"], rows, "lrrll")


def _num(x: float) -> str:
    if float(x).is_integer():
        return fmt.integer(x)
    return fmt.p_exact(x, 4) if 0 < x < 1 else fmt.num(x, 2)


def interval_decimals(row) -> int:
    """Decimals to print a published interval with: the most any of estimate, lower and upper
    limit carries. A stored float drops trailing zeros (-1.20 is read as -1.2), so one limit's
    own decimals can understate the published precision, and the lower limit's alone would print
    -0.5 for a published -0.51; an interval is published at one precision, the estimate's."""
    return max(fmt.decimals(row[k]) for k in ("value", "low", "high") if not _missing(row[k]))


def provenance_table(pkg) -> str:
    rows = []
    for nid, row in pkg.numbers.iterrows():
        prov = pkg.provenance(nid)
        value = fmt.as_published(row["value"])
        if not _missing(row["relation"]) and row["relation"] != "eq":
            value = {"lt": "<", "gt": ">", "le": "\u2264", "ge": "\u2265", "approx": "\u2248"}.get(
                row["relation"], "") + value
        if not _missing(row["low"]):
            value += f" ({fmt.ci(row['low'], row['high'], interval_decimals(row))})"
        value = fmt.with_unit(value, row["value"], None if _missing(row["unit"]) else row["unit"])
        rows.append([fmt.code(nid), fmt.text(value), fmt.code(row["source_id"]), fmt.text(row["location"]),
                     fmt.text(prov["tag"]), "yes" if prov["confirmed"] else "**no**"])
    return md_table(["Number", "Value", "Source (see the sources table)", "Where in the source", "Tag",
                     "Confirmed"], rows, "llllcc", widths=[33, 16, 19, 21, 4, 7])


def sources_table(pkg) -> str:
    """Each source document once, with its citation: the provenance table refers to these ids."""
    rows = [[fmt.code(sid), fmt.text(pkg.studies.loc[row["study_id"], "label"]), fmt.text(row["kind"]),
             fmt.text(row["tag"]), fmt.citation(row["bib_key"])] for sid, row in pkg.sources.iterrows()]
    return md_table(["Source", "Study", "Kind", "Tag", "Reference"], rows, "lllcl",
                    widths=[30, 30, 16, 6, 18])


def trials_table(R) -> str:
    """Each pooled study of the roster (data/pooling.csv) on the common scale, and how it was
    converted (a study that was not randomized says so instead)."""
    ev = R.evidence
    studies = R.pkg.studies
    rows = []
    for e in ev.roster:
        if not e.pooled:
            continue
        g, st = ev.trials[e.study_id], studies.loc[e.study_id]
        randomized = not _missing(st["randomized"]) and bool(st["randomized"])
        how = e.conversion_label if randomized else fmt.text(st["role"]) + ", not randomized"
        rows.append([fmt.text(st["label"]), fmt.text(st["design"]), fmt.est_ci(g.estimate, g.low, g.high, 2),
                     how])
    return md_table(["Trial", "Design", "Hedges' g (95% CI); negative favours LDN", "Converted from"],
                    rows, "llrl")


def disagreement_callout(R) -> str:
    """A callout on the checks that do not agree: published numbers that do not fit
    together, and published values that other reasonable analyses do not give (which
    is not an error in the paper)."""
    misfit = [c for c in R.checks if not c.agrees and c.kind != "analysis"]
    other = [c for c in R.checks if not c.agrees and c.kind == "analysis"]
    if not misfit and not other:
        return ("::: {.callout-note}\n## All checks agree\nEvery published number we could "
                "recompute agrees with our recomputation to the published digits.\n:::")
    parts = []
    if misfit:
        parts.append("Published numbers that do not fit together:\n\n" + "\n".join(
            f"- {c.what}: published {fmt.as_published(c.published)}, recomputed {_num(c.recomputed)}."
            for c in misfit))
    if other:
        parts.append("Analyses other than the one the paper probably used (not errors in the paper):\n\n"
                     + "\n".join(f"- {c.what}: published {fmt.as_published(c.published)}, this analysis "
                                  f"gives {_num(c.recomputed)}." for c in other))
    return ("::: {.callout-note}\n## Where our recomputations give other values\n"
            + "\n\n".join(parts) + "\n:::")


def forest_rows(R) -> list[dict]:
    """Rows for ``figures.forest``: each trial on the common scale, weights from the main pooling."""
    ev, studies = R.evidence, R.pkg.studies
    pooled = ev.pooled[ev.main_set]
    weights = dict(zip(pooled.labels, pooled.weights))
    rows = []
    for sid in ev.trials:  # the pooled studies, in the roster's order
        g, st = ev.trials[sid], studies.loc[sid]
        label = st["label"]
        if not st["randomized"] and "pilot" not in label:
            label += " (not randomized)"
        rows.append({"label": label, "year": None if _missing(st["year"]) else int(st["year"]), "design": st["design"],
                     "estimate": g.estimate, "low": g.low, "high": g.high,
                     "weight": weights.get(sid), "randomized": bool(st["randomized"])})
    return rows


def forest_pooled(m) -> dict:
    """The pooled diamond: REML estimate with the Hartung-Knapp interval, and the prediction interval."""
    return {"label": f"Pooled, random effects (k = {m.k})", "estimate": m.estimate, "low": m.hk.low,
            "high": m.hk.high, "pi_low": m.pi_low, "pi_high": m.pi_high}


REVIEWS = [  # (study_id, k number id, pooled pain number id, scale shown)
    ("vatvani2024", "vat24.n.trials", "vat24.pain.md", "mean difference, 0-10 pain"),
    ("annmedsurg2025", "ams25.n.trials", "ams25.pain.smd", "SMD"),
    ("ologunowa2025", "olo25.n.studies", "olo25.pain.smd", "SMD"),
]


def reviews_table(R) -> str:
    """Each review's published pooled pain estimate beside our poolings of candidate trial sets."""
    p, ev = R.pkg, R.evidence
    rows = []
    for sid, k_id, est_id, scale in REVIEWS:
        row = p.number(est_id)
        rows.append([fmt.text(p.studies.loc[sid, "label"]), tagged(p, k_id),
                     f"{fmt.est_ci(row['value'], row['low'], row['high'], 2)} ({scale})",
                     "published; trial list not in the abstract"])
    for key, label in ev.set_descriptions.items():  # data/pooling_sets.csv, in its order
        m = ev.pooled[key]
        rows.append([f"This report: {label}", str(m.k), f"{fmt.est_ci(m.estimate, m.hk.low, m.hk.high, 2)} (Hedges' g)",
                     f"REML, Hartung\u2013Knapp interval; I\u00b2 (from Q) {fmt.prop_pct(m.i2)}"])
    return md_table(["Pooling", "Trials", "Pooled pain effect", "Note"], rows, "lrll",
                    widths=[32, 8, 38, 22])


def sensitivity_table(R) -> str:
    """How the main conclusions move when one assumption moves across its plausible range
    (results.ASSUMPTIONS) with the others at the values in force; the row in force is marked."""
    from .results import ALPHA
    a, ev, rs, s = R.assumptions, R.evidence, R.responders, R.secondary
    mark = lambda k, val: " (in force)" if getattr(a, k) == val else ""  # noqa: E731
    rows = []
    for r in ev.r_range:
        g13, later, d = ev.by_r[r]["younger2013"], ev.later_by_r[r], ev.diff_2013_vs_later_by_r[r]
        rows.append(["Within-person correlation r", f"{fmt.num(r, 1)}{mark('r', r)}",
                     f"2013 trial g = {fmt.num(g13.estimate, 2)}; later trials pooled "
                     f"g = {fmt.num(later.estimate, 2)} (95% CI {fmt.ci(later.hk.low, later.hk.high, 2)}); "
                     f"2013 vs later {fmt.p(d.p, prefix=True)}",
                     "later trials: no clear benefit" if later.hk.low < 0 < later.hk.high
                     else "later trials: a clear effect"])
    names = ("satisfaction with life", "mood")

    def unpublished_mark(u) -> str:
        # the headline adjustment sets unpublished P values to family4_unknown_set_to (1); the
        # parameter unpublished_p is only the other bound (issue 23: "0.051 (in force)" read as
        # the headline's value)
        marks = (["headline"] if u == s.family4_unknown_set_to else []) + \
                (["parameter, the other bound"] if getattr(a, "unpublished_p") == u
                 and u != s.family4_unknown_set_to else [])
        return f" ({'; '.join(marks)})" if marks else ""
    for u, best in s.best_by_unpublished_p.items():
        h, b = best["holm"], best["fdr_bh"]
        kept = [n for n in names if h[n][1] or b[n][1]]
        n_unpub = sum(p is None for p in s.family4.values())
        rows.append([f"P of the {fmt.words(n_unpub)} unpublished secondary outcomes",
                     f"{fmt.p(u)}{unpublished_mark(u)}",
                     "adjusted P, Holm / false discovery rate: "
                     + "; ".join(f"{n} {fmt.p(h[n][0])} / {fmt.p(b[n][0])}" for n in names),
                     ("kept: " + ", ".join(kept)) if kept else
                     f"neither stays below {fmt.as_published(ALPHA)}"])
    for t in rs.paired_tests.values():
        rows.append(["McNemar test for the paired responder result",
                     f"{t.name}{mark('paired_test', t.test)}",
                     f"P {fmt.p_exact(t.low)} to {fmt.p_exact(t.high)} over the "
                     f"{fmt.words(rs.n_splits)} possible splits",
                     f"{fmt.of(t.below_alpha, rs.n_splits)} splits below "
                     f"{fmt.as_published(ALPHA)}"])
    return md_table(["Assumption", "Value", "What moves", "Conclusion"], rows, "llll",
                    widths=[22, 12, 44, 22])

