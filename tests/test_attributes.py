"""Every attribute of the results that the documents use exists (issue 22, point 3).

The .qmd files read the computed results (``R = compute(...)`` and aliases such as
``rs, ev = R.responders, R.evidence``) in code cells and inline `{python}`
expressions. This test parses every code cell and inline expression with ``ast``,
follows the aliases, and resolves each chain of attributes and constant subscripts
rooted at ``R`` against a computed ``Results``: a misspelt attribute fails here, in
the fast tests, not at render time. Shown to fail on planted misspellings below.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from analysis.data import load
from analysis.results import compute

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = ("report.qmd", "handout.qmd", "slides.qmd", "index.qmd")
_CELL = re.compile(r"^```\{python\}[^\n]*\n(.*?)^```", re.M | re.S)
_INLINE = re.compile(r"`\{python\}\s+([^`]+)`")


def code_pieces(text: str) -> list[tuple[int, str, str]]:
    """(line, mode, source) for each code cell ('exec') and inline expression ('eval')."""
    out = []
    for m in _CELL.finditer(text):
        out.append((text.count("\n", 0, m.start(1)) + 1, "exec", m.group(1)))
    body = _CELL.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    for m in _INLINE.finditer(body):
        out.append((body.count("\n", 0, m.start()) + 1, "eval", m.group(1)))
    return out


def _chain(node: ast.AST) -> tuple[str, list] | None:
    """('R', [('attr', 'evidence'), ('key', 'later trials'), ...]) for an expression made of a
    name, attributes and constant subscripts; None otherwise."""
    steps = []
    while True:
        if isinstance(node, ast.Attribute):
            steps.append(("attr", node.attr))
            node = node.value
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            steps.append(("key", node.slice.value))
            node = node.value
        elif isinstance(node, ast.Subscript):  # a computed key: check what it indexes
            steps = []
            node = node.value
        elif isinstance(node, ast.Name):
            return node.id, steps[::-1]
        else:
            return None


def _resolve(obj, steps):
    for kind, name in steps:
        obj = getattr(obj, name) if kind == "attr" else obj[name]
    return obj


def unresolved(text: str, R, where: str = "", checked: list | None = None) -> list[str]:
    """Every chain rooted at R (or an alias of a part of R) that does not resolve on R
    (``checked``, if given, collects every chain that was resolved)."""
    pieces = code_pieces(text)
    trees = []
    for line, mode, src in pieces:
        try:
            trees.append((line, ast.parse(src.strip() if mode == "eval" else src, mode=mode)))
        except SyntaxError as exc:
            return [f"{where}:{line}: cannot parse ({exc.msg}): {src.strip()[:60]}"]
    aliases: dict[str, list] = {"R": []}
    for _, tree in trees:  # aliases: name = R.part..., a, b = R.x, R.y
        for node in ast.walk(tree):
            if not isinstance(node, ast.Assign) or len(node.targets) != 1:
                continue
            target, value = node.targets[0], node.value
            pairs = (zip(target.elts, value.elts) if isinstance(target, ast.Tuple)
                     and isinstance(value, ast.Tuple) else [(target, value)])
            for t, v in pairs:
                c = _chain(v)
                if isinstance(t, ast.Name) and c and c[0] in aliases and t.id != "R":
                    aliases[t.id] = aliases[c[0]] + c[1]
    bad = []
    for line, tree in trees:
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Attribute, ast.Subscript)):
                continue
            c = _chain(node)
            if not c or c[0] not in aliases or not c[1]:
                continue
            try:
                _resolve(R, aliases[c[0]] + c[1])
                if checked is not None:
                    checked.append(aliases[c[0]] + c[1])
            except (AttributeError, KeyError, IndexError, TypeError) as exc:
                shown = c[0] + "".join(f".{n}" if k == "attr" else f"[{n!r}]" for k, n in c[1])
                bad.append((f"{where}:{line}: ", shown, f" ({type(exc).__name__}: {exc})"))
    # one report per misspelling: the shortest failing chain (R.x.y fails in R.x.y.z too)
    return sorted({a + s + e for a, s, e in bad
                   if not any(a == a2 and s != s2 and s.startswith(s2) for a2, s2, _ in bad)})


@pytest.fixture(scope="module")
def R():
    return compute(load())


@pytest.mark.parametrize("doc", DOCUMENTS)
def test_every_results_attribute_a_document_uses_exists(doc, R):
    text = (ROOT / doc).read_text(encoding="utf-8")
    assert code_pieces(text) or doc == "index.qmd"
    assert unresolved(text, R, doc) == []


def test_the_documents_use_the_results_at_all(R):
    """The resolver sees the chains it should (so an empty list above means something)."""
    text = (ROOT / "report.qmd").read_text(encoding="utf-8")
    assert len(code_pieces(text)) > 100
    checked: list = []
    assert unresolved(text, R, "report.qmd", checked) == []
    parts = {steps[0][1] for steps in checked if steps}
    assert {"responders", "evidence", "pain", "grim", "design", "secondary"} <= parts, parts
    assert [("attr", "evidence"), ("attr", "pooled"), ("key", "later trials")] in checked


@pytest.mark.parametrize("planted,needle", [
    ("`{python} R.responders.x_ldnn`", "R.responders.x_ldnn"),
    ("```{python}\nrs, ev = R.responders, R.evidence\n```\n\n`{python} ev.pooled['later trails'].k`",
     "ev.pooled['later trails']"),
    ("```{python}\nev = R.evidence\nlater = ev.pooled['later trials']\n```\n\n`{python} later.hk.lowest`",
     "later.hk.lowest"),
    ("```{python}\nx = F.num(R.grim.fits_txt)\n```\n", "R.grim.fits_txt"),
])
def test_a_misspelt_attribute_is_caught(R, planted, needle):
    bad = unresolved(planted, R, "planted.qmd")
    assert len(bad) == 1 and needle in bad[0], bad
