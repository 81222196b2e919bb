"""Run a document's code in one Jupyter kernel, in document order.

Returns plain, JSON-serialisable outputs so that they can be cached: for each
chunk of the document, the list of Jupyter outputs of a code cell, or the list
of values of a Markdown chunk's inline expressions, or ``None``.
"""
from __future__ import annotations

import os
import re
import subprocess
import threading
from pathlib import Path

from .errors import RenderError
from .qmd import Cell, Document, Markdown

INLINE_MIME = "application/json"

# Limits on a document's code (issue 26): how long one cell may run, and how much
# output it may send. The cell timeout is RENDER_CELL_TIMEOUT seconds (default 600,
# nbclient's usual value; 0 turns it off), the output cap MAX_CELL_OUTPUT_BYTES.
# The largest output of any cell today is a figure of 0.11 MB (the whole report's
# outputs are 0.35 MB); a cell that printed 50 MB took 14.7 GB of memory, and 1 MB
# of short printed lines still takes typst about 2 minutes and 0.7 GB here (a PDF of
# some 1,500 pages), so the cap is 1 MB, nine times the largest output.
TIMEOUT_VARIABLE = "RENDER_CELL_TIMEOUT"
DEFAULT_TIMEOUT = 600
MAX_CELL_OUTPUT_BYTES = 1_000_000


def cell_timeout() -> int | None:
    """Seconds a cell may run: RENDER_CELL_TIMEOUT, else 600; None when it is 0 (no limit)."""
    raw = os.environ.get(TIMEOUT_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_TIMEOUT
    if not re.fullmatch(r"\d{1,7}", raw):
        raise RenderError("environment", None, f"{TIMEOUT_VARIABLE}={raw[:40]}",
                          "expected a whole number of seconds a cell may run (0: no limit)")
    return int(raw) or None

# Run first, hidden: figure format and reproducible SVG output. Quarto does the
# equivalent set-up from `fig-format: svg`.
SETUP = r'''
import matplotlib_inline.backend_inline as __bi
__bi.set_matplotlib_formats("svg")
import matplotlib as __mpl
__mpl.rcParams["svg.hashsalt"] = "quarto-offline"
del __bi, __mpl

def __render_inline__(sources):
    # Quarto's formatting of inline results: text/markdown as Markdown; a str
    # with Markdown characters escaped; anything else as its repr().
    from IPython import get_ipython
    from IPython.display import display
    ns = get_ipython().user_ns
    special = set("\\`*_{}[]()>#+-.!")
    out = []
    for src in sources:
        try:
            value = eval(compile(src, "<inline expression>", "eval"), ns)
        except Exception as exc:  # reported by the renderer with its line
            out.append({"error": f"{type(exc).__name__}: {exc}"})
            continue
        md = getattr(value, "_repr_markdown_", None)
        if callable(md):
            text = md()
        elif isinstance(value, str):
            text = "".join("\\" + ch if ch in special else ch for ch in value)
        else:
            text = repr(value)
        out.append({"value": text})
    display({"application/json": out}, raw=True)
'''

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def execute(doc: Document, *, cwd: Path, name: str, timeout: int | None | str = "env",
            progress=None, kernel: "Kernel | None" = None) -> list:
    """Execute ``doc``'s cells and inline expressions; return per-chunk outputs.

    ``kernel``: one started ahead with :func:`start_kernel`; it is used once
    and shut down here. Without it, a kernel is started now. ``timeout``: seconds per
    cell, None for no limit; by default RENDER_CELL_TIMEOUT's (cell_timeout())."""
    if timeout == "env":
        try:
            timeout = cell_timeout()
        except RenderError:
            if kernel is not None:
                kernel.shutdown()
            raise
    # Cells in document order, then (as Quarto does) every inline expression,
    # evaluated after all cells have run. INLINE marks that last cell.
    plan: list[tuple[int, str]] = [(k, c.source) for k, c in enumerate(doc.chunks)
                                   if isinstance(c, Cell)]
    inline_chunks = [c for c in doc.chunks if isinstance(c, Markdown) and c.inlines]
    if inline_chunks:
        exprs = [i.expr for c in inline_chunks for i in c.inlines]
        plan.append((INLINE, f"__render_inline__({exprs!r})"))
    outputs: dict[int, list] = {}
    if plan:
        _run(plan, doc, kernel=kernel or start_kernel(cwd), name=name, timeout=timeout,
             progress=progress, outputs=outputs)
    elif kernel is not None:
        kernel.shutdown()
    results: list = [outputs.get(k) for k in range(len(doc.chunks))]
    if inline_chunks:
        values = _inline_values(outputs[INLINE], inline_chunks, name)
        for k, chunk in enumerate(doc.chunks):
            if chunk in inline_chunks:
                n = len(chunk.inlines)
                results[k], values = values[:n], values[n:]
    return results


INLINE = -1
_RUNNING: set = set()  # kernels started and not yet shut down
_LOCK = threading.Lock()


def shutdown_all() -> None:
    """Stop every kernel this process started and has not yet stopped."""
    with _LOCK:
        kernels = list(_RUNNING)
    for kernel in kernels:
        kernel.cancelled = True  # one still starting stops as soon as it exists
        try:  # kill the process: the worker thread waiting on it then ends within a second
            kernel.km.provisioner.process.kill()
        except Exception:  # already gone, or not launched yet
            pass


class Kernel:
    """A running kernel process and where its sockets live."""

    def __init__(self, km, sockets: str, cwd: Path):
        self.km, self.sockets, self.cwd = km, sockets, cwd
        self.cancelled = False

    def shutdown(self) -> None:
        import shutil

        from jupyter_core.utils import run_sync
        with _LOCK:
            _RUNNING.discard(self)
        try:
            if self.km.has_kernel:
                run_sync(self.km.shutdown_kernel)(now=True)
        except Exception:  # the kernel is already gone
            pass
        shutil.rmtree(self.sockets, ignore_errors=True)


def start_kernel(cwd: Path) -> Kernel:
    """Launch a python3 kernel in ``cwd``; return once its process exists.
    The kernel boots on its own while the caller goes on; the first cell
    waits until it is ready."""
    import tempfile

    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    sockets = tempfile.mkdtemp(prefix="kernel-")
    # IPC transport: local Unix sockets, no TCP port, no warning about encryption.
    # The connection file lives with the sockets, so nothing is left in TMPDIR.
    km = AsyncKernelManager(kernel_name="python3", transport="ipc", ip=os.path.join(sockets, "k"),
                            connection_file=os.path.join(sockets, "kernel.json"))
    kernel = Kernel(km, sockets, cwd)
    with _LOCK:
        _RUNNING.add(kernel)
    quiet = {} if os.environ.get("DEBUG") not in (None, "", "0") else {"stderr": subprocess.DEVNULL}
    try:
        # As nbclient does when it starts a kernel itself: IPython's history in
        # memory, not in a SQLite file shared by kernels running at once.
        run_sync(km.start_kernel)(cwd=str(cwd), extra_arguments=["--HistoryManager.hist_file=:memory:"],
                                  **quiet)
    except BaseException:
        kernel.shutdown()
        raise
    if kernel.cancelled:  # shutdown_all ran while the process was being launched
        kernel.shutdown()
        raise RenderError("kernel", None, "start", "cancelled")
    return kernel


def _output_size(msg: dict) -> int:
    """About how many bytes an output message adds (its text, or its data's)."""
    content = msg.get("content") or {}
    if msg.get("msg_type") == "stream":
        return len(content.get("text") or "")
    if msg.get("msg_type") == "error":
        return sum(len(t) for t in content.get("traceback") or [])
    size = 0
    for value in (content.get("data") or {}).values():
        size += len(value) if isinstance(value, str) else len(repr(value))
    return size


def _client_class():
    """nbclient's NotebookClient with a cap on each cell's output: past
    MAX_CELL_OUTPUT_BYTES the output is dropped and the kernel stopped, so the cell
    ends (nbclient then reports the kernel dead) and memory stays bounded."""
    from nbclient import NotebookClient

    class CappedClient(NotebookClient):
        def __init__(self, *args, stop_kernel, **kw):
            super().__init__(*args, **kw)
            self.stop_kernel = stop_kernel
            self.sizes: dict[int, int] = {}
            self.too_big: int | None = None  # the cell (index) whose output went over the cap

        def output(self, outs, msg, display_id, cell_index):
            if self.too_big is not None:
                return None
            size = self.sizes.get(cell_index, 0) + _output_size(msg)
            self.sizes[cell_index] = size
            if size > MAX_CELL_OUTPUT_BYTES:
                self.too_big = cell_index
                self.stop_kernel()
                return None
            return super().output(outs, msg, display_id, cell_index)

    return CappedClient


def _run(plan, doc, *, kernel: Kernel, name, timeout, progress, outputs) -> None:
    import nbformat
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code) for code in [SETUP] + [c for _, c in plan]]

    def stop_kernel() -> None:
        try:
            kernel.km.provisioner.process.kill()
        except Exception:  # already gone
            pass
    client = _client_class()(nb, km=kernel.km, timeout=timeout, stop_kernel=stop_kernel,
                             resources={"metadata": {"path": str(kernel.cwd)}})
    try:
        with client.setup_kernel():  # the kernel is running: this connects and waits for it
            for n, cell in enumerate(nb.cells):
                k = plan[n - 1][0] if n else None
                chunk = doc.chunks[k] if k is not None and k != INLINE else None
                if progress and chunk is not None:
                    progress(chunk.label)
                where = (f"cell '{chunk.label}' (starts at line {chunk.line})" if chunk is not None
                         else "the inline expressions" if k == INLINE else "the renderer's set-up cell")
                line = chunk.line if chunk is not None else None
                too_big = RenderError(name, line, where,
                                      f"its output passed {MAX_CELL_OUTPUT_BYTES / 1e6:g} MB, the most a "
                                      "cell may print or display (render.execute.MAX_CELL_OUTPUT_BYTES); "
                                      "stopped. Print a summary instead (the head of a table, a count)")
                try:
                    client.execute_cell(cell, n)
                    if client.too_big == n:  # the cell ended before the kernel was stopped
                        raise too_big
                except CellExecutionError as exc:
                    raise _cell_error(exc, chunk, name, cell.get("execution_count")) from None
                except CellTimeoutError:
                    raise RenderError(name, line, where,
                                      f"still running after {timeout} s, the cell timeout; stopped. "
                                      f"If it needs longer, set {TIMEOUT_VARIABLE} to the seconds a cell "
                                      f"may run (0: no limit), e.g. {TIMEOUT_VARIABLE}={timeout * 2} "
                                      "make report") from None
                except DeadKernelError:
                    if client.too_big == n:
                        raise too_big from None
                    if kernel.cancelled:
                        raise
                    raise RenderError(name, line, where, "the Python kernel died while the cell ran "
                                      "(out of memory, or the process was killed)") from None
                if k is not None:
                    outputs[k] = coalesce_streams([dict(o) for o in cell.outputs])
    finally:
        if client.kc is not None:  # nbclient leaves a client it did not create open
            try:
                client.kc.stop_channels()
            except Exception:  # already closed
                pass
        kernel.shutdown()


def coalesce_streams(outputs: list[dict]) -> list[dict]:
    """Consecutive stream outputs of the same name (stdout, stderr) merged into one,
    as Jupyter front ends show them. The kernel sends a stream message per flush,
    so how a print is split depends on timing; merged, the outputs (and the cache
    entry and the rendered bytes) do not. Other outputs keep their place."""
    out: list[dict] = []
    for o in outputs:
        prev = out[-1] if out else None
        if (o.get("output_type") == "stream" and prev is not None
                and prev.get("output_type") == "stream" and prev.get("name") == o.get("name")):
            text = lambda t: "".join(t) if isinstance(t, list) else (t or "")  # noqa: E731
            out[-1] = {**prev, "text": text(prev.get("text")) + text(o.get("text"))}
        else:
            out.append(o)
    return out


def _cell_error(exc, chunk, name, count=None) -> RenderError:
    if chunk is None:
        return RenderError(name, None, "renderer set-up or inline-expression cell",
                           f"{exc.ename}: {exc.evalue}")
    tb = exc.traceback if isinstance(exc.traceback, str) else "\n".join(exc.traceback or [])
    tb = _ANSI.sub("", tb)
    line = chunk.line
    # "Cell In[n], line k": line k of the code of the cell run as number n. Only
    # this cell's own frames give a line in it (a function defined in an earlier
    # cell points there); k is counted after the fence and the option lines.
    own = [int(k) for n, k in re.findall(r"Cell In\[(\d+)\], line (\d+)", tb)
           if count is not None and int(n) == count]
    if own:
        line = chunk.line + chunk.n_option_lines + own[-1]
    last = [ln for ln in tb.splitlines() if ln.strip()][-1:] or [f"{exc.ename}: {exc.evalue}"]
    where = f"cell '{chunk.label}' (starts at line {chunk.line})"
    if exc.ename in ("NoneType", "", None, "<Error>"):
        # IPython reports an error raised while *displaying* a result (a _repr_*_
        # method) without an exception name: say what happened and show the last line.
        return RenderError(name, line, where, f"displaying the cell's result failed: {last[0]}")
    return RenderError(name, line, where, f"the code raised {exc.ename}: {exc.evalue}" + (
        "" if f"{exc.ename}: {exc.evalue}" in last[0] else f"\n{last[0]}"))


def _inline_values(outputs: list, chunks: list[Markdown], name: str) -> list[str]:
    data = next((o["data"][INLINE_MIME] for o in outputs or []
                 if o.get("output_type") == "display_data" and INLINE_MIME in o.get("data", {})), None)
    if data is None:
        raise RenderError(name, chunks[0].line, "inline expressions", "the kernel returned no values")
    values = []
    for item, inline in zip(data, [i for c in chunks for i in c.inlines]):
        if "error" in item:
            raise RenderError(name, inline.line, f"inline expression `{{python}} {inline.expr}`",
                              item["error"])
        values.append(item["value"])
    return values


def source_date_epoch(cwd: Path) -> str:
    """SOURCE_DATE_EPOCH: the environment's, else the last commit's time, else now
    (outside a repository `date: today` is today, as in Quarto; never 1970)."""
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return os.environ["SOURCE_DATE_EPOCH"]
    try:
        out = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=cwd,
                             capture_output=True, text=True, timeout=10)
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    import time
    return str(int(time.time()))
