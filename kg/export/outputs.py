"""Files in and out for kg's exporters: paths or open handles, text or binary.

:func:`_open_output` and :func:`_write_output` write a document (``str`` as UTF-8, or
UTF-8 ``bytes``) to a path (through a temporary file renamed into place when complete) or
an open text/binary handle; :func:`_read_input` reads one back as bytes. Problems become
:class:`~kg.errors.ExportError` naming the file. :data:`FORMATS` is the table of format
names and file extensions that :mod:`kg.export.files` dispatches on.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from kg.errors import ExportError

__all__ = ["FORMATS", "PathOrFile"]

PathOrFile = str | os.PathLike | IO[Any]

#: Format name -> file extensions it is chosen by (the first is the one :func:`kg.export.files.export` suggests).
FORMATS: dict[str, tuple[str, ...]] = {
    "graphml": (".graphml",),
    "gexf": (".gexf",),
    "json": (".json",),
    "cyjs": (".cyjs",),
    "csv": (".csv",),
    "html": (".html", ".htm"),
    "kgx": (".tsv",),  # a folder (graph_nodes.tsv, graph_edges.tsv) or STEM.tsv (STEM_nodes.tsv, STEM_edges.tsv)
    "neo4j": (".neo4j",),  # a folder: neo4j_nodes.csv, neo4j_relationships.csv
}


def _describe(path_or_file: Any) -> str:
    """A name for messages: the path, or the handle's ``name``."""
    if isinstance(path_or_file, (str, os.PathLike)):
        return os.fspath(path_or_file)
    return str(getattr(path_or_file, "name", None) or f"<{type(path_or_file).__name__}>")


def _handle_writer(fh: IO[Any]) -> Callable[[str | bytes], None]:
    """``write(data)`` for an open handle: text to a text handle, UTF-8 bytes to a binary one
    (a handle that is not an ``io.TextIOBase`` is tried with bytes first)."""
    text = isinstance(fh, io.TextIOBase)
    decided = text

    def write(data: str | bytes) -> None:
        nonlocal text, decided
        if not text:
            try:
                fh.write(data.encode("utf-8") if isinstance(data, str) else data)
                decided = True
                return
            except TypeError:  # a text handle that is not a TextIOBase
                if decided:
                    raise
                text = decided = True
        fh.write(data.decode("utf-8") if isinstance(data, bytes) else data)

    return write


@contextmanager
def _open_output(path_or_file: PathOrFile, *, fmt: str) -> Iterator[Callable[[str | bytes], None]]:
    """Open a path (or take an open text/binary handle) for writing in pieces: yields
    ``write(data)``, which takes ``str`` (written as UTF-8) or UTF-8 ``bytes``.

    A path is checked and opened first; if anything fails before the ``with`` block ends,
    nothing is left of the new file and an old file at ``path`` is untouched: a path is written
    to a hidden temporary file in the same folder (``.NAME.PID.tmp``), synced, and renamed over
    ``path`` only when complete (a kill or a full disk never leaves a truncated file). Write
    errors become :class:`ExportError` naming the file."""
    if hasattr(path_or_file, "write"):
        try:
            yield _handle_writer(path_or_file)
        except OSError as exc:
            raise ExportError(
                f"{_describe(path_or_file)}: could not write {fmt}: {exc}; check the file handle is open for writing"
            ) from exc
        return
    path = Path(os.fspath(path_or_file))
    if not path.parent.exists():
        raise ExportError(
            f"{path}: cannot write {fmt}: the folder {path.parent} does not exist; create it or choose another path"
        )
    if path.is_dir():
        raise ExportError(
            f"{path}: cannot write {fmt}: it is a folder; give a file name such as {path / ('graph' + FORMATS.get(fmt, ('',))[0])}"
        )
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    done = False
    try:
        with open(tmp, "wb") as fh:
            yield lambda data: fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        done = True
    except OSError as exc:
        raise ExportError(
            f"{path}: cannot write {fmt}: {exc.strerror or exc}; check the path and that you may write there"
        ) from exc
    finally:
        if not done:
            tmp.unlink(missing_ok=True)


def _write_output(path_or_file: PathOrFile, data: str | bytes, *, fmt: str) -> None:
    """Write ``data`` (UTF-8 when text is needed) to a path or an open text/binary handle."""
    with _open_output(path_or_file, fmt=fmt) as write:
        write(data)


def _read_input(path_or_file: PathOrFile) -> bytes:
    if hasattr(path_or_file, "read"):
        data = path_or_file.read()
        return data.encode("utf-8") if isinstance(data, str) else data
    path = Path(os.fspath(path_or_file))
    if not path.exists():
        raise ExportError(
            f"{path}: no such file; check the path (a graph saved with `kg export` or kg.export.files)"
        )
    if path.is_dir():
        raise ExportError(
            f"{path}: is a folder; give the graph file inside it (.graphml, .gexf, .json or .cyjs)"
        )
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ExportError(
            f"{path}: cannot read: {exc.strerror or exc}; check the file's permissions"
        ) from exc
