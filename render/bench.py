"""make bench: time cold, prose-edit and warm renders against the floor, in one run.

Cold = execution cache cleared; prose = executed results cached, converted
outputs cleared (as after an edit to prose); warm = nothing changed.
Each render runs as `make report` runs it (the data check, then a fresh
renderer process), so start-up and imports count and no in-process cache
survives from one render to the next.
The floor is what no render of these documents can avoid: starting a kernel
and importing the analysis package's dependencies, one pandoc conversion and
one typst compile of a trivial document. Medians over --runs repetitions.

Where real Quarto is installed (on PATH, or $QUARTO), the same run also times
`quarto render` of the same documents in a copy of the project, cold (after
clearing Quarto's .quarto/ folder) and warm (straight after), and prints
offline/Quarto for both.
"""
from __future__ import annotations

import argparse
import ast
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .cache import cache_dir
from .pipeline import compile_typst, load_project, pandoc_path

# The targets as restated in the lock and first-run issue: the renderer's overhead
# measured against what these documents cannot avoid, not against the floor alone.
TARGETS = {"cold / (floor + slowest own work)": 1.15, "warm/cold": 0.1, "prose edit/cold": 0.35,
           "offline cold / Quarto cold": 0.15}
SIZE_LIMITS = {".html": 2_000_000, ".pdf": 1_000_000}
# The slides embed reveal.js's Source Sans Pro in the three formats its theme
# lists (EOT, WOFF, TTF: 2.9 MB of the 3.5 MB); Quarto's slides do the same (3.8 MB).
SIZE_LIMITS_BY_NAME = {"slides.html": 4_000_000}


def analysis_dependencies(root: Path) -> list[str]:
    """Third-party top-level modules imported by the analysis package."""
    names = set()
    for f in sorted((root / "analysis").glob("*.py")):
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
    return sorted(n for n in names if n.split(".")[0] not in sys.stdlib_module_names
                  and n != "__future__" and not (root / n.split(".")[0]).exists())


def _import_line(mods: list[str]) -> str:
    return "import " + ", ".join(mods) if mods else "pass"


def floor_once(root: Path, tmp: Path) -> dict:
    from . import qmd
    from .execute import execute

    out = {}
    mods = analysis_dependencies(root)
    doc_path = tmp / "floor.qmd"
    doc_path.write_text("```{python}\n" + _import_line(mods) + "\n```\n", encoding="utf-8")
    t = time.perf_counter()
    execute(qmd.parse(doc_path), cwd=tmp, name="floor.qmd")
    out["floor: kernel + imports"] = time.perf_counter() - t
    md = tmp / "t.md"
    md.write_text("# Hello\n\nA trivial document.\n", encoding="utf-8")
    t = time.perf_counter()
    subprocess.run([pandoc_path(), str(md), "-s", "--metadata", "title=t", "-o", str(tmp / "t.html")],
                   check=True, capture_output=True)
    out["floor: pandoc"] = time.perf_counter() - t
    typ = tmp / "t.typ"
    typ.write_text("= Hello\nA trivial document.\n", encoding="utf-8")
    t = time.perf_counter()
    compile_typst(typ, tmp / "t.pdf", root=tmp, name="t.typ", epoch="0")
    out["floor: typst"] = time.perf_counter() - t
    out["floor: total"] = sum(out.values())
    return out


def own_cells(root: Path, doc_path: Path, tmp: Path) -> float:
    """Seconds a document's own cells take in a kernel that has already
    imported the floor's modules (plus the kernel's shutdown): the code work
    no renderer can avoid beyond the floor."""
    from . import qmd
    from .execute import execute

    lines = doc_path.read_text(encoding="utf-8").splitlines(keepends=True)
    _, start = qmd._front_matter([ln.rstrip("\n") for ln in lines], doc_path.name)
    imports = "\n```{python}\n" + _import_line(analysis_dependencies(root)) + "\n```\n\n"
    doc = qmd.parse(doc_path, "".join(lines[:start]) + imports + "".join(lines[start:]),
                    display_name=doc_path.name)
    calls: list[float] = []
    execute(doc, cwd=root, name=doc_path.name, progress=lambda label: calls.append(time.perf_counter()))
    done = time.perf_counter()
    return done - calls[1] if len(calls) > 1 else 0.0  # calls[1]: the document's first cell


def render_once(root: Path, docs: list[Path], outdir: Path, tmp: Path, *, mode: str) -> dict:
    """One render as `make report` runs it: the data check, then a fresh
    `python -m render` process, so interpreter start-up, imports and every
    in-process cache (typst's among them) are paid as a user pays them.

    mode: "cold" clears the whole cache; "prose" keeps executed results but
    clears the converted outputs, as after an edit to prose; "warm" keeps all."""
    if mode == "cold":
        shutil.rmtree(cache_dir(root), ignore_errors=True)
    elif mode == "prose":
        shutil.rmtree(cache_dir(root) / "out", ignore_errors=True)
    timings = tmp / "timings.json"
    t_all = time.perf_counter()
    subprocess.run([sys.executable, "-m", "analysis", "check"], cwd=root, check=True,
                   capture_output=True)
    stages = {"environment + data check": time.perf_counter() - t_all}
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "render", "--quiet", "--out", str(outdir),
                           "--timings", str(timings), *map(str, docs)],
                          cwd=root, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"bench: the render failed:\n{proc.stderr}")
    inner = json.loads(timings.read_text(encoding="utf-8"))
    # the renderer process outside its timed stages: interpreter start-up, imports,
    # reading _quarto.yml, git, and winding down
    stages["renderer process, untimed parts"] = wall - inner.pop("total")
    for name, secs in inner.items():
        stages[name.replace(" (cached)", "").replace(" (unchanged, reused)", "")] = secs
    stages["total"] = time.perf_counter() - t_all
    return stages


def quarto_command() -> str | None:
    import os
    q = os.environ.get("QUARTO") or shutil.which("quarto")
    return q if q and Path(q).exists() else None


def project_copy(root: Path, dest: Path) -> Path:
    """The project's files (tracked and new, not ignored) copied to ``dest``."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=root,
                           capture_output=True, text=True, check=True).stdout.split("\0")
    for name in filter(None, files):
        if (root / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / name, dest / name)
    return dest


def quarto_once(quarto: str, copy: Path, *, cold: bool) -> float:
    """Seconds for `quarto render` of the project copy, with the project's venv."""
    import os
    if cold:
        shutil.rmtree(copy / ".quarto", ignore_errors=True)
        shutil.rmtree(copy / "_output", ignore_errors=True)
    env = {**os.environ, "QUARTO_PYTHON": sys.executable}
    t = time.perf_counter()
    proc = subprocess.run([quarto, "render"], cwd=copy, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"bench: quarto render failed:\n{proc.stderr[-3000:]}")
    return time.perf_counter() - t


def median_table(runs: list[dict]) -> dict:
    keys = list(dict.fromkeys(k for r in runs for k in r))
    return {k: statistics.median(r.get(k, 0.0) for r in runs) for k in keys}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m render.bench", description=__doc__)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    root = Path.cwd()
    project = load_project(root).get("project", {}) or {}
    docs = [root / f for f in project.get("render", [])] or sorted(root.glob("*.qmd"))
    with tempfile.TemporaryDirectory(prefix="bench-") as tmpname:
        tmp = Path(tmpname)
        print(f"bench: {', '.join(d.name for d in docs)}; {args.runs} runs each", file=sys.stderr)
        floors, colds, proses, warms, owns, quartos = [], [], [], [], [], []
        quarto = quarto_command()
        qcopy = project_copy(root, tmp / "quarto-copy") if quarto else None
        if not quarto:
            print("  quarto not found: no side-by-side Quarto timings "
                  "(install Quarto 1.10.18 and put it on PATH: pip install -r requirements-quarto.txt, or "
                  "bash ../shared/quarto/install.sh where the optional folder ../shared/quarto "
                  "that some CI machines provide is present)", file=sys.stderr)
        for i in range(args.runs):
            if quarto:
                quartos.append({"quarto render: cold": quarto_once(quarto, qcopy, cold=True),
                                "quarto render: warm": quarto_once(quarto, qcopy, cold=False)})
                print(f"  run {i + 1}: quarto cold {quartos[-1]['quarto render: cold']:.2f} s, "
                      f"warm {quartos[-1]['quarto render: warm']:.2f} s", file=sys.stderr)
            floors.append(floor_once(root, tmp))
            owns.append({f"{d.stem}: own cells": own_cells(root, d, tmp) for d in docs})
            colds.append(render_once(root, docs, tmp / "out", tmp, mode="cold"))
            proses.append(render_once(root, docs, tmp / "out", tmp, mode="prose"))
            warms.append(render_once(root, docs, tmp / "out", tmp, mode="warm"))
            print(f"  run {i + 1}: cold {colds[-1]['total']:.2f} s, prose edit "
                  f"{proses[-1]['total']:.2f} s, warm {warms[-1]['total']:.2f} s, "
                  f"floor {floors[-1]['floor: total']:.2f} s", file=sys.stderr)
        sizes = {f.name: f.stat().st_size for f in sorted((tmp / "out").iterdir())}
    floor, cold, warm = median_table(floors), median_table(colds), median_table(warms)
    prose, own = median_table(proses), median_table(owns)
    width = max(len(k) for k in [*cold, *floor]) + 8
    print(f"\n{'stage (median seconds)':<{width}}{'cold':>8}{'prose':>8}{'warm':>8}")
    for k in cold:
        print(f"{k:<{width}}{cold[k]:>8.2f}{prose.get(k, 0.0):>8.2f}{warm.get(k, 0.0):>8.2f}")
    print()
    for k, v in floor.items():
        print(f"{k:<{width}}{v:>8.2f}")
    # What no renderer can avoid for these documents: the floor, plus each
    # document's own cells and its conversion (formats in parallel, as in the
    # prose-edit render), documents in parallel.
    print()
    own_total = {}
    for d in docs:
        conv = max([v for k, v in prose.items() if k.startswith(f"{d.stem}: ")
                    and ("html" in k or "pdf" in k or "typst" in k)] or [0.0])
        own_total[d.stem] = own[f"{d.stem}: own cells"] + conv
        print(f"{d.stem + ': own cells, then conversion':<{width}}"
              f"{own[d.stem + ': own cells']:>8.2f}{conv:>8.2f}")
    bound = floor["floor: total"] + max(own_total.values())
    print(f"{'floor + slowest document own work':<{width}}{bound:>8.2f}"
          f"   (cold/floor at least {bound / floor['floor: total']:.2f} even with no overhead)")
    ratios = {"cold / (floor + slowest own work)": cold["total"] / bound,
              "warm/cold": warm["total"] / cold["total"],
              "prose edit/cold": prose["total"] / cold["total"]}
    print(f"{'cold/floor (the old target, 1.5, for reference)':<{width}}"
          f"{cold['total'] / floor['floor: total']:>8.2f}")
    if quartos:
        q = median_table(quartos)
        print()
        print(f"{'':<{width}}{'offline':>8}{'Quarto':>8}{'ratio':>8}")
        for mode, off in (("cold", cold["total"]), ("warm", warm["total"])):
            qs = q[f"quarto render: {mode}"]
            print(f"{mode + ' render, all documents':<{width}}{off:>8.2f}{qs:>8.2f}{off / qs:>8.2f}")
        ratios["offline cold / Quarto cold"] = cold["total"] / q["quarto render: cold"]
    ok = True
    print()
    for k, v in ratios.items():
        good = v <= TARGETS[k]
        ok &= good
        print(f"{k:<{width}}{v:>8.2f}   target <= {TARGETS[k]}  {'ok' if good else 'MISSED'}")
    print()
    for name, size in sizes.items():
        limit = SIZE_LIMITS_BY_NAME.get(name, SIZE_LIMITS.get(Path(name).suffix))
        good = limit is None or size <= limit
        ok &= good
        target = f"target < {limit / 1e6:.0f} MB  {'ok' if good else 'MISSED'}" if limit else "no target"
        print(f"{name:<{width}}{size / 1e6:>7.2f} MB   {target}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
