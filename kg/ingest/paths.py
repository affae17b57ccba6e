"""Turning the user's ``paths`` (files, folders, glob patterns, in any mix) into files to read.

* a file is read as given, even a hidden one (the user named it);
* a folder is walked recursively in sorted order, skipping hidden files and folders (names
  starting with ``.``) and ``__pycache__``; a folder with no file at all is reported;
* a string with ``*``, ``?`` or ``[`` that is not an existing path is a glob pattern
  (``**`` recurses); its matches are read in sorted order;
* a path that does not exist, or a pattern that matches nothing, raises
  :class:`kg.errors.InputError` naming it, before anything is read.

Folders are walked lazily, so a folder of a million files is never listed in memory at once.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kg.errors import InputError

__all__ = ["Target", "resolve", "iter_files"]

_GLOB_CHARS = set("*?[")
_SKIP_DIRS = {"__pycache__"}


@dataclass(frozen=True)
class Target:
    """One item of ``paths``: what the user wrote and what it turned out to be."""

    given: str
    kind: str  # "file", "folder" or "glob"
    path: Path


def _as_list(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> list[str]:
    if isinstance(paths, (str, os.PathLike)):
        return [os.fspath(paths)]
    return [os.fspath(p) for p in paths]


def resolve(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> list[Target]:
    """Check every item of ``paths`` exists (or matches) and say what it is; raise InputError otherwise."""
    items = _as_list(paths)
    if not items:
        raise InputError("(no paths)", "no input path was given; pass files, folders or glob patterns")
    targets = []
    for given in items:
        path = Path(given).expanduser()
        if path.is_dir():
            targets.append(Target(given, "folder", path))
        elif path.is_file():
            targets.append(Target(given, "file", path))
        elif path.exists():
            raise InputError(
                given, "is not a regular file or folder (a pipe, socket or device?); give a file"
            )
        elif _GLOB_CHARS & set(given):
            if next(glob.iglob(os.path.expanduser(given), recursive=True), None) is None:
                raise InputError(
                    given, "the pattern matches no file; check the pattern and the folder it names"
                )
            targets.append(Target(given, "glob", path))
        else:
            hint = "check the spelling, or quote a glob pattern so the shell does not expand it"
            parent = path.parent if str(path.parent) not in ("", ".") else None
            if parent is not None and not parent.exists():
                hint = f"its folder {parent} does not exist either; {hint}"
            raise InputError(given, f"no such file or folder; {hint}")
    return targets


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS)
        for name in sorted(files):
            path = Path(root) / name
            # regular files, and symlinks (a broken one is then reported as unreadable); never FIFOs or sockets
            if not name.startswith(".") and (path.is_file() or path.is_symlink()):
                yield path


def iter_files(target: Target) -> Iterator[Path]:
    """The files ``target`` stands for, in a stable (sorted) order."""
    if target.kind == "file":
        yield target.path
    elif target.kind == "folder":
        yield from _walk(target.path)
    else:
        for match in sorted(glob.glob(os.path.expanduser(target.given), recursive=True)):
            path = Path(match)
            if path.is_dir():
                yield from _walk(path)
            elif path.is_file():
                yield path
