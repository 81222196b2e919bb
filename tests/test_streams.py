"""A cell that prints in pieces gives one output (issue 24).

The kernel sends one stream message per flush, so `print("How", end="",
flush=True)` and a later `print(" to cite.")` arrive as two stream outputs, or
as one, depending on timing. The renderer merges consecutive stream outputs of
the same name before it caches and assembles them (as Jupyter front ends show
them), so the text is one block and two renders give the same bytes."""
from __future__ import annotations

import hashlib
import re

import pytest

from render.execute import coalesce_streams

pytestmark = pytest.mark.render

DOC = '''---
title: "Pieces"
format: html
---

```{python}
import sys, time
print("How", end="", flush=True)
time.sleep(0.5)
print(" to cite.", flush=True)
print("warn", end="", file=sys.stderr, flush=True)
time.sleep(0.2)
print("ing", file=sys.stderr)
```
'''


def stream(name, text):
    return {"output_type": "stream", "name": name, "text": text}


def test_only_consecutive_streams_of_one_name_merge():
    table = {"output_type": "display_data", "data": {"text/plain": "T"}, "metadata": {}}
    outs = [stream("stdout", "a"), stream("stdout", ["b", "c"]), stream("stderr", "e"),
            stream("stderr", "f"), stream("stdout", "d"), table, stream("stdout", "g")]
    assert coalesce_streams(outs) == [stream("stdout", "abc"), stream("stderr", "ef"),
                                      stream("stdout", "d"), table, stream("stdout", "g")]
    assert outs[0] == stream("stdout", "a"), "the input list is left as it was"


def test_printing_in_pieces_gives_one_output_and_the_same_bytes(tmp_path):
    from render.execute import execute
    from render.pipeline import render
    from render.qmd import parse

    digests = []
    for run in (1, 2):
        root = tmp_path / f"run{run}"
        root.mkdir()
        (root / "pieces.qmd").write_text(DOC, encoding="utf-8")
        if run == 1:  # the executed outputs themselves: one stdout, one stderr
            doc = parse(root / "pieces.qmd", display_name="pieces.qmd")
            cell = next(r for r in execute(doc, cwd=root, name="pieces.qmd") if r)
            assert [(o["output_type"], o.get("name"), o.get("text")) for o in cell] == [
                ("stream", "stdout", "How to cite.\n"), ("stream", "stderr", "warning\n")]
        render([root / "pieces.qmd"], root=root, outdir=root / "out", quiet=True, use_cache=False)
        html = (root / "out" / "pieces.html").read_bytes()
        text = html.decode()
        assert "How to cite." in text, "the two pieces are not one text"
        assert not re.search(r"How\s*</", text), "'How' ends a block of its own"
        digests.append(hashlib.sha256(html).hexdigest())
    assert digests[0] == digests[1]
