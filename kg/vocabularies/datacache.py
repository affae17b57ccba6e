"""Parsed data files kept in the user's cache folder, so a build does not parse them again.

Every build (and every NER worker) reads kg's vocabulary tables: ~300,000 HGNC and CTD
terms, which take ~2.4 s to parse here and ~0.5 s to unpickle once parsed. :func:`cached`
keeps the parsed object as a pickle in :func:`cache_dir`, named by a hash of the source
files' contents, of the code that parses them (the module of ``make`` and any module named
in ``code``), of kg's version and of Python's. A missing, stale or unreadable entry is made again; a folder that cannot be
written is not an error (the object is then simply not kept). The cache holds nothing that
is not derived from kg's own installed files: deleting the folder is always safe.

Where: ``$KG_CACHE_DIR``, else ``$XDG_CACHE_HOME/kg``, else ``~/.cache/kg``.
``KG_CACHE_DIR=off`` turns the cache off. Like any pickle cache, its folder must be writable
only by its user: an entry is code that runs when loaded.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from kg import __version__

__all__ = ["cache_dir", "cached", "entry_path"]

T = TypeVar("T")

#: Bump to drop every entry written before (a change of layout that the hashes would not see).
_FORMAT = "1"


def cache_dir() -> Path | None:
    """The folder of kg's cache entries, or None when ``KG_CACHE_DIR=off``."""
    configured = os.environ.get("KG_CACHE_DIR")
    if configured is not None:
        return None if configured.strip().lower() in ("off", "0", "false", "no", "") else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kg"


def module_source(module_name: str) -> bytes:
    """The source of a module (empty if it has none on disk, e.g. a built-in one).

    A name that is no module (one renamed or moved) raises: a key without that source would
    not change when the code that makes the entry changes.
    """
    spec = importlib.util.find_spec(module_name)
    if spec is None:
        raise ModuleNotFoundError(
            f"kg's cache key names the module {module_name!r}, which does not exist; "
            "update the module names given as code= to kg.vocabularies.datacache.cached",
            name=module_name,
        )
    return Path(spec.origin).read_bytes() if spec.origin and Path(spec.origin).is_file() else b""


def entry_path(name: str, sources: Sequence[Path], make: Callable, *, code: Sequence[str] = ()) -> Path | None:
    """Where the entry of ``name`` made by ``make`` from ``sources`` lives (None: cache off, or a source
    cannot be read, so the entry would have no key). ``code``: further modules whose source decides
    what ``make`` makes."""
    folder = cache_dir()
    if folder is None:
        return None
    digest = hashlib.sha1()
    for part in (_FORMAT, name, __version__, sys.version.split()[0], str(pickle.HIGHEST_PROTOCOL)):
        digest.update(part.encode() + b"\0")
    for module_name in (getattr(make, "__module__", None) or "", *code):
        digest.update(module_name.encode() + b"\0" + module_source(module_name) + b"\0")
    try:
        for source in sources:
            digest.update(Path(source).name.encode() + b"\0" + Path(source).read_bytes() + b"\0")
    except OSError:
        return None
    return folder / f"{name}-{digest.hexdigest()[:16]}.pickle"


def cached(name: str, sources: Sequence[Path], make: Callable[[], T], *, code: Sequence[str] = ()) -> T:
    """``make()``, or the object it made before from the same ``sources`` (see the module docs).

    ``name`` names the entry (letters, digits, ``-``); ``sources`` are every file ``make`` reads;
    ``code`` names the modules besides ``make``'s own whose functions it calls to make it.
    Errors of ``make`` (a missing or broken file) are raised as they are.
    """
    path = entry_path(name, sources, make, code=code)
    if path is not None and path.is_file():
        try:
            with open(path, "rb") as fh:
                return pickle.load(fh)
        except Exception:  # noqa: BLE001  (a truncated or foreign entry: make it again)
            pass
    made = make()
    if path is not None:
        _store(path, made, name)
    return made


def _store(path: Path, obj: object, name: str) -> None:
    """Write ``obj`` to ``path`` atomically (a temporary file renamed), or leave it if that fails."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        tmp = None
        for old in path.parent.glob(f"{name}-*.pickle"):
            if old != path:  # entries of the same name made from older sources
                old.unlink(missing_ok=True)
    except (OSError, pickle.PicklingError):
        pass
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
