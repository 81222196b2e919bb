"""The offline renderer runs its own tools, whatever else is installed (issue 24).

pandoc is always the binary of pypandoc-binary from the lock, never another
pandoc on PATH, even one reporting a higher version (pypandoc.get_pandoc_path()
would pick that one), and `python -m render --version` and every render's
timing output say which pandoc runs (path and version)."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import make_project

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.render


def fake_pandoc(folder: Path) -> Path:
    """A `pandoc` that says it is 99.1 and fails, leaving a mark, if used for anything else."""
    folder.mkdir(parents=True, exist_ok=True)
    mark = folder / "fake-pandoc-was-called"
    script = folder / "pandoc"
    script.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "--version" ]; then echo "pandoc 99.1"; echo "fake"; exit 0; fi\n'
        f'echo called >> "{mark}"\n'
        'echo "pandoc: Unknown option (this is the fake pandoc)" >&2\n'
        "exit 3\n", encoding="utf-8")
    script.chmod(0o755)
    return mark


def run_render(root: Path, *args: str, path_first: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # the renderer, run in a copy of a project
    env["SOURCE_DATE_EPOCH"] = "1767225600"  # outside a repository the date is otherwise now
    if path_first is not None:
        env["PATH"] = f"{path_first}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run([sys.executable, "-m", "render", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=600)


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file()}


def test_fake_newer_pandoc_on_path_is_never_run(tmp_path):
    fake = tmp_path / "fakebin"
    mark = fake_pandoc(fake)
    # the fake is what a PATH lookup finds from here on
    probe = subprocess.run(["pandoc", "--version"], capture_output=True, text=True,
                           env={**os.environ, "PATH": f"{fake}{os.pathsep}{os.environ['PATH']}"})
    assert probe.stdout.startswith("pandoc 99.1")

    plain = make_project(tmp_path / "plain")
    faked = make_project(tmp_path / "faked")
    a = run_render(plain)
    assert a.returncode == 0, a.stderr
    b = run_render(faked, path_first=fake)
    assert b.returncode == 0, f"with a newer pandoc first on PATH: {b.stderr[-2000:]}"
    assert not mark.exists(), "the renderer ran the pandoc on PATH instead of the lock's"
    da, db = digests(plain / "_output"), digests(faked / "_output")
    assert set(da) == {"everything.html", "everything.pdf"}, da
    assert da == db, "another pandoc on PATH changed the output"

    # the timing output names the lock's pandoc, not the fake
    tools = [ln for ln in b.stderr.splitlines() if "tools:" in ln]
    assert tools and "99.1" not in tools[0] and str(fake) not in tools[0], b.stderr[:2000]


def test_version_names_the_locks_pandoc(tmp_path):
    import importlib.util
    fake = tmp_path / "fakebin"
    mark = fake_pandoc(fake)
    proc = run_render(ROOT, "--version", path_first=fake)
    assert proc.returncode == 0, proc.stderr
    line = proc.stdout.strip()
    # the binary inside the installed pypandoc package (pypandoc-binary's), with the
    # version that binary itself reports
    package = Path(importlib.util.find_spec("pypandoc").submodule_search_locations[0])
    binary = package / "files" / "pandoc"
    own = subprocess.run([str(binary), "--version"], capture_output=True, text=True,
                         check=True).stdout.splitlines()[0]
    assert f"{own} at {binary}" in line, line
    assert "99.1" not in line and not mark.exists()
