"""The execution cache: what invalidates it, what does not, and damaged entries."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from render import cache, qmd
from render import pipeline
from render.execute import SETUP
from tests.conftest import make_project

DOC = """---
title: Cached
---

# One

```{{python}}
import numpy
import mypkg
value = mypkg.answer()
```

{prose} `{{python}} value`.
"""


@pytest.fixture
def project(tmp_path):
    (tmp_path / "mypkg").mkdir()
    (tmp_path / "mypkg" / "__init__.py").write_text("def answer():\n    return 42\n")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "numbers.csv").write_text("id,value\na,1\n")
    (tmp_path / "doc.qmd").write_text(DOC.format(prose="The answer is"))
    return tmp_path


def key(root: Path) -> str:
    return cache.key(qmd.parse(root / "doc.qmd"), root, SETUP)[0]


def test_key_is_stable(project):
    assert key(project) == key(project)


def test_prose_edit_keeps_the_key(project):
    before = key(project)
    (project / "doc.qmd").write_text(DOC.format(prose="Reworded: the answer, surely, is"))
    assert key(project) == before


def test_changed_data_row_invalidates(project):
    before = key(project)
    (project / "data" / "numbers.csv").write_text("id,value\na,2\n")
    assert key(project) != before


@pytest.mark.parametrize("name", ["_quarto.yml", "CITATION.cff"])
def test_changed_site_url_or_citation_invalidates(project, name):
    """The documents print site-url (_quarto.yml) and the citation (CITATION.cff)."""
    (project / name).write_text("title: x\n")
    before = key(project)
    (project / name).write_text("title: x\nsite-url: https://example.org/\n")
    assert key(project) != before


def test_changed_function_invalidates(project):
    before = key(project)
    (project / "mypkg" / "__init__.py").write_text("def answer():\n    return 43\n")
    assert key(project) != before


def test_changed_code_cell_invalidates(project):
    before = key(project)
    text = (project / "doc.qmd").read_text().replace("value = mypkg.answer()", "value = 2")
    (project / "doc.qmd").write_text(text)
    assert key(project) != before


def test_new_commit_or_date_invalidates(project):
    # documents print the commit and date they were rendered from
    doc = qmd.parse(project / "doc.qmd")
    base = {"commit": "a" * 40, "dirty": False, "SOURCE_DATE_EPOCH": "1"}
    k = cache.key(doc, project, SETUP, context=base)[0]
    assert cache.key(doc, project, SETUP, context=dict(base))[0] == k
    for change in ({"commit": "b" * 40}, {"dirty": True}, {"SOURCE_DATE_EPOCH": "2"}):
        assert cache.key(doc, project, SETUP, context={**base, **change})[0] != k, change


def test_render_context_dirty_means_tracked_changes_only(project):
    # The handout prints "with uncommitted changes" from `git status
    # --untracked-files=no`; the cache's notion of dirty must be the same, or a
    # stray untracked file would re-execute every document.
    import subprocess

    def git(*args):
        subprocess.run(["git", *args], cwd=project, check=True, capture_output=True)
    git("init", "-q")
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "init")
    clean = pipeline.render_context(project)
    assert clean["dirty"] is False and len(clean["commit"]) == 40
    (project / "scratch.txt").write_text("untracked\n")
    assert pipeline.render_context(project) == clean
    (project / "data" / "numbers.csv").write_text("id,value\na,2\n")
    assert pipeline.render_context(project)["dirty"] is True


def test_upgraded_package_invalidates(project, monkeypatch):
    before = key(project)
    real = cache.metadata.version
    monkeypatch.setattr(cache.metadata, "version",
                        lambda name: "99.0" if name == "numpy" else real(name))
    assert key(project) != before
    _, info = cache.key(qmd.parse(project / "doc.qmd"), project, SETUP)
    assert info["versions"]["numpy"] == "99.0" and info["local"] == ["mypkg"]


def test_damaged_entry_is_detected_and_rebuilt(project):
    doc = qmd.parse(project / "doc.qmd")
    k = key(project)
    cache.store(project, doc, k, {"cells": [[]], "inline": ["42"]})
    assert cache.load(project, doc, k) == {"cells": [[]], "inline": ["42"]}
    path = cache.cache_dir(project) / "doc.json"
    entry = json.loads(path.read_text())
    entry["results"]["inline"] = ["41"]          # tampered: digest no longer matches
    path.write_text(json.dumps(entry))
    said = []
    assert cache.load(project, doc, k, say=said.append) is None
    assert said and "damaged" in said[0] and not path.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json")                  # truncated
    assert cache.load(project, doc, k) is None and not path.exists()


@pytest.mark.render
def test_unchanged_render_skips_the_kernel(tmp_path, monkeypatch):
    root = make_project(tmp_path)
    out = root / "_output"
    first = pipeline.render([root / "everything.qmd"], root=root, outdir=out, quiet=True)
    assert "everything: execute" in first
    html = (out / "everything.html").read_bytes()

    def no_kernel(*a, **k):
        raise AssertionError("the kernel was started although nothing changed")
    monkeypatch.setattr(pipeline, "execute", no_kernel)
    monkeypatch.setattr(pipeline, "start_kernel", no_kernel)  # not even one started ahead
    second = pipeline.render([root / "everything.qmd"], root=root, outdir=out, quiet=True)
    assert "everything: execute (cached)" in second
    # a reused output keeps its stage's name, so timings line up run against run
    for stage in [k for k in first if k.startswith("everything: ") and "execute" not in k]:
        assert f"{stage} (unchanged, reused)" in second, (stage, list(second))
    assert (out / "everything.html").read_bytes() == html
    # a prose-only edit re-renders from the cache, with the new prose
    doc = root / "everything.qmd"
    doc.write_text(doc.read_text().replace("Tip body.", "Tip body, reworded."))
    pipeline.render([doc], root=root, outdir=out, quiet=True)
    assert "Tip body, reworded." in (out / "everything.html").read_text()
    # a code edit makes the entry stale: a kernel is started and the code runs
    monkeypatch.undo()
    started = []
    real_start = pipeline.start_kernel
    monkeypatch.setattr(pipeline, "start_kernel", lambda cwd: started.append(cwd) or real_start(cwd))
    doc.write_text(doc.read_text().replace("answer = 6 * 7", "answer = 6 * 9"))
    third = pipeline.render([doc], root=root, outdir=out, quiet=True)
    assert "everything: execute" in third and len(started) == 1
    assert "The answer is 54" in (out / "everything.html").read_text()
