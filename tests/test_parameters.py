"""The report's assumptions as Quarto parameters (issue 15, part 3).

The analysis takes them as keyword arguments and checks them; the renderer
injects `-P name:value` after the cell tagged `parameters`, as Quarto's Jupyter
engine does (papermill's convention), and names the outputs after them so a
render with other assumptions never overwrites the default report."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analysis import appraisal, tables
from analysis.data import load
from analysis.results import ASSUMPTIONS, compute
from render import qmd
from render.errors import RenderError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def pkg():
    return load()


def test_defaults_are_the_named_assumptions(pkg):
    R = compute(pkg)
    a = R.assumptions
    assert (a.r, a.unpublished_p, a.paired_test, a.analysed_n_given) == tuple(
        d for d, _, _ in ASSUMPTIONS.values())
    assert a.changed == []
    # the default analysed n: the registry's baseline count, which GRIM allows here
    assert a.analysed_n == R.n == int(pkg.value("y13.n.baseline.all"))
    assert R.grim.n_source == "registry baseline"
    assert R.evidence.r == a.r and R.secondary.missing_assumed == a.unpublished_p


def test_each_parameter_reaches_the_numbers_it_governs(pkg):
    base = compute(pkg)
    alt = compute(pkg, r=0.3, unpublished_p=1.0, paired_test="exact")
    # r: the 2013 trial's g is the one computed at r = 0.3 in the default run's range
    assert alt.evidence.trials["younger2013"].estimate == pytest.approx(
        base.evidence.by_r[0.3]["younger2013"].estimate)
    assert alt.evidence.trials["younger2013"].estimate != pytest.approx(
        base.evidence.trials["younger2013"].estimate)
    # a value outside the shown range is added to it
    assert 0.65 in compute(pkg, r=0.65).evidence.r_range
    # unpublished P: the favourable bound of the adjustment uses it
    assert alt.secondary.not_significant_floor == 1.0
    assert alt.secondary.bh4_best["mood"][0] >= base.secondary.bh4_best["mood"][0]
    # paired test: the headline is the exact test's range, not mid-p's
    rs = alt.responders
    assert (rs.headline.low, rs.headline.high) == (rs.paired["exact"]["min"], rs.paired["exact"]["max"])
    assert rs.headline.below_alpha == rs.splits_exact_below_alpha
    assert base.responders.headline.below_alpha == base.responders.splits_midp_below_alpha
    assert alt.assumptions.changed == ["paired_test", "r", "unpublished_p"]


@pytest.mark.parametrize("kwargs,needle", [
    ({"r": 1.0}, "between 0 and 1"), ({"r": 0}, "between 0 and 1"), ({"r": "high"}, "numbers"),
    ({"unpublished_p": 0.04}, "above 0.05"), ({"unpublished_p": 1.5}, "at most 1"),
    ({"paired_test": "asymptotic"}, "'midp', 'exact'"),
    ({"analysed_n": 28.5}, "whole number"), ({"analysed_n": "many"}, "whole number"),
    ({"analysed_n": 40}, "from 20 to 31"),
])
def test_bad_values_are_refused_with_the_range(pkg, kwargs, needle):
    with pytest.raises(ValueError, match=re.escape(needle)):
        compute(pkg, **kwargs)


def test_an_analysed_n_that_grim_rules_out_is_refused_with_the_n_that_fit(pkg):
    fits = compute(pkg).grim.fits
    ruled_out = next(m for m in range(20, 32) if m not in fits)
    with pytest.raises(ValueError, match=rf"analysed_n = {ruled_out}: GRIM rules it out.*n = "
                                         rf"{re.escape(compute(pkg).grim.fits_text)}\."):
        compute(pkg, analysed_n=ruled_out)
    # a value GRIM allows is in force, and the box says it was set by the parameter
    R = compute(pkg, analysed_n=fits[0])
    assert R.n == fits[0] and R.grim.n_source == "parameter"
    assert f"analysed n = {fits[0]}, set by the parameter" in appraisal.assumptions_box(R)


def test_sensitivity_table_marks_the_value_in_force(pkg):
    for r, marked in ((0.5, "0.5 (in force)"), (0.8, "0.8 (in force)")):
        text = tables.sensitivity_table(compute(pkg, r=r))
        # r and the McNemar version are marked "in force"; the unpublished-P rows mark the
        # headline value (1) and the parameter as the other bound, never "in force" (issue 23)
        assert text.count("(in force)") == 2 and marked in text
        assert "1 (headline)" in text and "0.051 (parameter, the other bound)" in text
    text = tables.sensitivity_table(compute(pkg, unpublished_p=0.2))
    assert "0.20 (parameter, the other bound)" in text and "0.051 (parameter" not in text
    box = appraisal.assumptions_box(compute(pkg, r=0.8))
    assert "*r* = 0.8" in box and "Changed from the defaults in this render: r." in box


DOC = """---
title: P
---

```{python}
#| tags: [parameters]
r = 0.5
mode = "midp"
```

```{python}
#| label: show
print(r, mode)
```
"""


def test_parameters_are_injected_after_the_tagged_cell(tmp_path):
    doc = qmd.parse(tmp_path / "p.qmd", DOC, display_name="p.qmd")
    qmd.inject_parameters(doc, {"r": "0.3", "mode": "exact"}, "p.qmd")
    cells = doc.cells
    assert cells[1].options["tags"] == ["injected-parameters"]  # as papermill and Quarto tag it
    assert cells[1].source.splitlines()[1:] == ["r = 0.3", "mode = 'exact'"]
    assert doc.stem == "p-r0.3-modeexact"


@pytest.mark.parametrize("params,needle", [
    ({"q": "1"}, "not a parameter of this document: mode, r"),
    ({"r": "../x"}, "part of the output file's name"),
])
def test_bad_parameters_are_refused(tmp_path, params, needle):
    doc = qmd.parse(tmp_path / "p.qmd", DOC, display_name="p.qmd")
    with pytest.raises(RenderError, match=re.escape(needle)):
        qmd.inject_parameters(doc, params, "p.qmd")


def test_no_parameters_cell_is_refused(tmp_path):
    doc = qmd.parse(tmp_path / "p.qmd", DOC.replace("#| tags: [parameters]\n", ""), display_name="p.qmd")
    with pytest.raises(RenderError, match="no cell tagged 'parameters'"):
        qmd.inject_parameters(doc, {"r": "0.3"}, "p.qmd")


@pytest.mark.render
def test_a_parameter_render_has_its_own_name_and_cache_entry(tmp_path):
    """`python -m render report.qmd -P r:0.3` writes report-r0.3.* beside the default
    report, which it leaves untouched, and keeps its own execution cache entry."""
    from tests.renderers import snapshot
    root = snapshot(tmp_path / "project")
    out = root / "_output"
    out.mkdir()
    (out / "report.html").write_text("the default report", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "render", "report.qmd", "-P", "r:0.3"], cwd=root,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    assert (out / "report.html").read_text(encoding="utf-8") == "the default report"
    html = (out / "report-r0.3.html").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "r = 0.3:" in text and "Changed from the defaults in this render: r." in text
    assert "0.3 (in force)" in text and "0.5 (in force)" not in text
    assert (out / "report-r0.3.pdf").stat().st_size > 10_000
    assert (root / ".cache" / "render" / "report-r0.3.json").exists()
    assert not (root / ".cache" / "render" / "report.json").exists()
    shutil.rmtree(root)


@pytest.mark.render
@pytest.mark.quarto
def test_quarto_takes_the_same_parameter(tmp_path):
    """Real Quarto with -P r:0.3 (papermill from the lock) and --output, as
    `make report PARAMS=r=0.3` calls it: the same values in force."""
    from tests.renderers import INSTALL_HINT, quarto_command, snapshot, unavailable
    import os
    quarto = quarto_command()
    if quarto is None:
        unavailable("Quarto is not installed", INSTALL_HINT)
    root = snapshot(tmp_path / "project")
    env = {**os.environ, "QUARTO_PYTHON": sys.executable}
    env.pop("SOURCE_DATE_EPOCH", None)
    run = subprocess.run([quarto, "render", "report.qmd", "--to", "html", "-P", "r:0.3",
                          "--output", "report-r0.3.html"], cwd=root, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    out = root / "_output"
    assert not (out / "report.html").exists()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", (out / "report-r0.3.html").read_text(encoding="utf-8")))
    assert "r = 0.3:" in text and "Changed from the defaults in this render: r." in text
    assert "0.3 (in force)" in text and "0.5 (in force)" not in text
    shutil.rmtree(root)
