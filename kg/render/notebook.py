"""The graph inline in Jupyter, JupyterLab and VS Code, with vis-network sent once per kernel.

>>> g.subgraph("STAT3").show()          # last expression of a cell   # doctest: +SKIP

Each view is the page of :mod:`kg.render.page` in an ``<iframe srcdoc=...>`` (the iframe
works where scripts inserted straight into an output are stripped or sandboxed; pyvis
issues #165/#203), sandboxed with ``allow-scripts allow-popups`` but not
``allow-same-origin``, so the page cannot reach the notebook. The page carries the graph,
``kg.js`` and ``kg-loader.js`` but not vis-network (654 kB): the first view a kernel
displays is preceded by :func:`library_script`, which keeps vis-network (gzip, base64:
about 206 kB) in the notebook page with a ``message`` listener, and every view's loader
asks its parent for it by ``postMessage`` (see ``kg-loader.js``). The page's
Content-Security-Policy lets only that exact text run (by its SHA-256), so the iframe
runs nothing else whatever it is sent.

A kernel restarted while the notebook page stays open sends the library again (harmless:
the page keeps one copy). A notebook reopened in a browser runs its saved outputs' scripts
only when it is trusted; ``show(library=True)`` embeds the library with a view again.
Frontends that put each output in an iframe of its own (Colab) need ``library=True`` on
every view.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
from functools import cache
from typing import Any

import networkx as nx

__all__ = ["NotebookView", "notebook_view", "library_script", "library_sent"]


class _Kernel:
    """What this kernel has already sent to the notebook page."""

    library_sent = False


def library_sent() -> bool:
    """Whether a view of this kernel has already put vis-network into the notebook page."""
    return _Kernel.library_sent


@cache
def _library() -> tuple[str, str]:
    """(sha256 hex of vis-network's text, its gzip as base64); deterministic (mtime 0)."""
    from kg.render.page import _asset

    text = _asset("vis-network.min.js").encode("utf-8")
    gz = gzip.compress(text, compresslevel=9, mtime=0)
    return hashlib.sha256(text).hexdigest(), base64.b64encode(gz).decode("ascii")


def library_sha256() -> str:
    """SHA-256 (hex) of the vis-network text the views ask for."""
    return _library()[0]


def library_script() -> str:
    """A ``<script>`` for the notebook page: keeps vis-network (by its hash) and answers the
    views' ``{kg: "vis?", sha256}`` messages with it. Running it twice keeps one copy."""
    sha, gz = _library()
    return (
        "<script>(function(){var w=window,k=w.__kgVis;"
        "if(!k){k=w.__kgVis={};w.addEventListener('message',function(ev){var m=ev.data;"
        "if(m&&m.kg==='vis?'&&ev.source&&k[m.sha256])"
        "ev.source.postMessage({kg:'vis',gz:k[m.sha256]},'*');});}"
        f"k['{sha}']=k['{sha}']||'{gz}';}})();</script>"
    )


def _attribute(text: str) -> str:
    """``text`` escaped for a single-quoted attribute (``&``, ``'``, ``<``, ``>``): the page's
    JSON is full of double quotes, which would each grow to ``&quot;``."""
    return text.replace("&", "&amp;").replace("'", "&#39;").replace("<", "&lt;").replace(">", "&gt;")


class NotebookView:
    """The page of a graph for Jupyter: displays inline, in an ``<iframe srcdoc=...>``.

    ``library``: put vis-network into the notebook page with this view: ``None`` (the
    default) when this kernel has not sent it yet, ``True`` always, ``False`` never.
    :meth:`save` writes the standalone page (vis-network inlined).
    """

    def __init__(self, G: nx.Graph, *, height: int = 650, library: bool | None = None,
                 **page_options: Any) -> None:
        from kg.render.page import html_string

        self._graph = G
        self._options = page_options
        self.html = html_string(G, library=False, **page_options)
        self.height = int(height)
        self.library = library

    def iframe(self) -> str:
        """The ``<iframe srcdoc=...>`` element holding the page."""
        return (
            f"<iframe srcdoc='{_attribute(self.html)}' "
            f'style="width:100%;height:{self.height}px;border:1px solid #ddd" '
            'sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox" '
            'referrerpolicy="no-referrer" loading="eager"></iframe>'
        )

    def _repr_html_(self) -> str:
        send = self.library if self.library is not None else not _Kernel.library_sent
        if send:
            _Kernel.library_sent = True
        return (library_script() if send else "") + self.iframe()

    def save(self, path_or_file: Any) -> None:
        """Write the standalone page (vis-network inlined) to a path or open file."""
        from kg.render.page import write_html

        write_html(self._graph, path_or_file, **self._options)

    def __repr__(self) -> str:
        return f"<NotebookView: {len(self.html):,} characters of HTML; display it in Jupyter>"


def notebook_view(G: nx.Graph, *, height: int = 650, library: bool | None = None,
                  **page_options: Any) -> NotebookView:
    """An object that shows the interactive page inline in Jupyter, JupyterLab and VS Code.

    ``page_options`` are those of :func:`kg.render.page.html_string` (``title``,
    ``max_nodes``, ...); ``library`` as :class:`NotebookView`.
    """
    return NotebookView(G, height=height, library=library, **page_options)
