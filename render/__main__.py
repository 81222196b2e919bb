"""python -m render [FILE.qmd ...] [--out DIR]: the offline renderer's command line."""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
from pathlib import Path

from .errors import RenderError
from .pipeline import load_project, render


def _slides_without_reveal(path: Path, root: Path) -> bool:
    """A revealjs document when reveal.js (npm) is not installed: said, and left out
    of a whole-project render so that the report and handout still render."""
    from . import qmd
    from .pipeline import REVEALJS_DIR, document_formats, reveal_installed
    if not path.exists() or reveal_installed(root):
        return False
    try:
        formats = document_formats(load_project(root), qmd.parse(path, display_name=path.name))
    except RenderError:
        return False  # the render itself reports it
    if "revealjs" not in formats:
        return False
    print(f"== {path.name} skipped: its slides need reveal.js from npm ({REVEALJS_DIR.as_posix()} "
          "is missing); run npm ci (make report does when npm is installed) and render again",
          file=sys.stderr)
    return True


class Terminated(BaseException):
    """SIGTERM: unwinds the render like Ctrl-C, so that kernels are stopped and staging
    folders removed (Python's default for SIGTERM exits without any cleanup)."""


def _terminate(signum, frame):
    raise Terminated()


def _os_error(exc: OSError, root: Path) -> str:
    """An OSError as one line: what failed, on which path (relative to the project,
    or in the temporary folder), and why."""
    path = exc.filename
    where = "a file"
    if path:
        p = Path(os.fsdecode(path))
        try:
            where = p.resolve().relative_to(root.resolve()).as_posix()
        except (ValueError, OSError):
            tmp = Path(tempfile.gettempdir())
            where = (f"{p.name} in the temporary folder {tmp} (TMPDIR)"
                     if tmp in p.parents else str(p))
    return f"{where}: {exc.strerror or exc}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m render", description=__doc__)
    ap.add_argument("files", nargs="*", type=Path,
                    help="documents to render (default: the project's render list)")
    ap.add_argument("--out", type=Path, default=None, help="output folder (default: project output-dir)")
    ap.add_argument("--quiet", action="store_true", help="no progress output")
    ap.add_argument("--keep", action="store_true", help="keep intermediate files")
    ap.add_argument("--timings", type=Path, default=None, metavar="FILE",
                    help="write the seconds per stage as JSON to FILE (used by make bench)")
    ap.add_argument("-M", "--metadata", action="append", default=[], metavar="KEY:VALUE",
                    help="override a metadata/format option, as quarto render -M (e.g. papersize:us-letter)")
    ap.add_argument("-P", "--execute-param", action="append", default=[], metavar="NAME:VALUE",
                    help="set a parameter of the cell tagged 'parameters', as quarto render -P "
                         "(e.g. r:0.3); the outputs are named after it (report-r0.3.html)")
    ap.add_argument("--version", action="store_true",
                    help="print which pandoc (path and version) and typst the renderer runs, and exit")
    args = ap.parse_args(argv)
    debug = os.environ.get("DEBUG") not in (None, "", "0")
    if args.version:
        from .pipeline import tools_line
        try:
            print(f"offline renderer: {tools_line()}")
        except RenderError as exc:
            print(f"render: {exc}", file=sys.stderr)
            return 1
        return 0
    root = Path.cwd()
    previous_term = signal.signal(signal.SIGTERM, _terminate)
    try:
        project = load_project(root).get("project", {}) or {}
        files = args.files or [root / f for f in project.get("render", [])] or sorted(root.glob("*.qmd"))
        if not args.files:  # the whole project: slides wait for npm, the rest renders now
            files = [f for f in files if not _slides_without_reveal(f, root)]
        for f in files:
            if not f.exists():
                raise RenderError(f.name, None, "document", "file not found")
        out = args.out or root / project.get("output-dir", "_output")
        overrides = {}
        for item in args.metadata:
            key, sep, value = item.partition(":")
            if not sep or not key:
                raise RenderError("command line", None, f"-M {item}", "expected KEY:VALUE")
            overrides[key.strip()] = value.strip()
        params = {}
        for item in args.execute_param:
            key, sep, value = item.partition(":")
            if not sep or not key.strip():
                raise RenderError("command line", None, f"-P {item}", "expected NAME:VALUE")
            params[key.strip()] = value.strip()  # read as YAML where the cell is written
        stages = render([f.resolve() for f in files], root=root, outdir=out.resolve(),
                        quiet=args.quiet, keep=args.keep or debug, overrides=overrides,
                        params=params)
        if args.timings:
            args.timings.write_text(json.dumps(stages, indent=1), encoding="utf-8")
    except RenderError as exc:
        if debug:
            raise
        print(f"render failed: {exc}\nNothing in the output folder was changed.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("render interrupted: nothing in the output folder was changed.", file=sys.stderr)
        return 130
    except Terminated:
        print("render stopped (SIGTERM): nothing in the output folder was changed.", file=sys.stderr)
        return 143
    except OSError as exc:  # a full disk, a read-only folder, a name too long: one line, no traceback
        if debug:
            raise
        print(f"render failed: {_os_error(exc, root)}\nNothing in the output folder was changed.",
              file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous_term)
    return 0


if __name__ == "__main__":
    sys.exit(main())
