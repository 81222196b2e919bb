"""Tests for analysis.meta: effect-size conversions, random-effects pooling,
prediction intervals and power.

Published numbers used here, and where they were read:
- BCG vaccine trials (Colditz et al. 1994, JAMA 271:698), 2x2 counts as in
  R metafor's dat.bcg (the same counts appear in the JASP data library and in
  several metafor tutorials).
- metafor results for dat.bcg, log risk ratio:
  * REML: tau^2 0.3132, estimate -0.7145, SE 0.1798, CI -1.0669 to -0.3622,
    I^2 92.22 %, Q(12) 152.2330 -- printed output of rma(yi, vi) in the RoBMA
    package vignette and in metafor tutorials;
  * Knapp-Hartung (test="knha"): SE 0.1808, CI -1.1084 to -0.3206, P 0.0019 --
    metafor README;
  * DL: estimate -0.7141, CI -1.0644 to -0.3638, z -3.9952, tau^2 0.3088,
    I^2 92.1173 %; fixed effect -0.4303, CI -0.5097 to -0.3509, z -10.6247,
    Q 152.2330 -- metafor's test file test_misc_metan_vs_rma.uni_with_dat.bcg.r,
    which checks them against Stata's metan;
  * escalc log RR and variances (4 d.p.) for studies 2, 3, 6, 8 -- metafor README.
- Riley, Higgins & Deeks 2011 (BMJ 342:d549) hypothetical 10-trial example as
  analysed in the pimeta vignette (HTS prediction interval, DL): mean -0.3341,
  95 % CI (t, 9 df) -0.5068 to -0.1613, tau^2 0.0282, 95 % PI (t, 8 df)
  -0.7598 to 0.0917.
- Borenstein et al. 2009, Introduction to Meta-Analysis, ch. 4 worked examples.
- FINAL trial (Bruun et al. 2024, Lancet Rheumatol 6:e31) abstract: MD -0.34
  (95 % CI -0.95 to 0.27), P = 0.27, Cohen's d 0.23, 49 vs 50.
- Cohen 1992 (Psychol Bull 112:155, Table 2): n = 64 per group gives power 0.80
  for d = 0.5, two-sided alpha 0.05.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize, stats
from statsmodels.stats.meta_analysis import combine_effects, effectsize_smd

from analysis import meta
from analysis.core import Result

# Colditz 1994 / metafor dat.bcg: (tpos, tneg, cpos, cneg)
BCG = [
    (4, 119, 11, 128), (6, 300, 29, 274), (3, 228, 11, 209), (62, 13536, 248, 12619),
    (33, 5036, 47, 5761), (180, 1361, 372, 1079), (8, 2537, 10, 619),
    (505, 87886, 499, 87892), (29, 7470, 45, 7232), (17, 1699, 65, 1600),
    (186, 50448, 141, 27197), (5, 2493, 3, 2338), (27, 16886, 29, 17825),
]


def _log_rr(a, b, c, d):
    return math.log((a / (a + b)) / (c / (c + d))), 1 / a - 1 / (a + b) + 1 / c - 1 / (c + d)


@pytest.fixture(scope="module")
def bcg():
    y, v = zip(*(_log_rr(*row) for row in BCG))
    return np.array(y), np.array(v)


# ---------------------------------------------------------------- data
def test_bcg_log_rr_match_metafor_escalc(bcg):
    y, v = bcg
    # metafor README, escalc(measure="RR"): rows 2, 3, 6, 8 (yi, vi)
    printed = {1: (-1.5854, 0.1946), 2: (-1.3481, 0.4154), 5: (-0.7861, 0.0069), 7: (0.0120, 0.0040)}
    for i, (yi, vi) in printed.items():
        assert y[i] == pytest.approx(yi, abs=5e-5)
        assert v[i] == pytest.approx(vi, abs=5e-5)


# ---------------------------------------------------------------- pooling
@pytest.mark.parametrize("method", ["dl", "pm"])
def test_random_effects_agrees_with_statsmodels(bcg, method):
    y, v = bcg
    ours = meta.random_effects(y, v, method=method)
    sm = combine_effects(y, v, method_re=method)
    assert ours.tau2 == pytest.approx(sm.tau2, rel=1e-12)
    assert ours.estimate == pytest.approx(sm.mean_effect_re, rel=1e-12)
    assert ours.se == pytest.approx(sm.sd_eff_w_re, rel=1e-12)
    assert ours.fixed.estimate == pytest.approx(sm.mean_effect_fe, rel=1e-12)
    assert ours.q == pytest.approx(sm.q, rel=1e-12)
    assert ours.i2 == pytest.approx(sm.i2, rel=1e-12)
    np.testing.assert_allclose(ours.weights, sm.weights_rel_re, rtol=1e-12)
    ci_re = sm.conf_int(use_t=False)[1]
    assert (ours.low, ours.high) == pytest.approx(tuple(ci_re), rel=1e-12)
    assert sum(ours.weights) == pytest.approx(1.0)


def test_reml_matches_metafor_bcg(bcg):
    y, v = bcg
    res = meta.random_effects(y, v, method="reml")
    assert res.tau2 == pytest.approx(0.3132, abs=5e-5)
    assert res.estimate == pytest.approx(-0.7145, abs=5e-5)
    assert res.se == pytest.approx(0.1798, abs=5e-5)
    assert res.low == pytest.approx(-1.0669, abs=5e-5)
    assert res.high == pytest.approx(-0.3622, abs=5e-5)
    assert res.q == pytest.approx(152.2330, abs=5e-4)
    assert res.q_df == 12
    # metafor's I^2 for REML is tau^2 / (tau^2 + typical v), not (Q - df)/Q
    assert res.extra["i2_from_tau2"] == pytest.approx(0.9222, abs=5e-5)
    assert res.p < 1e-4  # metafor prints p < .0001
    assert res.reference == "viechtbauer2005bias"


def test_reml_hksj_matches_metafor_knha(bcg):
    y, v = bcg
    res = meta.random_effects(y, v, method="reml", ci="hksj")
    assert res.extra["se_hksj"] == pytest.approx(0.1808, abs=5e-5)
    assert res.low == pytest.approx(-1.1084, abs=5e-5)
    assert res.high == pytest.approx(-0.3206, abs=5e-5)
    assert res.p == pytest.approx(0.0019, abs=5e-5)


def test_dl_and_fixed_match_metafor_and_stata_metan(bcg):
    y, v = bcg
    res = meta.random_effects(y, v, method="dl")
    assert res.estimate == pytest.approx(-0.7141, abs=5e-5)
    assert res.low == pytest.approx(-1.0644, abs=5e-5)
    assert res.high == pytest.approx(-0.3638, abs=5e-5)
    assert res.estimate / res.se == pytest.approx(-3.9952, abs=5e-4)
    assert res.tau2 == pytest.approx(0.3088, abs=5e-5)
    assert res.i2 == pytest.approx(0.921173, abs=5e-7)
    fe = res.fixed
    assert fe.estimate == pytest.approx(-0.4303, abs=5e-5)
    assert (fe.low, fe.high) == pytest.approx((-0.5097, -0.3509), abs=5e-5)
    assert fe.estimate / fe.extra["se"] == pytest.approx(-10.6247, abs=5e-4)


def test_reml_fisher_scoring_equals_direct_maximization(bcg):
    # independent route: maximize the restricted log-likelihood with scipy
    def reml_opt(y, v):
        def nll(t):
            w = 1 / (v + t)
            mu = w @ y / w.sum()
            return 0.5 * (np.log(v + t).sum() + math.log(w.sum()) + w @ (y - mu) ** 2)
        return optimize.minimize_scalar(nll, bounds=(0, 10), method="bounded",
                                        options={"xatol": 1e-12}).x

    y, v = bcg
    small_y = np.array([-0.486, -0.130, -0.222, 0.190])
    small_v = np.array([0.0377, 0.0169, 0.0401, 0.0406])
    for yy, vv in ((y, v), (small_y, small_v)):
        tau2, _ = meta.tau2_reml(yy, vv)
        assert tau2 == pytest.approx(reml_opt(yy, vv), abs=1e-6)


def test_reml_truncates_at_zero_for_homogeneous_data():
    # identical estimates: no heterogeneity, tau^2 must be exactly 0 and the
    # random-effects result must equal the fixed effect
    y = [0.2, 0.2, 0.2]
    v = [0.01, 0.04, 0.09]
    res = meta.random_effects(y, v, method="reml")
    assert res.tau2 == 0.0
    assert res.estimate == pytest.approx(res.fixed.estimate)
    assert res.i2 == 0.0


def test_dl_negative_tau2_from_statsmodels_is_truncated():
    # Q < k - 1, so the moment estimator is negative; statsmodels leaves it so
    y = np.array([0.10, 0.12, 0.11, 0.09])
    v = np.array([0.02, 0.03, 0.025, 0.04])
    with np.errstate(invalid="ignore"):
        assert combine_effects(y, v, method_re="dl").tau2 < 0
    res = meta.random_effects(y, v, method="dl")
    assert res.tau2 == 0.0
    assert res.extra["tau2_untruncated"] < 0
    assert res.estimate == pytest.approx(res.fixed.estimate, rel=1e-12)
    assert res.se == pytest.approx(res.fixed.extra["se"], rel=1e-12)


def test_random_effects_rejects_bad_input():
    with pytest.raises(ValueError, match="variances must be positive"):
        meta.random_effects([0.1, 0.2], [0.01, 0.0])
    with pytest.raises(ValueError, match="method"):
        meta.random_effects([0.1, 0.2], [0.01, 0.02], method="sj")
    with pytest.raises(ValueError, match="need >= 2"):
        meta.random_effects([0.1], [0.01])


# ---------------------------------------------------------------- Hartung-Knapp
def test_hartung_knapp_reproduces_metafor_knha_readme(bcg):
    # metafor README (wviechtb/metafor, stored copy read for this test):
    # rma(yi, vi, data=dat, test="knha") on dat.bcg log risk ratios, REML:
    # estimate -0.7145, se 0.1808, tval -3.9522, df 12, pval 0.0019,
    # ci.lb -1.1084, ci.ub -0.3206. (A figure of -1.1245 to -0.3044 quoted to
    # us for this output could not be found in any source and is not used.)
    y, v = bcg
    tau2, _ = meta.tau2_reml(y, v)
    hk = meta.hartung_knapp(y, v, tau2)
    assert hk.estimate == pytest.approx(-0.7145, abs=5e-5)
    assert hk.extra["se"] == pytest.approx(0.1808, abs=5e-5)
    assert hk.extra["t"] == pytest.approx(-3.9522, abs=5e-4)
    assert hk.extra["df"] == 12
    assert hk.p == pytest.approx(0.0019, abs=5e-5)
    assert (hk.low, hk.high) == pytest.approx((-1.1084, -0.3206), abs=5e-5)
    # random_effects carries the same interval beside its Wald (z) interval
    res = meta.random_effects(y, v, method="reml")
    assert (res.hk.low, res.hk.high) == pytest.approx((hk.low, hk.high), rel=1e-12)
    assert (res.low, res.high) == pytest.approx((-1.0669, -0.3622), abs=5e-5)


@pytest.mark.parametrize("method", ["dl", "pm"])
def test_hartung_knapp_agrees_with_statsmodels_wls_rows(bcg, method):
    # statsmodels' combine_effects: the "random effect wls" row is the HKSJ
    # interval only with use_t=True (t on k - 1 df); with its default
    # use_t=False it uses the normal quantile with the HKSJ scale.
    y, v = bcg
    sm = combine_effects(y, v, method_re=method)
    hk = meta.hartung_knapp(y, v, sm.tau2)
    assert hk.extra["se"] == pytest.approx(math.sqrt(sm.var_hksj_re), rel=1e-10)
    assert (hk.low, hk.high) == pytest.approx(tuple(sm.conf_int(use_t=True)[3]), rel=1e-10)
    z = stats.norm.isf(0.025)
    assert tuple(sm.conf_int(use_t=False)[3]) == pytest.approx(
        (hk.estimate - z * hk.extra["se"], hk.estimate + z * hk.extra["se"]), rel=1e-10)
    if method == "pm":  # Paule-Mandel solves q = 1, so HKSJ and Wald SEs coincide
        assert hk.extra["q"] == pytest.approx(1.0, abs=1e-8)


def test_hartung_knapp_is_not_truncated_unless_asked():
    # homogeneous estimates: q < 1 and tau^2 = 0. statsmodels does not floor q at
    # 1 (its HKSJ variance is below the Wald variance); neither do we by default.
    y = np.array([0.10, 0.12, 0.11, 0.09])
    v = np.array([0.02, 0.03, 0.025, 0.04])
    sm = combine_effects(y, v, method_re="pm")
    hk = meta.hartung_knapp(y, v, 0.0)
    w = 1 / v
    mu = w @ y / w.sum()
    q = w @ (y - mu) ** 2 / 3  # hand: Q/(k - 1) with tau^2 = 0
    assert hk.extra["q"] == pytest.approx(q) and q < 1
    assert hk.extra["se"] == pytest.approx(math.sqrt(q / w.sum()))
    assert sm.var_hksj_re < 1 / w.sum()
    assert hk.extra["se"] ** 2 == pytest.approx(sm.var_hksj_re, rel=1e-6)
    mod = meta.hartung_knapp(y, v, 0.0, truncate=True)  # Roever et al. 2015
    assert mod.extra["se"] == pytest.approx(1 / math.sqrt(w.sum()))
    assert mod.low < hk.low and mod.high > hk.high
    assert "rover2015hartung" in mod.extra["references"]


def test_i2_from_tau2_equals_q_based_i2_under_dersimonian_laird(bcg):
    # Higgins & Thompson 2002: with the DL moment estimator tau^2 = (Q - df)/C and
    # typical variance s^2 = df/C, tau^2/(tau^2 + s^2) = (Q - df)/Q exactly.
    y, v = bcg
    dl = meta.random_effects(y, v, method="dl")
    assert dl.i2_tau2 == pytest.approx(dl.i2_q, rel=1e-10)
    assert dl.i2_q == dl.i2
    w = 1 / v
    s2 = (len(v) - 1) * w.sum() / (w.sum() ** 2 - (w**2).sum())
    assert meta.typical_within_variance(v) == pytest.approx(s2)
    reml = meta.random_effects(y, v, method="reml")
    assert reml.i2_tau2 == pytest.approx(0.9222, abs=5e-5)  # metafor README: I^2 92.22 %
    assert reml.i2_tau2 == pytest.approx(meta.i2_from_tau2(v, reml.tau2))
    assert meta.i2_from_tau2(v, 0.0) == 0.0
    with pytest.raises(ValueError, match="tau2"):
        meta.i2_from_tau2(v, -0.1)


# ---------------------------------------------------------------- prediction interval
def test_prediction_interval_riley_2011_example():
    # pimeta vignette, Riley 2011 example: SE from the t(9) CI half-width
    se = (-0.1613 - -0.5068) / (2 * stats.t.isf(0.025, 9))
    low, high = meta.prediction_interval(-0.3341, se, 0.0282, k=10)
    assert low == pytest.approx(-0.7598, abs=2e-3)
    assert high == pytest.approx(0.0917, abs=2e-3)


def test_prediction_interval_bcg_reml(bcg):
    y, v = bcg
    res = meta.random_effects(y, v, method="reml")
    # hand arithmetic from metafor's printed REML numbers, t with 11 df:
    # half-width = 2.2010 * sqrt(0.3132 + 0.1798^2) = 2.2010 * 0.58782 = 1.2938
    # -> -0.7145 -/+ 1.2938 = (-2.0083, 0.5793)
    assert res.pi_low == pytest.approx(-2.0083, abs=1e-3)
    assert res.pi_high == pytest.approx(0.5793, abs=1e-3)
    # metafor's default predict() uses z instead: risk ratio 0.155 to 1.549
    # (exp of -1.8667 and 0.4376: -0.7145 -/+ 1.96 * 0.58782)
    z = meta.random_effects(y, v, method="reml", pi_dist="z")
    assert math.exp(z.pi_low) == pytest.approx(0.155, abs=1e-3)
    assert math.exp(z.pi_high) == pytest.approx(1.549, abs=1e-3)


def test_prediction_interval_needs_three_studies():
    assert meta.prediction_interval(0.0, 0.1, 0.05, k=2) == (None, None)
    res = meta.random_effects([0.1, 0.5], [0.02, 0.03])
    assert res.pi_low is None and res.pi_high is None


# ---------------------------------------------------------------- conversions
def test_smd_from_means_borenstein_worked_example():
    # Borenstein 2009 ch. 4: means 103 vs 100, SDs 5.5 and 4.5, n = 50 each.
    # S_within = sqrt((49*30.25 + 49*20.25)/98) = sqrt(25.25) = 5.0249
    # d = 3/5.0249 = 0.5970; V(d) = 100/2500 + 0.5970^2/200 = 0.0418
    # J = 1 - 3/(4*98 - 1) = 0.9923; g = 0.5924; V(g) = 0.9923^2 * 0.0418 = 0.0412
    res = meta.smd_from_means(103, 5.5, 50, 100, 4.5, 50)
    assert res.extra["d"] == pytest.approx(0.5970, abs=5e-5)
    assert res.extra["var_d"] == pytest.approx(0.0418, abs=5e-5)
    assert res.extra["J"] == pytest.approx(0.9923, abs=5e-5)
    assert res.estimate == pytest.approx(0.5924, abs=5e-5)
    # the book rounds V(d) to 0.0418 before multiplying by J^2; unrounded V(g) = 0.04114
    assert res.extra["var"] == pytest.approx(0.0412, abs=1e-4)
    # statsmodels computes the same bias-corrected g (its variance formula differs)
    g_sm, _ = effectsize_smd(103, 5.5, 50, 100, 4.5, 50)
    assert res.estimate == pytest.approx(g_sm, rel=1e-12)
    assert res.low == pytest.approx(0.5924 - 1.96 * math.sqrt(0.0412), abs=1e-3)


def test_smd_from_d_matches_means_route():
    via_means = meta.smd_from_means(103, 5.5, 50, 100, 4.5, 50)
    via_d = meta.smd_from_d(via_means.extra["d"], 50, 50)
    assert via_d.estimate == pytest.approx(via_means.estimate, rel=1e-12)
    assert via_d.extra["var"] == pytest.approx(via_means.extra["var"], rel=1e-12)
    assert meta.smd_from_d(0.19, 48, 50).estimate > 0  # sign is the caller's


def test_smd_from_md_ci_final_trial_reproduces_published_d_and_p():
    # FINAL: MD -0.34 (-0.95 to 0.27), 49 vs 50; published d 0.23, P 0.27.
    # Hand: SE = 1.22 / (2 * t_97 1.9847) = 0.30735; SD = 0.30735 / sqrt(1/49 + 1/50)
    # = 0.30735 / 0.20102 = 1.5290; d = -0.34 / 1.5290 = -0.2224
    res = meta.smd_from_md_ci(-0.34, -0.95, 0.27, 49, 50)
    assert res.extra["sd_recovered"] == pytest.approx(1.5290, abs=5e-4)
    assert res.extra["d"] == pytest.approx(-0.2224, abs=5e-4)
    assert abs(res.extra["d"]) == pytest.approx(0.23, abs=0.015)  # published d
    assert res.extra["p_md"] == pytest.approx(0.27, abs=0.005)  # published P
    assert res.estimate < 0 and res.reference == "higgins2024cochrane"
    # z instead of t gives a slightly larger SD, hence a smaller |d|
    z = meta.smd_from_md_ci(-0.34, -0.95, 0.27, 49, 50, dist="z")
    assert abs(z.extra["d"]) < abs(res.extra["d"])


def test_smd_from_md_ci_rejects_md_outside_ci():
    with pytest.raises(ValueError, match="not inside its CI"):
        meta.smd_from_md_ci(0.5, -0.95, 0.27, 49, 50)


def test_smd_from_p_paired_borenstein_matched_groups():
    # Borenstein 2009 ch. 4 matched-groups case (numbers as recalled, not re-read from
    # a stored copy; the hand arithmetic below is what is checked):
    # mean difference 5, S_diff 10, n 50, r 0.5
    # -> S_within = 10 / sqrt(2(1 - 0.5)) = 10, d = 0.5, V(d) = (1/50 + 0.25/100) * 1
    # = 0.0225; J = 1 - 3/(4*49 - 1) = 0.98462, g = 0.49231, V(g) = 0.021812.
    # The paired t for these data is 5 / (10/sqrt(50)) = 3.5355 on 49 df.
    p = 2 * stats.t.sf(5 / (10 / math.sqrt(50)), 49)
    res = meta.smd_from_p_paired(p, 50, "placebo_better", r=0.5)
    assert res.extra["d"] == pytest.approx(0.5, abs=1e-9)
    assert res.extra["var_d"] == pytest.approx(0.0225, abs=1e-9)
    assert res.estimate == pytest.approx(0.49231, abs=5e-6)
    assert res.extra["var"] == pytest.approx(0.021812, abs=5e-6)


def test_smd_from_p_paired_cochrane_crossover_example():
    # Cochrane Handbook 5.1, section 16.4.6.4 (crossover, n = 10): means 7.0 and 6.5,
    # SDs 2.38 and 2.21, imputed Corr 0.68 -> SE(MD) 0.583, SMD 0.218, SE(SMD) 0.256.
    # Hand: SD_diff = sqrt(2.38^2 + 2.21^2 - 2*0.68*2.38*2.21) = 1.8426;
    # t = 0.5 / (1.8426/sqrt(10)) = 0.8581 on 9 df; dz = 0.2714;
    # d = dz * sqrt(2 * 0.32) = 0.2171 (the Handbook's 0.218 divides by the
    # average SD 2.295; it notes this minor discrepancy between routes);
    # SE(d) = sqrt(1/10 + 0.2171^2/20) * sqrt(0.64) = 0.2559.
    sd_diff = math.sqrt(2.38**2 + 2.21**2 - 2 * 0.68 * 2.38 * 2.21)
    assert sd_diff / math.sqrt(10) == pytest.approx(0.583, abs=5e-4)
    p = 2 * stats.t.sf(0.5 / (sd_diff / math.sqrt(10)), 9)
    res = meta.smd_from_p_paired(p, 10, "placebo_better", r=0.68)
    assert res.extra["d"] == pytest.approx(0.218, abs=2e-3)
    assert math.sqrt(res.extra["var_d"]) == pytest.approx(0.256, abs=1e-3)


def test_smd_from_p_paired_correlation_and_sign():
    # Dunlap et al. 1996: d = t sqrt(2(1 - r)/n). P = 0.016, n = 28:
    # t_27 = 2.5700... ; dz = t/sqrt(28); r = 0.8 -> d = dz * sqrt(0.4)
    t = stats.t.isf(0.008, 27)
    res = meta.smd_from_p_paired(0.016, 28, "ldn_better", r=0.8)
    assert res.extra["d"] == pytest.approx(-t * math.sqrt(2 * 0.2 / 28), rel=1e-12)
    assert res.estimate < 0
    lo, mid, hi = meta.sensitivity_to_r(meta.smd_from_p_paired, 0.016, 28, "ldn_better")
    assert [x.extra["r"] for x in (lo, mid, hi)] == list(meta.R_RANGE)
    # r = 0.5 leaves d equal to dz; higher r shrinks |g| and its variance
    assert mid.extra["d"] == pytest.approx(mid.extra["dz"], rel=1e-12)
    assert abs(lo.estimate) > abs(mid.estimate) > abs(hi.estimate)
    assert lo.extra["var"] > mid.extra["var"] > hi.extra["var"]
    with pytest.raises(ValueError, match="direction"):
        meta.smd_from_p_paired(0.016, 28, "better")
    with pytest.raises(ValueError, match="within-person correlation"):
        meta.smd_from_p_paired(0.016, 28, "ldn_better", r=1.0)


def test_smd_from_r_effect_size_hand_case():
    # r = 0.3 with N = 25 pairs: Z = 0.3 * 5 = 1.5, dz = 1.5/5 = 0.3, r = 0.5 -> d = 0.3
    # V(d) = (1/25 + 0.09/50) * 1 = 0.0418; J = 1 - 3/95 = 0.968421; g = 0.290526
    res = meta.smd_from_r_effect_size(0.3, 25, "placebo_better")
    assert res.extra["z"] == pytest.approx(1.5)
    assert res.extra["d"] == pytest.approx(0.3)
    assert res.extra["var_d"] == pytest.approx(0.0418)
    assert res.estimate == pytest.approx(0.290526, abs=1e-6)
    assert res.extra["p_implied"] == pytest.approx(2 * stats.norm.sf(1.5))
    # if N in r = Z/sqrt(N) counted observations (2 per person), Z is sqrt(2) larger
    two = meta.smd_from_r_effect_size(0.3, 25, "placebo_better", n_in_r=50)
    assert two.extra["dz"] == pytest.approx(0.3 * math.sqrt(2))
    assert meta.smd_from_r_effect_size(0.3, 25, "ldn_better").estimate < 0


def test_smd_from_p_parallel_inverts_t_test():
    # a t test with t = 2 on 98 df, n 50/50: d = 2 * sqrt(1/50 + 1/50) = 0.4
    p = 2 * stats.t.sf(2.0, 98)
    res = meta.smd_from_p_parallel(p, 50, 50, "placebo_better")
    assert res.extra["d"] == pytest.approx(0.4, rel=1e-10)
    assert isinstance(res, Result)


# ---------------------------------------------------------------- power
def test_power_two_sample_cohen_table():
    # Cohen 1992 Table 2: medium effect d = 0.5, two-sided alpha .05, 64 per group -> .80
    assert meta.power_two_sample(0.5, 64, 64) == pytest.approx(0.80, abs=0.01)
    assert meta.power_two_sample(-0.5, 64, 64) == meta.power_two_sample(0.5, 64, 64)
    # unequal arms: less power than the balanced design with the same total
    assert meta.power_two_sample(0.5, 40, 88) < meta.power_two_sample(0.5, 64, 64)


def test_power_crossover_equals_noncentral_t():
    dz, n = 0.486, 58
    crit = stats.t.isf(0.025, n - 1)
    nc = dz * math.sqrt(n)
    direct = stats.nct.sf(crit, n - 1, nc) + stats.nct.cdf(-crit, n - 1, nc)
    assert meta.power_crossover(dz, n) == pytest.approx(direct, rel=1e-8)
