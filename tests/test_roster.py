"""The trial roster is data (issue 22): a later trial added as rows in data/ and a
references.bib entry reaches every result, pooled set, table and figure; the data
check catches what would break or mislead a render, naming file and row; an
erratum that leaves several analysed n renders with the n as a stated assumption.

The synthetic trials and the erratum come from tests/synthetic.py (fixture rows in
tests/fixtures/later-trial/, never in data/). The expected values below are computed
here from the fixture's and data/'s numbers with scipy, not copied from the code.
"""
from __future__ import annotations

import csv
import json
import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from scipy import stats as sps

from analysis import data as D
from analysis import figures, tables
from analysis.data import load, validate
from analysis.results import compute
from tests import synthetic
from tests.synthetic import FORMS, add_trial, apply_erratum, fixture_rows

ROOT = Path(__file__).resolve().parents[1]


def copy_project(dest: Path) -> Path:
    """What the analysis reads: data/, references.bib and the analysis package (for the CLI)."""
    dest.mkdir(parents=True)
    shutil.copytree(ROOT / "data", dest / "data")
    shutil.copytree(ROOT / "analysis", dest / "analysis",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for f in ("references.bib", "CITATION.cff", "_quarto.yml"):
        shutil.copy2(ROOT / f, dest / f)
    return dest


def problems(root: Path) -> list[D.DataError]:
    return validate(root / "data", bibliography=root / "references.bib")


def check_cli(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis", "check"], cwd=root, capture_output=True,
                          text=True, timeout=120)


def _fixture(study_id: str) -> dict:
    """The fixture's numbers of one study by number_id, and its pooling row."""
    rows = fixture_rows(study_id)
    nh = next(csv.reader(open(synthetic.FIXTURE / "numbers.csv", encoding="utf-8")))
    ph = next(csv.reader(open(synthetic.FIXTURE / "pooling.csv", encoding="utf-8")))
    nums = {r[0]: dict(zip(nh, r)) for r in rows["numbers.csv"]}
    return {"numbers": nums, "pooling": dict(zip(ph, rows["pooling.csv"][0]))}


def _independent_g(form: str, fx: dict, r: float) -> float:
    """Hedges' g by hand (Borenstein et al. 2009 ch. 4; Cochrane Handbook 6.5.2.3)."""
    pool = fx["pooling"]
    val = {k: float(v["value"]) for k, v in fx["numbers"].items()}
    sign = -1.0 if pool["direction"] == "ldn_better" else 1.0

    def J(df):
        return 1 - 3 / (4 * df - 1)
    if form in ("paired_p", "r_effect_size"):
        n = val[pool["n"]]
        if form == "paired_p":
            dz = sps.t.isf(val[pool["p"]] / 2, n - 1) / math.sqrt(n)
        else:
            dz = val[pool["estimate"]] * math.sqrt(n) / math.sqrt(n)
        return J(n - 1) * sign * dz * math.sqrt(2 * (1 - r))
    n1, n2 = val[pool["n_ldn"]], val[pool["n_placebo"]]
    df = n1 + n2 - 2
    if form == "means_sds":
        sd = math.sqrt(((n1 - 1) * val[pool["sd_ldn"]] ** 2 + (n2 - 1) * val[pool["sd_placebo"]] ** 2) / df)
        d = abs(val[pool["mean_ldn"]] - val[pool["mean_placebo"]]) / sd
    elif form == "md_ci":
        row = fx["numbers"][pool["estimate"]]
        se = (float(row["high"]) - float(row["low"])) / (2 * sps.t.isf(0.025, df))
        d = abs(float(row["value"])) / (se / math.sqrt(1 / n1 + 1 / n2))
    elif form == "cohens_d":
        d = abs(val[pool["estimate"]])
    else:  # parallel_p
        d = sps.t.isf(val[pool["p"]] / 2, df) * math.sqrt(1 / n1 + 1 / n2)
    return J(df) * sign * d


def _not_yet_in_data(*forms: str) -> None:
    """Skip when the project already holds a synthetic trial (a copy made by tests/synthetic.py
    that runs this suite): the same rows cannot be added twice."""
    have = set(load().studies.index)
    there = [FORMS[f] for f in forms if FORMS[f] in have]
    if there:
        pytest.skip(f"data/ already holds the synthetic trial(s) {', '.join(there)}")


@pytest.fixture(scope="module")
def base():
    return compute(load())


@pytest.mark.parametrize("form", list(FORMS))
def test_a_later_trial_added_as_data_reaches_results_tables_and_figures(form, base, tmp_path):
    _not_yet_in_data(form)
    root = copy_project(tmp_path / "p")
    sid = add_trial(root, form)
    assert problems(root) == []
    run = check_cli(root)
    assert run.returncode == 0, run.stderr
    pkg = load(root / "data")
    R = compute(pkg)
    ev, fx = R.evidence, _fixture(sid)
    # on the common scale, with the conversion the data names and the sign of its direction
    assert sid in ev.trials
    assert ev.trials[sid].estimate == pytest.approx(_independent_g(form, fx, ev.r), rel=1e-9)
    # in exactly the sets its pooling row lists, and each of those pools one trial more
    listed = fx["pooling"]["sets"].split(";")
    for name, ids in ev.sets.items():
        assert (sid in ids) == (name in listed), name
        assert ev.pooled[name].k == base.evidence.pooled[name].k + (name in listed)
        assert (sid in ev.pooled[name].labels) == (name in listed)
    assert len(ev.later_ids) == len(base.evidence.later_ids) + 1
    assert sid in ev.power  # power of the new later trial for the 2013 effect
    # the trials table, the forest-plot rows and the forest figure show it
    label = pkg.studies.loc[sid, "label"]
    assert fx["pooling"]["conversion"] == form
    table = tables.trials_table(R)
    from analysis import fmt
    assert f"| {fmt.text(label)} |" in table and f"| {R.evidence.roster[-1].conversion_label} |" in table
    rows = tables.forest_rows(R)
    assert [r["label"] for r in rows][-1] == label and len(rows) == len(ev.trials)
    fig = figures.forest(rows, pooled=tables.forest_pooled(ev.pooled["randomized"]),
                         xlabel="g", favours=("favours LDN", "favours placebo"))
    texts = [t.get_text() for ax in fig.axes for t in ax.texts] + \
            [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
    assert any(label in t for t in texts), texts
    assert f"k = {ev.pooled['randomized'].k}" in " ".join(texts)
    assert "This report" in tables.reviews_table(R)


def test_two_more_later_trials(tmp_path):
    """Headroom case (issue 22, point 6): two more later trials at once."""
    _not_yet_in_data("md_ci", "r_effect_size")
    root = copy_project(tmp_path / "p")
    a, b = add_trial(root, "md_ci"), add_trial(root, "r_effect_size")
    assert problems(root) == []
    R = compute(load(root / "data"))
    assert {a, b} <= set(R.evidence.sets["later trials"])
    assert list(R.evidence.trials)[-2:] == [a, b]  # roster order: the order of pooling.csv


def test_an_excluded_later_trial_is_listed_with_its_reason_and_not_pooled(tmp_path, base):
    _not_yet_in_data("md_ci")
    root = copy_project(tmp_path / "p")
    sid = add_trial(root, "md_ci")
    path = root / "data" / "pooling.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = next(csv.reader([lines[-1]]))
    cells[header.index("sets")] = ""
    cells[header.index("excluded")] = "outcome not comparable (synthetic)"
    lines[-1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert problems(root) == []
    R = compute(load(root / "data"))
    assert sid not in R.evidence.trials and R.evidence.excluded == {sid: "outcome not comparable (synthetic)"}
    assert R.evidence.sets == base.evidence.sets


# ------------------------------------------------------------ the erratum ----

def _brute_force_fits(root: Path) -> tuple[list[int], int]:
    """Which n in 20..31 give whole counts for both 2013 responder percentages
    (integer arithmetic, half up), from data/numbers.csv; and the registry baseline."""
    with open(root / "data" / "numbers.csv", encoding="utf-8") as fh:
        v = {r["number_id"]: r["value"] for r in csv.DictReader(fh)}
    pl, pp = int(v["y13.responders.ldn"]), int(v["y13.responders.placebo"])

    def fits(pct, n):
        return [k for k in range(n + 1) if (200 * k + n) // (2 * n) == pct]
    return [n for n in range(20, 32) if fits(pl, n) and fits(pp, n)], int(v["y13.n.baseline.all"])


def test_the_erratum_renders_with_the_analysed_n_stated(tmp_path):
    root = copy_project(tmp_path / "p")
    apply_erratum(root)
    fits, baseline = _brute_force_fits(root)
    assert len(fits) > 1 and baseline in fits  # the case the issue describes (22 and 28)
    run = check_cli(root)
    assert run.returncode == 0, run.stderr
    shown = " and ".join(map(str, fits)) if len(fits) == 2 else None
    assert f"n = {shown}" in run.stderr and "analysed_n=" in run.stderr
    pkg = load(root / "data")
    R = compute(pkg)
    assert R.grim.fits == fits and R.grim.ambiguous
    assert R.n == baseline and R.grim.n_source == "registry baseline"
    from analysis import appraisal
    assert f"GRIM allows n = {shown}" in appraisal.assumptions_box(R)
    # every result that depends on n follows another allowed choice
    other = next(m for m in fits if m != baseline)
    S = compute(pkg, analysed_n=other)
    assert S.n == S.responders.n == S.design.analysed == S.grim.n == other
    assert S.pain.ci_t.extra.get("df", other - 1) == other - 1
    assert S.evidence.trials["younger2013"].extra["n"] == other
    assert S.responders.x_pbo == [k for k in range(other + 1)
                                  if (200 * k + other) // (2 * other) == pkg.value("y13.responders.placebo")][0]
    assert S.assumptions.changed == ["analysed_n"]
    with pytest.raises(ValueError, match="GRIM rules it out"):
        compute(pkg, analysed_n=next(m for m in range(20, 32) if m not in fits))


# ------------------------------------------------ the data check, planted faults ----

def _edit_csv(path: Path, key: str, column: str, value: str) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    col = rows[0].index(column)
    hit = [r for r in rows[1:] if r[0] == key]
    assert len(hit) == 1
    hit[0][col] = value
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def _drop_row(path: Path, key: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [ln for ln in lines if not ln.startswith(key + ",")]
    assert len(kept) == len(lines) - 1
    path.write_text("".join(kept), encoding="utf-8")


def _one(errors, rule):
    hit = [e for e in errors if e.rule == rule]
    assert len(hit) == 1, [str(e) for e in errors]
    return hit[0]


def test_missing_bib_entry_is_named_with_file_and_row(tmp_path):
    _not_yet_in_data("cohens_d")
    root = copy_project(tmp_path / "p")
    sid = add_trial(root, "cohens_d")
    bib = root / "references.bib"
    key = fixture_rows(sid)["sources.csv"][0][4]
    bib.write_text(bib.read_text(encoding="utf-8").replace("@article{" + key + ",", "@article{renamed,"),
                   encoding="utf-8")
    e = _one(problems(root), "bib-key")
    assert (e.file, e.field, e.key) == ("data/sources.csv", "bib_key", f"source_id '{sid}-abstract'")
    assert e.line == len((root / "data" / "sources.csv").read_text(encoding="utf-8").splitlines())
    run = check_cli(root)
    assert run.returncode == 2 and f"bib_key '{key}' is not an entry in references.bib" in run.stderr


def test_unpooled_later_trial_is_named_with_file_and_row(tmp_path):
    _not_yet_in_data("md_ci")
    root = copy_project(tmp_path / "p")
    sid = add_trial(root, "md_ci")
    _drop_row(root / "data" / "pooling.csv", sid)
    e = _one(problems(root), "later-trial-roster")
    assert (e.file, e.key) == ("data/studies.csv", f"study_id '{sid}'") and "pooling.csv" in str(e)
    run = check_cli(root)
    assert run.returncode == 2 and f"later trial '{sid}' is not in data/pooling.csv" in run.stderr


def test_a_row_neither_pooled_nor_excluded_or_both_is_refused(tmp_path):
    root = copy_project(tmp_path / "p")
    _edit_csv(root / "data" / "pooling.csv", "innova", "sets", "")
    e = _one(problems(root), "pooled-or-excluded")
    assert (e.file, e.key, e.field) == ("data/pooling.csv", "study_id 'innova'", "sets")
    _edit_csv(root / "data" / "pooling.csv", "innova", "sets", "randomized")
    _edit_csv(root / "data" / "pooling.csv", "innova", "excluded", "a reason")
    assert _one(problems(root), "pooled-or-excluded").field == "excluded"


@pytest.mark.parametrize("column,value,needle", [
    ("n_placebo", "", "needs 'n_placebo'"),
    ("p", "inv.pain.p", "does not use 'p'"),
    ("n_ldn", "fin.n.randomized.ldn", "a number of study 'final2024', not of 'innova'"),
    ("n_ldn", "inv.pain.p", "has statistic 'p'"),
    ("n", "analysed_n", "does not use 'n'"),
    ("conversion", "paired_p", "needs 'p'"),
])
def test_conversion_inputs_are_checked(tmp_path, column, value, needle):
    root = copy_project(tmp_path / "p")
    _edit_csv(root / "data" / "pooling.csv", "innova", column, value)
    errs = [e for e in problems(root) if e.file == "data/pooling.csv"]
    assert errs and all(e.key == "study_id 'innova'" for e in errs)
    assert any(needle in str(e) for e in errs), [str(e) for e in errs]


@pytest.mark.parametrize("study,sets,needle", [
    ("final2024", "randomized;with pilot;parallel only", "belongs in the set 'later trials'"),
    ("younger2013", "randomized;later trials", "holds only studies with role later-trial"),
    ("younger2009", "with pilot;randomized", "holds only randomized studies"),
])
def test_the_named_sets_hold_what_their_names_say(tmp_path, study, sets, needle):
    root = copy_project(tmp_path / "p")
    _edit_csv(root / "data" / "pooling.csv", study, "sets", sets)
    e = _one(problems(root), "set-membership")
    assert e.key == f"study_id '{study}'" and needle in str(e)


def test_analysed_n_stands_only_for_the_index_trial(tmp_path):
    root = copy_project(tmp_path / "p")
    _edit_csv(root / "data" / "pooling.csv", "bested2023", "n", "analysed_n")
    e = _one(problems(root), "conversion-inputs")
    assert e.key == "study_id 'bested2023'" and "index trial" in str(e)


def test_an_unknown_set_and_a_missing_required_set_are_refused(tmp_path):
    root = copy_project(tmp_path / "p")
    _edit_csv(root / "data" / "pooling.csv", "innova", "sets", "randomized;later trails")
    e = _one(problems(root), "foreign-key")
    assert e.file == "data/pooling.csv" and "later trails" in str(e)
    root2 = copy_project(tmp_path / "q")
    _drop_row(root2 / "data" / "pooling_sets.csv", "later trials")
    errs = problems(root2)
    assert any(e.rule == "required-set" and "'later trials'" in str(e) for e in errs)


def test_datapackage_sources_must_agree_with_sources_csv(tmp_path):
    root = copy_project(tmp_path / "p")
    path = root / "data" / "datapackage.json"
    desc = json.loads(path.read_text(encoding="utf-8"))
    dropped = desc["sources"].pop(0)
    desc["sources"].insert(0, {"title": "a document nobody cites", "path": "https://example.org/x"})
    path.write_text(json.dumps(desc, indent=2), encoding="utf-8")
    errs = [e for e in problems(root) if e.rule == "descriptor-sources"]
    assert len(errs) == 2, [str(e) for e in errs]
    by_file = {e.file: e for e in errs}
    assert "https://example.org/x" in str(by_file["data/datapackage.json"])
    row = by_file["data/sources.csv"]
    assert dropped["path"] in str(row) and row.line is not None and row.field == "url"


def test_grim_leaving_no_n_stops_the_check_naming_the_rows(tmp_path):
    root = copy_project(tmp_path / "p")
    _edit_csv(root / "data" / "numbers.csv", "y13.responders.placebo", "value", "1")
    assert _brute_force_fits(root)[0] == []
    assert problems(root) == []  # the schema and rules are satisfied ...
    run = check_cli(root)        # ... but GRIM is not, and the check says where
    assert run.returncode == 2
    assert "data/numbers.csv, rows y13.responders.ldn and y13.responders.placebo" in run.stderr
    with pytest.raises(ValueError, match="GRIM"):
        compute(load(root / "data"))


def test_a_trial_the_report_discusses_by_name_must_stay_pooled(tmp_path):
    root = copy_project(tmp_path / "p")
    _edit_csv(root / "data" / "pooling.csv", "final2024", "sets", "")
    _edit_csv(root / "data" / "pooling.csv", "final2024", "excluded", "a reason")
    errs = problems(root)  # the rows are consistent (final2024 is no later trial of the sets then)...
    assert [e.rule for e in errs] == [], [str(e) for e in errs]
    run = check_cli(root)  # ... but the analysis needs it, and the check says so before any render
    assert run.returncode == 2 and "final2024 must be pooled" in run.stderr, run.stderr


def test_the_shipped_project_passes_the_check():
    assert problems(ROOT) == []
    run = check_cli(ROOT)
    assert run.returncode == 0, run.stderr
    # a note on GRIM only when several analysed n fit the data's percentages
    assert ("note: GRIM allows several analysed n" in run.stderr) == (len(_brute_force_fits(ROOT)[0]) > 1)


def test_the_check_notes_judgments_whose_numbers_changed(tmp_path):
    """A verdict judged by hand names the published numbers it rests on
    (claims.JUDGED_ON); after an erratum to one of them the check says which claims
    to re-read, naming the file and row, and still passes (it is a note)."""
    from analysis.claims import JUDGED_ON
    from analysis.fmt import as_published
    pkg = load()
    # an erratum that keeps the row valid: a published percentage without an interval, one point lower
    candidates = [n for basis in JUDGED_ON.values() for n in basis["numbers"]
                  if pkg.number(n)["statistic"] == "percent" and pkg.number(n)["low"] != pkg.number(n)["low"]
                  and pkg.value(n) >= 1]
    assert candidates, "no hand-judged verdict rests on a published percentage; pick another erratum"
    for k, nid in enumerate(dict.fromkeys(candidates)):   # the first erratum the check accepts
        root = copy_project(tmp_path / f"p{k}")            # (GRIM may refuse a responder share)
        was = pkg.value(nid)
        synthetic.set_value(root, nid, "value", as_published(was - 1))
        run = check_cli(root)
        if run.returncode == 0:
            break
    else:
        pytest.fail(f"every erratum tried was refused: {run.stderr}")
    resting = sorted(c for c, basis in JUDGED_ON.items() if nid in basis["numbers"])
    noted = sorted(re.findall(r"note: data/claims\.csv row (c\d+)", run.stderr))
    assert set(resting) <= set(noted), run.stderr
    assert f"{nid} was {as_published(was)} when judged, now {as_published(was - 1)}" in run.stderr
