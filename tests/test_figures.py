"""Figures: each returns a Figure, draws what it was given, reads at the
handout width, leaves no global state behind, and renders to identical SVG
bytes every time."""
from __future__ import annotations

import itertools

import matplotlib
import matplotlib.pyplot as plt  # only to prove that no pyplot figure is created
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from analysis import fmt
from analysis import figures as F
from analysis import style

SEQ = [("LDN first", [("Baseline", 2), ("LDN", 12), ("Placebo", 4), ("Follow-up", 4)]),
       ("Placebo first", [("Baseline", 2), ("Placebo", 4), ("LDN", 12), ("Follow-up", 4)])]
SEQ_UNKNOWN = [("LDN first", [("Baseline", 2), ("LDN", 12), ("Washout", None),
                              ("Placebo", 4), ("Follow-up", 4)]),
               ("Placebo first", [("Baseline", 2), ("Placebo", 4), ("Washout", None),
                                  ("LDN", 12), ("Follow-up", 4)])]
# Wilson 95 % intervals for 9/28 and 3/28, as proportions (rounded; the figure
# only needs low <= x/n <= high)
RESP = [("LDN", 9, 28, 0.179, 0.508), ("Placebo", 3, 28, 0.037, 0.272)]
P_ROWS = [("Pearson \u03c7\u00b2", 0.10), ("\u03c7\u00b2 with continuity correction", 0.18),
          ("Fisher exact", 0.18), ("McNemar exact (paired)", (0.07, 0.15)),
          ("McNemar mid-p (paired)", (0.04, 0.10))]
FOREST = [dict(label="Study A", year=2009, design="crossover", estimate=-0.9, low=-1.7,
               high=-0.1, weight=8.0),
          dict(label="Study B", year=2013, design="crossover", estimate=-0.6, low=-1.1,
               high=-0.1, weight=18.0),
          dict(label="Study C", year=2023, design="crossover", estimate=-0.15, low=-0.5,
               high=0.2, weight=25.0),
          dict(label="Study D", year=2024, design="parallel", estimate=-0.34, low=-0.95,
               high=0.27, weight=28.0),
          dict(label="Study E", year=2025, design="parallel", estimate=0.19, low=-0.2,
               high=0.58, weight=None)]
POOLED = dict(estimate=-0.28, low=-0.6, high=0.04, pi_low=-1.1, pi_high=0.55,
              label="Pooled (random effects)")

BUILDERS = {
    "timeline": lambda w: F.design_timeline(SEQ, endpoint_days=3, width=w),
    "timeline_unknown": lambda w: F.design_timeline(SEQ_UNKNOWN, endpoint_days=3, width=w),
    "pain": lambda w: F.pain_reduction(
        28.8, 18.0, 10.8, 2.0, 19.6, width=w,
        interval_label="95 % CI recovered from the P value, not published"),
    "responders": lambda w: F.responder_rates(RESP, interval_label="lines: 95 % Wilson",
                                              width=w),
    "p": lambda w: F.p_by_analysis(P_ROWS, reported=0.05, width=w),
    "forest": lambda w: F.forest(FOREST, pooled=POOLED, xlabel="SMD in pain", width=w,
                                 favours=("favours LDN", "favours placebo")),
}
WIDTHS = [None, style.SMALL_WIDTH]
CASES = list(itertools.product(BUILDERS, WIDTHS))
IDS = [f"{n}-{'small' if w else 'full'}" for n, w in CASES]


def by_gid(fig: Figure, gid: str):
    found = [a for a in fig.findobj() if a.get_gid() == gid]
    assert len(found) == 1, f"expected one artist with gid {gid!r}, found {len(found)}"
    return found[0]


def svg_texts(svg: bytes) -> list[str]:
    """The words of every <text> element of an SVG."""
    import xml.etree.ElementTree as ET
    root = ET.fromstring(svg)
    return ["".join(el.itertext()) for el in root.iter("{http://www.w3.org/2000/svg}text")]


def assert_fonts_cover(svg: bytes) -> None:
    """The SVG embeds the house font for every weight its texts use, and each
    embedded subset has a glyph for every character set in that weight."""
    import base64
    import io
    import re
    import xml.etree.ElementTree as ET

    from fontTools.ttLib import TTFont
    faces = {}
    for weight, data in re.findall(
            rb"@font-face\{font-family:'DejaVu Sans';font-weight:(\d+);[^}]*"
            rb"url\(data:font/ttf;base64,([A-Za-z0-9+/=]+)\)", svg):
        font = TTFont(io.BytesIO(base64.b64decode(data)))
        assert font["name"].getBestFamilyName() == "DejaVu Sans"
        faces[int(weight)] = set(font.getBestCmap())
    assert faces, "no embedded font"
    for el in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text"):
        css = el.get("style", "")
        assert "font-family: 'DejaVu Sans'" in css, css
        weight = 700 if re.search(r"font-weight: (bold|[6-9]00)", css) else 400
        missing = {c for c in "".join(el.itertext()) if ord(c) not in faces.get(weight, ())}
        assert not missing, f"weight {weight} subset lacks {missing}"


def drawn_texts(fig: Figure):
    """(text, bbox in pixels) for every non-empty text the renderer draws, at
    the dpi of a print PNG (text metrics differ a little between dpis)."""
    fig.set_dpi(150)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    tick_texts, keep = set(), []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            eps = 1e-9 * max(1.0, abs(hi - lo))
            ticks = axis.get_major_ticks() + axis.get_minor_ticks()
            for t in ticks:
                tick_texts.update({id(t.label1), id(t.label2)})
            for t, loc in zip(axis.get_major_ticks(), axis.get_majorticklocs()):
                if lo - eps <= loc <= hi + eps:
                    keep += [lab for lab in (t.label1, t.label2) if lab.get_visible()]
    texts = [t for t in fig.findobj(Text) if id(t) not in tick_texts] + keep
    out = []
    for t in texts:
        if t.get_visible() and t.get_text().strip() and t.get_figure(root=True) is fig:
            out.append((t, t.get_window_extent(renderer)))
    return out


# --- every figure -----------------------------------------------------------------


@pytest.mark.parametrize(("name", "width"), CASES, ids=IDS)
def test_figure_contract(name, width):
    """One build per case (figures are slow to lay out), checked for: a
    Figure, no pyplot state, no rcParams change, house style kept when drawn
    outside it, text >= the minimum size, inside the page and not overlapping,
    deterministic undated SVG."""
    plt.close("all")
    # A deliberately odd global style: the figure must ignore it and leave it.
    odd = {"font.size": 17, "xtick.labelsize": 17, "font.family": "serif"}
    with matplotlib.rc_context(odd):
        before = matplotlib.rcParams.copy()
        fig = BUILDERS[name](width)
        assert matplotlib.rcParams.copy() == before
        assert isinstance(fig, Figure)
        assert plt.get_fignums() == []
        # drawn later, outside the house style (as Jupyter does)
        svg = style.svg_bytes(fig)
        texts = drawn_texts(fig)
        assert matplotlib.rcParams.copy() == before
    assert fig.get_figwidth() == pytest.approx(style.WIDTH if width is None else width)

    assert b"<dc:date>" not in svg and b"Date" not in svg
    # every word drawn is SVG text (searchable; Typst keeps it as text in the
    # PDF), in the house font, whose glyphs the SVG carries for browsers
    words = svg_texts(svg)
    for t, _ in texts:
        for line in t.get_text().replace("\\$", "$").split("\n"):
            assert line in words, f"{line!r} is not text in the SVG"
    assert b'id="DejaVuSans-' not in svg  # no glyph outlines (the old svg.fonttype: path)
    assert_fonts_cover(svg)
    if width is not None:  # a second, independent build gives the same bytes
        assert style.svg_bytes(BUILDERS[name](width)) == svg

    w_px, h_px = fig.bbox.width, fig.bbox.height
    assert texts
    for t, bb in texts:
        size = t.get_fontsize()
        assert style.MIN_FONT_SIZE <= size <= style.FONT_SIZE, (t.get_text(), size)
        assert bb.x0 >= -0.5 and bb.y0 >= -0.5, f"{t.get_text()!r} clipped at left/bottom"
        assert bb.x1 <= w_px + 0.5 and bb.y1 <= h_px + 0.5, \
            f"{t.get_text()!r} clipped at right/top"
    for (a, ba), (b, bb) in itertools.combinations(texts, 2):
        dx = min(ba.x1, bb.x1) - max(ba.x0, bb.x0)
        dy = min(ba.y1, bb.y1) - max(ba.y0, bb.y0)
        assert not (dx > 1 and dy > 1), f"{a.get_text()!r} overlaps {b.get_text()!r}"


def test_svg_words_are_text_only_with_the_house_export():
    """The checks above can fail: the old export (glyphs as outlines) leaves no
    text, and a plain save with svg.fonttype none still draws the haloed row
    labels of a narrow forest plot as outlines (matplotlib draws text with path
    effects as paths); svg_bytes keeps them as text."""
    fig = BUILDERS["forest"](style.SMALL_WIDTH)
    assert svg_texts(style.svg_bytes(fig, rc_overrides={"svg.fonttype": "path"})) == []
    import io
    buf = io.BytesIO()
    with matplotlib.rc_context(style.SAVE_RC):
        fig.savefig(buf, format="svg")
    plain = svg_texts(buf.getvalue())
    ours = svg_texts(style.svg_bytes(fig))
    assert "favours LDN" in " ".join(plain)
    assert "Study A 2009" not in plain and "Study A 2009" in ours
    # the halo is still drawn, under the words
    assert style.svg_bytes(fig).count(b"stroke: #ffffff") >= 10


def test_svg_bytes_repeatable_on_one_figure():
    fig = BUILDERS["pain"](None)
    with matplotlib.rc_context({"svg.hashsalt": None}):  # None means random ids
        one = style.svg_bytes(fig)
        style.png_bytes(fig, dpi=150)  # another save in between (a notebook display)
        two = style.svg_bytes(fig)
    assert one == two
    assert b'<clipPath id="' in one  # there are ids to get wrong


def test_show_figures_as_svg_displays_the_house_svg():
    # In an IPython shell (as in a Jupyter kernel), a Figure a cell returns is
    # displayed as exactly the bytes svg_bytes writes: one save, fixed ids.
    from IPython.core.interactiveshell import InteractiveShell
    shell = InteractiveShell.instance()
    try:
        style.show_figures_as_svg()
        fig = BUILDERS["responders"](None)
        data, _ = shell.display_formatter.format(fig, include={"image/svg+xml"})
        assert data["image/svg+xml"] == style.svg_bytes(fig).decode("utf-8")
    finally:
        shell.display_formatter.formatters["image/svg+xml"].pop(Figure, None)
        InteractiveShell.clear_instance()


def test_show_figures_as_svg_outside_ipython_does_nothing():
    from IPython.core.interactiveshell import InteractiveShell
    assert not InteractiveShell.initialized()
    style.show_figures_as_svg()  # no shell: no error, nothing registered
    assert not InteractiveShell.initialized()


def test_widths():
    # A4 is 210 mm wide; with 25 mm margins the text column is 160 mm = 6.3 in
    assert style.WIDTH == pytest.approx(160 / 25.4, abs=0.05)
    assert style.SMALL_WIDTH == pytest.approx(3.3)


def test_palette_is_okabe_ito():
    # Okabe & Ito (2008) hex values; LDN and placebo differ in luminance, so
    # they stay apart in greyscale, and also by hatch and marker
    assert style.OKABE_ITO == ("#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442",
                               "#0072B2", "#D55E00", "#CC79A7")
    assert {style.LDN, style.PLACEBO, style.BASELINE, style.FOLLOWUP,
            style.HIGHLIGHT} <= set(style.OKABE_ITO)
    assert abs(style._luminance(style.LDN) - style._luminance(style.PLACEBO)) > 0.2
    ldn, pbo = style.series_style("LDN"), style.series_style("Placebo")
    assert ldn["hatch"] != pbo["hatch"] and ldn["marker"] != pbo["marker"]
    assert ldn["linestyle"] != pbo["linestyle"]


# --- geometry reflects the inputs ------------------------------------------------------


def test_timeline_segments_to_scale():
    fig = F.design_timeline(SEQ_UNKNOWN, endpoint_days=3, unknown_weeks=1.5)
    for i, (_, phases) in enumerate(SEQ_UNKNOWN):
        left = 0.0
        for j, (name, weeks) in enumerate(phases):
            rect = by_gid(fig, f"phase-{i}-{j}")
            expected = 1.5 if weeks is None else weeks
            assert rect.get_x() == pytest.approx(left)
            assert rect.get_width() == pytest.approx(expected)
            assert (rect.get_hatch() is not None) == (weeks is None or name != "LDN")
            label = by_gid(fig, f"phase-label-{i}-{j}").get_text()
            assert name in label and (("unknown" in label) == (weeks is None))
            if name in ("LDN", "Placebo"):  # end point = last 3 days of the condition
                mark = by_gid(fig, f"endpoint-{i}-{j}")
                assert mark.get_width() == pytest.approx(3 / 7)
                assert mark.get_x() + mark.get_width() == pytest.approx(left + weeks)
            left += expected
    # the 12 LDN weeks are three times as wide on the page as the 4 placebo weeks
    ax = fig.axes[0]
    ldn, pbo = by_gid(fig, "phase-0-1"), by_gid(fig, "phase-0-3")
    px = [ax.transData.transform([(r.get_x(), 0), (r.get_x() + r.get_width(), 0)])
          for r in (ldn, pbo)]
    assert (px[0][1, 0] - px[0][0, 0]) / (px[1][1, 0] - px[1][0, 0]) == pytest.approx(3)


def test_timeline_without_endpoint_has_no_marks():
    fig = F.design_timeline(SEQ)
    assert not [a for a in fig.findobj() if str(a.get_gid()).startswith("endpoint")]


def test_pain_reduction_geometry():
    fig = BUILDERS["pain"](None)
    assert by_gid(fig, "bar-ldn").get_height() == pytest.approx(28.8)
    assert by_gid(fig, "bar-placebo").get_height() == pytest.approx(18.0)
    (seg,) = by_gid(fig, "difference-interval").get_segments()
    assert sorted(seg[:, 1]) == pytest.approx([2.0, 19.6])
    assert seg[0, 0] == seg[1, 0]  # vertical
    assert by_gid(fig, "difference-point").get_ydata()[0] == pytest.approx(10.8)
    ax, axd = fig.axes
    assert ax.get_ylim() == axd.get_ylim()  # one scale: the point equals the bar gap
    assert by_gid(fig, "value-ldn").get_text() == "28.8 %"
    text = by_gid(fig, "value-difference").get_text()
    assert "10.8" in text and "2.0" in text and "19.6" in text
    assert "recovered" in fig._supxlabel.get_text()


def test_responder_geometry_and_labels():
    fig = BUILDERS["responders"](None)
    for i, (_, x, n, low, high) in enumerate(RESP):
        assert by_gid(fig, f"rate-{i}").get_xdata()[0] == pytest.approx(100 * x / n)
        assert list(by_gid(fig, f"interval-{i}").get_xdata()) == pytest.approx(
            [100 * low, 100 * high])
    # 9/28 = 32.1 %, 3/28 = 10.7 %
    assert by_gid(fig, "value-0").get_text() == "9/28 (32 %)"
    assert by_gid(fig, "value-1").get_text() == "3/28 (11 %)"


def test_responder_percent_rounds_half_up():
    # 1/8 = 12.5 %: half up gives 13 (Python's round-half-even would give 12)
    fig = F.responder_rates([("LDN", 1, 8, 0.02, 0.47)])
    assert by_gid(fig, "value-0").get_text() == "1/8 (13 %)"


def test_p_by_analysis_geometry():
    fig = F.p_by_analysis(P_ROWS, reported=0.016, alpha=0.05)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    assert ax.get_xlim() == pytest.approx((0.005, 1.0))
    assert list(by_gid(fig, "reported-p").get_xdata()) == [0.016, 0.016]
    assert list(by_gid(fig, "alpha-line").get_xdata()) == [0.05, 0.05]
    assert by_gid(fig, "alpha-line").get_linestyle() != "-"
    assert by_gid(fig, "p-point-0").get_xdata()[0] == pytest.approx(0.10)
    assert list(by_gid(fig, "p-range-3").get_xdata()) == pytest.approx([0.07, 0.15])
    assert list(by_gid(fig, "p-range-4").get_xdata()) == pytest.approx([0.04, 0.10])
    rows = [by_gid(fig, f"p-point-{i}").get_ydata()[0] for i in range(3)]
    assert rows == sorted(rows, reverse=True)  # first row on top
    assert by_gid(fig, "value-3").get_text() == f"{fmt.p(0.07)}\u2013{fmt.p(0.15)}"
    assert any(t.get_text().startswith("reported P") for t in fig.findobj(Text))


def test_forest_geometry():
    fig = BUILDERS["forest"](None)
    sizes = {i: by_gid(fig, f"study-{i}").get_sizes()[0] for i in range(len(FOREST))}
    weighted = sorted((r["weight"], sizes[i]) for i, r in enumerate(FOREST) if r["weight"])
    assert [s for _, s in weighted] == sorted(s for _, s in weighted)
    # area proportional to weight
    (w0, s0), (w1, s1) = weighted[0], weighted[-1]
    assert s1 / s0 == pytest.approx(w1 / w0)
    # design by marker shape
    paths = {r["design"]: by_gid(fig, f"study-{i}").get_paths()[0].vertices.shape
             for i, r in enumerate(FOREST)}
    assert paths["crossover"] != paths["parallel"]
    for i, r in enumerate(FOREST):
        assert list(by_gid(fig, f"study-ci-{i}").get_xdata()) == pytest.approx(
            [r["low"], r["high"]])
    xs = by_gid(fig, "pooled-diamond").get_xy()[:, 0]
    assert (xs.min(), xs.max()) == pytest.approx((POOLED["low"], POOLED["high"]))
    assert list(by_gid(fig, "prediction-interval").get_xdata()) == pytest.approx(
        [POOLED["pi_low"], POOLED["pi_high"]])
    assert list(by_gid(fig, "null-line").get_xdata()) == [0, 0]
    assert by_gid(fig, "value-3").get_text() == "\u22120.34 [\u22120.95, 0.27]"
    assert "favours LDN" in by_gid(fig, "favours-left").get_text()
    assert "favours placebo" in by_gid(fig, "favours-right").get_text()
    legend = fig.axes[0].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["Crossover", "Parallel"]


def test_forest_without_weights_or_pool():
    rows = [dict(r, weight=None) for r in FOREST[:2]]
    fig = F.forest(rows, xlabel="x", favours=("a", "b"))
    assert by_gid(fig, "study-0").get_sizes()[0] == by_gid(fig, "study-1").get_sizes()[0]
    assert not [a for a in fig.findobj() if a.get_gid() == "pooled-diamond"]


# --- bad input says what is wrong ------------------------------------------------------


@pytest.mark.parametrize(("call", "match"), [
    (lambda: F.pain_reduction(28.8, 18.0, 10.8, 12.0, 19.6, interval_label="x"),
     "low <= estimate"),
    (lambda: F.responder_rates([("LDN", 9, 28, 17.9, 50.8)]), "proportions"),
    (lambda: F.responder_rates([("LDN", 29, 28, 0.1, 0.9)]), "0 <= x <= n"),
    (lambda: F.p_by_analysis([("a", 1.5)], reported=0.05), "0 < P <= 1"),
    (lambda: F.p_by_analysis([("a", 0.001)], reported=0.05), "widen xlim"),
    (lambda: F.forest([dict(FOREST[0], design="cluster")], xlabel="x", favours=("a", "b")),
     "crossover"),
    (lambda: F.design_timeline([("s", [("LDN", -2)])]), "weeks must be"),
])
def test_bad_input_raises(call, match):
    with pytest.raises(ValueError, match=match):
        call()
