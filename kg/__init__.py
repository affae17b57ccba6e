"""kg: build a biomedical knowledge graph from abstracts.

>>> import kg
>>> g = kg.build("seeds/")            # doctest: +SKIP
>>> g.neighbors("STAT3").head()       # doctest: +SKIP

Heavy modules (spaCy, pyvis, pandas) are imported on first use, so ``import kg`` is cheap.
"""

from __future__ import annotations

import importlib
import importlib.metadata as _metadata
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

try:  # the installed distribution's version (pyproject.toml), one source of truth
    __version__ = _metadata.version("kg")
except _metadata.PackageNotFoundError:  # a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "__version__",
    "build",
    "load",
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
    "KnowledgeGraph": "kg.api",
    "read_documents": "kg.ingest",
}

if TYPE_CHECKING:  # pragma: no cover
    from kg.api import KnowledgeGraph, build, load
    from kg.ingest import read_documents


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'kg' has no attribute {name!r}")
