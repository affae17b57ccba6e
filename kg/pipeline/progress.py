"""The progress bars of a build (the NER bar, the steps line after it), made in one place.

In Jupyter, tqdm's notebook bar (a widget) is used only when ipywidgets can be imported;
otherwise the plain text bar is, which a notebook shows as text. ``tqdm.auto`` would pick the
notebook bar in any kernel, and without ipywidgets that bar warns ``TqdmWarning: IProgress not
found`` and draws nothing (#25).
"""

from __future__ import annotations

import importlib.util
import sys
from typing import Any

__all__ = ["progress_bar", "in_notebook", "has_widgets"]


def in_notebook() -> bool:
    """True inside a Jupyter kernel (IPython with an ``IPKernelApp``), not in a terminal IPython."""
    if "IPython" not in sys.modules:  # a kernel has imported it already; never import it here
        return False
    try:
        shell = sys.modules["IPython"].get_ipython()
    except AttributeError:
        return False
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def has_widgets() -> bool:
    """Can ipywidgets (which tqdm's notebook bar draws with) be imported?"""
    if sys.modules.get("ipywidgets", False) is None:  # blocked on purpose
        return False
    try:
        return importlib.util.find_spec("ipywidgets") is not None
    except (ImportError, ValueError):
        return False


def progress_bar(*, notebook: bool | None = None, **options: Any):
    """A tqdm bar with ``options``: the notebook widget in Jupyter when ipywidgets is there
    (``notebook`` forces the answer to "are we in Jupyter"), else the plain text bar."""
    if (in_notebook() if notebook is None else notebook) and has_widgets():
        from tqdm.notebook import tqdm
    else:
        from tqdm.std import tqdm
    return tqdm(**options)
