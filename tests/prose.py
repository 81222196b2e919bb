"""Shared check: digits in a document's prose must come from inline code."""
from __future__ import annotations

import re
from pathlib import Path

from render import qmd


def typed_numbers(path: Path, allowed: tuple[str, ...] = ("95%",)) -> list[str]:
    """Lines of prose that contain a digit not produced by an inline expression.

    Ignored: inline `{python}` expressions, cross-reference labels and citation
    keys, years that name a study ("Younger 2013"), and the ``allowed`` strings."""
    doc = qmd.parse(path)
    offenders = []
    for chunk in doc.chunks:
        if not isinstance(chunk, qmd.Markdown):
            continue
        for i, line in enumerate(chunk.text.splitlines()):
            t = re.sub(r"`\{python\}[^`]*`", "", line)
            t = re.sub(r"@[\w-]+", "", t)
            t = re.sub(r"\{#[\w-]+\}", "", t)
            t = re.sub(r"\b(19|20)\d\d\b", "", t)
            for a in allowed:
                t = t.replace(a, "")
            if re.search(r"\d", t):
                offenders.append(f"{path.name}:{chunk.line + i}: {line.strip()[:80]}")
    return offenders
