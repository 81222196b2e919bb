"""Turn a parsed document plus its executed outputs into pandoc Markdown.

One Markdown text per output format: HTML folds echoed code in ``<details>``
(Quarto's ``code-fold``); each format may set its own ``echo`` default.
"""
from __future__ import annotations

import base64
import re
from pathlib import Path

from .errors import RenderError
from .qmd import Cell, Document, Markdown, _INLINE

_TABLE_LINE = re.compile(r"^\s*\|.*\|\s*$")


def assemble(doc: Document, results: list, *, fmt: str, options: dict,
             figdir: Path, name: str, html_to_markdown=None) -> str:
    """Pandoc Markdown for ``fmt`` ('html' or 'typst')."""
    parts: list[str] = []
    for chunk, result in zip(doc.chunks, results):
        if isinstance(chunk, Markdown):
            parts.append(_substitute(chunk, result))
        else:
            parts.append(_cell(chunk, result or [], fmt=fmt, options=options,
                               figdir=figdir, name=name, html_to_markdown=html_to_markdown))
    return "\n\n".join(p for p in parts if p)


def _substitute(chunk: Markdown, values) -> str:
    if not chunk.inlines:
        return chunk.text
    it = iter(values)
    return _INLINE.sub(lambda m: next(it), chunk.text)


def _opt(cell: Cell, options: dict, key: str, default):
    return cell.options.get(key, options.get(key, default))


def _cell(cell: Cell, outputs: list, *, fmt, options, figdir, name, html_to_markdown) -> str:
    if not _opt(cell, options, "include", True):
        return ""
    blocks: list[str] = []
    if _opt(cell, options, "echo", True) and cell.source.strip():
        code = f"```{{.python .cell-code}}\n{cell.source}\n```"
        if fmt == "html" and options.get("code-fold", False):
            summary = options.get("code-summary", "Code")
            code = (f'<details class="code-fold">\n<summary>{summary}</summary>\n\n'
                    f"{code}\n\n</details>")
        blocks.append(code)
    output = _opt(cell, options, "output", True)
    if output is False:
        return "\n\n".join(blocks)
    label = str(cell.options.get("label", ""))
    figures: list[str] = []
    tables = 0
    have_image = any("image/svg+xml" in o.get("data", {}) or "image/png" in o.get("data", {})
                     for o in outputs)
    for out in outputs:
        kind = out.get("output_type")
        if _discardable(out, have_image):
            continue
        if kind == "stream":
            if out.get("name") == "stderr" and not _opt(cell, options, "warning", True):
                continue
            text = out.get("text", "")
            if isinstance(text, list):
                text = "".join(text)
            if text.strip():
                blocks.append(text if output == "asis" else _pre(text))
            continue
        if kind not in ("display_data", "execute_result"):
            continue
        data = out.get("data", {})
        if "image/svg+xml" in data or "image/png" in data:
            figures.append(_save_figure(data, cell, len(figures), figdir))
            blocks.append(f"\x00FIG{len(figures) - 1}\x00")
        elif "text/markdown" in data:
            md = _text(data["text/markdown"])
            tables += _count_tables(md)
            blocks.append(md)
        elif "text/html" in data and "<table" in _text(data["text/html"]) and html_to_markdown:
            md = html_to_markdown(_text(data["text/html"]))
            tables += _count_tables(md)
            blocks.append(md)
        elif "text/plain" in data:
            text = _text(data["text/plain"])
            blocks.append(text if output == "asis" else _pre(text))
    blocks = _place_figures(blocks, figures, cell, name)
    if label.startswith("tbl-"):
        if tables != 1:
            raise RenderError(name, cell.line, f"cell '{label}'",
                              f"a 'tbl-' cell must output exactly one Markdown table, got {tables}")
        cap = cell.options.get("tbl-cap", "")
        blocks.append(f": {cap} {{#{label}}}")
    return "\n\n".join(blocks)


_BRACKETED = re.compile(r"^([<(\[]).*?([>)\]])$")


def _discardable(out: dict, have_image: bool) -> bool:
    """A plotting call's return value ("[<matplotlib.lines.Line2D at 0x…>]"), which
    Quarto drops (isDiscardableTextExecuteResult in its jupyter.ts): an execute
    result with only text/plain, one line in brackets when the cell also shows an
    image, else starting with a plotting library's repr."""
    if out.get("output_type") != "execute_result":
        return False
    data = out.get("data", {})
    if list(data) != ["text/plain"]:
        return False
    text = _text(data["text/plain"])
    lines = text.splitlines() or [""]
    if have_image and len(lines) == 1:
        return bool(_BRACKETED.match(lines[0].strip()))
    return lines[0].startswith(("[<matplotlib", "<matplotlib", "<seaborn.", "<ggplot:"))


def _place_figures(blocks, figures, cell: Cell, name) -> list[str]:
    label = str(cell.options.get("label", ""))
    if not figures:
        if label.startswith("fig-"):
            raise RenderError(name, cell.line, f"cell '{label}'", "a 'fig-' cell produced no figure")
        return blocks
    if label.startswith("fig-") and len(figures) > 1:
        raise RenderError(name, cell.line, f"cell '{label}'",
                          f"a 'fig-' cell must produce one figure, got {len(figures)} "
                          "(sub-figures are outside the supported subset)")
    alt = cell.options.get("fig-alt")
    if not alt:
        raise RenderError(name, cell.line, f"cell '{cell.label}'",
                          "a figure needs 'fig-alt' text that says what it shows")
    alt_attr = str(alt).replace("\\", "\\\\").replace('"', '\\"')
    out = []
    for b in blocks:
        m = re.fullmatch("\x00FIG(\\d+)\x00", b)
        if not m:
            out.append(b)
            continue
        path = figures[int(m.group(1))]
        if label.startswith("fig-"):
            cap = cell.options.get("fig-cap", "")
            out.append(f'![{cap}]({path}){{#{label} fig-alt="{alt_attr}"}}')
        else:
            out.append(f'![]({path}){{fig-alt="{alt_attr}"}}')
    return out


def _save_figure(data: dict, cell: Cell, k: int, figdir: Path) -> str:
    stem = re.sub(r"[^\w-]", "_", cell.label) + (f"-{k + 1}" if k else "")
    if "image/svg+xml" in data:
        path = figdir / f"{stem}.svg"
        path.write_text(_text(data["image/svg+xml"]), encoding="utf-8")
    else:
        path = figdir / f"{stem}.png"
        path.write_bytes(base64.b64decode(_text(data["image/png"])))
    return path.name


def _count_tables(md: str) -> int:
    n, inside = 0, False
    for line in md.splitlines():
        is_row = bool(_TABLE_LINE.match(line))
        if is_row and not inside:
            n += 1
        inside = is_row
    return n


def _pre(text: str) -> str:
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}{{.cell-output}}\n{text.rstrip()}\n{fence}"


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)
