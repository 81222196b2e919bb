"""Shared fixtures: render documents once per session into temporary folders."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def make_project(tmp: Path, fixture: str = "everything") -> Path:
    """Copy a fixture project (plus the repo's CSL style) into ``tmp``."""
    shutil.copytree(FIXTURES / fixture, tmp, dirs_exist_ok=True)
    shutil.copytree(ROOT / "csl", tmp / "csl", dirs_exist_ok=True)
    return tmp


@pytest.fixture(scope="session")
def fixture_render(tmp_path_factory):
    """The every-construct fixture rendered by the offline renderer."""
    from render.pipeline import render

    root = make_project(tmp_path_factory.mktemp("everything"))
    out = root / "_output"
    render([root / "everything.qmd"], root=root, outdir=out, quiet=True, use_cache=False)
    return out
