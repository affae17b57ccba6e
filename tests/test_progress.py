"""Progress bars: tqdm's notebook bar only when ipywidgets can be imported, else the plain bar, and never
``TqdmWarning: IProgress not found`` (#25)."""

from __future__ import annotations

import sys
import warnings

import pytest
import tqdm.std

from kg.pipeline.progress import in_notebook, progress_bar


def test_the_plain_bar_outside_jupyter():
    assert not in_notebook()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bar = progress_bar(total=2, disable=True)
    assert type(bar) is tqdm.std.tqdm


def test_in_jupyter_without_ipywidgets_the_plain_bar_and_no_warning(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # as if it were not installed
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bar = progress_bar(notebook=True, total=2, file=sys.stderr)
        bar.update(2)
        bar.close()
    assert type(bar) is tqdm.std.tqdm


def test_in_jupyter_with_ipywidgets_the_notebook_bar():
    pytest.importorskip("ipywidgets")
    import tqdm.notebook

    bar = progress_bar(notebook=True, total=2)
    bar.close()
    assert isinstance(bar, tqdm.notebook.tqdm)


def test_a_real_kernel_is_recognised_and_gets_the_right_bar():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    code = ("import warnings\nwarnings.simplefilter('error')\n"
            "from kg.pipeline.progress import in_notebook, has_widgets, progress_bar\n"
            "bar = progress_bar(total=2)\nbar.update(2)\nbar.close()\n"
            "print(in_notebook(), has_widgets(), type(bar).__module__)")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nbclient.NotebookClient(nb, timeout=60, kernel_name="python3").execute()
    outputs = nb.cells[0].outputs
    text = "".join(o.get("text", "") for o in outputs if o.get("name") == "stdout").split()
    assert not [o for o in outputs if o.get("output_type") == "error" or o.get("name") == "stderr"
                and "IProgress" in o.get("text", "")]
    widgets = text[1] == "True"
    assert text[0] == "True" and text[2] == ("tqdm.notebook" if widgets else "tqdm.std")
