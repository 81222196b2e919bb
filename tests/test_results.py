"""The recomputations as a reader would check them, against independent arithmetic."""
from __future__ import annotations

import math

import pytest
from scipy import stats as sps

from analysis import fmt
from analysis.claims import VERDICTS, verdicts
from analysis.data import load
from analysis.results import compute


@pytest.fixture(scope="module")
def R():
    return compute(load())


def test_grim_picks_the_only_consistent_n(R):
    # Brute force, independent of analysis.stats: which n in 20..31 admit whole
    # counts that round (half up) to 32 % and to 11 %?
    def fits(pct, n):
        return [k for k in range(n + 1) if math.floor(100 * k / n + 0.5) == pct]
    both = [n for n in range(20, 32) if fits(32, n) and fits(11, n)]
    assert both == [R.n] == [28]
    assert (R.responders.x_ldn, R.responders.x_pbo) == (fits(32, 28)[0], fits(11, 28)[0])


def test_responder_tests_match_scipy(R):
    rs = R.responders
    table = [[rs.x_ldn, rs.n - rs.x_ldn], [rs.x_pbo, rs.n - rs.x_pbo]]
    assert rs.fisher.p == pytest.approx(sps.fisher_exact(table)[1])
    assert rs.chi2.p == pytest.approx(sps.chi2_contingency(table, correction=False)[1])
    assert rs.chi2_cc.p == pytest.approx(sps.chi2_contingency(table, correction=True)[1])
    # McNemar exact on the most extreme split (b=9, c=3): two-sided binomial
    worst = max(s.exact for s in rs.splits)
    assert worst == pytest.approx(sps.binomtest(3, 12, 0.5).pvalue)


def test_expected_disagreements_with_published_numbers(R):
    # The published responder P (0.05) is reproduced by the uncorrected
    # chi-squared test only. A new disagreement, or a vanished one, fails here.
    assert R.disagreements == sorted([
        "innova-p-from-d",
        "responders-p-chi2_cc", "responders-p-fisher",
        "responders-p-mcnemar_exact", "responders-p-mcnemar_midp",
    ])
    assert R.check("responders-p-chi2").agrees
    assert R.check("final-p-from-ci").agrees
    assert R.check("grim-n-vs-registry-baseline").agrees


def test_innova_d_and_p_do_not_describe_one_test(R):
    # INNOVA's abstract: d 0.19 and P 0.236 with 48 and 50 women randomized.
    # Hand: t = 0.19 x sqrt(48 x 50 / 98) = 0.940 on 96 df, two-sided P 0.35;
    # P 0.236 needs |t| 1.192, so d 0.241.
    c, inv = R.check("innova-p-from-d"), R.evidence.innova_p_from_d
    assert not c.agrees and c.published == 0.236
    assert c.recomputed == pytest.approx(2 * sps.t.sf(0.19 * math.sqrt(48 * 50 / 98), 96))
    assert c.recomputed == pytest.approx(0.349, abs=0.001)
    assert inv.d_from_p == pytest.approx(0.241, abs=0.001)


def test_pain_interval_follows_altman_bland(R):
    # BMJ 2011;343:d2090: z = -0.862 + sqrt(0.743 - 2.404 ln P), SE = est / z
    est, p = 28.8 - 18.0, 0.016
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
    assert all(v.evidence for v in vs)


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
