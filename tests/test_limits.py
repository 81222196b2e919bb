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

from tests.test_trust import (SENTINEL, SLOW, _rows, _write, clean_env, first_row,
                              problem_paragraphs, run, set_cell)
from tests.test_trust import data_check as check

ROOT = Path(__file__).resolve().parents[1]


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
    proc = check(project)
    msg = one_problem(proc, "data/numbers.csv")
    assert "MB" in msg and "at most" in msg, msg
    # the unread file is one problem, not also every reference to its rows
    assert len(problem_paragraphs(proc.stderr)) == 1, proc.stderr


def test_a_bibliography_or_descriptor_over_the_size_limit_is_refused(project):
    """references.bib and datapackage.json are read whole too: the same bound, one line each."""
    from analysis.data import MAX_FILE_BYTES
    bib = project / "references.bib"
    bib.write_text(bib.read_text(encoding="utf-8") + "% padding\n" * (MAX_FILE_BYTES // 10 + 1),
                   encoding="utf-8")
    msg = one_problem(check(project), "references.bib")
    assert "MB" in msg and "at most" in msg, msg
    desc = project / "data" / "datapackage.json"
    desc.write_text(desc.read_text(encoding="utf-8") + " " * (MAX_FILE_BYTES + 1), encoding="utf-8")
    msg = one_problem(check(project), "data/datapackage.json")
    assert "MB" in msg, msg


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


# ----------------------------------------------------- point 6: renderer ----

def render(root: Path, tmp: Path, *args: str, timeout: float = 300, **env: str) -> subprocess.CompletedProcess:
    return run([sys.executable, "-m", "render", *args], root, clean_env(tmp / "tmp", **env), timeout=timeout)


def leftovers(tmpdir: Path) -> list[str]:
    return sorted(p.name for p in tmpdir.iterdir()) if tmpdir.exists() else []


def doc(root: Path, name: str, code: str, fmt: str = "html") -> Path:
    path = root / name
    path.write_text(f"---\ntitle: Limits\nformat: {fmt}\n---\n\n# One\n\nText.\n\n"
                    f"```{{python}}\n#| label: big\n{code}\n```\n", encoding="utf-8")
    return path


def with_previous_output(root: Path) -> dict[str, bytes]:
    out = root / "_output"
    out.mkdir(exist_ok=True)
    (out / "report.html").write_bytes(SENTINEL)
    (out / "notes.txt").write_bytes(b"kept\n")
    return snapshot_dir(out)


def snapshot_dir(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def test_a_cell_that_prints_too_much_is_stopped_with_a_clear_error(project, tmp_path):
    """A cell printing 50 MB took 14.7 GB of memory; now it stops at the cap, named."""
    from render.execute import MAX_CELL_OUTPUT_BYTES
    before = with_previous_output(project)
    chunk = MAX_CELL_OUTPUT_BYTES // 20
    n = 50 * 1_000_000 // chunk  # 50 MB in all, as in the attack
    doc(project, "loud.qmd", f"for i in range({n}):\n    print('x' * {chunk - 1})")
    t0 = time.monotonic()
    proc = render(project, tmp_path, "loud.qmd")
    took = time.monotonic() - t0
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert "render failed: loud.qmd:" in proc.stderr and "cell 'big'" in proc.stderr, proc.stderr
    assert f"{MAX_CELL_OUTPUT_BYTES / 1e6:g} MB" in proc.stderr, proc.stderr
    assert snapshot_dir(project / "_output") == before
    assert leftovers(tmp_path / "tmp") == []
    assert took < 120, took


def test_the_cell_timeout_is_configurable_and_names_the_cell(project, tmp_path):
    before = with_previous_output(project)
    doc(project, "slow.qmd", "import time\ntime.sleep(60)")
    t0 = time.monotonic()
    proc = render(project, tmp_path, "slow.qmd", RENDER_CELL_TIMEOUT="2")
    took = time.monotonic() - t0
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    err = [ln for ln in proc.stderr.splitlines() if ln.startswith("render failed:")]
    assert len(err) == 1, proc.stderr
    assert err[0].startswith("render failed: slow.qmd:10: cell 'big'"), proc.stderr
    assert "after 2 s" in err[0] and "RENDER_CELL_TIMEOUT" in err[0], proc.stderr
    assert took < 45, took
    assert snapshot_dir(project / "_output") == before
    assert leftovers(tmp_path / "tmp") == []


def test_a_bad_cell_timeout_is_refused_before_any_kernel_starts(project, tmp_path):
    doc(project, "ok.qmd", "1 + 1")
    proc = render(project, tmp_path, "ok.qmd", RENDER_CELL_TIMEOUT="ten")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "RENDER_CELL_TIMEOUT=ten" in proc.stderr, proc.stderr


# ------------------------------------------- point 4: all outputs or none ----

def small_docs(root: Path, kb: int = 0) -> list[Path]:
    """Three documents, four outputs; with ``kb``, each HTML carries that much printed text."""
    code = f"print('0123456789' * {kb * 100})" if kb else "1 + 1"
    return [doc(root, "one.qmd", code), doc(root, "two.qmd", code),
            doc(root, "three.qmd", code, fmt="\n  html: default\n  ipynb: default")]


def no_staging_left(out: Path) -> None:
    assert not [p.name for p in out.parent.iterdir() if ".staging-" in p.name or p.name.endswith(".previous")]
    if out.exists():
        assert not [p.name for p in out.iterdir() if p.name.startswith(".")], sorted(os.listdir(out))


@pytest.mark.parametrize("fail_at", [1, 3])
def test_a_failure_while_publishing_leaves_the_output_folder_as_it_was(project, tmp_path, monkeypatch, fail_at):
    """Disk full after some outputs are written (simulated in-process: the `fail_at`-th
    file written while publishing raises ENOSPC): before, report and handout were new,
    slides and index old, and a .slides.html.part was left."""
    import errno

    from render import pipeline
    before = with_previous_output(project)
    docs = small_docs(project)
    real, calls = shutil.copyfile, []

    def copyfile(src, dst, *a, **kw):
        if Path(dst).parent.resolve() in (project.resolve(), (project / "_output").resolve()) \
                or ".staging-" in str(dst):  # a file written into or beside _output
            calls.append(Path(dst).name)
            if len(calls) == fail_at:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))
        return real(src, dst, *a, **kw)
    monkeypatch.setattr(shutil, "copyfile", copyfile)
    from render.errors import RenderError
    with pytest.raises(RenderError) as info:
        pipeline.render(docs, root=project, outdir=project / "_output", quiet=True, use_cache=False)
    assert str(info.value).startswith("_output: writing "), str(info.value)
    assert "No space left on device" in str(info.value)
    assert snapshot_dir(project / "_output") == before
    no_staging_left(project / "_output")


def test_a_successful_render_publishes_every_output_and_keeps_older_files(project, tmp_path):
    before = with_previous_output(project)
    small_docs(project)
    proc = render(project, tmp_path, "one.qmd", "two.qmd", "three.qmd", "--quiet")
    assert proc.returncode == 0, proc.stderr
    after = snapshot_dir(project / "_output")
    assert sorted(after) == sorted([*before, "one.html", "two.html", "three.html", "three.ipynb"])
    assert after["notes.txt"] == before["notes.txt"] and after["report.html"] == before["report.html"]
    no_staging_left(project / "_output")
    assert leftovers(tmp_path / "tmp") == []


class Mount:
    """A tmpfs mounted on ``path`` for the test (root only; skips otherwise)."""

    def __init__(self, path: Path, options: str):
        path.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here (needs root): {proc.stderr.strip()}")
        self.path = path

    def close(self):
        subprocess.run(["umount", "-l", str(self.path)], check=False)


@pytest.mark.parametrize("where", ["on _output", "on the project"])
def test_a_full_disk_leaves_the_output_folder_as_it_was(project, tmp_path, where):
    """The attack itself: a small tmpfs (on _output/, or holding the whole project) that
    fills up while the outputs are published. Before: a traceback, some outputs new and
    some old, a .part file left behind."""
    if where == "on _output":
        root = project
        mount = Mount(root / "_output", "size=600k")
    else:
        size = sum(p.stat().st_size + 4096 for p in project.rglob("*"))
        mount = Mount(tmp_path / "disk", f"size={size // 1024 + 600}k")
        root = mount.path / "project"
        shutil.copytree(project, root)
    try:
        before = with_previous_output(root)
        (root / "_output" / "one.html").write_bytes(b"old one\n")
        before = snapshot_dir(root / "_output")
        free = shutil.disk_usage(root / "_output").free
        small_docs(root, kb=int(free / 1024 / 3 + 50))  # each output a third of the free space and more
        proc = render(root, tmp_path, "one.qmd", "two.qmd", "three.qmd", "--quiet")
        assert proc.returncode == 1, proc.stderr[-2000:]
        assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
        lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("render failed:")]
        assert len(lines) == 1 and lines[0].startswith("render failed: _output: writing "), proc.stderr
        assert lines[0].endswith("No space left on device"), proc.stderr
        assert snapshot_dir(root / "_output") == before
        no_staging_left(root / "_output")
        assert leftovers(tmp_path / "tmp") == []
    finally:
        mount.close()


def test_a_read_only_output_folder_gives_one_line(project, tmp_path):
    before = with_previous_output(project)
    small_docs(project)
    out = project / "_output"
    mount = None
    if os.geteuid() == 0:  # root writes through permissions: make it a read-only file system
        keep = tmp_path / "keep"
        shutil.copytree(out, keep)
        mount = Mount(out, "ro,size=1m")
        subprocess.run(["mount", "-o", "remount,rw", str(out)], check=True)
        for p in keep.iterdir():
            shutil.copy2(p, out / p.name)
        subprocess.run(["mount", "-o", "remount,ro", str(out)], check=True)
    else:
        out.chmod(0o555)
    try:
        proc = render(project, tmp_path, "one.qmd", "--quiet")
        assert proc.returncode == 1, proc.stderr
        assert "Traceback" not in proc.stderr, proc.stderr
        first = next(ln for ln in proc.stderr.splitlines() if ln.startswith("render failed:"))
        assert first.startswith("render failed: _output:") and "read-only" in first.lower(), proc.stderr
        assert snapshot_dir(out) == before
    finally:
        if mount:
            mount.close()
        else:
            out.chmod(0o755)


def test_a_parameter_value_too_long_for_a_file_name_gives_one_line(project, tmp_path):
    """-P r:0.3000...0 (240 characters) is a valid r, but report-r0.3000...html is not a
    valid file name: before, an OSError traceback."""
    value = "0." + "3" * 238
    proc = render(project, tmp_path, "report.qmd", "-P", f"r:{value}", "--quiet")
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    first = next(ln for ln in proc.stderr.splitlines() if ln.startswith("render failed:"))
    assert first.startswith("render failed: report.qmd: output name report-r0.333"), first
    assert "longer than a file name may be" in first, first
    assert leftovers(tmp_path / "tmp") == []


def test_sigterm_stops_the_render_and_removes_staging_folders(project, tmp_path):
    """SIGTERM (what `kill`, systemd and CI runners send) to a running render: staging
    folders are removed and the kernel stopped. Before, Python's default for SIGTERM
    exited at once and left the staging folder in TMPDIR (81 MB with 200,000 rows)."""
    from tests.test_trust import alive
    (project / "slow.qmd").write_text(SLOW, encoding="utf-8")
    small_docs(project)
    before = with_previous_output(project)
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    err = tmp_path / "stderr.txt"
    pidfile = project / "kernel.pid"
    kernel = None
    with open(err, "w") as fh:  # one.qmd, two.qmd finish and are staged while slow.qmd runs
        proc = subprocess.Popen([sys.executable, "-m", "render", "one.qmd", "two.qmd", "slow.qmd"],
                                cwd=project, env=clean_env(tmpdir), stdout=subprocess.DEVNULL, stderr=fh)
    try:
        deadline = time.monotonic() + 60
        while not (pidfile.exists() and pidfile.read_text().strip()):
            assert proc.poll() is None, err.read_text()
            assert time.monotonic() < deadline, "the kernel never started the slow cell"
            time.sleep(0.1)
        kernel = int(pidfile.read_text())
        time.sleep(1.0)
        assert leftovers(tmpdir), "no staging folder to clean up: the test would prove nothing"
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pytest.fail("render did not exit within 15 s of SIGTERM")
        stderr = err.read_text()
        assert code == 143, stderr
        assert "Traceback" not in stderr, stderr
        assert "render stopped (SIGTERM): nothing in the output folder was changed." in stderr
        assert snapshot_dir(project / "_output") == before
        assert leftovers(tmpdir) == [], "staging folders left behind"
        deadline = time.monotonic() + 10
        while alive(kernel) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(kernel), f"kernel {kernel} outlived the render"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if kernel and alive(kernel):
            os.kill(kernel, signal.SIGKILL)


# ------------------------------------ point 7: YAML errors keep their line ----

def _break_yaml(root: Path, name: str, after: str, bad: str) -> int:
    """Insert ``bad`` after the first line starting with ``after``; return its line number."""
    path = root / name
    lines = path.read_text(encoding="utf-8").split("\n")
    i = next(i for i, ln in enumerate(lines) if ln.startswith(after)) + 1
    lines.insert(i, bad)
    path.write_text("\n".join(lines), encoding="utf-8")
    return i + 1


@pytest.mark.parametrize("name,after,bad", [
    ("_quarto.yml", "project:", "  render-extra: [unclosed"),
    ("CITATION.cff", "title:", "abstract: \"unclosed"),
    ("CITATION.cff", "title:", "\tkeywords: tab"),
])
def test_malformed_yaml_keeps_its_line_through_make_report(project, tmp_path, name, after, bad):
    """make report's recipe (tools/report.sh: the data check, then the render) on a
    malformed _quarto.yml or CITATION.cff: the message names the file and the line.
    Before, the data check said only 'not valid YAML: while parsing a flow sequence'."""
    (project / "tools").mkdir()
    shutil.copy2(ROOT / "tools" / "report.sh", project / "tools" / "report.sh")
    before = with_previous_output(project)
    line = _break_yaml(project, name, after, bad)
    proc = run(["bash", "tools/report.sh"], project,
               clean_env(tmp_path / "tmp", BIN=str(Path(sys.executable).parent), OFFLINE="1", OUT="_output"))
    assert proc.returncode != 0, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    assert f"{name}, line {line}: not valid YAML" in proc.stderr, proc.stderr
    assert snapshot_dir(project / "_output") == before


# ----------------------------- point 4 with real Quarto: tools/report.sh ----

TINY_PROJECT = """project:
  type: default
  output-dir: _output
  render:
    - a.qmd
    - b.qmd
site-url: ""
"""
TINY_A = "---\ntitle: A\nformat: html\n---\n\nFirst document.\n"
TINY_B = "---\ntitle: B\nformat: html\njupyter: python3\n---\n\nSecond document.\n\n```{{python}}\n{code}\n```\n"


def quarto_project(project: Path, code: str) -> tuple[Path, dict]:
    """The project's data, analysis and report.sh with two small documents for Quarto;
    `make report`'s environment for tools/report.sh with Quarto on PATH."""
    from tests.renderers import INSTALL_HINT, quarto_command, unavailable
    quarto = quarto_command()
    if quarto is None:
        unavailable("Quarto is not installed", INSTALL_HINT)
    (project / "tools").mkdir(exist_ok=True)
    shutil.copy2(ROOT / "tools" / "report.sh", project / "tools" / "report.sh")
    (project / "_quarto.yml").write_text(TINY_PROJECT, encoding="utf-8")
    (project / "a.qmd").write_text(TINY_A, encoding="utf-8")
    (project / "b.qmd").write_text(TINY_B.format(code=code), encoding="utf-8")
    env = clean_env(project.parent / "tmp", BIN=str(Path(sys.executable).parent), OUT="_output",
                    QUARTO_PYTHON=sys.executable)
    env["PATH"] = os.pathsep.join([str(Path(quarto).parent), env.get("PATH", "")])
    return project, env


def no_quarto_staging(root: Path) -> None:
    assert not [p.name for p in root.iterdir() if ".quarto-" in p.name or ".staging-" in p.name]
    assert not [p.name for p in root.iterdir() if p.name.endswith("_files")]


@pytest.mark.quarto
def test_quarto_renders_into_a_staging_folder_and_publishes_on_success(project):
    root, env = quarto_project(project, "print(1 + 1)")
    before = with_previous_output(root)
    proc = run(["bash", "tools/report.sh"], root, env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    after = snapshot_dir(root / "_output")
    top = {name.split("/")[0] for name in after}  # without embed-resources: a_files/ and b_files/ too
    assert top == {*before, "a.html", "b.html", "a_files", "b_files"}, sorted(top)
    assert after["notes.txt"] == before["notes.txt"]
    assert b"Second document" in after["b.html"]
    no_quarto_staging(root)


@pytest.mark.quarto
def test_a_failed_quarto_render_leaves_the_output_folder_as_it_was(project):
    """Quarto wrote into _output/ itself: a.qmd's output was new while b.qmd failed."""
    root, env = quarto_project(project, "raise RuntimeError('planted failure')")
    (root / "_output").mkdir()
    (root / "_output" / "a.html").write_bytes(b"previous a\n")
    before = with_previous_output(root)
    proc = run(["bash", "tools/report.sh"], root, env, timeout=600)
    assert proc.returncode != 0, proc.stderr[-3000:]
    assert "planted failure" in proc.stderr + proc.stdout
    assert snapshot_dir(root / "_output") == before
    no_quarto_staging(root)


@pytest.mark.quarto
def test_sigterm_during_a_quarto_render_removes_its_staging_folder(project):
    root, env = quarto_project(project, "import os, pathlib, time\n"
                                        "pathlib.Path('kernel.pid').write_text(str(os.getpid()))\n"
                                        "time.sleep(120)")
    before = with_previous_output(root)
    pidfile = root / "kernel.pid"
    proc = subprocess.Popen(["bash", "tools/report.sh"], cwd=root, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while not (pidfile.exists() and pidfile.read_text().strip()):
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "Quarto never reached the slow cell"
            time.sleep(0.2)
        assert [p for p in root.iterdir() if ".quarto-" in p.name], "no staging folder: nothing to test"
        os.killpg(proc.pid, signal.SIGTERM)  # as a terminal or CI runner stops a job
        code = proc.wait(timeout=60)
        assert code != 0
        assert snapshot_dir(root / "_output") == before
        no_quarto_staging(root)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if pidfile.exists():
            from tests.test_trust import alive
            pid = int(pidfile.read_text() or 0)
            if pid and alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_a_full_temporary_folder_gives_one_line(project, tmp_path):
    """TMPDIR fills up while the documents are converted: one line naming the
    temporary folder (Python names no file for a failed write), nothing published."""
    before = with_previous_output(project)
    doc(project, "big.qmd", "print('0123456789' * 40000)")
    mount = Mount(tmp_path / "smalltmp", "size=200k")
    try:
        env = clean_env(None)
        env["TMPDIR"] = str(mount.path)
        proc = run([sys.executable, "-m", "render", "big.qmd", "--quiet"], project, env)
        assert proc.returncode == 1, proc.stderr
        assert "Traceback" not in proc.stderr, proc.stderr
        first = next(ln for ln in proc.stderr.splitlines() if ln.startswith("render failed:"))
        assert f"in the temporary folder {mount.path} (TMPDIR): No space left on device" in first, first
        assert snapshot_dir(project / "_output") == before
        assert leftovers(mount.path) == []
    finally:
        mount.close()
