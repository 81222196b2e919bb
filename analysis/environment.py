"""The software that computed the report, and the commit and date it was
rendered from (printed by the report and the handout)."""
from __future__ import annotations

import datetime as _dt
import os
import platform
import subprocess
from importlib import metadata

PACKAGES = ("numpy", "pandas", "scipy", "statsmodels", "matplotlib", "ipykernel", "nbclient",
            "pypandoc-binary", "typst")


def versions() -> list[tuple[str, str]]:
    """(name, version) for Python and the packages the analysis and renderer use."""
    out = [("Python", platform.python_version())]
    for name in PACKAGES:
        try:
            out.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            out.append((name, "not installed"))
    return out


def _git(*args: str) -> str | None:
    """Output of a git command, or None where git or the repository is absent."""
    try:
        out = subprocess.run(["git", *args], capture_output=True, text=True, check=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip()


def render_stamp() -> tuple[str, str]:
    """(commit, date) a document is rendered from: the short commit, marked when
    tracked files have uncommitted changes, and the date of SOURCE_DATE_EPOCH
    (set by the offline renderer), else of the last commit, else today. Both
    renderers run this in the document's kernel, so they print the same."""
    commit = _git("rev-parse", "--short", "HEAD") or "unknown (no git)"
    if commit != "unknown (no git)" and _git("status", "--porcelain", "--untracked-files=no"):
        commit += " with uncommitted changes"
    epoch = os.environ.get("SOURCE_DATE_EPOCH") or _git("log", "-1", "--format=%ct")
    when = (_dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc) if epoch
            else _dt.datetime.now(_dt.timezone.utc))
    return commit, f"{when.day} {when:%B %Y}"
