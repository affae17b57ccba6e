"""The ingest entry points: paths in, a stream of deduplicated Documents out, with a report.

:func:`iter_documents` resolves ``paths`` (raising :class:`kg.errors.InputError` for a
missing one before anything is read), then for each file: detects its format
(:mod:`kg.ingest.detect`), streams it through that format's reader, drops repeats of papers
already seen (:mod:`kg.ingest.dedupe`) and records everything in an :class:`IngestReport`.
A bad file or record never stops the run: it is reported and the rest is read. If the run
ends without a single document, :class:`kg.errors.NothingToBuildError` explains what was
looked at and why nothing came of it.
"""

from __future__ import annotations

import contextlib
import logging
import lzma
import os
import zlib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from kg.errors import InputError, NothingToBuildError
from kg.ingest.dedupe import Deduplicator
from kg.ingest.detect import FORMAT_NAMES, SUPPORTED, Detection, Format, detect
from kg.ingest.fields import FIELD_ALIASES
from kg.ingest.html_page import read_html
from kg.ingest.medline import read_medline
from kg.ingest.names import display_path, display_text
from kg.ingest.paths import Target, iter_files, resolve
from kg.ingest.pubmed_xml import read_pubmed_xml
from kg.ingest.pubtator import read_pubtator
from kg.ingest.report import IngestReport
from kg.ingest.scraped import read_page
from kg.ingest.tabular import read_json_array, read_jsonl, read_table
from kg.records import Document, Skipped

__all__ = ["iter_documents", "read_documents", "MAX_SKIPS_PER_FILE"]

logger = logging.getLogger(__name__)

#: Record-level skips listed one by one per file; beyond this they are counted in one line.
MAX_SKIPS_PER_FILE = 50

PathsArg = str | os.PathLike[str] | Iterable[str | os.PathLike[str]]


def _check_columns(columns: Mapping[str, str] | None) -> dict[str, str]:
    if not columns:
        return {}
    unknown = sorted(set(columns) - set(FIELD_ALIASES))
    if unknown:
        raise InputError(
            "--column",
            f"unknown field(s) {', '.join(map(repr, unknown))}; map one of {', '.join(FIELD_ALIASES)} "
            "to your column name, e.g. --column abstract=AB",
        )
    empty = sorted(k for k, v in columns.items() if not str(v).strip())
    if empty:
        raise InputError("--column", f"no column name given for {', '.join(empty)}; write FIELD=COLUMN")
    return {k: str(v) for k, v in columns.items()}


def _note(report: IngestReport, skip: Skipped) -> None:
    """Add ``skip`` to the report with its texts made safe to print (no raw escape sequences, no surrogates)."""
    report.skipped.append(Skipped(display_path(skip.source), display_text(skip.reason),
                                  display_text(skip.location) if skip.location else None))


def _reader(path: Path, det: Detection, source: str, columns: dict[str, str]) -> Iterator[Document | Skipped]:
    enc = det.encoding or "utf-8"
    fmt = det.format
    if fmt is Format.PUBMED_XML:
        return read_pubmed_xml(path, source=source)
    if fmt is Format.MEDLINE:
        return read_medline(path, source=source, encoding=enc)
    if fmt is Format.PUBTATOR:
        return read_pubtator(path, source=source, encoding=enc)
    if fmt is Format.JSONL:
        return read_jsonl(path, source=source, encoding=enc, columns=columns)
    if fmt is Format.JSON:
        return read_json_array(path, source=source, encoding=enc, columns=columns)
    if fmt in (Format.CSV, Format.TSV):
        return read_table(path, source=source, encoding=enc, delimiter=det.delimiter or ",", columns=columns)
    if fmt is Format.HTML:
        return read_html(path, source=source, encoding=enc)
    return read_page(path, source=source, encoding=enc)


def _read_file(
    path: Path, report: IngestReport, columns: dict[str, str], deduper: Deduplicator | None
) -> Iterator[Document]:
    source = display_path(path)
    det = detect(path, extra_columns=columns.values())
    if not det.ok:
        logger.info("skipped %s: %s", source, det.reason)
        _note(report, Skipped(source, det.reason or "unreadable"))
        return
    assert det.format is not None
    label = det.format.value + (
        f" ({det.encoding})" if det.encoding not in ("utf-8", "utf-8-sig", None) else ""
    )
    report.files_read.append(source)
    report.formats[source] = label
    report.counts[source] = 0
    records = skips = 0
    reader = _reader(path, det, source, columns)
    with contextlib.closing(reader):  # type: ignore[type-var]
        try:
            for item in reader:
                if isinstance(item, Skipped):
                    skips += 1
                    if skips <= MAX_SKIPS_PER_FILE:
                        _note(report, item)
                    continue
                records += 1
                if deduper is not None and deduper.is_duplicate(item):
                    report.duplicates.append((item.id, source))
                    continue
                report.flagged.extend((item.id, flag) for flag in item.flags)
                report.documents += 1
                report.counts[source] += 1
                yield item
        except (EOFError, OSError, zlib.error, lzma.LZMAError) as exc:
            what = f"{det.compression} data" if det.compression else "the file"
            _note(report,
                Skipped(
                    source,
                    f"{what} ends early or is corrupt ({exc}); the {records} record(s) read before were kept and the "
                    "rest is lost. Re-download or re-compress the file",
                    f"record {records + 1}",
                )
            )
        except Exception as exc:  # noqa: BLE001 - one unreadable file must not stop the run
            logger.debug("error reading %s", source, exc_info=True)
            _note(report,
                Skipped(
                    source,
                    f"could not be read as {FORMAT_NAMES[det.format]} ({type(exc).__name__}: {exc}); the {records} "
                    "record(s) before were kept. Check the file; if it is valid, please report this as a kg bug",
                    f"record {records + 1}",
                )
            )
    if skips > MAX_SKIPS_PER_FILE:
        _note(report,
            Skipped(
                source, f"... and {skips - MAX_SKIPS_PER_FILE} more record(s) or line(s) skipped in this file"
            )
        )


def _nothing_message(targets: list[Target], report: IngestReport) -> str:
    given = ", ".join(t.given for t in targets)
    lines = [f"No document could be read from {given}.", f"kg looked for {SUPPORTED}."]
    looked = len(report.files_read) + len({s.source for s in report.skipped} - set(report.files_read))
    lines.append(f"Files looked at: {looked}.")
    for source in report.files_read[:20]:
        lines.append(
            f"  {source}: read as {report.formats.get(source)}, {report.counts.get(source, 0)} document(s)"
        )
    for skip in report.skipped[:20]:
        lines.append(f"  skipped {skip}")
    if len(report.skipped) > 20:
        lines.append(f"  ... and {len(report.skipped) - 20} more skipped")
    if report.duplicates:
        lines.append(
            f"  {len(report.duplicates)} record(s) were repeats of papers already read (dedupe=False keeps them)."
        )
    lines.append(
        "Give files in one of these formats, or map your columns with --column (e.g. --column abstract=AB)."
    )
    return "\n".join(lines)


def _stream(
    targets: list[Target], report: IngestReport, columns: dict[str, str], dedupe: bool
) -> Iterator[Document]:
    deduper = Deduplicator() if dedupe else None
    for target in targets:
        files = unread = 0
        read_before = len(report.files_read)
        docs_before = report.documents
        for path in iter_files(target):
            if isinstance(path, Skipped):  # a bad path, an unreadable folder, a FIFO, kg's own output folder...
                unread += 1
                logger.info("skipped %s", path)
                _note(report, path)
                continue
            files += 1
            yield from _read_file(path, report, columns, deduper)
        if target.kind in ("folder", "glob") and files == 0 and unread == 0:
            _note(report,
                Skipped(target.given, "folder has no files to read (hidden files and folders are ignored)")
            )
        elif (
            target.kind in ("folder", "glob")
            and files
            and report.documents == docs_before
            and len(report.files_read) == read_before
        ):
            _note(report,
                Skipped(
                    target.given,
                    f"no readable file among its {files} file(s); see the reasons listed for each",
                )
            )
    if report.documents == 0:
        raise NothingToBuildError(_nothing_message(targets, report))


def iter_documents(
    paths: PathsArg,
    *,
    report: IngestReport | None = None,
    columns: Mapping[str, str] | None = None,
    dedupe: bool = True,
) -> Iterator[Document]:
    """Stream the Documents in ``paths`` (files, folders, glob patterns), each paper once.

    ``report`` is filled while iterating; ``columns`` maps kg's field names to a table's own
    column names (``{"abstract": "AB"}``); ``dedupe=False`` yields repeats too. Raises
    :class:`kg.errors.InputError` at once for a missing path or a bad ``columns`` mapping,
    and :class:`kg.errors.NothingToBuildError` at the end of an iteration that found nothing.
    """
    targets = resolve(paths)
    checked = _check_columns(columns)
    return _stream(targets, report if report is not None else IngestReport(), checked, dedupe)


def read_documents(paths: PathsArg, **kwargs: object) -> tuple[list[Document], IngestReport]:
    """All Documents of ``paths`` in a list, with the report (same keywords as :func:`iter_documents`)."""
    report = kwargs.pop("report", None) or IngestReport()
    docs = list(iter_documents(paths, report=report, **kwargs))  # type: ignore[arg-type]
    return docs, report  # type: ignore[return-value]
