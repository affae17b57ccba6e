"""vis-network sent to a notebook once per kernel, for the views of :class:`kg.render.page.NotebookView`.

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

from kg.render.assets import asset

__all__ = ["library_script", "library_sent", "library_sha256", "mark_library_sent"]


class _Kernel:
    """What this kernel has already sent to the notebook page."""

    library_sent = False


def library_sent() -> bool:
    """Whether a view of this kernel has already put vis-network into the notebook page."""
    return _Kernel.library_sent


def mark_library_sent() -> None:
    """Record that a view has put vis-network into the notebook page."""
    _Kernel.library_sent = True


@cache
def _library() -> tuple[str, str]:
    """(sha256 hex of vis-network's text, its gzip as base64); deterministic (mtime 0)."""
    text = asset("vis-network.min.js").encode("utf-8")
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
