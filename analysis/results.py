"""Every recomputation in the report, from the published numbers in ``data/``.

``compute(pkg)`` is the one entry point the documents call; it returns a
``Results`` object whose attributes the report and the handout print through
``analysis.fmt``. Nothing here reads files (``analysis.data`` does) or prints.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

from . import fmt, meta, stats
from .core import Result

GRIM_NS = range(20, 32)      # plausible analysed n: 20 up to the 31 who started
PCT_SCAN_NS = range(10, 61)  # wider range for every published percentage of the 2013 trial
PCT_NS_OF_INTEREST = (28, 29, 31)  # GRIM-inferred analysed, completers (registry), randomized
SIDE_EFFECTS = ("vivid_dreams", "headache")  # the news report's side-effect percentages
NOT_SIGNIFICANT_FLOOR = 0.051  # least P an unpublished "not significant" result could have (as missing_assumed)
CROSSOVER_R = 0.5            # assumed within-person correlation (named, varied below)
R_RANGE = (0.3, 0.5, 0.8)
ALPHA = 0.05
POWER_TARGETS = (0.80, 0.90)


@dataclass(frozen=True)
class Check:
    """A published number set beside its recomputation."""

    id: str
    what: str
    published: float
    recomputed: float
    agrees: bool
    rule: str  # how agreement was judged
    # "consistency": do published numbers fit together? "analysis": which analysis
    # gives the published value (another analysis giving another value is no error)
    kind: str = "consistency"


@dataclass
class Results:
    pkg: object
    n: int                                  # analysed n used below (GRIM inference)
    grim: SimpleNamespace
    design: SimpleNamespace
    responders: SimpleNamespace
    pain: SimpleNamespace
    secondary: SimpleNamespace
    blinding: SimpleNamespace
    evidence: SimpleNamespace
    checks: list[Check] = field(default_factory=list)
    assumptions: SimpleNamespace | None = None  # the values in force (results.assumptions)

    def check(self, check_id: str) -> Check:
        for c in self.checks:
            if c.id == check_id:
                return c
        raise KeyError(f"no check '{check_id}'")

    @property
    def disagreements(self) -> list[str]:
        return sorted(c.id for c in self.checks if not c.agrees)


def _rounds_to(value: float, published: float, decimals: int) -> bool:
    """True if ``value`` rounded half-up to ``decimals`` gives ``published``."""
    from decimal import ROUND_HALF_UP, Decimal
    q = Decimal(1).scaleb(-decimals)
    return Decimal(repr(value)).quantize(q, rounding=ROUND_HALF_UP) == \
        Decimal(repr(published)).quantize(q, rounding=ROUND_HALF_UP)


def p_range_from_rounded_ci(est: float, low: float, high: float) -> tuple[float, float]:
    """Range of P values (normal theory, Altman & Bland 2011) over every interval
    that rounds to the published limits: the limits are known only to their digits."""
    half = fmt.rounding_half(low, high, est)
    ps = [stats.p_from_ci(est, lo, hi).extra["p_exact_normal"]
          for lo in (low - half, low + half) for hi in (high - half, high + half)]
    return min(ps), max(ps)


# The report's assumptions, as Quarto parameters (report.qmd's `parameters` cell):
# name -> (default, the values the sensitivity appendix shows, what it is).
ASSUMPTIONS = {
    "r": (CROSSOVER_R, R_RANGE,
          "within-person correlation of pain scores, for putting crossover results on the "
          "parallel-trial scale"),
    "unpublished_p": (NOT_SIGNIFICANT_FLOOR, (NOT_SIGNIFICANT_FLOOR, 0.2, 0.5, 1.0),
                      "the most favourable P assumed for the two secondary outcomes reported only as "
                      "'not improved'"),
    "paired_test": ("midp", ("midp", "exact"),
                    "version of McNemar's test for the headline paired responder result"),
}
PAIRED_TESTS = {"midp": "mid-p", "exact": "exact"}


def assumptions(r: float = CROSSOVER_R, unpublished_p: float = NOT_SIGNIFICANT_FLOOR,
                paired_test: str = "midp") -> SimpleNamespace:
    """The assumptions checked and named: a clear error for a value outside its range."""
    try:
        r, unpublished_p = float(r), float(unpublished_p)
    except (TypeError, ValueError):
        raise ValueError(f"r and unpublished_p must be numbers, got r={r!r}, "
                         f"unpublished_p={unpublished_p!r}") from None
    if not 0 < r < 1:
        raise ValueError(f"r = {r}: the within-person correlation must lie between 0 and 1 "
                         "(exclusive); 0.5 is the default, 0.3 to 0.8 the plausible range")
    if not ALPHA < unpublished_p <= 1:
        raise ValueError(f"unpublished_p = {unpublished_p}: outcomes reported as 'not improved' "
                         f"had P above {ALPHA}, so the value must be above {ALPHA} and at most 1")
    if paired_test not in PAIRED_TESTS:
        raise ValueError(f"paired_test = {paired_test!r}: choose one of "
                         + ", ".join(repr(k) for k in PAIRED_TESTS))
    defaults = {k: d for k, (d, _, _) in ASSUMPTIONS.items()}
    given = {"r": r, "unpublished_p": unpublished_p, "paired_test": paired_test}
    return SimpleNamespace(**given, paired_test_name=PAIRED_TESTS[paired_test],
                           changed=sorted(k for k in given if given[k] != defaults[k]),
                           describe={k: ASSUMPTIONS[k][2] for k in ASSUMPTIONS})


def compute(pkg, *, r: float = CROSSOVER_R, unpublished_p: float = NOT_SIGNIFICANT_FLOOR,
            paired_test: str = "midp") -> Results:
    """Every recomputation; the keyword arguments are the report's assumptions
    (see ASSUMPTIONS), checked by :func:`assumptions`."""
    assume = assumptions(r, unpublished_p, paired_test)
    v = pkg.value
    checks: list[Check] = []

    # 1. Sample-size consistency (GRIM) --------------------------------------
    pcts = (v("y13.responders.ldn"), v("y13.responders.placebo"))
    scan = stats.grim_scan(pcts, GRIM_NS)
    fits = stats.grim_consistent_ns(pcts, GRIM_NS)
    if len(fits) != 1:
        raise ValueError(f"GRIM: {len(fits)} values of n fit both responder percentages; "
                         "the report assumes exactly one")
    n = fits[0]
    counts = dict(scan)[n]
    x_ldn, x_pbo = counts[0][0], counts[1][0]
    grim = SimpleNamespace(pcts=pcts, ns=list(GRIM_NS), scan=scan, fits=fits, n=n,
                           x_ldn=x_ldn, x_pbo=x_pbo,
                           fits_ldn=[m for m, c in scan if c[0]],
                           fits_pbo=[m for m, c in scan if c[1]],
                           registry_baseline=int(v("y13.n.baseline.all")),
                           conference_completers=int(v("y13.conf.n.completed.all")))
    grim.all_percentages, grim.percent_joint_by_source = _grim_all_percentages(pkg)
    # n at which both arms of one quantity fit, and all side-effect percentages at once
    by_q: dict[str, list[set[int]]] = {}
    for pc in grim.all_percentages:
        by_q.setdefault(pc.quantity, []).append(set(pc.ns))
    grim.percent_joint_by_quantity = {q: sorted(set.intersection(*ss)) for q, ss in by_q.items()}
    grim.side_effects_joint = sorted(set.intersection(
        *[set(pc.ns) for pc in grim.all_percentages if pc.quantity in SIDE_EFFECTS]))
    grim.pct_scan_ns = list(PCT_SCAN_NS)
    grim.pct_ns_of_interest = PCT_NS_OF_INTEREST

    # 2. Design facts ----------------------------------------------------------
    started = int(v("y13.n.started.ldn-first") + v("y13.n.started.placebo-first"))
    completed = int(v("y13.n.completed.ldn-first") + v("y13.n.completed.placebo-first"))
    weeks_ldn, weeks_pbo = v("y13.weeks.ldn"), v("y13.weeks.placebo")
    days_end = v("y13.days.endpoint")
    design = SimpleNamespace(
        screened=int(v("y13.n.screened.all")), enrolled_registry=int(v("y13.n.enrolled.all")),
        randomized=int(v("y13.n.participants.all")), started=started, completed=completed,
        baseline_table=int(v("y13.n.baseline.all")), analysed=n,
        weeks_baseline=v("y13.weeks.baseline"), weeks_ldn=weeks_ldn, weeks_placebo=weeks_pbo,
        weeks_followup=v("y13.conf.weeks.followup"), weeks_participation=v("y13.weeks.participation"),
        placebo_share=weeks_pbo / weeks_ldn, endpoint_days=days_end,
        endpoint_share_ldn=days_end / (7 * weeks_ldn), endpoint_share_pbo=days_end / (7 * weeks_pbo),
        dose=v("y13.dose.ldn"), dose_low=v("y13.dose.range-low.ldn"),
        sequences=[
            ("LDN first", [("Baseline", v("y13.weeks.baseline")), ("LDN", weeks_ldn),
                           ("Placebo", weeks_pbo), ("Follow-up", v("y13.conf.weeks.followup"))]),
            ("Placebo first", [("Baseline", v("y13.weeks.baseline")), ("Placebo", weeks_pbo),
                               ("LDN", weeks_ldn), ("Follow-up", v("y13.conf.weeks.followup"))]),
        ])
    # When is each condition's end point reached, counted from the start of
    # the study (baseline included), in each counterbalanced sequence?
    timing = stats.condition_end_times(dict(design.sequences))
    design.endpoint_weeks_by_sequence = timing["by_sequence"]
    design.endpoint_week_ldn = timing["mean"]["LDN"]
    design.endpoint_week_pbo = timing["mean"]["Placebo"]
    design.endpoint_gap_weeks = design.endpoint_week_ldn - design.endpoint_week_pbo
    design.endpoint_window_weeks = days_end / 7
    checks.append(Check("started-equals-randomized", "women who started (registry) vs randomized (abstract)",
                        design.randomized, started, started == design.randomized, "equal counts"))
    checks.append(Check("grim-n-vs-registry-baseline", "GRIM-inferred analysed n vs registry baseline table",
                        design.baseline_table, n, n == design.baseline_table, "equal counts"))

    # 3. Responders ------------------------------------------------------------
    rd = stats.newcombe_diff(x_ldn, n, x_pbo, n)
    nnt = stats.nnt(rd)
    unpaired = {
        "chi2": stats.chi2_2x2(x_ldn, n, x_pbo, n, correction=False),
        "chi2_cc": stats.chi2_2x2(x_ldn, n, x_pbo, n, correction=True),
        "fisher": stats.fisher_2x2(x_ldn, n, x_pbo, n),
    }
    fisher_greater = stats.fisher_2x2(x_ldn, n, x_pbo, n, alternative="greater")
    paired = stats.paired_p_range(n, x_ldn, x_pbo)
    paired_fragility = {t: stats.paired_fragility_over_splits(n, x_ldn, x_pbo, ALPHA, test=t)
                        for t in ("exact", "midp")}
    splits = []
    for split in paired["splits"]:
        a, b, c, d = split
        splits.append(SimpleNamespace(
            a=a, b=b, c=c, d=d, exact=paired["exact"]["by_split"][split],
            midp=paired["midp"]["by_split"][split],
            asymptotic=stats.mcnemar_asymptotic(b, c).p,
            asymptotic_cc=stats.mcnemar_asymptotic(b, c, correction=True).p,
            fragility_exact=paired_fragility["exact"]["by_split"][split],
            fragility_midp=paired_fragility["midp"]["by_split"][split],
            ci=stats.newcombe_paired_diff(a, b, c, d)))
    reported_p = v("y13.responders.p")
    dec = fmt.decimals(reported_p)
    reproduces = {k: _rounds_to(r.p, reported_p, dec) for k, r in unpaired.items()}
    reproduces["mcnemar_exact"] = any(_rounds_to(s.exact, reported_p, dec) for s in splits)
    reproduces["mcnemar_midp"] = any(_rounds_to(s.midp, reported_p, dec) for s in splits)
    reproduces["fisher_greater"] = _rounds_to(fisher_greater.p, reported_p, dec)
    # Every common test beside the published P, at the published precision.
    rows = [("chi2", "Pearson chi-squared, no correction", "unpaired", None, unpaired["chi2"].p),
            ("chi2_cc", "chi-squared with Yates correction", "unpaired", None, unpaired["chi2_cc"].p),
            ("fisher", "Fisher exact, two-sided", "unpaired", None, unpaired["fisher"].p),
            ("fisher_greater", "Fisher exact, one-sided (LDN > placebo)", "unpaired", None,
             fisher_greater.p)]
    for sp in splits:
        rows += [("mcnemar_exact", "McNemar exact", "paired", sp.a, sp.exact),
                 ("mcnemar_midp", "McNemar mid-p", "paired", sp.a, sp.midp),
                 ("mcnemar_asymptotic", "McNemar chi-squared, no correction", "paired", sp.a,
                  sp.asymptotic),
                 ("mcnemar_asymptotic_cc", "McNemar chi-squared with continuity correction",
                  "paired", sp.a, sp.asymptotic_cc)]
    tests_rounding = [SimpleNamespace(key=k, test=t, design=dsg, a=a, p=p,
                                      rounds=_rounds_to(p, reported_p, dec), decimals=dec)
                      for k, t, dsg, a, p in rows]
    responders = SimpleNamespace(
        n=n, x_ldn=x_ldn, x_pbo=x_pbo, pct_ldn=pcts[0], pct_pbo=pcts[1], reported_p=reported_p,
        wilson_ldn=stats.wilson(x_ldn, n), wilson_pbo=stats.wilson(x_pbo, n),
        rd=rd, nnt=nnt, nnt_text=stats.describe_nnt(nnt, 0, limit_digits=1), **unpaired,
        fisher_greater=fisher_greater,
        paired=paired, splits=splits, reproduces=reproduces, tests_rounding=tests_rounding,
        tests_rounding_to_published=[r for r in tests_rounding if r.rounds],
        n_splits=len(splits),
        paired_fragility=paired_fragility,
        paired_fragility_min={t: paired_fragility[t]["min"] for t in paired_fragility},
        fragility=stats.fragility_index(x_ldn, n, x_pbo, n, ALPHA))
    # The paired result under each version of McNemar's test (range over the
    # possible splits, splits below alpha); the headline is the version in force.
    responders.paired_tests = {
        t: SimpleNamespace(test=t, name=name, low=paired[t]["min"], high=paired[t]["max"],
                           below_alpha=sum(getattr(sp, t) < ALPHA for sp in splits))
        for t, name in PAIRED_TESTS.items()}
    responders.headline = responders.paired_tests[assume.paired_test]
    responders.splits_exact_below_alpha = responders.paired_tests["exact"].below_alpha
    responders.splits_midp_below_alpha = responders.paired_tests["midp"].below_alpha
    for key, label, res in [("chi2", "Pearson chi-squared, no correction", unpaired["chi2"]),
                            ("chi2_cc", "chi-squared with continuity correction", unpaired["chi2_cc"]),
                            ("fisher", "Fisher exact test, two-sided", unpaired["fisher"]),
                            ("fisher_greater", "Fisher exact test, one-sided", fisher_greater)]:
        checks.append(Check(f"responders-p-{key}", f"responder P, {label}", reported_p,
                            res.p, reproduces[key], f"rounds to {dec} decimals", "analysis"))
    for key, label in [("mcnemar_exact", "McNemar exact (paired)"),
                       ("mcnemar_midp", "McNemar mid-p (paired)")]:
        ext = paired["exact" if key == "mcnemar_exact" else "midp"]
        closest = min(ext["by_split"].values(), key=lambda p: abs(p - reported_p))
        checks.append(Check(f"responders-p-{key}", f"responder P, {label}, closest split",
                            reported_p, closest, reproduces[key], f"any split rounds to {dec} decimals",
                            "analysis"))

    # 4. Primary outcome ------------------------------------------------------
    ldn, pbo, p_pain = v("y13.pain.reduction.ldn"), v("y13.pain.reduction.placebo"), v("y13.pain.p")
    diff = ldn - pbo
    dz = stats.dz_from_p(p_pain, n)
    pain = SimpleNamespace(
        ldn=ldn, placebo=pbo, p=p_pain, diff=diff,
        ci_z=stats.ci_from_p(diff, p_pain), ci_t=stats.ci_from_p_t(diff, p_pain, n - 1),
        dz=dz, power=stats.power_paired(dz.estimate, n, ALPHA),
        replication_power=stats.replication_power(p_pain, n, ALPHA),
        power_targets=POWER_TARGETS,
        n80=stats.n_for_power(dz.estimate, POWER_TARGETS[0], ALPHA),
        n90=stats.n_for_power(dz.estimate, POWER_TARGETS[1], ALPHA))
    back = stats.p_from_ci(diff, pain.ci_z.low, pain.ci_z.high)
    checks.append(Check("pain-p-roundtrip", "pain P recovered from the recovered interval",
                        p_pain, back.p, _rounds_to(back.p, p_pain, fmt.decimals(p_pain)),
                        "Altman-Bland round trip rounds to the published digits"))

    # 5. Secondary outcomes and multiplicity -----------------------------------
    reported = {"pain": p_pain, "satisfaction with life": v("y13.satisfaction.p"),
                "mood": v("y13.mood.p")}
    family5 = {**reported, "fatigue": None, "sleep": None}
    secondary = SimpleNamespace(
        reported=reported, n_secondary=int(v("y13.outcomes.secondary.count")),
        holm3=stats.adjust_pvalues(reported, "holm", ALPHA),
        bh3=stats.adjust_pvalues(reported, "fdr_bh", ALPHA),
        # Fatigue and sleep were "not improved" with no P given: the most
        # favourable value consistent with that is just above 0.05.
        holm5=stats.adjust_pvalues(family5, "holm", ALPHA, missing=assume.unpublished_p),
        bh5=stats.adjust_pvalues(family5, "fdr_bh", ALPHA, missing=assume.unpublished_p),
        missing_assumed=assume.unpublished_p)
    # The four secondary outcomes the abstract names (pain, the primary, is not
    # in this family). Sleep quality and fatigue were "not improved" with no P:
    # set to 1 (conservative) and, as the bound on the other side, just above 0.05.
    secondary.family4 = {"satisfaction with life": v("y13.satisfaction.p"), "mood": v("y13.mood.p"),
                         "sleep quality": None, "fatigue": None}
    secondary.bounds4 = {m: stats.adjust_pvalues_bounds(secondary.family4, m, ALPHA,
                                                        assume.unpublished_p)
                         for m in ("holm", "fdr_bh")}
    secondary.holm4 = secondary.bounds4["holm"]["worst"]
    secondary.bh4 = secondary.bounds4["fdr_bh"]["worst"]
    secondary.holm4_best = secondary.bounds4["holm"]["best"]
    secondary.bh4_best = secondary.bounds4["fdr_bh"]["best"]
    secondary.family4_unknown_set_to = 1.0
    secondary.not_significant_floor = assume.unpublished_p
    # The favourable bound at each value the sensitivity appendix shows (and the
    # value in force): {P assumed: {method: {outcome: (adjusted P, kept)}}}.
    secondary.best_by_unpublished_p = {
        u: {m: stats.adjust_pvalues_bounds(secondary.family4, m, ALPHA, u)["best"]
            for m in ("holm", "fdr_bh")}
        for u in sorted({*ASSUMPTIONS["unpublished_p"][1], assume.unpublished_p})}

    # 6. Side effects and blinding (news-level numbers) ------------------------
    blinding = SimpleNamespace(
        dreams_ldn=v("y13.conf.vivid-dreams.ldn"), dreams_pbo=v("y13.conf.vivid-dreams.placebo"),
        headache_ldn=v("y13.conf.headache.ldn"), headache_pbo=v("y13.conf.headache.placebo"),
        tolerability_ldn=v("y13.conf.tolerability.ldn"),
        tolerability_pbo=v("y13.conf.tolerability.placebo"))
    blinding.dreams_excess = blinding.dreams_ldn - blinding.dreams_pbo
    blinding.dreams_women_ldn = round(blinding.dreams_ldn / 100 * n)
    blinding.dreams_women_pbo = round(blinding.dreams_pbo / 100 * n)

    evidence = _evidence(pkg, n, p_pain, assume.r)
    fin_p_pub = v("fin.pain.p")
    half = fmt.rounding_half(fin_p_pub)
    lo, hi = evidence.final_p_from_ci
    checks.append(Check("final-p-from-ci", "FINAL: P recomputed from its published interval",
                        fin_p_pub, (lo + hi) / 2, lo <= fin_p_pub + half and hi >= fin_p_pub - half,
                        "published P lies within the range allowed by the rounded interval"))
    # INNOVA gives both a Cohen's d and a P for its primary pain comparison:
    # do they describe the same test? (We pool its d.)
    d_pub, inv_p = v("inv.pain.cohens-d"), v("inv.pain.p")
    n_l, n_p = int(v("inv.n.randomized.ldn")), int(v("inv.n.randomized.placebo"))
    half_d = fmt.rounding_half(d_pub)
    p_hi, p_lo = (stats.p_from_d(abs(d_pub) + k * half_d, n_l, n_p).p for k in (-1, 1))
    evidence.innova_p_from_d = SimpleNamespace(p=stats.p_from_d(d_pub, n_l, n_p).p, low=p_lo,
                                               high=p_hi, n_ldn=n_l, n_pbo=n_p, d=d_pub, p_pub=inv_p,
                                               d_from_p=stats.d_from_p(inv_p, n_l, n_p))
    checks.append(Check("innova-p-from-d", "INNOVA: P recomputed from its published d and group sizes",
                        inv_p, evidence.innova_p_from_d.p, p_lo <= inv_p <= p_hi,
                        "two-sample t from d and the randomized group sizes; the published P "
                        "must lie in the range allowed by d's rounding"))
    return Results(pkg=pkg, n=n, grim=grim, design=design, responders=responders, pain=pain,
                   secondary=secondary, blinding=blinding, evidence=evidence, checks=checks,
                   assumptions=assume)


def _evidence(pkg, n: int, p_pain: float, r_assumed: float = CROSSOVER_R) -> SimpleNamespace:
    """Later trials on one scale (Hedges' g, negative = less pain on LDN), pooled."""
    v = pkg.value

    def trials(r: float) -> dict[str, Result]:
        return {
            "younger2009": meta.smd_from_p_paired(v("y09.symptoms.p"), int(v("y09.n.participants.all")),
                                                  "ldn_better", r=r),
            "younger2013": meta.smd_from_p_paired(p_pain, n, "ldn_better", r=r),
            "bested2023": meta.smd_from_r_effect_size(v("b23.spir.effect-size"),
                                                      int(v("b23.n.randomized.all")), "ldn_better", r=r),
            "final2024": meta.smd_from_md_ci(v("fin.pain.difference"), pkg.number("fin.pain.difference")["low"],
                                             pkg.number("fin.pain.difference")["high"],
                                             int(v("fin.n.randomized.ldn")), int(v("fin.n.randomized.placebo"))),
            "innova": meta.smd_from_d(v("inv.pain.cohens-d"), int(v("inv.n.randomized.ldn")),
                                      int(v("inv.n.randomized.placebo"))),
        }

    r_range = tuple(sorted({*R_RANGE, r_assumed}))
    by_r = {r: trials(r) for r in r_range}
    main = by_r[r_assumed]
    sets = {
        "randomized": ["younger2013", "bested2023", "final2024", "innova"],
        "with pilot": ["younger2009", "younger2013", "bested2023", "final2024", "innova"],
        "later trials": ["bested2023", "final2024", "innova"],
        "parallel only": ["final2024", "innova"],
    }

    def pool(ids, conv):
        return meta.random_effects([conv[i].estimate for i in ids],
                                   [conv[i].extra["var"] for i in ids], method="reml", labels=ids)

    pooled = {name: pool(ids, main) for name, ids in sets.items()}
    pooled_by_r = {r: pool(sets["randomized"], by_r[r]) for r in r_range}
    g13 = main["younger2013"]
    dz13 = stats.dz_from_p(p_pain, n).estimate
    power = {
        "bested2023": meta.power_crossover(dz13, int(v("b23.n.randomized.all"))),
        "final2024": {r: meta.power_two_sample(abs(by_r[r]["younger2013"].extra["d"]),
                                               int(v("fin.n.randomized.ldn")),
                                               int(v("fin.n.randomized.placebo"))) for r in r_range},
        "innova": {r: meta.power_two_sample(abs(by_r[r]["younger2013"].extra["d"]),
                                            int(v("inv.n.randomized.ldn")),
                                            int(v("inv.n.randomized.placebo"))) for r in r_range},
    }
    fin = pkg.number("fin.pain.difference")
    fin_p = p_range_from_rounded_ci(fin["value"], fin["low"], fin["high"])

    # Is the 2013 effect different from the pool of the later trials (Altman &
    # Bland 2003), and does FINAL's own interval hold the 2013 estimate?
    def diff_vs_later(conv, later):
        g = conv["younger2013"]
        return stats.difference_of_estimates(g.estimate, g.extra["se"], later.estimate, later.se, ALPHA)

    later_by_r = {r: pool(sets["later trials"], by_r[r]) for r in r_range}
    diff_2013_vs_later = diff_vs_later(main, pooled["later trials"])
    diff_2013_vs_later_by_r = {r: diff_vs_later(by_r[r], later_by_r[r]) for r in r_range}
    fin_g = main["final2024"]

    def final_holds(g):
        return SimpleNamespace(includes=bool(fin_g.low <= g <= fin_g.high), g13=g,
                               final_g=fin_g.estimate, final_low=fin_g.low, final_high=fin_g.high)

    final_includes_2013 = final_holds(g13.estimate)
    final_includes_2013_by_r = {r: final_holds(by_r[r]["younger2013"].estimate) for r in r_range}

    # Power of a FINAL-sized parallel trial to detect the 2013 effect as Hedges' g.
    n_fl, n_fp = int(v("fin.n.randomized.ldn")), int(v("fin.n.randomized.placebo"))
    power_final_g = SimpleNamespace(
        g=abs(g13.estimate), n_ldn=n_fl, n_pbo=n_fp, alpha=ALPHA,
        power=meta.power_two_sample(g13.estimate, n_fl, n_fp, ALPHA),
        by_r={r: meta.power_two_sample(by_r[r]["younger2013"].estimate, n_fl, n_fp, ALPHA)
              for r in r_range},
        method="two-sided two-sample t test at |g| of the 2013 trial (statsmodels TTestIndPower)")
    return SimpleNamespace(r=r_assumed, r_range=r_range, trials=main, by_r=by_r, sets=sets,
                           pooled=pooled, pooled_by_r=pooled_by_r, g13=g13, dz13=dz13, power=power,
                           final_p_from_ci=fin_p,
                           hk={name: m.hk for name, m in pooled.items()},
                           later_by_r=later_by_r,
                           diff_2013_vs_later=diff_2013_vs_later,
                           diff_2013_vs_later_by_r=diff_2013_vs_later_by_r,
                           final_includes_2013=final_includes_2013,
                           final_includes_2013_by_r=final_includes_2013_by_r,
                           power_final_g=power_final_g)


def _grim_all_percentages(pkg) -> tuple[list[SimpleNamespace], dict[str, list[int]]]:
    """GRIM for every published percentage of the 2013 trial: which n in PCT_SCAN_NS fit."""
    nums = pkg.numbers
    rows = nums[(nums["study_id"] == "younger2013") & (nums["statistic"] == "percent")
                & (nums["relation"] == "eq")]
    out = []
    for number_id, row in rows.iterrows():
        value = float(row["value"])
        dec = fmt.decimals(value)
        fitting = stats.grim_denominators(value, PCT_SCAN_NS, dec)
        out.append(SimpleNamespace(
            number_id=number_id, quantity=row["quantity"], arm=row["arm"], value=value,
            decimals=dec, source_id=row["source_id"], fitting=fitting, ns=sorted(fitting),
            fits={m: m in fitting for m in PCT_NS_OF_INTEREST}))
    joint: dict[str, list[int]] = {}
    for src in dict.fromkeys(p.source_id for p in out):
        sets_ = [set(p.ns) for p in out if p.source_id == src]
        joint[src] = sorted(set.intersection(*sets_))
    return out, joint
