"""The page's files shipped in this package (vis-network, kg.js, kg-loader.js, kg.css, the template)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from kg.errors import ExportError

__all__ = ["ASSETS", "asset"]

ASSETS = Path(__file__).resolve().parent


@cache
def asset(name: str) -> str:
    """The text of the asset ``name``; :class:`~kg.errors.ExportError` when the install lacks it."""
    try:
        return (ASSETS / name).read_text(encoding="utf-8")
    except OSError as exc:  # pragma: no cover - a broken install
        raise ExportError(
            f"{ASSETS / name}: kg's page asset is missing ({exc.strerror}); reinstall kg (pip install --force-reinstall kg)"
        ) from exc
