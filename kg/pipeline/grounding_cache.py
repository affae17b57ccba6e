"""Each document's grounded mentions kept between builds, so an update grounds only what changed.

:func:`kg.concepts.table.document_concepts` turns one document's NER output into its grounded,
keyed mentions (:class:`~kg.concepts.table.DocumentConcepts`). It reads nothing of the other
documents: only the document's text and NER output, the grounding tables, the linker's
vocabularies and kg's grounding code (:mod:`kg.concepts`, :mod:`kg.vocabularies`). So the result
is kept per document under a key of exactly those (:func:`grounding_fingerprint` with the NER
stack's fingerprint and the SHA-1 of the document's text, which decide its NER output, see
:mod:`kg.pipeline.store`) and reused while the key holds. The corpus-level steps (abbreviations
resolved across documents, text joining linked concepts, labels, types) are then tallied
again over all documents by :func:`kg.concepts.table.assign_concepts`, so the concept table, and
every output, equals a clean build's.

The rows live in a table of the NER cache's file (``OUT/kg.sqlite``, table ``groundings``:
doc_id, key, the record as zlib-compressed JSON; one row per document, rows of documents no
longer in the build removed at the end). JSON keeps a float exactly (its shortest repr). The
cache only saves time: a row that does not decode is grounded again, and a fault in the file
turns the cache off with a :class:`~kg.pipeline.store.CacheWarning`.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
import warnings
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from kg.concepts.table import DocumentConcepts
from kg.nlp.annotate import AnnotatedDoc
from kg.pipeline.store import CacheWarning
from kg.vocabularies.linking import Concept

__all__ = ["GroundingCache", "grounding_fingerprint", "encode_concepts", "decode_concepts", "kept_concepts"]

_SCHEMA = "CREATE TABLE IF NOT EXISTS groundings (doc_id TEXT PRIMARY KEY, key TEXT NOT NULL, data BLOB NOT NULL)"
_KG_ROOT = Path(__file__).resolve().parents[1]
#: kg's code that decides a document's grounding (every module of these packages).
GROUNDING_CODE = ("concepts", "vocabularies")
_MAX_VARS = 500  # ids per SELECT ... IN (...)
_BATCH = 256  # documents looked up (and written) at once


def _data_hash(data: Path) -> str:
    digest = hashlib.sha1()
    for path in sorted(data.rglob("*")) if data.is_dir() else []:
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(data).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def grounding_fingerprint(*, link: bool, species_apart: bool, data: Path | None = None) -> str:
    """What decides a document's grounding besides its text and NER output: the files of ``data``
    (default ``kg/data``: the grounding tables, lexicons and supplements), kg's grounding code
    (:data:`GROUNDING_CODE`) and the build's ``link`` and ``species_apart`` options."""
    digest = hashlib.sha1(json.dumps({"link": link, "species_apart": species_apart}).encode())
    digest.update(_data_hash((data or _KG_ROOT / "data").resolve()).encode())
    for package in GROUNDING_CODE:
        for path in sorted((_KG_ROOT / package).glob("*.py")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def encode_concepts(doc: DocumentConcepts) -> bytes:
    """A :class:`DocumentConcepts` (without its id, which is the key) as zlib-compressed JSON."""
    concepts = [[c.curie, c.name, c.vocabulary, c.url, c.description, c.type, list(c.xrefs), c.category, c.score]
                for c in doc.concepts]
    payload = [[list(m) for m in doc.mentions], concepts, [list(a) for a in doc.abbreviations]]
    return zlib.compress(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 1)


def decode_concepts(doc_id: str, data: bytes) -> DocumentConcepts:
    """Inverse of :func:`encode_concepts`: the equal :class:`DocumentConcepts`."""
    mentions, concepts, abbreviations = json.loads(zlib.decompress(data))
    intern = sys.intern
    return DocumentConcepts(
        doc_id,
        tuple((s, e, p, se, t, n, intern(ty), bool(a), i, k) for s, e, p, se, t, n, ty, a, i, k in mentions),
        tuple(Concept(cu, na, vo, ur, de, ty, tuple(xr), ca, sc) for cu, na, vo, ur, de, ty, xr, ca, sc in concepts),
        tuple((a, b) for a, b in abbreviations))


class GroundingCache:
    """The ``groundings`` table of ``path`` (see the module doc); ``fingerprint`` is what every key
    combines with a document's text hash (:func:`grounding_fingerprint` and the NER stack's)."""

    def __init__(self, path: str | Path, fingerprint: str) -> None:
        self.path, self.fingerprint = Path(path), fingerprint
        self.db = sqlite3.connect(self.path, timeout=60.0)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(_SCHEMA)
        self.db.commit()
        self.reused = self.grounded = 0
        self._pending: list[tuple[str, str, bytes]] = []

    def key(self, text_sha1: str) -> str:
        """The key of a document whose exact text has SHA-1 ``text_sha1``."""
        return hashlib.sha1(f"{self.fingerprint}\0{text_sha1}".encode()).hexdigest()

    def get_many(self, keys: dict[str, str]) -> dict[str, DocumentConcepts]:
        """The kept records of the documents of ``keys`` (doc id -> key) whose key holds."""
        found: dict[str, DocumentConcepts] = {}
        ids = list(keys)
        for i in range(0, len(ids), _MAX_VARS):
            part = ids[i:i + _MAX_VARS]
            rows = self.db.execute(f"SELECT doc_id, key, data FROM groundings WHERE doc_id IN "
                                   f"({','.join('?' * len(part))})", part).fetchall()
            for doc_id, key, data in rows:
                if key != keys[doc_id]:
                    continue
                try:
                    found[doc_id] = decode_concepts(doc_id, data)
                except (zlib.error, ValueError, TypeError):
                    continue  # grounded again
        self.reused += len(found)
        return found

    def put(self, doc: DocumentConcepts, key: str) -> None:
        self.grounded += 1
        self._pending.append((doc.doc_id, key, encode_concepts(doc)))

    def flush(self) -> None:
        """Write the records put since the last flush (one transaction)."""
        if self._pending:
            with self.db:
                self.db.executemany("INSERT OR REPLACE INTO groundings VALUES (?, ?, ?)", self._pending)
            self._pending.clear()

    def finish(self, documents: Iterable[str]) -> None:
        """Write what is pending and drop the rows of documents not in ``documents`` (the build's)."""
        self.flush()
        keep = set(documents)
        gone = [(d,) for (d,) in self.db.execute("SELECT doc_id FROM groundings") if d not in keep]
        if gone:
            with self.db:
                self.db.executemany("DELETE FROM groundings WHERE doc_id = ?", gone)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> GroundingCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def kept_concepts(annotated: Iterable[AnnotatedDoc], ground: Callable[[AnnotatedDoc], DocumentConcepts],
                  cache: GroundingCache | None, text_sha1: Callable[[str], str]) -> Iterator[DocumentConcepts]:
    """Each document's :class:`DocumentConcepts`: kept in ``cache`` when its key holds, else ``ground(doc)``
    (and kept). ``text_sha1``: doc id -> SHA-1 of its exact text. Documents are looked up
    :data:`_BATCH` at a time; a fault in the cache's file turns it off (with a warning), the build goes on."""
    batch: list[AnnotatedDoc] = []
    it = iter(annotated)
    while True:
        batch = [a for _, a in zip(range(_BATCH), it, strict=False)]
        if not batch:
            break
        found: dict[str, DocumentConcepts] = {}
        keys: dict[str, str] = {}
        if cache is not None:
            keys = {a.doc_id: cache.key(text_sha1(a.doc_id)) for a in batch}
            try:
                found = cache.get_many(keys)
            except sqlite3.Error as err:
                cache = _off(cache, err)
        for adoc in batch:
            doc = found.get(adoc.doc_id)
            if doc is None:
                doc = ground(adoc)
                if cache is not None:
                    cache.put(doc, keys[adoc.doc_id])
            yield doc
        if cache is not None:
            try:
                cache.flush()
            except sqlite3.Error as err:
                cache = _off(cache, err)


def _off(cache: GroundingCache, err: sqlite3.Error) -> None:
    warnings.warn(f"{cache.path}: grounded mentions not kept ({err}); grounding every document", CacheWarning,
                  stacklevel=3)
    return None
