"""Conformance against Quarto's own test documents (issue 18).

The corpus is a subset of quarto-cli v1.10.18's tests/docs (MIT licence,
tests/conformance/quarto-docs/COPYING.md), kept in the repository at
tests/conformance/quarto-docs/: the documents in DOCS and the files they name.
Each selected document is rendered by the offline renderer and by real Quarto,
each from its own copy of the document's folder, and classified:

- "refused": the offline renderer raised RenderError naming a construct and a
  file (or line): it declined what it does not implement. Passes.
- "crashed": any other exception. Fails.
- "same": what a reader sees of the main content agrees (headings, figure and
  table captions, cross-reference link texts, image alt texts, bibliography
  entries, the numbers in the text and the text itself, plus the title,
  subtitle and date of the title block), after folding whitespace and
  typography (tests/readable.py). For a Typst document, the PDFs' text. Passes.
- "wrong": rendered, but something above differs. Fails.

Documents known to be wrong or to crash are in KNOWN and marked
xfail(strict=True): the suite documents the gaps and flags when one is fixed.

Both renderers get the same input: the test-harness block `_quarto:` (which
Quarto ignores when rendering, see the corpus README) and the debugging options
`keep-md`/`keep-typ` (keep intermediate files; no effect on the output) are
removed from the copies' front matter, so that the documents test the
constructs they were written for rather than stopping at those keys.
"""
from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.readable import _Reader, normalise, numbers, pdf_text
from tests.renderers import INSTALL_HINT, ROOT, quarto_command, unavailable

pytestmark = [pytest.mark.render, pytest.mark.quarto]

CORPUS = ROOT / "tests" / "conformance" / "quarto-docs"
QUARTO_TIMEOUT = 120

# Relative to docs/ in the tarball; one reason each. HTML unless the document
# asks for Typst. Left out: R/Julia/OJS cells, LaTeX/PDF, docx, revealjs and
# the other formats' folders, brand extensions, documents needing the network.
DOCS: dict[str, str] = {
    # callouts
    "callouts.qmd": "callout types, titles, collapse and appearance",
    "smoke-all/callouts/a11y/issue-726.qmd": "callout accessibility markup",
    "smoke-all/typst/callout.qmd": "callouts in Typst",
    "smoke-all/typst/layout/overflowing-callout.qmd": "a long callout across a Typst page break",
    "smoke-all/crossrefs/callout/docx-callout-xref-1.qmd": "cross-reference to a callout",
    # cross-references
    "crossrefs/all.qmd": "figures, tables, sections, equations together",
    "crossrefs/simple.qmd": "the simplest figure cross-reference",
    "crossrefs/sections.qmd": "@sec- references with number-sections",
    "crossrefs/figure-syntax-img.qmd": "figure from an image with a label",
    "crossrefs/figure-syntax-img-no-caption.qmd": "labelled image without a caption",
    "crossrefs/figure-syntax-link.qmd": "figure image inside a link",
    "crossrefs/figure-syntax-div.qmd": "figure div",
    "crossrefs/tables.qmd": "table cross-references and captions",
    "crossrefs/unresolved.qmd": "a reference to a label that does not exist",
    "crossrefs/syntax.qmd": "@fig-, @Fig-, [Figure @fig-] and [-@fig-] forms (see EDITS)",
    "crossrefs/python.qmd": "a Python cell's figure with a label",
    "crossrefs/python-subfig.qmd": "a Python cell's subfigures",
    "crossrefs/equations.qmd": "equation labels",
    "crossrefs/theorems.qmd": "numbered theorem divs",
    "crossrefs/editor-support/unnumbered-crossrefs.qmd": "unnumbered sections referenced",
    "crossrefs/before-newcrossref-regression-tests/figure-syntax-img.qmd":
        "pre-1.4 figure from an image (regression)",
    "crossrefs/before-newcrossref-regression-tests/tables-simple.qmd":
        "pre-1.4 simple table captions (regression)",
    "crossrefs/v1.4/tables/markdown-table-caption.qmd": "a pipe table's caption with a label",
    "crossrefs/v1.4/remarks-solutions.qmd": "remark and solution divs",
    "smoke-all/crossrefs/float/fig-cap.qmd": "fig-cap on an image",
    "smoke-all/crossrefs/float/html/html-float-1.qmd": "figure floats in HTML",
    "smoke-all/crossrefs/float/html/html-float-2.qmd": "table floats in HTML",
    "smoke-all/crossrefs/float/html/html-float-3.qmd": "floats with markdown captions",
    "smoke-all/crossrefs/float/html/html-float-4.qmd": "floats referenced before definition",
    "smoke-all/crossrefs/float/html/html-float-5.qmd": "float variants",
    "smoke-all/crossrefs/float/html/html-float-6.qmd": "float variants",
    "smoke-all/crossrefs/float/html/html-float-caption-formatting-1.qmd":
        "formatting inside float captions",
    "smoke-all/crossrefs/float/html/html-jupyter-1.qmd": "a Jupyter cell's labelled figure",
    "smoke-all/crossrefs/float/html/html-jupyter-2.qmd": "a Jupyter cell's labelled table",
    "smoke-all/crossrefs/float/html/rawtablecaption.qmd": "a raw HTML table with a caption",
    "smoke-all/crossrefs/float/typst/typst-float-1.qmd": "figure floats in Typst",
    "smoke-all/crossrefs/float/typst/typst-float-2.qmd": "table floats in Typst",
    "smoke-all/crossrefs/float/typst/typst-float-3.qmd": "float variants in Typst",
    "smoke-all/crossrefs/float/typst/typst-jupyter-1.qmd": "a Jupyter figure in Typst",
    "smoke-all/crossrefs/theorem/theorem-1.qmd": "theorem cross-references in Typst",
    # citations
    "test-citeproc.qmd": "citeproc with a bibliography",
    "biblio/author.qmd": "authors in a bibliography entry",
    "smoke-all/citations/citeproc-refs-position.qmd": "where the references section goes",
    "smoke-all/typst/typst-citeproc.qmd": "citeproc in Typst",
    "smoke-all/typst/typst-no-citeproc.qmd": "Typst's own bibliography engine (no citeproc)",
    # dates, languages, title block
    "date/today.qmd": "date: today",
    "date/lastmodified.qmd": "date: last-modified",
    "date/fr.qmd": "a French date",
    "date/fr-CA.qmd": "a Canadian French date",
    "smoke-all/typst/typst-i18n.qmd": "lang in Typst",
    "doc-layout/title-block.qmd": "title block metadata",
    "empty-frontmatter.qmd": "empty front matter with a Python cell",
    # Jupyter cells and inline expressions
    "smoke-all/inline-execution/inline-jupyter.qmd": "inline Python expressions",
    "smoke-all/jupyter/title/qmd-title.qmd": "a title with Python cells",
    "smoke-all/jupyter/title/qmd-no-title.qmd": "no title, Python cells",
    "smoke-all/jupyter/error/display-error-false.qmd": "a cell raising an error",
    "smoke-all/jupyter/error/traceback.qmd": "a traceback in the output",
    "smoke-all/jupyter/fig-format/matplotlib-svg.qmd": "matplotlib figure as SVG",
    "smoke-all/jupyter/image-dimensions/matplotlib-png.qmd": "matplotlib PNG figure",
    "smoke-all/jupyter/image-dimensions/ipython-png.qmd": "IPython display of a PNG",
}

# Variants: one unrelated blocker removed from a document, the same edit for both
# renderers, so that it tests the construct it was written for. {path: (why, [(regex, replacement)])}
EDITS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "crossrefs/syntax.qmd": ("its test-marker divs (.figtest-*) are refused as unknown div classes; "
                             "the cross-references inside them are the subject",
                             [(r"(?m)^:::.*$\n?", "")]),
}

# Documents currently "wrong" or "crashed": {path: what differs}.
KNOWN: dict[str, str] = {}

# One line per document, printed at the end of the run (conftest.pytest_terminal_summary)
# and kept in test-artifacts/conformance.txt.
SUMMARY: list[str] = []


# ---------------------------------------------------------------- preparing

_HARNESS_KEYS = re.compile(r"^(\s*)(keep-md|keep-typ)\s*:.*$")


def strip_harness(text: str) -> str:
    """The front matter without the test-harness block `_quarto:` and the
    keep-md/keep-typ debugging options (comment lines kept)."""
    if not text.startswith("---"):
        return text
    lines = text.split("\n")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].rstrip() == "---")
    except StopIteration:
        return text
    out, skipping = [], False
    for line in lines[1:end]:
        if skipping:
            if line.strip() == "" or line[:1] in (" ", "\t"):
                continue
            skipping = False
        if re.match(r"^_quarto\s*:", line):
            skipping = True
            continue
        if _HARNESS_KEYS.match(line):
            continue
        out.append(line)
    # a format left with no options ("typst:" after "keep-typ" went) is "typst: default",
    # as Quarto's schema wants an object or a string there
    indent = lambda ln: len(ln) - len(ln.lstrip())  # noqa: E731
    for k, ln in enumerate(out):
        m = re.match(r"^(\s+)(html|typst|pdf|docx):\s*$", ln)
        nxt = next((x for x in out[k + 1:] if x.strip()), "")
        if m and indent(nxt) <= len(m.group(1)):
            out[k] = ln.rstrip() + " default"
    if not any(ln.strip() and not ln.lstrip().startswith("#") for ln in out):
        return "\n".join(lines[end + 1:])  # nothing left: no front matter at all
    return "\n".join([lines[0], *out, *lines[end:]])


def copy_doc(docs: Path, rel: str, dest: Path) -> Path:
    src = docs / rel
    shutil.copytree(src.parent, dest)
    target = dest / src.name
    text = strip_harness(src.read_text(encoding="utf-8"))
    for pattern, repl in EDITS.get(rel, ("", []))[1]:
        text, n = re.subn(pattern, repl, text)
        assert n, f"EDITS for {rel}: {pattern!r} matched nothing"
    target.write_text(text, encoding="utf-8")
    return target


def wants_typst(qmd: Path) -> bool:
    head = qmd.read_text(encoding="utf-8").split("\n---", 1)[0]
    m = re.search(r"^format:\s*(\S.*)?$((?:\n[ \t].*)*)", head, re.M)
    if not m:
        return False
    block = (m.group(1) or "") + m.group(2)
    return "typst" in block and "html" not in block


# ---------------------------------------------------------------- reading


class _Alts(_Reader):
    """readable.py's reader, plus image alt texts in the main content and the
    title block's title, subtitle and date."""

    def __init__(self):
        super().__init__()
        self.alts: list[str] = []
        self.meta: dict[str, list[str]] = {"title": [], "subtitle": [], "date": []}
        self._meta: list[list] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            inside = any(t == "main" for t, _ in self.stack)
            if inside and not any(t in self.SKIP for t, _ in self.stack):
                self.alts.append(normalise(a.get("alt") or ""))
        cls = (a.get("class") or "").split()
        if tag not in self.VOID:
            for key in self.meta:
                if key in cls:
                    self._meta.append([key, [], len(self.stack) + 1])
        super().handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        super().handle_endtag(tag)
        while self._meta and self._meta[-1][2] > len(self.stack):
            key, buf, _ = self._meta.pop()
            self.meta[key].append(normalise("".join(buf)))

    def handle_data(self, data):
        for m in self._meta:
            m[1].append(data)
        super().handle_data(data)


def read_html(path: Path) -> dict[str, list[str]]:
    r = _Alts()
    r.feed(path.read_text(encoding="utf-8"))
    r.close()
    p = r.page
    text = normalise(" ".join(p.text))
    return {
        # an empty heading (the offline title block's <h1> without a title) shows nothing
        "headings": [h for h in p.headings if h],
        "captions": p.captions,
        "cross-reference texts": [t for t, _ in p.xrefs],
        "image alt texts": r.alts,
        "bibliography": p.bibliography,
        "numbers": numbers(text),
        "text": text.split(" "),
        **{f"title block {k}": [x for x in v if x] for k, v in r.meta.items()},
    }


def read_pdf(path: Path) -> dict[str, list[str]]:
    text = pdf_text(path)
    return {"numbers": numbers(text), "text": text.split(" ")}


def differences(a: dict[str, list[str]], b: dict[str, list[str]]) -> list[str]:
    out = []
    for key in a:
        if a[key] == b.get(key):
            continue
        ops = [f"offline {a[key][i1:i2][:8]} / quarto {b[key][j1:j2][:8]}"
               for op, i1, i2, j1, j2 in difflib.SequenceMatcher(
                   a=a[key], b=b[key], autojunk=False).get_opcodes() if op != "equal"]
        out.append(f"{key}: " + "; ".join(ops[:4]))
    return out


# ---------------------------------------------------------------- rendering


@dataclass
class Outcome:
    kind: str  # same | refused | wrong | crashed
    detail: str


def render_offline(docs: Path, rel: str, work: Path):
    """(output file, None) or (None, Outcome) for a refusal or crash."""
    from render.errors import RenderError
    from render.pipeline import render

    qmd = copy_doc(docs, rel, work / "offline-src")
    out = work / "offline-out"
    try:
        render([qmd], root=qmd.parent, outdir=out, quiet=True, use_cache=False)
    except RenderError as exc:
        if exc.construct and (exc.line or exc.file):
            return None, Outcome("refused", str(exc))
        return None, Outcome("crashed", f"RenderError without construct/place: {exc!r}")
    except Exception as exc:  # noqa: BLE001 - any other exception is a crash
        return None, Outcome("crashed", f"{type(exc).__name__}: {exc}"[:2000])
    ext = ".pdf" if wants_typst(qmd) else ".html"
    files = [p for p in out.iterdir() if p.suffix == ext] if out.exists() else []
    if not files:
        return None, Outcome("crashed", f"no {ext} output: {sorted(os.listdir(out))}")
    return files[0], None


def render_quarto(docs: Path, rel: str, work: Path, quarto: str):
    qmd = copy_doc(docs, rel, work / "quarto-src")
    to = "typst" if wants_typst(qmd) else "html"
    env = {**os.environ, "QUARTO_PYTHON": sys.executable}
    env.pop("SOURCE_DATE_EPOCH", None)  # the offline renderer sets it in this process
    try:
        proc = subprocess.run([quarto, "render", qmd.name, "--to", to], cwd=qmd.parent, env=env,
                              capture_output=True, text=True, timeout=QUARTO_TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, f"quarto timed out after {QUARTO_TIMEOUT} s"
    ext = ".pdf" if to == "typst" else ".html"
    hits = sorted(qmd.parent.rglob(qmd.stem + ext), key=lambda p: len(p.parts))
    if proc.returncode != 0 or not hits:
        return None, f"quarto render failed ({proc.returncode}): {proc.stderr[-1500:]}"
    return hits[0], None


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    quarto = quarto_command()
    if quarto is None:
        unavailable("Quarto is not installed", INSTALL_HINT)
    base = tmp_path_factory.mktemp("conformance")
    docs = CORPUS

    t0 = time.perf_counter()
    results: dict[str, Outcome] = {}
    offline: dict[str, Path] = {}
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    try:
        for i, rel in enumerate(DOCS):  # one at a time: the renderer runs its own pool
            work = base / f"doc{i:02d}"
            out, outcome = render_offline(docs, rel, work)
            if outcome:
                results[rel] = outcome
            else:
                offline[rel] = out
    finally:  # the renderer sets SOURCE_DATE_EPOCH for its kernels; restore it
        if epoch is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = epoch
    t1 = time.perf_counter()

    names = list(DOCS)
    with ThreadPoolExecutor(max_workers=2) as pool:  # 2 cores: two Quarto renders at a time
        futures = {rel: pool.submit(render_quarto, docs, rel, base / f"doc{names.index(rel):02d}",
                                    quarto) for rel in offline}
        for rel, fut in futures.items():
            ref, err = fut.result()
            if err:
                results[rel] = Outcome("wrong", f"Quarto's own render failed, nothing to compare: {err}")
                continue
            ours = offline[rel]
            read = read_pdf if ours.suffix == ".pdf" else read_html
            try:
                diff = differences(read(ours), read(ref))
            except Exception as exc:  # noqa: BLE001
                results[rel] = Outcome("crashed", f"reading the output failed: {exc!r}")
                continue
            results[rel] = Outcome("wrong", "\n".join(diff)) if diff else Outcome("same", "")
    t2 = time.perf_counter()
    counts = {k: sum(o.kind == k for o in results.values())
              for k in ("same", "refused", "wrong", "crashed")}
    SUMMARY[:] = [f"{counts}; offline {t1 - t0:.0f} s, quarto {t2 - t1:.0f} s"] + [
        f"{o.kind:8} {rel}: {o.detail.splitlines()[0][:200] if o.detail else ''}"
        for rel, o in results.items()]
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "conformance.txt").write_text("\n".join(SUMMARY) + "\n", encoding="utf-8")
    return results


def _param(rel: str):
    marks = [pytest.mark.xfail(strict=True, reason=KNOWN[rel])] if rel in KNOWN else []
    return pytest.param(rel, marks=marks, id=rel)


@pytest.mark.parametrize("rel", [_param(r) for r in DOCS])
def test_document(corpus, rel):
    outcome = corpus[rel]
    assert outcome.kind in ("same", "refused"), f"{outcome.kind}: {outcome.detail}"


def test_selection_is_explicit_and_large_enough():
    assert len(DOCS) >= 40
    assert set(KNOWN) <= set(DOCS), set(KNOWN) - set(DOCS)
    assert set(EDITS) <= set(DOCS), set(EDITS) - set(DOCS)
    assert all(reason.strip() for reason in DOCS.values())


def _named_files(qmd: Path) -> list[str]:
    """Relative files a document names: images and links in Markdown, and the
    bibliography, csl and filters of its front matter."""
    text = qmd.read_text(encoding="utf-8")
    names = re.findall(r"\]\(([^)\s#{]+)", text)
    names += re.findall(r"^\s*(?:bibliography|csl)\s*:\s*[\"']?([^\s\"']+)", text, re.M)
    names += re.findall(r"^\s*-\s*([\w./-]+\.lua)\s*$", text, re.M)
    return [n for n in names if not re.match(r"^[a-z]+:", n)]


# Files a document names that quarto-cli's tests/docs does not have either (the
# renders then show a broken image or no bibliography in both renderers alike).
ABSENT_UPSTREAM = {
    ("test-citeproc.qmd", "references.bib"),
    ("smoke-all/crossrefs/callout/docx-callout-xref-1.qmd", "./test.jpg"),
    *((f"smoke-all/crossrefs/float/html/html-float-{k}.qmd", "img/surus.jpg") for k in (2, 3, 4, 6)),
    ("smoke-all/crossrefs/float/html/html-float-5.qmd", "img/thinker.jpg"),
}


def test_corpus_is_in_the_repository_and_complete():
    """Every document of DOCS and every file it names is in tests/conformance/
    quarto-docs (nothing outside the repository), beside Quarto's licence, and the
    corpus stays small."""
    assert (CORPUS / "COPYING.md").read_text(encoding="utf-8").startswith("MIT License")
    missing = []
    for rel in DOCS:
        qmd = CORPUS / rel
        if not qmd.is_file():
            missing.append(rel)
            continue
        missing += [f"{rel} -> {n}" for n in _named_files(qmd)
                    if (rel, n) not in ABSENT_UPSTREAM and not (qmd.parent / n).is_file()]
    assert not missing, f"not in {CORPUS.relative_to(ROOT)}: {missing}"
    big = [p.name for p in CORPUS.rglob("*") if p.is_file() and p.stat().st_size > 1_000_000]
    assert not big, f"files over 1 MB in the corpus: {big}"
