"""The executed document as a Jupyter notebook (Quarto's `ipynb` format).

What a reader opens to explore: the document's Markdown (inline values as
printed, an `output: asis` cell's output as Markdown, as Quarto writes them),
then each other code cell as written (without its `#|` option lines; the
`parameters` tag kept, so papermill and Quarto's `-P` still find it) with the
outputs it produced. It runs top to bottom in a fresh kernel from the project
root, which is where the renderer ran it.
"""
from __future__ import annotations

import json
from pathlib import Path

from .assemble import _substitute
from .qmd import Cell, Document, Markdown

# Output fields nbformat 4.5 allows per output type (the executor's messages carry more).
_FIELDS = {"stream": ("output_type", "name", "text"),
           "display_data": ("output_type", "data", "metadata"),
           "execute_result": ("output_type", "data", "metadata", "execution_count"),
           "error": ("output_type", "ename", "evalue", "traceback")}


def _title_block(meta: dict) -> str:
    parts = []
    if meta.get("title"):
        parts.append(f"# {meta['title']}")
    if meta.get("subtitle"):
        parts.append(str(meta["subtitle"]))
    names = [a["name"] + (f" ({a['affiliation']})" if a.get("affiliation") else "")
             for a in meta.get("authors") or [] if a.get("name")]
    if names:
        parts.append(", ".join(names))
    if meta.get("abstract"):
        parts.append(str(meta["abstract"]).strip())
    return "\n\n".join(parts)


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def notebook(doc: Document, results: list, meta: dict) -> dict:
    """An nbformat 4.5 notebook (a plain dict, validated by the caller's tests)."""
    cells: list[dict] = []
    k = 0

    def add(cell_type: str, source: str, **extra) -> None:
        nonlocal k
        k += 1
        cells.append({"cell_type": cell_type, "id": f"cell-{k}", "metadata": extra.pop("metadata", {}),
                      "source": _lines(source), **extra})

    head = _title_block(meta)
    if head:
        add("markdown", head)
    count = 0
    for chunk, result in zip(doc.chunks, results):
        if isinstance(chunk, Markdown):
            text = _substitute(chunk, result).strip("\n")
            if text.strip():
                add("markdown", text)
        elif isinstance(chunk, Cell) and chunk.options.get("output") == "asis":
            # as Quarto's ipynb: an `output: asis` cell is its output, as Markdown
            text = "".join(o.get("text", "") if o.get("output_type") == "stream"
                           else o.get("data", {}).get("text/markdown", "") for o in result or [])
            if text.strip():
                add("markdown", text.strip("\n"))
        elif isinstance(chunk, Cell):
            count += 1
            tags = chunk.options.get("tags") or []
            outputs = []
            for o in result or []:
                out = {f: o[f] for f in _FIELDS.get(o.get("output_type"), ()) if f in o}
                if "execution_count" in out:
                    out["execution_count"] = count
                outputs.append(out)
            add("code", chunk.source.strip("\n"), metadata={"tags": list(tags)} if tags else {},
                execution_count=count, outputs=outputs)
    return {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
            # the kernelspec _quarto.yml spells out (no machine path in it)
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                        "language": "python"},
                         "language_info": {"name": "python"}}}


def write(doc: Document, results: list, meta: dict, path: Path) -> Path:
    path.write_text(json.dumps(notebook(doc, results, meta), indent=1, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    return path
