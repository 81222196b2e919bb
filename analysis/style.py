"""One house style for every figure: the Okabe–Ito colour-blind-safe palette
(Okabe & Ito 2008, "Color Universal Design"), hatches and markers that keep
series apart in black-and-white print, font sizes, page widths, and the
matplotlib settings that make an SVG byte-for-byte reproducible.

Figures apply the style locally (``with matplotlib.rc_context(rc(width)):``),
so importing this module or drawing a figure never changes global state.
"""
from __future__ import annotations

import base64
import functools
import io
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from html import unescape
from typing import Any

import matplotlib
from matplotlib import patheffects
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.text import Text

# --- Okabe–Ito palette (sRGB hex, as published) ------------------------------
BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"
OKABE_ITO = (BLACK, ORANGE, SKY_BLUE, BLUISH_GREEN, YELLOW, BLUE, VERMILLION,
             REDDISH_PURPLE)

# --- what each colour means in this project ---------------------------------
LDN = BLUE
PLACEBO = ORANGE
BASELINE = SKY_BLUE
FOLLOWUP = BLUISH_GREEN
HIGHLIGHT = VERMILLION        # the number under scrutiny (e.g. the reported P)
CROSSOVER = REDDISH_PURPLE    # trial design in forest plots
PARALLEL = BLUISH_GREEN
POOLED = BLACK
INK = "#1A1A1A"               # text and axes: near-black
NEUTRAL = "#6E6E6E"           # reference lines, intervals (a grey of black)
LIGHT = "#EFEFEF"             # quiet backgrounds (e.g. the P < alpha region)

# --- black-and-white redundancy: hatch, marker, line style per series --------
HATCH = {"ldn": "", "placebo": "///", "baseline": "..", "followup": "\\\\",
         "washout": "x", "unknown": "x", "other": ""}
MARKER = {"ldn": "o", "placebo": "s", "crossover": "o", "parallel": "s",
          "other": "D"}
LINESTYLE = {"ldn": "-", "placebo": "--", "other": ":"}
COLOR = {"ldn": LDN, "placebo": PLACEBO, "baseline": BASELINE,
         "followup": FOLLOWUP, "washout": "#FFFFFF", "unknown": "#FFFFFF",
         "crossover": CROSSOVER, "parallel": PARALLEL, "other": "#BBBBBB"}

# --- page geometry and type ----------------------------------------------------
WIDTH = 6.3          # inches: an A4 text column (210 mm minus 2 x 25 mm margins)
SMALL_WIDTH = 3.3    # inches: half a column, for the two-page handout
FONT_SIZE = 9        # points, body text in figures at the full width
SMALL_FONT_SIZE = 8  # points, the floor: no figure text is smaller than this
MIN_FONT_SIZE = SMALL_FONT_SIZE
# Ships with matplotlib (which lays the text out with it), is in the PDFs'
# Typst font path (_typst/fonts/, named by `font-paths` in _quarto.yml) and is
# embedded, subset, in every SVG for browsers: the same glyphs everywhere.
FONT_FAMILY = "DejaVu Sans"

# Settings read when a file is written; svg_bytes applies them itself.
SAVE_RC: dict[str, Any] = {
    "svg.hashsalt": "ldn-reanalysis",  # stable clip-path ids
    # Words as SVG <text>, not outlines: Typst keeps them as text in the PDF
    # (searchable, read by screen readers, found by pdftotext), browsers too.
    "svg.fonttype": "none",
    "svg.id": None,
    "pdf.fonttype": 42,
}


def font_sizes(width: float | None = None) -> tuple[float, float]:
    """(body, small) font sizes in points for a figure ``width`` inches wide."""
    w = WIDTH if width is None else float(width)
    body = FONT_SIZE if w >= 4.5 else SMALL_FONT_SIZE
    return body, SMALL_FONT_SIZE


def rc(width: float | None = None) -> dict[str, Any]:
    """matplotlib rc settings for a figure ``width`` inches wide (use with
    ``matplotlib.rc_context``)."""
    body, small = font_sizes(width)
    return {
        **SAVE_RC,
        "font.family": "sans-serif",
        "font.sans-serif": [FONT_FAMILY],
        "font.size": body,
        "axes.titlesize": body,
        "axes.labelsize": body,
        "xtick.labelsize": small,
        "ytick.labelsize": small,
        "legend.fontsize": small,
        "legend.title_fontsize": small,
        "figure.titlesize": body,
        "axes.edgecolor": INK,
        "axes.labelcolor": INK,
        "text.color": INK,
        "xtick.color": INK,
        "ytick.color": INK,
        "axes.linewidth": 0.8,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": False,
        "axes.unicode_minus": True,
        "xtick.direction": "out",
        "ytick.direction": "out",
        "xtick.major.size": 3.0,
        "ytick.major.size": 3.0,
        "xtick.minor.visible": False,
        "ytick.minor.visible": False,
        "legend.frameon": False,
        "lines.linewidth": 1.4,
        "lines.solid_capstyle": "butt",
        "hatch.linewidth": 0.6,
        "hatch.color": INK,
        "patch.linewidth": 0.6,
        "figure.dpi": 100,
        "savefig.dpi": 200,
        "figure.facecolor": "white",
        "savefig.facecolor": "white",
        "image.cmap": "cividis",
    }


RC: dict[str, Any] = rc(WIDTH)
SMALL_RC: dict[str, Any] = rc(SMALL_WIDTH)


def kind(name: str) -> str:
    """Classify a series or phase name: 'ldn', 'placebo', 'baseline',
    'followup', 'washout', 'unknown', 'crossover', 'parallel' or 'other'."""
    s = name.lower().replace("-", "").replace(" ", "")
    for key, words in (("placebo", ("placebo",)),
                       ("ldn", ("ldn", "naltrexone")),
                       ("baseline", ("baseline",)),
                       ("followup", ("followup",)),
                       ("washout", ("washout",)),
                       ("unknown", ("unknown",)),
                       ("crossover", ("crossover",)),
                       ("parallel", ("parallel",))):
        if any(w in s for w in words):
            return key
    return "other"


def series_style(name: str) -> dict[str, Any]:
    """Colour, hatch, marker and line style for a named series."""
    k = kind(name)
    return {"color": COLOR.get(k, COLOR["other"]), "hatch": HATCH.get(k, ""),
            "marker": MARKER.get(k, MARKER["other"]),
            "linestyle": LINESTYLE.get(k, LINESTYLE["other"])}


def _luminance(color: str) -> float:
    """WCAG 2 relative luminance of a colour."""
    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (lin(c) for c in to_rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def text_color_on(face: str) -> str:
    """Black or white, whichever contrasts more with ``face`` (WCAG 2)."""
    lum = _luminance(face)
    on_white = 1.05 / (lum + 0.05)
    on_ink = (lum + 0.05) / (_luminance(INK) + 0.05)
    return "#FFFFFF" if on_white > on_ink else INK


def svg_bytes(fig: Figure, *, rc_overrides: Mapping[str, Any] | None = None) -> bytes:
    """The figure as SVG with fixed ids and no date, so two renders of the same
    figure give identical bytes. Words are SVG <text> in the house font (with
    ``svg.fonttype: none``, the default here), and the glyphs they use are
    embedded as a subset @font-face, so a browser draws them as matplotlib
    laid them out whether or not it has the font."""
    buf = io.BytesIO()
    _reset_layout(fig)
    settings = {**SAVE_RC, **(rc_overrides or {})}
    with matplotlib.rc_context(settings):
        as_text = matplotlib.rcParams["svg.fonttype"] == "none"
        with _halos_under_text(fig) if as_text else _nothing():
            fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = buf.getvalue()
    return _embed_fonts(svg) if as_text else svg


@contextmanager
def _nothing() -> Iterator[None]:
    yield


# Path effects that draw an effect and then the artist itself ("withStroke"):
# under _halos_under_text only the effect is drawn from them.
_WITH_EFFECTS = (patheffects.withStroke, patheffects.withSimplePatchShadow,
                 patheffects.withTickedStroke)


class _EffectOnly(patheffects.AbstractPathEffect):
    """A path effect without its "and then draw the artist" part."""

    def __init__(self, effect: patheffects.AbstractPathEffect):
        super().__init__()
        self._effect = effect

    def draw_path(self, renderer, gc, tpath, affine, rgbFace=None):  # noqa: N803
        effect = self._effect
        if isinstance(effect, _WITH_EFFECTS):
            super(type(effect), effect).draw_path(renderer, gc, tpath, affine, rgbFace)
        else:
            effect.draw_path(renderer, gc, tpath, affine, rgbFace)


@contextmanager
def _halos_under_text(fig: Figure) -> Iterator[None]:
    """While saving, draw each text that has path effects (a white halo) in two
    passes: the effects alone (outlines, as before), then the words as plain
    text on top. matplotlib would otherwise draw the whole text, words
    included, as outlines, and the words would not be text in the SVG."""
    patched = []
    for text in fig.findobj(Text):
        effects = text.get_path_effects()
        if not effects or "draw" in vars(text):
            continue
        under = [_EffectOnly(e) for e in effects if not isinstance(e, patheffects.Normal)]

        def draw(renderer, text=text, effects=effects, under=under):
            try:
                text.set_path_effects(under)
                Text.draw(text, renderer)
                text.set_path_effects([])
                Text.draw(text, renderer)
            finally:
                text.set_path_effects(effects)
        text.draw = draw
        patched.append(text)
    try:
        yield
    finally:
        for text in patched:
            del text.draw


_TEXT = re.compile(r'<text style="([^"]*)"[^>]*>([^<]*)</text>')


@functools.lru_cache(maxsize=None)
def _font_file(weight: str) -> str:
    return findfont(FontProperties(family=FONT_FAMILY, weight=weight), fallback_to_default=False)


@functools.lru_cache(maxsize=256)
def _font_subset(weight: str, chars: str) -> str:
    """``chars`` of the house font at ``weight`` as a TrueType subset, base64;
    the same bytes on every run (no timestamp)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont
    font = TTFont(_font_file(weight), recalcTimestamp=False, lazy=True)
    options = subset.Options()
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]  # names, copyright and licence
    options.name_languages = [0x409]
    options.hinting = False
    options.notdef_outline = True
    # Outlines and advances only: the SVG places each line of text itself.
    options.layout_features = []
    options.drop_tables += ["FFTM", "MATH", "GSUB", "GPOS", "GDEF"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return base64.b64encode(out.getvalue()).decode("ascii")


def _embed_fonts(svg: bytes) -> bytes:
    """Add a subset @font-face of the house font, per weight used, to the SVG's
    style sheet. Only texts set in the house font count; others keep their
    family and the reader's fallback."""
    text = svg.decode("utf-8")
    used: dict[str, set[str]] = {}
    for style_attr, words in _TEXT.findall(text):
        if f"'{FONT_FAMILY}'" not in style_attr.split("font-family:", 1)[-1].split(",", 1)[0]:
            continue
        weight = "bold" if re.search(r"font-weight:\s*(bold|[6-9]00)", style_attr) else "normal"
        used.setdefault(weight, set()).update(unescape(words))
    if not used:
        return svg
    faces = "".join(
        f"@font-face{{font-family:'{FONT_FAMILY}';"
        f"font-weight:{700 if weight == 'bold' else 400};font-style:normal;"
        f"src:url(data:font/ttf;base64,{_font_subset(weight, ''.join(sorted(chars)))})"
        f" format('truetype')}}\n"
        for weight, chars in sorted(used.items()))
    marker = '<style type="text/css">'
    if marker not in text:
        raise ValueError("svg_bytes: matplotlib's SVG has no <style> element to "
                         "add the figure font to; update analysis/style.py")
    return text.replace(marker, marker + faces, 1).encode("utf-8")


def show_figures_as_svg() -> None:
    """Display every matplotlib Figure a cell returns as :func:`svg_bytes`
    writes it, under Quarto and the offline renderer alike.

    Jupyter's inline backend would save with ``bbox_inches="tight"``: one
    extra layout and draw pass per figure (the figures already fit their
    size through constrained layout) and margins trimmed to the ink. Call it
    once, in a document's set-up cell; outside IPython it does nothing."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        svg = shell.display_formatter.formatters["image/svg+xml"]
        svg.for_type(Figure, lambda fig: svg_bytes(fig).decode("utf-8"))


def _reset_layout(fig: Figure) -> None:
    """Put every subplot back at its grid position. Constrained layout re-fits
    on each save starting from the current positions, which earlier saves (a
    PNG, a notebook display) move in the last digits; starting each SVG from
    the same place makes its coordinates, and so its bytes, repeatable."""
    for ax in fig.axes:
        spec = ax.get_subplotspec()
        if spec is not None:
            in_layout = ax.get_in_layout()
            ax.set_position(spec.get_position(fig))
            ax.set_in_layout(in_layout)  # set_position takes it out of the layout


def png_bytes(fig: Figure, *, dpi: float = 200) -> bytes:
    """The figure as PNG without the software/date text chunks."""
    buf = io.BytesIO()
    _reset_layout(fig)
    with matplotlib.rc_context(SAVE_RC):
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()
