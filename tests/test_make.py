"""`make report`'s variables are data, never shell or make code (issue 26, point 3).

Each test runs the real Makefile and tools/report.sh in a scratch folder whose
`.venv` is a stand-in: its `python` only writes down the arguments it was called
with, so the test sees exactly what the renderer would have been asked to do,
without rendering anything."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _cksum(path: Path) -> str:
    """What `cksum FILE | cut -d' ' -f1` prints (POSIX CRC), via the real cksum."""
    return subprocess.run(["cksum", str(path)], capture_output=True, text=True,
                          check=True).stdout.split()[0]


@pytest.fixture
def scratch(tmp_path):
    """The Makefile, tools/report.sh and the two lock files, with the venv and npm
    stamps in place and a logging `python`; no `quarto` on PATH."""
    for name in ("Makefile", "requirements.txt", "package.json", "package-lock.json", "tools/report.sh",
                 "tools/setup-venv.sh"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, tmp_path / name)
    venv_bin = tmp_path / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    (tmp_path / ".venv" / f".installed-{_cksum(tmp_path / 'requirements.txt')}").touch()
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / f".installed-{_cksum(tmp_path / 'package-lock.json')}").touch()
    log = tmp_path / "calls.log"
    python = venv_bin / "python"
    python.write_text(f'#!/bin/sh\nprintf "%s|" "$@" >> "{log}"\necho >> "{log}"\n')
    python.chmod(0o755)
    (tmp_path / "_output").mkdir()
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep)
                           if p and not (Path(p) / "quarto").exists())
    env = {k: v for k, v in os.environ.items() if k not in ("PARAMS", "PAPER", "OFFLINE", "MAKEFLAGS")}
    env["PATH"] = path
    return tmp_path, env, log


def _make(scratch, *args, extra_env=None):
    root, env, log = scratch
    run = subprocess.run(["make", "--no-print-directory", "report", *args], cwd=root,
                         env={**env, **(extra_env or {})}, capture_output=True, text=True, timeout=60)
    calls = log.read_text().splitlines() if log.exists() else []
    return run, calls


def test_parameters_reach_the_renderer_as_arguments(scratch):
    run, calls = _make(scratch, "PARAMS=r=0.3 paired_test=exact", "PAPER=us-letter")
    assert run.returncode == 0, run.stderr
    assert calls == ["-m|analysis|check|",
                     "-m|render|report.qmd|-P|r:0.3|-P|paired_test:exact|-M|papersize:us-letter|"]


def test_parameters_from_the_environment_too(scratch):
    run, calls = _make(scratch, extra_env={"PARAMS": "r=0.3"})
    assert run.returncode == 0, run.stderr
    assert calls[-1] == "-m|render|report.qmd|-P|r:0.3|"


@pytest.mark.parametrize("args,needle", [
    (["PARAMS=r=0.3;touch pwned;true"], "PARAMS value"),
    (["PARAMS=r=0.3 ;touch${IFS}pwned"], "not name=value"),
    (["PARAMS=r=$(shell touch pwned)"], "PARAMS value"),
    (["PARAMS=r=`touch pwned`"], "PARAMS value"),
    (["PARAMS=r=0.3\"; touch pwned; \""], "PARAMS value"),
    (["PARAMS=$(touch${IFS}pwned)=1"], "PARAMS name"),
    (["PAPER=a4;touch pwned;true"], "PAPER="),
    (["PAPER=$(shell touch pwned)"], "PAPER="),
    (["PAPER=a5"], "PAPER="),
    (["OFFLINE=$(shell touch pwned)"], None),
])
def test_hostile_make_variables_run_nothing(scratch, args, needle):
    root = scratch[0]
    run, calls = _make(scratch, *args)
    assert not (root / "pwned").exists(), f"{args} ran a command"
    if needle is None:      # OFFLINE is only tested for being non-empty: the offline render runs
        assert run.returncode == 0, run.stderr
        assert calls[-1] == "-m|render|"
    else:
        assert run.returncode != 0
        assert needle in run.stderr, run.stderr
        assert calls == [], "nothing may run after a refused variable"
