"""Execution cache: skip the kernel when nothing that could change an output has.

Stricter than Quarto's ``freeze``: the key covers the document's code cells and
inline expressions, every file under the project's data folder (and the
project files the code reads: _quarto.yml, CITATION.cff), the source of
every local package the code imports, the versions of the installed packages
that code imports, the Python version and the renderer's kernel set-up. Prose
is not in the key, so a prose-only edit re-renders without executing code.

One JSON file per document lives in ``.cache/render/``; it carries a digest of
its own contents, so a damaged entry is detected, reported and rebuilt, never
trusted. The folder is safe to delete.
"""
from __future__ import annotations

import ast
import functools
import hashlib
import json
import sys
from importlib import metadata
from pathlib import Path

from .qmd import Cell, Document, Markdown

VERSION = "2"  # 2: consecutive stream outputs merged (render/execute.py coalesce_streams)
DATA_DIRS = ("data",)  # project folders whose files the code reads
# Project files the code reads (analysis.publish: site-url, the citation).
DATA_FILES = ("_quarto.yml", "CITATION.cff")


def cache_dir(root: Path) -> Path:
    return root / ".cache" / "render"


_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")


@functools.lru_cache(maxsize=1024)
def _imports(source: str) -> frozenset[str]:
    """Top-level names of the modules ``source`` imports, at any depth. Import
    statements only appear in statement blocks, so only those are walked
    (a full ast.walk visits every expression node and is several times slower).
    Memoized: the documents of one render share most of their sources."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return frozenset()
    names = set()
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        else:
            for block in _BLOCKS:
                stack.extend(getattr(node, block, None) or ())
    return frozenset(names)


def _files(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def key(doc: Document, root: Path, setup: str, context: dict | None = None) -> tuple[str, dict]:
    """The cache key of ``doc`` and a readable summary of what went into it.

    ``context`` holds state outside the files that code may print, such as the
    commit a document is rendered from and SOURCE_DATE_EPOCH."""
    h = hashlib.sha256()

    def feed(label: str, data: bytes) -> None:
        h.update(label.encode() + b"\0" + hashlib.sha256(data).digest())

    feed("version", VERSION.encode())
    feed("python", sys.version.encode())
    feed("setup", setup.encode())
    feed("context", json.dumps(context or {}, sort_keys=True).encode())
    code = [c.source for c in doc.chunks if isinstance(c, Cell)]
    inline = [i.expr for c in doc.chunks if isinstance(c, Markdown) for i in c.inlines]
    feed("cells", json.dumps(code).encode())
    feed("inline", json.dumps(inline).encode())

    imported = set().union(*(_imports(s) for s in code)) if code else set()
    local, seen = [], set()
    pending = sorted(imported)
    while pending:  # local packages, and the local packages they import
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        pkg, mod = root / name, root / f"{name}.py"
        files = _files(pkg) if pkg.is_dir() else [mod] if mod.is_file() else []
        if not files:
            continue
        local.append(name)
        for f in files:
            feed(f"src:{f.relative_to(root).as_posix()}", f.read_bytes())
            if f.suffix == ".py":
                new = _imports(f.read_text(encoding="utf-8")) - seen
                imported |= new
                pending.extend(sorted(new))
    for d in DATA_DIRS:
        if (root / d).is_dir():
            for f in _files(root / d):
                feed(f"data:{f.relative_to(root).as_posix()}", f.read_bytes())
    for name in DATA_FILES:
        if (root / name).is_file():
            feed(f"data:{name}", (root / name).read_bytes())
    versions, dists = {}, None
    third_party = imported - set(local) - set(sys.stdlib_module_names) - {"__future__"}
    for name in sorted(third_party):
        try:  # most import names are their distribution's name
            versions[name] = metadata.version(name)
            continue
        except metadata.PackageNotFoundError:
            pass
        if dists is None:  # slow (reads every installed RECORD): only when needed
            dists = metadata.packages_distributions()
        for dist in sorted(set(dists.get(name, []))):
            try:
                versions[dist] = metadata.version(dist)
            except metadata.PackageNotFoundError:
                pass
    feed("versions", json.dumps(versions, sort_keys=True).encode())
    return h.hexdigest(), {"local": sorted(local), "versions": versions}


def _path(root: Path, doc: Document) -> Path:
    return cache_dir(root) / f"{doc.stem}.json"


def has_entry(root: Path, doc: Document) -> bool:
    """Whether ``doc`` has a cache entry at all (a cheap test, before its key)."""
    return _path(root, doc).exists()


def load(root: Path, doc: Document, k: str, say=None):
    """Cached per-chunk results for key ``k``, or None (missing, stale or damaged)."""
    path = _path(root, doc)
    if not path.exists():
        return None
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
        body = json.dumps(entry["results"], sort_keys=True)
        if hashlib.sha256(body.encode()).hexdigest() != entry["digest"]:
            raise ValueError("digest mismatch")
        if entry["version"] != VERSION:
            raise ValueError("old format")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        if say:
            say(f"  {doc.stem}: cache entry damaged ({exc}); rebuilding")
        path.unlink(missing_ok=True)
        return None
    if entry["key"] != k:
        return None
    return entry["results"]


def store(root: Path, doc: Document, k: str, results: list) -> None:
    path = _path(root, doc)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    body = json.dumps(results, sort_keys=True)
    entry = {"version": VERSION, "key": k, "digest": hashlib.sha256(body.encode()).hexdigest(),
             "results": results}
    tmp = path.with_suffix(".tmp")
    _write(tmp, json.dumps(entry).encode(), path)


def _write(tmp: Path, data: bytes, path: Path) -> bool:
    """``data`` into ``path`` through ``tmp``; the cache is an optimisation, so a file
    that cannot be written (a full disk, a read-only folder) is a note, not a failure."""
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
        return True
    except OSError as exc:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        print(f"  note: the render cache could not write {path.name} ({exc.strerror or exc}); "
              "going on without it", file=sys.stderr, flush=True)
        return False


def pack(doc: Document, results: list) -> dict:
    """Per-chunk results as cell outputs in cell order and inline values in order,
    so that adding or removing prose does not invalidate the entry."""
    cells, inline = [], []
    for chunk, res in zip(doc.chunks, results):
        if isinstance(chunk, Cell):
            cells.append(res)
        elif isinstance(chunk, Markdown) and chunk.inlines:
            inline.extend(res)
    return {"cells": cells, "inline": inline}


def unpack(doc: Document, packed: dict) -> list:
    cells, inline = iter(packed["cells"]), list(packed["inline"])
    out = []
    for chunk in doc.chunks:
        if isinstance(chunk, Cell):
            out.append(next(cells))
        elif isinstance(chunk, Markdown) and chunk.inlines:
            n = len(chunk.inlines)
            out.append(inline[:n])
            inline = inline[n:]
        else:
            out.append(None)
    return out


# ---- output cache: skip pandoc and typst when their inputs are unchanged ----

def output_key(parts: list[bytes]) -> str:
    h = hashlib.sha256(VERSION.encode())
    for p in parts:
        h.update(hashlib.sha256(p).digest())
    return h.hexdigest()


def load_output(root: Path, name: str, k: str) -> bytes | None:
    """The cached output file ``name`` for key ``k``, verified against its digest."""
    base = cache_dir(root) / "out"
    data_path, meta_path = base / name, base / f"{name}.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta["key"] != k:
            return None
        data = data_path.read_bytes()
        if hashlib.sha256(data).hexdigest() != meta["digest"]:
            raise ValueError("digest mismatch")
        return data
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        data_path.unlink(missing_ok=True)
        meta_path.unlink(missing_ok=True)
        return None


def store_output(root: Path, name: str, k: str, data: bytes) -> None:
    base = cache_dir(root) / "out"
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    if _write(base / f".{name}.tmp", data, base / name):
        _write(base / f".{name}.json.tmp",
               json.dumps({"key": k, "digest": hashlib.sha256(data).hexdigest()}).encode(),
               base / f"{name}.json")
