"""An embedded SQLite store of documents and their NER output, so a rebuild only annotates what changed.

One file (``<out>/kg.sqlite`` by default) holds two tables:

``documents``    one row per document id: the bibliographic fields (title, abstract, DOI,
                 PMID, authors, ...) so evidence sentences and links can be read back, and
                 two hashes of the text: :func:`kg.records.text_hash` (normalised) and the
                 SHA-1 of :attr:`Document.text` exactly as NER saw it.
``annotations``  one row per (document id, fingerprint): the :class:`~kg.nlp.annotate.AnnotatedDoc`
                 as compact JSON of tuples, zlib-compressed, and a checksum (SHA-1 of the
                 blob, the document id, the fingerprint and the SHA-1 of the exact text).

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

The cache only saves time, so a fault in it never changes a build's output, and one found during
a build never stops it (each is counted in :attr:`MentionStore.report` and warned about with
:class:`CacheWarning`):

- a stored annotation that fails its checksum, does not decode, or does not index into the
  document's text is treated as missing: the document is annotated again and the row rewritten;
- a damaged file (SQLite's ``integrity_check`` at open, or SQLITE_CORRUPT/NOTADB later), a file
  that is not a kg cache, or one of an older schema is moved aside (``kg.sqlite.corrupt-<UTC time>``,
  ``kg.sqlite.old-<UTC time>``, with its ``-wal``) and a new, empty cache is started;
- a write that fails during a build (full disk, file made read-only, I/O error) turns writing off
  for the rest of it: the build goes on with what NER returns and the batches already written stay.

What cannot be fixed without the user raises :class:`~kg.errors.CacheError` at open, before any
work, with the fix: a cache that cannot be written (read-only file or folder, full disk), one
locked by another process, or one written by a *newer* kg (refused, not moved aside, so that kg
keeps its cache).

>>> with MentionStore("out/kg.sqlite") as store:                     # doctest: +SKIP
...     fp = stack_fingerprint(["kg_biomed"])
...     hits = store.get_many(documents, fp)                          # doc id -> AnnotatedDoc
...     store.put_many([(d, a) for d, a in zip(new_docs, annotated)], fp)
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import sqlite3
import stat
import sys
import time
import warnings
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from kg.errors import CacheError, KgError
from kg.nlp.annotate import AnnotatedDoc, Mention
from kg.nlp.models import model_fingerprint
from kg.records import Document, text_hash
from kg.vocabularies.datacache import module_source

__all__ = ["MentionStore", "Lookup", "stack_fingerprint", "describe_stack", "fingerprint_of", "ner_code_hash", "ner_modules", "kg_imports", "exact_hash", "encode_annotations", "decode_annotations",
           "DEFAULT_STORE_NAME", "SCHEMA_VERSION", "CacheReport", "CacheWarning"]

#: File name of the store inside a build's output folder.
DEFAULT_STORE_NAME = "kg.sqlite"
#: Version of the tables and of the annotation encoding. A file of an older version is moved aside
#: and a new cache started (its annotations are under fingerprints that include the version: none
#: would be used); a newer version is refused with a message. 2: a checksum per annotation.
SCHEMA_VERSION = 2

# Files of kg/data read only after NER (edge filtering, licences): editing them keeps the stored mentions.
_NOT_NER_DATA = frozenset({"generic_terms.txt", "LICENSES.md"})
#: Folders of ``kg/data`` that only the steps after NER read (the grounding tables of kg.concepts):
#: regenerating them must not re-annotate a corpus.
_NOT_NER_DATA_DIRS = frozenset({"grounding"})
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
    checksum TEXT NOT NULL,
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
    after NER (:data:`_NOT_NER_DATA`, :data:`_NOT_NER_DATA_DIRS`). A change to any of them re-annotates on the
    next build.
    """
    digest = hashlib.sha1()
    for name in ner_modules():  # a name that is no module raises (module_source)
        digest.update(name.encode() + b"\0" + module_source(name))
    data = Path(__file__).parent.parent / "data"
    for path in sorted(data.rglob("*")) if data.is_dir() else []:
        relative = path.relative_to(data)
        if path.is_file() and path.name not in _NOT_NER_DATA and relative.parts[0] not in _NOT_NER_DATA_DIRS:
            digest.update(relative.as_posix().encode() + b"\0" + path.read_bytes())
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


# -- integrity and faults -------------------------------------------------------------------------

T = TypeVar("T")

# SQLite's primary result codes (https://sqlite.org/rescode.html) that kg handles, by what they mean
_CORRUPT = {11: "corrupt", 26: "notadb"}
_CANNOT_WRITE = {3: "perm", 8: "readonly", 10: "ioerr", 13: "full", 14: "cantopen"}
_BUSY = {5: "busy", 6: "locked"}
_BY_MESSAGE = (("malformed", 11), ("not a database", 26), ("readonly", 8), ("disk is full", 13),
               ("disk i/o error", 10), ("unable to open", 14), ("locked", 5))


class CacheWarning(UserWarning):
    """Something was wrong with the NER cache and kg dealt with it (the message says what and where)."""


@dataclass
class CacheReport:
    """What a :class:`MentionStore` found wrong and did about it since it was opened (for a build's summary)."""

    rejected: int = 0
    """Stored annotations that failed their checksum, did not decode or did not fit their text: annotated again."""
    rejected_ids: list[str] = field(default_factory=list)
    """The first few of their document ids."""
    rejected_documents: int = 0
    """Stored document rows that failed their check in :meth:`MentionStore.documents` (left out)."""
    moved_aside: list[str] = field(default_factory=list)
    """Files moved aside (damaged, not a kg cache, older schema); a new cache was started each time."""
    write_error: str | None = None
    """Why writing was turned off during the session (a :class:`~kg.errors.CacheError` message), if it was."""
    read_error: str | None = None
    """Why reading was turned off during the session (every later document is annotated), if it was."""
    warnings: list[str] = field(default_factory=list)
    """Every warning issued, in order."""

    def as_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, list) else v for k, v in self.__dict__.items()}


def _sqlite_code(err: Exception) -> int | None:
    """SQLite's primary result code of ``err`` (Python 3.11+ carries it; before, read from the message).

    A message SQLite made of damaged bytes (a schema read from a garbled page) is SQLITE_CORRUPT.
    """
    if isinstance(err, UnicodeDecodeError):
        return 11
    code = getattr(err, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF
    text = str(err).lower()
    return next((c for words, c in _BY_MESSAGE if words in text), None)


def _text(data: bytes) -> str:
    """A stored TEXT value (kg writes only valid UTF-8; damaged bytes become U+FFFD and then fail a check)."""
    return data.decode("utf-8", "replace")


def _checksum(doc_id: str, fingerprint: str, text_sha1: str, data: bytes) -> str:
    """What binds a stored annotation to its document, model stack and exact text: SHA-1 of all four."""
    digest = hashlib.sha1(f"{doc_id}\0{fingerprint}\0{text_sha1}\0".encode("utf-8", "surrogatepass"))
    digest.update(data)
    return digest.hexdigest()


def _fits(text: str, annotated: AnnotatedDoc) -> bool:
    """Do the sentences and mentions index into ``text`` (each mention's text is its slice)?"""
    n = len(text)
    try:
        return (all(0 <= s <= e <= n for s, e, _ in annotated.sentences)
                and all(0 <= m.start < m.end <= n and text[m.start:m.end] == m.text for m in annotated.mentions))
    except (TypeError, ValueError):
        return False


def _verified(doc: Document, text_sha1: str, fingerprint: str, data: bytes, checksum: str | None
              ) -> AnnotatedDoc | None:
    """The stored annotations of ``doc``, or None when the row fails its checksum, its decoding or its text."""
    if not isinstance(data, bytes) or checksum != _checksum(doc.id, fingerprint, text_sha1, data):
        return None
    try:
        annotated = decode_annotations(doc.id, data)
    except (zlib.error, ValueError, TypeError, RecursionError):
        return None
    return annotated if _fits(doc.text, annotated) else None


@lru_cache(maxsize=1)
def _layout() -> dict[str, list[str]]:
    """The column names of each table of :data:`_SCHEMA` (what an opened file must have)."""
    db = sqlite3.connect(":memory:")
    try:
        db.executescript(_SCHEMA)
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: [row[1] for row in db.execute(f"PRAGMA table_info({t})")] for t in tables}
    finally:
        db.close()


def _cannot(path: Path, err: BaseException) -> CacheError:
    """The message for a cache that cannot be opened, read or written, with the fix for its cause."""
    code = _sqlite_code(err) if isinstance(err, sqlite3.Error) else None
    errno_ = getattr(err, "errno", None)
    if code in _BUSY:
        fix = "another process holds it: wait for it to finish"
    elif code == 13 or errno_ in (errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", None)):  # 13: SQLITE_FULL
        fix = "its disk is full: free space"
    elif code in (3, 8, 14) or errno_ in (errno.EPERM, errno.EACCES, errno.EROFS):  # PERM, READONLY, CANTOPEN
        fix = (f"make it and its folder writable (SQLite also writes {path.name}-wal and {path.name}-shm "
               "next to it)")
    else:  # SQLITE_IOERR and the rest: often a full disk too
        fix = "a read or write failed: free space on its disk, or check the disk"
    return CacheError(f"cannot use the NER cache {path} ({err}): {fix}, or build into another --out, "
                      f"or build without the cache (--no-cache)", path=str(path))


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
    processes may read it while a build writes it. Faults in the file are dealt with as the
    module docstring says and counted in :attr:`report`; raises :class:`~kg.errors.CacheError`
    at open when the file cannot be used and kg cannot fix that itself.
    """

    def __init__(self, path: str | Path, *, timeout: float = 60.0) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            self.path = self.path / DEFAULT_STORE_NAME
        self.report = CacheReport()
        """What was found wrong with the file and done about it since it was opened."""
        self._timeout = timeout
        self._known_fingerprints: set[str] = set()
        self._writing = True
        self._told = False  # about the rejected rows, once
        self._db: sqlite3.Connection | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise _cannot(self.path, err) from err
        self._db = self._open()

    # -- opening and faults ---------------------------------------------------------------------
    def _open(self) -> sqlite3.Connection:
        """Connect, check the file and set up its tables; a damaged or old file is moved aside once."""
        for _ in range(2):
            if self._not_a_file():
                self._move_aside("corrupt", "is not a regular file")
            try:
                db = sqlite3.connect(self.path, timeout=self._timeout, isolation_level=None, check_same_thread=False)
            except sqlite3.Error as err:
                raise _cannot(self.path, err) from err
            try:
                db.row_factory = sqlite3.Row
                db.text_factory = _text  # a damaged text is caught by the checks, not a UnicodeDecodeError
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")  # in WAL mode: consistent after any crash
                problem = self._problem(db)
                if problem is None:
                    self._setup(db)
                    return db
            except (sqlite3.DatabaseError, UnicodeDecodeError) as err:
                db.close()
                code = _sqlite_code(err)
                if code in _CANNOT_WRITE or code in _BUSY:
                    raise _cannot(self.path, err) from err
                # kg's own statements are right: any other error at open ("file is not a database",
                # "unsupported file format", a malformed schema) is in the file
                problem = ("corrupt", f"is damaged ({err})")
            except BaseException:
                db.close()
                raise
            db.close()
            self._move_aside(*problem)
        raise CacheError(f"the NER cache {self.path} is still unusable after the old file was moved aside: "
                         "check its disk, build into another --out, or build without the cache (--no-cache)",
                         path=str(self.path))

    def _not_a_file(self) -> bool:
        """Is there something at the path that is not a regular file (a FIFO, a device, a socket)?"""
        try:
            return not stat.S_ISREG(os.stat(self.path).st_mode)
        except FileNotFoundError:
            return False
        except OSError as err:
            raise _cannot(self.path, err) from err

    def _problem(self, db: sqlite3.Connection) -> tuple[str, str] | None:
        """Why the file must be moved aside (``("corrupt" | "old", what is wrong)``), or None if it is usable."""
        # integrity_check, not quick_check: it also finds rows out of key order and indexes that miss
        # rows (a write then seems to be lost); 0.15 s for a cache of 50,000 documents (116 MB)
        found = [row[0] for row in db.execute("PRAGMA integrity_check(3)")]
        if found != ["ok"]:
            lines = [line for row in found for line in str(row).splitlines() if not line.startswith("***")]
            return "corrupt", f"is damaged (SQLite's integrity_check: {'; '.join(lines)[:300]})"
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            return None
        if "meta" not in tables:
            return "corrupt", "is not a kg cache (it has no meta table)"
        row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        try:
            version = int(row[0])
        except (TypeError, ValueError):
            return "corrupt", "has no readable schema version"
        if version > SCHEMA_VERSION:
            raise CacheError(
                f"the NER cache {self.path} was written by a newer kg (cache schema {version}; this kg uses "
                f"{SCHEMA_VERSION}): build with that kg, or into another --out, or without the cache (--no-cache); "
                f"or delete the file to start a new cache for this kg", path=str(self.path))
        if version < SCHEMA_VERSION:
            return "old", (f"was written by an older kg (cache schema {version}; this kg uses {SCHEMA_VERSION}, "
                           "and none of its annotations would be used)")
        for table, columns in _layout().items():
            if [r[1] for r in db.execute(f"PRAGMA table_info({table})")] != columns:
                return "corrupt", f"is damaged (its table {table!r} does not have kg's columns)"
        return None

    def _setup(self, db: sqlite3.Connection) -> None:
        with self._transaction(db):
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            if db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() is None:
                db.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            else:  # a write that changes nothing: a read-only file is found now, before any work
                db.execute("UPDATE meta SET value = value WHERE key = 'schema_version'")

    def _move_aside(self, kind: str, why: str) -> None:
        """Rename the file (and its -wal, -shm, -journal) to ``<name>.<kind>-<UTC time>``, with a warning."""
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        suffixes = ("", "-wal", "-shm", "-journal")
        target, n = self.path.with_name(f"{self.path.name}.{kind}-{stamp}"), 1
        while any(os.path.lexists(f"{target}{s}") for s in suffixes):
            n += 1
            target = self.path.with_name(f"{self.path.name}.{kind}-{stamp}-{n}")
        try:
            for s in suffixes:
                if os.path.lexists(f"{self.path}{s}"):
                    os.replace(f"{self.path}{s}", f"{target}{s}")
        except OSError as err:
            raise CacheError(
                f"the NER cache {self.path} {why}, and it cannot be moved aside ({err}): delete it (a new one is "
                f"started on the next build), make its folder writable, or build without the cache (--no-cache)",
                path=str(self.path)) from err
        self.report.moved_aside.append(str(target))
        self._warn(f"the NER cache {self.path} {why}: moved it to {target.name} and started a new, empty cache "
                   f"(its documents are annotated again; delete {target.name} when you no longer need it)")

    def _warn(self, message: str) -> None:
        self.report.warnings.append(message)
        level, frame = 2, sys._getframe(1)
        while frame is not None and frame.f_code.co_filename == __file__:  # point at the caller of the store
            level, frame = level + 1, frame.f_back
        warnings.warn(message, CacheWarning, stacklevel=level)

    def _guard(self, work: Callable[[], T], otherwise: Callable[[], T], *, writing: bool) -> T:
        """``work()`` on the file, never stopped by a fault in it.

        A damaged file (SQLITE_CORRUPT, SQLITE_NOTADB) is moved aside and ``work`` runs again on
        a new cache. A file that cannot be written (``writing``) or read (full disk, read-only,
        I/O error, locked) turns writing, or the whole cache, off with a warning. Then
        ``otherwise()`` stands in. Any other error (a bug, a failed constraint) is raised.
        """
        for attempt in range(2):
            if self._db is None or (writing and not self._writing):
                break
            try:
                return work()
            except (sqlite3.DatabaseError, UnicodeDecodeError) as err:
                code = _sqlite_code(err)
                if code not in _CORRUPT and code not in _CANNOT_WRITE and code not in _BUSY:
                    raise
                if code in _CORRUPT and attempt == 0:
                    self._replace_damaged(err)
                    continue
                self._turn_off(_cannot(self.path, err), writing=writing and code not in _CORRUPT)
        return otherwise()

    def _replace_damaged(self, err: sqlite3.Error) -> None:
        """During a session: move the damaged file aside and go on with a new cache (or none)."""
        self._close_quietly()
        self._known_fingerprints.clear()
        try:
            self._move_aside("corrupt", f"is damaged ({err})")
            self._db = self._open()
        except CacheError as cannot:
            self._turn_off(cannot, writing=False)

    def _turn_off(self, err: CacheError, *, writing: bool) -> None:
        if writing:
            self._writing = False
            self.report.write_error = str(err)
            self._warn(f"{err}. Writing to the cache is off for the rest of this build, which goes on "
                       "(the batches written so far are kept)")
        else:
            self._close_quietly()
            self.report.read_error = str(err)
            self._warn(f"{err}. The cache is off for the rest of this build, which goes on and annotates "
                       "every further document")

    def _close_quietly(self) -> None:
        db, self._db = self._db, None
        if db is not None:
            try:
                db.close()
            except sqlite3.Error:
                pass

    @contextmanager
    def _transaction(self, db: sqlite3.Connection | None = None) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed whole, or rolled back on any exception (Ctrl-C included)."""
        db = self._db if db is None else db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:  # SQLite may have rolled back already (a full disk, an I/O error)
                try:
                    db.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
            raise

    # -- reading ------------------------------------------------------------------------------
    def lookup(self, documents: Sequence[Document], fingerprint: str) -> Lookup:
        """For each document, in order, its stored annotations if text and fingerprint match (else None).

        A stored annotation that fails its checksum, does not decode or does not index into
        the document's text is None too (counted in :attr:`report`). Also names the hits whose
        other fields (authors, year, ...) changed since they were stored: pass them as
        ``documents=`` to :meth:`put_many` to refresh them.
        """
        ids = list(dict.fromkeys(d.id for d in documents))

        def read() -> dict[str, tuple]:
            found: dict[str, tuple] = {}
            for part in _chunked(ids, _MAX_VARS):
                marks = ",".join("?" * len(part))
                rows = self._db.execute(
                    f"SELECT d.id, d.text_sha1, d.text_hash, d.row_sha1, a.data, a.checksum FROM documents d "
                    f"LEFT JOIN annotations a ON a.doc_id = d.id AND a.fingerprint = ? WHERE d.id IN ({marks})",
                    (fingerprint, *part),
                )
                for doc_id, *values in rows:
                    found[doc_id] = tuple(values)
            return found

        found = self._guard(read, dict, writing=False)
        annotations: list[AnnotatedDoc | None] = []
        stale: list[Document] = []
        for doc in documents:
            sha, normalised, row_sha, data, checksum = found.get(doc.id, (None,) * 5)
            exact = exact_hash(doc) if data is not None else None
            annotated = None if exact is None or sha != exact else _verified(doc, exact, fingerprint, data, checksum)
            annotations.append(annotated)
            if annotated is None:
                if exact is not None and sha == exact:
                    self._rejected(doc.id)
                continue
            # the same exact text has the same normalised hash: the stored one is used
            if row_sha != _doc_row(doc, normalised_hash=normalised)[-1]:
                stale.append(doc)
        return Lookup(tuple(annotations), tuple(stale))

    def _rejected(self, doc_id: str) -> None:
        self.report.rejected += 1
        if len(self.report.rejected_ids) < 10:
            self.report.rejected_ids.append(doc_id)

    def get_many(self, documents: Sequence[Document], fingerprint: str) -> dict[str, AnnotatedDoc]:
        """Stored annotations of ``documents`` whose exact text and ``fingerprint`` match: doc id -> AnnotatedDoc.

        A document that is new, whose text changed, or that was annotated by another model
        stack is absent from the result: it has to be annotated again.
        """
        found = self.lookup(documents, fingerprint).annotations
        return {d.id: a for d, a in zip(documents, found, strict=True) if a is not None}

    def documents(self, ids: Iterable[str] | None = None) -> Iterator[Document]:
        """Stored documents (all, in id order, or those of ``ids`` that are stored) with their bibliographic fields.

        A row that fails its check (its ``row_sha1``) is left out and counted in :attr:`report`.
        """
        if ids is None:
            after = ""
            while True:  # in pages by id: a fault in the file is handled between two reads
                rows = self._guard(lambda after=after: self._db.execute(
                    "SELECT * FROM documents WHERE id > ? ORDER BY id LIMIT ?", (after, _MAX_VARS)).fetchall(),
                    list, writing=False)
                yield from filter(None, map(self._checked_doc, rows))
                if len(rows) < _MAX_VARS:
                    return
                after = rows[-1]["id"]
        for part in _chunked(list(ids), _MAX_VARS):
            marks = ",".join("?" * len(part))
            rows = self._guard(lambda marks=marks, part=part: self._db.execute(
                f"SELECT * FROM documents WHERE id IN ({marks})", tuple(part)).fetchall(), list, writing=False)
            yield from filter(None, map(self._checked_doc, rows))

    def _checked_doc(self, row: sqlite3.Row) -> Document | None:
        try:
            doc = _row_doc(row)
            if _doc_row(doc, normalised_hash=row["text_hash"])[-1] == row["row_sha1"]:
                return doc
        except (ValueError, TypeError, RecursionError):
            pass
        self.report.rejected_documents += 1
        return None

    def __len__(self) -> int:
        return self._guard(lambda: self._db.execute("SELECT count(*) FROM documents").fetchone()[0], int,
                           writing=False)

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
        When the file cannot be written (full disk, read-only), writing is turned off with a
        warning and the call returns: the cache only saves time.
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
            row = (*_doc_row(doc), now)
            blob = encode_annotations(annotated)
            last[doc.id] = (row, (blob, _checksum(doc.id, fingerprint, row[2], blob)))
        self._guard(lambda: self._write(last, fingerprint, description), lambda: None, writing=True)

    def _write(self, last: dict[str, tuple], fingerprint: str, description: str | None) -> None:
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
                "INSERT OR REPLACE INTO annotations (doc_id, fingerprint, data, checksum) VALUES (?, ?, ?, ?)",
                [(doc_id, fingerprint, *stored_blob) for doc_id, (_, stored_blob) in last.items()
                 if stored_blob is not None],
            )
        self._known_fingerprints.add(fingerprint)

    # -- lifetime -----------------------------------------------------------------------------
    def close(self) -> None:
        """Close the file (idempotent); WAL content is checkpointed into the main file.

        Warns once about the stored annotations that failed their check in this session.
        """
        if self.report.rejected and not self._told:
            self._told = True
            self._warn(f"{self.report.rejected} stored annotation(s) in the NER cache {self.path} failed their "
                       f"check (checksum, encoding or offsets; e.g. {', '.join(self.report.rejected_ids[:3])}) "
                       "and were annotated again")
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
