"""make bench-setup: the newcomer's wait, measured as a newcomer meets it.

From a fresh clone of this repository's HEAD in a temporary folder, with empty
package caches (uv's and pip's pointed at new empty folders): the time to
create .venv and install the lock (`make env`), then the first `make report`.
In the same run, the reference: `uv pip install` of the same lock into an empty
venv with an empty cache. Targets: first outputs within 30 s of `make report`
on the fresh clone (set-up included), and the install step at most 3 times the
reference.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"first outputs (set-up + first render)": 30.0, "install / uv reference": 3.0}


def _run(cmd: list[str], cwd: Path, env: dict) -> float:
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"bench-setup: {' '.join(cmd)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return time.perf_counter() - t


def main() -> int:
    root = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="bench-setup-") as tmpname:
        tmp = Path(tmpname)
        clone = tmp / "clone"
        subprocess.run(["git", "clone", "--quiet", str(root), str(clone)], check=True)
        env = {**os.environ, "UV_CACHE_DIR": str(tmp / "uv-cache"), "PIP_CACHE_DIR": str(tmp / "pip-cache")}
        env.pop("VIRTUAL_ENV", None)
        print(f"bench-setup: fresh clone of {root.name} HEAD in {clone}, empty uv and pip caches",
              file=sys.stderr)
        setup = _run(["make", "env"], clone, env)
        first = _run(["make", "report"], clone, env)
        renderer = "Quarto" if subprocess.run(["sh", "-c", "command -v quarto"], env=env,
                                               capture_output=True).returncode == 0 \
            and not env.get("OFFLINE") else "offline"
        # the reference: uv alone, same lock, an empty venv and another empty cache
        ref_env = {**env, "UV_CACHE_DIR": str(tmp / "uv-cache-ref")}
        subprocess.run([sys.executable, "-m", "venv", str(tmp / "ref")], check=True)
        uv = clone / ".venv" / ".tools" / "bin" / "uv"
        if not uv.exists():
            raise SystemExit("bench-setup: the set-up did not use uv (no .venv/.tools/bin/uv); "
                             "nothing to compare with")
        ref = _run([str(uv), "pip", "install", "--quiet", "--python", str(tmp / "ref" / "bin" / "python"),
                    "--require-hashes", "-r", "requirements.txt"], clone, ref_env)
        # the same with bytecode compiled, as make env does (like for like)
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp / "ref2")], check=True)
        ref_c = _run([str(uv), "pip", "install", "--quiet", "--python", str(tmp / "ref2" / "bin" / "python"),
                      "--require-hashes", "--compile-bytecode", "-r", "requirements.txt"], clone,
                     {**env, "UV_CACHE_DIR": str(tmp / "uv-cache-ref2")})
    rows = {"venv + install (make env)": setup, f"first make report ({renderer})": first,
            "first outputs (set-up + first render)": setup + first,
            "reference: uv pip install into an empty venv": ref,
            "reference with --compile-bytecode (as make env)": ref_c}
    width = max(map(len, rows)) + 4
    print(f"\n{'newcomer (seconds)':<{width}}{'':>8}")
    for k, v in rows.items():
        print(f"{k:<{width}}{v:>8.1f}")
    ratios = {"first outputs (set-up + first render)": setup + first,
              "install / uv reference": setup / ref}
    print(f"\n{'install / uv reference with bytecode (like for like)':<{width}}{setup / ref_c:>8.2f}")
    ok = True
    print()
    for k, v in ratios.items():
        good = v <= TARGETS[k]
        ok &= good
        unit = " s" if "first" in k else ""
        print(f"{k:<{width}}{v:>8.2f}{unit}   target <= {TARGETS[k]}{unit}  {'ok' if good else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
