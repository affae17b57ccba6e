"""A synthetic corpus made of the committed NER fixture's sentences (entity-rich for the tiny model)."""

from __future__ import annotations

import json
import sqlite3
import textwrap
from pathlib import Path

from kg.records import Document

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _sentences() -> list[str]:
    sents, words = [], []
    for path in ("tiny_train.tsv", "tiny_dev.tsv"):
        for line in (FIXTURES / "ner" / path).read_text(encoding="utf-8").splitlines():
            if line.strip():
                words.append(line.split("\t")[0])
            elif words:
                sents.append(" ".join(words))
                words = []
    if words:
        sents.append(" ".join(words))
    return sents


def corpus(n: int = 40, *, start: int = 0) -> list[Document]:
    """``n`` synthetic abstracts of 3-5 fixture sentences each (entity-rich, all different)."""
    sents = _sentences()
    docs = []
    for i in range(start, start + n):
        k = 3 + i % 3
        body = [sents[(i * 7 + j * 3) % len(sents)] for j in range(k)]
        docs.append(Document(id=f"pmid:{1000 + i}", title=sents[i % len(sents)], abstract=" ".join(body),
                             pmid=str(1000 + i)))
    return docs


def write_jsonl(docs: list[Document], path: Path) -> Path:
    """``docs`` as a JSONL file kg reads (id, title, abstract, pmid a line)."""
    path.write_text("".join(json.dumps({"id": d.id, "title": d.title, "abstract": d.abstract, "pmid": d.pmid})
                            + "\n" for d in docs), encoding="utf-8")
    return path


def year_of(i: int) -> int | None:
    """The years of :func:`write_dated`'s documents: 2010-2013 in turn, document 5 without one."""
    return None if i == 5 else 2010 + i % 4


def write_dated(path: Path, n: int = 12) -> Path:
    """:func:`corpus` (``n`` documents) as JSONL with a ``year`` each (:func:`year_of`)."""
    docs = corpus(n)
    path.write_text("".join(json.dumps({"id": d.id, "title": d.title, "abstract": d.abstract, "pmid": d.pmid,
                                        **({"year": year_of(i)} if year_of(i) else {})}) + "\n"
                            for i, d in enumerate(docs)), encoding="utf-8")
    return path


#: Python lines for a child process that runs a build slowly enough to be killed inside its NER pass:
#: every document its own chunk (committed to the cache on its own), each read after a pause.
SLOW_NER = textwrap.dedent("""
    import time
    import kg.ingest, kg.pipeline.ner_pass

    kg.pipeline.ner_pass.CHUNK_BYTES["local"] = 1
    _read = kg.ingest.iter_documents

    def _slowly(*args, **kwargs):
        for doc in _read(*args, **kwargs):
            time.sleep(0.05)
            yield doc

    kg.ingest.iter_documents = _slowly
""")


def stored(path: Path) -> int:
    """Annotations in the NER cache at ``path`` (read-only; 0 while it is not made yet)."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
        try:
            return db.execute("SELECT count(*) FROM annotations").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:  # not made yet, or its schema not yet written
        return 0
