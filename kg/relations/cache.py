"""Per-document relation predictions kept between builds, so an update predicts only what changed.

The relation step (:func:`kg.relations.aggregate.predict_relations`) reads each document's grounded
mentions of the graph's concepts and predicts the concept pairs the build asks about. A pair's
features (:func:`kg.relations.features.document_pairs`) depend only on the document: its text, its
sentence spans and the mentions it is given; never on the other pairs asked about. So a document's
predictions can be kept under a key of exactly those (:func:`document_key`, with the relation model's
files and kg's relation code) and reused while the key holds: the rows are the same floats, and the
statements table, the edges' relation columns and every file equal a clean build's.

What changes between builds is which of a document's pairs are asked (the graph's pairs: a new
document can make a pair co-occur, a generic term can come or go, changing which mentions a
document is given and so its key). Each document's row keeps the pairs it was asked about; a
build that asks only about pairs among them reuses the row (filtered); one that asks about more
predicts only those (with the union of the missing pairs of its batch) and adds them to the row.
A document whose key changed is predicted again and its row replaced.

The rows live in a table of the NER cache's file (``OUT/kg.sqlite``, table ``relation_predictions``:
doc_id, key, asked pairs and predictions as zlib-compressed JSON; one row per document, rows of
documents no longer in the build removed at the end). JSON keeps a float exactly (its shortest repr).
The cache only saves time: a row that does not decode is predicted again.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kg.relations.records import RelationDocument

__all__ = ["RelationCache", "Kept", "document_key", "relation_stack_hash", "asked_pairs", "split_cached"]

_SCHEMA = """CREATE TABLE IF NOT EXISTS relation_predictions (
    doc_id TEXT PRIMARY KEY, key TEXT NOT NULL, asked BLOB NOT NULL, rows BLOB NOT NULL)"""
_RELATIONS_CODE = Path(__file__).resolve().parent
_MAX_VARS = 500  # ids per SELECT ... IN (...)


@lru_cache(maxsize=4)
def relation_stack_hash(model_folder: str) -> str:
    """SHA-1 of the relation model's files and of kg's relation code (kg/relations/*.py)."""
    digest = hashlib.sha1()
    for path in [*sorted(Path(model_folder).iterdir()), *sorted(_RELATIONS_CODE.glob("*.py"))]:
        if path.is_file():
            digest.update(path.name.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def document_key(doc: RelationDocument, stack: str) -> str:
    """What a document's predictions depend on: its id, text, sentences and mentions, and the model stack."""
    digest = hashlib.sha1(stack.encode("ascii"))
    digest.update(json.dumps([doc.id, doc.text, doc.sentences, sorted((m.start, m.end, m.type, m.concept) for m in doc.mentions)],
                             ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()


def asked_pairs(doc: RelationDocument, only: Iterable[tuple[str, str]] | None) -> set[tuple[str, str]]:
    """The sorted concept pairs of ``doc`` among ``only``."""
    concepts = sorted({m.concept for m in doc.mentions})
    pairs = {(a, b) for i, a in enumerate(concepts) for b in concepts[i + 1:]}
    return pairs if only is None else {p for p in pairs if p in only}


class RelationCache:
    """The ``relation_predictions`` table of ``path`` (see the module doc)."""

    def __init__(self, path: str | Path, stack: str) -> None:
        self.path, self.stack = Path(path), stack
        self.db = sqlite3.connect(self.path, timeout=60.0)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(_SCHEMA)
        self.db.commit()
        self.reused = self.predicted = 0
        self._pending: list[tuple[str, str, bytes, bytes]] = []

    def lookup(self, doc: RelationDocument, asked: set[tuple[str, str]]) -> Kept:
        """The document's key and what is kept of it for ``asked`` (:class:`Kept`)."""
        return self.lookup_many([doc], [asked])[0]

    def lookup_many(self, docs: Sequence[RelationDocument], asked: Sequence[set[tuple[str, str]]]) -> list[Kept]:
        """:meth:`lookup` of each of ``docs`` (with the pairs asked of it), the rows read in one query per
        :data:`_MAX_VARS` documents."""
        stored: dict[str, tuple[str, bytes, bytes]] = {}
        ids = [d.id for d in docs]
        for i in range(0, len(ids), _MAX_VARS):
            part = ids[i:i + _MAX_VARS]
            for doc_id, *row in self.db.execute("SELECT doc_id, key, asked, rows FROM relation_predictions WHERE "
                                                f"doc_id IN ({','.join('?' * len(part))})", part):
                stored[doc_id] = tuple(row)
        return [self._kept(doc, pairs, stored.get(doc.id)) for doc, pairs in zip(docs, asked, strict=True)]

    def _kept(self, doc: RelationDocument, asked: set[tuple[str, str]], row: tuple | None) -> Kept:
        key = document_key(doc, self.stack)
        if row is None or row[0] != key:
            return Kept(key, set(), [], asked)
        try:
            had = {tuple(p) for p in json.loads(zlib.decompress(row[1]))}
            if asked <= had:  # all kept: the rows are read, no pair is missing
                rows = [(*r[:-1], tuple(r[-1])) for r in json.loads(zlib.decompress(row[2]))]
                self.reused += 1
                return Kept(key, had, rows, set())
            rows = [(*r[:-1], tuple(r[-1])) for r in json.loads(zlib.decompress(row[2]))]
        except (zlib.error, ValueError, TypeError):
            return Kept(key, set(), [], asked)
        return Kept(key, had, rows, asked - had)

    def put(self, doc_id: str, key: str, asked: set[tuple[str, str]], rows: list[tuple]) -> None:
        self.predicted += 1
        self._pending.append((doc_id, key, zlib.compress(json.dumps(sorted(asked)).encode("utf-8"), 1),
                              zlib.compress(json.dumps(rows, ensure_ascii=False).encode("utf-8"), 1)))

    def finish(self, documents: Iterable[str]) -> None:
        """Write the new rows and drop those of documents not in ``documents`` (the build's)."""
        keep = set(documents)
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO relation_predictions VALUES (?, ?, ?, ?)", self._pending)
            gone = [(d,) for (d,) in self.db.execute("SELECT doc_id FROM relation_predictions") if d not in keep]
            self.db.executemany("DELETE FROM relation_predictions WHERE doc_id = ?", gone)
        self._pending.clear()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> RelationCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class Kept:
    """A document's key, the pairs its kept row was asked about (``had``), that row's predictions
    (sorted by pair) and the pairs asked now that it lacks (``missing``: to predict)."""

    key: str
    had: set[tuple[str, str]]
    rows: list[tuple]
    missing: set[tuple[str, str]]

    def merged(self, asked: set[tuple[str, str]], fresh: list[tuple]) -> tuple[set[tuple[str, str]], list[tuple],
                                                                              list[tuple]]:
        """(the pairs now known, their rows, the rows of ``asked``) with the ``fresh`` rows of the missing pairs
        added, in pair order as the model gives them."""
        rows = sorted([*self.rows, *(r for r in fresh if (r[1], r[2]) in self.missing)], key=lambda r: (r[1], r[2]))
        return self.had | self.missing, rows, [r for r in rows if (r[1], r[2]) in asked]


def split_cached(documents: Iterable[RelationDocument], only: set[tuple[str, str]] | None, cache: RelationCache
                 ) -> Iterator[tuple[RelationDocument, set[tuple[str, str]], Kept]]:
    """Each document with the pairs asked of it and what the cache keeps of it (looked up in bulk)."""
    docs = list(documents)
    asked = [asked_pairs(doc, only) for doc in docs]
    yield from zip(docs, asked, cache.lookup_many(docs, asked), strict=True)
