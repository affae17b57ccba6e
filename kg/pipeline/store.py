"""An embedded SQLite store of documents and their NER output, so a rebuild only annotates what changed.

One file (``<out>/kg.sqlite`` by default) holds two tables:

``documents``    one row per document id: the bibliographic fields (title, abstract, DOI,
                 PMID, authors, ...) so evidence sentences and links can be read back, and
                 two hashes of the text: :func:`kg.records.text_hash` (normalised) and the
                 SHA-1 of :attr:`Document.text` exactly as NER saw it.
``annotations``  one row per (document id, fingerprint): the :class:`~kg.nlp.annotate.AnnotatedDoc`
                 as compact JSON of tuples, zlib-compressed.

A stored annotation is used only when the document's text is *exactly* the stored one
(mention offsets index into it: a whitespace or case change moves or changes them) and
the fingerprint matches: :func:`stack_fingerprint` combines
:func:`kg.nlp.models.model_fingerprint` of every model in the stack, in order, with the
versions of spaCy and scispaCy and :func:`ner_code_hash` (kg's NER code and the lexicon
data it reads), so a new model, a new library or a change to the annotation code
re-annotates everything. When a document's
text changes, its annotations under every fingerprint are dropped.

Writes are atomic per batch: :meth:`MentionStore.put_many` is one transaction in WAL mode,
so a build killed at any point (Ctrl-C, ``kill -9``) leaves every batch either wholly
written or not at all, and the next run redoes only the missing ones.

>>> with MentionStore("out/kg.sqlite") as store:                     # doctest: +SKIP
...     fp = stack_fingerprint(["kg_biomed"])
...     hits = store.get_many(documents, fp)                          # doc id -> AnnotatedDoc
...     store.put_many([(d, a) for d, a in zip(new_docs, annotated)], fp)
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
import time
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kg.errors import KgError
from kg.nlp.annotate import AnnotatedDoc, Mention
from kg.nlp.models import model_fingerprint
from kg.records import Document, text_hash
from kg.vocabularies.datacache import module_source

__all__ = ["MentionStore", "Lookup", "stack_fingerprint", "describe_stack", "fingerprint_of", "ner_code_hash", "ner_modules", "kg_imports", "exact_hash", "encode_annotations", "decode_annotations",
           "DEFAULT_STORE_NAME", "SCHEMA_VERSION"]

#: File name of the store inside a build's output folder.
DEFAULT_STORE_NAME = "kg.sqlite"
#: Version of the tables and of the annotation encoding; another version is refused with a message.
SCHEMA_VERSION = 1

# Files of kg/data read only after NER (edge filtering, licences): editing them keeps the stored mentions.
_NOT_NER_DATA = frozenset({"generic_terms.txt", "LICENSES.md"})
_MAX_VARS = 500  # ids per SELECT ... IN (...): well under SQLite's limit on bound parameters

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    text_hash TEXT NOT NULL,
    text_sha1 TEXT NOT NULL,
    title TEXT NOT NULL,
    abstract TEXT NOT NULL,
    doi TEXT, pmid TEXT, pmcid TEXT,
    authors TEXT NOT NULL,
    journal TEXT,
    year INTEGER,
    keywords TEXT NOT NULL,
    mesh_terms TEXT NOT NULL,
    language TEXT,
    source TEXT NOT NULL,
    flags TEXT NOT NULL,
    gold_mentions TEXT NOT NULL,
    row_sha1 TEXT NOT NULL,
    updated REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_text_hash ON documents (text_hash);
CREATE TABLE IF NOT EXISTS fingerprints (fingerprint TEXT PRIMARY KEY, description TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS annotations (
    doc_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (doc_id, fingerprint)
) WITHOUT ROWID;
"""

_DOC_COLUMNS = ("id", "text_hash", "text_sha1", "title", "abstract", "doi", "pmid", "pmcid", "authors", "journal",
                "year", "keywords", "mesh_terms", "language", "source", "flags", "gold_mentions", "row_sha1", "updated")


# -- fingerprints and hashes -----------------------------------------------------------------------

def exact_hash(doc: Document) -> str:
    """SHA-1 of the text exactly as NER sees it (:attr:`Document.text`): offsets are only valid for it."""
    return hashlib.sha1(doc.text.encode("utf-8")).hexdigest()


def kg_imports(module: str) -> set[str]:
    """The ``kg.*`` modules that ``module``'s source imports anywhere (module level or inside functions)."""
    import ast
    import importlib.util

    spec = importlib.util.find_spec(module)
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return set()
    found: set[str] = set()
    for node in ast.walk(ast.parse(Path(spec.origin).read_bytes())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("kg.")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "kg":
                found |= {f"kg.{a.name}" for a in node.names if importlib.util.find_spec(f"kg.{a.name}")}
            elif node.module.startswith("kg."):
                found.add(node.module)
                package = importlib.util.find_spec(node.module)
                if package is not None and package.submodule_search_locations:  # `from kg.graph import scores`
                    found |= {f"{node.module}.{a.name}" for a in node.names
                              if importlib.util.find_spec(f"{node.module}.{a.name}")}
    return found


@lru_cache(maxsize=1)
def ner_modules() -> list[str]:
    """kg's modules that decide NER output: :mod:`kg.nlp.annotate`, the modules behind kg's spaCy
    components and architectures (loaded by spaCy through entry points, not imported by
    kg.nlp.annotate: the entity tagger, the dictionary features, ...), and everything they import."""
    from importlib.metadata import entry_points

    todo = ["kg.nlp.annotate", *(ep.value.split(":")[0] for group in ("spacy_factories", "spacy_architectures")
                         for ep in entry_points(group=group) if ep.value.startswith("kg.")),
            "kg.nlp.entity_tagger", "kg.nlp.gazetteer"]  # also when kg is not installed as a distribution
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(kg_imports(name) - seen)
    return sorted(seen)


def ner_code_hash() -> str:
    """A hash of what decides NER output besides the models: kg's NER code and the data it reads.

    That is the source of :func:`ner_modules` and the files of ``kg/data`` (gene symbols, supplements, ...) except those only used
    after NER (:data:`_NOT_NER_DATA`). A change to any of them re-annotates on the next build.
    """
    digest = hashlib.sha1()
    for name in ner_modules():  # a name that is no module raises (module_source)
        digest.update(name.encode() + b"\0" + module_source(name))
    data = Path(__file__).parent.parent / "data"
    for path in sorted(data.rglob("*")) if data.is_dir() else []:
        if path.is_file() and path.name not in _NOT_NER_DATA:
            digest.update(path.relative_to(data).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def describe_stack(models: Sequence[str]) -> str:
    """The human-readable identity of a model stack and the code that runs it (what is hashed)."""
    from importlib.metadata import PackageNotFoundError, version

    def pkg(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "none"

    parts = [model_fingerprint(m) for m in models]
    parts.append(f"spacy={pkg('spacy')} scispacy={pkg('scispacy')} kg-ner-code={ner_code_hash()} schema={SCHEMA_VERSION}")
    return " + ".join(parts)


def stack_fingerprint(models: Sequence[str]) -> str:
    """A short id of everything that decides NER output: the models in order, library versions, kg's NER code.

    Raises :class:`~kg.errors.ModelNotFoundError` for a model that cannot be found.
    """
    return fingerprint_of(describe_stack(models))


def fingerprint_of(description: str) -> str:
    """The fingerprint of a :func:`describe_stack` description."""
    return hashlib.sha1(description.encode("utf-8")).hexdigest()[:20]


# -- encoding -----------------------------------------------------------------------------------

def encode_annotations(annotated: AnnotatedDoc) -> bytes:
    """An AnnotatedDoc (without its id, which is the key) as zlib-compressed JSON of tuples."""
    mentions = [
        [m.start, m.end, m.text, m.type, m.label, m.source, m.sent, m.para,
         None if m.norm_text == m.text else m.norm_text]
        for m in annotated.mentions
    ]
    payload = [annotated.sentences, mentions, annotated.abbreviations]
    return zlib.compress(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 6)


def decode_annotations(doc_id: str, data: bytes) -> AnnotatedDoc:
    """Inverse of :func:`encode_annotations`: the equal AnnotatedDoc."""
    sentences, mentions, abbreviations = json.loads(zlib.decompress(data))
    return AnnotatedDoc(
        doc_id=doc_id,
        sentences=tuple(tuple(s) for s in sentences),
        mentions=tuple(
            Mention(start=s, end=e, text=t, type=sys.intern(ty), label=sys.intern(la), source=sys.intern(so),
                    sent=se, para=pa, norm_text=t if norm is None else norm)
            for s, e, t, ty, la, so, se, pa, norm in mentions
        ),
        abbreviations=tuple(tuple(p) for p in abbreviations),
    )


def _doc_row(doc: Document, *, normalised_hash: str | None = None) -> tuple:
    """The ``documents`` row of ``doc`` up to ``row_sha1`` (a hash of the fields before it).

    ``normalised_hash`` is :func:`~kg.records.text_hash` of its title and abstract when the caller
    already has it (a stored row whose exact text is this document's)."""
    dump = json.dumps
    row = (doc.id, normalised_hash or text_hash(doc.title, doc.abstract), exact_hash(doc), doc.title or "", doc.abstract or "",
           doc.doi, doc.pmid, doc.pmcid, dump(list(doc.authors), ensure_ascii=False), doc.journal, doc.year,
           dump(list(doc.keywords), ensure_ascii=False), dump(list(doc.mesh_terms), ensure_ascii=False),
           doc.language, doc.source or "", dump(list(doc.flags)), dump([list(g) for g in doc.gold_mentions]))
    return (*row, hashlib.sha1(dump(row, ensure_ascii=False).encode("utf-8")).hexdigest())


def _row_doc(row: sqlite3.Row) -> Document:
    load = json.loads
    return Document(
        id=row["id"], title=row["title"], abstract=row["abstract"], doi=row["doi"], pmid=row["pmid"],
        pmcid=row["pmcid"], authors=tuple(load(row["authors"])), journal=row["journal"], year=row["year"],
        keywords=tuple(load(row["keywords"])), mesh_terms=tuple(load(row["mesh_terms"])), language=row["language"],
        source=row["source"], flags=tuple(load(row["flags"])),
        gold_mentions=tuple(tuple(g) for g in load(row["gold_mentions"])),
    )


def _chunked(items: Sequence, size: int) -> Iterator[Sequence]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


# -- the store ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Lookup:
    """What :meth:`MentionStore.lookup` found for a sequence of documents."""

    annotations: tuple[AnnotatedDoc | None, ...]
    """Per input document, in order: the stored annotations, or None when it must be annotated."""
    stale: tuple[Document, ...] = ()
    """Hits whose bibliographic fields differ from the stored row (the text is the same)."""


class MentionStore:
    """Documents and their NER output in one SQLite file (WAL mode, one transaction per batch).

    Use one store per process (it is not shared between threads at the same time); other
    processes may read it while a build writes it.
    """

    def __init__(self, path: str | Path, *, timeout: float = 60.0) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            self.path = self.path / DEFAULT_STORE_NAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._known_fingerprints: set[str] = set()
        self._db: sqlite3.Connection | None = sqlite3.connect(
            self.path, timeout=timeout, isolation_level=None, check_same_thread=False
        )
        try:
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # in WAL mode: consistent after any crash
            self._setup()
        except sqlite3.DatabaseError as err:
            self._db.close()
            raise KgError(
                f"cannot use {self.path} as kg's mention store ({err}). If it is damaged or not a kg store, "
                f"delete it (it is rebuilt on the next build); if its folder is read-only, write the build "
                f"elsewhere (--out); or build without the cache (--no-cache)"
            ) from err
        except BaseException:
            self._db.close()
            raise

    def _setup(self) -> None:
        with self._transaction():
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            row = self._db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            if row is None:
                self._db.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            elif int(row[0]) != SCHEMA_VERSION:
                raise KgError(
                    f"{self.path} was written by another version of kg (store schema {row[0]}, this kg reads "
                    f"{SCHEMA_VERSION}). Delete the file to rebuild the cache, or build with --no-cache"
                )

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed whole, or rolled back on any exception (Ctrl-C included)."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- reading ------------------------------------------------------------------------------
    def lookup(self, documents: Sequence[Document], fingerprint: str) -> Lookup:
        """For each document, in order, its stored annotations if text and fingerprint match (else None).

        Also names the hits whose other fields (authors, year, ...) changed since they were
        stored: pass them as ``documents=`` to :meth:`put_many` to refresh them.
        """
        found: dict[str, tuple[str, str, str, bytes | None]] = {}
        ids = list(dict.fromkeys(d.id for d in documents))
        for part in _chunked(ids, _MAX_VARS):
            marks = ",".join("?" * len(part))
            rows = self._db.execute(
                f"SELECT d.id, d.text_sha1, d.text_hash, d.row_sha1, a.data FROM documents d LEFT JOIN annotations a "
                f"ON a.doc_id = d.id AND a.fingerprint = ? WHERE d.id IN ({marks})",
                (fingerprint, *part),
            )
            for doc_id, sha, normalised, row_sha, data in rows:
                found[doc_id] = (sha, normalised, row_sha, data)
        annotations: list[AnnotatedDoc | None] = []
        stale: list[Document] = []
        for doc in documents:
            sha, normalised, row_sha, data = found.get(doc.id, (None, None, None, None))
            if data is None or sha != exact_hash(doc):
                annotations.append(None)
                continue
            annotations.append(decode_annotations(doc.id, data))
            # the same exact text has the same normalised hash: the stored one is used
            if row_sha != _doc_row(doc, normalised_hash=normalised)[-1]:
                stale.append(doc)
        return Lookup(tuple(annotations), tuple(stale))

    def get_many(self, documents: Sequence[Document], fingerprint: str) -> dict[str, AnnotatedDoc]:
        """Stored annotations of ``documents`` whose exact text and ``fingerprint`` match: doc id -> AnnotatedDoc.

        A document that is new, whose text changed, or that was annotated by another model
        stack is absent from the result: it has to be annotated again.
        """
        found = self.lookup(documents, fingerprint).annotations
        return {d.id: a for d, a in zip(documents, found, strict=True) if a is not None}

    def documents(self, ids: Iterable[str] | None = None) -> Iterator[Document]:
        """Stored documents (all, in id order, or those of ``ids`` that are stored) with their bibliographic fields."""
        if ids is None:
            for row in self._db.execute("SELECT * FROM documents ORDER BY id"):
                yield _row_doc(row)
            return
        for part in _chunked(list(ids), _MAX_VARS):
            marks = ",".join("?" * len(part))
            for row in list(self._db.execute(f"SELECT * FROM documents WHERE id IN ({marks})", tuple(part))):
                yield _row_doc(row)

    def __len__(self) -> int:
        return self._db.execute("SELECT count(*) FROM documents").fetchone()[0]

    # -- writing ------------------------------------------------------------------------------
    def put_many(
        self,
        pairs: Sequence[tuple[Document, AnnotatedDoc]],
        fingerprint: str,
        *,
        description: str | None = None,
        documents: Sequence[Document] = (),
    ) -> None:
        """Store documents with their annotations under ``fingerprint``, all in ONE transaction.

        A document whose text differs from the stored one loses its annotations under
        every other fingerprint. ``documents`` are further documents (without new
        annotations) whose bibliographic fields are refreshed in the same transaction.
        ``description`` (see :func:`describe_stack`) is recorded once per fingerprint.
        """
        for doc, annotated in pairs:
            if doc.id != annotated.doc_id:
                raise KgError(f"annotations of {annotated.doc_id!r} paired with document {doc.id!r}: a bug in the caller")
        if not pairs and not documents:
            return
        now = time.time()
        # Encode before the transaction: the write lock is held only for the writes.
        last: dict[str, tuple] = {}
        for doc in documents:
            last[doc.id] = ((*_doc_row(doc), now), None)
        for doc, annotated in pairs:
            last[doc.id] = ((*_doc_row(doc), now), encode_annotations(annotated))
        cols = ",".join(_DOC_COLUMNS)
        update = ",".join(f"{c}=excluded.{c}" for c in _DOC_COLUMNS[1:])
        with self._transaction() as db:
            if fingerprint not in self._known_fingerprints:
                db.execute("INSERT OR IGNORE INTO fingerprints (fingerprint, description) VALUES (?, ?)",
                           (fingerprint, description or ""))
            ids = list(last)
            stored: dict[str, str] = {}
            for part in _chunked(ids, _MAX_VARS):
                marks = ",".join("?" * len(part))
                stored.update(db.execute(f"SELECT id, text_sha1 FROM documents WHERE id IN ({marks})", tuple(part)))
            changed = [(i,) for i in ids if i in stored and stored[i] != last[i][0][2]]
            if changed:
                db.executemany("DELETE FROM annotations WHERE doc_id = ?", changed)
            db.executemany(
                f"INSERT INTO documents ({cols}) VALUES ({','.join('?' * len(_DOC_COLUMNS))}) "
                f"ON CONFLICT(id) DO UPDATE SET {update}",
                [row for row, _ in last.values()],
            )
            db.executemany(
                "INSERT OR REPLACE INTO annotations (doc_id, fingerprint, data) VALUES (?, ?, ?)",
                [(doc_id, fingerprint, blob) for doc_id, (_, blob) in last.items() if blob is not None],
            )
        self._known_fingerprints.add(fingerprint)

    # -- lifetime -----------------------------------------------------------------------------
    def close(self) -> None:
        """Close the file (idempotent); WAL content is checkpointed into the main file."""
        db, self._db = getattr(self, "_db", None), None
        if db is not None:
            try:
                db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error:
                pass
            db.close()

    def __enter__(self) -> MentionStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<MentionStore {self.path}>"
