"""Limits and hostile inputs, second round (issue 26, points 4, 6 and 7): each attack
is planted in a temporary copy of the project and must end in one clear message
naming the file (and line, row or field), never a traceback, never a mixed _output/.

Data check (python -m analysis check): Unicode format characters, counts too large
to compute with, Latin-1 bytes, invalid or catastrophic descriptor patterns, a field
type the analysis cannot read, a data file over the size limit, thousands of
problems (the list is capped), progress on a long check.
Renderer (python -m render): all outputs or none on a full disk, a read-only
_output/ and a file name too long; staging folders removed on SIGTERM; a cap on a
cell's output; a configurable cell timeout.
"""
from __future__ import annotations

import csv
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

from tests.test_trust import (SENTINEL, _rows, _write, clean_env, copy_project, first_row,
                              problem_paragraphs, run, set_cell)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    return copy_project(tmp_path_factory.mktemp("pristine-limits"))


@pytest.fixture
def project(pristine, tmp_path):
    root = tmp_path / "project"
    shutil.copytree(pristine, root)
    return root


def check(root: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return run([sys.executable, "-m", "analysis", "check"], root, clean_env(), timeout=timeout)


def one_problem(proc: subprocess.CompletedProcess, file: str) -> str:
    """The check failed cleanly; return the first problem paragraph that names ``file``."""
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "unexpectedly" not in proc.stderr, proc.stderr
    assert proc.stderr.startswith("data check failed:"), proc.stderr
    ours = [p for p in problem_paragraphs(proc.stderr) if p[2:].startswith(file)]
    assert ours, f"no problem names {file}:\n{proc.stderr[-3000:]}"
    assert "\n" not in ours[0].strip(), ours[0]
    return ours[0]


def set_descriptor(root: Path, resource: str, field: str, **changes) -> None:
    path = root / "data" / "datapackage.json"
    desc = json.loads(path.read_text(encoding="utf-8"))
    spec = next(f for r in desc["resources"] if r["name"] == resource
                for f in r["schema"]["fields"] if f["name"] == field)
    for key, value in changes.items():
        if key == "pattern":
            spec.setdefault("constraints", {})["pattern"] = value
        else:
            spec[key] = value
    path.write_text(json.dumps(desc, indent=2), encoding="utf-8")


# ------------------------------------------------------------- point 7 ----

@pytest.mark.parametrize("char", ["\u202e", "\u200b", "\u2066"])
def test_format_characters_in_a_cell_are_refused(project, char):
    """A right-to-left override made the handout show 'not supported' for text stored
    as 'detroppus ton'; zero-width and isolate characters hide text the same way."""
    key = _rows(project / "data" / "claims.csv")[1][0]
    row = set_cell(project, "claims.csv", key, "paraphrase", f"LDN is {char}detroppus ton by the trial.")
    msg = one_problem(check(project), "data/claims.csv")
    assert f"(row {row}" in msg and "field 'paraphrase'" in msg, msg
    assert f"U+{ord(char):04X}" in msg and "character 8" in msg, msg


@pytest.mark.parametrize("value", ["1e400", "1e308", "1e20", "10000001"])
def test_counts_too_large_to_compute_with_are_refused(project, value):
    """1e400 ended the check in an OverflowError, 1e308 in decimal.InvalidOperation or a
    TypeError from scipy, both without naming the file or the row."""
    key = "yz09.n.fibromyalgia.all"  # one of the counts that crashed the analysis with 1e308
    assert first_row(project, "numbers.csv", "number_id", key) == key
    row = set_cell(project, "numbers.csv", key, "value", value)
    msg = one_problem(check(project), "data/numbers.csv")
    assert f"(row {row}, number_id '{key}')" in msg and "field 'value'" in msg, msg


def test_latin1_bytes_are_reported_with_their_line(project):
    path = project / "data" / "studies.csv"
    lines = path.read_bytes().split(b"\n")
    lines[4] = lines[4].replace(b",", "\u00e9,".encode("latin-1"), 1)  # a Latin-1 e-acute, line 5
    path.write_bytes(b"\n".join(lines))
    msg = one_problem(check(project), "data/studies.csv")
    assert "line 5" in msg and "UTF-8" in msg and "0xE9" in msg, msg


# ------------------------------------------------------------- point 6 ----

def test_an_invalid_pattern_names_the_descriptor_and_field(project):
    set_descriptor(project, "claims", "short", pattern="^(unclosed")
    msg = one_problem(check(project), "data/datapackage.json")
    assert "field 'short'" in msg and "not a valid regular expression" in msg, msg


def test_a_number_field_typed_as_string_names_the_descriptor_and_field(project):
    """numbers.value declared a string: the check crashed comparing text with numbers."""
    set_descriptor(project, "numbers", "value", type="string")
    proc = check(project)
    msg = one_problem(proc, "data/datapackage.json")
    assert "field 'value'" in msg and "'string'" in msg and "number" in msg, msg
    assert len(problem_paragraphs(proc.stderr)) == 1, proc.stderr  # not one per cell


def test_a_catastrophic_pattern_is_stopped_in_bounded_time(project):
    """^(a|aa)+$ took 11.6 s on a 38-character cell, doubling with each character."""
    from analysis.data import PATTERN_SECONDS
    set_descriptor(project, "claims", "short", pattern="^(a|aa)+$")
    claims = _rows(project / "data" / "claims.csv")
    col = claims[0].index("short")
    for r in claims[1:]:
        r[col] = "a" * 38 + "!"  # every row: the bound is for the whole file, not per cell
    _write(project / "data" / "claims.csv", claims)
    t0 = time.monotonic()
    proc = check(project)
    took = time.monotonic() - t0
    msg = one_problem(proc, "data/claims.csv")
    assert "field 'short'" in msg and "(a|aa)+" in msg and "took more than" in msg, msg
    assert "(row 1" in msg, msg
    slow = [p for p in problem_paragraphs(proc.stderr) if "took more than" in p]
    assert len(slow) == 1, proc.stderr
    assert took < PATTERN_SECONDS + 20, f"the check took {took:.1f} s"


def test_a_data_file_over_the_size_limit_is_refused(project):
    from analysis.data import MAX_FILE_BYTES
    path = project / "data" / "numbers.csv"
    rows = _rows(path)
    base = next(r for r in rows[1:] if r[0] == "y13.dose.ldn")
    while len(path.read_bytes()) <= MAX_FILE_BYTES:
        rows += [[f"y13.bulk.x{len(rows)}{k}"] + base[1:] for k in range(2000)]
        _write(path, rows)
    msg = one_problem(check(project), "data/numbers.csv")
    assert "MB" in msg and "at most" in msg, msg


def test_the_problem_list_is_capped_with_the_total(project):
    """200,000 duplicated rows printed 199,826 paragraphs (44 MB)."""
    from analysis.__main__ import MAX_ERRORS_SHOWN
    path = project / "data" / "numbers.csv"
    rows = _rows(path)
    n = 3 * MAX_ERRORS_SHOWN
    _write(path, rows + [list(rows[5]) for _ in range(n)])
    proc = check(project)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    shown = problem_paragraphs(proc.stderr)
    assert len(shown) == MAX_ERRORS_SHOWN, len(shown)
    total = int(re.match(r"data check failed: (\d+) problem", proc.stderr).group(1))
    assert total >= n
    assert f"and {total - MAX_ERRORS_SHOWN} more problem(s) not shown ({total} in all" in proc.stderr


def test_a_long_check_says_how_far_it_has_got(project, monkeypatch, capsys):
    """Progress on a long check: a line per PROGRESS_SECONDS while a file is read
    (here every row, with the interval set to zero)."""
    from analysis import __main__ as main
    from analysis import data
    monkeypatch.setattr(data, "PROGRESS_SECONDS", 0.0)
    monkeypatch.setattr(data, "DEFAULT_ROOT", project / "data")
    monkeypatch.setattr(data, "PROGRESS", None)
    monkeypatch.chdir(project)
    assert main.main(["check"]) == 0
    err = capsys.readouterr().err
    assert re.search(r"data check: data/numbers\.csv: \d+ rows read", err), err
    assert "recomputing the analysis" in err
