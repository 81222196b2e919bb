"""Hostile inputs through the bibliography and the data package's paths (issue 26,
points 1 and 5, and point 7's missing bibliography entry).

pandoc reads every field of references.bib as LaTeX: a title
``\\includegraphics{/etc/passwd}`` became an image that the offline renderer
embedded into slides.html as a data URI, ``\\includegraphics{http://...}`` was
fetched, and ``\\href{javascript:...}{...}`` became a live link in report.html and
report.pdf. Two lines of defence, each tested here with the attack planted in a
temporary copy of the project:

1. the data check (``python -m analysis check``, which ``make report`` runs before
   either renderer) parses references.bib, allows only the harmless LaTeX commands
   and refuses everything else, url/doi fields that are not http(s) or a DOI, and
   keys that data/sources.csv or a document cites but the file lacks: one line
   each, naming references.bib (or data/sources.csv) with line and entry;
2. the offline renderer checks what comes out of citeproc, in HTML, Typst and
   reveal.js alike: no image, no file and no non-http(s) link from a bibliography
   entry, no javascript:/data:/file:/vbscript: link anywhere; the error names
   references.bib, the line and the entry, and nothing is fetched or embedded.

Point 5: a resource path in data/datapackage.json that leaves data/ (``..``,
absolute, a symlink whose target lies outside) is refused, so every file the
analysis reads is one the render cache keys on.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.test_trust import ROOT, clean_env, commit_epoch, problem_paragraphs, run
from tests.test_trust import data_check as check

ENTRY = "younger2013fibromyalgia"  # cited by data/sources.csv and by report.qmd
TITLE = "title   = {Low-Dose Naltrexone for the Treatment of Fibromyalgia: Findings"
PASSWD_B64 = b"cm9vdDp4OjA6MDpyb290"  # base64 of "root:x:0:0:root", /etc/passwd's first line


def set_title(root: Path, prefix: str, key: str = ENTRY) -> int:
    """Put ``prefix`` at the start of entry ``key``'s title; return the title's line."""
    bib = root / "references.bib"
    text = bib.read_text(encoding="utf-8")
    start = text.index("{" + key + ",")
    pos = text.index("title", start)
    brace = text.index("{", pos)
    text = text[:brace + 1] + prefix + " " + text[brace + 1:]
    bib.write_text(text, encoding="utf-8")
    return text[:pos].count("\n") + 1


def add_field(root: Path, field: str, value: str, key: str = ENTRY) -> int:
    """Add ``field = {value}`` as the first field of entry ``key``; return its line."""
    bib = root / "references.bib"
    text = bib.read_text(encoding="utf-8")
    start = text.index("{" + key + ",") + len(key) + 2
    text = text[:start] + f"\n  {field} = {{{value}}}," + text[start:]
    bib.write_text(text, encoding="utf-8")
    return text[:start].count("\n") + 2


def entry_line(root: Path, key: str = ENTRY) -> int:
    text = (root / "references.bib").read_text(encoding="utf-8")
    return text[:text.index("{" + key + ",")].count("\n") + 1


class Listener:
    """A local TCP listener that records every connection (a fetch would be one)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.hits: list[bytes] = []
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            try:
                conn.settimeout(1)
                self.hits.append(conn.recv(200) or b"(connected)")
            except OSError:
                self.hits.append(b"(connected)")
            finally:
                conn.close()

    def close(self):
        self._stop = True
        self._thread.join()
        self.sock.close()


@pytest.fixture
def listener():
    lst = Listener()
    yield lst
    lst.close()


# ------------------------------------------------------- 1. the data check ----

# (id, how to plant it, words the one problem line must hold)
TITLE_ATTACKS = [
    ("includegraphics /etc/passwd", r"\includegraphics{/etc/passwd}", [r"\includegraphics"]),
    ("includegraphics remote", r"\includegraphics{http://127.0.0.1:8765/pixel.png}", [r"\includegraphics"]),
    ("href javascript", r"\href{javascript:alert(2)}{clickme}", [r"\href"]),
    ("url file", r"\url{file:///etc/passwd}", [r"\url"]),
    ("input", r"\input{/etc/passwd}", [r"\input"]),
    ("include", r"\include{../secret}", [r"\include"]),
    ("import", r"\import{/etc/}{passwd}", [r"\import"]),
    ("verbatiminput", r"\verbatiminput{/etc/passwd}", [r"\verbatiminput"]),
    ("spaced", r"\includegraphics [width=1cm] {/etc/passwd}", [r"\includegraphics"]),
    ("csname", r"\csname includegraphics\endcsname{/etc/passwd}", [r"\csname"]),
    ("newcommand", r"\newcommand{\x}{y}", [r"\newcommand"]),
    ("in math", r"$\href{javascript:alert(1)}{x}$", [r"\href"]),
    ("caret notation", r"^^5cincludegraphics{/etc/passwd}", ["^^"]),
]


@pytest.mark.parametrize("plant,needles", [a[1:] for a in TITLE_ATTACKS], ids=[a[0] for a in TITLE_ATTACKS])
def test_latex_commands_in_the_bibliography_are_refused(project, plant, needles):
    line = set_title(project, plant)
    proc = check(project)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    ours = [p for p in problem_paragraphs(proc.stderr) if p.startswith("- references.bib")]
    assert len(ours) == 1, proc.stderr
    msg = ours[0]
    assert "\n" not in msg
    assert f"references.bib, line {line}" in msg, msg
    assert f"entry '{ENTRY}'" in msg and "field 'title'" in msg, msg
    for needle in needles:
        assert needle in msg, msg


def test_the_real_bibliography_passes_and_its_commands_are_allowed(project):
    """Control: the shipped references.bib uses accents and \\& and passes."""
    text = (project / "references.bib").read_text(encoding="utf-8")
    assert "\\&" in text and "{\\'i}" in text and "\\c{c}" in text
    proc = check(project)
    assert proc.returncode == 0, proc.stderr


LINK_FIELDS = [
    ("url javascript", "url", "javascript:alert(1)"),
    ("url file", "url", "file:///etc/passwd"),
    ("url data", "url", "data:text/html,<script>alert(1)</script>"),
    ("url vbscript", "url", "vbscript:msgbox(1)"),
    ("url without scheme", "url", "//127.0.0.1:8765/x"),
    ("doi javascript", "doi", "javascript:alert(1)"),
    ("doi not a doi", "doi", "https://127.0.0.1:8765/x"),
    ("doi with space", "doi", "10.1000/x y"),
    ("pmid", "pmid", "123 javascript:alert(1)"),
]


@pytest.mark.parametrize("field,value", [a[1:] for a in LINK_FIELDS], ids=[a[0] for a in LINK_FIELDS])
def test_links_in_the_bibliography_are_http_or_doi(project, field, value):
    line = add_field(project, field, value)
    proc = check(project)
    assert proc.returncode == 2, proc.stderr
    ours = [p for p in problem_paragraphs(proc.stderr) if p.startswith("- references.bib")]
    assert len(ours) == 1, proc.stderr
    assert f"references.bib, line {line} (entry '{ENTRY}'), field '{field}'" in ours[0], ours[0]


MALFORMED = [
    ("unclosed brace", lambda root: set_title(root, "{Unclosed"), "never closed"),
    ("at sign in a comment", lambda root: (root / "references.bib").write_text(
        "% ask someone@example.org\n" + (root / "references.bib").read_text(encoding="utf-8"),
        encoding="utf-8") and 1, "'@example'"),
    ("string macro", lambda root: add_field(root, "journal", "x} # {y"), "'#'"),
]


@pytest.mark.parametrize("plant,needle", [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_a_malformed_bibliography_is_reported_against_it(project, plant, needle):
    """What pandoc cannot read (its error named the document being rendered) is one
    problem named against references.bib, not a cascade of missing keys."""
    plant(project)
    proc = check(project)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    ours = problem_paragraphs(proc.stderr)
    assert len(ours) == 1 and ours[0].startswith("- references.bib, line "), proc.stderr
    assert needle in ours[0], ours[0]


def test_a_duplicate_key_is_refused(project):
    bib = project / "references.bib"
    text = bib.read_text(encoding="utf-8")
    m = re.search(r"^@article\{" + ENTRY + r",.*?^\}\n", text, re.M | re.S)
    bib.write_text(text + "\n" + m.group(0), encoding="utf-8")
    proc = check(project)
    assert proc.returncode == 2, proc.stderr
    ours = [p for p in problem_paragraphs(proc.stderr) if p.startswith("- references.bib")]
    assert len(ours) == 1 and f"'{ENTRY}'" in ours[0] and "twice" in ours[0], proc.stderr


def test_a_key_cited_by_data_is_reported_against_sources_csv(project):
    bib = project / "references.bib"
    bib.write_text(bib.read_text(encoding="utf-8").replace("{" + ENTRY + ",", "{renamed2013,"),
                   encoding="utf-8")
    proc = check(project)
    assert proc.returncode == 2, proc.stderr
    msgs = [p for p in problem_paragraphs(proc.stderr) if p.startswith("- data/sources.csv")]
    assert len(msgs) == 1, proc.stderr
    assert ENTRY in msgs[0] and "field 'bib_key'" in msgs[0] and "references.bib" in msgs[0], msgs[0]


def test_a_key_cited_by_a_document_is_reported_against_references_bib(project):
    """Point 7: an entry the report cites in its prose, gone from references.bib, stopped
    the offline render with 'report.qmd: citation: ... not found' (and Quarto renders
    '?@key' and exits 0); the check names references.bib and where it is cited."""
    key = "sterne2019rob2"
    qmd = (project / "report.qmd").read_text(encoding="utf-8")
    assert f"@{key}" in qmd
    cited_at = next(i for i, ln in enumerate(qmd.splitlines(), 1) if f"@{key}" in ln)
    bib = project / "references.bib"
    bib.write_text(bib.read_text(encoding="utf-8").replace("{" + key + ",", "{renamed2019,"),
                   encoding="utf-8")
    proc = check(project)
    assert proc.returncode == 2, proc.stderr
    msgs = [p for p in problem_paragraphs(proc.stderr) if key in p]
    assert len(msgs) == 1, proc.stderr
    assert msgs[0].startswith("- references.bib:") or msgs[0].startswith("- references.bib,"), msgs[0]
    assert f"report.qmd, line {cited_at}" in msgs[0], msgs[0]


def test_make_report_stops_at_the_check_before_quarto(project, tmp_path):
    """With Quarto on PATH, the data check is what protects the Quarto render:
    tools/report.sh stops there and never calls quarto."""
    shutil.copytree(ROOT / "tools", project / "tools")
    set_title(project, r"\includegraphics{/etc/passwd}")
    fake = tmp_path / "bin"
    fake.mkdir()
    log = tmp_path / "quarto.log"
    (fake / "quarto").write_text(f'#!/bin/sh\necho "$@" >> "{log}"\necho 1.10.18\n')
    (fake / "quarto").chmod(0o755)
    env = clean_env(tmp_path / "tmp", BIN=str(Path(sys.executable).parent),
                    PATH=f"{fake}{os.pathsep}{os.environ['PATH']}")
    proc = run(["bash", "tools/report.sh"], project, env)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "references.bib, line" in proc.stderr and r"\includegraphics" in proc.stderr
    assert not log.exists(), log.read_text()


# --------------------------------------- 2. the offline renderer, after citeproc ----

def cite_doc(root: Path, fmt: str, key: str = ENTRY) -> str:
    """A small document citing ``key``, rendered to ``fmt`` with the project's settings."""
    extra = "\n    auto-stretch: false" if fmt == "revealjs" else ""
    cite = "\n    citeproc: true" if fmt == "typst" else ""
    (root / "t.qmd").write_text(f"---\ntitle: T\nformat:\n  {fmt}:\n    echo: false{extra}{cite}\n---\n\n"
                                f"## One\n\nText [@{key}].\n", encoding="utf-8")
    if fmt == "revealjs":
        (root / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    return "t.qmd"


def render(root: Path, doc: str, tmp_path: Path) -> subprocess.CompletedProcess:
    return run([sys.executable, "-m", "render", doc, "--out", str(root / "_output")], root,
               clean_env(tmp_path / "tmp", SOURCE_DATE_EPOCH=commit_epoch()), timeout=300)


FORMATS = [("html", "t.html"), ("typst", "t.pdf"), ("revealjs", "t.html")]
RENDER_ATTACKS = [
    ("passwd", r"\includegraphics{/etc/passwd}"),
    ("remote image", r"\includegraphics{http://127.0.0.1:PORT/pixel.png}"),
    ("javascript link", r"\href{javascript:alert(2)}{clickme}"),
    ("file link", r"\url{file:///etc/passwd}"),
]


@pytest.mark.render
@pytest.mark.parametrize("fmt,out", FORMATS, ids=[f[0] for f in FORMATS])
@pytest.mark.parametrize("plant", [a[1] for a in RENDER_ATTACKS], ids=[a[0] for a in RENDER_ATTACKS])
def test_renderer_checks_what_citeproc_made(project, tmp_path, listener, fmt, out, plant):
    """The second line of defence, with the data check bypassed: a hostile entry stops
    the render with one line naming references.bib and the entry; nothing is fetched,
    /etc/passwd is not embedded and no javascript: link is written."""
    if fmt == "revealjs":
        from render.pipeline import reveal_installed
        if not reveal_installed(ROOT):
            pytest.skip("reveal.js is not installed (npm ci)")
    set_title(project, plant.replace("PORT", str(listener.port)))
    line = entry_line(project)
    doc = cite_doc(project, fmt)
    proc = render(project, doc, tmp_path)
    assert listener.hits == [], f"the render fetched {listener.hits}"
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    first = next(ln for ln in proc.stderr.splitlines() if ln.startswith("render failed:"))
    assert first.startswith(f"render failed: references.bib:{line}: entry '{ENTRY}':"), first
    produced = project / "_output" / out
    assert not produced.exists()
    stage = list((tmp_path / "tmp").glob("render-*"))
    assert stage == []
    for f in (project / "_output").glob("*") if (project / "_output").exists() else []:
        data = f.read_bytes()
        assert PASSWD_B64 not in data and b"root:x:0:0" not in data and b"javascript:" not in data


@pytest.mark.render
@pytest.mark.parametrize("fmt,out", FORMATS, ids=[f[0] for f in FORMATS])
def test_renderer_control_the_real_entry_renders(project, tmp_path, fmt, out):
    """Control for the test above: the same document with the entry as shipped renders."""
    if fmt == "revealjs":
        from render.pipeline import reveal_installed
        if not reveal_installed(ROOT):
            pytest.skip("reveal.js is not installed (npm ci)")
    doc = cite_doc(project, fmt)
    proc = render(project, doc, tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (project / "_output" / out).is_file()


URL_ENTRY = "holm1979simple"  # an article without DOI: the AMA style prints its url as a link
URL_FIELDS = [
    # pandoc's citeproc puts https:// before a url without '://', so 'javascript:alert(1)'
    # becomes a harmless https://javascript:alert(1); these two keep their scheme
    ("javascript comment", "javascript://%0aalert(1)"),
    ("file", "file:///etc/passwd"),
]


@pytest.mark.render
@pytest.mark.parametrize("fmt", ["html", "typst"])
@pytest.mark.parametrize("value", [u[1] for u in URL_FIELDS], ids=[u[0] for u in URL_FIELDS])
def test_renderer_refuses_a_url_field_that_is_not_http(project, tmp_path, fmt, value):
    """A url field, which citeproc turns into a link (no LaTeX at all)."""
    bib = project / "references.bib"
    text = bib.read_text(encoding="utf-8")
    old = "url     = {https://www.jstor.org/stable/4615733}"
    assert old in text
    bib.write_text(text.replace(old, f"url     = {{{value}}}"), encoding="utf-8")
    doc = cite_doc(project, fmt, key=URL_ENTRY)
    proc = render(project, doc, tmp_path)
    assert proc.returncode == 1, proc.stderr[-2000:]
    first = next(ln for ln in proc.stderr.splitlines() if ln.startswith("render failed:"))
    line = entry_line(project, URL_ENTRY)
    assert first.startswith(f"render failed: references.bib:{line}: entry '{URL_ENTRY}':"), first
    assert value in first, first
    assert not (project / "_output").exists()


DOC_LINKS = [
    ("markdown link", "[click](javascript:alert(1))", "javascript"),
    ("spaced scheme", "[click](java%09script:alert(1))", None),
    ("raw html link", '`<a href="javascript:alert(1)">click</a>`{=html}', "javascript"),
    ("raw html data link", '`<a href="data:text/html,x">click</a>`{=html}', "data"),
    ("file link", "[passwd](file:///etc/passwd)", "file"),
]


@pytest.mark.render
@pytest.mark.parametrize("body,scheme", [d[1:] for d in DOC_LINKS], ids=[d[0] for d in DOC_LINKS])
def test_renderer_refuses_script_and_file_links_anywhere(project, tmp_path, body, scheme):
    """Not only from the bibliography: no javascript:, vbscript:, data: or file: link
    reaches report.html, slides or a PDF from a document's prose or raw HTML either.
    (A percent-encoded scheme is no scheme: the browser reads it as a relative path.)"""
    (project / "t.qmd").write_text(f"---\ntitle: T\nformat: html\n---\n\n## One\n\nText {body}.\n",
                                   encoding="utf-8")
    proc = render(project, "t.qmd", tmp_path)
    if scheme is None:
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert b"javascript:" not in (project / "_output" / "t.html").read_bytes()
        return
    assert proc.returncode == 1, proc.stderr[-2000:]
    first = next(ln for ln in proc.stderr.splitlines() if ln.startswith("render failed:"))
    assert first.startswith("render failed: t.qmd:") and f"a {scheme}:" in first, first
    assert not (project / "_output").exists()


@pytest.mark.render
def test_renderer_names_references_bib_for_a_missing_entry(project, tmp_path):
    """Point 7, offline renderer: a citation of a key the bibliography lacks names
    references.bib and the line of the document that cites it."""
    (project / "t.qmd").write_text("---\ntitle: T\nformat: html\n---\n\n## One\n\nText [@nosuchkey2020].\n",
                                   encoding="utf-8")
    proc = render(project, "t.qmd", tmp_path)
    assert proc.returncode == 1, proc.stderr[-2000:]
    first = next(ln for ln in proc.stderr.splitlines() if ln.startswith("render failed:"))
    assert first.startswith("render failed: references.bib:"), first
    assert "'nosuchkey2020'" in first and "t.qmd, line 8" in first, first


# ------------------------------------------- 5. resource paths outside data/ ----

def set_path(root: Path, resource: str, path: str) -> None:
    import json
    desc_path = root / "data" / "datapackage.json"
    desc = json.loads(desc_path.read_text(encoding="utf-8"))
    for res in desc["resources"]:
        if res["name"] == resource:
            res["path"] = path
    desc_path.write_text(json.dumps(desc, indent=2), encoding="utf-8")


def plant_outside(root: Path, how: str) -> str:
    """Point resource 'sources' at a file outside data/ (a valid copy where one is
    needed, so that only the path can make the check refuse it)."""
    elsewhere = root / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    shutil.copy2(root / "data" / "sources.csv", elsewhere / "sources.csv")
    if how == "parent":
        set_path(root, "sources", "../elsewhere/sources.csv")
    elif how == "etc":
        set_path(root, "sources", "../../../../../../../../etc/passwd")
    elif how == "absolute":
        set_path(root, "sources", str(elsewhere / "sources.csv"))
    elif how == "inner dots":
        set_path(root, "sources", "./x/../../elsewhere/sources.csv")
    elif how == "symlink":
        (root / "data" / "sources.csv").unlink()
        (root / "data" / "sources.csv").symlink_to(elsewhere / "sources.csv")
    elif how == "symlinked folder":
        (root / "data" / "more").symlink_to(elsewhere, target_is_directory=True)
        set_path(root, "sources", "more/sources.csv")
    return "sources"


OUTSIDE = ["parent", "etc", "absolute", "inner dots", "symlink", "symlinked folder"]


@pytest.mark.parametrize("how", OUTSIDE)
def test_resource_paths_leaving_data_are_refused(project, how):
    resource = plant_outside(project, how)
    proc = check(project)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    ours = [p for p in problem_paragraphs(proc.stderr) if p.startswith("- data/datapackage.json")]
    assert len(ours) == 1, proc.stderr
    assert f"resource '{resource}'" in ours[0] and "leaves data/" in ours[0], ours[0]
    assert "\n" not in ours[0]


@pytest.mark.parametrize("how", OUTSIDE)
def test_every_file_the_analysis_reads_is_one_the_render_cache_keys_on(project, how, monkeypatch):
    """Point 5, the cache: the render cache keys on every file under data/ (and the
    project files in render.cache.DATA_FILES). A resource outside data/ was read and
    not keyed, so a changed file outside was served stale from the cache; now load()
    refuses it before opening it, and every file it opens for a valid package is keyed."""
    import builtins

    from analysis import data as D
    from render import cache

    opened: list[Path] = []
    real_open = builtins.open

    def spy(file, *a, **kw):
        opened.append(Path(file).resolve())
        return real_open(file, *a, **kw)

    def keyed(root: Path) -> set[Path]:
        files = {f.resolve() for d in cache.DATA_DIRS for f in cache._files(root / d)}
        return files | {(root / n).resolve() for n in cache.DATA_FILES}

    monkeypatch.setattr(D, "open", spy, raising=False)  # the files analysis.data opens
    for method in ("read_bytes", "read_text"):  # and those it reads whole (data files, as bytes)
        real = getattr(Path, method)

        def reader(self, *a, _real=real, **kw):
            opened.append(Path(self).resolve())
            return _real(self, *a, **kw)
        monkeypatch.setattr(Path, method, reader)
    D.load(project / "data")  # control: the shipped package
    assert opened and set(opened) <= keyed(project)
    plant_outside(project, how)
    opened.clear()
    with pytest.raises(D.DataError):
        D.load(project / "data")
    assert set(opened) <= keyed(project), sorted(set(opened) - keyed(project))


@pytest.mark.render
def test_render_refuses_a_resource_outside_data_instead_of_caching_it(project, tmp_path):
    """The issue's attack, through the offline renderer without the data check: sources
    read from a CSV outside data/. It rendered, and after that file changed the cached
    execution was reused and the old text republished; now the analysis refuses the
    path when the report's code loads the package, naming datapackage.json."""
    plant_outside(project, "parent")
    proc = render(project, "report.qmd", tmp_path)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert "data/datapackage.json, field 'path'" in proc.stderr and "resource 'sources'" in proc.stderr
    assert not (project / "_output").exists()
