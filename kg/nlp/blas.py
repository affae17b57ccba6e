"""Matrix products on the CPU: through numpy's BLAS (OpenBLAS or MKL) rather than thinc's bundled BLIS.

thinc's ``NumpyOps`` multiplies matrices with the BLIS library that ``cython-blis`` compiles
into its wheel, and on CPUs whose micro-architecture that build does not pick a kernel for
(this project's AMD EPYC VMs) BLIS runs at a third of numpy's OpenBLAS. Measured here, one
thread, float32 4000x384 @ 384x384: BLIS 18.5 GFLOP/s, OpenBLAS 52.4 GFLOP/s; the bundled
NER pipeline's shared CNN tok2vec went from 14.6 s to 6.5 s on 500 abstracts (93 k words, one
thread, the other core busy), and the whole pipeline from 4,186 to 6,670 words/s
(``benchmarks/ner_speed.py`` prints both).
The weights, and so the predictions, are the same; only the summation order of the
products differs (float32 rounding).

:func:`cpu_ops` is the thinc ``Ops`` kg builds and trains models with: ``NumpyOps`` with
``use_blis=False`` (thinc's own switch; its ``gemm`` then calls ``numpy.dot``) when numpy is
linked to an optimised BLAS, else thinc's default. ``KG_BLAS=blis`` or ``KG_BLAS=numpy``
forces one. :func:`single_threaded` keeps numpy's BLAS to one thread in a process that
shares the machine with other NER workers (N worker processes each with N BLAS threads
would fight over the cores).

Only thinc's Python-level ``gemm`` moves (tok2vec, the taggers, the parser's precomputed
first layer); the transition-based parser's per-step products stay in BLIS (a C function
table thinc does not let Python code replace), and they are small.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from functools import lru_cache

__all__ = ["BLAS_ENV", "blas_library", "cpu_ops", "single_threaded", "using_cpu_ops"]

#: Environment variable that forces the choice: ``numpy`` or ``blis``.
BLAS_ENV = "KG_BLAS"
_OPTIMISED = ("openblas", "mkl", "blis", "flexiblas", "accelerate")


@lru_cache(maxsize=1)
def blas_library() -> str | None:
    """The optimised BLAS numpy is linked to (``"openblas"``, ``"mkl"``, ...), or None (reference BLAS or unknown)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # pragma: no cover  (a dependency of kg; kept optional for vendored installs)
        return None
    import numpy  # noqa: F401  (loads numpy's BLAS so threadpoolctl can see it)

    for info in threadpool_info():
        if info.get("user_api") == "blas" and info.get("internal_api") in _OPTIMISED:
            return str(info["internal_api"])
    return None


def _choice() -> str:
    forced = os.environ.get(BLAS_ENV, "").strip().lower()
    if forced in ("numpy", "blis"):
        return forced
    return "numpy" if blas_library() else "blis"


def cpu_ops():
    """The thinc ``Ops`` to build models with on the CPU: numpy's BLAS for ``gemm`` when it has an optimised one."""
    from thinc.api import NumpyOps

    return NumpyOps(use_blis=_choice() == "blis")


@contextlib.contextmanager
def using_cpu_ops() -> Iterator[None]:
    """Within the block, thinc layers are created with :func:`cpu_ops` (a model keeps the ops it was built with).

    Leaves GPU ops alone: if the current ops are not thinc's CPU ``NumpyOps``, nothing changes.
    """
    from thinc.api import NumpyOps, get_current_ops, set_current_ops

    previous = get_current_ops()
    if type(previous) is not NumpyOps:
        yield
        return
    set_current_ops(cpu_ops())
    try:
        yield
    finally:
        set_current_ops(previous)


_limiter = None


def single_threaded() -> None:
    """Keep numpy's BLAS to one thread in this process for the rest of its life (NER worker processes)."""
    global _limiter
    if _limiter is not None:
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        return
    _limiter = threadpool_limits(limits=1, user_api="blas")
