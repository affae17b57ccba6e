"""notebooks/explore.ipynb runs top to bottom (as CI runs it), stays under 1 MB once run, and is
committed without outputs."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ROOT

NOTEBOOK = ROOT / "notebooks" / "explore.ipynb"


def test_notebook_is_committed_without_outputs():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [] and cell.get("execution_count") is None
    assert all(cell.get("id") for cell in nb["cells"])  # nbformat 4.5: no MissingIDFieldWarning


@pytest.fixture(scope="module")
def executed():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}})
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    return nb, outputs, json.dumps(outputs), len(nbformat.writes(nb).encode("utf-8"))


@pytest.mark.slow
def test_notebook_runs_top_to_bottom(executed):
    nb, outputs, text, size = executed
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert "KnowledgeGraph" in text and "nodes" in text and "evidence rows" in text
    # the one show() brings vis-network (gzip) once; the executed notebook stays small
    assert text.count("k=w.__kgVis={}") == 1 and text.count("<iframe srcdoc=") == 1
    assert size < 1_000_000, f"executed notebook is {size:,} bytes"


@pytest.mark.slow
def test_notebook_output_has_no_warnings(executed):
    _, _, text, _ = executed
    assert "Warning" not in text
