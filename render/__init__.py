"""Offline renderer for the Quarto subset this project uses (pandoc + Jupyter + typst)."""
from .errors import RenderError
from .pipeline import render

__all__ = ["RenderError", "render"]
