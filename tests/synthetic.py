"""A copy of the project with a synthetic later trial or an erratum, for tests.

A maintainer adds a later trial as rows in data/ (studies.csv, sources.csv,
numbers.csv, pooling.csv, a `sources` entry in datapackage.json) and an entry
in references.bib, and nothing else (README, "Adding a trial / applying an
erratum"). These helpers do exactly that to a copy of the project, with
fixture rows from tests/fixtures/later-trial/ (never written into the real
data/), so that tests can check that the trial reaches every result, table
and figure, and that an erratum is followed.

    from tests.synthetic import FORMS, add_trial, apply_erratum, project_copy
    root = project_copy(tmp_path / "p")     # committed copy (tests.renderers.snapshot)
    sid = add_trial(root, "md_ci")          # one synthetic trial per form in FORMS
    apply_erratum(root)                     # 2013 placebo responders 11% -> 14%: n 22 and 28 fit
    from analysis.data import load
    from analysis.results import compute
    R = compute(load(root / "data"))

Each call edits the copy's files and, when the copy is a git repository (as
``project_copy`` makes it), commits the change, so renders print a commit.
"""
from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "later-trial"

# conversion (data/pooling.csv) -> the synthetic study reported in that form
FORMS = {
    "means_sds": "synthmeans",
    "md_ci": "synthmdci",
    "cohens_d": "synthd",
    "paired_p": "synthpairedp",
    "r_effect_size": "synthr",
    "parallel_p": "synthparp",
}

# The erratum of issue 22: the 2013 placebo responder share read as 14 %, not 11 %.
ERRATUM = ("y13.responders.placebo", "value", "14")


def project_copy(dest: Path) -> Path:
    """The project's files (tracked and new, not ignored) committed into a fresh
    repository at ``dest`` (tests.renderers.snapshot); returns ``dest``."""
    from tests.renderers import snapshot
    dest.mkdir(parents=True, exist_ok=True)
    return snapshot(dest)


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def _append_rows(path: Path, rows: list[list[str]]) -> None:
    """Append rows to a CSV file as the project writes them (minimal quoting, LF)."""
    text = path.read_text(encoding="utf-8")
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(text + ("" if text.endswith("\n") else "\n") + buf.getvalue(), encoding="utf-8")


def fixture_rows(study_id: str) -> dict[str, list[list[str]]]:
    """The fixture's rows of ``study_id`` in each data file (keyed by file name)."""
    out = {}
    for name in ("studies.csv", "sources.csv", "numbers.csv", "pooling.csv"):
        header, rows = _rows(FIXTURE / name)
        col = header.index("study_id")
        out[name] = [r for r in rows if r[col] == study_id]
    return out


def _bib_entry(key: str) -> str:
    text = (FIXTURE / "references.bib").read_text(encoding="utf-8")
    m = re.search(r"^@\w+\{" + re.escape(key) + r",.*?^\}\n", text, re.M | re.S)
    assert m, f"no entry {key} in {FIXTURE / 'references.bib'}"
    return m.group(0)


def add_trial(root: Path, form: str) -> str:
    """Add the synthetic later trial reported in ``form`` (a key of FORMS) to the project at
    ``root``: rows in data/studies.csv, sources.csv, numbers.csv and pooling.csv, a `sources`
    entry in data/datapackage.json and its references.bib entry. Returns its study_id."""
    if form not in FORMS:
        raise ValueError(f"form {form!r}: choose one of {', '.join(FORMS)}")
    sid = FORMS[form]
    data = root / "data"
    rows = fixture_rows(sid)
    for name, new in rows.items():
        assert new, f"the fixture has no {name} row for {sid}"
        _append_rows(data / name, new)
    header, _ = _rows(FIXTURE / "sources.csv")
    desc = json.loads((data / "datapackage.json").read_text(encoding="utf-8"))
    label = dict(zip(_rows(FIXTURE / "studies.csv")[0], rows["studies.csv"][0]))["label"]
    for src in rows["sources.csv"]:
        rec = dict(zip(header, src))
        desc["sources"].insert(len(desc["sources"]) - 1, {"title": label, "path": rec["url"]})
        bib = root / "references.bib"
        bib.write_text(bib.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + _bib_entry(rec["bib_key"]),
                       encoding="utf-8")
    (data / "datapackage.json").write_text(json.dumps(desc, indent=2, ensure_ascii=False) + "\n",
                                           encoding="utf-8")
    _commit(root, f"add synthetic later trial {sid} ({form})")
    return sid


def set_value(root: Path, number_id: str, column: str, value: str) -> None:
    """Change one cell of data/numbers.csv (an erratum)."""
    path = root / "data" / "numbers.csv"
    header, rows = _rows(path)
    hit = [r for r in rows if r[0] == number_id]
    assert len(hit) == 1, f"{number_id} is not one row of {path}"
    hit[0][header.index(column)] = value
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header, *rows])
    path.write_text(buf.getvalue(), encoding="utf-8")


def apply_erratum(root: Path) -> None:
    """The erratum of issue 22: y13.responders.placebo 11 -> 14 (then n = 22 and 28 both fit)."""
    set_value(root, *ERRATUM)
    _commit(root, "erratum: placebo responders 14%")


def _commit(root: Path, message: str) -> None:
    if not (root / ".git").exists():
        return
    for args in (["add", "-A"], ["-c", "user.name=test", "-c", "user.email=test@example.org",
                                 "commit", "-qm", message]):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
