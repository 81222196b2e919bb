"""The locked environment: requirements.txt holds every package the venv has,
at the same version, each with hashes; the set-up script installs from the lock
only, with uv, and falls back to pip --require-hashes (forced here)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.txt"
SETUP = ROOT / "tools" / "setup-venv.sh"
# installers that come with every venv, not with the project
BOOTSTRAP = {"pip", "setuptools", "wheel"}


def _canon(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_entries(text: str) -> dict[str, dict]:
    """{name: {"version": v, "hashes": [...]}} of a `uv pip compile --generate-hashes` lock."""
    out: dict[str, dict] = {}
    current = None
    for raw in text.splitlines():
        line = raw.strip()
        m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\]+)", line)
        if m:
            current = _canon(m.group(1))
            out[current] = {"version": m.group(2), "hashes": []}
        for h in re.findall(r"--hash=sha256:([0-9a-f]{64})", line):
            assert current, f"a hash before any package: {raw!r}"
            out[current]["hashes"].append(h)
    return out


def test_every_lock_entry_is_exact_and_hashed():
    entries = lock_entries(LOCK.read_text(encoding="utf-8"))
    assert len(entries) >= 40
    unhashed = [n for n, e in entries.items() if not e["hashes"]]
    assert not unhashed, f"lock entries without hashes: {unhashed}"


def test_every_direct_pin_is_in_the_lock_at_its_version():
    entries = lock_entries(LOCK.read_text(encoding="utf-8"))
    for raw in (ROOT / "requirements.in").read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            assert entries.get(_canon(name), {}).get("version") == version, line


def test_the_venv_holds_exactly_the_lock():
    """What is installed (pip freeze, in effect) is the lock: no package missing
    from it, none at another version. Runs in the venv make test uses."""
    if not sys.prefix.startswith(str(ROOT)) and os.environ.get("CI"):
        pytest.fail("the tests must run in the project's .venv under CI")
    if not sys.prefix.startswith(str(ROOT)):
        pytest.skip(f"not running in the project's venv ({sys.prefix})")
    entries = lock_entries(LOCK.read_text(encoding="utf-8"))
    installed = {_canon(d.metadata["Name"]): d.version for d in metadata.distributions()}
    extra = {n: v for n, v in installed.items() if n not in entries and n not in BOOTSTRAP}
    assert not extra, f"installed but not in requirements.txt: {extra}"
    wrong = {n: (v, entries[n]["version"]) for n, v in installed.items()
             if n in entries and entries[n]["version"] != v}
    assert not wrong, f"installed version differs from the lock: {wrong}"
    missing = sorted(set(entries) - set(installed))
    assert not missing, f"in the lock but not installed: {missing}"


def _one_entry_lock(tmp_path: Path, name: str, *, corrupt: bool = False) -> Path:
    """A lock of one small pure-Python package cut from the real lock (its real hashes)."""
    text = LOCK.read_text(encoding="utf-8")
    m = re.search(rf"^{re.escape(name)}==[^\n]*(?:\n    --hash=[^\n]*)+", text, re.M)
    assert m, f"{name} is not in the lock"
    block = m.group(0)
    if corrupt:  # hashes no file has
        block = re.sub(r"sha256:[0-9a-f]{64}", "sha256:" + "0" * 64, block)
    lock = tmp_path / "lock.txt"
    lock.write_text(block.replace(" \\\n    #", "\n    #") + "\n", encoding="utf-8")
    return lock


@pytest.mark.parametrize("corrupt", [False, True], ids=["hashes-match", "hash-mismatch"])
def test_fallback_installs_with_pip_require_hashes(tmp_path, corrupt):
    """NO_UV=1 forces the fallback: pip installs the lock and checks every hash."""
    lock = _one_entry_lock(tmp_path, "pure-eval", corrupt=corrupt)
    env = {**os.environ, "NO_UV": "1", "VENV": str(tmp_path / "venv"), "LOCK": str(lock),
           "PYTHON": sys.executable if not sys.prefix.startswith(str(ROOT)) else "python3"}
    proc = subprocess.run(["bash", str(SETUP)], env=env, capture_output=True, text=True, timeout=300)
    if corrupt:
        assert proc.returncode != 0
        assert "hash" in (proc.stderr + proc.stdout).lower()
        return
    assert proc.returncode == 0, proc.stderr
    assert "installer: pip --require-hashes" in proc.stdout
    freeze = subprocess.run([str(tmp_path / "venv" / "bin" / "python"), "-m", "pip", "freeze"],
                            capture_output=True, text=True, check=True).stdout
    assert re.search(r"^pure[-_]eval==", freeze, re.M), freeze
