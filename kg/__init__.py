"""kg: build a biomedical knowledge graph from abstracts.

>>> import kg
>>> g = kg.build("seeds/")            # doctest: +SKIP
>>> g.neighbors("STAT3").head()       # doctest: +SKIP

Heavy modules (spaCy, pyvis, pandas) are imported on first use, so ``import kg`` is cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from kg.errors import (
    ExportError,
    InputError,
    KgError,
    ModelError,
    ModelNotFoundError,
    NothingToBuildError,
    OptionError,
)
from kg.records import Document, Skipped

__all__ = [
    "__version__",
    "build",
    "load",
    "update",
    "read_documents",
    "KnowledgeGraph",
    "Document",
    "Skipped",
    "KgError",
    "InputError",
    "NothingToBuildError",
    "ModelNotFoundError",
    "ModelError",
    "ExportError",
    "OptionError",
]

_LAZY = {
    "build": "kg.api",
    "load": "kg.api",
    "update": "kg.api",
    "KnowledgeGraph": "kg.api",
    "read_documents": "kg.ingest",
}

if TYPE_CHECKING:  # pragma: no cover
    from kg.api import KnowledgeGraph, build, load, update
    from kg.ingest import read_documents


def _version() -> str:
    """The installed distribution's version (pyproject.toml is the one source), read on first use:
    looking it up scans the installed distributions, which ``import kg`` should not pay for."""
    from importlib import metadata

    try:
        return metadata.version("kg")
    except metadata.PackageNotFoundError:  # a source tree that is not installed
        return "0.0.0+unknown"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        globals()["__version__"] = version = _version()
        return version
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'kg' has no attribute {name!r}")
