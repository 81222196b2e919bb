"""The recomputations as a reader would check them, against independent arithmetic."""
from __future__ import annotations

import math
import re

import numpy as np
import pytest
from scipy import stats as sps

from analysis import fmt
from analysis.claims import VERDICTS, verdicts
from analysis.data import load
from analysis.results import compute
from tests.published import trial2013
from tests.snapshot import expect

# The published numbers, read from data/ here (tests/published.py), and today's
# facts that only a snapshot can hold (tests/snapshot.json; `make snapshot`).
T = trial2013()


@pytest.fixture(scope="module")
def R():
    return compute(load())


def test_grim_picks_the_only_consistent_n(R):
    # Brute force, independent of analysis.stats: which n in 20..31 admit whole
    # counts that round (half up) to both published responder percentages?
    pl, pp = R.pkg.value("y13.responders.ldn"), R.pkg.value("y13.responders.placebo")

    def fits(pct, n):
        return [k for k in range(n + 1) if math.floor(100 * k / n + 0.5) == pct]
    both = [n for n in range(20, 32) if fits(pl, n) and fits(pp, n)]
    assert both == R.grim.fits == T.fits and R.n == T.n
    assert R.grim.ambiguous == (len(both) > 1)
    assert (R.responders.x_ldn, R.responders.x_pbo) == (fits(pl, R.n)[0], fits(pp, R.n)[0])
    # today: only 28 fits, 9 and 3 women (32.1 % and 10.7 %)
    expect("grim_fits", both)
    expect("analysed_n", R.n)
    expect("responder_counts", [R.responders.x_ldn, R.responders.x_pbo])


def test_responder_tests_match_scipy(R):
    rs = R.responders
    table = [[rs.x_ldn, rs.n - rs.x_ldn], [rs.x_pbo, rs.n - rs.x_pbo]]
    assert rs.fisher.p == pytest.approx(sps.fisher_exact(table)[1])
    assert rs.chi2.p == pytest.approx(sps.chi2_contingency(table, correction=False)[1])
    assert rs.chi2_cc.p == pytest.approx(sps.chi2_contingency(table, correction=True)[1])
    # McNemar exact on the most extreme split (no woman responded on both: b = x_ldn,
    # c = x_pbo; today 9 and 3): two-sided binomial
    worst = max(s.exact for s in rs.splits)
    assert worst == pytest.approx(sps.binomtest(T.x_pbo, T.x_ldn + T.x_pbo, 0.5).pvalue)


def test_expected_disagreements_with_published_numbers(R):
    # Today the published responder P (0.05) is reproduced by the uncorrected
    # chi-squared test only, and FINAL's P and the GRIM n agree. A new disagreement,
    # or a vanished one, fails here (tests/snapshot.json).
    expect("disagreements", R.disagreements)
    assert R.check("grim-n-vs-registry-baseline").agrees == (R.n == T.fits[0] if len(T.fits) == 1
                                                             else R.n == R.grim.registry_baseline)


def test_innova_d_and_p_do_not_describe_one_test(R):
    # INNOVA's abstract: d 0.19 and P 0.236 with 48 and 50 women randomized.
    # Hand: t = 0.19 x sqrt(48 x 50 / 98) = 0.940 on 96 df, two-sided P 0.35;
    # P 0.236 needs |t| 1.192, so d 0.241 (tests/snapshot.json).
    v = R.pkg.value
    d, p = v("inv.pain.cohens-d"), v("inv.pain.p")
    n1, n2 = v("inv.n.randomized.ldn"), v("inv.n.randomized.placebo")
    c, inv = R.check("innova-p-from-d"), R.evidence.innova_p_from_d
    assert c.published == p
    assert c.recomputed == pytest.approx(2 * sps.t.sf(d * math.sqrt(n1 * n2 / (n1 + n2)), n1 + n2 - 2))
    assert inv.d_from_p == pytest.approx(sps.t.isf(p / 2, n1 + n2 - 2) / math.sqrt(n1 * n2 / (n1 + n2)))
    expect("innova_p_from_d_3dp", round(c.recomputed, 3))
    expect("innova_d_from_p_3dp", round(inv.d_from_p, 3))


def test_pain_interval_follows_altman_bland(R):
    # BMJ 2011;343:d2090: z = -0.862 + sqrt(0.743 - 2.404 ln P), SE = est / z
    est, p = T.pain_ldn - T.pain_placebo, T.pain_p
    z = -0.862 + math.sqrt(0.743 - 2.404 * math.log(p))
    se = est / z
    assert R.pain.diff == pytest.approx(est)
    assert (R.pain.ci_z.low, R.pain.ci_z.high) == pytest.approx((est - 1.96 * se, est + 1.96 * se), abs=0.01)
    t = sps.t.isf(p / 2, R.n - 1)
    assert (R.pain.ci_t.low, R.pain.ci_t.high) == pytest.approx(
        (est - sps.t.isf(0.025, R.n - 1) * est / t, est + sps.t.isf(0.025, R.n - 1) * est / t))


def test_power_follows_noncentral_t(R):
    dz, n = R.pain.dz.estimate, R.n
    crit = sps.t.isf(0.025, n - 1)
    nc = dz * math.sqrt(n)
    power = sps.nct.sf(crit, n - 1, nc) + sps.nct.cdf(-crit, n - 1, nc)
    assert R.pain.power == pytest.approx(power, abs=1e-6)
    assert R.pain.n80 > n and R.pain.n90 > R.pain.n80


def test_multiplicity_is_holm(R):
    ps = sorted(R.secondary.reported.values())
    m = len(ps)
    holm = [min(1, max((m - j) * ps[j] for j in range(i + 1))) for i in range(m)]
    got = sorted(adj for adj, _ in R.secondary.holm3.values())
    assert got == pytest.approx(holm)


def test_every_claim_has_a_verdict(R):
    vs = verdicts(R)
    assert [v.claim_id for v in vs] == list(R.pkg.claims.index)
    assert all(v.verdict in VERDICTS for v in vs)
    assert all(v.evidence and v.reason and v.short for v in vs)


def test_one_claim_per_row_and_one_verdict_per_claim(R):
    """A row that bundles two claims shows up as two sentences, or as two verdict
    labels in one evidence text; neither is allowed."""
    for v in verdicts(R):
        sentences = [x for x in re.split(r"(?<=[.!?])\s+(?=[A-Z])", v.claim.strip()) if x]
        assert len(sentences) == 1, (v.claim_id, v.claim)
        others = [lab for lab in VERDICTS if lab != v.verdict and f"**{lab}**" in v.evidence]
        assert not others, (v.claim_id, others)


# Words that contradict a label when its own evidence text uses them.
CONTRADICTS = {
    "supported": ("not supported", "no evidence", "did not improve", "untested"),
    "partly supported": ("true when written",),
    "not supported": ("true when written", "as reported"),
    "out of date": ("not supported",),
}


def test_each_label_agrees_with_its_evidence(R):
    for v in verdicts(R):
        for phrase in CONTRADICTS.get(v.verdict, ()):
            assert phrase not in v.evidence.lower(), (v.claim_id, v.verdict, phrase)
        if v.verdict == "out of date":
            assert v.evidence.lower().startswith("true when written"), v.claim_id


def test_claims_cover_the_post(R):
    """Claims the first version of the table missed (issue 12), each in its own row."""
    text = " ".join(R.pkg.claims["paraphrase"]).lower()
    for needle in ("found ldn useful in their own patients", "inflammation of the central nervous system", "me/cfs",
                   "less over time", "not been formally tested", "standard fibromyalgia drugs"):
        assert needle in text, needle
    # the post's own figure for the share it helps is shown with the claim
    from analysis import tables
    assert "The post's figure: 40%" in tables.claims_table(R).replace("\\", "")


def test_responder_interval_printed_to_show_it_crosses_zero(R):
    """-0.3 to 41.2, not "0 to 41": the precision shows the interval includes zero."""
    v = {x.claim_id: x for x in verdicts(R)}["c04"]
    assert fmt.ci(100 * R.responders.rd.low, 100 * R.responders.rd.high, 1) in v.evidence
    assert fmt.num(100 * R.responders.rd.low, 1).startswith("\u2212")


def test_later_trials_pool_near_zero(R):
    later = R.evidence.pooled["later trials"]
    assert later.low < 0 < later.high
    assert R.evidence.g13.estimate < later.estimate


@pytest.mark.parametrize("value,text", [
    (0.0507, "0.051"), (0.1011, "0.10"), (0.016, "0.016"), (0.0004, "<0.001"),
    (0.146, "0.15"), (0.0039, "0.0039"),
])
def test_p_formatting(value, text):
    assert fmt.p(value) == text


def test_units_take_the_singular_for_exactly_one(R):
    assert fmt.with_unit("1", 1, "participants") == "1 participant"
    assert fmt.with_unit("2", 2, "participants") == "2 participants"
    assert fmt.with_unit("1.0", 1.0, "weeks") == "1.0 week"
    assert fmt.with_unit("1", 1, "mg") == "1 mg"
    assert fmt.with_unit("1", 1, None) == "1"
    from analysis import tables
    table = tables.provenance_table(R.pkg)
    import re
    assert "| 1 participant |" in table
    assert not re.search(r"\| 1 participants", table)


def test_rounding_half_is_half_a_unit_of_the_finest_digit():
    assert fmt.rounding_half(0.27) == pytest.approx(0.005)
    assert fmt.rounding_half(-0.95, 0.3, 18.0) == pytest.approx(0.005)
    assert fmt.rounding_half(31.0) == pytest.approx(0.5)


def test_number_formatting_rounds_half_up_with_true_minus():
    assert fmt.num(2.25, 1) == "2.3"
    assert fmt.num(-0.34, 2) == "\u22120.34"
    assert fmt.num(-0.0001, 2) == "0.00"
    assert fmt.ci(2.0044, 19.5955) == "2.0 to 19.6"
    assert fmt.as_published(0.05) == "0.05"
    assert fmt.count_of(9, 28) == "9/28 (32%)"


# ------------------------------------------------ responders: every common test ----

def _round_half_up(x, digits):
    from decimal import ROUND_HALF_UP, Decimal
    return float(Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def test_responder_tests_beside_the_published_p(R):
    rs = R.responders
    n, x1, x2 = T.n, T.x_ldn, T.x_pbo
    table = [[x1, n - x1], [x2, n - x2]]
    # one-sided Fisher (scipy), today about 0.0505
    assert rs.fisher_greater.p == pytest.approx(sps.fisher_exact(table, alternative="greater").pvalue)
    expect("fisher_one_sided_p_4dp", round(rs.fisher_greater.p, 4))
    dec = len(repr(T.reported_p).split(".")[1])  # the published digits
    # every listed P recomputed here with scipy / statsmodels, and its rounding
    # to the published 2 decimals (0.05) judged by hand half-up rounding
    from statsmodels.stats.contingency_tables import mcnemar
    expected = {
        ("chi2", None): sps.chi2_contingency(table, correction=False).pvalue,
        ("chi2_cc", None): sps.chi2_contingency(table, correction=True).pvalue,
        ("fisher", None): sps.fisher_exact(table).pvalue,
        ("fisher_greater", None): sps.fisher_exact(table, alternative="greater").pvalue,
    }
    for a in range(min(x1, x2) + 1):
        b, c = x1 - a, x2 - a
        exact = sps.binomtest(b, b + c, 0.5).pvalue
        expected[("mcnemar_exact", a)] = exact
        expected[("mcnemar_midp", a)] = exact - sps.binom.pmf(b, b + c, 0.5)  # Fagerland 2013
        expected[("mcnemar_asymptotic", a)] = mcnemar([[a, b], [c, n - a - b - c]], exact=False,
                                                      correction=False).pvalue
        expected[("mcnemar_asymptotic_cc", a)] = mcnemar([[a, b], [c, n - a - b - c]], exact=False,
                                                         correction=True).pvalue
    got = {(t.key, t.a): t for t in rs.tests_rounding}
    assert set(got) == set(expected)
    for k, p in expected.items():
        assert got[k].p == pytest.approx(p, rel=1e-9), k
        assert got[k].rounds == (_round_half_up(p, dec) == T.reported_p), k
    rounding = sorted({k for k, a in expected if _round_half_up(expected[(k, a)], dec) == T.reported_p})
    assert sorted({t.key for t in rs.tests_rounding_to_published}) == rounding
    assert {k for k, v in rs.reproduces.items() if v} == set(rounding) & set(rs.reproduces)
    # today only the uncorrected chi-squared and the one-sided Fisher give "0.05"
    expect("tests_rounding_to_published", sorted(t.key for t in rs.tests_rounding_to_published))


def test_paired_splits_below_alpha(R):
    # Fagerland et al. 2013: mid-p = exact P - P(X = b). For the four splits
    # (a = 0..3; b, c = 9-a, 3-a): exact 0.146, 0.109, 0.070, 0.031 -> one below
    # 0.05; mid-p 0.092, 0.065, 0.039, 0.016 -> two below 0.05.
    rs, x1, x2 = R.responders, T.x_ldn, T.x_pbo
    exact = [sps.binomtest(x1 - a, x1 + x2 - 2 * a, 0.5).pvalue for a in range(min(x1, x2) + 1)]
    midp = [e - sps.binom.pmf(x1 - a, x1 + x2 - 2 * a, 0.5) for a, e in enumerate(exact)]
    assert rs.n_splits == len(exact)
    assert rs.splits_exact_below_alpha == sum(p < 0.05 for p in exact)
    assert rs.splits_midp_below_alpha == sum(p < 0.05 for p in midp)
    assert [s.midp for s in rs.splits] == pytest.approx(midp)
    expect("n_splits", rs.n_splits)
    expect("splits_below_alpha", {"exact": rs.splits_exact_below_alpha, "midp": rs.splits_midp_below_alpha})


def test_paired_fragility_fields(R):
    rs = R.responders
    # hand (tests/test_stats.py checks the search itself by brute force): exact
    # needs 2 outcome changes at a = 0 and 1 at a = 1..3; mid-p 1 everywhere.
    expect("fragility_exact", [s.fragility_exact.estimate for s in rs.splits])
    expect("fragility_midp", [s.fragility_midp.estimate for s in rs.splits])
    assert rs.paired_fragility_min == {"exact": min(s.fragility_exact.estimate for s in rs.splits),
                                       "midp": min(s.fragility_midp.estimate for s in rs.splits)}
    # the split with a = 3 is significant by the exact test, the others are not
    kinds = [s.fragility_exact.extra["kind"] for s in rs.splits]
    assert kinds == ["fragility index" if s.exact < 0.05 else "reverse fragility index" for s in rs.splits]
    expect("fragility_kinds_exact", kinds)
    assert rs.fragility.extra["kind"] == "reverse fragility index"  # Fisher-based, kept


def test_four_secondary_outcomes_holm_and_bh(R):
    from statsmodels.stats.multitest import multipletests
    sec = R.secondary
    assert list(sec.family4) == ["satisfaction with life", "mood", "sleep quality", "fatigue"]
    assert "pain" not in sec.family4
    ps = [T.satisfaction_p, T.mood_p]
    keep_h, holm, _, _ = multipletests(ps + [1.0, 1.0], method="holm")
    keep_b, bh, _, _ = multipletests(ps + [1.0, 1.0], method="fdr_bh")
    keep_bb, bh_best, _, _ = multipletests(ps + [sec.not_significant_floor] * 2, method="fdr_bh")
    assert [a for a, _ in sec.holm4.values()] == pytest.approx(list(holm))
    assert [a for a, _ in sec.bh4.values()] == pytest.approx(list(bh))
    assert [a for a, _ in sec.bh4_best.values()] == pytest.approx(list(bh_best))
    assert min(a for a, _ in sec.holm4.values()) == pytest.approx(min(1, 4 * min(ps)))  # Holm's first step
    assert [r for _, r in sec.holm4.values()] == list(keep_h)
    assert [r for _, r in [*sec.bh4.values(), *sec.bh4_best.values()]] == [*keep_b, *keep_bb]
    # the 'reported only' family (pain, satisfaction, mood) is kept as it was
    assert set(sec.holm3) == {"pain", "satisfaction with life", "mood"}


def test_hartung_knapp_on_every_pooled_set(R):
    ev = R.evidence
    for name, ids in ev.sets.items():
        y = np.array([ev.trials[i].estimate for i in ids])
        v = np.array([ev.trials[i].extra["var"] for i in ids])
        m = ev.pooled[name]
        w = 1 / (v + m.tau2)
        mu = w @ y / w.sum()
        se = math.sqrt(w @ (y - mu) ** 2 / (len(y) - 1) / w.sum())
        t = sps.t.isf(0.025, len(y) - 1)
        hk = ev.hk[name]
        assert hk is m.hk
        assert (hk.low, hk.high) == pytest.approx((mu - t * se, mu + t * se), rel=1e-10)
        assert (m.low, m.high) == pytest.approx((mu - 1.96 * m.se, mu + 1.96 * m.se), abs=1e-3)
        w0 = 1 / v
        s2 = (len(v) - 1) * w0.sum() / (w0.sum() ** 2 - (w0**2).sum())
        assert m.i2_tau2 == pytest.approx(m.tau2 / (m.tau2 + s2))
        assert m.i2_q == m.i2


def test_2013_differs_from_later_trials_by_altman_bland(R):
    ev = R.evidence
    g, later = ev.g13, ev.pooled["later trials"]
    # the later pool enters with its Hartung-Knapp standard error (the interval the report relies
    # on, checked against its formula above): half its width over the t quantile on k - 1 df
    se_hk = (later.hk.high - later.hk.low) / (2 * sps.t.isf(0.025, later.k - 1))
    assert se_hk > later.se  # not the Wald one
    z = (g.estimate - later.estimate) / math.sqrt(g.extra["se"] ** 2 + se_hk ** 2)
    d = ev.diff_2013_vs_later
    assert d.extra["z"] == pytest.approx(z)
    assert d.p == pytest.approx(2 * sps.norm.sf(abs(z)))
    assert set(ev.diff_2013_vs_later_by_r) == set(ev.r_range)
    fi = ev.final_includes_2013
    fin = ev.trials["final2024"]
    assert fi.includes == (fin.low <= g.estimate <= fin.high)
    assert (fi.final_low, fi.final_high, fi.g13) == (fin.low, fin.high, g.estimate)


def test_power_of_final_sized_trial_for_g(R):
    from statsmodels.stats.power import TTestIndPower
    ev = R.evidence
    pw = ev.power_final_g
    g, n1, n2 = abs(ev.g13.estimate), 49, 50
    assert (pw.g, pw.n_ldn, pw.n_pbo) == (g, n1, n2)
    df = n1 + n2 - 2
    nc = g * math.sqrt(n1 * n2 / (n1 + n2))
    crit = sps.t.isf(0.025, df)
    assert pw.power == pytest.approx(sps.nct.sf(crit, df, nc) + sps.nct.cdf(-crit, df, nc), rel=1e-8)
    assert pw.power == pytest.approx(TTestIndPower().power(g, n1, 0.05, ratio=n2 / n1), rel=1e-10)


def test_same_size_replication_power(R):
    from statsmodels.stats.power import TTestPower
    dz = sps.t.isf(T.pain_p / 2, T.n - 1) / math.sqrt(T.n)
    assert R.pain.replication_power.estimate == pytest.approx(TTestPower().power(dz, T.n, 0.05))
    assert R.pain.replication_power.extra["n"] == T.n


def test_endpoint_timing_from_the_design(R):
    d = R.design
    # hand: LDN first -> LDN ends 2 + 12 = 14, placebo 18; placebo first ->
    # placebo ends 2 + 4 = 6, LDN 18. Means 16 and 12 weeks; gap 4 weeks.
    v = R.pkg.value
    b, l, p = v("y13.weeks.baseline"), v("y13.weeks.ldn"), v("y13.weeks.placebo")
    assert (d.weeks_baseline, d.weeks_ldn, d.weeks_placebo) == (b, l, p)
    assert d.endpoint_weeks_by_sequence["LDN first"]["LDN"] == b + l
    assert d.endpoint_weeks_by_sequence["Placebo first"]["Placebo"] == b + p
    assert d.endpoint_week_ldn == ((b + l) + (b + p + l)) / 2
    assert d.endpoint_week_pbo == ((b + l + p) + (b + p)) / 2
    assert d.endpoint_gap_weeks == d.endpoint_week_ldn - d.endpoint_week_pbo == (l - p) / 2


def test_grim_for_every_published_percentage(R):
    def fits(pct, n):  # integer arithmetic, half up
        return any((200 * k + n) // (2 * n) == pct for k in range(n + 1))
    pcts = {p.number_id: p for p in R.grim.all_percentages}
    # every 'percent' number of the 2013 trial is scanned, and nothing else
    ids = R.pkg.numbers[(R.pkg.numbers.study_id == "younger2013")
                        & (R.pkg.numbers.statistic == "percent")].index
    assert set(pcts) == set(ids)
    v = R.pkg.value
    of_interest = sorted({T.n, int(v("y13.n.completed.ldn-first") + v("y13.n.completed.placebo-first")),
                          int(v("y13.n.participants.all"))})  # analysed, completers, randomized
    assert list(R.grim.pct_ns_of_interest) == of_interest
    for p in pcts.values():
        assert p.ns == [n for n in range(10, 61) if fits(int(p.value), n)]
        assert p.fits == {m: fits(int(p.value), m) for m in of_interest}
    # hand (today): 37 % of 28 is impossible (10/28 = 35.7 %, 11/28 = 39.3 %);
    # 32 % and 11 % of 28 are 9 and 3 women
    assert pcts["y13.responders.ldn"].fitting[T.n] == [T.x_ldn]
    side = [p for p in pcts.values() if p.quantity in ("vivid_dreams", "headache")]
    assert R.grim.side_effects_joint == [n for n in range(10, 61) if all(fits(int(p.value), n) for p in side)]
    expect("side_effects_joint", R.grim.side_effects_joint)


def test_every_reference_key_is_in_references_bib(R):
    import re
    from pathlib import Path
    from analysis.core import Result
    from analysis.meta import MetaResult
    bib = set(re.findall(r"^@\w+\{([^,]+),", (Path(__file__).resolve().parents[1] / "references.bib")
                         .read_text(encoding="utf-8"), re.M))
    keys, seen = set(), set()

    def walk(x):
        if id(x) in seen or isinstance(x, (str, int, float)) or x is None:
            return
        seen.add(id(x))
        if isinstance(x, (Result, MetaResult)):
            keys.add(x.reference)
            keys.update(x.extra.get("references", ()))
            walk(getattr(x, "hk", None))
        elif isinstance(x, dict):
            for k, v in x.items():
                keys.add(v) if k == "reference" and isinstance(v, str) else walk(v)
        elif isinstance(x, (list, tuple)):
            for v in x:
                walk(v)
        elif hasattr(x, "__dict__") and not hasattr(x, "loc"):
            for k, v in vars(x).items():
                if k != "pkg":
                    walk(v)
    walk(R)
    keys.discard("")
    assert keys and not keys - bib, sorted(keys - bib)


def test_provenance_table_prints_each_interval_at_its_published_precision(R):
    """A published interval keeps the digits of its most precise part: Vatvani's mean difference,
    published -0.86 (-1.20 to -0.51), was printed '-1.2 to -0.5' when the lower limit's own
    decimals (a float drops the trailing zero) set the precision of both limits."""
    import pandas as pd
    from analysis import tables
    m = "\u2212"
    row = pd.Series({"value": -0.86, "low": -1.20, "high": -0.51})
    assert tables.interval_decimals(row) == 2
    assert fmt.ci(row["low"], row["high"], tables.interval_decimals(row)) == f"{m}1.20 to {m}0.51"
    # whatever the data, no row prints a limit with fewer decimals than the row's most precise part
    table = tables.provenance_table(R.pkg)
    for nid, r in R.pkg.numbers.iterrows():
        if pd.isna(r["low"]):
            continue
        d = tables.interval_decimals(r)
        assert d >= max(fmt.decimals(r["low"]), fmt.decimals(r["high"]))
        assert fmt.text(f"({fmt.ci(r['low'], r['high'], d)})") in table, nid


def test_each_split_has_the_nnt_of_its_own_paired_interval(R):
    """The paired NNT per split inverts that split's Newcombe paired interval (not the unpaired
    one): where the paired interval excludes zero, the NNT interval does not run through ∞."""
    from analysis import stats
    rs = R.responders
    for s in rs.splits:
        assert s.nnt_text == stats.describe_nnt(stats.nnt(s.ci), 0)
        assert ("∞" in s.nnt_text) == (s.ci.low <= 0 <= s.ci.high)
    assert any(s.nnt_text != rs.nnt_text for s in rs.splits)


def test_nnts_are_printed_in_one_rounding_style(R):
    """Estimate and limits as whole numbers everywhere (not 4.7 beside 88 and 301)."""
    import re
    rs = R.responders
    for text in [rs.nnt_text] + [s.nnt_text for s in rs.splits]:
        numbers = re.findall(r"\d+(?:\.\d+)?", text)
        assert numbers and all("." not in x for x in numbers), text


def test_pain_interval_round_trips_to_the_published_p(R):
    """The pain interval is recovered from the published P (Altman & Bland 2011); recovering P
    from that interval must give the published P back at its digits. A test of the code, not a
    consistency check of published numbers, so it is not in the report's checks table."""
    from analysis import stats
    pain = R.pain
    back = stats.p_from_ci(pain.diff, pain.ci_z.low, pain.ci_z.high)
    assert fmt.p_exact(back.p, fmt.decimals(pain.p)) == fmt.as_published(pain.p)
    assert "pain-p-roundtrip" not in {c.id for c in R.checks}


def test_registry_history_gaps_follow_the_dates_in_data(R):
    """The gaps the report states are computed from data/dates.csv, month-only dates as ranges."""
    import datetime as dt
    from analysis import registry
    pkg = R.pkg
    h = registry.history(pkg)
    paper = dt.date.fromisoformat(pkg.date("y13.published-online"))
    assert h.days_paper_to_results_submitted == (dt.date.fromisoformat(pkg.date("y13.results-submitted")) - paper).days
    assert h.days_paper_to_results_posted == (dt.date.fromisoformat(pkg.date("y13.results-posted")) - paper).days
    # a start given as a month (2007-06) is 1 to 30 June: the gap to registration is a range
    y, m = map(int, pkg.date("y13.study-start").split("-"))
    reg = dt.date.fromisoformat(pkg.date("y13.registered"))
    lo, hi = h.months_start_to_registered
    assert lo == pytest.approx((reg - dt.date(y, m, 30)).days / registry.DAYS_PER_MONTH)
    assert hi == pytest.approx((reg - dt.date(y, m, 1)).days / registry.DAYS_PER_MONTH)
    assert h.registered_after_start and h.version_after_end_before_paper


def test_every_date_id_starts_with_its_study_prefix(R):
    pkg = R.pkg
    for did, row in pkg.dates.iterrows():
        assert did.split(".")[0] == pkg.studies.loc[row["study_id"], "id_prefix"], did
        assert pkg.sources.loc[row["source_id"], "study_id"] == row["study_id"], did


def test_results_posted_in_studies_agrees_with_the_dated_row(R):
    """studies.csv results_posted and dates.csv '<prefix>.results-posted' state one date twice;
    they must agree (the report computes its gaps from dates.csv)."""
    st = R.pkg.studies
    for sid, row in st.iterrows():
        did = f"{row['id_prefix']}.results-posted"
        posted = row["results_posted"]
        if did in R.pkg.dates.index or isinstance(posted, str):
            assert R.pkg.date(did) == posted, sid
