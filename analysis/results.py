"""Every recomputation in the report, from the published numbers in ``data/``.

``compute(pkg)`` is the one entry point the documents call; it returns a
``Results`` object whose attributes the report and the handout print through
``analysis.fmt``. Nothing here reads files (``analysis.data`` does) or prints.

The results are typed: one frozen dataclass per part of the analysis, each
built by its own function from the published numbers and the parts before it,
and ``compute`` only wires them together:

=============  ===================  ==============================================
attribute      type                 built by
=============  ===================  ==============================================
``grim``       :class:`Grim`        :func:`grim_part` (which n fit; the n in force)
``design``     :class:`Design`      :func:`design_part` (flow, weeks, end points)
``responders`` :class:`Responders`  :func:`responders_part` (every responder test)
``pain``       :class:`Pain`        :func:`pain_part` (primary outcome, power)
``secondary``  :class:`Secondary`   :func:`secondary_part` (multiplicity)
``blinding``   :class:`Blinding`    :func:`blinding_part` (side effects)
``evidence``   :class:`Evidence`    :func:`evidence_part` (the trial roster of
                                    ``data/pooling.csv`` on one scale, pooled)
``assumptions`` :class:`Assumptions` :func:`assumptions` (the values in force)
``checks``     list of :class:`Check` published numbers beside recomputations
=============  ===================  ==============================================

A misspelt attribute in a document fails in the fast tests
(``tests/test_attributes.py`` resolves every inline expression of the ``.qmd``
files against a computed ``Results``), not at render time.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import fmt, meta, stats
from .core import Result
from .data import ANALYSED_N, CONVERSION_INPUTS

GRIM_NS = range(20, 32)      # plausible analysed n: 20 up to the 31 who started
PCT_SCAN_NS = range(10, 61)  # wider range for every published percentage of the 2013 trial
SIDE_EFFECTS = ("vivid_dreams", "headache")  # the news report's side-effect percentages
NOT_SIGNIFICANT_FLOOR = 0.051  # least P an unpublished "not significant" result could have (as missing_assumed)
CROSSOVER_R = 0.5            # assumed within-person correlation (named, varied below)
R_RANGE = (0.3, 0.5, 0.8)
ALPHA = 0.05
# NNTs and their limits in one style, as whole numbers (issue 23: "4.7 (2.5 to 88)" beside
# "NNTH 301" read as mixed rounding); a fraction of a patient carries no meaning here.
NNT_DIGITS = 0
POWER_TARGETS = (0.80, 0.90)
MAIN_SET = "randomized"      # the main pooling (forest-plot weights, pooled_by_r); data/pooling_sets.csv
LATER_SET = "later trials"   # the set compared with the index trial
INDEX_ROLE = "index-trial"   # studies.csv role of the trial the report re-analyses
# Later trials the report discusses by name beyond the roster (FINAL's own interval and its
# size for power: Evidence.final_includes_2013, power_final_g); they must stay pooled.
DISCUSSED_TRIALS = ("final2024",)


# ----------------------------------------------------------------- types ----

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


@dataclass(frozen=True)
class Assumptions:
    """The report's assumptions in force (report.qmd's ``parameters`` cell; ASSUMPTIONS)."""

    r: float
    unpublished_p: float
    paired_test: str
    paired_test_name: str
    changed: list[str]              # names whose value differs from the default
    describe: dict[str, str]        # name -> what it is
    analysed_n: int | None = None   # the analysed n in force (None before GRIM resolves it)
    analysed_n_given: int | None = None  # the parameter as given (None: the default rule)


@dataclass(frozen=True)
class GrimPercentage:
    """GRIM for one published percentage of the index trial: which n in PCT_SCAN_NS fit."""

    number_id: str
    quantity: str
    arm: str
    value: float
    decimals: int
    source_id: str
    fitting: dict[int, list[int]]  # n -> the whole counts that round to the value
    ns: list[int]
    fits: dict[int, bool]          # for each n of interest (pct_ns_of_interest)


@dataclass(frozen=True)
class Grim:
    """Which analysed n the two responder percentages allow (GRIM, Brown & Heathers 2017),
    and the n the report uses: the parameter ``analysed_n`` if given, else the registry's
    baseline count when it fits, else the fitting n closest to it (ties: the larger)."""

    pcts: tuple[float, float]       # responder percentages, LDN and placebo
    ns: list[int]                   # the n scanned
    scan: list                      # [(n, [counts LDN, counts placebo])]
    fits: list[int]                 # every n at which both percentages are whole counts
    n: int                          # the analysed n in force
    x_ldn: int
    x_pbo: int
    fits_ldn: list[int]
    fits_pbo: list[int]
    registry_baseline: int
    conference_completers: int
    ambiguous: bool                 # more than one n fits
    n_source: str                   # "parameter", "registry baseline", "closest to the registry baseline"
    all_percentages: list[GrimPercentage]
    percent_joint_by_source: dict[str, list[int]]
    percent_joint_by_quantity: dict[str, list[int]]
    side_effects_joint: list[int]
    pct_scan_ns: list[int]
    pct_ns_of_interest: tuple[int, ...]  # analysed n in force, completers (registry), randomized

    @property
    def others(self) -> list[int]:
        """The n that also fit but are not the one in force."""
        return [m for m in self.fits if m != self.n]

    @property
    def fits_text(self) -> str:
        """The fitting n as words for a sentence: '28', '22 and 28', '22, 25 and 28'."""
        shown = [str(m) for m in self.fits]
        return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]

    @property
    def n_reason(self) -> str:
        """Why the n in force was chosen, as a phrase."""
        return {"parameter": "set by the parameter analysed_n",
                "registry baseline": "the registry's baseline count",
                "closest to the registry baseline": "the fitting n closest to the registry's baseline "
                                                    f"count ({self.registry_baseline})"}[self.n_source]


@dataclass(frozen=True)
class Design:
    """Design facts of the index trial: flow of participants, weeks, end-point timing."""

    screened: int
    enrolled_registry: int
    randomized: int
    started: int
    completed: int
    baseline_table: int
    analysed: int
    weeks_baseline: float
    weeks_ldn: float
    weeks_placebo: float
    weeks_followup: float
    weeks_participation: float
    placebo_share: float
    endpoint_days: float
    endpoint_share_ldn: float
    endpoint_share_pbo: float
    dose: float
    dose_low: float
    sequences: list
    endpoint_weeks_by_sequence: dict
    endpoint_week_ldn: float
    endpoint_week_pbo: float
    endpoint_gap_weeks: float
    endpoint_window_weeks: float


@dataclass(frozen=True)
class Split:
    """One possible paired table of the responders (a both, b LDN only, c placebo only, d neither)."""

    a: int
    b: int
    c: int
    d: int
    exact: float
    midp: float
    asymptotic: float
    asymptotic_cc: float
    fragility_exact: Result
    fragility_midp: Result
    ci: Result
    nnt_text: str = ""          # the NNT with the interval of this split's paired difference


@dataclass(frozen=True)
class TestRounding:
    """One common test's P beside the published responder P, at its precision."""

    key: str
    test: str
    design: str
    a: int | None
    p: float
    rounds: bool
    decimals: int


@dataclass(frozen=True)
class PairedTest:
    """The paired responder result under one version of McNemar's test, over the splits."""

    test: str
    name: str
    low: float
    high: float
    below_alpha: int


@dataclass(frozen=True)
class Responders:
    """The responder comparison at the analysed n: every common test, paired and unpaired."""

    n: int
    x_ldn: int
    x_pbo: int
    pct_ldn: float
    pct_pbo: float
    reported_p: float
    wilson_ldn: Result
    wilson_pbo: Result
    rd: Result
    nnt: Result
    nnt_text: str
    chi2: Result
    chi2_cc: Result
    fisher: Result
    fisher_greater: Result
    paired: dict
    splits: list[Split]
    reproduces: dict[str, bool]
    tests_rounding: list[TestRounding]
    tests_rounding_to_published: list[TestRounding]
    n_splits: int
    paired_fragility: dict
    paired_fragility_min: dict
    fragility: Result
    paired_tests: dict[str, PairedTest]
    headline: PairedTest
    splits_exact_below_alpha: int
    splits_midp_below_alpha: int


@dataclass(frozen=True)
class Pain:
    """The primary outcome: difference, recovered intervals, effect size, power."""

    ldn: float
    placebo: float
    p: float
    diff: float
    ci_z: Result
    ci_t: Result
    dz: Result
    power: float
    replication_power: Result
    power_targets: tuple[float, float]
    n80: Any
    n90: Any


@dataclass(frozen=True)
class Secondary:
    """Secondary outcomes and multiplicity (Holm, Benjamini-Hochberg)."""

    reported: dict[str, float]
    n_secondary: int
    holm3: dict
    bh3: dict
    holm5: dict
    bh5: dict
    missing_assumed: float
    family4: dict
    bounds4: dict
    holm4: dict
    bh4: dict
    holm4_best: dict
    bh4_best: dict
    family4_unknown_set_to: float
    not_significant_floor: float
    best_by_unpublished_p: dict
    # The primary outcomes of the registry's earliest stored version (pain, sleep quality,
    # fatigue; sleep and fatigue "not improved" with no P): Holm bounds, as for family4.
    primary_family: dict
    holm_primary: dict          # {"worst": {...}, "best": {...}} (unknowns at 1 / at the floor)
    exploratory: tuple          # abstract's secondary outcomes the registry does not list
    holm_reported: dict         # the secondary outcomes with a published P only (pain not included)
    bh_reported: dict


@dataclass(frozen=True)
class Blinding:
    """Side effects that could unmask the allocation (news-level numbers)."""

    dreams_ldn: float
    dreams_pbo: float
    headache_ldn: float
    headache_pbo: float
    tolerability_ldn: float
    tolerability_pbo: float
    dreams_excess: float


@dataclass(frozen=True)
class RosterEntry:
    """One row of data/pooling.csv: a study, how it converts to Hedges' g, its sets."""

    study_id: str
    conversion: str | None        # a key of CONVERSIONS; None when excluded
    direction: str | None         # ldn_better / placebo_better
    inputs: dict[str, str]        # input column -> number_id (or ANALYSED_N)
    sets: tuple[str, ...]
    excluded: str | None          # why not pooled
    note: str | None

    @property
    def pooled(self) -> bool:
        return bool(self.sets)

    @property
    def conversion_label(self) -> str:
        return CONVERSIONS[self.conversion].label if self.conversion else ""


@dataclass(frozen=True)
class FinalHolds:
    """Does FINAL's own interval for g hold a given g?"""

    includes: bool
    g13: float
    final_g: float
    final_low: float
    final_high: float


@dataclass(frozen=True)
class PowerFinalG:
    """Power of a FINAL-sized parallel trial to detect the index trial's g."""

    g: float
    n_ldn: int
    n_pbo: int
    alpha: float
    power: float
    by_r: dict[float, float]
    method: str


@dataclass(frozen=True)
class InnovaPFromD:
    """INNOVA's published d and P: do they describe the same test?"""

    p: float
    low: float
    high: float
    n_ldn: int
    n_pbo: int
    d: float
    p_pub: float
    d_from_p: Any


@dataclass(frozen=True)
class Evidence:
    """The trial roster (data/pooling.csv) on one scale, Hedges' g (negative = less pain on
    LDN), pooled by random effects in each analysis set (data/pooling_sets.csv)."""

    r: float
    r_range: tuple[float, ...]
    trials: dict[str, Result]          # study_id -> g, in roster order (pooled studies only)
    by_r: dict[float, dict[str, Result]]
    sets: dict[str, list[str]]         # set name -> study_ids, in pooling_sets.csv order
    pooled: dict[str, Any]             # set name -> MetaResult
    pooled_by_r: dict[float, Any]      # the main set at each r
    g13: Result                        # the index trial
    dz13: float
    power: dict[str, Any]              # each later trial: power to detect the index effect
    final_p_from_ci: tuple[float, float]
    hk: dict[str, Result]
    later_by_r: dict[float, Any]
    diff_2013_vs_later: Result
    diff_2013_vs_later_by_r: dict[float, Result]
    final_includes_2013: FinalHolds
    final_includes_2013_by_r: dict[float, FinalHolds]
    power_final_g: PowerFinalG
    innova_p_from_d: InnovaPFromD
    roster: list[RosterEntry]          # every row of data/pooling.csv, in order
    set_descriptions: dict[str, str]   # set name -> description
    index_id: str                      # study_id of the index trial
    main_set: str = MAIN_SET
    later_set: str = LATER_SET

    @property
    def excluded(self) -> dict[str, str]:
        """study_id -> why it is not pooled."""
        return {e.study_id: e.excluded for e in self.roster if not e.pooled}

    @property
    def later_ids(self) -> list[str]:
        """The later trials pooled (the LATER_SET), in roster order."""
        return list(self.sets[self.later_set])


@dataclass(frozen=True)
class Results:
    """Everything the documents print, by part (see the module docstring)."""

    pkg: object
    n: int                                  # analysed n in force (= grim.n)
    grim: Grim
    design: Design
    responders: Responders
    pain: Pain
    secondary: Secondary
    blinding: Blinding
    evidence: Evidence
    checks: list[Check] = field(default_factory=list)
    assumptions: Assumptions | None = None  # the values in force

    def check(self, check_id: str) -> Check:
        for c in self.checks:
            if c.id == check_id:
                return c
        raise KeyError(f"no check '{check_id}'")

    @property
    def disagreements(self) -> list[str]:
        return sorted(c.id for c in self.checks if not c.agrees)


# ------------------------------------------------------------- helpers ----

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


# --------------------------------------------------------- assumptions ----

# The report's assumptions, as Quarto parameters (report.qmd's `parameters` cell):
# name -> (default, the values the sensitivity appendix shows, what it is).
# analysed_n's default None means the rule of :class:`Grim`; the values it can take
# are the n that GRIM leaves (R.grim.fits), which depend on the data.
ASSUMPTIONS = {
    "r": (CROSSOVER_R, R_RANGE,
          "within-person correlation of pain scores, for putting crossover results on the "
          "parallel-trial scale"),
    "unpublished_p": (NOT_SIGNIFICANT_FLOOR, (NOT_SIGNIFICANT_FLOOR, 0.2, 0.5, 1.0),
                      "the most favourable P assumed for each secondary outcome reported only as "
                      "'not improved'"),
    "paired_test": ("midp", ("midp", "exact"),
                    "version of McNemar's test for the headline paired responder result"),
    "analysed_n": (None, (),
                   "number of women analysed in the 2013 trial, which the abstract does not give; "
                   "it must be one that both responder percentages allow (GRIM)"),
}
PAIRED_TESTS = {"midp": "mid-p", "exact": "exact"}


def assumptions(r: float = CROSSOVER_R, unpublished_p: float = NOT_SIGNIFICANT_FLOOR,
                paired_test: str = "midp", analysed_n: int | None = None) -> Assumptions:
    """The assumptions checked and named: a clear error for a value outside its range.
    Whether ``analysed_n`` is one that GRIM allows is checked by :func:`grim_part`."""
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
    if analysed_n is not None:
        if isinstance(analysed_n, bool) or not (
                isinstance(analysed_n, int) or (isinstance(analysed_n, float) and analysed_n.is_integer())):
            raise ValueError(f"analysed_n = {analysed_n!r}: give a whole number of women, or leave it "
                             "None for the default (the registry's baseline count when GRIM allows it)")
        analysed_n = int(analysed_n)
        if analysed_n not in GRIM_NS:
            raise ValueError(f"analysed_n = {analysed_n}: the analysed n must lie from {GRIM_NS[0]} to "
                             f"{GRIM_NS[-1]} (the women who could have been analysed)")
    defaults = {k: d for k, (d, _, _) in ASSUMPTIONS.items()}
    given = {"r": r, "unpublished_p": unpublished_p, "paired_test": paired_test}
    return Assumptions(**given, paired_test_name=PAIRED_TESTS[paired_test],
                       changed=sorted(k for k in given if given[k] != defaults[k]),
                       describe={k: ASSUMPTIONS[k][2] for k in ASSUMPTIONS},
                       analysed_n=None, analysed_n_given=analysed_n)


# --------------------------------------------------------------- parts ----

def _grim_fits(pkg) -> tuple[tuple[float, float], list[int]]:
    pcts = (pkg.value("y13.responders.ldn"), pkg.value("y13.responders.placebo"))
    return pcts, stats.grim_consistent_ns(pcts, GRIM_NS)


def grim_problem(pkg) -> str | None:
    """None when GRIM leaves at least one analysed n; otherwise what is wrong and where
    (the data check prints it before any render)."""
    pcts, fits = _grim_fits(pkg)
    if fits:
        return None
    files = pkg._files.get("numbers", "data/numbers.csv")
    return (f"{files}, rows y13.responders.ldn and y13.responders.placebo, field 'value': no analysed n "
            f"from {GRIM_NS[0]} to {GRIM_NS[-1]} gives whole numbers of women for both "
            f"{fmt.as_published(pcts[0])}% and {fmt.as_published(pcts[1])}% (GRIM). Check the two "
            "percentages against the source.")


def default_analysed_n(fits: list[int], registry_baseline: int) -> tuple[int, str]:
    """The default analysed n and why: the registry's baseline count when it fits, else the
    fitting n closest to it (ties: the larger, the fewer women assumed lost)."""
    if registry_baseline in fits:
        return registry_baseline, "registry baseline"
    return min(fits, key=lambda m: (abs(m - registry_baseline), -m)), "closest to the registry baseline"


def grim_part(pkg, analysed_n: int | None = None) -> Grim:
    """GRIM on the responder percentages; the analysed n in force (see :class:`Grim`)."""
    v = pkg.value
    pcts, fits = _grim_fits(pkg)
    if not fits:
        raise ValueError("GRIM: " + grim_problem(pkg))
    scan = stats.grim_scan(pcts, GRIM_NS)
    baseline = int(v("y13.n.baseline.all"))
    shown = fits[0] if len(fits) == 1 else ", ".join(map(str, fits[:-1])) + f" and {fits[-1]}"
    if analysed_n is not None:
        if analysed_n not in fits:
            raise ValueError(f"analysed_n = {analysed_n}: GRIM rules it out; {fmt.as_published(pcts[0])}% "
                             f"and {fmt.as_published(pcts[1])}% are whole numbers of women only at "
                             f"n = {shown}. Choose one of those, or leave analysed_n empty (None).")
        n, source = analysed_n, "parameter"
    else:
        n, source = default_analysed_n(fits, baseline)
    counts = dict(scan)[n]
    pct_all, joint_source = _grim_all_percentages(pkg, n)
    by_q: dict[str, list[set[int]]] = {}
    for pc in pct_all:
        by_q.setdefault(pc.quantity, []).append(set(pc.ns))
    return Grim(
        pcts=pcts, ns=list(GRIM_NS), scan=scan, fits=fits, n=n, x_ldn=counts[0][0], x_pbo=counts[1][0],
        fits_ldn=[m for m, c in scan if c[0]], fits_pbo=[m for m, c in scan if c[1]],
        registry_baseline=baseline, conference_completers=int(v("y13.conf.n.completed.all")),
        ambiguous=len(fits) > 1, n_source=source,
        all_percentages=pct_all, percent_joint_by_source=joint_source,
        percent_joint_by_quantity={q: sorted(set.intersection(*ss)) for q, ss in by_q.items()},
        side_effects_joint=sorted(set.intersection(
            *[set(pc.ns) for pc in pct_all if pc.quantity in SIDE_EFFECTS])),
        pct_scan_ns=list(PCT_SCAN_NS), pct_ns_of_interest=_ns_of_interest(pkg, n))


def _ns_of_interest(pkg, n: int) -> tuple[int, ...]:
    """The analysed n in force, the completers (registry) and the randomized."""
    v = pkg.value
    completed = int(v("y13.n.completed.ldn-first") + v("y13.n.completed.placebo-first"))
    return tuple(sorted({n, completed, int(v("y13.n.participants.all"))}))


def design_part(pkg, n: int) -> Design:
    """Flow of participants, the weeks of each condition, and when each end point fell."""
    v = pkg.value
    weeks_ldn, weeks_pbo = v("y13.weeks.ldn"), v("y13.weeks.placebo")
    days_end = v("y13.days.endpoint")
    sequences = [
        ("LDN first", [("Baseline", v("y13.weeks.baseline")), ("LDN", weeks_ldn),
                       ("Placebo", weeks_pbo), ("Follow-up", v("y13.conf.weeks.followup"))]),
        ("Placebo first", [("Baseline", v("y13.weeks.baseline")), ("Placebo", weeks_pbo),
                           ("LDN", weeks_ldn), ("Follow-up", v("y13.conf.weeks.followup"))]),
    ]
    # When is each condition's end point reached, counted from the start of
    # the study (baseline included), in each counterbalanced sequence?
    timing = stats.condition_end_times(dict(sequences))
    return Design(
        screened=int(v("y13.n.screened.all")), enrolled_registry=int(v("y13.n.enrolled.all")),
        randomized=int(v("y13.n.participants.all")),
        started=int(v("y13.n.started.ldn-first") + v("y13.n.started.placebo-first")),
        completed=int(v("y13.n.completed.ldn-first") + v("y13.n.completed.placebo-first")),
        baseline_table=int(v("y13.n.baseline.all")), analysed=n,
        weeks_baseline=v("y13.weeks.baseline"), weeks_ldn=weeks_ldn, weeks_placebo=weeks_pbo,
        weeks_followup=v("y13.conf.weeks.followup"), weeks_participation=v("y13.weeks.participation"),
        placebo_share=weeks_pbo / weeks_ldn, endpoint_days=days_end,
        endpoint_share_ldn=days_end / (7 * weeks_ldn), endpoint_share_pbo=days_end / (7 * weeks_pbo),
        dose=v("y13.dose.ldn"), dose_low=v("y13.dose.range-low.ldn"), sequences=sequences,
        endpoint_weeks_by_sequence=timing["by_sequence"],
        endpoint_week_ldn=timing["mean"]["LDN"], endpoint_week_pbo=timing["mean"]["Placebo"],
        endpoint_gap_weeks=timing["mean"]["LDN"] - timing["mean"]["Placebo"],
        endpoint_window_weeks=days_end / 7)


def design_checks(design: Design, n: int) -> list[Check]:
    return [Check("started-equals-randomized", "women who started (registry) vs randomized (abstract)",
                  design.randomized, design.started, design.started == design.randomized, "equal counts"),
            Check("grim-n-vs-registry-baseline", "GRIM-inferred analysed n vs registry baseline table",
                  design.baseline_table, n, n == design.baseline_table, "equal counts")]


def responders_part(pkg, grim: Grim, paired_test: str) -> Responders:
    """Every common test of the responder counts at the analysed n, paired and unpaired."""
    n, x_ldn, x_pbo = grim.n, grim.x_ldn, grim.x_pbo
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
    splits = [Split(a=a, b=b, c=c, d=d, exact=paired["exact"]["by_split"][sp],
                    midp=paired["midp"]["by_split"][sp],
                    asymptotic=stats.mcnemar_asymptotic(b, c).p,
                    asymptotic_cc=stats.mcnemar_asymptotic(b, c, correction=True).p,
                    fragility_exact=paired_fragility["exact"]["by_split"][sp],
                    fragility_midp=paired_fragility["midp"]["by_split"][sp],
                    ci=stats.newcombe_paired_diff(a, b, c, d),
                    nnt_text=stats.describe_nnt(stats.nnt(stats.newcombe_paired_diff(a, b, c, d)),
                                                NNT_DIGITS))
              for sp in paired["splits"] for a, b, c, d in [sp]]
    reported_p = pkg.value("y13.responders.p")
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
    tests_rounding = [TestRounding(key=k, test=t, design=dsg, a=a, p=p,
                                   rounds=_rounds_to(p, reported_p, dec), decimals=dec)
                      for k, t, dsg, a, p in rows]
    # The paired result under each version of McNemar's test (range over the
    # possible splits, splits below alpha); the headline is the version in force.
    paired_tests = {t: PairedTest(test=t, name=name, low=paired[t]["min"], high=paired[t]["max"],
                                  below_alpha=sum(getattr(sp, t) < ALPHA for sp in splits))
                    for t, name in PAIRED_TESTS.items()}
    return Responders(
        n=n, x_ldn=x_ldn, x_pbo=x_pbo, pct_ldn=grim.pcts[0], pct_pbo=grim.pcts[1], reported_p=reported_p,
        wilson_ldn=stats.wilson(x_ldn, n), wilson_pbo=stats.wilson(x_pbo, n),
        rd=rd, nnt=nnt, nnt_text=stats.describe_nnt(nnt, NNT_DIGITS), **unpaired,
        fisher_greater=fisher_greater, paired=paired, splits=splits, reproduces=reproduces,
        tests_rounding=tests_rounding, tests_rounding_to_published=[r for r in tests_rounding if r.rounds],
        n_splits=len(splits), paired_fragility=paired_fragility,
        paired_fragility_min={t: paired_fragility[t]["min"] for t in paired_fragility},
        fragility=stats.fragility_index(x_ldn, n, x_pbo, n, ALPHA),
        paired_tests=paired_tests, headline=paired_tests[paired_test],
        splits_exact_below_alpha=paired_tests["exact"].below_alpha,
        splits_midp_below_alpha=paired_tests["midp"].below_alpha)


def responders_checks(rs: Responders) -> list[Check]:
    dec = fmt.decimals(rs.reported_p)
    checks = []
    for key, label, res in [("chi2", "Pearson chi-squared, no correction", rs.chi2),
                            ("chi2_cc", "chi-squared with continuity correction", rs.chi2_cc),
                            ("fisher", "Fisher exact test, two-sided", rs.fisher),
                            ("fisher_greater", "Fisher exact test, one-sided", rs.fisher_greater)]:
        checks.append(Check(f"responders-p-{key}", f"responder P, {label}", rs.reported_p,
                            res.p, rs.reproduces[key], f"rounds to {dec} decimals", "analysis"))
    for key, label in [("mcnemar_exact", "McNemar exact (paired)"),
                       ("mcnemar_midp", "McNemar mid-p (paired)")]:
        ext = rs.paired["exact" if key == "mcnemar_exact" else "midp"]
        closest = min(ext["by_split"].values(), key=lambda p: abs(p - rs.reported_p))
        checks.append(Check(f"responders-p-{key}", f"responder P, {label}, closest split",
                            rs.reported_p, closest, rs.reproduces[key],
                            f"any split rounds to {dec} decimals", "analysis"))
    return checks


def pain_part(pkg, n: int) -> Pain:
    """The primary outcome: difference, intervals recovered from P, d_z, power."""
    v = pkg.value
    ldn, pbo, p_pain = v("y13.pain.reduction.ldn"), v("y13.pain.reduction.placebo"), v("y13.pain.p")
    diff = ldn - pbo
    dz = stats.dz_from_p(p_pain, n)
    return Pain(
        ldn=ldn, placebo=pbo, p=p_pain, diff=diff,
        ci_z=stats.ci_from_p(diff, p_pain), ci_t=stats.ci_from_p_t(diff, p_pain, n - 1),
        dz=dz, power=stats.power_paired(dz.estimate, n, ALPHA),
        replication_power=stats.replication_power(p_pain, n, ALPHA),
        power_targets=POWER_TARGETS,
        n80=stats.n_for_power(dz.estimate, POWER_TARGETS[0], ALPHA),
        n90=stats.n_for_power(dz.estimate, POWER_TARGETS[1], ALPHA))


def pain_checks(pain: Pain) -> list[Check]:
    """No published-versus-recomputed check for pain: its interval is derived from its P, so
    recovering P from that interval is a test of the code (tests/test_results.py), not a check
    of a published number."""
    return []


def secondary_part(pkg, unpublished_p: float) -> Secondary:
    """Secondary outcomes adjusted for multiplicity, with the unpublished P as assumed."""
    v = pkg.value
    reported = {"pain": v("y13.pain.p"), "satisfaction with life": v("y13.satisfaction.p"),
                "mood": v("y13.mood.p")}
    family5 = {**reported, "fatigue": None, "sleep": None}
    # The four secondary outcomes the abstract names (pain, the primary, is not
    # in this family). Sleep quality and fatigue were "not improved" with no P:
    # set to 1 (conservative) and, as the bound on the other side, just above 0.05.
    family4 = {"satisfaction with life": v("y13.satisfaction.p"), "mood": v("y13.mood.p"),
               "sleep quality": None, "fatigue": None}
    bounds4 = {m: stats.adjust_pvalues_bounds(family4, m, ALPHA, unpublished_p)
               for m in ("holm", "fdr_bh")}
    # The registry's earliest stored version lists three primary outcomes: pain, sleep quality
    # and fatigue. Sleep and fatigue were "not improved" with no P: the same convention as the
    # secondary family (unknown P at 1, and at the not-significant floor as the other bound).
    n_primary = int(v("y13.reg2012.outcomes.primary.count"))
    primary_family = {"pain": v("y13.pain.p"), "sleep quality": None, "fatigue": None}
    if len(primary_family) != n_primary:
        raise ValueError(f"data/numbers.csv y13.reg2012.outcomes.primary.count is {n_primary}, but "
                         f"analysis/results.py secondary_part names {len(primary_family)} primary "
                         "outcomes; list the registered primary outcomes there")
    return Secondary(
        reported=reported, n_secondary=int(v("y13.outcomes.secondary.count")),
        holm3=stats.adjust_pvalues(reported, "holm", ALPHA),
        bh3=stats.adjust_pvalues(reported, "fdr_bh", ALPHA),
        # Fatigue and sleep were "not improved" with no P given: the most
        # favourable value consistent with that is just above 0.05.
        holm5=stats.adjust_pvalues(family5, "holm", ALPHA, missing=unpublished_p),
        bh5=stats.adjust_pvalues(family5, "fdr_bh", ALPHA, missing=unpublished_p),
        missing_assumed=unpublished_p, family4=family4, bounds4=bounds4,
        holm4=bounds4["holm"]["worst"], bh4=bounds4["fdr_bh"]["worst"],
        holm4_best=bounds4["holm"]["best"], bh4_best=bounds4["fdr_bh"]["best"],
        family4_unknown_set_to=1.0, not_significant_floor=unpublished_p,
        # The favourable bound at each value the sensitivity appendix shows (and the
        # value in force): {P assumed: {method: {outcome: (adjusted P, kept)}}}.
        best_by_unpublished_p={
            u: {m: stats.adjust_pvalues_bounds(family4, m, ALPHA, u)["best"] for m in ("holm", "fdr_bh")}
            for u in sorted({*ASSUMPTIONS["unpublished_p"][1], unpublished_p})},
        primary_family=primary_family,
        exploratory=tuple(k for k in family4 if k not in primary_family),
        holm_reported=stats.adjust_pvalues({k: p for k, p in family4.items() if p is not None}, "holm", ALPHA),
        bh_reported=stats.adjust_pvalues({k: p for k, p in family4.items() if p is not None}, "fdr_bh", ALPHA),
        holm_primary=stats.adjust_pvalues_bounds(primary_family, "holm", ALPHA, unpublished_p))


def blinding_part(pkg, n: int) -> Blinding:
    """Side effects and blinding (news-level numbers)."""
    v = pkg.value
    dreams_ldn, dreams_pbo = v("y13.conf.vivid-dreams.ldn"), v("y13.conf.vivid-dreams.placebo")
    return Blinding(
        dreams_ldn=dreams_ldn, dreams_pbo=dreams_pbo,
        headache_ldn=v("y13.conf.headache.ldn"), headache_pbo=v("y13.conf.headache.placebo"),
        tolerability_ldn=v("y13.conf.tolerability.ldn"), tolerability_pbo=v("y13.conf.tolerability.placebo"),
        dreams_excess=dreams_ldn - dreams_pbo)


# ------------------------------------------------------ the trial roster ----

@dataclass(frozen=True)
class Conversion:
    """A named conversion of a published result to Hedges' g (analysis.meta)."""

    name: str
    label: str           # as the trials table prints it
    crossover: bool      # uses the within-person correlation r and a single n


def _num(pkg, number_id: str, n_analysed: int) -> float:
    return float(n_analysed) if number_id == ANALYSED_N else pkg.value(number_id)


def convert(pkg, entry: RosterEntry, n_analysed: int, r: float) -> Result:
    """Hedges' g (negative = less pain on LDN) of one roster entry: the size from its
    published numbers, the sign from its direction (data/pooling.csv)."""
    x = {col: _num(pkg, nid, n_analysed) for col, nid in entry.inputs.items()}
    sign = -1.0 if entry.direction == "ldn_better" else 1.0
    c = entry.conversion
    if c == "paired_p":
        return meta.smd_from_p_paired(x["p"], int(x["n"]), entry.direction, r=r)
    if c == "r_effect_size":
        return meta.smd_from_r_effect_size(abs(x["estimate"]), int(x["n"]), entry.direction, r=r)
    if c == "parallel_p":
        return meta.smd_from_p_parallel(x["p"], int(x["n_ldn"]), int(x["n_placebo"]), entry.direction)
    if c == "cohens_d":
        return meta.smd_from_d(sign * abs(x["estimate"]), int(x["n_ldn"]), int(x["n_placebo"]))
    if c == "md_ci":
        row = pkg.number(entry.inputs["estimate"])
        md, lo, hi = float(row["value"]), float(row["low"]), float(row["high"])
        if md * sign < 0:  # published as placebo minus LDN: turn it round
            md, lo, hi = -md, -hi, -lo
        return meta.smd_from_md_ci(md, lo, hi, int(x["n_ldn"]), int(x["n_placebo"]))
    if c == "means_sds":
        m1, m2 = x["mean_ldn"], x["mean_placebo"]
        if (m1 - m2) * sign < 0:  # a scale on which higher is better: the direction sets the sign
            m1, m2 = m2, m1
        return meta.smd_from_means(m1, x["sd_ldn"], int(x["n_ldn"]), m2, x["sd_placebo"],
                                   int(x["n_placebo"]))
    raise ValueError(f"{entry.study_id}: unknown conversion {c!r}; use one of {', '.join(CONVERSIONS)}")


CONVERSIONS = {c.name: c for c in (
    Conversion("means_sds", "means and SDs", False),
    Conversion("md_ci", "mean difference and CI", False),
    Conversion("cohens_d", "published Cohen's d", False),
    Conversion("paired_p", "P value, paired t, r", True),
    Conversion("r_effect_size", "effect size read as r = Z/\u221aN (assumed), r", True),
    Conversion("parallel_p", "P value, two-sample t", False),
)}
assert set(CONVERSIONS) == set(CONVERSION_INPUTS), "analysis.data and analysis.results name the same conversions"


def roster(pkg) -> list[RosterEntry]:
    """data/pooling.csv as :class:`RosterEntry` rows, in file order."""
    from .data import POOLING_INPUTS

    def val(row, col):
        x = row[col]
        return None if x is None or (isinstance(x, float) and x != x) or type(x).__name__ == "NAType" else x
    out = []
    for sid, row in pkg.pooling.iterrows():
        sets = val(row, "sets")
        out.append(RosterEntry(
            study_id=sid, conversion=val(row, "conversion"), direction=val(row, "direction"),
            inputs={c: val(row, c) for c in POOLING_INPUTS if val(row, c) is not None},
            sets=tuple(sets.split(";")) if sets else (), excluded=val(row, "excluded"),
            note=val(row, "note")))
    return out


def index_trial(pkg) -> str:
    """The study_id of the trial the report re-analyses (studies.csv role index-trial)."""
    ids = list(pkg.studies.index[pkg.studies["role"] == INDEX_ROLE])
    if len(ids) != 1:
        raise ValueError(f"studies.csv must have exactly one study with role {INDEX_ROLE}, has {len(ids)}")
    return ids[0]


def evidence_part(pkg, n: int, r_assumed: float = CROSSOVER_R) -> Evidence:
    """Every pooled study of the roster on one scale (Hedges' g, negative = less pain on
    LDN), pooled by REML with a Hartung-Knapp interval in each analysis set."""
    v = pkg.value
    entries = roster(pkg)
    pooled_entries = [e for e in entries if e.pooled]
    idx = index_trial(pkg)
    set_descriptions = {name: row["description"] for name, row in pkg.pooling_sets.iterrows()}
    sets = {name: [e.study_id for e in pooled_entries if name in e.sets] for name in set_descriptions}

    def trials(r: float) -> dict[str, Result]:
        return {e.study_id: convert(pkg, e, n, r) for e in pooled_entries}

    named = [sid for sid in (idx, *DISCUSSED_TRIALS) if sid not in {e.study_id for e in pooled_entries}]
    if named:
        raise ValueError(f"data/pooling.csv: {', '.join(named)} must be pooled: the report discusses "
                         "its pooled result by name (results.DISCUSSED_TRIALS, report.qmd)")
    r_range = tuple(sorted({*R_RANGE, r_assumed}))
    by_r = {r: trials(r) for r in r_range}
    main = by_r[r_assumed]

    def pool(ids, conv):
        return meta.random_effects([conv[i].estimate for i in ids],
                                   [conv[i].extra["var"] for i in ids], method="reml", labels=ids)

    pooled = {name: pool(ids, main) for name, ids in sets.items()}
    pooled_by_r = {r: pool(sets[MAIN_SET], by_r[r]) for r in r_range}
    g13 = main[idx]
    dz13 = stats.dz_from_p(v("y13.pain.p"), n).estimate
    # Power of each later trial to detect the index trial's effect: a crossover at d_z,
    # a parallel trial at |d| for each r (the index trial's d depends on r).
    power: dict[str, Any] = {}
    for e in pooled_entries:
        if e.study_id not in sets[LATER_SET]:
            continue
        x = {col: _num(pkg, nid, n) for col, nid in e.inputs.items()}
        if CONVERSIONS[e.conversion].crossover:
            power[e.study_id] = meta.power_crossover(dz13, int(x["n"]))
        else:
            power[e.study_id] = {r: meta.power_two_sample(abs(by_r[r][idx].extra["d"]), int(x["n_ldn"]),
                                                          int(x["n_placebo"])) for r in r_range}
    fin = pkg.number("fin.pain.difference")
    fin_p = p_range_from_rounded_ci(fin["value"], fin["low"], fin["high"])

    # Is the 2013 effect different from the pool of the later trials (Altman &
    # Bland 2003), and does FINAL's own interval hold the 2013 estimate? The later pool
    # enters with its Hartung-Knapp standard error, the method the report relies on for
    # every pooled interval (not the Wald one).
    def diff_vs_later(conv, later):
        g = conv[idx]
        return stats.difference_of_estimates(g.estimate, g.extra["se"], later.estimate,
                                             later.hk.extra["se"], ALPHA)

    later_by_r = {r: pool(sets[LATER_SET], by_r[r]) for r in r_range}
    fin_g = main["final2024"]

    def final_holds(g):
        return FinalHolds(includes=bool(fin_g.low <= g <= fin_g.high), g13=g,
                          final_g=fin_g.estimate, final_low=fin_g.low, final_high=fin_g.high)

    # Power of a FINAL-sized parallel trial to detect the 2013 effect as Hedges' g.
    n_fl, n_fp = int(v("fin.n.randomized.ldn")), int(v("fin.n.randomized.placebo"))
    power_final_g = PowerFinalG(
        g=abs(g13.estimate), n_ldn=n_fl, n_pbo=n_fp, alpha=ALPHA,
        power=meta.power_two_sample(g13.estimate, n_fl, n_fp, ALPHA),
        by_r={r: meta.power_two_sample(by_r[r][idx].estimate, n_fl, n_fp, ALPHA) for r in r_range},
        method="two-sided two-sample t test at |g| of the 2013 trial (statsmodels TTestIndPower)")
    return Evidence(r=r_assumed, r_range=r_range, trials=main, by_r=by_r, sets=sets,
                    pooled=pooled, pooled_by_r=pooled_by_r, g13=g13, dz13=dz13, power=power,
                    final_p_from_ci=fin_p, hk={name: m.hk for name, m in pooled.items()},
                    later_by_r=later_by_r, diff_2013_vs_later=diff_vs_later(main, pooled[LATER_SET]),
                    diff_2013_vs_later_by_r={r: diff_vs_later(by_r[r], later_by_r[r]) for r in r_range},
                    final_includes_2013=final_holds(g13.estimate),
                    final_includes_2013_by_r={r: final_holds(by_r[r][idx].estimate) for r in r_range},
                    power_final_g=power_final_g, innova_p_from_d=_innova_p_from_d(pkg),
                    roster=entries, set_descriptions=set_descriptions, index_id=idx)


def _innova_p_from_d(pkg) -> InnovaPFromD:
    """INNOVA gives both a Cohen's d and a P for its primary pain comparison: do they
    describe the same test? (We pool its d.)"""
    v = pkg.value
    d_pub, inv_p = v("inv.pain.cohens-d"), v("inv.pain.p")
    n_l, n_p = int(v("inv.n.randomized.ldn")), int(v("inv.n.randomized.placebo"))
    half_d = fmt.rounding_half(d_pub)
    p_hi, p_lo = (stats.p_from_d(abs(d_pub) + k * half_d, n_l, n_p).p for k in (-1, 1))
    return InnovaPFromD(p=stats.p_from_d(d_pub, n_l, n_p).p, low=p_lo, high=p_hi, n_ldn=n_l, n_pbo=n_p,
                        d=d_pub, p_pub=inv_p, d_from_p=stats.d_from_p(inv_p, n_l, n_p))


def evidence_checks(pkg, ev: Evidence) -> list[Check]:
    fin_p_pub = pkg.value("fin.pain.p")
    half = fmt.rounding_half(fin_p_pub)
    lo, hi = ev.final_p_from_ci
    inv = ev.innova_p_from_d
    return [Check("final-p-from-ci", "FINAL: P recomputed from its published interval",
                  fin_p_pub, (lo + hi) / 2, lo <= fin_p_pub + half and hi >= fin_p_pub - half,
                  "published P lies within the range allowed by the rounded interval"),
            Check("innova-p-from-d", "INNOVA: P recomputed from its published d and group sizes",
                  inv.p_pub, inv.p, inv.low <= inv.p_pub <= inv.high,
                  "two-sample t from d and the randomized group sizes; the published P "
                  "must lie in the range allowed by d's rounding")]


# ------------------------------------------------------------- compute ----

def compute(pkg, *, r: float = CROSSOVER_R, unpublished_p: float = NOT_SIGNIFICANT_FLOOR,
            paired_test: str = "midp", analysed_n: int | None = None) -> Results:
    """Every recomputation; the keyword arguments are the report's assumptions
    (see ASSUMPTIONS), checked by :func:`assumptions` (and ``analysed_n`` by
    :func:`grim_part`). Each part is built by its own function; this only wires them."""
    given = assumptions(r, unpublished_p, paired_test, analysed_n)
    grim = grim_part(pkg, given.analysed_n_given)
    n = grim.n
    default_n, _ = default_analysed_n(grim.fits, grim.registry_baseline)
    assume = Assumptions(**{**given.__dict__, "analysed_n": n,
                            "changed": sorted([*given.changed, *(["analysed_n"] if n != default_n else [])])})
    design = design_part(pkg, n)
    responders = responders_part(pkg, grim, assume.paired_test)
    pain = pain_part(pkg, n)
    evidence = evidence_part(pkg, n, assume.r)
    checks = [*design_checks(design, n), *responders_checks(responders), *pain_checks(pain),
              *evidence_checks(pkg, evidence)]
    return Results(pkg=pkg, n=n, grim=grim, design=design, responders=responders, pain=pain,
                   secondary=secondary_part(pkg, assume.unpublished_p), blinding=blinding_part(pkg, n),
                   evidence=evidence, checks=checks, assumptions=assume)


def _grim_all_percentages(pkg, n: int) -> tuple[list[GrimPercentage], dict[str, list[int]]]:
    """GRIM for every published percentage of the 2013 trial: which n in PCT_SCAN_NS fit."""
    nums = pkg.numbers
    of_interest = _ns_of_interest(pkg, n)
    rows = nums[(nums["study_id"] == "younger2013") & (nums["statistic"] == "percent")
                & (nums["relation"] == "eq")]
    out = []
    for number_id, row in rows.iterrows():
        value = float(row["value"])
        dec = fmt.decimals(value)
        fitting = stats.grim_denominators(value, PCT_SCAN_NS, dec)
        out.append(GrimPercentage(
            number_id=number_id, quantity=row["quantity"], arm=row["arm"], value=value,
            decimals=dec, source_id=row["source_id"], fitting=fitting, ns=sorted(fitting),
            fits={m: m in fitting for m in of_interest}))
    joint: dict[str, list[int]] = {}
    for src in dict.fromkeys(p.source_id for p in out):
        sets_ = [set(p.ns) for p in out if p.source_id == src]
        joint[src] = sorted(set.intersection(*sets_))
    return out, joint


def implied_n_from_r(p: float, r: float) -> Result:
    """The N that an effect size read as r = Z/sqrt(N) implies together with its two-sided P
    (Z from P): N = (Z/r)^2, with the range the rounding of the published P and r allows.
    An assumption about what a published 'effect size' measures, not a fact."""
    half_p, half_r = fmt.rounding_half(p), fmt.rounding_half(r)

    def n(pp: float, rr: float) -> float:
        return (float(stats.sps.norm.isf(pp / 2)) / rr) ** 2
    corners = [n(pp, rr) for pp in (p - half_p, p + half_p) for rr in (r - half_r, r + half_r)]
    return Result(estimate=n(p, r), low=min(corners), high=max(corners),
                  method="N = (Z/r)^2 with Z from the two-sided P; range over the rounding of P and r",
                  reference="rosenthal1994parametric")
