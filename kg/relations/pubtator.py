"""Read PubTator files *with* their relations (BioRED, BioCreative V CDR) for training and evaluation.

kg's document reader (:mod:`kg.ingest.pubtator`) keeps mentions but drops relation lines; this reader
keeps both. The text is PubTator's own ``title + " " + abstract`` so mention offsets stay as given;
the title is the first sentence span and the abstract is split by :func:`kg.relations.text.split_sentences`.

Mention lines ``pmid, start, end, text, type, id[, ...]``: composite ids (``A,B`` in BioRED, ``A|B`` in
CDR, MeSH ids only) give one :class:`Mention` per id; ``-1``/``-``/empty ids are dropped (not normalised, so they
cannot take part in a concept-level relation). Relation lines ``pmid, type, id1, id2[, novelty]``:
BioRED marks novelty ``Novel``/``No``; CDR's ``CID`` lines have none (taken as novel).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from kg.errors import InputError
from kg.relations.records import GoldRelation, Mention, RelationDocument
from kg.relations.text import split_sentences

__all__ = ["AnnotatedDocument", "read_pubtator_relations", "parse_pubtator_relations"]

_TEXT_LINE = re.compile(r"^([^|\t]+)\|([ta])\|(.*)$")
_COMPOSITE = re.compile(r"[,;]")
_MESH_LIKE = re.compile(r"^(?:MESH:)?[A-Z]\d+$")
_NO_ID = {"", "-", "-1"}

AnnotatedDocument = tuple[RelationDocument, tuple[GoldRelation, ...]]


def parse_pubtator_relations(lines: Iterator[str] | list[str], source: str = "<text>") -> Iterator[AnnotatedDocument]:
    """Documents and their gold relations from PubTator lines (blank lines between documents)."""
    block: dict | None = None
    for lineno, raw in enumerate(lines, 1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            if block is not None:
                yield _finish(block)
                block = None
            continue
        match = _TEXT_LINE.match(line)
        if match:
            doc_id, kind, value = match.groups()
            if block is not None and block["id"] != doc_id:
                yield _finish(block)
                block = None
            if block is None:
                block = {"id": doc_id, "t": "", "a": "", "mentions": [], "relations": []}
            block[kind] = value
            continue
        cells = line.split("\t")
        if block is None or cells[0] != block["id"]:
            raise InputError(source, "annotation line outside its document's block", location=f"line {lineno}")
        if len(cells) >= 6 and cells[1].isdigit() and cells[2].isdigit():
            start, end = int(cells[1]), int(cells[2])
            for concept in _split_ids(cells[5]):
                if concept.strip() not in _NO_ID:
                    block["mentions"].append(Mention(start, end, cells[4], concept.strip()))
        elif len(cells) >= 4 and not cells[1].isdigit():
            novel = len(cells) < 5 or cells[4].strip().lower() != "no"
            block["relations"].append(GoldRelation(block["id"], cells[1], cells[2], cells[3], novel))
        elif len(cells) == 5:
            continue  # a mention without an id
        else:
            raise InputError(source, f"not a PubTator line: {line[:60]!r}", location=f"line {lineno}")
    if block is not None:
        yield _finish(block)


def _split_ids(cell: str) -> list[str]:
    """Concept ids of one mention: ``A,B`` always; ``A|B`` only when every part is a MeSH-like id
    (CDR), since BioRED's variant ids contain ``|`` (``c|INS|5382|C``)."""
    ids = []
    for part in _COMPOSITE.split(cell):
        pieces = part.split("|")
        ids += pieces if len(pieces) > 1 and all(_MESH_LIKE.match(p.strip()) for p in pieces) else [part]
    return ids


def _finish(block: dict) -> AnnotatedDocument:
    title, abstract = block["t"], block["a"]
    text = f"{title} {abstract}" if abstract else title
    sentences = [(0, len(title))] if title else []
    offset = len(title) + 1
    sentences += [(offset + s, offset + e) for s, e in split_sentences(abstract)]
    doc = RelationDocument(block["id"], text, tuple(block["mentions"]), tuple(sentences))
    return doc, tuple(block["relations"])


def read_pubtator_relations(path: str | Path) -> list[AnnotatedDocument]:
    """All documents of a PubTator file with their relations."""
    path = Path(path)
    if not path.is_file():
        raise InputError(str(path), "no such PubTator file; give the path of a .PubTator file (BioRED, CDR)")
    with path.open(encoding="utf-8") as handle:
        return list(parse_pubtator_relations(handle, str(path)))
