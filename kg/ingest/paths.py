"""Turning the user's ``paths`` (files, folders, glob patterns, in any mix) into files to read.

* a file is read as given, even a hidden one (the user named it);
* a folder is walked recursively in sorted order (a folder's files, then its subfolders),
  skipping hidden files and folders (names starting with ``.``) and ``__pycache__``;
  symbolic links to folders are followed, each folder read once (a link loop or a second
  link to a folder already read is reported, not followed again);
* a string with ``*``, ``?`` or ``[`` that is not an existing path is a glob pattern
  (``**`` recurses); its matches are read in sorted order.

Nothing is lost without a word: a path that does not exist, a pattern that matches nothing,
a folder that cannot be read, a broken link and anything that is not a regular file (a FIFO,
socket or device, or a link to one: never opened, so a pipe cannot hang the run) become
:class:`kg.records.Skipped` entries naming the path and the fix, and the other paths are
read. Only when *every* given path is unusable does :func:`resolve` raise
:class:`kg.errors.InputError`, before anything is read. A folder that holds kg's own outputs
(:data:`OUTPUT_MARKERS`: an output folder placed inside an input folder) is skipped and
named, so a rebuild never reads its own graph.html or CSV files back as documents.

Every name is shown through :func:`kg.ingest.names.display_path` (undecodable bytes and
control characters escaped). Folders are walked lazily, so a folder of a million files is
never listed in memory at once.
"""

from __future__ import annotations

import glob
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kg.errors import InputError
from kg.ingest.names import display_path
from kg.records import Skipped

__all__ = ["Target", "resolve", "iter_files", "OUTPUT_MARKERS", "is_kg_output"]

_GLOB_CHARS = set("*?[")
_SKIP_DIRS = {"__pycache__"}

#: A folder holding ``kg.sqlite`` (kg's NER cache), or ``summary.json`` next to one of the other
#: files ``kg build --out`` writes, is a kg output folder (names as in :data:`kg.api.OUTPUT_FILES`).
OUTPUT_MARKERS = ("kg.sqlite", "summary.json")
_OUTPUT_FILES = {"graph.html", "graph.graphml", "graph.gexf", "graph.cyjs", "graph.json", "nodes.csv", "edges.csv"}


@dataclass(frozen=True)
class Target:
    """One item of ``paths``: what the user wrote (shown escaped) and what it turned out to be.

    ``kind`` is ``"file"``, ``"folder"``, ``"glob"`` or ``"bad"`` (then ``reason`` says why).
    """

    given: str
    kind: str
    path: Path
    reason: str | None = None


def _as_list(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> list[str]:
    if isinstance(paths, (str, os.PathLike)):
        return [os.fspath(paths)]
    return [os.fspath(p) for p in paths]


def _not_regular(mode: int) -> str:
    kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")
    return f"is {kind}, not a regular file: not opened (reading it could wait forever); give a file or a folder"


def _target(raw: str) -> Target:
    given = display_path(raw)
    path = Path(raw).expanduser()
    try:
        mode = os.stat(path).st_mode
    except PermissionError as exc:
        return Target(given, "bad", path, f"cannot be reached ({exc.strerror}); check the permissions of its folders")
    except (FileNotFoundError, NotADirectoryError):
        mode = None
    except OSError as exc:  # a link loop (ELOOP), a name too long...
        return Target(given, "bad", path, f"cannot be read ({exc.strerror}); check the path")
    if mode is not None:
        if stat.S_ISDIR(mode):
            return Target(given, "folder", path)
        if stat.S_ISREG(mode):
            return Target(given, "file", path)
        return Target(given, "bad", path, _not_regular(mode))
    if path.is_symlink():
        return Target(given, "bad", path,
                      f"is a broken symbolic link (to {display_path(os.readlink(path))}); fix or remove the link")
    if _GLOB_CHARS & set(raw):
        if next(glob.iglob(os.path.expanduser(raw), recursive=True), None) is None:
            return Target(given, "bad", path,
                          "the pattern matches no file; check the pattern and the folder it names")
        return Target(given, "glob", path)
    hint = "check the spelling, or quote a glob pattern so the shell does not expand it"
    parent = path.parent if str(path.parent) not in ("", ".") else None
    if parent is not None and not parent.exists():
        hint = f"its folder {display_path(parent)} does not exist either; {hint}"
    return Target(given, "bad", path, f"no such file or folder; {hint}")


def resolve(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> list[Target]:
    """What every item of ``paths`` is; raise InputError when none of them can be read at all.

    Unusable items among usable ones come back as ``kind="bad"`` targets, which
    :func:`iter_files` turns into a :class:`~kg.records.Skipped` naming them.
    """
    items = _as_list(paths)
    if not items:
        raise InputError("(no paths)", "no input path was given; pass files, folders or glob patterns")
    targets = [_target(given) for given in items]
    bad = [t for t in targets if t.kind == "bad"]
    if len(bad) == len(targets):
        others = "".join(f"; {t.given}: {t.reason}" for t in bad[1:4])
        raise InputError(bad[0].given, f"{bad[0].reason}{others}")
    return targets


def is_kg_output(names: Iterable[str]) -> bool:
    """Whether a folder with these entry names is one ``kg build --out`` wrote (see :data:`OUTPUT_MARKERS`)."""
    names = set(names)
    return "kg.sqlite" in names or ("summary.json" in names and bool(names & _OUTPUT_FILES))


def _entries(folder: Path) -> list[os.DirEntry[str]] | Skipped:
    try:
        with os.scandir(folder) as it:
            return sorted(it, key=lambda e: e.name)
    except OSError as exc:
        return Skipped(display_path(folder), f"folder cannot be read ({exc.strerror}); its files were not read. "
                       "Check its permissions (it needs r and x, e.g. chmod u+rx)")


def _walk(top: Path, seen: dict[tuple[int, int], Path]) -> Iterator[Path | Skipped]:
    """Files under ``top`` (links to folders followed; each folder once), and Skipped for what is not read."""
    try:
        info = os.stat(top)
    except OSError as exc:
        yield Skipped(display_path(top), f"folder cannot be read ({exc.strerror}); check its permissions")
        return
    key = (info.st_dev, info.st_ino)
    if key in seen:
        yield Skipped(display_path(top), f"links to a folder already read ({display_path(seen[key])}): "
                      "not read again (a symbolic link loop, or two links to one folder)")
        return
    seen[key] = top
    entries = _entries(top)
    if isinstance(entries, Skipped):
        yield entries
        return
    folders: list[Path] = []
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        path = Path(entry.path)
        try:
            mode = os.stat(path).st_mode
        except FileNotFoundError:
            target = display_path(os.readlink(path)) if entry.is_symlink() else "?"
            yield Skipped(display_path(path), f"is a broken symbolic link (to {target}); fix or remove the link")
            continue
        except OSError as exc:
            yield Skipped(display_path(path), f"cannot be read ({exc.strerror}); check its permissions")
            continue
        if stat.S_ISDIR(mode):
            if name not in _SKIP_DIRS:
                folders.append(path)
        elif stat.S_ISREG(mode):
            yield path
        else:
            yield Skipped(display_path(path), _not_regular(mode))
    for folder in folders:
        names = _entries(folder)
        if not isinstance(names, Skipped) and is_kg_output(e.name for e in names):
            yield Skipped(display_path(folder), "is an output folder of kg (it holds kg.sqlite or summary.json): "
                          "its graph and tables are not read back as documents. Give --out a folder outside "
                          "the input folders")
            continue
        yield from _walk(folder, seen)


def iter_files(target: Target) -> Iterator[Path | Skipped]:
    """The regular files ``target`` stands for, in a stable (sorted) order, and a Skipped for each
    path that cannot be read (``target`` itself when it is bad)."""
    if target.kind == "bad":
        yield Skipped(target.given, target.reason or "cannot be read")
    elif target.kind == "file":
        yield target.path
    elif target.kind == "folder":
        yield from _walk(target.path, {})
    else:
        seen: dict[tuple[int, int], Path] = {}
        walked: list[Path] = []
        for match in sorted(glob.glob(os.fspath(target.path), recursive=True)):
            path = Path(match)
            if any(path.is_relative_to(folder) for folder in walked):
                continue  # "**" matches a folder and what is inside it: read once, from the folder
            try:
                mode = os.stat(path).st_mode
            except OSError as exc:
                yield Skipped(display_path(path), f"cannot be read ({exc.strerror}); check it")
                continue
            if stat.S_ISDIR(mode):
                walked.append(path)
                yield from _walk(path, seen)
            elif stat.S_ISREG(mode):
                yield path
            else:
                yield Skipped(display_path(path), _not_regular(mode))
