"""Parse a ``.qmd`` file into front matter, Markdown chunks and code cells.

Only the Quarto subset this project uses is accepted; anything else raises
:class:`RenderError` naming the file, the line and the construct.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import RenderError

# Front-matter keys the offline renderer implements (Quarto's meaning).
FRONT_MATTER_KEYS = {
    "title", "subtitle", "author", "date", "abstract", "bibliography", "csl",
    "lang", "format", "execute", "number-sections", "toc", "keywords",
    "section-numbering", "date-format", "citeproc", "jupyter",
}
# The one Jupyter kernel the offline renderer runs, as `jupyter:` may spell it
# out (the notebook it writes carries exactly this kernelspec).
KERNELSPEC = {"name": "python3", "language": "python", "display_name": "Python 3"}
# Cell options (``#| key: value``) the offline renderer implements.
CELL_OPTIONS = {
    "label", "echo", "output", "include", "warning", "fig-cap", "fig-alt",
    "tbl-cap", "tags",
}
CALLOUTS = {"note", "tip", "warning", "important", "caution"}
CALLOUT_ATTRIBUTES = {"title"}
# Div ids that Quarto numbers as theorem-like or cross-referenceable callout blocks.
_NUMBERED_DIVS = {"thm-": "theorem", "lem-": "lemma", "cor-": "corollary", "prp-": "proposition",
                  "cnj-": "conjecture", "def-": "definition", "exm-": "example", "exr-": "exercise",
                  "sol-": "solution", "rem-": "remark", "alg-": "algorithm", "nte-": "note callout",
                  "tip-": "tip callout", "wrn-": "warning callout", "imp-": "important callout",
                  "cau-": "caution callout"}
# Div classes allowed besides callouts (Quarto and pandoc both honour these);
# speaker notes and columns are for slides (format revealjs) only, which the
# Lua filter enforces once the format is known.
DIV_CLASSES = {"unnumbered", "unlisted", "notes", "columns", "column"}

_FENCE_OPEN = re.compile(r"^(`{3,})\s*\{(?P<engine>[^}]*)\}\s*$")
_FENCE_PLAIN = re.compile(r"^(`{3,}|~{3,})")
_OPTION = re.compile(r"^#\|\s?(?P<body>.*)$")
_INLINE = re.compile(r"`\{python\}\s+(?P<expr>[^`]+?)`")
_INLINE_OTHER = re.compile(r"`\{(?P<engine>r|julia|ojs)\}\s")
_SHORTCODE = re.compile(r"\{\{<\s*(?P<name>[\w-]+)")
_EQ_LABEL = re.compile(r"\$\$\s*\{#(?P<id>eq-[^\s}]*)")
_DIV_OPEN = re.compile(r"^(?P<colons>:{3,})\s*(?P<attrs>\{[^}]*\}|[\w-]+)?\s*$")


@dataclass
class Inline:
    """An inline expression `` `{python} expr` `` in a Markdown chunk."""

    expr: str
    line: int


@dataclass
class Markdown:
    text: str
    line: int  # 1-based line in the .qmd of the chunk's first line
    inlines: list[Inline] = field(default_factory=list)


@dataclass
class Cell:
    source: str  # the code without its option lines
    options: dict
    line: int  # 1-based line of the opening fence
    n_option_lines: int = 0

    @property
    def label(self) -> str:
        return str(self.options.get("label") or f"cell at line {self.line}")


@dataclass
class Document:
    path: Path
    meta: dict
    chunks: list  # of Markdown | Cell
    body_line: int  # line where the body starts (after front matter)
    stem: str = ""  # output and cache name: the file's stem, plus the parameters given

    def __post_init__(self):
        self.stem = self.stem or self.path.stem

    @property
    def cells(self) -> list[Cell]:
        return [c for c in self.chunks if isinstance(c, Cell)]

    @property
    def has_code(self) -> bool:
        return any(isinstance(c, Cell) for c in self.chunks) or any(
            c.inlines for c in self.chunks if isinstance(c, Markdown))


def parse(path: Path, text: str | None = None, *, display_name: str | None = None) -> Document:
    """Parse ``path`` (or ``text``) into a :class:`Document`."""
    name = display_name or path.name
    if text is None:
        text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    meta, start = _front_matter(lines, name)
    chunks: list = []
    buf: list[str] = []
    buf_line = start + 1
    i = start
    div_depth = 0

    def flush(next_line: int):
        nonlocal buf, buf_line
        if buf:
            md = Markdown("\n".join(buf), buf_line)
            md.inlines = _inlines(buf, buf_line, name)
            chunks.append(md)
        buf = []
        buf_line = next_line

    while i < len(lines):
        line = lines[i]
        lineno = i + 1
        m = _FENCE_OPEN.match(line)
        if m and re.fullmatch(r"=[a-z0-9]+", m.group("engine").strip()):
            m = None  # a raw block (```{=html}): pandoc's, copied through like plain code below
        if m:
            engine = m.group("engine").strip()
            first = engine.split()[0] if engine else ""
            if first != "python":
                raise RenderError(name, lineno, f"code cell engine '{{{engine}}}'",
                                  "only ```{python} cells are supported")
            if len(engine.split()) > 1:
                raise RenderError(name, lineno, f"cell header '{{{engine}}}'",
                                  "put cell options in '#|' lines, not in the fence")
            flush(lineno)
            fence = m.group(1)
            j = i + 1
            body: list[str] = []
            while j < len(lines) and lines[j].strip() != fence:
                body.append(lines[j])
                j += 1
            if j >= len(lines):
                raise RenderError(name, lineno, "code cell", f"no closing {fence} fence")
            chunks.append(_cell(body, lineno, name))
            i = j + 1
            buf_line = i + 1
            continue
        pm = _FENCE_PLAIN.match(line)
        if pm:  # a plain (display-only) code block: copy it through untouched
            fence = pm.group(1)
            buf.append(line)
            j = i + 1
            while j < len(lines) and not lines[j].startswith(fence):
                buf.append(lines[j])
                j += 1
            if j < len(lines):
                buf.append(lines[j])
            i = j + 1
            continue
        dm = _DIV_OPEN.match(line)
        if dm:
            attrs = dm.group("attrs")
            if attrs:
                _check_div(attrs, name, lineno)
                div_depth += 1
            else:
                div_depth -= 1
                if div_depth < 0:
                    raise RenderError(name, lineno, "':::'", "closing fence without an open div")
        sm = _SHORTCODE.search(line)
        if sm:
            raise RenderError(name, lineno, f"shortcode '{{{{< {sm.group('name')}'",
                              "shortcodes are outside the supported subset")
        em = _EQ_LABEL.search(line)
        if em:
            raise RenderError(name, lineno, f"equation label '{{#{em.group('id')}}}'",
                              "Quarto numbers labelled equations; the offline renderer does not, "
                              "so it refuses rather than drop the number")
        om = _INLINE_OTHER.search(line)
        if om:
            raise RenderError(name, lineno, f"inline '{{{om.group('engine')}}}' expression",
                              "only `{python} expr` inline expressions are supported")
        buf.append(line)
        i += 1
    flush(len(lines) + 1)
    if div_depth > 0:
        raise RenderError(name, len(lines), "':::' div", "a div is never closed")
    if "title" not in meta and any(isinstance(c, Cell) for c in chunks):
        _promote_title(meta, chunks)
    return Document(path, meta, chunks, start + 1)


_ATX = re.compile(r"^#{1,}\s+(?P<text>.*?)(?:\s+#+)?(?:\s*\{[^}]*\})?\s*$")
_SETEXT = re.compile(r"^(=+|-+)\s*$")


def _promote_title(meta: dict, chunks: list) -> None:
    """Quarto's Jupyter engine (fixupFrontMatter in core/jupyter/jupyter-fixups.ts):
    a document without a title whose first Markdown cell starts with a heading
    (any level, ATX or setext) takes that heading as its title and loses it from
    the body. Code cells before it do not matter; a first Markdown cell that starts
    with anything else ends the search. The heading line becomes an empty line so
    that line numbers in messages stay right."""
    for chunk in chunks:
        if not isinstance(chunk, Markdown):
            continue
        lines = chunk.text.split("\n")
        idx = [k for k, ln in enumerate(lines) if ln.strip()]
        if not idx:
            continue  # Quarto makes no cell of blank lines
        first = idx[0]
        m = _ATX.match(lines[first])
        if m and not chunk.inlines:
            meta["title"] = m.group("text")
            lines[first] = ""
        elif (len(idx) > 1 and idx[1] == first + 1 and _SETEXT.match(lines[first + 1])
              and not chunk.inlines):
            meta["title"] = lines[first].strip()
            lines[first] = lines[first + 1] = ""
        chunk.text = "\n".join(lines)
        return


def _front_matter(lines: list[str], name: str) -> tuple[dict, int]:
    if not lines or lines[0].strip() != "---":
        return {}, 0
    for j in range(1, len(lines)):
        if lines[j].strip() in ("---", "..."):
            try:
                meta = yaml.safe_load("\n".join(lines[1:j])) or {}
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                line = 2 + (mark.line if mark else 0)
                raise RenderError(name, line, "YAML front matter", str(exc).splitlines()[0]) from None
            if not isinstance(meta, dict):
                raise RenderError(name, 1, "YAML front matter", "must be a mapping")
            for key in meta:
                if key not in FRONT_MATTER_KEYS:
                    raise RenderError(name, _key_line(lines, key, 1, j), f"front-matter key '{key}'",
                                      "not in the supported subset: "
                                      + ", ".join(sorted(FRONT_MATTER_KEYS)))
            if "jupyter" in meta and meta["jupyter"] not in ("python3", {"kernelspec": KERNELSPEC}):
                raise RenderError(name, _key_line(lines, "jupyter", 1, j), "front-matter key 'jupyter'",
                                  "the offline renderer runs the python3 kernel only: 'jupyter: "
                                  "python3' or its kernelspec (name: python3, language: python, "
                                  "display_name: Python 3)")
            return meta, j + 1
    raise RenderError(name, 1, "YAML front matter", "no closing '---'")


def _key_line(lines, key, lo, hi) -> int:
    for k in range(lo, hi):
        if lines[k].startswith(f"{key}:"):
            return k + 1
    return lo + 1


def _cell(body: list[str], lineno: int, name: str) -> Cell:
    opt_lines: list[str] = []
    k = 0
    while k < len(body) and _OPTION.match(body[k]):
        opt_lines.append(_OPTION.match(body[k]).group("body"))
        k += 1
    try:
        options = yaml.safe_load("\n".join(opt_lines)) or {} if opt_lines else {}
    except yaml.YAMLError as exc:
        raise RenderError(name, lineno + 1, "cell options", str(exc).splitlines()[0]) from None
    if not isinstance(options, dict):
        raise RenderError(name, lineno + 1, "cell options", "'#|' lines must be 'key: value'")
    for key in options:
        if key not in CELL_OPTIONS:
            where = next((lineno + 1 + q for q, o in enumerate(opt_lines)
                          if o.split(":")[0].strip() == key), lineno + 1)
            raise RenderError(name, where, f"cell option '{key}'",
                              "not in the supported subset: " + ", ".join(sorted(CELL_OPTIONS)))
    label = options.get("label")
    if label is not None:
        if not re.fullmatch(r"[A-Za-z][\w-]*", str(label)):
            raise RenderError(name, lineno + 1, f"label '{label}'", "labels are letters, digits, '-' and '_'")
        if "fig-cap" in options and not str(label).startswith("fig-"):
            raise RenderError(name, lineno + 1, f"label '{label}'", "a cell with fig-cap needs a 'fig-' label")
        if "tbl-cap" in options and not str(label).startswith("tbl-"):
            raise RenderError(name, lineno + 1, f"label '{label}'", "a cell with tbl-cap needs a 'tbl-' label")
    tags = options.get("tags", [])
    if not (isinstance(tags, list) and set(tags) <= {"parameters"}):
        raise RenderError(name, lineno + 1, f"tags: {tags}",
                          "the offline renderer understands only the tag 'parameters' (a list)")
    out = options.get("output", True)
    if out not in (True, False, "asis"):
        raise RenderError(name, lineno + 1, f"output: {out}", "output must be true, false or asis")
    return Cell("\n".join(body[k:]), options, lineno, k)


def _inlines(buf: list[str], first_line: int, name: str) -> list[Inline]:
    found = []
    for off, line in enumerate(buf):
        for m in _INLINE.finditer(line):
            found.append(Inline(m.group("expr").strip(), first_line + off))
    return found


def _check_div(attrs: str, name: str, lineno: int) -> None:
    if not attrs.startswith("{"):
        classes = [attrs]
        body = ""
    else:
        body = attrs[1:-1]
        classes = re.findall(r"(?<![\w-])\.([\w-]+)", body)
    ids = re.findall(r"#([\w-]+)", body)
    for c in classes:
        if c.startswith("callout-"):
            if c[len("callout-"):] not in CALLOUTS:
                raise RenderError(name, lineno, f"div class '.{c}'",
                                  "callouts are " + ", ".join(f"callout-{k}" for k in sorted(CALLOUTS)))
        elif c not in DIV_CLASSES:
            raise RenderError(name, lineno, f"div class '.{c}'",
                              "supported div classes are the callouts and " + ", ".join(sorted(DIV_CLASSES)))
    for ident in ids:
        if ident.startswith(("fig-", "tbl-")):
            raise RenderError(name, lineno, f"div id '#{ident}'",
                              "figure and table divs are not supported: label a cell instead")
        prefix = ident.split("-", 1)[0] + "-"
        if prefix in _NUMBERED_DIVS:
            raise RenderError(name, lineno, f"div id '#{ident}'",
                              f"Quarto numbers a '{prefix}' div as a {_NUMBERED_DIVS[prefix]}; "
                              "the offline renderer does not, so it refuses rather than drop the number")
    keys = re.findall(r"(?<![\w-])([\w-]+)\s*=", body)
    if any(c.startswith("callout-") for c in classes):
        for key in keys:
            if key not in CALLOUT_ATTRIBUTES:
                raise RenderError(name, lineno, f"callout attribute '{key}'",
                                  "the offline renderer implements only "
                                  + ", ".join(sorted(CALLOUT_ATTRIBUTES)) + " for callouts")


_PARAM_NAME = re.compile(r"^[A-Za-z_]\w*$")


_PARAM_VALUE = re.compile(r"^[\w.+-]+$")


def parameter_suffix(params: dict) -> str:
    """'-r0.3' for {'r': '0.3'}: the output-name suffix of a render with parameters
    (the values as typed, so that make and the renderer agree on the name)."""
    return "".join(f"-{k}{v}" for k, v in params.items())


def inject_parameters(doc: Document, params: dict, name: str) -> None:
    """As Quarto's Jupyter engine (papermill's convention): the values given on the
    command line (-P name:value, values as typed) run in a new cell right after the cell tagged
    'parameters'; the outputs get their own name (report-r0.3.html), and so does
    the execution cache entry, whose key covers the new cell's code."""
    if not params:
        return
    k = next((i for i, c in enumerate(doc.chunks) if isinstance(c, Cell)
              and "parameters" in (c.options.get("tags") or [])), None)
    if k is None:
        raise RenderError(name, None, "-P " + ", ".join(params),
                          "the document has no cell tagged 'parameters' (#| tags: [parameters])")
    declared = set(re.findall(r"(?m)^([A-Za-z_]\w*)\s*=", doc.chunks[k].source))
    for key in params:
        if not _PARAM_NAME.match(key):
            raise RenderError(name, doc.chunks[k].line, f"-P {key}", "a parameter name is a Python name")
        if key not in declared:
            raise RenderError(name, doc.chunks[k].line, f"-P {key}",
                              "not a parameter of this document: " + ", ".join(sorted(declared)))
        if not _PARAM_VALUE.match(str(params[key])):
            raise RenderError(name, doc.chunks[k].line, f"-P {key}:{params[key]}",
                              "a value is a number or a word (letters, digits, '.', '+', '-', '_'); "
                              "it becomes part of the output file's name")
    # values as Quarto reads them: YAML (0.3 is a number, exact a string)
    code = "# Injected Parameters\n" + "\n".join(
        f"{key} = {yaml.safe_load(str(value))!r}" for key, value in params.items())
    cell = Cell(code, {"tags": ["injected-parameters"]}, doc.chunks[k].line)
    doc.chunks.insert(k + 1, cell)
    doc.stem = doc.path.stem + parameter_suffix(params)
