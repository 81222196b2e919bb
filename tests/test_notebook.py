"""The executed report as a notebook (_output/report.ipynb, issue 15 part 2):
valid, the same code as Quarto's, and it runs top to bottom in a fresh kernel
from the project root, also after a reader changes an assumption."""
from __future__ import annotations

import copy
import re

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.render


def _code(nb) -> list[str]:
    """Code cell sources without Quarto's '#|' option lines."""
    out = []
    for c in nb.cells:
        if c.cell_type == "code":
            src = "\n".join(ln for ln in c.source.splitlines() if not ln.startswith("#|")).strip()
            out.append(src)
    return out


def _run(nb, cwd):
    nb = copy.deepcopy(nb)
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs, c.execution_count = [], None
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def _stream(nb) -> str:
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.outputs if o.output_type == "stream")


@pytest.fixture(scope="module")
def offline_nb(offline_outputs):
    return nbformat.read(offline_outputs["report.ipynb"], as_version=4)


def test_notebook_is_valid_and_carries_the_outputs(offline_nb):
    nbformat.validate(offline_nb)
    kinds = {o.output_type for c in offline_nb.cells if c.cell_type == "code" for o in c.outputs}
    assert {"execute_result", "stream"} <= kinds
    assert any("image/svg+xml" in o.get("data", {}) for c in offline_nb.cells
               if c.cell_type == "code" for o in c.outputs), "no figure in the notebook"
    params = [c for c in offline_nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1 and "r = 0.5" in params[0].source


def test_same_code_as_quartos_notebook(offline_nb, quarto_outputs):
    theirs = nbformat.read(quarto_outputs["report.ipynb"], as_version=4)
    ours, q = _code(offline_nb), _code(theirs)
    # Quarto folds an `output: asis` cell that hides its code into the Markdown
    # around it; every code cell it keeps is ours, in the same order.
    it = iter(ours)
    missing = [src[:80] for src in q if not any(src == o for o in it)]
    assert not missing, missing
    assert len(ours) - len(q) <= 2, (len(ours), len(q))


def test_runs_top_to_bottom_and_after_changing_an_assumption(offline_nb, project_snapshot):
    ran = _run(offline_nb, project_snapshot)
    assert "*r* = 0.5" in _stream(ran) and "These are the defaults." in _stream(ran)
    changed = copy.deepcopy(offline_nb)
    cell = next(c for c in changed.cells if "parameters" in c.metadata.get("tags", []))
    cell.source = re.sub(r"(?m)^r = 0\.5", "r = 0.3", cell.source)
    ran = _run(changed, project_snapshot)
    assert "*r* = 0.3" in _stream(ran) and "Changed from the defaults in this render: r." in _stream(ran)
