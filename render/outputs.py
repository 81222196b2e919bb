"""Publishing a render into the output folder: every output at once, or none.

The outputs are first written in full into a staging folder on the same file
system as the output folder, so that a full disk, a read-only folder or any other
failure happens while the output folder is still untouched; then the staging
folder takes the output folder's place.

- Usually the staging folder sits beside the output folder (``.NAME.staging-*``)
  and starts as a copy of it made of hard links (no data copied), with the new
  outputs written over their names; the two folders are then exchanged in one
  step (Linux ``renameat2(RENAME_EXCHANGE)``; elsewhere two renames, the second
  undone if it fails) and the old one is deleted. Files of earlier renders that
  this render does not write (``report-r0.3.html``) are kept, as before.
- When the output folder is a mount point (its own file system, for example a
  small tmpfs) it cannot be renamed, and a folder beside it is on another file
  system: then the staging folder is inside it (``.staging-*``), holds only the
  new outputs, and each is renamed over its name; a failure part-way renames
  the previous files back.

SIGINT and SIGTERM are held off during the exchange, so that a stop never leaves
the folder half-swapped; staging folders are removed on every exit that runs
Python's cleanup (a failure, Ctrl-C, SIGTERM; not ``kill -9``).
"""
from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import shutil
import signal
import tempfile
import threading
from pathlib import Path


class PublishError(OSError):
    """An OSError while publishing, with the output file being written when it happened."""

    def __init__(self, exc: OSError, doing: str):
        super().__init__(exc.errno, exc.strerror or str(exc), exc.filename)
        self.doing = doing


def publish(files: list[Path], outdir: Path, *, root: Path | None = None) -> None:
    """Put ``files`` into ``outdir`` (created if missing): all of them, or, when
    anything fails (PublishError), none, with ``outdir`` exactly as it was."""
    outdir = Path(outdir)
    parent = outdir.parent
    doing = "creating the folder it goes in"
    try:
        parent.mkdir(parents=True, exist_ok=True)
        doing = "writing the outputs"
        if outdir.exists() and not outdir.is_dir():
            raise OSError(errno.ENOTDIR, "it is a file, not a folder", str(outdir))
        if outdir.exists() and not os.access(outdir, os.W_OK | os.X_OK):
            raise OSError(errno.EACCES, "the folder is read-only (a read-only file system, or no "
                          "write permission)", str(outdir))
        if _swappable(outdir, root):
            _publish_beside(files, outdir)
        else:
            _publish_inside(files, outdir)
    except PublishError:
        raise
    except OSError as exc:
        raise PublishError(exc, doing) from None


def _swappable(outdir: Path, root: Path | None) -> bool:
    """Whether the whole folder can be exchanged: it does not exist yet, or it is a
    plain folder on its parent's file system that does not hold the project."""
    if not outdir.exists():
        return True
    if os.path.ismount(outdir) or outdir.stat().st_dev != outdir.parent.stat().st_dev:
        return False
    if root is not None:
        try:
            Path(root).resolve().relative_to(outdir.resolve())
            return False  # --out . or a folder above the project: never copy or move that
        except ValueError:
            pass
    return True


def _publish_beside(files: list[Path], outdir: Path) -> None:
    staging = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.staging-", dir=outdir.parent))
    try:
        current = "copying the previous outputs"
        try:
            if outdir.exists():
                _link_tree(outdir, staging)
                shutil.copystat(outdir, staging)
            else:
                umask = os.umask(0)
                os.umask(umask)
                staging.chmod(0o777 & ~umask)
            for f in files:
                current = f"writing {f.name}"
                dest = staging / f.name
                if dest.is_dir() and not dest.is_symlink():
                    shutil.rmtree(dest)
                elif dest.is_symlink() or dest.exists():
                    dest.unlink()  # a hard link to the previous file: never write through it
                _copy(f, dest)
            current = "swapping in the new outputs"
            with _signals_held():
                if outdir.exists():
                    _exchange(staging, outdir)  # staging now holds the previous outputs
                else:
                    os.rename(staging, outdir)
        except OSError as exc:
            raise PublishError(exc, current) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _publish_inside(files: list[Path], outdir: Path) -> None:
    current = "creating a staging folder in it"
    try:
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=outdir))
    except OSError as exc:
        raise PublishError(exc, current) from None
    moved: list[tuple[Path, Path | None]] = []  # (target, its previous file moved aside, or None)
    try:
        try:
            for f in files:
                current = f"writing {f.name}"
                _copy(f, staging / f.name)
            current = "swapping in the new outputs"
            with _signals_held():
                try:
                    for k, f in enumerate(files):
                        target = outdir / f.name
                        old = None
                        if target.exists() or target.is_symlink():
                            old = staging / f".previous-{k}"
                            os.rename(target, old)
                        moved.append((target, old))
                        os.rename(staging / f.name, target)
                except OSError:
                    for target, old in reversed(moved):  # put every previous file back
                        with contextlib.suppress(OSError):
                            if target.is_dir() and not target.is_symlink():
                                shutil.rmtree(target)
                            elif target.exists() or target.is_symlink():
                                target.unlink()
                            if old is not None:
                                os.rename(old, target)
                    raise
        except OSError as exc:
            raise PublishError(exc, current) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _copy(src: Path, dest: Path) -> None:
    """An output (a file, or a folder of them, as Quarto writes for a document whose
    resources are not embedded) copied whole to ``dest``."""
    if src.is_dir():
        shutil.copytree(src, dest, symlinks=True)
    else:
        shutil.copyfile(src, dest)


def _link_tree(src: Path, dest: Path) -> None:
    """``src``'s files and folders recreated in ``dest`` as hard links (copies where the
    file system has none): the previous outputs, without copying their bytes."""
    def link(s, d):
        try:
            os.link(s, d, follow_symlinks=False)
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP):
                raise
            shutil.copy2(s, d, follow_symlinks=False)
    shutil.copytree(src, dest, symlinks=True, copy_function=link, dirs_exist_ok=True)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _renameat2():
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


def _exchange(a: Path, b: Path) -> None:
    """Swap two folders of one file system: atomically where the kernel can."""
    fn = _renameat2()
    if fn is not None:
        if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
            return
        err = ctypes.get_errno()
        if err not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise OSError(err, os.strerror(err), str(b))
    # no atomic exchange here: b aside, a in its place, b back where a was
    aside = b.with_name(b.name + ".previous")
    os.rename(b, aside)
    try:
        os.rename(a, b)
    except OSError:
        os.rename(aside, b)
        raise
    os.rename(aside, a)


@contextlib.contextmanager
def _signals_held():
    """SIGINT and SIGTERM wait until the block is done (main thread, POSIX only)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def main(argv: list[str] | None = None) -> int:
    """python -m render.outputs STAGE OUTDIR: publish everything Quarto rendered into
    STAGE (its --output-dir) into OUTDIR, all at once (tools/report.sh)."""
    import sys
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m render.outputs STAGE OUTDIR", file=sys.stderr)
        return 64
    stage, outdir = Path(args[0]), Path(args[1])
    files = sorted(stage.iterdir()) if stage.is_dir() else []
    if not files:
        print(f"publishing failed: {stage} holds no outputs; {outdir}/ was left as it was.",
              file=sys.stderr)
        return 1
    try:
        publish(files, outdir.resolve(), root=Path.cwd())
    except PublishError as exc:
        print(f"publishing failed: {outdir}: {exc.doing}: {exc.strerror}\n"
              f"Nothing in {outdir}/ was changed.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
