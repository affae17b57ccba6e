"""PubTator format (BioCreative/PubTator annotated abstracts, e.g. the CDR corpus).

A document is a block of lines, blocks separated by blank lines::

    6794356|t|Tricuspid valve regurgitation and lithium carbonate toxicity in a newborn infant.
    6794356|a|A newborn with massive tricuspid regurgitation, ...
    6794356<TAB>0<TAB>29<TAB>Tricuspid valve regurgitation<TAB>Disease<TAB>D014262
    6794356<TAB>CID<TAB>D016651<TAB>D003490

``|t|`` and ``|a|`` give title and abstract; a mention line gives start and end offsets into
``title + " " + abstract``, the mention text, its type and concept id (``-1`` when not
normalised, ``A|B`` for composite mentions); a relation line gives a relation type and two
concept ids. The document id is a PMID when it is numeric, a DOI when it looks like one.

Mentions become :attr:`kg.records.Document.gold_mentions` ``(start, end, type, id)`` with
offsets converted to :attr:`kg.records.Document.text` (title, blank line, abstract: every
abstract offset moves by one). Title and abstract are kept as given (ends stripped) so
offsets stay exact; a mention whose text does not match the document at its converted
offsets is dropped and reported. Relation lines are not part of a Document and are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from kg.ingest.detect import open_text
from kg.ingest.fields import make_document
from kg.ingest.streams import Notes, drain_notes
from kg.records import Document, Skipped

__all__ = ["read_pubtator", "convert_offsets"]

_TEXT_LINE = re.compile(r"^([^|\t]+)\|([ta])\|(.*)$")
_DOI = re.compile(r"^(?:doi:)?(10\.\d{4,9}/\S+)$", re.IGNORECASE)


def _offset(cell: str) -> bool:
    """An offset as PubTator writes it: ASCII digits only (``str.isdigit`` also accepts ``"²"`` and ``"٣"``)."""
    return cell.isascii() and cell.isdigit()


def _looks_numeric(cells: list[str]) -> bool:
    return all(cell and all(c.isdigit() or c.isnumeric() for c in cell) for cell in cells)


def convert_offsets(title_raw: str, abstract_raw: str, start: int, end: int) -> tuple[int, int] | None:
    """Map a span in PubTator's ``title + " " + abstract`` onto Document.text, or None if it straddles both."""
    title, abstract = title_raw.strip(), abstract_raw.strip()
    t_lead = len(title_raw) - len(title_raw.lstrip())
    a_lead = len(abstract_raw) - len(abstract_raw.lstrip())
    if end <= len(title_raw):
        return start - t_lead, end - t_lead
    a_start = len(title_raw) + 1
    if start >= a_start:
        base = len(title) + 2 if title and abstract else 0
        shift = base - a_start - a_lead
        return start + shift, end + shift
    return None


class _Block:
    def __init__(self, line: int) -> None:
        self.line = line
        self.doc_id = ""
        self.title = ""
        self.abstract = ""
        self.mentions: list[tuple[int, int, int, str, str, str]] = []  # line, start, end, text, type, id


def _finish(block: _Block, source: str) -> Iterator[Document | Skipped]:
    title, abstract = block.title.strip(), block.abstract.strip()
    text = f"{title}\n\n{abstract}" if title and abstract else title or abstract
    mentions = []
    for line, start, end, surface, kind, concept in block.mentions:
        span = convert_offsets(block.title, block.abstract, start, end)
        if span is None or span[0] < 0 or text[span[0] : span[1]] != surface:
            yield Skipped(
                source,
                f"annotation {surface!r} at {start}-{end} does not match the text of document {block.doc_id}; dropped",
                f"line {line}",
            )
            continue
        mentions.append((span[0], span[1], kind, concept))
    pmid = block.doc_id if block.doc_id.isdigit() else None
    doi_match = None if pmid else _DOI.match(block.doc_id)
    yield make_document(
        source=source,
        location=f"line {block.line} (document {block.doc_id})",
        pmid=pmid,
        doi=doi_match.group(1) if doi_match else None,
        title=title,
        abstract=abstract,
        gold_mentions=mentions,
        keep_text=True,
    )


def read_pubtator(path: str | Path, *, source: str, encoding: str) -> Iterator[Document | Skipped]:
    """Stream the documents of a PubTator file, one document block in memory at a time."""
    block: _Block | None = None
    with open_text(path, encoding) as handle:
        notes = Notes(handle, source)
        for lineno, raw in enumerate(handle, 1):
            yield from notes()
            line = raw.rstrip("\r\n")
            if not line.strip():
                if block is not None:
                    yield from _finish(block, source)
                    block = None
                continue
            match = _TEXT_LINE.match(line)
            if match:
                doc_id, kind, value = match.groups()
                if block is not None and block.doc_id != doc_id:
                    yield from _finish(block, source)
                    block = None
                if block is None:
                    block = _Block(lineno)
                    block.doc_id = doc_id
                if kind == "t":
                    block.title = value
                else:
                    block.abstract = value
                continue
            cells = line.split("\t")
            if block is None or cells[0] != block.doc_id:
                yield Skipped(
                    source, "annotation line outside its document's block; ignored", f"line {lineno}"
                )
                continue
            if len(cells) >= 5 and not (_offset(cells[1]) and _offset(cells[2])) and _looks_numeric(cells[1:3]):
                yield Skipped(
                    source,
                    f"annotation offsets {cells[1]!r}-{cells[2]!r} are not ASCII digits 0-9; annotation dropped. "
                    "Write offsets with digits 0-9",
                    f"line {lineno}",
                )
                continue
            if len(cells) >= 5 and _offset(cells[1]) and _offset(cells[2]):
                concept = cells[5] if len(cells) > 5 else ""
                block.mentions.append((lineno, int(cells[1]), int(cells[2]), cells[3], cells[4], concept))
            elif len(cells) >= 4:
                continue  # a document-level relation (e.g. CID chemical disease): not part of a Document
            else:
                yield Skipped(source, f"not a PubTator line ({line[:40]!r}); ignored", f"line {lineno}")
        if block is not None:
            yield from _finish(block, source)
        yield from drain_notes(handle, source)
