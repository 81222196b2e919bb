"""The browser lookup (tests/browser_path.py), on fake executables in a
temporary PATH: $CHROMIUM first, then chromium, chromium-browser, google-chrome,
google-chrome-stable; snap shims passed over; a clear error otherwise."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser_path import NAMES, BrowserNotFound, find_browser

ROOT = Path(__file__).resolve().parents[1]


def fake(folder: Path, name: str, body: str = "echo fake browser") -> str:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(0o755)
    return str(path)


def test_order_on_path(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    paths = {name: fake(b, name) for name in NAMES}
    env = {"PATH": f"{a}:{b}"}
    found = []
    for name in NAMES:  # take the winner away each time: the next one in the order wins
        found.append(find_browser(env))
        Path(found[-1]).unlink()
    assert found == [paths[n] for n in NAMES]
    with pytest.raises(BrowserNotFound, match="none of chromium, chromium-browser, google-chrome"):
        find_browser(env)


def test_path_order_beats_folder_order(tmp_path):
    """chromium later on PATH still beats google-chrome earlier on PATH."""
    chrome = fake(tmp_path / "first", "google-chrome")
    chromium = fake(tmp_path / "second", "chromium")
    assert find_browser({"PATH": f"{tmp_path / 'first'}:{tmp_path / 'second'}"}) == chromium
    assert chrome != chromium


def test_environment_variable_first(tmp_path):
    fake(tmp_path / "bin", "chromium")
    mine = fake(tmp_path / "elsewhere", "my-chrome")
    assert find_browser({"PATH": str(tmp_path / "bin"), "CHROMIUM": mine}) == mine
    other = fake(tmp_path / "bin", "other-browser")  # a command name is looked up on PATH
    assert find_browser({"PATH": str(tmp_path / "bin"), "CHROMIUM": "other-browser"}) == other
    with pytest.raises(BrowserNotFound, match="CHROMIUM=/no/such/browser"):  # no silent fallback
        find_browser({"PATH": str(tmp_path / "bin"), "CHROMIUM": "/no/such/browser"})


def test_snap_shim_is_passed_over(tmp_path):
    bin_ = tmp_path / "bin"
    fake(bin_, "chromium", 'exec /snap/bin/chromium "$@"')
    with pytest.raises(BrowserNotFound, match="snap shims"):
        find_browser({"PATH": str(bin_)})
    chrome = fake(bin_, "google-chrome")
    assert find_browser({"PATH": str(bin_)}) == chrome


def test_command_line_for_ci_run(tmp_path):
    """.ci/run asks `python3 tests/browser_path.py` before it installs a browser."""
    chrome = fake(tmp_path / "bin", "google-chrome-stable")
    env = {"PATH": str(tmp_path / "bin")}
    proc = subprocess.run([sys.executable, "tests/browser_path.py"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    assert (proc.returncode, proc.stdout.strip()) == (0, chrome), proc.stderr
    proc = subprocess.run([sys.executable, "tests/browser_path.py"], cwd=ROOT,
                          env={"PATH": str(tmp_path / "empty")}, capture_output=True, text=True)
    assert proc.returncode == 1 and "no browser" in proc.stderr
