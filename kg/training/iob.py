"""Read NER corpora: IOB/BIO files (token TAB tag, blank line between sentences) and spaCy DocBin.

The format is the one of the MTL-Bioinformatics-2016 conversions of BioNLP13CG, BC5CDR and
CRAFT (Crichton et al. 2017). Tags are ``O``, ``B-Type`` or ``I-Type``; an ``I-`` that does
not continue an entity of the same type starts one (the usual IOB1-tolerant reading).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from spacy.tokens import Doc, DocBin, Span
from spacy.training import Example
from spacy.vocab import Vocab

from kg.errors import InputError

__all__ = ["Sentence", "read_iob", "iob_spans", "corpus_labels", "read_examples"]


@dataclass(frozen=True)
class Sentence:
    """One tokenised sentence with its gold entity spans as (start token, end token, label)."""

    words: tuple[str, ...]
    spans: tuple[tuple[int, int, str], ...]


def iob_spans(tags: list[str]) -> list[tuple[int, int, str]]:
    """Entity spans (start, end exclusive, label) from IOB/BIO tags."""
    spans: list[tuple[int, int, str]] = []
    start, label = None, None
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, typ = tag.partition("-")
        continues = prefix == "I" and typ == label
        if start is not None and not continues:
            spans.append((start, i, label))
            start, label = None, None
        if prefix in ("B", "I") and not continues:
            start, label = i, typ
    return spans


def read_iob(path: str | Path) -> Iterator[Sentence]:
    """Stream the sentences of an IOB file; a malformed line raises :class:`InputError` with its line number."""
    path = Path(path)
    words: list[str] = []
    tags: list[str] = []
    try:
        handle = path.open(encoding="utf-8")
    except OSError as err:
        raise InputError(str(path), f"cannot open the NER corpus: {err.strerror}") from err
    with handle:
        for lineno, line in enumerate(handle, 1):
            line = line.rstrip("\r\n")
            if not line.strip():
                if words:
                    yield Sentence(tuple(words), tuple(iob_spans(tags)))
                    words, tags = [], []
                continue
            parts = line.split("\t")
            if len(parts) < 2 or not (parts[-1] == "O" or parts[-1][:2] in ("B-", "I-")):
                raise InputError(
                    str(path),
                    f"expected 'token<TAB>tag' with tag O, B-Type or I-Type, got {line[:60]!r}",
                    location=f"line {lineno}",
                )
            words.append(parts[0])
            tags.append(parts[-1])
    if words:
        yield Sentence(tuple(words), tuple(iob_spans(tags)))


def _docs(path: Path, vocab: Vocab) -> Iterator[Doc]:
    if path.suffix == ".spacy":
        yield from DocBin().from_disk(path).get_docs(vocab)
        return
    for sent in read_iob(path):
        doc = Doc(vocab, words=list(sent.words))
        doc.ents = [Span(doc, s, e, label=lab) for s, e, lab in sent.spans]
        yield doc


def read_examples(path: str | Path, vocab: Vocab) -> list[Example]:
    """Training/evaluation examples: predicted side unannotated, reference side with the gold entities."""
    path = Path(path)
    if not path.exists():
        raise InputError(str(path), "no such file; pass an IOB .tsv/.iob/.conll file or a spaCy .spacy DocBin")
    examples = []
    for gold in _docs(path, vocab):
        pred = Doc(vocab, words=[t.text for t in gold], spaces=[bool(t.whitespace_) for t in gold])
        examples.append(Example(pred, gold))
    return examples


def corpus_labels(path: str | Path) -> Counter:
    """How often each entity label occurs in a corpus file."""
    path = Path(path)
    if path.suffix == ".spacy":
        return Counter(e.label_ for d in DocBin().from_disk(path).get_docs(Vocab()) for e in d.ents)
    return Counter(lab for s in read_iob(path) for _, _, lab in s.spans)
