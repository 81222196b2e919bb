"""Where the outputs are published and how to cite and reuse them.

One setting says where the rendered files are published: ``site-url`` at the
top level of ``_quarto.yml`` (empty by default; a fork sets its own). Every
document reads it through :func:`site_url`, so both renderers print the same.
The citation comes from ``CITATION.cff`` (:func:`citation`), the QR code for
the address from segno (:func:`qr_svg`), and the landing page lists
:data:`OUTPUTS`.
"""
from __future__ import annotations

import re
from pathlib import Path

import yaml

CONFIG = "_quarto.yml"
CFF = "CITATION.cff"

# The files a reader can open from the landing page (index.qmd), in the order
# it lists them: (file in the output folder, what it is). Only files the
# project renders belong here; tests/test_publish.py checks both ways against
# what each renderer writes. A new output (slides, a notebook) is one line here.
OUTPUTS: tuple[tuple[str, str], ...] = (
    ("report.html", "the full report, one self-contained web page (figures and "
                    "code inside, code folded; opens offline)"),
    ("report.pdf", "the same report as a PDF, without code"),
    ("handout.pdf", "the two-page journal-club handout, for printing"),
    ("slides.html", "twelve slides for presenting it, with speaker notes (press S); one "
                    "self-contained web page"),
    ("report.ipynb", "the executed report as a Jupyter notebook: change an assumption in its "
                     "parameters cell and re-run it from a copy of the repository"),
)

LICENCE_SENTENCE = ("Code under the MIT licence; text, figures and data under "
                    "Creative Commons Attribution 4.0 (CC BY 4.0). The published numbers "
                    "come from the sources the report names, and each source keeps its "
                    "own citation.")

_URL = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._~:/?#@!$&'()*+,;=%-]*)?")


class PublishError(ValueError):
    """A bad setting in _quarto.yml or CITATION.cff: file, what, how to fix."""


def check_url(value, *, where: str, key: str = "site-url") -> str | None:
    """An address setting: None when empty, else an http(s) address with no
    spaces or quotes (it is printed, linked and put in a QR code as it is)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip()
    if not _URL.fullmatch(text):
        raise PublishError(
            f"{where}: {key} {text!r} is not a web address. Give the full address, starting "
            "with https:// (for GitHub Pages https://OWNER.github.io/REPOSITORY/), or "
            "leave it empty.")
    return text


def yaml_problem(exc: Exception) -> tuple[int | None, str]:
    """A YAML syntax error as (line, text): the line where the construct that failed
    begins (PyYAML's context mark, else its problem mark), and both what was being
    read and what went wrong, with the problem's own line when it is another."""
    context, problem = getattr(exc, "context", None), getattr(exc, "problem", None)
    cmark, pmark = getattr(exc, "context_mark", None), getattr(exc, "problem_mark", None)
    mark = cmark or pmark
    if not problem:
        return (mark.line + 1 if mark else None), str(exc).splitlines()[0]
    text = f"{context}: {problem}" if context else problem
    if cmark and pmark and pmark.line != cmark.line:
        text += f" (line {pmark.line + 1})"
    return (mark.line + 1 if mark else None), text


def _read_yaml(path: Path) -> dict:
    if not path.is_file():
        raise PublishError(f"{path.name}: not found in {path.parent.name or '.'}; "
                           "run from the project folder")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        line, text = yaml_problem(exc)
        where = f"{path.name}, line {line}" if line else path.name
        raise PublishError(f"{where}: not valid YAML: {text}. Correct the syntax there.") from None
    except UnicodeDecodeError as exc:
        raise PublishError(f"{path.name}: not valid UTF-8 ({exc.reason} at byte {exc.start}); "
                           "save it as UTF-8") from None
    if not isinstance(data, dict):
        raise PublishError(f"{path.name}: expected a mapping of keys at the top level")
    return data


def site_url(root: Path | str = ".") -> str | None:
    """The published address, ``site-url`` in ``_quarto.yml`` (None when unset)."""
    return check_url(_read_yaml(Path(root) / CONFIG).get("site-url"), where=CONFIG)


def read_cff(root: Path | str = ".") -> dict:
    """CITATION.cff as a mapping (validated against the schema by the tests)."""
    cff = _read_yaml(Path(root) / CFF)
    for key in ("title", "authors"):
        if not cff.get(key):
            raise PublishError(f"{CFF}: '{key}' is missing; the citation needs it")
    return cff


def _author(a: dict) -> str:
    """One CFF author as a citation names it: an entity's name, or 'Family GN'."""
    if a.get("name"):
        return str(a["name"])
    family = " ".join(str(a[k]) for k in ("name-particle", "family-names") if a.get(k))
    initials = "".join(w[0] for w in str(a.get("given-names", "")).replace("-", " ").split())
    return " ".join(x for x in (family, initials) if x) or "Anonymous"


def citation(cff: dict, *, url: str | None = None, commit: str | None = None,
             date: str | None = None) -> str:
    """The "How to cite" line from CITATION.cff, as plain text: authors, title,
    version or commit and date when given, and the published address."""
    authors = ", ".join(_author(a) for a in cff["authors"])
    parts = [f"{authors}. {str(cff['title']).strip()}."]
    version = f"Version {cff['version']}" if cff.get("version") else None
    if commit:
        version = f"{version}, commit {commit}" if version else f"Commit {commit}"
    if version or date:
        parts.append(", ".join(x for x in (version, date) if x) + ".")
    if url:
        parts.append(url)
    return " ".join(parts)


def citation_markdown(cff: dict, *, url: str | None = None, commit: str | None = None,
                      date: str | None = None) -> str:
    """:func:`citation` as Markdown: its text printed literally, the address a link."""
    from .fmt import text
    line = text(citation(cff, commit=commit, date=date))
    return f"{line} <{url}>" if url else line


def outputs_markdown(outputs=OUTPUTS) -> str:
    """The landing page's list of files: a Markdown bullet list, each file a
    relative link (the landing page sits in the same folder as the files)."""
    from .fmt import text
    lines = []
    for name, what in outputs:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
            raise PublishError(f"analysis/publish.py OUTPUTS: {name!r} is not a plain file name")
        lines.append(f"- [{text(name)}]({name}): {text(what)}")
    return "\n".join(lines)


def stamp(commit: str, date: str, url: str | None) -> str:
    """The line under a document's title (Markdown): the commit and date it was
    rendered from, and the published address when there is one."""
    line = f"Rendered from commit {commit} on {date}."
    return f"{line} Latest version: <{url}>." if url else line


def qr_svg(url: str, *, scale: int = 1) -> str:
    """A QR code for ``url`` as SVG text (segno; error correction M, 4-module
    quiet zone, black on white, no XML declaration), the same bytes every time."""
    import io

    import segno
    qr = segno.make_qr(url, error="m", boost_error=False)
    buf = io.BytesIO()
    qr.save(buf, kind="svg", scale=scale, border=4, dark="#000", light="#fff",
            xmldecl=False, svgns=True, title=None, desc=None, nl=False)
    return buf.getvalue().decode("ascii")


def typst_string(s: str) -> str:
    """``s`` as a Typst string literal."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def qr_typst(url: str, *, size: str = "1.5cm") -> str:
    """A raw Typst block that places the QR code for ``url`` at the top right of
    the page, beside the title (it takes no room in the flow), with alt text."""
    return ("```{=typst}\n"
            f"#place(top + right, image(bytes({typst_string(qr_svg(url))}), format: \"svg\", "
            f"width: {size}, alt: {typst_string('QR code for ' + url)}))\n"
            "```")
