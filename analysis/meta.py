"""Effect-size conversions to one common scale, random-effects pooling, and
power, for the "evidence since the article" section.

Common scale: Hedges' g, the standardized mean difference with the
small-sample correction J (Borenstein et al. 2009, ch. 4; the SMD that Cochrane
reviews use). g rather than Cohen's d because two of the studies are small
(n = 10 and n = 28) and J matters there; every conversion below returns g, its
variance V(g) = J^2 V(d), a normal-theory 95 % interval and a two-sided P.

Sign convention: negative = LDN better (less pain than placebo).
Group 1 is LDN, group 2 is placebo.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
from scipy import stats
from statsmodels.stats.meta_analysis import combine_effects
from statsmodels.stats.power import TTestIndPower, TTestPower

from analysis.core import Result

DEFAULT_R = 0.5  # within-person correlation assumed for crossover trials
R_RANGE = (0.3, 0.5, 0.8)  # range over which crossover conversions are reported

_DIRECTIONS = {"ldn_better": -1.0, "placebo_better": 1.0}


# --------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------
def _sign(direction: str) -> float:
    try:
        return _DIRECTIONS[direction]
    except KeyError:
        raise ValueError(
            f"direction={direction!r} is not one of {sorted(_DIRECTIONS)}; "
            "say which arm the reported result favours"
        ) from None


def _check_p(p: float) -> None:
    if not 0.0 < p <= 1.0:
        raise ValueError(f"P value {p!r} must lie in (0, 1]")


def _check_r(r: float) -> None:
    if not -1.0 < r < 1.0:
        raise ValueError(f"within-person correlation r={r!r} must lie in (-1, 1)")


def hedges_j(df: float) -> float:
    """Small-sample correction factor J = 1 - 3/(4 df - 1) (Hedges 1981; Borenstein et al. 2009 eq. 4.22)."""
    if df <= 0:
        raise ValueError(f"degrees of freedom must be positive, got {df!r}")
    return 1.0 - 3.0 / (4.0 * df - 1.0)


def _g_result(d: float, var_d: float, df: float, method: str, reference: str,
              extra: dict[str, Any], alpha: float = 0.05) -> Result:
    """Turn Cohen's d and V(d) into a Result for Hedges' g = J d with V(g) = J^2 V(d)."""
    d, var_d = float(d), float(var_d)
    j = hedges_j(df)
    g = j * d
    var_g = j * j * var_d
    se = math.sqrt(var_g)
    z = stats.norm.isf(alpha / 2)
    p = float(2 * stats.norm.sf(abs(g) / se))
    info = {"d": d, "var_d": var_d, "J": j, "df": df, "var": var_g, "se": se,
            "scale": "Hedges' g (negative = LDN better)"}
    info.update(extra)
    return Result(g, g - z * se, g + z * se, p, method, reference, info)


def _var_d_independent(d: float, n1: float, n2: float) -> float:
    """V(d) = (n1+n2)/(n1 n2) + d^2 / (2 (n1+n2)) (Borenstein et al. 2009 eq. 4.20)."""
    return (n1 + n2) / (n1 * n2) + d * d / (2.0 * (n1 + n2))


def _var_d_paired(d: float, n: float, r: float) -> float:
    """V(d) = (1/n + d^2/(2n)) 2(1-r) for matched groups (Borenstein et al. 2009 eq. 4.28)."""
    return (1.0 / n + d * d / (2.0 * n)) * 2.0 * (1.0 - r)


def _p_md(md: float, low: float, high: float, df: float | None, alpha: float) -> float:
    """P implied by a symmetric z or t interval (analysis.stats.p_from_ci)."""
    from .stats import p_from_ci
    r = p_from_ci(md, low, high, alpha, df=df)
    return r.extra["p_t"] if df is not None else r.extra["p_exact_normal"]


# --------------------------------------------------------------------------
# conversions to Hedges' g
# --------------------------------------------------------------------------
def smd_from_means(m1: float, sd1: float, n1: int, m2: float, sd2: float, n2: int) -> Result:
    """Hedges' g from two groups' means, SDs and sizes, pooled SD (Borenstein et al. 2009 eqs. 4.18-4.24)."""
    sd_pooled = math.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / (n1 + n2 - 2))
    d = (m1 - m2) / sd_pooled
    return _g_result(
        d, _var_d_independent(d, n1, n2), n1 + n2 - 2,
        "Hedges' g from means and SDs (pooled SD)", "borenstein2009introduction",
        {"sd_pooled": sd_pooled, "n1": n1, "n2": n2},
    )


def smd_from_d(d: float, n1: int, n2: int) -> Result:
    """Hedges' g from a reported Cohen's d of a parallel trial, signed by the caller (Borenstein et al. 2009 ch. 4)."""
    return _g_result(
        d, _var_d_independent(d, n1, n2), n1 + n2 - 2,
        "Hedges' g from reported Cohen's d, parallel groups", "borenstein2009introduction",
        {"n1": n1, "n2": n2,
         "assumptions": "the reported d uses a pooled between-person SD; its sign "
                        "is supplied by the caller (negative = LDN better)"},
    )


def smd_from_md_ci(md: float, low: float, high: float, n1: int, n2: int,
                   dist: str = "t", level: float = 0.95) -> Result:
    """Hedges' g from a mean difference and its CI, SD recovered via the t or z quantile (Cochrane Handbook 6.5.2.3)."""
    if not low < md < high:
        raise ValueError(f"mean difference {md!r} is not inside its CI ({low!r}, {high!r})")
    df = n1 + n2 - 2
    alpha = 1.0 - level
    if dist == "t":
        crit = stats.t.isf(alpha / 2, df)
    elif dist == "z":
        crit = stats.norm.isf(alpha / 2)
    else:
        raise ValueError(f"dist={dist!r}; use 't' (small samples) or 'z'")
    se_md = (high - low) / (2.0 * crit)
    sd = se_md / math.sqrt(1.0 / n1 + 1.0 / n2)
    d = md / sd
    return _g_result(
        d, _var_d_independent(d, n1, n2), df,
        f"Hedges' g from mean difference and {level:.0%} CI (SD recovered with the {dist} quantile)",
        "higgins2024cochrane",
        {"n1": n1, "n2": n2, "se_md": se_md, "sd_recovered": sd, "quantile": crit,
         "p_md": _p_md(md, low, high, df if dist == "t" else None, alpha),
         "asymmetry": (high - md) - (md - low),
         "assumptions": "CI symmetric about the MD; the recovered SD is the SD the "
                        "trial's model implies (a residual SD if the MD was adjusted)"},
    )


def smd_from_p_parallel(p: float, n1: int, n2: int, direction: str) -> Result:
    """Hedges' g for a parallel trial reported as a two-sided P value, via t and d = t sqrt(1/n1 + 1/n2) (Borenstein et al. 2009 ch. 4)."""
    _check_p(p)
    df = n1 + n2 - 2
    t = stats.t.isf(p / 2.0, df)
    d = _sign(direction) * t * math.sqrt(1.0 / n1 + 1.0 / n2)
    return _g_result(
        d, _var_d_independent(d, n1, n2), df,
        "Hedges' g from a two-sample t test P value", "borenstein2009introduction",
        {"n1": n1, "n2": n2, "t": float(t), "p_input": p, "direction": direction,
         "assumptions": "P is two-sided from a pooled-variance t test (or a model "
                        "with about n1 + n2 - 2 df) on the outcome being standardized"},
    )


def _paired_to_g(dz: float, n: int, r: float, method: str, reference: str,
                 extra: dict[str, Any]) -> Result:
    """Within-person dz -> between-person d = dz sqrt(2(1-r)) (Dunlap et al. 1996; Morris & DeShon 2002), then g."""
    _check_r(r)
    d = dz * math.sqrt(2.0 * (1.0 - r))
    info = {"dz": dz, "n": n, "r": r,
            "references": ("elbourne2002metaanalyses", "dunlap1996metaanalysis",
                           "morris2002combining", "higgins2024cochrane",
                           "borenstein2009introduction")}
    info.update(extra)
    return _g_result(d, _var_d_paired(d, n, r), n - 1, method, reference, info)


def smd_from_p_paired(p: float, n: int, direction: str, r: float = DEFAULT_R) -> Result:
    """Hedges' g (between-person scale) for a crossover reported only as a P value, via the paired t (Elbourne et al. 2002; Dunlap et al. 1996)."""
    _check_p(p)
    if n < 3:
        raise ValueError(f"need at least 3 participants, got n={n!r}")
    t = stats.t.isf(p / 2.0, n - 1)
    dz = _sign(direction) * t / math.sqrt(n)
    return _paired_to_g(
        dz, n, r,
        f"Hedges' g from a paired-t P value, between-person scale with r = {r:g}",
        "elbourne2002metaanalyses",
        {"t": float(t), "p_input": p, "direction": direction,
         "assumptions": "P is two-sided from a paired t test on n participants "
                        "(n - 1 df); no period or carry-over effect; within-person "
                        "correlation r between the two periods' outcomes"},
    )


def smd_from_r_effect_size(r_es: float, n: int, direction: str, r: float = DEFAULT_R,
                           n_in_r: int | None = None) -> Result:
    """Hedges' g for a crossover reporting r = Z/sqrt(N) from a Wilcoxon signed-rank test: Z -> dz -> d (Rosenthal 1994; Dunlap et al. 1996)."""
    if not 0.0 <= r_es < 1.0:
        raise ValueError(f"effect size r={r_es!r} must lie in [0, 1); give the sign by direction")
    n_r = n if n_in_r is None else n_in_r
    z = r_es * math.sqrt(n_r)
    dz = _sign(direction) * z / math.sqrt(n)
    return _paired_to_g(
        dz, n, r,
        f"Hedges' g from Wilcoxon r = Z/sqrt(N), between-person scale with r = {r:g}",
        "rosenthal1994parametric",
        {"z": z, "n_in_r": n_r, "p_implied": float(2 * stats.norm.sf(z)),
         "r_es": r_es, "direction": direction,
         "assumptions": "effect size is r = Z/sqrt(N) with N = n_in_r; the "
                        "signed-rank Z is treated as a paired t (normal scores, "
                        "large-sample); within-person correlation r; no "
                        "period or carry-over effect"},
    )


def sensitivity_to_r(convert: Callable[..., Result], *args: Any,
                     rs: Sequence[float] = R_RANGE, **kwargs: Any) -> tuple[Result, ...]:
    """One crossover conversion repeated over a range of within-person correlations r (Elbourne et al. 2002)."""
    return tuple(convert(*args, r=r, **kwargs) for r in rs)


# --------------------------------------------------------------------------
# pooling
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class MetaResult:
    """A random-effects meta-analysis: pooled estimate, heterogeneity, prediction interval, fixed effect."""

    estimate: float
    low: float
    high: float
    p: float
    se: float
    tau2: float
    i2: float  # Higgins & Thompson 2002: max(0, (Q - df)/Q)
    q: float
    q_df: int
    q_p: float
    pi_low: float | None
    pi_high: float | None
    fixed: Result
    weights: tuple[float, ...]  # relative random-effects weights, sum to 1
    labels: tuple[str, ...]
    k: int
    method: str
    reference: str
    extra: dict[str, Any] = field(default_factory=dict)
    hk: Result | None = None  # Hartung-Knapp interval and t test for the same estimate

    @property
    def i2_q(self) -> float:
        """I^2 from Cochran's Q, max(0, (Q - df)/Q) (Higgins & Thompson 2002); the same as ``i2``."""
        return self.i2

    @property
    def i2_tau2(self) -> float:
        """I^2 from the estimated tau^2, tau^2/(tau^2 + s^2) with s^2 the typical within-study variance (Higgins & Thompson 2002)."""
        return self.extra["i2_from_tau2"]

    def as_result(self) -> Result:
        """The pooled random-effects estimate as a plain Result."""
        return Result(self.estimate, self.low, self.high, self.p, self.method,
                      self.reference,
                      {"se": self.se, "tau2": self.tau2, "i2": self.i2,
                       "pi": (self.pi_low, self.pi_high), "k": self.k})


def _pool(y: np.ndarray, v: np.ndarray, tau2: float) -> tuple[float, float, np.ndarray]:
    """Inverse-variance weighted mean with between-study variance tau2 (DerSimonian & Laird 1986)."""
    w = 1.0 / (v + tau2)
    return float(w @ y / w.sum()), float(1.0 / math.sqrt(w.sum())), w / w.sum()


def tau2_reml(y: Sequence[float], v: Sequence[float], tol: float = 1e-10,
              maxiter: int = 200) -> tuple[float, int]:
    """REML estimate of tau^2 by Fisher scoring with step halving, truncated at 0 (Viechtbauer 2005)."""
    y = np.asarray(y, float)
    v = np.asarray(v, float)
    k = len(y)
    w0 = 1.0 / v
    q = float(w0 @ (y - w0 @ y / w0.sum()) ** 2)
    c = w0.sum() - (w0**2).sum() / w0.sum()
    tau2 = max(0.0, (q - (k - 1)) / c)  # DerSimonian-Laird start
    for it in range(1, maxiter + 1):
        w = 1.0 / (v + tau2)
        pmat = np.diag(w) - np.outer(w, w) / w.sum()
        py = pmat @ y
        score = 0.5 * (py @ py - np.trace(pmat))
        info = 0.5 * np.trace(pmat @ pmat)
        step = score / info
        new = tau2 + step
        while new < 0 and step > 1e-14:  # step halving keeps tau2 >= 0
            step /= 2.0
            new = tau2 + step
        new = max(0.0, new)
        if abs(new - tau2) < tol:
            return new, it
        tau2 = new
    raise RuntimeError(f"REML Fisher scoring did not converge in {maxiter} iterations")


def typical_within_variance(variances: Sequence[float]) -> float:
    """'Typical' within-study variance s^2 = (k-1) sum(w) / ((sum w)^2 - sum(w^2)), w = 1/v (Higgins & Thompson 2002, eq. 9)."""
    v = np.asarray(variances, float)
    if len(v) < 2 or np.any(v <= 0) or not np.all(np.isfinite(v)):
        raise ValueError("need >= 2 positive finite variances")
    w = 1.0 / v
    return float((len(v) - 1) * w.sum() / (w.sum() ** 2 - (w**2).sum()))


def i2_from_tau2(variances: Sequence[float], tau2: float) -> float:
    """I^2 = tau^2 / (tau^2 + s^2) with s^2 the typical within-study variance (Higgins & Thompson 2002; as metafor reports I^2 for any tau^2 estimator)."""
    if not tau2 >= 0:
        raise ValueError(f"tau2 must be >= 0, got {tau2!r}")
    return float(tau2 / (tau2 + typical_within_variance(variances)))


def hartung_knapp(estimates: Sequence[float], variances: Sequence[float], tau2: float,
                  level: float = 0.95, truncate: bool = False) -> Result:
    """Hartung-Knapp (HKSJ) interval and t test for a random-effects pooled mean given tau^2 (Hartung & Knapp 2001; Sidik & Jonkman 2002; IntHout et al. 2014).

    With w_i = 1/(v_i + tau^2) and mu the weighted mean,
    q = sum w_i (y_i - mu)^2 / (k - 1), SE_HK = sqrt(q / sum w_i), and the
    interval is mu -/+ t_{k-1, 1-alpha/2} SE_HK. ``truncate=True`` gives the
    modified ('ad hoc') version that never lets SE_HK fall below the usual
    1/sqrt(sum w_i), i.e. q is floored at 1 (Roever et al. 2015). The default
    reproduces metafor's rma(..., test="knha") on its BCG example (where q > 1)
    and statsmodels' combine_effects 'random effect wls' row, which does not
    floor q (shown on data with q < 1) and uses the t quantile only with
    use_t=True (its default use_t=False pairs the HKSJ SE with z).
    """
    y, v = _checked(estimates, variances)
    k = len(y)
    if not tau2 >= 0:
        raise ValueError(f"tau2 must be >= 0, got {tau2!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level!r}")
    w = 1.0 / (v + tau2)
    mu = float(w @ y / w.sum())
    q = float(w @ (y - mu) ** 2) / (k - 1)
    q_used = max(1.0, q) if truncate else q
    se_wald = 1.0 / math.sqrt(w.sum())
    se = math.sqrt(q_used) * se_wald
    df = k - 1
    crit = float(stats.t.isf((1 - level) / 2, df))
    t = mu / se if se > 0 else math.copysign(math.inf, mu) if mu else 0.0
    p = float(2 * stats.t.sf(abs(t), df)) if se > 0 else (0.0 if mu else 1.0)
    return Result(
        estimate=mu, low=mu - crit * se, high=mu + crit * se, p=p,
        method="Hartung-Knapp (HKSJ) interval, t with k - 1 df"
               + (", q floored at 1 (modified)" if truncate else ""),
        reference="hartung2001refined",
        extra={"se": se, "se_wald": se_wald, "q": q, "q_used": q_used, "truncated": truncate,
               "t": t, "df": df, "tau2": float(tau2), "level": level, "critical_value": crit,
               "references": ("hartung2001refined", "sidik2002simple", "inthout2014hartung")
               + (("rover2015hartung",) if truncate else ())},
    )


def prediction_interval(mu: float, se: float, tau2: float, k: int, dist: str = "t",
                        level: float = 0.95) -> tuple[float, float] | tuple[None, None]:
    """Prediction interval mu +/- t_{k-2} sqrt(tau2 + se^2) (Higgins, Thompson & Spiegelhalter 2009; Riley et al. 2011)."""
    if dist == "t":
        if k < 3:
            return None, None
        crit = stats.t.isf((1 - level) / 2, k - 2)
    elif dist == "z":
        crit = stats.norm.isf((1 - level) / 2)
    else:
        raise ValueError(f"dist={dist!r}; use 't' (k-2 df, Riley 2011) or 'z'")
    half = crit * math.sqrt(tau2 + se * se)
    return mu - half, mu + half


_RE_METHODS = {
    "reml": ("random effects, REML tau^2 (Fisher scoring)", "viechtbauer2005bias"),
    "dl": ("random effects, DerSimonian-Laird tau^2", "dersimonian1986meta"),
    "pm": ("random effects, Paule-Mandel tau^2", "paule1982consensus"),
}


def _checked(estimates: Sequence[float], variances: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Estimates and variances as arrays: at least two, one variance each, positive, finite."""
    y = np.asarray(estimates, float)
    v = np.asarray(variances, float)
    if len(y) < 2 or len(v) != len(y):
        raise ValueError(f"need >= 2 estimates with one variance each; got {len(y)} and {len(v)}")
    if np.any(v <= 0) or not np.all(np.isfinite(np.r_[y, v])):
        raise ValueError("variances must be positive and all inputs finite")
    return y, v


def random_effects(estimates: Sequence[float], variances: Sequence[float],
                   method: str = "reml", labels: Sequence[str] | None = None,
                   ci: str = "z", pi_dist: str = "t", level: float = 0.95) -> MetaResult:
    """Random-effects meta-analysis (REML, DL or Paule-Mandel tau^2) with fixed effect, I^2, Q and prediction interval (Borenstein et al. 2009 ch. 12-17)."""
    y, v = _checked(estimates, variances)
    k = len(y)
    method = method.lower()
    if method not in _RE_METHODS:
        raise ValueError(f"method={method!r}; use one of {sorted(_RE_METHODS)}")
    if ci not in ("z", "hksj"):
        raise ValueError(f"ci={ci!r}; use 'z' or 'hksj' (Hartung-Knapp-Sidik-Jonkman)")
    labels = tuple(labels) if labels is not None else tuple(str(i + 1) for i in range(k))
    if len(labels) != k:
        raise ValueError(f"{len(labels)} labels for {k} estimates")

    # statsmodels does the fixed-effect, Q and DL / PM arithmetic
    with np.errstate(invalid="ignore"):  # sqrt of a negative DL tau^2, handled below
        sm = combine_effects(y, v, method_re="pm" if method == "pm" else "dl")
    q = float(sm.q)
    extra: dict[str, Any] = {}
    if method == "reml":
        tau2, iters = tau2_reml(y, v)
        extra["iterations"] = iters
    else:
        tau2 = float(sm.tau2)
        if tau2 < 0:  # statsmodels' DL is not truncated at zero
            extra["tau2_untruncated"] = tau2
            tau2 = 0.0
    if method != "reml" and "tau2_untruncated" not in extra:
        mu, se, wrel = float(sm.mean_effect_re), float(sm.sd_eff_w_re), np.asarray(sm.weights_rel_re)
    else:
        mu, se, wrel = _pool(y, v, tau2)

    alpha = 1.0 - level
    if ci == "z":
        crit = stats.norm.isf(alpha / 2)
        se_ci = se
        p = float(2 * stats.norm.sf(abs(mu) / se))
    hk = hartung_knapp(y, v, tau2, level)
    if ci == "hksj":
        se_ci, crit, p = hk.extra["se"], hk.extra["critical_value"], hk.p
        extra["se_hksj"] = se_ci
    pi_low, pi_high = prediction_interval(mu, se, tau2, k, pi_dist, level)

    # typical within-study variance and tau^2-based I^2 (as metafor reports it)
    s2 = typical_within_variance(v)
    extra.update({"i2_from_tau2": i2_from_tau2(v, tau2), "typical_v": s2, "tau": math.sqrt(tau2),
                  "ci": ci, "pi_dist": pi_dist,
                  "references": ("higgins2002quantifying", "higgins2009reevaluation",
                                 "riley2011interpretation")
                  + (("hartung2001refined", "sidik2002simple") if ci == "hksj" else ()),
                  "weights_fixed": tuple(float(x) for x in sm.weights_rel_fe)})

    z = stats.norm.isf(alpha / 2)
    mu_fe, se_fe = float(sm.mean_effect_fe), float(sm.sd_eff_w_fe)
    fixed = Result(mu_fe, mu_fe - z * se_fe, mu_fe + z * se_fe,
                   float(2 * stats.norm.sf(abs(mu_fe) / se_fe)),
                   "fixed effect, inverse variance", "borenstein2009introduction",
                   {"se": se_fe})
    name, ref = _RE_METHODS[method]
    if ci == "hksj":
        name += ", Hartung-Knapp-Sidik-Jonkman CI"
    return MetaResult(
        estimate=mu, low=mu - crit * se_ci, high=mu + crit * se_ci, p=p, se=se,
        tau2=tau2, i2=max(0.0, (q - (k - 1)) / q) if q > 0 else 0.0,
        q=q, q_df=k - 1, q_p=float(stats.chi2.sf(q, k - 1)),
        pi_low=pi_low, pi_high=pi_high, fixed=fixed,
        weights=tuple(float(x) for x in wrel), labels=labels, k=k,
        method=name, reference=ref, extra=extra, hk=hk,
    )


# --------------------------------------------------------------------------
# power
# --------------------------------------------------------------------------
def power_two_sample(d: float, n1: int, n2: int, alpha: float = 0.05) -> float:
    """Power of a two-sided two-sample t test to detect |d| with n1 and n2 per arm (Cohen 1988; statsmodels TTestIndPower)."""
    return float(TTestIndPower().power(effect_size=abs(d), nobs1=n1, alpha=alpha,
                                       ratio=n2 / n1, alternative="two-sided"))


def power_crossover(dz: float, n: int, alpha: float = 0.05) -> float:
    """Power of a two-sided paired t test (crossover, no period effect) to detect |dz| with n participants (Cohen 1988; statsmodels TTestPower)."""
    return float(TTestPower().power(effect_size=abs(dz), nobs=n, alpha=alpha,
                                    alternative="two-sided"))

