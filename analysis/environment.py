"""The software that computed the report, for its appendix."""
from __future__ import annotations

import platform
from importlib import metadata

PACKAGES = ("numpy", "pandas", "scipy", "statsmodels", "matplotlib", "ipykernel", "nbclient",
            "pypandoc-binary", "typst")


def versions() -> list[tuple[str, str]]:
    """(name, version) for Python and the packages the analysis and renderer use."""
    out = [("Python", platform.python_version())]
    for name in PACKAGES:
        try:
            out.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            out.append((name, "not installed"))
    return out
