"""Render .qmd documents to self-contained HTML, reveal.js slides and Typst PDF
without Quarto.

Stages per document: parse → execute (one kernel) → assemble Markdown per
format → pandoc (HTML; reveal.js slides; Typst source) → typst (PDF). Everything is written to a
staging folder first; ``_output/`` is touched only after every document and
format has succeeded, and then all at once (render/outputs.py: the outputs are
staged beside it and swapped in), so a failed render, a full disk included,
leaves the previous outputs intact.
"""
from __future__ import annotations

import datetime as _dt
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import assemble as _assemble
from . import qmd
from .errors import RenderError
from .execute import execute, source_date_epoch, start_kernel

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
FILTER = HERE / "quarto-subset.lua"
# After citeproc: what the bibliography brought in (images, files, links), checked
# before pandoc embeds or fetches anything; for Typst quarto-subset.lua runs the
# same checks (cited-check.lua) right after its own citeproc call.
AFTER_CITEPROC = HERE / "after-citeproc.lua"
CITED_CHECK = HERE / "cited-check.lua"

# Format options the offline renderer understands, per format. Options that
# only say what it always does anyway are accepted and have no further effect.
# Execution options (echo, warning) may sit directly under a format, as in
# Quarto's format references ("Execution" section).
HTML_OPTIONS = {"toc", "toc-depth", "toc-title", "code-fold", "code-summary", "echo", "warning",
                "embed-resources", "html-math-method", "fig-format", "number-sections",
                "link-citations", "lang", "citations-hover"}
TYPST_OPTIONS = {"papersize", "margin", "fontsize", "mainfont", "section-numbering",
                 "page-numbering", "fig-format", "citeproc", "echo", "warning",
                 "number-sections", "keep-typ", "toc", "link-citations", "lang",
                 "template-partials", "filters", "font-paths", "pdf-standard"}
# The notebook is the executed cells and the Markdown as written: no page options.
IPYNB_OPTIONS: set[str] = set()
# Quarto's revealjs options the offline renderer implements, and the reveal.js
# configuration key each becomes (pandoc's revealjs template variables).
REVEAL_CONFIG = {"width": "width", "height": "height", "margin": "margin", "center": "center",
                 "slide-number": "slideNumber", "hash": "hash", "controls": "controls",
                 "progress": "progress", "transition": "transition",
                 "background-transition": "backgroundTransition"}
REVEALJS_OPTIONS = {"embed-resources", "echo", "warning", "fig-format", "number-sections", "lang",
                    "html-math-method", "css", "auto-stretch", "menu", *REVEAL_CONFIG}
# site-url: where the outputs are published; the documents' own code reads it
# (analysis.publish.site_url), so it needs no handling here beyond being allowed.
PROJECT_KEYS = {"project", "format", "bibliography", "csl", "lang", "number-sections",
                "execute", "link-citations", "jupyter", "date-format", "site-url"}
# Quarto's own Typst template (template.typ and its partials), copied from
# Quarto 1.10.18; `template-partials` replace files of the same name.
QUARTO_TYPST = TEMPLATES / "quarto-typst"
EXECUTE_KEYS = {"echo", "warning", "freeze", "cache", "enabled", "output", "include"}
ALWAYS = {"embed-resources": True, "html-math-method": "mathml", "fig-format": "svg",
          "citeproc": True, "citations-hover": False, "auto-stretch": False, "menu": False}
FORMATS = {"html": ("html", ".html"), "typst": ("pdf", ".pdf"), "revealjs": ("html", ".html"),
           "ipynb": ("ipynb", ".ipynb")}
OPTIONS = {"html": HTML_OPTIONS, "typst": TYPST_OPTIONS, "revealjs": REVEALJS_OPTIONS,
           "ipynb": IPYNB_OPTIONS}
# reveal.js for the revealjs format: from npm (package-lock.json pins the version
# Quarto 1.8.27 bundles), never from a CDN; pandoc embeds it into the output.
REVEALJS_DIR = Path("node_modules") / "reveal.js"


@dataclass
class Timer:
    """Wall-clock time per stage, printed as the render goes."""

    quiet: bool = False
    stages: dict = field(default_factory=dict)

    def add(self, stage: str, seconds: float) -> None:
        self.stages[stage] = self.stages.get(stage, 0.0) + seconds
        if not self.quiet:
            print(f"  {stage:<28} {seconds:6.2f} s", file=sys.stderr, flush=True)

    def say(self, text: str) -> None:
        if not self.quiet:
            print(text, file=sys.stderr, flush=True)


def pandoc_path() -> str:
    """The pandoc of the lock: the binary inside pypandoc-binary's package folder,
    always. Not pypandoc.get_pandoc_path(), which prefers a pandoc on PATH or any
    higher version it finds (a system pandoc would take over) and probes each
    candidate with a timeout that can expire under load."""
    import importlib.util
    spec = importlib.util.find_spec("pypandoc")  # finds the package without importing it
    folders = list(spec.submodule_search_locations or []) if spec else []
    exe = "pandoc.exe" if sys.platform == "win32" else "pandoc"
    for folder in folders:
        path = Path(folder) / "files" / exe
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
    raise RenderError("requirements.txt", None, "pandoc",
                      f"pypandoc-binary's pandoc (pypandoc/files/{exe}) is not installed; "
                      "rebuild the environment from the lock: make env")


@functools.lru_cache(maxsize=None)
def pandoc_version() -> str:
    """'pandoc 3.9' as the lock's pandoc reports it (run once per process, no timeout)."""
    proc = subprocess.run([pandoc_path(), "--version"], capture_output=True, text=True)
    first = proc.stdout.splitlines()[0].strip() if proc.stdout else ""
    if proc.returncode != 0 or not first.startswith("pandoc"):
        raise RenderError("requirements.txt", None, "pandoc",
                          f"{pandoc_path()} --version failed (exit {proc.returncode}): "
                          f"{proc.stderr.strip()[:300]}; rebuild the environment: make env")
    return first


def tools_line() -> str:
    """Which pandoc and typst the offline renderer runs (printed by --version and
    at the start of each render's timing output)."""
    import typst
    return (f"{pandoc_version()} at {pandoc_path()} (pypandoc-binary); "
            f"typst {getattr(typst, '__version__', '?')} (typst wheel)")


def load_project(root: Path) -> dict:
    path = root / "_quarto.yml"
    if not path.exists():
        return {}
    try:
        conf = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        # the line where the construct that failed begins, and what went wrong
        # (as analysis.publish.yaml_problem words it for the data check)
        context, problem = getattr(exc, "context", None), getattr(exc, "problem", None)
        cmark, pmark = getattr(exc, "context_mark", None), getattr(exc, "problem_mark", None)
        mark = cmark or pmark
        text = (f"{context}: {problem}" if context else problem) if problem else str(exc).splitlines()[0]
        if problem and cmark and pmark and pmark.line != cmark.line:
            text += f" (line {pmark.line + 1})"
        raise RenderError("_quarto.yml", mark.line + 1 if mark else None, "YAML", text) from None
    for key in conf:
        if key not in PROJECT_KEYS:
            raise RenderError("_quarto.yml", None, f"key '{key}'",
                              "not understood by the offline renderer")
    return conf


def format_options(project: dict, doc: qmd.Document, fmt: str) -> dict:
    """Merged options for one format: project, then front matter (Quarto's order)."""
    opts: dict = {}
    for layer in (project, doc.meta):
        for k, v in (layer.get("execute") or {}).items():
            if k not in EXECUTE_KEYS:
                raise RenderError(doc.path.name, None, f"execute option '{k}'",
                                  "not understood by the offline renderer")
            opts[k] = v
        for key in ("number-sections", "lang", "link-citations", "toc", "section-numbering", "citeproc"):
            if key in layer:
                opts[key] = layer[key]
        fmts = layer.get("format") or {}
        if isinstance(fmts, str):
            fmts = {fmts: {}}
        allowed = OPTIONS[fmt]
        given = fmts.get(fmt)
        if given in (None, "default"):  # Quarto: "html: default" is the format with no options
            given = {}
        if not isinstance(given, dict):
            raise RenderError(doc.path.name if layer is doc.meta else "_quarto.yml", None,
                              f"format {fmt}: {given}", "give the format's options as a mapping, "
                              "or 'default'")
        for k, v in given.items():
            if k not in allowed:
                raise RenderError(doc.path.name if layer is doc.meta else "_quarto.yml", None,
                                  f"{fmt} option '{k}'", "not understood by the offline renderer")
            if k in ALWAYS and v != ALWAYS[k]:
                raise RenderError("_quarto.yml", None, f"{fmt} option {k}: {v}",
                                  f"the offline renderer always uses {ALWAYS[k]}")
            opts[k] = v
    if opts.get("citeproc", True) is not True:
        raise RenderError(doc.path.name, None, f"citeproc: {opts['citeproc']}",
                          "the offline renderer always resolves citations with pandoc citeproc")
    lang = str(opts.get("lang", "en"))
    if not lang.lower().startswith("en"):
        raise RenderError(doc.path.name, None, f"lang: {lang}",
                          "Quarto translates the words it adds (Figure, Table, Section, Note, "
                          "Abstract, References) from its language files; the offline renderer "
                          "has only English")
    return opts


def document_formats(project: dict, doc: qmd.Document) -> list[str]:
    """The formats a document renders to: its own `format:` list, else the project's."""
    for layer in (doc.meta, project):
        fmts = layer.get("format")
        if fmts:
            names = [fmts] if isinstance(fmts, str) else list(fmts)
            bad = [n for n in names if n not in FORMATS]
            if bad:
                raise RenderError(doc.path.name, None, f"format '{bad[0]}'",
                                  "the offline renderer writes html, revealjs, typst and ipynb")
            if "revealjs" in names and len(names) > 1:
                raise RenderError(doc.path.name, None, f"formats {', '.join(names)}",
                                  "the offline renderer renders a revealjs document to slides "
                                  "only (both would be <name>.html); give it format: revealjs alone")
            return names
    return ["html"]


def _where(folder: Path, root: Path) -> str:
    """A folder as a reader names it: the project folder, or its path inside the project."""
    try:
        rel = folder.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return folder.name
    return "the project folder" if rel == "." else f"the folder {rel}"


def named_file(rel, *, docdir: Path, root: Path) -> Path:
    """A file an option names (filters, template-partials, css): relative to the
    document's folder, as Quarto resolves a document's own options, else to the
    project folder, as it resolves _quarto.yml's (the merged options no longer say
    which layer set them; for a document in the project folder both are the same)."""
    first = docdir / str(rel)
    return first if first.exists() else root / str(rel)


def metadata(project: dict, doc: qmd.Document, root: Path, epoch: str) -> dict:
    meta = {k: v for k, v in doc.meta.items() if k not in ("format", "execute")}
    base = {k: doc.path.parent for k in meta}  # as Quarto: a document's paths are relative to it,
    for key in ("bibliography", "csl", "lang", "link-citations", "number-sections", "date-format"):
        if key not in meta and key in project:
            meta[key] = project[key]
            base[key] = root  # _quarto.yml's relative to the project
    for key in ("bibliography", "csl"):
        if key in meta:
            files = meta[key] if isinstance(meta[key], list) else [meta[key]]
            for f in files:
                if not (base[key] / f).exists():
                    raise RenderError(doc.path.name, None, f"{key}: {f}",
                                      f"file not found (relative to {_where(base[key], root)})")
            meta[key] = [str(base[key] / f) for f in files] if isinstance(meta[key], list) \
                else str(base[key] / meta[key])
    meta["authors"] = _authors(doc.meta.get("author"))
    meta.pop("author", None)
    if isinstance(meta.get("date"), (_dt.date, _dt.datetime)):
        meta["date"] = meta["date"].isoformat()  # formatted per format in write_format
    elif meta.get("date") == "last-modified":  # Quarto: the file's modification date
        meta["date"] = _dt.datetime.fromtimestamp(doc.path.stat().st_mtime, _dt.timezone.utc).date().isoformat()
    meta.setdefault("lang", "en")
    meta.setdefault("link-citations", True)
    meta.setdefault("link-bibliography", True)
    meta["pagetitle"] = str(meta.get("title", doc.path.stem))
    return meta


_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]
_DAYJS = re.compile(r"\[[^\]]*\]|YYYY|YY|MMMM|MMM|MM|M|DD|D")


def format_date(value, date_format: str | None, *, fmt: str, lang: str,
                name: str) -> str:
    """A front-matter date as Quarto prints it: ``today``/``now`` resolved to the
    machine's local date, as Quarto does (not SOURCE_DATE_EPOCH or the commit's time:
    a render the day after the last commit said yesterday's date, where Quarto says
    today's), then formatted by ``date-format``: dayjs tokens, or Quarto's defaults,
    "long" for HTML and "iso" for every other format. The date reaches the output
    cache's key through the metadata, so a cached render does not outlive its day."""
    if value in ("today", "now"):
        day = _dt.date.today()
    else:
        try:
            day = _dt.date.fromisoformat(str(value).strip()[:10])
        except ValueError:
            raise RenderError(name, None, f"date: {value}",
                              "the offline renderer reads ISO dates (YYYY-MM-DD) and "
                              "today/now/last-modified; Quarto's other date forms are "
                              "outside its subset") from None
    pattern = str(date_format or ("long" if fmt in ("html", "revealjs") else "iso")).strip()
    if pattern == "iso":
        return day.isoformat()
    if pattern == "long" and str(lang).lower().startswith("en"):
        # dayjs's "LL" in English: en-US "MMMM D, YYYY", other English locales "D MMMM YYYY"
        pattern = "MMMM D, YYYY" if str(lang).lower() in ("en", "en-us") else "D MMMM YYYY"
    if pattern in ("full", "long", "medium", "short"):
        raise RenderError(name, None, f"date-format: {pattern}",
                          f"the offline renderer has no '{pattern}' format for lang {lang}; "
                          "give dayjs tokens such as 'D MMMM YYYY' instead")
    tokens = {"YYYY": f"{day.year:04d}", "YY": f"{day.year % 100:02d}",
              "MMMM": _MONTHS[day.month - 1], "MMM": _MONTHS[day.month - 1][:3],
              "MM": f"{day.month:02d}", "M": str(day.month), "DD": f"{day.day:02d}",
              "D": str(day.day)}
    return _DAYJS.sub(lambda m: m.group(0)[1:-1] if m.group(0).startswith("[")
                      else tokens[m.group(0)], pattern)


def _authors(author) -> list[dict]:
    if author is None:
        return []
    items = author if isinstance(author, list) else [author]
    out = []
    for a in items:
        if isinstance(a, str):
            out.append({"name": a})
            continue
        affs = a.get("affiliations", a.get("affiliation", []))
        affs = affs if isinstance(affs, list) else [affs]
        names = [x["name"] if isinstance(x, dict) else str(x) for x in affs]
        entry = {"name": a.get("name", ""), "affiliations": names}
        if names:
            entry["affiliation"] = "; ".join(names)
        out.append(entry)
    return out


def run_pandoc(args: list[str], *, name: str, cwd: Path, bibliography: list[Path] = (),
               root: Path | None = None, source: Path | None = None) -> None:
    """Run the lock's pandoc; turn what the Lua filters and citeproc report into one
    RenderError. A problem in a bibliography entry (cited-check.lua) or a citation of a
    key no bibliography has is reported against the bibliography file and entry."""
    proc = subprocess.run([pandoc_path(), *args], cwd=cwd, capture_output=True, text=True)
    bib_errs = [ln for ln in proc.stderr.splitlines() if ln.startswith("RENDER-BIB-ERROR: ")]
    if bib_errs:
        keys, _, what = bib_errs[0][len("RENDER-BIB-ERROR: "):].partition("\t")
        key = keys.split(",")[0]
        bib, line = bib_entry_place(bibliography, key, root)
        entry = " or ".join(f"'{k}'" for k in keys.split(","))
        raise RenderError(bib, line, f"entry {entry}",
                          f"{what}, which citeproc put into {name}: a bibliography entry may hold text "
                          "and links to http(s) addresses only, never an image, a file or another link. "
                          "Remove it from the entry (python -m analysis check names each LaTeX command "
                          "and field that does this)")
    errs = [ln for ln in proc.stderr.splitlines() if ln.startswith("RENDER-ERROR: ")]
    if errs:
        construct, _, message = errs[0][len("RENDER-ERROR: "):].partition("\t")
        raise RenderError(name, None, construct, message)
    if proc.returncode != 0:
        raise RenderError(name, None, "pandoc", proc.stderr.strip() or f"exit {proc.returncode}")
    warnings = [ln for ln in proc.stderr.splitlines() if "[WARNING]" in ln]
    for w in warnings:
        if "Could not fetch resource" in w:
            resource = w.split("Could not fetch resource", 1)[1].strip()
            raise RenderError(name, None, f"figure or image {resource}", "file not found")
        m = re.search(r"Citeproc: citation (.+?) not found", w)
        if m:
            key = m.group(1)
            bib, _ = bib_entry_place(bibliography, key, root)
            where = _cited_where(source, key)
            raise RenderError(bib, None, f"entry '{key}'",
                              f"no such entry, which {name}{where} cites. Add the entry to {bib}, or "
                              "correct the key")


def bib_entry_place(bibliography: list[Path], key: str, root: Path | None) -> tuple[str, int | None]:
    """The bibliography file (as a reader names it, relative to the project) that
    defines ``key``, and the line its entry starts on; the first file and no line
    when none does (or "the bibliography" when the document names none)."""
    def shown(path: Path) -> str:
        if root is not None:
            try:
                return path.resolve().relative_to(root.resolve()).as_posix()
            except ValueError:
                pass
        return path.name
    pattern = re.compile(r"@\s*[A-Za-z]+\s*[{(]\s*" + re.escape(key) + r"\s*,")
    for path in bibliography:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        m = pattern.search(text)
        if m:
            return shown(path), text.count("\n", 0, m.start()) + 1
    return (shown(bibliography[0]) if bibliography else "the bibliography"), None


def _cited_where(source: Path | None, key: str) -> str:
    """", line N" where the document's source cites @key, or how else it was cited."""
    try:
        lines = source.read_text(encoding="utf-8").splitlines() if source else []
    except OSError:
        lines = []
    pattern = re.compile(r"(?<![\w.])-?@" + re.escape(key) + r"(?![\w:.#$%&+?<>~/-]*[\w])")
    for no, line in enumerate(lines, 1):
        if pattern.search(line):
            return f", line {no}"
    return " (through its code's output: a bib_key in data/sources.csv?)" if lines else ""


def html_to_markdown(html: str) -> str:
    """An HTML table (e.g. a DataFrame's repr) as a Markdown pipe table."""
    import re
    m = re.search(r"<table\b.*?</table>", html, re.S)
    html = m.group(0) if m else html
    proc = subprocess.run([pandoc_path(), "-f", "html", "-t", "markdown-simple_tables-multiline_tables-grid_tables-raw_html-native_divs-native_spans"],
                          input=html, capture_output=True, text=True, check=True)
    return proc.stdout


@dataclass
class Job:
    """One document on its way through the stages."""

    path: Path
    doc: qmd.Document
    formats: list[str]
    opts: dict
    meta: dict
    results: list | None = None
    cache_key: str | None = None

    @property
    def name(self) -> str:
        return self.path.name


def prepare(path: Path, *, root: Path, project: dict, epoch: str, overrides: dict | None,
            params: dict | None = None) -> Job:
    doc = qmd.parse(path, display_name=path.name)
    qmd.inject_parameters(doc, params or {}, path.name)
    formats = document_formats(project, doc)
    opts = {f: {**format_options(project, doc, f), **(overrides or {})} for f in formats}
    if "revealjs" in opts:
        check_revealjs(opts["revealjs"], root=root, docdir=doc.path.parent, name=doc.path.name)
    meta = {**metadata(project, doc, root, epoch), **(overrides or {})}
    return Job(path, doc, formats, opts, meta)


def render_context(root: Path) -> dict:
    """State outside the files that a document may print: the commit it is
    rendered from, whether tracked files have uncommitted changes (untracked
    files are left out, as the handout leaves them out), the date epoch."""
    def git(*args: str) -> str:
        try:
            out = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10)
            return out.stdout.strip() if out.returncode == 0 else ""
        except (OSError, subprocess.SubprocessError):
            return ""
    return {"commit": git("rev-parse", "HEAD"),
            "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
            "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", "")}


def lookup_cache(job: Job, *, root: Path, timer: Timer, context: dict) -> None:
    """Fill ``job.results`` from the execution cache when its key still matches.
    Runs in the main thread: it parses Python sources, which is not thread-safe."""
    from . import cache
    from .execute import SETUP

    if not job.doc.has_code:
        job.results = [None] * len(job.doc.chunks)
        timer.say(f"  {job.doc.stem}: no code, no kernel started")
        return
    t0 = time.perf_counter()
    job.cache_key, _ = cache.key(job.doc, root, SETUP, context=context)
    packed = cache.load(root, job.doc, job.cache_key, say=timer.say)
    if packed is not None:
        job.results = cache.unpack(job.doc, packed)
        timer.add(f"{job.doc.stem}: execute (cached)", time.perf_counter() - t0)


def run_code(job: Job, *, root: Path, timer: Timer, kernel=None) -> None:
    """Execute a document's code once, in its own kernel (``kernel`` if one
    was started ahead); store the results in the cache."""
    from . import cache

    t0 = time.perf_counter()
    job.results = execute(job.doc, cwd=root, name=job.name, kernel=kernel)
    if job.cache_key:
        cache.store(root, job.doc, job.cache_key, cache.pack(job.doc, job.results))
    timer.add(f"{job.doc.stem}: execute", time.perf_counter() - t0)


def _tool_versions() -> bytes:
    import typst
    return f"{pandoc_version()} {pandoc_path()} typst {getattr(typst, '__version__', '?')}".encode()


TYPST_PARTIALS = ("numbering.typ", "definitions.typ", "typst-template.typ", "page.typ", "typst-show.typ",
                  "notes.typ", "biblio.typ")


def typst_template(o: dict, *, root: Path, docdir: Path, work: Path, name: str) -> tuple[Path, list[Path]]:
    """Quarto's Typst template in a folder of its own, with the document's
    ``template-partials`` in place of Quarto's files of the same name (as Quarto
    does). Returns the template and the partials used (for the output cache)."""
    folder = work / "template"
    folder.mkdir(exist_ok=True)
    for f in QUARTO_TYPST.glob("*.typ"):
        shutil.copyfile(f, folder / f.name)
    used = []
    for rel in _as_list(o.get("template-partials")):
        path = named_file(rel, docdir=docdir, root=root)
        if not path.is_file():
            raise RenderError(name, None, f"template-partials: {rel}", "file not found")
        if path.name not in TYPST_PARTIALS:
            raise RenderError(name, None, f"template-partials: {rel}",
                              "the offline renderer replaces Quarto's own partials only: "
                              + ", ".join(TYPST_PARTIALS))
        shutil.copyfile(path, folder / path.name)
        used.append(path)
    return folder / "template.typ", used


_IMAGE_LINK = re.compile(r"!\[[^\]]*\]\(<?([^)\s>]+)")


def linked_images(md: str, docdir: Path) -> list[Path]:
    """The local files the Markdown's images name (for the output cache: a changed
    image changes the output)."""
    found = []
    for src in _IMAGE_LINK.findall(md):
        if re.match(r"^[a-zA-Z][\w+.-]*:", src):
            continue
        path = docdir / src
        if path.is_file() and path not in found:
            found.append(path)
    return found


def _as_list(value) -> list:
    """A YAML option that may be one value or a list of them, as a list."""
    return [] if value is None else [value] if isinstance(value, str) else list(value)


def font_paths(o: dict, *, root: Path, docdir: Path, name: str) -> list[Path]:
    """The folders `font-paths` names, where Typst looks for fonts besides its own
    (Quarto passes them to typst as --font-path, relative to the document)."""
    dirs = []
    for rel in _as_list(o.get("font-paths")):
        path = named_file(rel, docdir=docdir, root=root)
        if not path.is_dir():
            raise RenderError(name, None, f"font-paths: {rel}", "folder not found")
        dirs.append(path)
    return dirs


# The PDF standards Quarto 1.10 passes to typst (command/render/output-typst.ts).
TYPST_PDF_STANDARDS = ("1.4", "1.5", "1.6", "1.7", "2.0", "a-1b", "a-1a", "a-2b", "a-2u", "a-2a",
                       "a-3b", "a-3u", "a-3a", "a-4", "a-4f", "a-4e", "ua-1")


def pdf_standards(o: dict, *, name: str) -> list[str]:
    """`pdf-standard` as Quarto 1.10 hands it to typst: lower case, without a
    "pdf" prefix, YAML numbers as versions (2 is "2.0"). Quarto warns and drops a
    standard Typst lacks; the offline renderer refuses it, so a PDF never
    silently misses the standard its document asks for."""
    out = []
    for value in _as_list(o.get("pdf-standard")):
        text = (f"{value}.0" if isinstance(value, int) else str(value)).lower()
        text = re.sub(r"^pdf[/-]?", "", text)
        if text not in TYPST_PDF_STANDARDS:
            raise RenderError(name, None, f"pdf-standard: {value}",
                              "not a standard Typst can write; one of " + ", ".join(TYPST_PDF_STANDARDS))
        out.append(text)
    return out


def font_files(folder: Path) -> list[Path]:
    """The font files Typst would load from ``folder`` (as it does, recursively)."""
    return sorted(p for p in folder.rglob("*")
                  if p.is_file() and p.suffix.lower() in (".ttf", ".otf", ".ttc", ".otc"))


def lua_filters(o: dict, *, root: Path, docdir: Path, name: str) -> list[Path]:
    """The document's own Lua filters (`filters`), each an existing .lua file."""
    paths = []
    for rel in _as_list(o.get("filters")):
        path = named_file(rel, docdir=docdir, root=root)
        if not path.is_file() or path.suffix != ".lua":
            raise RenderError(name, None, f"filters: {rel}",
                              "the offline renderer runs Lua filter files only, and this one is not there")
        paths.append(path)
    return paths


def format_metadata(meta: dict, o: dict, fmt: str, *, epoch: str, name: str) -> dict:
    """The pandoc variables one format's template reads, named as Quarto names them."""
    m = {k: v for k, v in meta.items() if k not in ("bibliography", "csl", "date-format")}
    if "date" in m:
        m["date"] = format_date(m["date"], meta.get("date-format"), fmt=fmt,
                                lang=str(meta.get("lang", "en")), name=name)
    if fmt == "revealjs":
        # pandoc's revealjs template reads `author`; Quarto centres its title slide
        if meta.get("authors"):
            m["author"] = [a["name"] for a in meta["authors"]]
        m["title-slide-attributes"] = {"class": "center"}
    if fmt != "typst":
        return m
    # Quarto's typst template: authors as `by-author` (name.literal, affiliations)
    # and the page options as variables
    m["by-author"] = [{"name": {"literal": a["name"]},
                       "affiliations": [{"name": x} for x in a.get("affiliations", [])]}
                      for a in meta.get("authors", [])]
    # (pandoc's typst writer splits lang "en-GB" into lang "en" and region "GB")
    m["labels"] = {"abstract": "Abstract"}
    m["toc-depth"] = o.get("toc-depth", 3)
    for k in ("papersize", "fontsize", "mainfont", "page-numbering", "toc", "toc-title"):
        if k in o:
            m[k] = o[k]
    if o.get("margin"):
        m["margin"] = dict(o["margin"])
    # number-sections implies section-numbering 1.1.a (Quarto's typst format);
    # a section-numbering that is set numbers sections whatever number-sections says.
    numbering = o.get("section-numbering", meta.get("section-numbering"))
    if numbering is None and o.get("number-sections", meta.get("number-sections", False)):
        numbering = "1.1.a"
    m.pop("section-numbering", None)
    if numbering is not None:
        m["section-numbering"] = str(numbering)
    m.pop("number-sections", None)
    return m


def write_format(job: Job, fmt: str, *, root: Path, stage: Path, timer: Timer, epoch: str,
                 use_cache: bool = True) -> Path:
    """Assemble, convert with pandoc and (for PDF) compile with typst; reuse the
    previous output when every input to pandoc and typst is byte-identical."""
    from . import cache
    t = time.perf_counter()
    stem, o = job.doc.stem, job.opts[fmt]
    if fmt == "ipynb":  # no pandoc: the cells as written, with their outputs
        from . import notebook
        (work := stage / stem / fmt).mkdir(parents=True, exist_ok=True)
        out = notebook.write(job.doc, job.results, job.meta, stage / f"{stem}.ipynb")
        timer.add(f"{stem}: ipynb", time.perf_counter() - t)
        return out
    meta = format_metadata(job.meta, o, fmt, epoch=epoch, name=job.name)
    work = stage / stem / fmt
    work.mkdir(parents=True, exist_ok=True)
    meta_file = work / "meta.yaml"
    meta_file.write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=True), encoding="utf-8")
    md = _assemble.assemble(job.doc, job.results, fmt=fmt, options=o, figdir=work, name=job.name,
                            html_to_markdown=html_to_markdown)
    src = work / f"{stem}.md"
    src.write_text(md, encoding="utf-8")
    out = stage / f"{stem}{FORMATS[fmt][1]}"
    files = {k: _as_list(job.meta.get(k)) for k in ("bibliography", "csl")}
    if fmt == "typst" and files["bibliography"] and o.get("citeproc") is not True:
        raise RenderError(job.name, None, "Typst bibliography without 'citeproc: true'",
                          "Quarto then cites with Typst's own bibliography engine, which the "
                          "offline renderer does not implement; add 'citeproc: true' under "
                          "format: typst")
    docdir = job.doc.path.parent
    template, partials = (typst_template(o, root=root, docdir=docdir, work=work, name=job.name)
                          if fmt == "typst" else (None, []))
    own_filters = lua_filters(o, root=root, docdir=docdir, name=job.name) if fmt == "typst" else []
    font_dirs = font_paths(o, root=root, docdir=docdir, name=job.name) if fmt == "typst" else []
    standards = pdf_standards(o, name=job.name) if fmt == "typst" else []
    # revealjs: reveal.js itself and the document's own stylesheets, next to the
    # Markdown so that pandoc embeds them by relative names whatever the project path
    slide_files = revealjs_files(o, root=root, docdir=docdir, work=work, name=job.name) \
        if fmt == "revealjs" else []
    if use_cache:
        inputs = [md.encode(), meta_file.read_bytes(), json.dumps(o, sort_keys=True, default=str).encode(),
                  fmt.encode(), epoch.encode(), _tool_versions(), FILTER.read_bytes(),
                  AFTER_CITEPROC.read_bytes(), CITED_CHECK.read_bytes()]
        inputs += [p.read_bytes() for p in sorted(TEMPLATES.rglob("*")) if p.is_file()]
        inputs += [p.read_bytes() for p in [*partials, *own_filters]]
        inputs += [p.name.encode() + p.read_bytes() for d in font_dirs for p in font_files(d)]
        inputs += [p.read_bytes() for p in sorted(work.iterdir()) if p.suffix in (".svg", ".png")]
        inputs += [Path(f).read_bytes() for k in ("bibliography", "csl") for f in files[k]]
        inputs += [p.read_bytes() for p in slide_files]
        inputs += [p.read_bytes() for p in linked_images(md, docdir)]
        okey = cache.output_key(inputs)
        cached = cache.load_output(root, out.name, okey)
        if cached is not None:
            out.write_bytes(cached)
            timer.add(f"{stem}: {_stage(fmt)} (unchanged, reused)", time.perf_counter() - t)
            return out
    cited = {"bibliography": [Path(f) for f in files["bibliography"]], "root": root, "source": job.doc.path}
    # File paths go to pandoc as options, never as metadata (which pandoc would
    # read as Markdown: a "--" in a folder name would become a dash).
    common = [str(src), "-f", "markdown", "--metadata-file", str(meta_file),
              "--lua-filter", str(FILTER), "--resource-path", f"{work}{os.pathsep}{docdir}",
              "--standalone"]
    common += [f"--bibliography={f}" for f in files["bibliography"]]
    common += [f"--csl={f}" for f in files["csl"]]
    if fmt == "html":
        args = common + ["--citeproc", "--lua-filter", str(AFTER_CITEPROC),
                         "-t", "html5", "--template", str(TEMPLATES / "page.html"),
                         "--css", str(TEMPLATES / "page.css"), "--embed-resources", "--mathml",
                         "-o", str(out)]
        if o.get("number-sections", job.meta.get("number-sections", False)):
            args.append("--number-sections")
        if o.get("toc"):
            args += ["--toc", "--toc-depth", str(o.get("toc-depth", 3))]
            args += ["--metadata", f"toc-title={o.get('toc-title', 'Contents')}"]
        run_pandoc(args, name=job.name, cwd=work, **cited)
    elif fmt == "revealjs":
        args = common + ["--citeproc", "--lua-filter", str(AFTER_CITEPROC),
                         "-t", "revealjs", "--slide-level=2", "--embed-resources",
                         "--mathml", "-V", "revealjs-url=reveal.js", "-V", "theme=white"]
        for key, value in reveal_config(o, name=job.name).items():
            args += ["-V", f"{key}={value}"]
        args += [a for p in slide_files[1:] for a in ("--css", p.name)]
        args += ["-o", str(out)]
        if o.get("number-sections", job.meta.get("number-sections", False)):
            args.append("--number-sections")
        run_pandoc(args, name=job.name, cwd=work, **cited)
    else:
        typ = work / f"{stem}.typ"
        # As Quarto calls pandoc for typst: no line wrapping, citeproc's text instead
        # of Typst citations (the Lua filter runs citeproc itself, before it turns
        # tables into raw Typst, and shifts headings up when there is no level 1).
        # The document's own Lua filters run first, as Quarto runs user filters before its own.
        own = [a for f in own_filters for a in ("--lua-filter", str(f))]
        # Images the document links resolve relative to it (resource path); Typst
        # resolves image() relative to the .typ file here, so pandoc copies them
        # beside it, under media/ with their relative names, and points image() there.
        args = [common[0], *own, *common[1:]] + ["-t", "typst-citations", "--template", str(template),
                                                 "--wrap=none", "--extract-media=media", "-o", str(typ)]
        run_pandoc(args, name=job.name, cwd=work, **cited)
        compile_typst(typ, out, root=stage, name=job.name, epoch=epoch, font_dirs=font_dirs,
                      standards=standards)
    if use_cache:
        cache.store_output(root, out.name, okey, out.read_bytes())
    timer.add(f"{stem}: {_stage(fmt)}", time.perf_counter() - t)
    return out


# Quarto 1.8.27's revealjs defaults (what `quarto render` writes into
# Reveal.initialize when the document does not set them), so that a document that
# leaves an option out gets the same deck from both renderers.
QUARTO_REVEAL_DEFAULTS = {"width": 1050, "height": 700, "margin": 0.1, "center": False,
                          "slide-number": False, "hash": True, "controls": False, "progress": True,
                          "transition": "none", "background-transition": "none"}
_TRANSITIONS = {"none", "fade", "slide", "convex", "concave", "zoom"}
_SLIDE_NUMBERS = {"h.v", "h/v", "c", "c/t"}


def reveal_config(o: dict, *, name: str) -> dict[str, str]:
    """pandoc revealjs template variables (reveal.js configuration, as JavaScript
    literals) from the document's revealjs options over Quarto's defaults."""
    out = {"history": "true", "navigationMode": "linear"}  # as Quarto writes them
    for key, variable in REVEAL_CONFIG.items():
        value = o.get(key, QUARTO_REVEAL_DEFAULTS[key])
        bad = None
        if key in ("width", "height"):
            ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
            bad = None if ok else "a whole number of pixels"
        elif key == "margin":
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 1
            bad = None if ok else "a number from 0 to below 1 (a share of the slide size)"
        elif key in ("center", "hash", "controls", "progress"):
            bad = None if isinstance(value, bool) else "true or false"
        elif key in ("transition", "background-transition"):
            bad = None if value in _TRANSITIONS else "one of " + ", ".join(sorted(_TRANSITIONS))
        elif key == "slide-number":
            if value is True:
                value = "c/t"  # Quarto's meaning of `slide-number: true`
            ok = value is False or value in _SLIDE_NUMBERS
            bad = None if ok else "true, false or one of " + ", ".join(sorted(_SLIDE_NUMBERS))
        if bad:
            raise RenderError(name, None, f"revealjs option {key}: {value!r}", f"expected {bad}")
        if isinstance(value, bool):
            out[variable] = "true" if value else "false"
        elif key == "slide-number":
            out[variable] = f"'{value}'"  # a string in the template's JavaScript
        else:
            out[variable] = str(value)
    return out


def reveal_installed(root: Path) -> bool:
    """Whether npm has put reveal.js (its script and package.json) in the project."""
    reveal = root / REVEALJS_DIR
    return (reveal / "dist" / "reveal.js").is_file() and (reveal / "package.json").is_file()


def check_revealjs(o: dict, *, root: Path, name: str, docdir: Path | None = None) -> Path:
    """reveal.js's folder, once it is known to be there and the document's revealjs
    options are ones the offline renderer honours (checked before any code runs)."""
    if o.get("auto-stretch", True) is not False:
        raise RenderError(name, None, "revealjs option auto-stretch",
                          "Quarto stretches a slide's only image to fill the slide (auto-stretch, "
                          "on by default) and the offline renderer does not: set auto-stretch: "
                          "false and size images with CSS, so that both renderers agree")
    reveal = root / REVEALJS_DIR
    if not reveal_installed(root):
        raise RenderError(name, None, "format revealjs",
                          f"needs reveal.js from npm, and {REVEALJS_DIR.as_posix()} is not there: "
                          "run npm ci in the project folder (make report does this when npm is "
                          "installed; on Debian: apt-get install npm)")
    reveal_config(o, name=name)
    for rel in _as_list(o.get("css")):
        path = named_file(rel, docdir=docdir or root, root=root)
        if not path.is_file() or path.suffix != ".css":
            raise RenderError(name, None, f"css: {rel}", "not a .css file in the project")
    return reveal


def revealjs_files(o: dict, *, root: Path, docdir: Path, work: Path, name: str) -> list[Path]:
    """reveal.js (from npm, in node_modules) linked into ``work`` as ``reveal.js``, and
    the document's ``css`` files copied there. Returns reveal.js's package.json and the
    copied stylesheets (the inputs the output cache must see)."""
    reveal = check_revealjs(o, root=root, docdir=docdir, name=name)
    package = reveal / "package.json"
    link = work / "reveal.js"
    if not link.exists():
        link.symlink_to(reveal.resolve(), target_is_directory=True)
    used = [package]
    for rel in _as_list(o.get("css")):
        path = named_file(rel, docdir=docdir or root, root=root)
        target = work / f"user-{len(used)}-{path.name}"
        shutil.copyfile(path, target)
        used.append(target)
    return used


def _stage(fmt: str) -> str:
    """A format's stage name in the timings: the same whether run or reused."""
    return {"html": "html", "revealjs": "revealjs"}.get(fmt, "pdf (pandoc+typst)")


def compile_typst(typ: Path, out: Path, *, root: Path, name: str, epoch: str,
                  font_dirs: list[Path] = (), standards: list[str] = ()) -> None:
    """PDF from Typst with the typst wheel: Typst's own fonts and those in the
    document's `font-paths`, never the system's (so the PDF is the same on every
    machine), dated SOURCE_DATE_EPOCH, not the wall clock."""
    import typst
    try:
        typst.compile(str(typ), output=str(out), root=str(root),
                      font_paths=[str(d) for d in font_dirs], pdf_standards=list(standards),
                      ignore_system_fonts=True, timestamp=int(epoch))
    except typst.TypstError as exc:
        # The diagnostic already starts with the message; it names the
        # generated file by its temporary path, which means nothing to a reader.
        text = (getattr(exc, "diagnostic", "") or getattr(exc, "message", "") or str(exc)).strip()
        text = text.replace(str(typ.parent) + os.sep, "")  # paths relative to the document
        text = re.sub(r"\S*" + re.escape(typ.name), typ.name, text)
        text += f"\n({typ.name} is generated from {name}; --keep keeps it to look at)"
        raise RenderError(name, None, "typst", text) from None


def _where_out(path: Path, root: Path) -> str:
    """A path as a message names it: relative to the project when inside it."""
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        return str(path)


MAX_NAME_BYTES = 255  # the longest file name most file systems allow (NAME_MAX)


def check_output_names(job: "Job") -> None:
    """An output name the file system can hold: -P values become part of it
    (report-r0.3.html), and a 240-character value ended in an OSError."""
    for fmt in job.formats:
        name = job.doc.stem + FORMATS[fmt][1]
        longest = f".{name}.json.tmp"  # the output cache's temporary file for it
        if len(longest.encode()) > MAX_NAME_BYTES:
            raise RenderError(job.name, None, f"output name {name[:60]}...",
                              f"{len(name.encode())} bytes, longer than a file name may be "
                              f"({MAX_NAME_BYTES} bytes, less {len(longest) - len(name)} for the "
                              "render cache's names); the -P values are part of it: give shorter ones")


def render(paths: list[Path], *, root: Path, outdir: Path, quiet: bool = False,
           keep: bool = False, overrides: dict | None = None, use_cache: bool = True,
           params: dict | None = None) -> dict:
    """Render ``paths``; publish to ``outdir`` only if all succeed. Returns stage times.

    Every document is parsed first (syntax errors stop the render before any
    kernel starts), then all documents execute at once, one kernel each, then
    every (document, format) pair is written in parallel."""
    from .execute import shutdown_all

    timer = Timer(quiet=quiet)
    timer.say(f"  tools: {tools_line()}")
    project = load_project(root)
    epoch = source_date_epoch(root)
    os.environ["SOURCE_DATE_EPOCH"] = epoch  # kernels inherit it (matplotlib SVG dates)
    t_all = time.perf_counter()
    t0 = time.perf_counter()
    jobs = [prepare(p, root=root, project=project, epoch=epoch, overrides=overrides, params=params)
            for p in paths]
    for j in jobs:
        check_output_names(j)
    from .execute import cell_timeout
    cell_timeout()  # a bad RENDER_CELL_TIMEOUT stops the render before any kernel starts
    timer.add("parse", time.perf_counter() - t0)
    stage = Path(tempfile.mkdtemp(prefix="render-"))
    pool = ThreadPoolExecutor(max_workers=max(2, 4 * len(jobs)))
    early: dict = {}  # id(job) -> future of a kernel started ahead for it
    try:
        # A document with code and no cache entry will certainly execute: start
        # its kernel now, so that it boots while the cache keys are computed;
        # one whose entry turns out stale gets its kernel as soon as that is known.
        from . import cache
        early = {id(j): pool.submit(start_kernel, root) for j in jobs if j.doc.has_code
                 and not (use_cache and cache.has_entry(root, j.doc))}
        if use_cache:
            context = render_context(root)
            for j in jobs:
                lookup_cache(j, root=root, timer=timer, context=context)
                if j.results is None and id(j) not in early:  # a stale entry: start now
                    early[id(j)] = pool.submit(start_kernel, root)

        def document(job: Job) -> list:
            # a document's formats start as soon as its own code has run,
            # while the other documents may still be executing
            kernel = early[id(job)].result() if id(job) in early else None
            if job.results is None:
                run_code(job, root=root, timer=timer, kernel=kernel)
            elif kernel is not None:  # cannot happen unless the cache changed meanwhile
                kernel.shutdown()
            return [pool.submit(write_format, job, fmt, root=root, stage=stage, timer=timer,
                                epoch=epoch, use_cache=use_cache) for fmt in job.formats]

        produced = [f.result() for d in [pool.submit(document, j) for j in jobs]
                    for f in d.result()]
        # all outputs or none: staged beside (or, on a mount point, inside) the output
        # folder, then swapped in (render/outputs.py)
        from .outputs import PublishError, publish
        try:
            publish(produced, outdir, root=root)
        except PublishError as exc:
            raise RenderError(_where_out(outdir, root), None, exc.doing, str(exc.strerror)) from None
        timer.add("total", time.perf_counter() - t_all)
        return timer.stages
    except OSError as exc:  # a full TMPDIR while staging: Python names no file for a failed write
        shutdown_all()
        if exc.filename is None:
            raise OSError(exc.errno, exc.strerror, str(stage)) from None
        raise
    except BaseException:
        shutdown_all()  # a failure or Ctrl-C: stop every kernel still running
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        for f in early.values():  # a kernel started ahead but never used (a failure
            if f.done() and not f.cancelled() and f.exception() is None:  # or Ctrl-C
                f.result().shutdown()  # before documents ran); a no-op once used
        if keep:
            timer.say(f"  kept intermediate files in {stage}")
        else:
            shutil.rmtree(stage, ignore_errors=True)
