"""The offline renderer: every supported construct, and every way it refuses."""
from __future__ import annotations

import re
import shutil

import pytest
from pypdf import PdfReader

from render.errors import RenderError
from render.pipeline import render

from tests.conftest import ROOT, make_project

pytestmark = pytest.mark.render


# ---------------------------------------------------------------- HTML ----

@pytest.fixture(scope="module")
def html(fixture_render) -> str:
    return (fixture_render / "everything.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def pdf_text(fixture_render) -> str:
    reader = PdfReader(fixture_render / "everything.pdf")
    return "\n".join(page.extract_text() for page in reader.pages)


def test_cross_references_are_numbered_and_linked(html):
    for ident, text in [("fig-line", "Figure 1"), ("tbl-nums", "Table 1"),
                        ("tbl-frame", "Table 2"), ("sec-method", "Section 2")]:
        nbsp = text.replace(" ", "\u00a0")  # Quarto: "Figure&nbsp;1"
        assert re.search(rf'<a href="#{ident}"[^>]*>{nbsp}</a>', html), ident
        assert f'id="{ident}"' in html, f"no target for #{ident}"
    assert "Figure\u00a01: A line." in html
    assert "Table\u00a01: Numbers." in html
    assert "Table\u00a02: A data frame." in html


def test_dataframe_output_is_a_real_table(html):
    table = html.split('id="tbl-frame"', 1)[1].split("</table>", 1)[0]
    assert "<th>arm</th>" in table and "<td>LDN</td>" in table and "<td>9</td>" in table


def test_callouts(html):
    body = html.split("<main", 1)[1]
    assert 'class="callout callout-style-default callout-warning callout-titled"' in body
    warning = body.split("callout-warning", 1)[1].split("callout-body", 1)[0]
    assert "Careful" in warning
    tip = body.split("callout-tip", 1)[1].split("callout-body", 1)[0]
    assert "A tip" in tip


def test_every_image_has_alt_text(html):
    imgs = re.findall(r"<img\b[^>]*>", html)
    assert imgs, "the fixture has a figure"
    for img in imgs:
        alt = re.search(r'\balt="([^"]*)"', img)
        assert alt and alt.group(1).strip(), img[:200]
    assert 'alt="A straight line rising from left to right."' in html


def test_citation_resolved_into_bibliography(html):
    assert 'href="#ref-altman2011ci"' in html
    assert 'id="ref-altman2011ci"' in html
    assert "https://doi.org/10.1136/bmj.d2090" in html
    assert "@altman2011ci" not in html


def test_inline_value_and_echo_include_warning(html):
    assert "The answer is 42 and see" in html
    assert "hello from stdout" in html            # output of an echo: false cell
    assert "print(</span><span" not in html and 'print("hello' not in html
    assert "SHOULD-NOT-APPEAR" not in html        # include: false hides code and output
    assert "NOISY-WARNING" not in html            # warning: false drops the warning
    assert '<details class="code-fold">' in html  # echoed code is folded


def test_html_is_self_contained_and_accessible(html):
    assert re.search(r'<html lang="en-GB"', html)
    assert "<main" in html
    assert not re.search(r'(src|href)="(https?:)?//', html.split("<main", 1)[0])
    assert not re.search(r'<(img|script|iframe|source)[^>]+src="https?://', html)
    assert not re.search(r'<link[^>]+href="https?://', html)
    assert "<script" not in html
    assert "<math" in html                        # MathML, no MathJax
    assert "@media print" in html


# ----------------------------------------------------------------- PDF ----

def test_pdf_has_the_same_content(pdf_text):
    text = re.sub(r"\s+", " ", pdf_text.replace("\u00a0", " "))
    for needle in ["The answer is 42", "Figure 1: A line.", "Table 1: Numbers.",
                   "Table 2: A data frame.", "Section 2", "Altman DG, Bland JM", "Careful",
                   "hello from stdout"]:
        assert needle in text, needle
    assert "SHOULD-NOT-APPEAR" not in text
    assert "answer = 6" not in text               # typst format sets echo: false


def test_pdf_fonts_are_embedded(fixture_render):
    reader = PdfReader(fixture_render / "everything.pdf")
    fonts = 0
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descs = [font] + [d.get_object() for d in font.get("/DescendantFonts", [])]
            desc = next((d["/FontDescriptor"].get_object() for d in descs if "/FontDescriptor" in d), None)
            assert desc is not None and any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")), \
                font.get("/BaseFont")
            fonts += 1
    assert fonts > 0


# -------------------------------------------------------------- errors ----

BASE = """---
title: Bad
---

# One {#sec-one}

{body}
"""

ERRORS = [
    # (name, body, construct fragment, line)
    ("unknown cell option", "```{python}\n#| fig-width: 4\n1\n```", "cell option 'fig-width'", 8),
    ("shortcode", "Text {{< pagebreak >}}", "shortcode", 7),
    ("unsupported div class", "::: {.column-margin}\nx\n:::", "div class '.column-margin'", 7),
    ("callout attribute not implemented", '::: {.callout-note collapse="true"}\nx\n:::',
     "callout attribute 'collapse'", 7),
    ("callout appearance", '::: {.callout-tip appearance="simple"}\nx\n:::',
     "callout attribute 'appearance'", 7),
    ("numbered theorem-like div", "::: {#cnj-first}\nA conjecture.\n:::", "div id '#cnj-first'", 7),
    ("cross-referenced callout", "::: {#nte-one .callout-note}\nx\n:::", "div id '#nte-one'", 7),
    ("unknown callout", "::: {.callout-danger}\nx\n:::", "div class '.callout-danger'", 7),
    ("other engine", "```{r}\n1\n```", "engine", 7),
    ("unclosed cell", "```{python}\n1 + 1", "code cell", 7),
    ("unknown front matter", None, "front-matter key 'bogus'", 3),
    # Quarto numbers a labelled equation "(1)"; refused rather than printed without it
    ("labelled equation", "$$\nx = 1\n$$ {#eq-one}", "equation label '{#eq-one}'", 9),
]


@pytest.mark.parametrize("name,body,construct,line", ERRORS, ids=[e[0] for e in ERRORS])
def test_unsupported_constructs_name_file_line_and_construct(tmp_path, name, body, construct, line):
    from render import qmd
    text = BASE.replace("{body}", body) if body else "---\ntitle: Bad\nbogus: 1\n---\n\nText\n"
    with pytest.raises(RenderError) as err:
        qmd.parse(tmp_path / "bad.qmd", text, display_name="bad.qmd")
    e = err.value
    assert e.file == "bad.qmd" and e.line == line, str(e)
    assert construct in e.construct, str(e)


RUNTIME_ERRORS = [
    ("raising cell",
     "```{python}\n#| label: boom\nx = 1\ny = x / 0\n```\n",
     ["cell 'boom'", "ZeroDivisionError"], 10),
    ("inline expression",
     "Value: `{python} undefined_name`.\n",
     ["inline expression `{python} undefined_name`", "NameError"], 7),
    ("unresolved cross-reference", "See @fig-missing.\n", ["@fig-missing"], None),
    # Quarto's other cross-reference kinds are named, not sent to citeproc as citations
    ("equation cross-reference", "See @eq-one.\n", ["@eq-one", "an equation"], None),
    ("theorem cross-reference", "See @Thm-one.\n", ["@Thm-one", "a theorem"], None),
    # IPython reports an error in a _repr_*_ method without an exception name
    ("error while displaying a result",
     "```{python}\nclass B:\n    def _repr_markdown_(self):\n        raise ValueError('shown badly')\n"
     "    def __repr__(self):\n        return 'b'\n```\n\n```{python}\n#| label: show\nB()\n```\n",
     ["cell 'show'", "displaying the cell's result failed", "ValueError: shown badly"], 15),
    # the line is the calling line in this cell, not the line in an earlier cell
    ("error in a function from an earlier cell",
     "```{python}\ndef f():\n    return 1 / 0\n```\n\n```{python}\n#| label: call\nx = 1\nf()\n```\n",
     ["cell 'call'", "ZeroDivisionError"], 15),
    ("figure without alt text",
     "```{python}\n#| label: fig-x\n#| fig-cap: X\nfrom matplotlib.figure import Figure\n"
     "f = Figure(); f.subplots(); f\n```\n", ["fig-alt"], 7),
    # reported against the bibliography that lacks the entry, with the line citing it (issue 26)
    ("unknown citation", "As shown [@nobody2020].\n", ["entry 'nobody2020'", "bad.qmd, line 7"], None),
    # No network during a render: what pandoc would fetch to embed is refused first.
    ("remote image in prose", "![A chart](https://example.org/x.png)\n",
     ["remote resource", "https://example.org/x.png"], None),
    ("remote image in a cell's output",
     "```{python}\nfrom IPython.display import Markdown\n"
     "Markdown('![y](https://example.org/y.png)')\n```\n",
     ["remote resource", "https://example.org/y.png"], None),
    ("remote stylesheet in raw HTML", '<link rel="stylesheet" href="//cdn.example.org/a.css">\n',
     ["remote resource", "//cdn.example.org/a.css"], None),
    ("remote CSS url()", '<div style="background: url(https://example.org/bg.png)">x</div>\n',
     ["remote resource", "https://example.org/bg.png"], None),
    ("remote script", '<script src="https://example.org/s.js"></script>\n',
     ["remote resource", "https://example.org/s.js"], None),
]


@pytest.mark.parametrize("name,body,needles,line", RUNTIME_ERRORS, ids=[e[0] for e in RUNTIME_ERRORS])
def test_render_failures_are_reported_and_output_untouched(tmp_path, name, body, needles, line):
    root = make_project(tmp_path)
    doc = root / "bad.qmd"
    doc.write_text("---\ntitle: Bad\n---\n\n# One\n\n" + body, encoding="utf-8")
    out = root / "_output"
    out.mkdir()
    (out / "bad.html").write_text("previous good render", encoding="utf-8")
    with pytest.raises(RenderError) as err:
        render([doc], root=root, outdir=out, quiet=True)
    message = str(err.value)
    for needle in needles:
        assert needle in message, message
    if line is not None:
        assert err.value.line == line, message
    assert err.value.file == ("fixture.bib" if name == "unknown citation" else "bad.qmd")
    assert (out / "bad.html").read_text(encoding="utf-8") == "previous good render"
    assert sorted(p.name for p in out.iterdir()) == ["bad.html"]


def test_paths_are_data_not_markdown(tmp_path):
    """A project folder whose path has "--", spaces, "#" and non-ASCII letters renders
    like any other: no path reaches pandoc as Markdown (where "--" would become a
    dash), so the bibliography and CSL are found and the citations resolve."""
    root = make_project(tmp_path / "dash--dir" / "my proj #1" / "ünï")
    out = root / "_output"
    render([root / "everything.qmd"], root=root, outdir=out, quiet=True, use_cache=False)
    html = (out / "everything.html").read_text(encoding="utf-8")
    assert 'class="csl-entry"' in html and "???" not in html
    assert (out / "everything.pdf").stat().st_size > 1000


def test_date_today_is_the_clocks_date_as_in_quarto(tmp_path, monkeypatch):
    """`date: today` is the day of the render, as Quarto prints it, even when the
    last commit (SOURCE_DATE_EPOCH, here 1 January 2001) is older: the two renderers
    disagreed after midnight."""
    import datetime as dt
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "978307200")
    (tmp_path / "today.qmd").write_text("---\ntitle: Today\ndate: today\ndate-format: YYYY-MM-DD\n"
                                        "format: html\n---\n\nText.\n", encoding="utf-8")
    before = dt.date.today()
    render([tmp_path / "today.qmd"], root=tmp_path, outdir=tmp_path / "_output", quiet=True)
    after = dt.date.today()
    html = (tmp_path / "_output" / "today.html").read_text(encoding="utf-8")
    assert before.isoformat() in html or after.isoformat() in html
    assert "2001-01-01" not in html


PLOT_DOC = """---
title: Plots
---

# One

```{python}
#| fig-alt: "A line rising from left to right."
from matplotlib.figure import Figure
from IPython.display import display
fig = Figure(); ax = fig.subplots(); display(fig)
ax.plot([1, 2])
```

```{python}
(1, 2)
```
"""


def test_plot_return_values_hidden_and_alt_text_kept(tmp_path):
    """As Quarto does: a plotting call's return value ('[<matplotlib.lines.Line2D at
    0x…>]', whose address changes every run) is not printed when the cell shows an
    image; any other value is; and fig-alt reaches the <img> of a figure without a
    fig- label."""
    root = make_project(tmp_path)
    (root / "plots.qmd").write_text(PLOT_DOC, encoding="utf-8")
    render([root / "plots.qmd"], root=root, outdir=root / "_output", quiet=True, use_cache=False)
    html = (root / "_output" / "plots.html").read_text(encoding="utf-8")
    assert "matplotlib.lines" not in html and "Line2D" not in html
    assert "(1, 2)" in html
    assert 'alt="A line rising from left to right."' in html


XREF_DOC = """---
title: Cross-reference forms
---

## Methods {#sec-methods}

```{python}
#| label: fig-line
#| fig-cap: "A line."
#| fig-alt: "A line rising."
import matplotlib.pyplot as plt
plt.plot([1, 2]);
```

Default @fig-line, capitalised @Fig-line, own prefix [Fig. @fig-line], number only
[-@fig-line], and a suffix dropped as Quarto drops it [@fig-line, left]; section [-@sec-methods].
"""


def test_cross_reference_prefix_forms(tmp_path):
    """As Quarto's crossref/refs.lua: '[Fig. @fig-x]' replaces the kind word,
    '[-@fig-x]' is the number alone, '@Fig-x' is '@fig-x', a suffix is dropped."""
    root = make_project(tmp_path)
    (root / "xref.qmd").write_text(XREF_DOC, encoding="utf-8")
    render([root / "xref.qmd"], root=root, outdir=root / "_output", quiet=True, use_cache=False)
    html = (root / "_output" / "xref.html").read_text(encoding="utf-8")
    links = re.findall(r'<a href="#(fig-line|sec-methods)" class="quarto-xref">([^<]*)</a>', html)
    nb = "\u00a0"
    assert links == [("fig-line", f"Figure{nb}1"), ("fig-line", f"Figure{nb}1"),
                     ("fig-line", f"Fig.{nb}1"), ("fig-line", "1"), ("fig-line", f"Figure{nb}1"),
                     ("sec-methods", "1")], links
    assert "left" not in re.sub(r"<[^>]+>", " ", html.split("Default", 1)[1]).split("section")[0]


@pytest.mark.parametrize("edit,needles", [
    # Quarto translates "Figure", "Note", ... by lang; the offline renderer has English only
    (lambda q, y: (q.replace("title: Bad", "title: Bad\nlang: es"), y), ["lang: es", "English"]),
    # without citeproc: true Quarto cites with Typst's own engine
    (lambda q, y: (q, y.replace("    citeproc: true", "")), ["citeproc: true", "Typst"]),
], ids=["non-English lang", "Typst bibliography without citeproc"])
def test_refused_where_quarto_would_differ(tmp_path, edit, needles):
    root = make_project(tmp_path)
    conf = root / "_quarto.yml"
    text, yml = edit(BASE.replace("{body}", "Cited [@altman2011ci].\n"), conf.read_text(encoding="utf-8"))
    conf.write_text(yml, encoding="utf-8")
    (root / "bad.qmd").write_text(text, encoding="utf-8")
    with pytest.raises(RenderError) as err:
        render([root / "bad.qmd"], root=root, outdir=root / "_output", quiet=True, use_cache=False)
    assert err.value.file == "bad.qmd" and err.value.construct, str(err.value)
    for needle in needles:
        assert needle in str(err.value), str(err.value)


def test_whole_project_render_leaves_out_slides_without_reveal_js(tmp_path, capsys):
    """Without npm's reveal.js, `python -m render` (the whole project) says so and
    renders the other documents; asked for the slides by name it refuses."""
    from render.__main__ import _slides_without_reveal
    for name in ("_quarto.yml", "slides.qmd", "report.qmd"):
        shutil.copy(ROOT / name, tmp_path / name)
    assert _slides_without_reveal(tmp_path / "slides.qmd", tmp_path)
    assert "slides.qmd skipped" in capsys.readouterr().err
    assert not _slides_without_reveal(tmp_path / "report.qmd", tmp_path)
    dist = tmp_path / "node_modules" / "reveal.js" / "dist"
    dist.mkdir(parents=True)
    (dist / "reveal.js").write_text("", encoding="utf-8")
    assert _slides_without_reveal(tmp_path / "slides.qmd", tmp_path)  # no package.json: not installed
    (dist.parent / "package.json").write_text("{}", encoding="utf-8")
    assert not _slides_without_reveal(tmp_path / "slides.qmd", tmp_path)
