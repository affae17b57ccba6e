"""How many records the inputs hold, counted cheaply before a build, so its progress bar has an ETA.

The count is the number of records each file's format marks (a PubMed XML ``<PubmedArticle>``,
a MEDLINE ``PMID-`` line, a PubTator title line, a JSON Lines line, a CSV/TSV row, one page),
read without parsing the records. It is an estimate of the documents a build will read: repeats
and unreadable records are dropped later.
Inputs larger than ``max_bytes`` on disk, or in a format whose records cannot be counted this
way (a JSON array), give ``None``: the bar then shows documents/s without an ETA.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from kg.ingest.detect import Detection, Format, detect, open_binary, open_text
from kg.ingest.paths import iter_files, resolve

__all__ = ["count_records", "MAX_COUNT_BYTES"]

#: Inputs up to this size on disk are counted (about a second of reading); larger ones are not.
MAX_COUNT_BYTES = 512 * 1024 * 1024

_ONE_PER_FILE = (Format.HTML, Format.TEXT)
_XML_STARTS = (b"<PubmedArticle>", b"<PubmedArticle ", b"<PubmedBookArticle>", b"<PubmedBookArticle ")


def _count_file(path: Path, det: Detection) -> int | None:
    fmt = det.format
    if fmt in _ONE_PER_FILE:
        return 1
    if fmt is Format.JSON:
        return None
    if fmt in (Format.CSV, Format.TSV):  # rows as the csv module reads them (a quoted field may hold line breaks)
        with open_text(path, det.encoding or "utf-8", newline="") as fh:
            rows = sum(1 for row in csv.reader(fh, delimiter=det.delimiter or ",") if any(c.strip() for c in row))
        return max(0, rows - 1)  # the header
    stream, _ = open_binary(path)
    with stream:
        if fmt is Format.JSONL:  # newlines counted in blocks: one huge line is never held whole
            return sum(block.count(b"\n") for block in iter(lambda: stream.read(1 << 20), b""))
        if fmt is Format.MEDLINE:
            return sum(1 for line in stream if line.startswith(b"PMID-"))
        if fmt is Format.PUBTATOR:
            return sum(1 for line in stream if b"|t|" in line[:40])
        if fmt is Format.PUBMED_XML:
            return sum(line.count(start) for line in stream for start in _XML_STARTS)
    return None


def count_records(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]], *,
                  columns: Mapping[str, str] | None = None, max_bytes: int = MAX_COUNT_BYTES) -> int | None:
    """The number of records in ``paths`` (see the module docs), or None when it is not counted.

    ``columns`` is the build's column mapping (it decides whether a table is recognised as one).

    Never raises for unreadable files (they are left out: the build reports them); a missing
    path raises :class:`kg.errors.InputError`, as the build would.
    """
    files = [path for target in resolve(paths) for path in iter_files(target) if isinstance(path, Path)]
    try:
        if sum(path.stat().st_size for path in files) > max_bytes:
            return None
    except OSError:
        return None
    total = 0
    for path in files:
        det = detect(path, extra_columns=(columns or {}).values())
        if not det.ok or det.format is None:
            continue
        try:
            n = _count_file(path, det)
        except Exception:  # noqa: BLE001  (a damaged file: the build reads what it can and says so)
            continue
        if n is None:
            return None
        total += n
    return total
