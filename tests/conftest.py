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


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """One copy of the project's sources per test module (tests/test_trust.copy_project)."""
    from tests.test_trust import copy_project
    return copy_project(tmp_path_factory.mktemp("pristine"))


@pytest.fixture
def project(pristine, tmp_path):
    """A fresh copy of the project for a test that changes it (plants an attack, edits data)."""
    root = tmp_path / "project"
    shutil.copytree(pristine, root)
    return root


@pytest.fixture(scope="session")
def fixture_render(tmp_path_factory):
    """The every-construct fixture rendered by the offline renderer."""
    from render.pipeline import render

    root = make_project(tmp_path_factory.mktemp("everything"))
    out = root / "_output"
    render([root / "everything.qmd"], root=root, outdir=out, quiet=True, use_cache=False)
    return out


@pytest.fixture(scope="session")
def project_snapshot(tmp_path_factory):
    """One committed copy of the project that both renderers render, in a folder
    whose path has "--", spaces, "#" and non-ASCII letters (issue 18: paths are data)."""
    from tests.renderers import snapshot
    (root := tmp_path_factory.mktemp("both") / "dash--dir" / "my proj #1" / "ünï").mkdir(parents=True)
    return snapshot(root)


@pytest.fixture(scope="session")
def offline_outputs(project_snapshot):
    from tests.renderers import render_offline
    return render_offline(project_snapshot)


@pytest.fixture(scope="session")
def quarto_outputs(project_snapshot, offline_outputs):
    """Rendered after the offline outputs, so that `git status` afterwards shows
    what both renderers left in the tree."""
    from tests.renderers import INSTALL_HINT, quarto_command, render_quarto, unavailable
    quarto = quarto_command()
    if quarto is None:
        unavailable("Quarto is not installed", INSTALL_HINT)
    return render_quarto(project_snapshot, quarto)


@pytest.fixture(scope="session", params=["offline", "quarto"])
def outputs(request):
    """The outputs of one renderer (each test taking this runs once per renderer)."""
    return request.param, request.getfixturevalue(f"{request.param}_outputs")


def pytest_terminal_summary(terminalreporter):
    """The browser the browser tests used, and the conformance suite's
    classification of each document, when they ran."""
    import sys
    browsers = getattr(sys.modules.get("tests.test_browser"), "USED", None)
    if browsers:
        terminalreporter.write_sep("-", "browser used by the browser tests")
        for path, version in browsers.items():
            terminalreporter.write_line(f"{path} (version {version})")
    mod = sys.modules.get("tests.test_conformance")
    if mod is not None and mod.SUMMARY:
        terminalreporter.write_sep("-", "conformance (same / refused / wrong / crashed)")
        for line in mod.SUMMARY:
            terminalreporter.write_line(line)
