"""Figures for the report and the handout: plain numbers in, one
``matplotlib.figure.Figure`` out. No pyplot, no global state: each function
applies the house style (``analysis.style``) inside ``matplotlib.rc_context``
and leaves rcParams as it found them.

Every function takes ``width`` in inches (default ``style.WIDTH``, an A4 text
column; ``style.SMALL_WIDTH`` for the handout). Text never goes below
``style.MIN_FONT_SIZE`` points. Labels are drawn directly on the data;
legends appear only where a symbol needs a key (trial design in the forest
plot).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

import matplotlib
from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon
from matplotlib.textpath import text_to_path
from matplotlib.ticker import FixedLocator, FuncFormatter, MultipleLocator, NullLocator

from . import fmt, style

Formatter = Callable[[float], str]

# A thin white outline that keeps text legible where it crosses a line.
_HALO = [patheffects.withStroke(linewidth=2.2, foreground="white")]

# Below this width, row labels move from a left-hand column to a line above
# each row, so the plotting area keeps most of the page width.
_STACK_BELOW = 4.5


# --- small helpers -------------------------------------------------------------

def _width(width: float | None) -> float:
    w = style.WIDTH if width is None else float(width)
    if not (math.isfinite(w) and w > 0):
        raise ValueError(f"width must be a positive number of inches, got {width!r}")
    return w


_num = fmt.num  # one formatting module for text, tables and figures
_p = fmt.p


def _pct_int(x: int, n: int) -> int:
    """100·x/n rounded half up, in exact integer arithmetic."""
    return (200 * x + n) // (2 * n)


def _text_width_pt(text: str, size: float) -> float:
    """Width of one line of text in points, in the house font."""
    prop = FontProperties(family=style.FONT_FAMILY, size=size)
    return text_to_path.get_text_width_height_descent(text, prop, ismath=False)[0]


def _finite(name: str, *values: float | None) -> None:
    for v in values:
        if v is None or not math.isfinite(float(v)):
            raise ValueError(f"{name} must be a finite number, got {v!r}")


def _check_interval(name: str, est: float, low: float, high: float) -> None:
    _finite(name, est, low, high)
    if not low <= est <= high:
        raise ValueError(f"{name}: need low <= estimate <= high, got "
                         f"low={low!r}, estimate={est!r}, high={high!r}")


def _new_figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    fig.get_layout_engine().set(w_pad=2 / 72, h_pad=2 / 72, wspace=0.04, hspace=0.02)
    return fig


def _finish(fig: Figure) -> Figure:
    """Lay the figure out while the house style is active, so lazily created
    artists (tick labels) take the house fonts, not the global ones. The
    layout engine stays on: each save re-fits the layout to its own dpi and
    text metrics, so nothing is clipped in PNG, PDF or SVG."""
    # Creating the first major and minor tick of each axis here is enough:
    # matplotlib copies the first tick's properties to every tick it adds later.
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            axis.get_major_ticks(1)
            axis.get_minor_ticks(1)
    return fig


def _tick_style(ax: Any, small: float) -> None:
    """Tick settings stored on the axes (they survive outside rc_context)."""
    ax.tick_params(axis="both", labelsize=small, colors=style.INK, length=3,
                   width=0.8, direction="out")


def _hide_y_axis(ax: Any) -> None:
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)


def _row_labels(ax: Any, ys: Sequence[float], left: Sequence[str],
                right: Sequence[str] | None, *, stacked: bool, size: float,
                header: str | None = None) -> None:
    """Row labels and an optional right-hand text column.

    Side by side (wide figures): labels are y tick labels, the right column
    sits just outside the axes. Stacked (narrow figures): both go on a line
    above each row, label flush left and value flush right. Labels are drawn
    literally (``fmt.figure_text``: a '$' in a study's name is a dollar sign,
    not mathtext)."""
    trans = ax.get_yaxis_transform()  # x in axes fraction, y in data
    left = [fmt.figure_text(s) for s in left]  # labels may come from data: never mathtext
    if not stacked:
        ax.set_yticks(list(ys), list(left))
        if right is not None:
            for i, (y, s) in enumerate(zip(ys, right)):
                ax.text(1.02, y, s, transform=trans, ha="left", va="center",
                        fontsize=size, gid=f"value-{i}")
            if header:
                ax.text(1.02, 1.0, header, transform=ax.transAxes, ha="left",
                        va="bottom", fontsize=size, fontweight="bold")
        return
    ax.set_yticks([])
    for i, (y, s) in enumerate(zip(ys, left)):
        ax.text(0.0, y + 0.22, s, transform=trans, ha="left", va="bottom",
                fontsize=size, path_effects=_HALO, zorder=5, gid=f"label-{i}")
        if right is not None:
            ax.text(1.0, y + 0.22, right[i], transform=trans, ha="right",
                    va="bottom", fontsize=size, path_effects=_HALO, zorder=5,
                    gid=f"value-{i}")
    if header and right is not None:
        ax.text(1.0, 1.0, header, transform=ax.transAxes, ha="right",
                va="bottom", fontsize=size, fontweight="bold")


def _shade(color: str, amount: float) -> tuple[float, float, float]:
    """Mix ``color`` towards ink by ``amount`` (0..1): for hatch lines."""
    r, g, b = matplotlib.colors.to_rgb(color)
    ir, ig, ib = matplotlib.colors.to_rgb(style.INK)
    return (r + (ir - r) * amount, g + (ig - g) * amount, b + (ib - b) * amount)


# --- 1. design timeline ----------------------------------------------------------

def _wrap_pt(text: str, size: float, max_pt: float) -> list[str]:
    """Greedy word wrap of ``text`` to lines at most ``max_pt`` points wide."""
    lines: list[str] = []
    for word in text.split():
        if lines and _text_width_pt(f"{lines[-1]} {word}", size) <= max_pt:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def design_timeline(
    sequences: Sequence[tuple[str, Sequence[tuple[str, float | None]]]],
    *,
    endpoint_days: float | None = None,
    conditions: Collection[str] = ("LDN", "Placebo"),
    unknown_weeks: float = 1.0,
    xlabel: str = "Weeks from start",
    width: float | None = None,
) -> Figure:
    """Crossover design to scale in weeks: one bar per sequence, one segment
    per phase; a phase with ``weeks=None`` is a hatched gap of nominal width
    ``unknown_weeks`` labelled "unknown"; ``endpoint_days`` marks the last
    days of each phase named in ``conditions``."""
    w = _width(width)
    body, small = style.font_sizes(w)
    if not sequences:
        raise ValueError("design_timeline needs at least one sequence")
    _finite("unknown_weeks", unknown_weeks)
    if unknown_weeks <= 0:
        raise ValueError(f"unknown_weeks must be > 0, got {unknown_weeks!r}")
    for seq_name, phases in sequences:
        if not phases:
            raise ValueError(f"sequence {seq_name!r} has no phases")
        for pname, weeks in phases:
            if weeks is not None and not (math.isfinite(weeks) and weeks > 0):
                raise ValueError(f"sequence {seq_name!r}, phase {pname!r}: weeks must be "
                                 f"> 0 or None (unknown length), got {weeks!r}")
    if endpoint_days is not None:
        _finite("endpoint_days", endpoint_days)
        if endpoint_days <= 0:
            raise ValueError(f"endpoint_days must be > 0, got {endpoint_days!r}")
    cond = {c.lower() for c in conditions}
    any_unknown = any(wk is None for _, ph in sequences for _, wk in ph)

    # Phase geometry in weeks.
    segs = []  # (row, phase, left, weeks, name, unknown, endpoint weeks)
    total = 0.0
    for i, (_, phases) in enumerate(sequences):
        left = 0.0
        for j, (pname, weeks) in enumerate(phases):
            unknown = weeks is None
            wk = float(unknown_weeks if unknown else weeks)
            end_w = 0.0
            if endpoint_days is not None and not unknown and pname.lower() in cond:
                end_w = min(endpoint_days / 7.0, wk)
            segs.append((i, j, left, wk, pname, unknown, end_w))
            left += wk
        total = max(total, left)

    n = len(sequences)
    # Vertical geometry in points (the y data unit is fitted to one point below).
    bar_pt, tier_pt, gap_pt, edge_pt = 18.0, small * 1.3 + 1.0, 8.0, 3.0
    with matplotlib.rc_context(style.rc(w)):
        fig = _new_figure(w, 0.6 + 0.7 * n)
        ax = fig.subplots()
        _tick_style(ax, small)
        _hide_y_axis(ax)
        pad_x = 0.01 * total
        ax.set_xlim(-pad_x, total + pad_x)
        ax.set_yticks(range(n), [s for s, _ in sequences])
        step = 2 if (w >= _STACK_BELOW and total <= 30) else (4 if total <= 60 else 8)
        ax.xaxis.set_major_locator(MultipleLocator(step))
        ax.xaxis.set_minor_locator(NullLocator())
        notes = []
        if any_unknown:
            notes.append(f"Hatched: phase of unknown length, drawn as "
                         f"{_num(unknown_weeks, 0)} week{'s' if unknown_weeks != 1 else ''}.")
        if endpoint_days is not None:
            notes.append(f"\u25ae End point: mean of the last {_num(endpoint_days, 0)} days "
                         "of each condition.")
        note_lines = [ln for note in notes for ln in _wrap_pt(note, small, w * 72 - 10)]
        ax.set_xlabel(xlabel)

        # Lay out once to learn the horizontal scale (it depends only on the
        # width and the sequence names), then place every label: inside its
        # segment if it fits, else in the first free tier above or below.
        fig.draw_without_rendering()
        x0, x1 = ax.transData.transform([(0, 0), (1, 0)])[:, 0]
        pt_per_week = (x1 - x0) * 72.0 / fig.dpi
        xmin, xmax = ax.get_xlim()
        placed = []  # (row, phase, inside?, side, tier, cx)
        used: dict[tuple[int, str, int], list[tuple[float, float]]] = {}
        for i, j, left, wk, pname, unknown, end_w in segs:
            text = f"{pname} (unknown)" if unknown else pname
            tw = _text_width_pt(text, small)
            if not unknown and tw + 6.0 <= (wk - end_w) * pt_per_week:
                placed.append((i, j, text, True, "", 0, left + (wk - end_w) / 2))
                continue
            half = (tw / 2 + 2.0) / pt_per_week
            cx = min(max(left + wk / 2, xmin + half), xmax - half)
            span = (cx - half, cx + half)
            tier = 0
            while True:
                free = [sd for sd in ("above", "below")
                        if all(span[1] <= a or span[0] >= b
                               for a, b in used.get((i, sd, tier), []))]
                if free:
                    side = free[0]
                    break
                tier += 1
            used.setdefault((i, side, tier), []).append(span)
            placed.append((i, j, text, False, side, tier, cx))

        tiers = {(i, sd): 1 + max([t for r, _, _, ins, s2, t, _ in placed
                                   if r == i and not ins and s2 == sd], default=-1)
                 for i in range(n) for sd in ("above", "below")}
        ys, y = [0.0] * n, edge_pt
        for i in reversed(range(n)):  # first sequence on top
            y += tiers[(i, "below")] * tier_pt
            ys[i] = y + bar_pt / 2
            y += bar_pt + tiers[(i, "above")] * tier_pt + gap_pt
        top = y - gap_pt + edge_pt

        for i, j, left, wk, pname, unknown, end_w in segs:
            st = style.series_style("unknown" if unknown else pname)
            face = st["color"]
            (rect,) = ax.barh(ys[i], wk, left=left, height=bar_pt, color=face,
                              edgecolor=style.INK, linewidth=0.6, hatch=st["hatch"] or None,
                              linestyle=(0, (2, 1)) if unknown else "-")
            rect.set_hatchcolor(_shade(face, 0.45))
            rect.set_gid(f"phase-{i}-{j}")
            if end_w:
                (mark,) = ax.barh(ys[i], end_w, left=left + wk - end_w, height=bar_pt,
                                  color=style.INK, edgecolor=style.INK, linewidth=0.6)
                mark.set_gid(f"endpoint-{i}-{j}")
        faces = {(i, j): style.series_style("unknown" if u else p)["color"]
                 for i, j, _, _, p, u, _ in segs}
        for i, j, text, inside, side, tier, cx in placed:
            if inside:
                face = faces[(i, j)]
                box = None
                if style.series_style(text)["hatch"]:
                    box = {"boxstyle": "square,pad=0.15", "facecolor": face,
                           "edgecolor": "none"}
                ax.text(cx, ys[i], text, ha="center", va="center", fontsize=small,
                        color=style.text_color_on(face), bbox=box, zorder=4,
                        gid=f"phase-label-{i}-{j}")
            else:
                sign = 1 if side == "above" else -1
                ax.annotate(text, (cx, ys[i] + sign * bar_pt / 2),
                            xytext=(0, sign * (1.5 + tier * tier_pt)),
                            textcoords="offset points", ha="center",
                            va="bottom" if sign > 0 else "top", fontsize=small,
                            color=style.INK, zorder=4, annotation_clip=False,
                            gid=f"phase-label-{i}-{j}")
        ax.set_yticks(ys, [s for s, _ in sequences])
        ax.set_ylim(0, top)
        if note_lines:  # flush left under the axis label, wrapped to the page
            fig.supxlabel("\n".join(note_lines), x=0.01, ha="left", fontsize=small,
                          linespacing=1.3)

        # Fit the figure height so that one y unit is one point.
        for _ in range(1):  # the margins are fixed in inches: one step is exact
            fig.draw_without_rendering()
            have_in = ax.get_position().height * fig.get_figheight()
            fig.set_figheight(fig.get_figheight() + top / 72.0 - have_in)
        return _finish(fig)


# --- 2. pain reduction --------------------------------------------------------------

def pain_reduction(
    ldn_pct: float,
    placebo_pct: float,
    diff: float,
    diff_low: float,
    diff_high: float,
    *,
    interval_label: str,
    labels: tuple[str, str] = ("LDN", "Placebo"),
    digits: int = 1,
    width: float | None = None,
) -> Figure:
    """Percent pain reduction from baseline by condition (bars) beside the
    LDN − placebo difference in percentage points with its (recovered)
    interval; both panels share one scale, so the point equals the bar gap."""
    w = _width(width)
    body, small = style.font_sizes(w)
    _finite("ldn_pct/placebo_pct", ldn_pct, placebo_pct)
    _check_interval("difference", diff, diff_low, diff_high)
    if not interval_label.strip():
        raise ValueError("interval_label must say how the interval was obtained")

    with matplotlib.rc_context(style.rc(w)):
        stacked = w < _STACK_BELOW
        note = _wrap_pt(interval_label, small, w * 72 - 10)
        fig = _new_figure(w, (2.7 if stacked else 3.0) + 0.14 * len(note))
        ax, axd = fig.subplots(1, 2, sharey=True, width_ratios=[1.05 if stacked else 1.4, 1])
        for a in (ax, axd):
            _tick_style(a, small)

        vals = (float(ldn_pct), float(placebo_pct))
        for k, (lab, v) in enumerate(zip(labels, vals)):
            st = style.series_style(lab)
            (bar,) = ax.bar(k, v, width=0.62, color=st["color"], hatch=st["hatch"] or None,
                            edgecolor=style.INK, linewidth=0.6)
            bar.set_hatchcolor(_shade(st["color"], 0.45))
            bar.set_gid(f"bar-{style.kind(lab)}")
            ax.annotate(f"{_num(v, digits)} %", (k, max(v, 0)), xytext=(0, 2),
                        textcoords="offset points", ha="center", va="bottom",
                        fontsize=body, gid=f"value-{style.kind(lab)}")
        ax.set_xticks([0, 1], list(labels))
        ax.set_xlim(-0.6, 1.6)
        ax.tick_params(axis="x", length=0)
        ax.set_ylabel("Pain reduction\nfrom baseline (%)" if stacked
                      else "Pain reduction from baseline (%)")
        ax.axhline(0, color=style.INK, linewidth=0.8)
        ax.spines["bottom"].set_visible(False)

        eb = axd.errorbar([0], [diff], yerr=[[diff - diff_low], [diff_high - diff]],
                          fmt="o", color=style.INK, markersize=6, capsize=4,
                          elinewidth=1.4, capthick=1.4)
        eb.lines[0].set_gid("difference-point")
        eb.lines[2][0].set_gid("difference-interval")
        axd.axhline(0, color=style.NEUTRAL, linewidth=0.8, linestyle="--", zorder=0)
        axd.annotate(f"{_num(diff, digits)}\n[{_num(diff_low, digits)}, "
                     f"{_num(diff_high, digits)}]", (0, diff), xytext=(7, 0),
                     textcoords="offset points", ha="left", va="center", fontsize=small,
                     gid="value-difference")
        axd.set_xlim(-0.35, 1.95)
        axd.set_xticks([0], [f"{labels[0]} \u2212 {labels[1].lower()}"])
        axd.tick_params(axis="x", length=0)
        axd.spines["bottom"].set_visible(False)
        axd.spines["left"].set_visible(False)
        axd.spines["right"].set_visible(True)
        axd.yaxis.tick_right()
        axd.yaxis.set_label_position("right")
        axd.tick_params(axis="y", labelright=True, labelleft=False)
        axd.set_ylabel("Difference\n(percentage points)" if stacked
                       else "Difference (percentage points)")
        # how the interval was obtained: a note flush left under both panels
        fig.supxlabel("\n".join(note), x=0.01, ha="left", fontsize=small, linespacing=1.3)

        top = max(vals + (diff_high,))
        bottom = min(0.0, diff_low, *vals)
        span = top - bottom
        ax.set_ylim(bottom - (0.08 * span if bottom < 0 else 0), top + 0.14 * span)
        return _finish(fig)


# --- 3. responder rates ----------------------------------------------------------------

def responder_rates(
    rows: Sequence[tuple[str, int, int, float, float]],
    *,
    interval_label: str | None = None,
    xlabel: str = "Responders (% of patients)",
    width: float | None = None,
) -> Figure:
    """Responder rate x/n per row with its interval (``low``, ``high`` as
    proportions 0..1), labelled "x/n (pct %)"."""
    w = _width(width)
    body, small = style.font_sizes(w)
    if not rows:
        raise ValueError("responder_rates needs at least one row")
    for label, x, n, low, high in rows:
        if not (isinstance(x, int) and isinstance(n, int) and 0 <= x <= n and n > 0):
            raise ValueError(f"row {label!r}: need integers 0 <= x <= n, n > 0; "
                             f"got x={x!r}, n={n!r}")
        _finite(f"row {label!r} interval", low, high)
        if low < 0 or high > 1:
            raise ValueError(f"row {label!r}: low and high are proportions in [0, 1], "
                             f"got {low!r}, {high!r} (pass 0.5, not 50)")
        _check_interval(f"row {label!r}", x / n, low, high)

    k = len(rows)
    with matplotlib.rc_context(style.rc(w)):
        fig = _new_figure(w, 0.75 + 0.42 * k + 0.16 * (interval_label is not None))
        ax = fig.subplots()
        _tick_style(ax, small)
        _hide_y_axis(ax)
        ys = [float(k - 1 - i) for i in range(k)]
        for i, ((label, x, n, low, high), y) in enumerate(zip(rows, ys)):
            st = style.series_style(label)
            rate = 100.0 * x / n
            (line,) = ax.plot([100 * low, 100 * high], [y, y], color=st["color"],
                              linewidth=1.8, solid_capstyle="butt")
            line.set_gid(f"interval-{i}")
            ax.plot([100 * low, 100 * high], [y, y], linestyle="none", marker="|",
                    markersize=7, markeredgewidth=1.8, color=st["color"])
            (pt,) = ax.plot([rate], [y], linestyle="none", marker=st["marker"],
                            markersize=7, color=st["color"],
                            markeredgecolor=style.INK, markeredgewidth=0.8)
            pt.set_gid(f"rate-{i}")
            text = f"{x}/{n} ({_pct_int(x, n)} %)"
            if high <= 0.7:
                ax.annotate(text, (100 * high, y), xytext=(6, 0), textcoords="offset points",
                            ha="left", va="center", fontsize=body, gid=f"value-{i}")
            else:
                ax.annotate(text, (100 * low, y), xytext=(-6, 0), textcoords="offset points",
                            ha="right", va="center", fontsize=body, gid=f"value-{i}")
        ax.set_yticks(ys, [r[0] for r in rows])
        ax.tick_params(axis="y", labelsize=body)
        ax.set_ylim(-0.6, k - 0.4)
        ax.set_xlim(0, 100)
        ax.xaxis.set_major_locator(FixedLocator([0, 25, 50, 75, 100]))
        ax.set_xlabel(xlabel if interval_label is None else f"{xlabel}\n{interval_label}")
        return _finish(fig)


# --- 4. P value by analysis --------------------------------------------------------------

_P_TICKS = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)


def p_by_analysis(
    rows: Sequence[tuple[str, float | tuple[float, float]]],
    *,
    reported: float,
    alpha: float = 0.05,
    xlim: tuple[float, float] = (0.005, 1.0),
    p_fmt: Formatter = _p,
    width: float | None = None,
) -> Figure:
    """P value of one comparison under several analyses on a log axis: a dot
    per single P, a capped line per (min, max) range, the reported P as a
    solid line and alpha as a dashed line over a shaded P < alpha region."""
    w = _width(width)
    body, small = style.font_sizes(w)
    if not rows:
        raise ValueError("p_by_analysis needs at least one row")
    lo_x, hi_x = xlim
    if not 0 < lo_x < hi_x <= 1:
        raise ValueError(f"xlim must satisfy 0 < low < high <= 1, got {xlim!r}")
    for name, v in (("reported", reported), ("alpha", alpha)):
        _finite(name, v)
        if not lo_x <= v <= hi_x:
            raise ValueError(f"{name} = {v!r} lies outside xlim {xlim!r}")
    parsed = []
    for label, p in rows:
        lo, hi = (p, p) if not isinstance(p, (tuple, list)) else p
        _finite(f"P for {label!r}", lo, hi)
        if not (0 < lo <= hi <= 1):
            raise ValueError(f"row {label!r}: need 0 < P <= 1 (and min <= max), got {p!r}")
        if lo < lo_x:
            raise ValueError(f"row {label!r}: P {lo!r} is below xlim {xlim!r}; widen xlim")
        parsed.append((label, float(lo), float(hi), isinstance(p, (tuple, list))))

    k = len(parsed)
    stacked = w < _STACK_BELOW
    with matplotlib.rc_context(style.rc(w)):
        fig = _new_figure(w, 0.95 + (0.46 if stacked else 0.3) * k)
        ax = fig.subplots()
        _tick_style(ax, small)
        _hide_y_axis(ax)
        ax.set_xscale("log")
        ys = [float(k - 1 - i) for i in range(k)]
        ax.axvspan(lo_x, alpha, color=style.LIGHT, zorder=0, linewidth=0)
        for i, ((label, lo, hi, is_range), y) in enumerate(zip(parsed, ys)):
            if is_range:
                (line,) = ax.plot([lo, hi], [y, y], color=style.INK, linewidth=1.8,
                                  marker="|", markersize=8, markeredgewidth=1.8, zorder=3)
                line.set_gid(f"p-range-{i}")
            else:
                (pt,) = ax.plot([lo], [y], linestyle="none", marker="o", markersize=6,
                                color=style.INK, zorder=3)
                pt.set_gid(f"p-point-{i}")
        values = [p_fmt(lo) if not r else f"{p_fmt(lo)}\u2013{p_fmt(hi)}"
                  for _, lo, hi, r in parsed]
        _row_labels(ax, ys, [r[0] for r in parsed], values, stacked=stacked, size=small,
                    header=None if stacked else "P")
        ref = ax.axvline(reported, color=style.HIGHLIGHT, linewidth=1.6, zorder=2)
        ref.set_gid("reported-p")
        al = ax.axvline(alpha, color=style.NEUTRAL, linewidth=1.0, linestyle=(0, (4, 2)),
                        zorder=2)
        al.set_gid("alpha-line")
        ax.text(reported, 1.0, f"reported P = {fmt.as_published(reported)}", transform=ax.get_xaxis_transform(),
                ha="center", va="bottom", fontsize=small, color=style.HIGHLIGHT)
        ax.text(alpha, -0.62, f"\u03b1 = {fmt.as_published(alpha)} ", ha="right", va="center",
                fontsize=small, color=style.NEUTRAL)
        ax.set_ylim(-0.95, k - 0.35 + (0.3 if stacked else 0))
        ax.set_xlim(lo_x, hi_x)
        ticks = [t for t in _P_TICKS if lo_x <= t <= hi_x]
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.set_xlabel("P value (log scale; shaded: P < \u03b1)")
        return _finish(fig)


# --- 5. forest plot ---------------------------------------------------------------------

# A compact forest plot (the handout) is as tall as with five studies, a pooled row and a
# prediction interval (7.4 row units) for up to two more studies; rows never come closer
# than 0.15 in (10.8 pt: 8 pt labels with a quarter of a line between them).
COMPACT_LINES = 7.4
COMPACT_MIN_ROW = 0.15
# The studies the handout is laid out to hold on two pages (A4 and US Letter, with or without
# a site address and its QR code): the five of today's roster and two more later trials.
HANDOUT_STUDIES = 7

def forest(
    rows: Sequence[Mapping[str, Any]],
    *,
    pooled: Mapping[str, Any] | None = None,
    xlabel: str,
    favours: tuple[str, str],
    column_header: str = "Estimate [95 % CI]",
    null: float = 0.0,
    digits: int = 2,
    width: float | None = None,
    compact: bool = False,
) -> Figure:
    """Forest plot: per study a marker (area ∝ weight, shape and colour by
    design) with its interval, a pooled diamond with the prediction interval
    on its own row, a null line, "favours" labels and an estimate column
    (``compact``: rows closer together, for a handout)."""
    w = _width(width)
    body, small = style.font_sizes(w)
    if not rows:
        raise ValueError("forest needs at least one row")
    for r in rows:
        for key in ("label", "year", "design", "estimate", "low", "high"):
            if key not in r:
                raise ValueError(f"forest row {r!r} lacks {key!r}")
        _check_interval(f"study {r['label']!r}", r["estimate"], r["low"], r["high"])
        if r["design"] not in ("crossover", "parallel"):
            raise ValueError(f"study {r['label']!r}: design must be 'crossover' or "
                             f"'parallel', got {r['design']!r}")
        wt = r.get("weight")
        if wt is not None and not (math.isfinite(wt) and wt > 0):
            raise ValueError(f"study {r['label']!r}: weight must be > 0 or None, got {wt!r}")
    if pooled is not None:
        _check_interval("pooled", pooled["estimate"], pooled["low"], pooled["high"])
        if pooled.get("pi_low") is not None or pooled.get("pi_high") is not None:
            _check_interval("pooled prediction interval", pooled["estimate"],
                            pooled["pi_low"], pooled["pi_high"])

    def fmt(est: float, low: float, high: float) -> str:
        return f"{_num(est, digits)} [{_num(low, digits)}, {_num(high, digits)}]"

    stacked = w < _STACK_BELOW
    k = len(rows)
    has_pi = pooled is not None and pooled.get("pi_low") is not None
    ys = [float(k - 1 - i) for i in range(k)]
    y_pool = -1.4
    y_pi = y_pool - 1.0
    n_lines = k + (0 if pooled is None else 1.4 + has_pi)
    s_max = 130.0 if not stacked else 90.0
    s_fixed = 0.35 * s_max
    weights = [r.get("weight") for r in rows]
    w_max = max((x for x in weights if x is not None), default=None)

    with matplotlib.rc_context(style.rc(w)):
        row_h = (0.42 if stacked else 0.28) * (0.72 if compact else 1.0)
        if compact:
            # Headroom (issue 22): a compact plot keeps the height it has with five studies
            # for up to two more, by drawing rows closer together, never closer than
            # COMPACT_MIN_ROW (a line of 8 pt text with room between), and markers shrink with
            # the row pitch so that they do not touch.
            budget = row_h * COMPACT_LINES
            pitch = max(COMPACT_MIN_ROW, min(row_h, budget / n_lines))
            s_max *= (pitch / row_h) ** 2
            s_fixed = 0.35 * s_max
            row_h = pitch
        fig = _new_figure(w, (0.95 if compact else 1.25) + row_h * n_lines)
        ax = fig.subplots()
        _tick_style(ax, small)
        _hide_y_axis(ax)
        ax.axvline(null, color=style.NEUTRAL, linewidth=0.8, zorder=0).set_gid("null-line")

        left, right = [], []
        for i, (r, y) in enumerate(zip(rows, ys)):
            st = style.series_style(r["design"])
            randomized = r.get("randomized", True) is not False
            # a non-randomized study (shown for reference, not pooled): open marker, dashed line
            ax.plot([r["low"], r["high"]], [y, y], color=style.INK, linewidth=1.2,
                    linestyle="-" if randomized else (0, (3, 2)), zorder=2, gid=f"study-ci-{i}")
            size = s_fixed if r.get("weight") is None else s_max * r["weight"] / w_max
            ax.scatter([r["estimate"]], [y], s=size, marker=st["marker"],
                       color=st["color"] if randomized else "white",
                       edgecolors=style.INK, linewidths=0.6 if randomized else 1.0, zorder=3,
                       gid=f"study-{i}")
            name = str(r["label"])
            left.append(name if r["year"] is None or str(r["year"]) in name else f"{name} {r['year']}")
            right.append(fmt(r["estimate"], r["low"], r["high"]))
        row_ys = list(ys)
        if pooled is not None:
            est, lo, hi = pooled["estimate"], pooled["low"], pooled["high"]
            h = 0.24 if stacked else 0.32
            ax.add_patch(Polygon([(lo, y_pool), (est, y_pool + h), (hi, y_pool),
                                  (est, y_pool - h)], closed=True, facecolor=style.POOLED,
                                 edgecolor=style.POOLED, linewidth=0.6, zorder=3,
                                 gid="pooled-diamond"))
            ax.axhline((y_pool + ys[-1]) / 2 + 0.05, color=style.NEUTRAL, linewidth=0.5)
            left.append(str(pooled.get("label", "Pooled")))
            right.append(fmt(est, lo, hi))
            row_ys.append(y_pool)
            if has_pi:
                pl, ph = pooled["pi_low"], pooled["pi_high"]
                ax.plot([pl, ph], [y_pi, y_pi], color=style.POOLED, linewidth=1.2,
                        marker="|", markersize=7, markeredgewidth=1.2, zorder=3,
                        gid="prediction-interval")
                left.append(str(pooled.get("pi_label", "Prediction interval")))
                right.append(f"[{_num(pl, digits)}, {_num(ph, digits)}]")
                row_ys.append(y_pi)
        _row_labels(ax, row_ys, left, right, stacked=stacked, size=small,
                    header=column_header)
        if not stacked and pooled is not None:
            for j, lab in enumerate(ax.get_yticklabels()[k:]):
                lab.set_fontweight("bold" if j == 0 else "normal")  # the pooled row

        xs = [v for r in rows for v in (r["low"], r["high"])] + [null]
        if pooled is not None:
            xs += [pooled["low"], pooled["high"]]
            if has_pi:
                xs += [pooled["pi_low"], pooled["pi_high"]]
        span = max(xs) - min(xs) or 1.0
        ax.set_xlim(min(xs) - 0.06 * span, max(xs) + 0.06 * span)
        ax.set_ylim((y_pi if has_pi else y_pool if pooled is not None else 0) - 0.6,
                    k - 0.4 + (0.35 if stacked else 0))
        ax.xaxis.set_minor_locator(NullLocator())

        # "favours" labels just under the tick labels, then the axis label
        drop = 3 + 3.5 + small * 1.25 + 2
        for text, sign, ha in ((f"\u2190 {favours[0]}", -1, "right"),
                               (f"{favours[1]} \u2192", 1, "left")):
            ax.annotate(text, (null, 0), xycoords=ax.get_xaxis_transform(),
                        xytext=(sign * 4, -drop), textcoords="offset points",
                        ha=ha, va="top", fontsize=small, annotation_clip=False,
                        gid=f"favours-{'left' if sign < 0 else 'right'}")
        ax.set_xlabel(xlabel, labelpad=small * 1.3 + 5)

        designs = [d for d in ("crossover", "parallel") if any(r["design"] == d for r in rows)]
        handles = [Line2D([], [], linestyle="none", marker=style.MARKER[d], markersize=7,
                          color=style.COLOR[d], markeredgecolor=style.INK,
                          markeredgewidth=0.6, label=d.capitalize())
                   for d in designs]
        if any(r.get("randomized", True) is False for r in rows):
            handles.append(Line2D([], [], linestyle=(0, (3, 2)), marker="o", markersize=7,
                                  color=style.INK, markerfacecolor="white", linewidth=1.0,
                                  label="Not randomized"))
        # three entries in one row would run into the estimate column's header
        legend_kw = {"handles": handles, "ncols": len(handles) if len(handles) < 3 or stacked else 2,
                     "frameon": False,
                     "fontsize": small, "handletextpad": 0.2, "columnspacing": 1.0,
                     "borderpad": 0.1}
        if stacked:  # its own row above the plot, clear of the column header
            fig.legend(loc="outside upper left", **legend_kw)
        else:
            ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), borderaxespad=0.2,
                      **legend_kw)
        return _finish(fig)
