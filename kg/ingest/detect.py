"""Recognising an input file from its content: compression, binary, encoding and format.

Detection reads the first :data:`SAMPLE_SIZE` bytes (after decompression: gzip, bzip2 and
xz are read transparently, recognised by their magic numbers, not their extensions) and
decides, in this order:

1. nothing there: 0-byte or whitespace-only files are skipped;
2. a known binary type (PDF, images, ZIP/Office, tar, ...) or NUL bytes: skipped, saying what
   it looks like and how to turn it into something kg reads;
3. the text encoding: a BOM (UTF-8, UTF-16, UTF-32), UTF-16 without BOM, UTF-8, GB18030
   (when the text is mostly CJK), cp1252, latin-1. A fallback encoding is not a skip;
   text that is mostly control characters after every attempt is;
4. the format: XML (PubMed XML, HTML, or refused: another root or entity declarations),
   MEDLINE, PubTator, JSON Lines / a JSON array, CSV/TSV (a header naming known columns,
   or a ``.csv``/``.tsv`` extension), else plain text.

:func:`sniff` is a pure function of the bytes and never raises; :func:`detect` applies it
to a file.
"""

from __future__ import annotations

import bz2
import codecs
import csv
import errno
import io
import json
import lzma
import os
import re
import stat
import unicodedata
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import BinaryIO, TextIO

from kg.ingest.fields import known_column_names
from kg.ingest.streams import GzipMembers, LineGuard

__all__ = [
    "Format",
    "Detection",
    "SAMPLE_SIZE",
    "sniff",
    "detect",
    "open_binary",
    "open_text",
    "read_sample",
    "guess_encoding",
]

SAMPLE_SIZE = 64 * 1024


class Format(str, Enum):
    """The input formats kg reads."""

    PUBMED_XML = "pubmed-xml"
    MEDLINE = "medline"
    PUBTATOR = "pubtator"
    JSONL = "jsonl"
    JSON = "json"
    CSV = "csv"
    TSV = "tsv"
    HTML = "html"
    TEXT = "text"

    def __str__(self) -> str:
        return self.value


#: Human names of the formats, for messages.
FORMAT_NAMES = {
    Format.PUBMED_XML: "PubMed XML",
    Format.MEDLINE: "MEDLINE text",
    Format.PUBTATOR: "PubTator",
    Format.JSONL: "JSON Lines",
    Format.JSON: "JSON array",
    Format.CSV: "CSV",
    Format.TSV: "TSV",
    Format.HTML: "HTML page",
    Format.TEXT: "plain text / scraped page",
}

SUPPORTED = (
    "PubMed XML, MEDLINE, PubTator, JSON Lines, CSV/TSV with title and abstract columns, "
    "scraped journal pages and plain text (each may be .gz, .bz2 or .xz)"
)


@dataclass(frozen=True)
class Detection:
    """What a file is: a format (and how to decode it), or why it cannot be read."""

    format: Format | None = None
    encoding: str | None = None
    compression: str | None = None
    delimiter: str | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.format is not None


# Binary types recognised from their first bytes, with what to do instead.
_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document: extract its text first (e.g. `pdftotext`), or give the PubMed record"),
    (b"\x89PNG", "a PNG image: kg reads text, not images"),
    (b"\xff\xd8\xff", "a JPEG image: kg reads text, not images"),
    (b"GIF8", "a GIF image: kg reads text, not images"),
    (b"PK\x03\x04", "a ZIP archive (or .docx/.xlsx): unzip it, or save the sheet/document as CSV or text"),
    (b"\xd0\xcf\x11\xe0", "a legacy Office document (.doc/.xls): save it as CSV or plain text"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive: unpack it and pass the folder"),
    (b"Rar!", "a RAR archive: unpack it and pass the folder"),
    (b"\x7fELF", "an executable (ELF), not a document"),
    (b"MZ", "a Windows executable, not a document"),
    (b"SQLite format 3\x00", "an SQLite database: export the table as CSV"),
    (b"PAR1", "a Parquet file: export it as CSV or JSON Lines"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed: decompress it first (`zstd -d`)"),
    (b"{\\rtf", "an RTF document: save it as plain text"),
)
_COMPRESSION_MAGIC = ((b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"))
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_WHITESPACE_CONTROLS = set("\t\n\r\f\v")
_MEDLINE_TAG = re.compile(r"^[A-Z]{2,4} {0,3}- ", re.MULTILINE)
_MEDLINE_KEY_TAG = re.compile(r"^(?:PMID|TI {2}|AB {2})- ", re.MULTILINE)
_PUBTATOR_LINE = re.compile(r"^[^|\s]+\|[ta]\|")
_XML_ROOT = re.compile(r"<(?![!?/])([A-Za-z_][\w:.-]*)")
_PUBMED_ROOTS = {"PubmedArticleSet", "PubmedArticle", "PubmedBookArticle"}
_FALLBACK_HANDLER = "kg-ingest-cp1252"


def _fallback_decode(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: decode bytes that are not UTF-8 as cp1252 (latin-1 where undefined)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = bytes(exc.object[exc.start : exc.end])
    return "".join(_cp1252_char(byte) for byte in bad), exc.end


def _cp1252_char(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return bytes([byte]).decode("latin-1")


def _register_fallback() -> None:
    try:
        codecs.lookup_error(_FALLBACK_HANDLER)
    except LookupError:
        codecs.register_error(_FALLBACK_HANDLER, _fallback_decode)


def _open_regular(path: str | Path) -> BinaryIO:
    """``open(path, "rb")`` that refuses anything but a regular file before reading a byte.

    Opened with ``O_NONBLOCK`` so that a FIFO (or a link to one) put in place after the folder
    was listed cannot block the open; its type is then checked on the open descriptor.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise IsADirectoryError(errno.EINVAL, "not a regular file (a FIFO, socket, device or folder)")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def open_binary(path: str | Path) -> tuple[BinaryIO, str | None]:
    """Open ``path`` for reading bytes, decompressing gzip/bzip2/xz recognised by magic number.

    gzip is read by :class:`kg.ingest.streams.GzipMembers` (trailing garbage after the data
    ends it with a note, not an error)."""
    raw = _open_regular(path)
    head = raw.read(6)
    raw.seek(0)
    for magic, name in _COMPRESSION_MAGIC:
        if head.startswith(magic):
            if name == "gzip":
                return io.BufferedReader(GzipMembers(raw)), name  # type: ignore[return-value]
            opener = {"bzip2": bz2.open, "xz": lzma.open}[name]
            return opener(raw, "rb"), name  # type: ignore[return-value]
    return raw, None


def open_text(path: str | Path, encoding: str, *, newline: str | None = None) -> TextIO:
    """Open ``path`` as text in ``encoding``; undecodable UTF-8 bytes further on fall back to cp1252.

    Byte-oriented encodings are read through :class:`kg.ingest.streams.LineGuard` (lines over
    :data:`kg.ingest.streams.MAX_RECORD_BYTES` or with NUL bytes dropped, non-UTF-8 lines of a
    UTF-8 file noted); :func:`kg.ingest.streams.drain_notes` gives what it noted.
    """
    _register_fallback()
    stream, _ = open_binary(path)
    utf8 = encoding.replace("-", "").lower().startswith("utf8")
    errors = _FALLBACK_HANDLER if utf8 else "replace"
    if not encoding.replace("-", "").lower().startswith(("utf16", "utf32")):
        stream = io.BufferedReader(LineGuard(stream, utf8=utf8))  # type: ignore[arg-type,assignment]
    return io.TextIOWrapper(stream, encoding=encoding, errors=errors, newline=newline)  # type: ignore[arg-type]


def read_sample(stream: BinaryIO, size: int = SAMPLE_SIZE) -> tuple[bytes, Exception | None]:
    """Up to ``size`` bytes from ``stream``, and the error that stopped reading early (truncated gzip...)."""
    chunks: list[bytes] = []
    got = 0
    try:
        while got < size:
            chunk = stream.read(min(8192, size - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
    except (EOFError, OSError, zlib.error, lzma.LZMAError, ValueError) as exc:
        return b"".join(chunks), exc
    return b"".join(chunks), None


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    bad = sum(1 for c in text if c not in _WHITESPACE_CONTROLS and unicodedata.category(c) == "Cc")
    return bad / len(text)


def _decodes(sample: bytes, encoding: str, complete: bool) -> str | None:
    try:
        return codecs.getincrementaldecoder(encoding)("strict").decode(sample, final=complete)
    except (UnicodeDecodeError, LookupError):
        return None


def _few_nuls(sample: bytes) -> bool:
    """A NUL byte or a few in otherwise text data (one damaged line), not binary data."""
    return sample.count(0) <= max(4, len(sample) // 2000)


_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _mostly_utf8(sample: bytes) -> bool:
    """Whether most non-ASCII lines of ``sample`` are valid UTF-8 with at least one multi-byte character."""
    _register_fallback()
    good = bad = 0
    for line in sample.splitlines()[:-1] or sample.splitlines():
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            bad += 1
            continue
        good += _UTF8_MULTIBYTE.search(line) is not None
    return good > 0 and good >= bad


def _mostly_cjk(text: str) -> bool:
    non_ascii = [c for c in text if ord(c) > 127]
    if len(non_ascii) < 4:
        return False
    cjk = sum(1 for c in non_ascii if "\u3000" <= c <= "\u9fff" or "\uff00" <= c <= "\uffef")
    return cjk / len(non_ascii) > 0.8


def guess_encoding(sample: bytes, *, complete: bool = True) -> tuple[str | None, str]:
    """The encoding ``sample`` is written in and its decoded text, or ``(None, "")`` for binary data.

    ``complete`` says the sample is the whole file (else a multi-byte character cut at its
    end is not an error).
    """
    for bom, encoding in _BOMS:
        if sample.startswith(bom):
            text = _decodes(sample, encoding, complete)
            return (encoding, text) if text is not None and _control_ratio(text) < 0.02 else (None, "")
    if b"\x00" in sample:
        half = max(1, len(sample) // 2)
        even, odd = sample[0::2].count(0) / half, sample[1::2].count(0) / half
        encoding = (
            "utf-16-le" if odd > 0.3 and even < 0.05 else "utf-16-be" if even > 0.3 and odd < 0.05 else None
        )
        text = _decodes(sample[: len(sample) // 2 * 2], encoding, complete) if encoding else None
        if text is not None and _control_ratio(text) < 0.02:
            return encoding, text
        if not _few_nuls(sample):
            return None, ""
        sample = sample.replace(b"\x00", b"")  # a stray NUL in a line: that line is dropped when read
    text = _decodes(sample, "utf-8", complete)
    if text is not None:
        return ("utf-8", text) if _control_ratio(text) < 0.02 else (None, "")
    if _mostly_utf8(sample):  # a UTF-8 file with a few lines in another encoding (noted line by line)
        return "utf-8", sample.decode("utf-8", _FALLBACK_HANDLER)
    text = _decodes(sample, "gb18030", complete)
    if text is not None and _mostly_cjk(text) and _control_ratio(text) < 0.02:
        return "gb18030", text
    for encoding in ("cp1252", "latin-1"):
        text = _decodes(sample, encoding, True)
        if text is not None and _control_ratio(text) < 0.02:
            return encoding, text
    return None, ""


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line
    return ""


def _pretty_json(text: str) -> bool:
    """A JSON object written over several lines (pretty-printed), not one object per line."""
    lines = [line.strip() for line in text.splitlines()[:50] if line.strip()][:2]
    if len(lines) < 2 or lines[1].startswith("{"):
        return False
    try:
        json.loads(lines[0])
    except (ValueError, RecursionError):
        return True
    return False


def _sniff_xml(text: str, encoding: str, compression: str | None) -> Detection:
    root = _XML_ROOT.search(text)
    prolog = text[: root.start()] if root else text
    if "<!ENTITY" in prolog:
        return Detection(
            reason=(
                "XML declares entities (<!ENTITY ...> in its DOCTYPE); kg does not expand XML entities, "
                "which protects against entity-expansion ('billion laughs') and external-entity attacks. "
                "Use the file as NCBI serves it, without an internal DTD subset"
            )
        )
    name = root.group(1) if root else ""
    local = name.rsplit(":", 1)[-1]
    if local in _PUBMED_ROOTS:
        return Detection(Format.PUBMED_XML, encoding, compression)
    if local.lower() == "html" or re.search(r"<html[\s>]", text[:4096], re.IGNORECASE):
        return Detection(Format.HTML, encoding, compression)
    what = f"root element <{name}>" if name else "no root element in its first 64 KB"
    return Detection(
        reason=(
            f"XML with {what} is not PubMed XML: kg reads <PubmedArticleSet> files from PubMed's efetch "
            "or the annual baseline; convert other XML to JSON Lines or CSV with title and abstract"
        )
    )


def _header_fields(line: str, delimiter: str) -> list[str]:
    try:
        return [f.strip().strip("\ufeff").lower() for f in next(csv.reader([line], delimiter=delimiter))]
    except (csv.Error, StopIteration):
        return []


def _sniff_table(first: str, suffixes: list[str], extra_columns: Iterable[str]) -> tuple[Format, str] | None:
    counts = {d: first.count(d) for d in ("\t", ",", ";")}
    delimiter = max(counts, key=lambda d: counts[d])
    if ".tsv" in suffixes or ".tab" in suffixes:
        delimiter = "\t"
    elif ".csv" in suffixes and counts[","]:
        delimiter = ","
    if not counts[delimiter]:
        return None
    fmt = Format.TSV if delimiter == "\t" else Format.CSV
    if ".csv" in suffixes or ".tsv" in suffixes or ".tab" in suffixes:
        return fmt, delimiter
    known = known_column_names() | {c.lower() for c in extra_columns}
    return (fmt, delimiter) if set(_header_fields(first, delimiter)) & known else None


def sniff(
    sample: bytes,
    *,
    name: str = "",
    complete: bool = True,
    compression: str | None = None,
    extra_columns: Iterable[str] = (),
) -> Detection:
    """Decide what ``sample`` (the first bytes of a file, decompressed) is. Never raises.

    ``name`` (the file name) only breaks ties: a ``.csv``/``.tsv`` extension makes a file
    tabular even when its header names no known column, so the reader can say which
    columns are missing. ``extra_columns`` are user column names from ``columns=``.
    """
    try:
        return _sniff(sample, name, complete, compression, extra_columns)
    except Exception as exc:  # noqa: BLE001 - detection must never take the run down
        return Detection(reason=f"could not be recognised ({type(exc).__name__}: {exc})")


def _sniff(
    sample: bytes, name: str, complete: bool, compression: str | None, extra_columns: Iterable[str]
) -> Detection:
    if not sample:
        after = f" after {compression} decompression" if compression else ""
        return Detection(reason=f"empty file (0 bytes{after}): nothing to read; remove it or re-export it")
    for magic, what in _BINARY_MAGIC:
        if sample.startswith(magic):
            return Detection(reason=f"binary file, {what}")
    if sample[257:262] == b"ustar":
        return Detection(reason="binary file, a tar archive: unpack it (`tar xf`) and pass the folder")
    encoding, text = guess_encoding(sample, complete=complete)
    if encoding is None:
        return Detection(
            reason="binary file (not text in any encoding kg tries: UTF-8/16/32, GB18030, cp1252, latin-1)"
        )
    stripped = text.lstrip("\ufeff \t\r\n\f\v")
    if not stripped.strip():
        if complete:
            return Detection(reason="contains only whitespace: nothing to read; remove it or re-export it")
        stripped = ""
    suffixes = [s.lower() for s in Path(name).suffixes]
    if stripped.startswith("<"):
        return _sniff_xml(stripped, encoding, compression)
    first = _first_line(stripped)
    if (
        _MEDLINE_TAG.match(first)
        and _MEDLINE_KEY_TAG.search(stripped)
        and len(_MEDLINE_TAG.findall(stripped)) >= 2
    ):
        return Detection(Format.MEDLINE, encoding, compression)
    if _PUBTATOR_LINE.match(first):
        return Detection(Format.PUBTATOR, encoding, compression)
    if first.lstrip().startswith("{"):
        return Detection(Format.JSON if _pretty_json(stripped) else Format.JSONL, encoding, compression)
    if first.lstrip().startswith("[") and (
        ".json" in suffixes or stripped.lstrip("[ \r\n\t").startswith("{")
    ):
        return Detection(Format.JSON, encoding, compression)
    table = _sniff_table(first, suffixes, extra_columns)
    if table:
        return Detection(table[0], encoding, compression, delimiter=table[1])
    return Detection(Format.TEXT, encoding, compression)


def detect(path: str | Path, *, extra_columns: Iterable[str] = ()) -> Detection:
    """Open ``path`` and :func:`sniff` its first bytes. Never raises for a file that exists."""
    try:
        stream, compression = open_binary(path)
    except OSError as exc:
        return Detection(reason=f"cannot be opened ({exc.strerror or exc}); check its permissions")
    with stream:
        sample, error = read_sample(stream)
    if error is not None and not sample:
        kind = compression or "file"
        return Detection(
            reason=f"{kind} data is corrupt or truncated ({error}); re-download or re-compress it"
        )
    complete = error is None and len(sample) < SAMPLE_SIZE
    return sniff(
        sample,
        name=Path(path).name,
        complete=complete,
        compression=compression,
        extra_columns=extra_columns,
    )
