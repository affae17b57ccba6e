"""Byte streams under every reader: gzip members read with care, and a guard on every line.

:class:`GzipMembers` decompresses gzip data member after member with :mod:`zlib` (in
bounded steps), and stops at bytes after the last member that are not gzip (trailing
garbage, common in files cut and glued by tools) with a note instead of an error, so the
records already read are all kept. A file that ends inside a member still raises
:class:`EOFError` (truncated data).

:class:`LineGuard` hands a text reader its input line by line and keeps one line from
spoiling a file:

* a line longer than :data:`MAX_RECORD_BYTES` (10 MB) is never held: it is skipped while
  reading, and noted with its number (memory stays bounded whatever one line holds);
* a line holding a NUL byte (never part of text) is dropped and noted;
* in a UTF-8 file, a line that is not valid UTF-8 is noted (the reader decodes its bytes as
  cp1252, see :func:`kg.ingest.detect.open_text`): one latin-1 line no longer makes a whole
  UTF-8 file read as cp1252.

A dropped line becomes an empty line, so line numbers stay right. Readers turn the notes
into :class:`kg.records.Skipped` entries with :func:`drain_notes`.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from kg.records import Skipped

__all__ = ["MAX_RECORD_BYTES", "GzipMembers", "LineGuard", "Notes", "drain_notes"]

#: The most one line, record or table cell may hold (bytes); a longer one is skipped with a warning.
MAX_RECORD_BYTES = 10 * 1024 * 1024
_MB = MAX_RECORD_BYTES // (1024 * 1024)
_BLOCK = 64 * 1024
_GZIP_MAGIC = b"\x1f\x8b"

TOO_LONG = (f"line longer than {_MB} MB (MAX_RECORD_BYTES): skipped without reading it into memory. "
            "Split the record, or give the text as a file of its own")
HAS_NUL = ("line holds NUL bytes (binary data inside text): skipped; the other lines were read. "
           "Remove the NUL bytes (e.g. tr -d '\\000') or re-export the file")
NOT_UTF8 = ("line is not UTF-8 (the rest of the file is): its bytes were read as cp1252/latin-1 and kept. "
            "Check its text, or re-save the file as UTF-8")


class _Blocks(io.RawIOBase):
    """A read-only raw stream over the blocks :meth:`_block` makes (``b""`` at the end) from ``source``."""

    def __init__(self, source: BinaryIO) -> None:
        self._src = source
        self._out = b""
        self._pos = 0
        self._done = False
        self.notes: list[tuple[int | None, str]] = []

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._src.close()
        super().close()

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while self._pos >= len(self._out) and not self._done:
            self._out, self._pos = self._block(), 0
            self._done = not self._out
        n = min(len(buffer), len(self._out) - self._pos)
        buffer[:n] = memoryview(self._out)[self._pos : self._pos + n]
        self._pos += n
        return n

    def _block(self) -> bytes:
        raise NotImplementedError


class GzipMembers(_Blocks):
    """The decompressed bytes of gzip ``raw`` (all members); trailing non-gzip bytes end it with a note."""

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__(raw)
        self._dec = zlib.decompressobj(wbits=31)
        self._input = b""
        self._in_member = False
        self._end = False

    def _block(self) -> bytes:
        while not (out := self._step()) and not self._end:
            pass
        return out

    def _step(self) -> bytes:
        data = self._dec.unconsumed_tail or self._input or self._src.read(_BLOCK // 4)
        self._input = b""
        if not data:
            if self._in_member:
                raise EOFError("compressed file ended before the end-of-stream marker was reached")
            self._end = True
            return b""
        if not self._in_member:
            while len(data) < 2 and (more := self._src.read(_BLOCK)):
                data += more
            if not data.startswith(_GZIP_MAGIC):
                if data.strip(b"\x00") or self._src.read(_BLOCK).strip(b"\x00"):
                    self.notes.append((None, "bytes after the end of the gzip data (trailing garbage) were "
                                       "ignored; every record before them was read. Re-compress the file to drop them"))
                self._end = True
                return b""
            self._in_member = True
        out = self._dec.decompress(data, _BLOCK)
        if self._dec.eof:
            self._input = self._dec.unused_data
            self._dec = zlib.decompressobj(wbits=31)
            self._in_member = False
        return out


class LineGuard(_Blocks):
    """The lines of ``source`` as bytes, with over-long and NUL lines dropped and noted (see the module docs)."""

    def __init__(self, source: BinaryIO, *, utf8: bool, max_line: int = MAX_RECORD_BYTES) -> None:
        super().__init__(source)
        self._utf8 = utf8
        self._max = max_line
        self._line = 0

    def _block(self) -> bytes:
        out: list[bytes] = []
        size = 0
        while size < _BLOCK:
            line = self._src.readline(self._max + 1)
            if not line:
                break
            self._line += 1
            if len(line) > self._max and not line.endswith(b"\n"):
                while (more := self._src.readline(_BLOCK)) and not more.endswith(b"\n"):
                    pass
                self.notes.append((self._line, TOO_LONG))
                line = b"\n"
            elif b"\x00" in line:
                self.notes.append((self._line, HAS_NUL))
                line = b"\n"
            out.append(line)
            size += len(line)
        block = b"".join(out)
        if self._utf8 and not block.isascii():
            self._check_utf8(block, out)
        return block

    def _check_utf8(self, block: bytes, lines: list[bytes]) -> None:
        """Note the lines of ``block`` that are not UTF-8 (the block is checked whole first: the common case)."""
        try:
            block.decode("utf-8")
            return
        except UnicodeDecodeError:
            pass
        first = self._line - len(lines) + 1
        for number, line in enumerate(lines, first):
            if not line.isascii():
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError:
                    self.notes.append((number, NOT_UTF8))
        self.notes.sort(key=lambda note: note[0] or 0)


def _note_holders(stream: object) -> Iterator[object]:
    """The objects under ``stream`` (a TextIOWrapper, BufferedReader, guard...) that may hold notes."""
    seen = 0
    while stream is not None and seen < 6:
        if hasattr(stream, "notes"):
            yield stream
        stream = getattr(stream, "buffer", None) or getattr(stream, "raw", None) or getattr(stream, "_src", None)
        seen += 1


class Notes:
    """The notes under ``stream``, found once, turned into Skipped entries of ``source`` when called
    (cheap when there are none: readers call it once per line)."""

    def __init__(self, stream: object, source: str) -> None:
        self._lists: list[list[tuple[int | None, str]]] = [h.notes for h in _note_holders(stream)]  # type: ignore[attr-defined]
        self._source = source

    def __call__(self) -> Iterator[Skipped]:
        for notes in self._lists:
            while notes:
                line, reason = notes.pop(0)
                yield Skipped(self._source, reason, f"line {line}" if line else None)


def drain_notes(stream: object, source: str) -> Iterator[Skipped]:
    """The notes gathered so far under ``stream`` as Skipped entries of ``source`` (each given once)."""
    return Notes(stream, source)()
