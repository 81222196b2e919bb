"""Result objects shared by every statistical function in ``analysis``."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Result:
    """One recomputed quantity: estimate, optional interval and P value, and
    the method that produced it with the reference that defines the method."""

    estimate: float
    low: float | None = None
    high: float | None = None
    p: float | None = None
    method: str = ""
    reference: str = ""  # a references.bib key, e.g. "newcombe1998two"
    extra: dict[str, Any] = field(default_factory=dict)
