"""Data is text, not markup: fmt.text makes any string literal in pandoc Markdown.

Each hostile string is escaped with ``fmt.text`` and converted by the pandoc the
offline renderer uses (``render.pipeline.pandoc_path()``), as a paragraph and as
a table cell: the HTML must hold exactly the text and no element or attribute
from it, the plain-text output the same text, and the Typst output (compiled,
text read back with pypdf) the same text. One pandoc run per format covers every
string. The end-to-end render of a hostile claim is in tests/test_trust.py.
"""
from __future__ import annotations

import re
import subprocess
from html.parser import HTMLParser

from pathlib import Path

import pytest

from analysis import fmt, tables

# (id, string as it would sit in a CSV cell, what a reader must see; None = the string itself)
HOSTILE = [
    ("html-attribute", '<b onmouseover="alert(1)">as</b>', None),
    ("script-then-link", "<script>alert(2)</script> a [link](javascript:alert(3)) breakthrough.", None),
    ("remote-image", '<img src="https://example.org/x.png" onerror="alert(4)">', None),
    ("emphasis", "*LDN* _LDN_ **bold** __bold__", None),
    ("math", "$x^2$ and $$y$$", None),
    ("tex", r"\(z\) \textbf{x} \newpage", None),
    ("citation", "@younger2013fibromyalgia", None),
    ("bracketed-citation", "[@a; @b, p. 3] [-@c]", None),
    ("cross-reference", "@fig-forest and @tbl-claims", None),
    ("quotes-less-than-ampersand", '3 < 4 & "major"', None),
    ("entities", "&amp; &lt;b&gt; &#60;", None),
    ("backslashes", "a\\b \\\\ \\* \\", None),
    ("pipes", "a | b || c", None),
    ("newline", "first line\nsecond line", "first line second line"),
    ("hard-line-break", "two spaces  \nthen", "two spaces then"),
    ("tab", "a\tb", "a b"),
    ("shortcode", "{{< meta title >}}", None),
    ("escaped-shortcode", "{{{< var x >}}}", None),
    ("html-comment", "<!-- x -->", None),
    ("superscript", "^sup^", None),
    ("subscript-strikeout", "~sub~ ~~strike~~", None),
    ("dashes", "a -- b --- c", None),
    ("ellipsis", "wait...", None),
    ("typst-soft-hyphen", "x-?y", None),
    ("apostrophes", "it's 'quoted'", None),
    ("header", "# not a header", None),
    ("ordered-list", "1. not a list", None),
    ("fancy-list", "iv) not a list", None),
    ("example-list", "(@) not a list", None),
    ("bullet", "- not a bullet", None),
    ("plus-bullet", "+ not a bullet", None),
    ("block-quote", "> not a quote", None),
    ("line-block", "| not a line block", None),
    ("definition", ": not a definition", None),
    ("horizontal-rule", "***", None),
    ("indented-code", "    not code", "not code"),
    ("fenced-div", "::: {.callout-note}", None),
    ("code-fence", "```{python}", None),
    ("autolink", "<http://x.y>", None),
    ("email-autolink", "<a@b.c>", None),
    ("bare-url", "https://example.org/a_b_c_", None),
    ("link-with-title", '[link](http://x.y "title")', None),
    ("image", "![alt](x.png)", None),
    ("footnotes", "x^[note] [^1]", None),
    ("span", '[text]{.class style="color:red"}', None),
    ("raw-attribute", "`<b>x</b>`{=html}", None),
    ("code-span", "`code`", None),
    ("emoji", ":smile:", None),
    ("mark", "==mark==", None),
    ("typst-markup", "#set text(red) = heading / term: x a // b /* c */", None),
    ("unicode", "“curly” – ≤ 0.001 µg naïve, 4.5\u00a0mg", None),
]
IDS = [c[0] for c in HOSTILE]
# Known leaks downstream of Markdown: pandoc's Typst writer does not escape
# Typst's shorthands '...' (ellipsis) and '-?' (soft hyphen), so Typst changes
# them whatever the Markdown says; no Markdown escape reaches them. The fix
# belongs where the Typst is written (the renderer, or pandoc upstream).
# Typst shorthands ("...", "-?", and "--" under Quarto's pandoc 3.6) that pandoc's typst
# writer leaves unescaped: _typst/typst-shorthands.lua, which both renderers run, escapes
# them; without it the "ellipsis" and "typst-soft-hyphen" cases fail.
SHORTHANDS = Path(__file__).resolve().parents[1] / "_typst" / "typst-shorthands.lua"
ALLOWED_TAGS = {"p", "table", "thead", "tbody", "tr", "th", "td", "colgroup", "col"}


def expected(case) -> str:
    return case[1] if case[2] is None else case[2]


class _Cells(HTMLParser):
    """Text and nested tags of each top-level <p> and each <td>, plus every tag seen."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[dict] = []
        self.tags: list[tuple[str, list]] = []
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        if tag in ("p", "td") and self._open is None:
            self._open = {"tag": tag, "text": "", "inner": []}
        elif self._open is not None:
            self._open["inner"].append((tag, attrs))

    def handle_endtag(self, tag):
        if self._open is not None and tag == self._open["tag"]:
            self.blocks.append(self._open)
            self._open = None

    def handle_data(self, data):
        if self._open is not None:
            self._open["text"] += data


def _pandoc(markdown: str, *args: str) -> str:
    from render.pipeline import pandoc_path
    proc = subprocess.run([pandoc_path(), "-f", "markdown", *args], input=markdown,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s.replace("\u00a0", " ")).strip()


@pytest.fixture(scope="module")
def paragraphs() -> str:
    return "\n\n".join(fmt.text(s) for _, s, _ in HOSTILE) + "\n"


@pytest.fixture(scope="module")
def html_blocks(paragraphs):
    table = tables.md_table(["Case", "Text"], [[fmt.text(i), fmt.text(s)] for i, s, _ in HOSTILE])
    parser = _Cells()
    parser.feed(_pandoc(paragraphs + "\n" + table + "\n", "-t", "html5"))
    paras = [b for b in parser.blocks if b["tag"] == "p"]
    cells = [b for b in parser.blocks if b["tag"] == "td"][1::2]  # the Text column
    return {"p": paras, "td": cells, "tags": parser.tags}


@pytest.fixture(scope="module")
def plain(paragraphs):
    return _pandoc(paragraphs, "-t", "plain", "--wrap=none").rstrip("\n").split("\n\n")


@pytest.fixture(scope="module")
def typst_text(paragraphs, tmp_path_factory):
    """Each paragraph's text as Typst lays it out (pandoc -> typst -> PDF -> pypdf)."""
    import typst
    from pypdf import PdfReader
    # as both renderers write Typst: with the project's shorthand filter
    body = _pandoc(paragraphs, "--lua-filter", str(SHORTHANDS), "-t", "typst", "--wrap=none")
    # One paragraph per page, so each case's text is read back on its own.
    src = "#set page(width: 30cm, height: auto, margin: 1cm)\n" + \
          "\n#pagebreak()\n".join(p for p in body.strip().split("\n\n"))
    tmp = tmp_path_factory.mktemp("typst")
    (tmp / "cases.typ").write_text(src, encoding="utf-8")
    typst.compile(str(tmp / "cases.typ"), output=str(tmp / "cases.pdf"), font_paths=[],
                  ignore_system_fonts=True)
    return [_norm(p.extract_text().replace("\u00ad", "")) for p in PdfReader(tmp / "cases.pdf").pages]


def test_every_case_is_one_block(html_blocks, plain, typst_text):
    """Control: one paragraph and one cell per case, so the per-case tests compare like with like."""
    assert len(html_blocks["p"]) == len(html_blocks["td"]) == len(plain) == len(typst_text) == len(HOSTILE)


def _table_layout(attrs) -> bool:
    """The only attributes pandoc itself writes here: column widths and cell alignment."""
    return all(k == "style" and re.fullmatch(r"width: \d+%|text-align: (left|right|center);", v)
               for k, v in attrs)


def test_no_element_or_attribute_comes_from_the_data(html_blocks):
    stray = [(t, a) for t, a in html_blocks["tags"] if t not in ALLOWED_TAGS or not _table_layout(a)]
    assert not stray, stray


@pytest.mark.parametrize("i", range(len(HOSTILE)), ids=IDS)
def test_html_paragraph_and_cell_hold_the_text_as_written(html_blocks, i):
    for block in (html_blocks["p"][i], html_blocks["td"][i]):
        assert block["inner"] == [], f"markup from the data: {block['inner']}"
        assert _norm(block["text"]) == _norm(expected(HOSTILE[i]))


@pytest.mark.parametrize("i", range(len(HOSTILE)), ids=IDS)
def test_plain_text_is_the_text_as_written(plain, i):
    assert _norm(plain[i]) == _norm(expected(HOSTILE[i]))


@pytest.mark.parametrize("i", range(len(HOSTILE)), ids=IDS)
def test_typst_pdf_text_is_the_text_as_written(typst_text, i):
    assert typst_text[i] == _norm(expected(HOSTILE[i]))


@pytest.mark.parametrize("case", HOSTILE, ids=IDS)
def test_no_quarto_shortcode_survives_escaping(case):
    # Quarto finds shortcodes by their opening braces before pandoc runs, even in
    # code; no '{{<' may remain in the Markdown, whatever pandoc makes of it.
    assert "{{<" not in fmt.text(case[1])


def test_text_is_plain_for_plain_words():
    """Words, digits and non-ASCII text pass through unchanged; only ASCII punctuation is escaped."""
    assert fmt.text("women with fibromyalgia 2013 naïve “LDN”") == "women with fibromyalgia 2013 naïve “LDN”"
    assert fmt.text("a.b") == "a\\.b"
    assert fmt.text("a\x00b\x1b") == "a\ufffdb\ufffd"  # a control character shows, never acts


def test_table_cells_of_escaped_text_stay_one_cell():
    table = tables.md_table(["A", "B"], [[fmt.text("x | y"), "code | pipe"]])
    row = table.splitlines()[2]
    assert row == "| x \\| y | code \\| pipe |"
    with pytest.raises(ValueError, match="line break"):
        tables.md_table(["A"], [["two\nlines"]])


@pytest.mark.parametrize("bad", ["a b", "x`y", "{{<", "a]{.x}", "", "-leading"])
def test_code_and_citation_refuse_what_is_not_an_identifier(bad):
    with pytest.raises(ValueError):
        fmt.code(bad)
    with pytest.raises(ValueError):
        fmt.citation(bad)
    assert fmt.code("y13.pain.p") == "`y13.pain.p`"
    assert fmt.citation("nct00568555") == "[@nct00568555]"


@pytest.mark.parametrize("width", [None, 3.5], ids=["side-by-side", "stacked"])
def test_figure_labels_from_data_are_not_mathtext(width):
    """A '$' in a study's name is a dollar sign in the forest plot, not mathtext."""
    from analysis import figures, style
    label = "Trial $x^2$ cost $5 or $6"  # an even number of dollars: mathtext if not escaped
    rows = [{"label": label, "year": 2024, "design": "parallel", "estimate": -0.1, "low": -0.4,
             "high": 0.2, "weight": None}]
    fig = figures.forest(rows, xlabel="g", favours=("LDN", "placebo"), width=width)
    from matplotlib.text import Text
    for t in fig.findobj(Text):
        t.set_path_effects([])  # a halo draws its text as paths; the test reads SVG text
    svg = style.svg_bytes(fig, rc_overrides={"svg.fonttype": "none"}).decode()
    texts = []

    class _Text(HTMLParser):
        def handle_data(self, data):
            texts.append(data)
    _Text().feed(svg)
    assert any(label in t for t in texts), [t for t in texts if "Trial" in t]
