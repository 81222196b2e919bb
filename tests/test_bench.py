"""make bench: what it counts as a document's own work."""
from __future__ import annotations

from render.bench import analysis_dependencies, own_cells

DOC = """---
title: Timed
---

# One

```{python}
import time
time.sleep(0.4)
```
"""


def test_own_cells_counts_the_cells_not_the_kernel_start(tmp_path):
    # A kernel takes over a second to start and set up here; the document's one
    # cell sleeps 0.4 s. Own work must include the sleep and exclude the start.
    (tmp_path / "timed.qmd").write_text(DOC, encoding="utf-8")
    assert analysis_dependencies(tmp_path) == []  # no analysis/ here: nothing to import
    seconds = own_cells(tmp_path, tmp_path / "timed.qmd", tmp_path)
    assert 0.4 <= seconds < 1.2
