"""Both renderers on one snapshot of the project: real Quarto (where it is
installed) and the offline renderer, rendering the same files from the same
commit, so that their outputs can be held to the same checks.

Quarto is found as ``$QUARTO``, on PATH, at /opt/quarto-1.10/bin/quarto (where
.ci/run installs the pinned 1.10.18 from the optional ../shared/quarto), or at
/opt/quarto/bin/quarto. Without it the Quarto half skips
with a message, except under CI, where that is a failure.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RENDERERS = ("offline", "quarto")
INSTALL_HINT = ("install Quarto 1.10.18 (pip install -r requirements-quarto.txt, or from quarto.org) "
                "and put it on PATH or set QUARTO; where the optional folder ../shared/quarto that "
                "some CI machines provide is present: bash ../shared/quarto/install-1.10.sh, "
                "which installs into /opt/quarto-1.10")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def unavailable(what: str, fix: str) -> None:
    message = f"{what}; {fix}"
    if in_ci():
        pytest.fail(f"{message} (CI is set, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(message)


def quarto_command() -> str | None:
    for candidate in (os.environ.get("QUARTO"), shutil.which("quarto"),
                      "/opt/quarto-1.10/bin/quarto", "/opt/quarto/bin/quarto"):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def _git(cwd: Path, *args: str, env: dict | None = None) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True,
                          env=env).stdout


def snapshot(dest: Path, *, site_url: str | None = None) -> Path:
    """The project's files (tracked and new, not ignored) committed into a fresh
    repository at ``dest``, with the current commit's date: both renderers then
    print the same commit and date, and `git status` shows what a render leaves.
    ``site_url`` sets `site-url` in the copy's _quarto.yml before the commit."""
    from render.bench import project_copy
    project_copy(ROOT, dest)
    if site_url is not None:
        config = dest / "_quarto.yml"
        text, n = re.subn(r'(?m)^site-url: .*$', f'site-url: "{site_url}"',
                          config.read_text(encoding="utf-8"))
        assert n == 1, "_quarto.yml has no top-level 'site-url:' line to set"
        config.write_text(text, encoding="utf-8")
    when = _git(ROOT, "log", "-1", "--format=%cI").strip() or "2026-01-01T00:00:00+00:00"
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    _git(dest, "init", "-q")
    if (ROOT / "node_modules").is_dir():
        # reveal.js for the offline renderer's slides (npm ci put it here): linked,
        # not copied, and kept out of the snapshot's commit like the real folder
        (dest / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
        with open(dest / ".git" / "info" / "exclude", "a", encoding="utf-8") as fh:
            fh.write("/node_modules\n")
    _git(dest, "add", "-A")
    _git(dest, "-c", "user.name=test", "-c", "user.email=test@example.org", "commit", "-qm",
         "snapshot", env=env)
    return dest


def render_list(root: Path) -> list[Path]:
    """The documents a bare `quarto render` renders: the project's render list."""
    from render.pipeline import load_project
    return [root / f for f in load_project(root)["project"]["render"]]


def render_offline(root: Path) -> dict[str, Path]:
    """Every document of the project's render list (report.html, report.pdf,
    handout.pdf on A4, slides.html, index.html), and handout-letter.pdf, by the offline renderer."""
    from render.pipeline import render
    out = root.parent / "offline"  # outside the tree, so git status shows what the renders left
    render(render_list(root), root=root, outdir=out, quiet=True, use_cache=False)
    letter = root.parent / "offline-letter"
    render([root / "handout.qmd"], root=root, outdir=letter, quiet=True,
           overrides={"papersize": "us-letter"}, use_cache=False)
    shutil.copyfile(letter / "handout.pdf", out / "handout-letter.pdf")
    return {p.name: p for p in out.iterdir()}


def render_quarto(root: Path, quarto: str) -> dict[str, Path]:
    """The same files by real Quarto: `quarto render` of the project, then the
    handout again on US Letter."""
    env = {**os.environ, "QUARTO_PYTHON": sys.executable}
    env.pop("SOURCE_DATE_EPOCH", None)
    for args in ([], ["handout.qmd", "-M", "papersize:us-letter", "-o", "handout-letter.pdf"]):
        t0 = time.perf_counter()
        proc = subprocess.run([quarto, "render", *args], cwd=root, env=env, capture_output=True,
                              text=True, timeout=600)
        assert proc.returncode == 0, (f"quarto render {' '.join(args)} failed after "
                                      f"{time.perf_counter() - t0:.0f} s:\n{proc.stderr[-3000:]}")
    out = root / "_output"
    return {p.name: p for p in out.iterdir() if p.is_file()}
