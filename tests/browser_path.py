"""Which browser the browser tests drive (tests/test_browser.py,
tests/test_slides_browser.py), found as users expect: the environment variable
CHROMIUM first (a path, or a command name looked up on PATH), then the first of
`chromium`, `chromium-browser`, `google-chrome`, `google-chrome-stable` on PATH.
A snap shim (Ubuntu's `chromium` and `chromium-browser` packages install a
script that only runs the snap) is passed over. No browser is ever downloaded.

Standard library only, so that .ci/run can ask it before the venv exists:
`python3 tests/browser_path.py` prints the path, or says what is missing and
exits 1.
"""
from __future__ import annotations

import os
import shutil
import sys

ENV = "CHROMIUM"
NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class BrowserNotFound(LookupError):
    pass


def _snap_shim(path: str) -> bool:
    """A shell script that hands over to snap (Ubuntu's transitional packages)."""
    if os.path.realpath(path).startswith("/snap/"):
        return True
    try:
        with open(path, "rb") as fh:
            head = fh.read(8192)
    except OSError:
        return False
    return head.startswith(b"#!") and b"/snap/bin/" in head


def find_browser(environ: dict | None = None) -> str:
    """The browser's path; BrowserNotFound (saying what was tried) when there is none."""
    env = os.environ if environ is None else environ
    search = env.get("PATH", os.defpath)
    wanted = (env.get(ENV) or "").strip()
    if wanted:
        hit = shutil.which(wanted, path=search)
        if hit is None:
            raise BrowserNotFound(f"{ENV}={wanted} is not an executable file or a command on PATH; "
                                  f"set {ENV} to the browser's path, or unset it to search "
                                  f"{', '.join(NAMES)} on PATH")
        return hit
    shims = []
    for name in NAMES:
        hit = shutil.which(name, path=search)
        if hit is None:
            continue
        if _snap_shim(hit):
            shims.append(hit)
            continue
        return hit
    extra = f" (passed over snap shims: {', '.join(shims)})" if shims else ""
    raise BrowserNotFound(f"no browser: {ENV} is not set and none of {', '.join(NAMES)} is on PATH"
                          f"{extra}; install one (Debian: apt-get install chromium) or set {ENV} "
                          "to a Chromium or Chrome executable (never 'playwright install')")


if __name__ == "__main__":
    try:
        print(find_browser())
    except BrowserNotFound as exc:
        print(exc, file=sys.stderr)
        sys.exit(1)
