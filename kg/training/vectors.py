"""In-domain static word vectors for the bundled NER models, trained from unlabeled text.

scispaCy's models get part of their accuracy from word vectors trained on PubMed. kg
cannot download those, so it trains its own with word2vec (Mikolov et al. 2013, skip-gram
with negative sampling, via gensim) on whatever unlabeled in-domain text it is given: the
benchmark abstracts and the *training and development* sentences of the NER corpora
(never a test split). Tokens are kg's split tokens (:mod:`kg.nlp.tokenizer`), lower-cased;
the vectors table is keyed by spaCy's ``LOWER`` attribute so casing does not matter.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
from spacy.vectors import Vectors
from spacy.vocab import Vocab

from kg.nlp.tokenizer import split_words

__all__ = ["iter_sentences", "train_word_vectors"]


def _open(path: Path):
    return gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else path.open(encoding="utf-8")


def iter_sentences(paths: Iterable[str | Path]) -> Iterator[list[str]]:
    """Lower-cased token lists from IOB files (.tsv: one per sentence), JSONL (title + abstract) or text (one per line)."""
    for path in map(Path, paths):
        with _open(path) as handle:
            if path.name.endswith((".tsv", ".iob", ".conll")):
                words: list[str] = []
                for line in handle:
                    if line.strip():
                        words.append(line.split("\t", 1)[0].lower())
                    elif words:
                        yield words
                        words = []
                if words:
                    yield words
            elif path.name.endswith((".jsonl", ".jsonl.gz")):
                for line in handle:
                    if line.strip():
                        rec = json.loads(line)
                        for field in ("title", "abstract"):
                            if rec.get(field):
                                yield [w.lower() for w in split_words(rec[field])]
            else:
                for line in handle:
                    if line.strip():
                        yield [w.lower() for w in split_words(line)]


def _stable_hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=4).digest(), "little")


def train_word_vectors(
    paths: Iterable[str | Path],
    vocab: Vocab,
    *,
    dim: int = 100,
    min_count: int = 3,
    max_words: int = 40000,
    epochs: int = 10,
    seed: int = 0,
    workers: int = 1,
) -> Vectors:
    """Train skip-gram vectors on ``paths`` and return a spaCy :class:`Vectors` table keyed by ``LOWER``.

    Only the ``max_words`` most frequent words are kept, to keep the shipped model small.
    With one worker and a fixed seed the result is the same on every run (gensim seeds each
    word's vector with a string hash: kg passes a stable one instead of Python's salted
    ``hash``).
    """
    try:
        from gensim.models import Word2Vec
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("training word vectors needs gensim: pip install 'kg[train]'") from err
    sentences = list(iter_sentences(paths))
    model = Word2Vec(
        sentences=sentences,
        vector_size=dim,
        window=5,
        min_count=min_count,
        sg=1,
        negative=10,
        epochs=epochs,
        seed=seed,
        workers=workers,
        hashfxn=_stable_hash,
    )
    words = model.wv.index_to_key[:max_words]
    data = np.asarray([model.wv[w] for w in words], dtype="float32")
    vectors = Vectors(strings=vocab.strings, shape=data.shape, attr="LOWER")
    for row, word in enumerate(words):
        vectors.add(word, row=row)
    vectors.data[:] = data
    return vectors
