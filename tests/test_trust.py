"""Trust: the project cannot quietly go wrong.

- Reproducible bytes: two renders of the same sources give byte-identical
  report.html, report.pdf (and handout.pdf).
- Bad data, end to end through the command line: every kind of error in data/
  stops the build with one paragraph naming file, row, field and rule, a
  non-zero exit, no traceback, and the previous _output/ left as it was.
- Failures mid-render (a raising cell, a typst failure, a missing figure,
  Ctrl-C): the error names the document (and cell and line where there is
  one); no temporary files are left behind; _output/ is untouched; no kernel
  outlives the render.
- The PDF as readers get it: embedded fonts, text in reading order, DOI links,
  title and language in the metadata.
- Security basics: safe YAML, no eval/exec of data, no <script> in the HTML,
  exact pins.

(Published numbers guarded: tests/test_results.py.)
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ["data", "analysis", "render", "report.qmd", "_quarto.yml", "references.bib", "csl",
           "_typst",  # _typst: the page template partials and the Typst shorthand filter
           "CITATION.cff"]  # the report's "How to cite" line is generated from it
SENTINEL = b"<!doctype html><title>previous good render</title>\n"


# --------------------------------------------------------------- helpers ----

def copy_project(dest: Path, extra: tuple[str, ...] = ()) -> Path:
    """A working copy of the project (sources only: no .cache, no _output)."""
    dest.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in [*PROJECT, *extra]:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=ignore)
        elif src.exists():
            shutil.copy2(src, dest / name)
    return dest


def with_previous_output(root: Path) -> Path:
    """Put a 'previous render' into root/_output; return the file to compare."""
    out = root / "_output"
    out.mkdir(exist_ok=True)
    (out / "report.html").write_bytes(SENTINEL)
    return out / "report.html"


def clean_env(tmpdir: Path | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "DEBUG", "SOURCE_DATE_EPOCH", "PYTHONWARNINGS")}
    if tmpdir is not None:
        tmpdir.mkdir(parents=True, exist_ok=True)
        env["TMPDIR"] = str(tmpdir)
    env.update(extra)
    return env


def run(args: list[str], cwd: Path, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def data_check(root: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """`python -m analysis check` in the project copy ``root``, in a clean environment."""
    return run([sys.executable, "-m", "analysis", "check"], root, clean_env(), timeout=timeout)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def commit_epoch() -> str:
    try:
        out = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=ROOT,
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or "0"
    except OSError:
        return "0"


def leftovers(tmpdir: Path) -> list[str]:
    return sorted(p.name for p in tmpdir.iterdir())


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting to be reaped counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


# ------------------------------------------------------- reproducibility ----

@pytest.fixture(scope="module")
def two_renders(tmp_path_factory):
    """The project rendered twice through the CLI, from a clean copy each time
    (no execution or output cache), at different wall-clock times."""
    docs = ["report.qmd"] + (["handout.qmd"] if (ROOT / "handout.qmd").exists() else [])
    root = copy_project(tmp_path_factory.mktemp("repro"), extra=tuple(docs[1:]))
    env = clean_env(SOURCE_DATE_EPOCH=commit_epoch())
    outs = []
    for n in (1, 2):
        shutil.rmtree(root / ".cache", ignore_errors=True)
        out = tmp_path_factory.mktemp(f"render{n}")
        proc = run([sys.executable, "-m", "render", *docs, "--out", str(out), "--quiet"],
                   cwd=root, env=env, timeout=300)
        assert proc.returncode == 0, proc.stderr
        outs.append(out)
        if n == 1:
            time.sleep(1.1)  # a leaked wall-clock timestamp would now differ
    return {"docs": docs, "outs": outs}


def test_source_date_epoch_is_the_last_commit_time(monkeypatch):
    from render.execute import source_date_epoch
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert source_date_epoch(ROOT) == commit_epoch()


def test_two_renders_are_byte_identical(two_renders):
    first, second = two_renders["outs"]
    names = ["report.html", "report.pdf", "report.ipynb"]
    if "handout.qmd" in two_renders["docs"]:
        names.append("handout.pdf")
    assert sorted(p.name for p in first.iterdir()) == sorted(names)
    differ = [n for n in names if sha256(first / n) != sha256(second / n)]
    assert not differ, f"not byte-reproducible: {differ}"


# ------------------------------------------------------------- bad data ----

def _rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _write(path: Path, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def set_cell(root: Path, file: str, key: str, field: str, value: str) -> int:
    """Set one cell (row found by its first-column key); return its data-row number."""
    path = root / "data" / file
    rows = _rows(path)
    col = rows[0].index(field)
    for i, r in enumerate(rows[1:], 1):
        if r[0] == key:
            r[col] = value
            _write(path, rows)
            return i
    raise AssertionError(f"{key} not in {file}")


def first_row(root: Path, file: str, field: str, value: str) -> str:
    """Key of the first row of ``file`` whose ``field`` equals ``value``."""
    rows = _rows(root / "data" / file)
    col = rows[0].index(field)
    return next(r[0] for r in rows[1:] if r[col] == value)


def row_with_interval(root: Path) -> str:
    rows = _rows(root / "data" / "numbers.csv")
    h = rows[0]
    return next(r[0] for r in rows[1:]
                if r[h.index("low")] and r[h.index("high")] and r[h.index("statistic")] != "p")


def case_malformed_quote(root):
    path = root / "data" / "numbers.csv"
    path.write_text(path.read_text(encoding="utf-8") + 'x.y,younger2013,"unclosed\n', encoding="utf-8")
    return {"file": "data/numbers.csv", "needles": ["line", "cannot be parsed"]}


def case_extra_cell(root):
    path = root / "data" / "numbers.csv"
    rows = _rows(path)
    rows[3] = rows[3] + ["surplus"]
    _write(path, rows)
    return {"file": "data/numbers.csv", "row": 3, "needles": ["cells but the header has"]}


def case_wrong_type(root):
    key = first_row(root, "numbers.csv", "statistic", "n")
    row = set_cell(root, "numbers.csv", key, "value", "thirty-one")
    return {"file": "data/numbers.csv", "row": row, "field": "value", "needles": ["thirty-one"]}


def case_wrong_boolean(root):
    key = first_row(root, "numbers.csv", "confirmed", "true")
    row = set_cell(root, "numbers.csv", key, "confirmed", "yes")
    return {"file": "data/numbers.csv", "row": row, "field": "confirmed", "needles": ["yes"]}


def case_p_out_of_range(root):
    key = first_row(root, "numbers.csv", "statistic", "p")
    row = set_cell(root, "numbers.csv", key, "value", "1.5")
    return {"file": "data/numbers.csv", "row": row, "field": "value", "needles": ["P value 1.5", "(0, 1]"]}


def case_percent_out_of_range(root):
    key = first_row(root, "numbers.csv", "statistic", "percent")
    row = set_cell(root, "numbers.csv", key, "value", "140")
    return {"file": "data/numbers.csv", "row": row, "field": "value", "needles": ["140", "[0, 100]"]}


def case_estimate_outside_interval(root):
    key = row_with_interval(root)
    rows = _rows(root / "data" / "numbers.csv")
    high = float(next(r for r in rows if r[0] == key)[rows[0].index("high")])
    row = set_cell(root, "numbers.csv", key, "value", repr(high + 1.0))
    return {"file": "data/numbers.csv", "row": row, "field": "value", "needles": ["outside its interval"]}


def case_unknown_study(root):
    key = first_row(root, "numbers.csv", "statistic", "p")
    row = set_cell(root, "numbers.csv", key, "study_id", "nosuchstudy2099")
    return {"file": "data/numbers.csv", "row": row, "field": "study_id", "needles": ["nosuchstudy2099"]}


def case_duplicate_key(root):
    path = root / "data" / "numbers.csv"
    rows = _rows(path)
    rows.append(list(rows[5]))
    _write(path, rows)
    return {"file": "data/numbers.csv", "row": len(rows) - 1, "field": "number_id",
            "needles": ["duplicate key", "row 5"]}


def case_missing_provenance(root):
    key = first_row(root, "numbers.csv", "statistic", "p")
    row = set_cell(root, "numbers.csv", key, "location", "")
    return {"file": "data/numbers.csv", "row": row, "field": "location", "needles": ["provenance"]}


def case_header_mismatch(root):
    path = root / "data" / "numbers.csv"
    text = path.read_text(encoding="utf-8").split("\n", 1)
    path.write_text(text[0].replace(",value,", ",val,") + "\n" + text[1], encoding="utf-8")
    return {"file": "data/numbers.csv", "line": 1, "field": "value", "needles": ["header"]}


def case_schema_mismatch(root):
    path = root / "data" / "datapackage.json"
    desc = json.loads(path.read_text(encoding="utf-8"))
    res = next(r for r in desc["resources"] if r["name"] == "numbers")
    res["schema"]["fields"].append({"name": "extra_field", "type": "string", "description": "x"})
    path.write_text(json.dumps(desc, indent=2), encoding="utf-8")
    return {"file": "data/numbers.csv", "line": 1, "field": "extra_field", "needles": ["header"]}


def case_not_utf8(root):
    path = root / "data" / "sources.csv"
    path.write_bytes(path.read_bytes() + "x,y,é\n".encode("latin-1"))
    return {"file": "data/sources.csv", "needles": ["UTF-8"]}


def case_html_in_text(root):
    key = _rows(root / "data" / "claims.csv")[1][0]
    row = set_cell(root, "claims.csv", key, "paraphrase", 'A <b onmouseover="alert(1)">as</b> breakthrough.')
    return {"file": "data/claims.csv", "row": row, "field": "paraphrase", "needles": ["is HTML markup"]}


def case_control_character(root):
    key = _rows(root / "data" / "rob2.csv")[1][0]
    row = set_cell(root, "rob2.csv", key, "reason", "Randomized;\tmethod not described.")
    return {"file": "data/rob2.csv", "row": row, "field": "reason", "needles": ["a tab at character 12"]}


def case_url_scheme(root):
    key = _rows(root / "data" / "sources.csv")[1][0]
    row = set_cell(root, "sources.csv", key, "url", "javascript:alert(1)")
    return {"file": "data/sources.csv", "row": row, "field": "url", "needles": ["'javascript:' links"]}


def case_text_too_long(root):
    key = _rows(root / "data" / "studies.csv")[1][0]
    row = set_cell(root, "studies.csv", key, "label", "A very long label. " * 20)
    return {"file": "data/studies.csv", "row": row, "field": "label", "needles": ["characters long"]}


BAD_DATA = [(f.__name__[5:], f) for f in (
    case_malformed_quote, case_extra_cell, case_wrong_type, case_wrong_boolean,
    case_p_out_of_range, case_percent_out_of_range, case_estimate_outside_interval,
    case_unknown_study, case_duplicate_key, case_missing_provenance, case_header_mismatch,
    case_schema_mismatch, case_not_utf8, case_html_in_text, case_control_character,
    case_url_scheme, case_text_too_long)]


def test_pristine_copy_passes_the_data_check(project):
    """Control: the copied project is valid, so each failure below is the corruption's."""
    proc = data_check(project)
    assert proc.returncode == 0, proc.stderr
    assert "data check:" in proc.stderr


def problem_paragraphs(stderr: str) -> list[str]:
    paras = [p for p in re.split(r"\n\s*\n", stderr.strip()) if p.strip()]
    return [p for p in paras if p.startswith("- ")]


@pytest.mark.parametrize("name,corrupt", BAD_DATA, ids=[c[0] for c in BAD_DATA])
def test_bad_data_stops_the_build_with_one_clear_paragraph(project, name, corrupt):
    previous = with_previous_output(project)
    case = corrupt(project)
    proc = data_check(project)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.startswith("data check failed:"), proc.stderr
    problems = problem_paragraphs(proc.stderr)
    assert problems, proc.stderr
    ours = [p for p in problems if p[2:].startswith(case["file"])]
    assert ours, f"no problem names {case['file']}:\n{proc.stderr}"
    msg = ours[0]
    assert "\n" not in msg.strip(), f"not one paragraph:\n{msg}"
    if "row" in case:
        assert f"(row {case['row']}" in msg, msg
    if "line" in case:
        assert f"line {case['line']}" in msg, msg
    if "field" in case:
        assert f"field '{case['field']}'" in msg, msg
    for needle in case["needles"]:
        assert needle in msg, msg
    assert previous.read_bytes() == SENTINEL


def test_make_report_chain_stops_before_rendering(project, tmp_path):
    """`make report` is `python -m analysis check` then the renderer: bad data
    must stop it before any render, leaving _output/ as it was."""
    previous = with_previous_output(project)
    case_p_out_of_range(project)
    tmpdir = tmp_path / "tmp"
    py = sys.executable
    proc = run(["sh", "-c", f'"{py}" -m analysis check && "{py}" -m render'], project, clean_env(tmpdir))
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "P value 1.5" in proc.stderr
    assert "[report.qmd]" not in proc.stderr  # the renderer never started
    assert previous.read_bytes() == SENTINEL
    assert sorted(p.name for p in previous.parent.iterdir()) == ["report.html"]
    assert leftovers(tmpdir) == []


# Text the data check accepts but that would be markup if spliced into Markdown:
# emphasis, math, a live citation, smart quotes, a javascript: link, a Quarto
# shortcode, table pipes, a backslash, dashes. (HTML tags never get this far:
# the check rejects them; tests/test_text.py escapes them too.)
HOSTILE_CLAIM = ('*LDN* $x^2$ @younger2013fibromyalgia 3 < 4 & "major" [link](javascript:alert(3)) '
                 "{{< meta title >}} a | b \\ c -- d ^sup^ ~sub~ [@nct00568555] end of the claim.")


def _visible_text(html: str) -> tuple[str, list[tuple[str, list]]]:
    """The body's text (scripts, styles, SVG and MathML left out) and every tag in it with its attributes."""
    from html.parser import HTMLParser

    class Text(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.parts, self.tags, self.skip = [], [], 0

        def handle_starttag(self, tag, attrs):
            self.tags.append((tag, attrs))
            self.skip += tag in ("script", "style", "svg", "math")

        def handle_endtag(self, tag):
            self.skip -= tag in ("script", "style", "svg", "math")

        def handle_data(self, data):
            if not self.skip:
                self.parts.append(data)
    parser = Text()
    parser.feed(html.split("<body", 1)[-1])
    return re.sub(r"\s+", " ", " ".join(parser.parts)), parser.tags


@pytest.mark.parametrize("renderer", ["offline", "quarto"])
def test_markup_in_data_is_printed_as_written(project, tmp_path, renderer):
    """One render of the report with a hostile claim, by each renderer: it passes the
    data check and reaches the HTML and the PDF exactly as written, with nothing
    after it lost."""
    key = _rows(project / "data" / "claims.csv")[1][0]
    section = _rows(project / "data" / "claims.csv")[1][1]
    set_cell(project, "claims.csv", key, "paraphrase", HOSTILE_CLAIM)
    check = data_check(project)
    assert check.returncode == 0, check.stderr
    out = tmp_path / "out"
    if renderer == "offline":
        proc = run([sys.executable, "-m", "render", "report.qmd", "--out", str(out), "--quiet"], project,
                   clean_env(tmp_path / "tmp", SOURCE_DATE_EPOCH=commit_epoch()), timeout=300)
    else:
        from tests.renderers import INSTALL_HINT, quarto_command, unavailable
        quarto = quarto_command()
        if quarto is None:
            unavailable("Quarto is not installed", INSTALL_HINT)
        for name in ("_typst", ".gitignore"):  # what Quarto reads beyond the offline renderer's files
            src = ROOT / name
            if src.is_dir():
                shutil.copytree(src, project / name, dirs_exist_ok=True)
            elif src.exists():
                shutil.copy2(src, project / name)
        proc = run([quarto, "render", "report.qmd", "--output-dir", str(out)], project,
                   {**clean_env(tmp_path / "tmp"), "QUARTO_PYTHON": sys.executable}, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    html = (out / "report.html").read_text(encoding="utf-8")
    text, tags = _visible_text(html)
    assert f"{HOSTILE_CLAIM} ({section})" in text  # the claims table's first cell, whole
    assert not [(t, a) for t, a in tags if any("javascript:" in (v or "").lower() for _, v in a)]
    low = html.lower()
    assert "<em>ldn</em>" not in low and "<sup>sup</sup>" not in low and "<sub>sub</sub>" not in low
    pdf = " ".join(p.extract_text() for p in PdfReader(out / "report.pdf").pages)
    pdf = re.sub(r"\s+", " ", pdf.replace("\u00a0", " ").replace("\u00ad", ""))
    assert HOSTILE_CLAIM in pdf


def test_markup_in_data_is_printed_as_written_on_the_slides(project, tmp_path):
    """The slides print three claim fields (a short name, a paraphrase, the post's
    figure): with hostile text in each, the offline slides show it as written (issue 26,
    point 2: they printed it as Markdown, and resolved a citation)."""
    from render.pipeline import reveal_installed
    if not reveal_installed(ROOT):
        pytest.skip("reveal.js is not installed (npm ci)")
    for name in ("slides.qmd", "slides.css"):
        shutil.copy2(ROOT / name, project / name)
    (project / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    claims = _rows(project / "data" / "claims.csv")
    header = claims[0]
    shown = {row[0] for row in claims[1:]} & {"c01", "c14"}
    assert shown == {"c01", "c14"}, "the slides print c01 and c14; update this test with them"
    short = "*LDN* $x^2$ [@nct00568555] ^s^ ~b~"  # the field holds at most 40 characters
    set_cell(project, "claims.csv", "c01", "short", short)
    set_cell(project, "claims.csv", "c14", "paraphrase", HOSTILE_CLAIM.replace("end of", "end of the other"))
    assert "short" in header and "paraphrase" in header
    out = tmp_path / "out"
    proc = run([sys.executable, "-m", "render", "slides.qmd", "--out", str(out), "--quiet"], project,
               clean_env(tmp_path / "tmp", SOURCE_DATE_EPOCH=commit_epoch()), timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    html = (out / "slides.html").read_text(encoding="utf-8")
    text, tags = _visible_text(html)
    assert short in text
    assert HOSTILE_CLAIM.replace("end of", "end of the other") in text
    low = html.lower()
    assert "<em>ldn</em>" not in low and "<sup>s</sup>" not in low and "<sub>b</sub>" not in low
    assert "<sup>sup</sup>" not in low and "<sub>sub</sub>" not in low
    assert not [(t, a) for t, a in tags if any("javascript:" in (v or "").lower() for _, v in a)]


# ---------------------------------------------------- failures mid-render ----

RAISING = """---
title: Broken
---

# One

Some text.

```{python}
#| label: boom
x = 1
y = x / 0
```
"""

TYPST_DOC = """---
title: Broken
format: typst
---

# One

Text.
"""

MISSING_FIGURE = """---
title: Broken
format: html
---

# One

![A figure that is not there](figures/not-there.png)
"""

MID_RENDER = [
    # (id, document text, extra CLI args, needles in the message, line of the failure or None)
    pytest.param(RAISING, [], ["cell 'boom'", "ZeroDivisionError"],
                 RAISING.splitlines().index("y = x / 0") + 1, id="raising cell"),
    pytest.param(TYPST_DOC, ["-M", "papersize:no-such-paper"], ["typst", "no-such-paper"], None,
                 id="typst failure"),
    pytest.param(MISSING_FIGURE, [], ["not-there.png"], None, id="missing figure (html)"),
    pytest.param(MISSING_FIGURE.replace("format: html", "format: typst"), [], ["not-there.png"], None,
                 id="missing figure (pdf)"),
]


@pytest.mark.parametrize("text,args,needles,line", MID_RENDER)
def test_failure_mid_render_names_the_place_and_cleans_up(project, tmp_path, text, args, needles, line):
    (project / "broken.qmd").write_text(text, encoding="utf-8")
    previous = with_previous_output(project)
    tmpdir = tmp_path / "tmp"
    proc = run([sys.executable, "-m", "render", "broken.qmd", *args], project, clean_env(tmpdir))
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    where = f"broken.qmd:{line}:" if line else "broken.qmd"
    assert f"render failed: {where}" in proc.stderr, proc.stderr
    for needle in needles:
        assert needle in proc.stderr, proc.stderr
    assert "Nothing in the output folder was changed." in proc.stderr
    assert str(tmpdir) not in proc.stderr and "render-" not in proc.stderr, \
        "the message names a temporary path"
    assert previous.read_bytes() == SENTINEL
    assert sorted(p.name for p in previous.parent.iterdir()) == ["report.html"]
    assert leftovers(tmpdir) == [], "temporary files left behind"


def test_typst_failure_is_reported_once_with_the_generated_file_named(project, tmp_path):
    (project / "broken.qmd").write_text(TYPST_DOC, encoding="utf-8")
    proc = run([sys.executable, "-m", "render", "broken.qmd", "-M", "papersize:no-such-paper"],
               project, clean_env(tmp_path / "tmp"))
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.count('"presentation-4-3"') == 1, proc.stderr  # typst's list, once
    assert "broken.typ:" in proc.stderr and "--keep" in proc.stderr, proc.stderr


def test_successful_render_leaves_no_temporary_files(project, tmp_path):
    (project / "ok.qmd").write_text("---\ntitle: Ok\nformat: html\n---\n\n# One\n\n"
                                    "```{python}\n1 + 1\n```\n", encoding="utf-8")
    tmpdir = tmp_path / "tmp"
    proc = run([sys.executable, "-m", "render", "ok.qmd", "--quiet"], project, clean_env(tmpdir))
    assert proc.returncode == 0, proc.stderr
    assert (project / "_output" / "ok.html").exists()
    assert leftovers(tmpdir) == [], "temporary files left behind"


SLOW = """---
title: Slow
---

# One

```{python}
#| label: slow
import os, pathlib, time
pathlib.Path("kernel.pid").write_text(str(os.getpid()))
time.sleep(120)
```
"""


def test_ctrl_c_stops_the_render_cleanly(project, tmp_path):
    """SIGINT to the render's process group (what Ctrl-C in a terminal sends)
    while a cell runs: exit 130, a one-line message, _output/ untouched, no
    temporary files, and the kernel is gone."""
    (project / "slow.qmd").write_text(SLOW, encoding="utf-8")
    previous = with_previous_output(project)
    tmpdir = tmp_path / "tmp"
    err = tmp_path / "stderr.txt"
    pidfile = project / "kernel.pid"
    kernel = None
    with open(err, "w") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "render", "slow.qmd"], cwd=project,
                                env=clean_env(tmpdir), stdout=subprocess.DEVNULL, stderr=fh,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not (pidfile.exists() and pidfile.read_text().strip()):
            assert proc.poll() is None, err.read_text()
            assert time.monotonic() < deadline, "the kernel never started the slow cell"
            time.sleep(0.1)
        kernel = int(pidfile.read_text())
        time.sleep(0.5)  # inside time.sleep now
        os.killpg(proc.pid, signal.SIGINT)
        try:
            code = proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pytest.fail("render did not exit within 15 s of Ctrl-C")
        stderr = err.read_text()
        assert code == 130, stderr
        assert "Traceback" not in stderr, stderr
        assert "render interrupted: nothing in the output folder was changed." in stderr
        assert previous.read_bytes() == SENTINEL
        assert sorted(p.name for p in previous.parent.iterdir()) == ["report.html"]
        deadline = time.monotonic() + 10
        while alive(kernel) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(kernel), f"kernel {kernel} outlived the render"
        assert leftovers(tmpdir) == [], "temporary files left behind"
    finally:  # never leave our own processes running
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if kernel and alive(kernel):
            os.kill(kernel, signal.SIGKILL)


def _kernel_children() -> list[int]:
    """Live ipykernel processes whose parent is this (the test) process."""
    me, found = str(os.getpid()), []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            cmd = (proc / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[1] == me and fields[0] != "Z" and "ipykernel" in cmd:
            found.append(int(proc.name))
    return found


def test_failure_before_documents_run_stops_kernels_started_ahead(project, tmp_path, monkeypatch):
    # Kernels start as soon as a document is known to need one. If the render
    # then fails (here: Ctrl-C while the cache keys are computed), every such
    # kernel must be stopped and its socket folder removed.
    import tempfile

    from render import pipeline
    (project / "a.qmd").write_text("---\ntitle: A\n---\n\n```{python}\n1 + 1\n```\n", encoding="utf-8")
    (project / "b.qmd").write_text("---\ntitle: B\n---\n\n```{python}\n2 + 2\n```\n", encoding="utf-8")
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmpdir))

    def interrupted(job, **kw):
        time.sleep(0.3)  # the kernels are being launched meanwhile
        raise KeyboardInterrupt
    monkeypatch.setattr(pipeline, "lookup_cache", interrupted)
    before = set(_kernel_children())
    with pytest.raises(KeyboardInterrupt):
        pipeline.render([project / "a.qmd", project / "b.qmd"], root=project,
                        outdir=project / "_output", quiet=True)
    deadline = time.monotonic() + 10
    while set(_kernel_children()) - before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert set(_kernel_children()) - before == set(), "a kernel started ahead outlived the render"
    assert leftovers(tmpdir) == [], "temporary files left behind"


def test_the_same_document_twice_gets_two_kernels(project, tmp_path):
    (project / "a.qmd").write_text("---\ntitle: A\nformat: html\n---\n\n```{python}\n1 + 1\n```\n",
                                   encoding="utf-8")
    from render import pipeline
    pipeline.render([project / "a.qmd", project / "a.qmd"], root=project, outdir=tmp_path / "out",
                    quiet=True, use_cache=False)
    assert (tmp_path / "out" / "a.html").exists()


def test_kernels_keep_no_history_file(project, tmp_path):
    # IPython's history stays in memory (as nbclient arranges when it starts a
    # kernel): no SQLite file that kernels running at once would share.
    (project / "a.qmd").write_text("---\ntitle: A\nformat: html\n---\n\n```{python}\n1 + 1\n```\n",
                                   encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    proc = run([sys.executable, "-m", "render", "a.qmd", "--quiet"], project,
               clean_env(tmp_path / "tmp", HOME=str(home), IPYTHONDIR=str(home / ".ipython")))
    assert proc.returncode == 0, proc.stderr
    assert not list(home.rglob("history.sqlite")), "a kernel wrote IPython history to disk"


# --------------------------------------------------------------- the PDF ----

def _pdf(two_renders, name="report.pdf") -> PdfReader:
    return PdfReader(two_renders["outs"][0] / name)


def _pdf_names(two_renders) -> list[str]:
    return [Path(d).stem + ".pdf" for d in two_renders["docs"]]


def _front_matter(path: Path) -> dict:
    import yaml
    text = path.read_text(encoding="utf-8")
    m = re.match(r"---\n(.*?)\n---\n", text, re.S)
    return yaml.safe_load(m.group(1)) if m else {}


def test_pdf_fonts_are_embedded(two_renders):
    for name in _pdf_names(two_renders):
        reader = _pdf(two_renders, name)
        fonts = 0
        for page in reader.pages:
            for font in (page["/Resources"].get("/Font") or {}).values():
                font = font.get_object()
                fonts += 1
                descs = [font] + [d.get_object() for d in font.get("/DescendantFonts", [])]
                desc = next(d["/FontDescriptor"].get_object() for d in descs if "/FontDescriptor" in d)
                assert any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")), \
                    f"{name}: font {font.get('/BaseFont')} is not embedded"
        assert fonts, name


def _headings(qmd_path: Path) -> list[str]:
    """Top-level headings of a .qmd's body, in order (not front matter, not code)."""
    from render import qmd
    out = []
    for chunk in qmd.parse(qmd_path).chunks:
        if isinstance(chunk, qmd.Markdown):
            out += [re.sub(r"\s*\{[^}]*\}\s*$", "", line[2:]).strip()
                    for line in chunk.text.splitlines() if line.startswith("# ")]
    return out


def test_pdf_text_is_extractable_in_reading_order(two_renders):
    text = " ".join(p.extract_text() for p in _pdf(two_renders).pages)
    text = re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u2019", "'"))
    headings = _headings(ROOT / "report.qmd")
    assert {"Summary", "Critical notes"} <= set(headings)
    # Numbered headings in the body ("1 Summary"): each after the previous one.
    pos = 0
    for n, heading in enumerate(h for h in headings if h != "References"):
        m = re.compile(rf"\b{n + 1} {re.escape(heading)}").search(text, pos)
        assert m, f"heading '{n + 1} {heading}' not found after position {pos} of the PDF text"
        pos = m.end()
    assert text.index("Summary") < text.index("Critical notes")


def test_pdf_links_every_cited_doi(two_renders):
    from tests.test_environment import BIB, cited_keys
    uris = set()
    for page in _pdf(two_renders).pages:
        for annot in page.get("/Annots") or []:
            a = annot.get_object().get("/A")
            if a and "/URI" in a:
                uris.add(str(a["/URI"]))
    cited = cited_keys((ROOT / "report.qmd").read_text(encoding="utf-8"))
    dois = {BIB[k]["doi"] for k in cited if k in BIB and "doi" in BIB[k]}
    assert dois
    missing = sorted(d for d in dois if f"https://doi.org/{d}" not in uris)
    assert not missing, f"DOIs without a link annotation in report.pdf: {missing}"


def test_pdf_title_and_language_in_metadata(two_renders):
    project_lang = _quarto()["lang"]
    for name in _pdf_names(two_renders):
        reader = _pdf(two_renders, name)
        title = _front_matter(ROOT / name.replace(".pdf", ".qmd"))["title"]
        assert reader.metadata.title == str(title), name
        lang = str(reader.trailer["/Root"].get("/Lang", ""))
        assert lang, f"{name}: no /Lang in the PDF catalog"
        assert lang == project_lang, (
            f"{name}: /Lang is {lang!r} but the project's lang is {project_lang!r}")


def _quarto() -> dict:
    import yaml
    return yaml.safe_load((ROOT / "_quarto.yml").read_text(encoding="utf-8"))


# ------------------------------------------------------------- security ----

def _python_files(*folders: str) -> list[Path]:
    dirs = [ROOT / f for f in folders] if folders else [ROOT]
    skip = {".venv", "node_modules", ".git", ".cache", "_output", "__pycache__"}
    return sorted(p for d in dirs for p in d.rglob("*.py") if not skip & set(p.relative_to(ROOT).parts))


def test_yaml_is_loaded_safely():
    unsafe, safe = [], 0
    for path in _python_files():
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"yaml\.(load|load_all|unsafe_load|full_load)\s*\(([^)]*)", text):
            if m.group(1) in ("load", "load_all") and "SafeLoader" in m.group(2):
                continue
            unsafe.append(f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, m.start()) + 1}")
        safe += len(re.findall(r"yaml\.safe_load\s*\(", text))
    assert not unsafe, f"unsafe YAML loading: {unsafe}"
    assert safe, "expected yaml.safe_load somewhere (the renderer reads _quarto.yml)"


CALL = re.compile(r"(?<![\w.])(eval|exec)\s*\(")


def test_no_eval_or_exec_in_analysis():
    hits = [f"{p.relative_to(ROOT)}:{n}" for p in _python_files("analysis")
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if CALL.search(line.split("#", 1)[0])]
    assert not hits, f"eval/exec in analysis/: {hits}"


def test_renderer_evaluates_only_document_code_in_the_kernel():
    """The only eval in render/ is the kernel-side inline-expression helper
    (document code the author wrote, as Quarto does); nothing evaluates data."""
    hits = [(p.name, line.strip()) for p in _python_files("render")
            for line in p.read_text(encoding="utf-8").splitlines() if CALL.search(line.split("#", 1)[0])]
    assert all(name == "execute.py" and "<inline expression>" in line for name, line in hits), hits
    from render.execute import SETUP
    assert "eval(compile(src, \"<inline expression>\"" in SETUP


def test_html_contains_no_script(two_renders):
    html = (two_renders["outs"][0] / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"<script\b", html, re.I)
    assert not re.search(r"\son[a-z]+\s*=", re.sub(r"<(math|svg)\b.*?</\1>", "", html, flags=re.S | re.I)
                         .split("<body", 1)[-1], re.I), "inline event handler in the HTML"
    assert "javascript:" not in html.lower()


def test_python_requirements_are_exact_pins():
    for name in ("requirements.in", "requirements-quarto.txt"):
        for n, raw in enumerate((ROOT / name).read_text(encoding="utf-8").splitlines(), 1):
            line = raw.split("#", 1)[0].strip()
            if line:
                assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*==[A-Za-z0-9.+!-]+", line), \
                    f"{name}:{n}: not an exact pin: {raw!r}"


def test_javascript_dependencies_are_exact_pins_and_locked():
    pkg = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    deps = {**pkg.get("dependencies", {}), **pkg.get("devDependencies", {})}
    assert deps
    for name, version in deps.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"package.json {name}: {version} is not exact"
        locked = lock["packages"][f"node_modules/{name}"]
        assert locked["version"] == version
        assert locked["integrity"].startswith("sha512-")
