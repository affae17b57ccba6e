"""The NER pass: documents in, plain mention records out.

For each document the primary pipeline (kg's bundled one by default) tokenises,
splits sentences (:mod:`kg.nlp.sentences`), finds abbreviation definitions (Schwartz & Hearst
2003, scispaCy's detector with a linear candidate step: :mod:`kg.nlp.abbreviations`) and tags
entities. Further models (``--model`` given more than once) run on the same texts with
their own tokenizers; their entities are merged with the primary ones at the character
level by the rule of :func:`kg.nlp.heads.merge_spans` (longest span wins, then the model
listed first).

Last and lowest in priority, :class:`kg.nlp.gene_tagger.LexiconTagger` adds the HGNC gene
symbols and curated gene names the models missed.

Abbreviations are used twice: a mention whose text is a defined short form carries the
long form as ``norm_text`` ("NSCLC" -> "non-small cell lung cancer"), and every
occurrence of a short form whose long form (or another occurrence) was tagged becomes a
mention too, so the abbreviation counts wherever it is used.

A text longer than :data:`PIECE_CHARS` is annotated in pieces cut at paragraph, else
sentence, else word boundaries (:func:`pieces`), and the pieces' records are joined with
their offsets, so memory follows the piece, not the document, and spaCy's
``max_length`` is never reached. Abbreviations are then defined per piece. At most
:data:`MAX_TEXT_CHARS` of a document are annotated (:func:`annotated_part`); the build flags a
longer one ``long-text-cut`` and names it in its summary.

The output, :class:`AnnotatedDoc`, holds only plain values: it pickles cheaply to and
from worker processes or Dask workers, and is what the store keeps per document.
"""

from __future__ import annotations

import re
import sys
import warnings
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
from spacy.attrs import IDX, LENGTH, SENT_START

import kg.nlp.sentences  # noqa: F401  (registers kg_sentencizer)
from kg.nlp.heads import SPANS_PREFIX, merge_spans
from kg.nlp.models import DEFAULT_MODEL, load_model, model_stack
from kg.records import Document
from kg.schema import readable_type
from kg.vocabularies.normalize import normalize_text

__all__ = ["agreeing_heads",
    "Mention",
    "AnnotatedDoc",
    "NerPipeline",
    "PIECE_CHARS",
    "MAX_TEXT_CHARS",
    "FLAG_LONG_TEXT",
    "annotated_part",
    "annotate_records",
    "head_spans",
    "paragraph_starts",
    "pieces",
    "propagate",
]

_PARA = re.compile(r"\n\s*\n")
#: Texts longer than this are annotated in pieces of at most this many characters (spaCy's
#: ``max_length`` is 1,000,000, and its memory grows with the length of one text).
PIECE_CHARS = 100_000
#: At most this many characters of one document are annotated (in pieces): memory and time stay
#: bounded whatever the input. A longer document is flagged :data:`FLAG_LONG_TEXT` by the build.
MAX_TEXT_CHARS = 1_000_000
#: Characters one call of a model holds at most: spaCy batches by number of texts, and 64 pieces of a
#: long document at once would be 6.4 M characters (3 GB); abstracts (64 of ~1.5 k) are far below it.
BATCH_CHARS = 250_000
FLAG_LONG_TEXT = "long-text-cut"
_CUTS = (re.compile(r"\n\s*\n"), re.compile(r"[.!?]\s+"), re.compile(r"\s+"))


@dataclass(frozen=True, slots=True)
class Mention:
    """One entity mention: character offsets into :attr:`Document.text`, readable type, and origin."""

    start: int
    end: int
    text: str
    type: str
    label: str
    source: str
    sent: int
    para: int
    norm_text: str


@dataclass(frozen=True, slots=True)
class AnnotatedDoc:
    """A document's sentences (character spans, paragraph index) and mentions."""

    doc_id: str
    sentences: tuple[tuple[int, int, int], ...]
    mentions: tuple[Mention, ...]
    abbreviations: tuple[tuple[str, str], ...] = ()


def paragraph_starts(text: str) -> list[int]:
    """Character offsets where paragraphs start: 0 and after every blank line."""
    return [0, *(m.end() for m in _PARA.finditer(text))]


def pieces(text: str, limit: int = PIECE_CHARS) -> list[tuple[int, str]]:
    """``text`` cut into ``(offset, piece)`` of at most ``limit`` characters.

    Each cut is the last paragraph break before the limit, else the last sentence end,
    else the last white space, else the limit itself; the pieces join back to ``text``.

    >>> pieces("one. two. three.", limit=10)
    [(0, 'one. two. '), (10, 'three.')]
    """
    out: list[tuple[int, str]] = []
    start = 0
    while len(text) - start > limit:
        window = text[start : start + limit]
        cut = limit
        for pattern in _CUTS:
            ends = [m.end() for m in pattern.finditer(window)]
            if ends:
                cut = ends[-1]
                break
        out.append((start, window[:cut]))
        start += cut
    out.append((start, text[start:]))
    return out


def annotated_part(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """The part of ``text`` that NER reads: all of it up to ``limit`` characters, else its start
    up to the last white space before the limit (the limit itself when there is none in its
    second half). Offsets into it are offsets into ``text``."""
    if len(text) <= limit:
        return text
    cut = max(text.rfind(c, 0, limit) for c in " \n\t")
    return text[: cut + 1 if cut >= limit // 2 else limit]


def _join(doc_id: str, text: str, parts: Sequence[tuple[int, AnnotatedDoc]]) -> AnnotatedDoc:
    """One record for a text annotated in pieces: offsets moved by each piece's start."""
    if len(parts) == 1:
        return replace(parts[0][1], doc_id=doc_id)
    paras = paragraph_starts(text)
    sentences: list[tuple[int, int, int]] = []
    mentions: list[Mention] = []
    abbreviations: dict[str, str] = {}
    for offset, part in parts:
        first = len(sentences)
        sentences += [(s + offset, e + offset, _index(paras, s + offset)) for s, e, _ in part.sentences]
        mentions += [
            replace(m, start=m.start + offset, end=m.end + offset, sent=m.sent + first, para=_index(paras, m.start + offset))
            for m in part.mentions
        ]
        for short, long_form in part.abbreviations:
            abbreviations.setdefault(short, long_form)
    return AnnotatedDoc(doc_id, tuple(sentences), tuple(mentions), tuple(sorted(abbreviations.items())))


def _index(offsets: Sequence[int], pos: int) -> int:
    lo, hi = 0, len(offsets)
    while lo < hi:
        mid = (lo + hi) // 2
        if offsets[mid] <= pos:
            lo = mid + 1
        else:
            hi = mid
    return max(lo - 1, 0)


def _variants(form: str) -> list[str]:
    """The form and its regular plural or singular ("exosome" <-> "exosomes")."""
    if len(form) < 5:
        return [form]
    return [form, form[:-1]] if form.endswith("s") else [form, form + "s"]


def propagate(text: str, spans: list[tuple], *, token_starts: set[int], token_ends: set[int]) -> list[tuple]:
    """One sense per discourse (Gale, Church & Yarowsky 1992): tag every other occurrence of a tagged string.

    NER tags an entity in one sentence and misses the same string in the next; within one
    abstract the string almost always means the same thing. Every further occurrence of a
    tagged surface form (three characters or more; from five characters case-insensitive
    and with its regular plural/singular) that starts and ends on token boundaries and
    overlaps no other span becomes a mention of the same type, with source ``"propagated"``.
    ``spans`` must not overlap one another (as :func:`kg.nlp.heads.merge_spans` returns them).
    """
    if not spans:
        return spans
    # the spans are disjoint (merged), and so are the ones added: sorted starts and ends
    # let one bisection find the only span that could overlap a candidate
    taken = sorted((s[0], s[1]) for s in spans)
    taken_starts, taken_ends = [s for s, _ in taken], [e for _, e in taken]
    forms: dict[str, str] = {}
    for start, end, label, _source in spans:
        surface = text[start:end]
        if len(surface) >= 3:
            for form in _variants(surface if len(surface) < 5 else surface.lower()):
                forms.setdefault(form, label)
    added = []
    lowered = text.lower()
    if len(lowered) != len(text):  # a character whose lower case is longer: offsets would shift
        lowered = None
    for form, label in forms.items():
        if len(form) >= 5 and lowered is None:
            found = (m.span() for m in re.finditer(re.escape(form), text, re.IGNORECASE))
        else:
            found = _find_all(lowered if len(form) >= 5 else text, form.lower() if len(form) >= 5 else form)
        for start, end in found:
            if start not in token_starts or end not in token_ends:
                continue
            i = bisect_left(taken_starts, end)  # spans from i on start at or after this one's end
            if i and taken_ends[i - 1] > start:
                continue
            added.append((start, end, label, "propagated"))
            taken_starts.insert(i, start)
            taken_ends.insert(i, end)
    return sorted([*spans, *added]) if added else spans


def _find_all(haystack: str, needle: str) -> Iterator[tuple[int, int]]:
    """Non-overlapping occurrences of ``needle``, left to right (as ``re.finditer`` of the escaped string)."""
    start = haystack.find(needle)
    while start != -1:
        end = start + len(needle)
        yield start, end
        start = haystack.find(needle, end)


def _token_offsets(doc) -> tuple[np.ndarray, np.ndarray]:
    """Character offset and length of every token, as arrays (no Token objects)."""
    arr = doc.to_array([IDX, LENGTH]).astype(np.int64).reshape(-1, 2)
    return arr[:, 0], arr[:, 1]


def _sentence_bounds(doc) -> list[tuple[int, int]]:
    """``(start_char, end_char)`` of each sentence, from the sentence-start flags as arrays.

    The same as ``[(s.start_char, s.end_char) for s in doc.sents]`` without building spans.
    """
    if not len(doc):
        return []
    if not doc.has_annotation("SENT_START"):
        return [(s.start_char, s.end_char) for s in doc.sents]
    starts, lengths = _token_offsets(doc)
    first = np.flatnonzero(doc.to_array(SENT_START).astype(np.int64) == 1)
    if not len(first) or first[0] != 0:
        first = np.r_[0, first]
    last = np.r_[first[1:], len(doc)] - 1
    return list(zip(starts[first].tolist(), (starts[last] + lengths[last]).tolist(), strict=True))


def agreeing_heads(groups: Sequence[Iterable[tuple]], head_spans: dict[str, Iterable] | None = None
                   ) -> dict[tuple[int, int], str]:
    """{(start, end): heads joined by ``+``} for the spans that two or more NER heads tagged alike.

    ``groups``: each model's (start, end, label, source) spans, the first model's own; ``head_spans``:
    the first model's per-head spans (``doc.spans["ner:<head>"]``, spaCy spans) when it stacks several
    heads, which then stand for it. The rule "the NER heads agree" of :mod:`kg.concepts.filter` reads it."""
    heads: dict[tuple[int, int], set[str]] = {}
    per_head = {k: v for k, v in (head_spans or {}).items() if k.startswith(SPANS_PREFIX)}
    for key, spans in per_head.items():
        for sp in spans:
            heads.setdefault((sp.start_char, sp.end_char), set()).add(key[len(SPANS_PREFIX):])
    for i, group in enumerate(groups):
        if i == 0 and per_head:
            continue
        for start, end, _, source in group:
            heads.setdefault((start, end), set()).add(source)
    return {k: "+".join(sorted(v)) for k, v in heads.items() if len(v) >= 2}


def _char_spans(doc, source: str) -> list[tuple[int, int, str, str]]:
    return [(e.start_char, e.end_char, e.label_, source) for e in doc.ents]


class NerPipeline:
    """The models of one build, loaded once per process; :meth:`annotate` runs them over documents."""

    def __init__(self, models: Sequence[str] = (DEFAULT_MODEL,), *, batch_size: int = 64, lexicon: bool = True) -> None:
        self.models = model_stack(models)
        self.batch_size = batch_size
        self.lexicon = None
        if lexicon:
            from kg.nlp.gene_tagger import LexiconTagger

            self.lexicon = LexiconTagger.default()
        self.primary = self._prepare(load_model(self.models[0]), primary=True)
        self.others = [self._prepare(load_model(m), primary=False) for m in self.models[1:]]

    @staticmethod
    def _prepare(nlp, *, primary: bool):
        import kg.nlp.abbreviations  # noqa: F401  (registers kg_abbreviation_detector)

        # scispaCy's detector runs an empty matcher on documents without abbreviations.
        warnings.filterwarnings("ignore", message=r".*\[W036\]")

        # Parsers, taggers and lemmatizers are not needed for NER: skip them.
        for name in ("parser", "tagger", "attribute_ruler", "lemmatizer", "morphologizer"):
            if name in nlp.pipe_names:
                nlp.disable_pipe(name)
        if primary:
            if "kg_sentencizer" not in nlp.pipe_names and "senter" not in nlp.pipe_names:
                nlp.add_pipe("kg_sentencizer", first=True)
            if not {"abbreviation_detector", "kg_abbreviation_detector"} & set(nlp.pipe_names):
                nlp.add_pipe("kg_abbreviation_detector")
        return nlp

    def annotate(self, docs: Iterable[Document]) -> Iterator[AnnotatedDoc]:
        """Annotate documents in batches with ``nlp.pipe``; yields in input order."""
        batch: list[Document] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= self.batch_size * 4:
                yield from self._annotate_batch(batch)
                batch = []
        if batch:
            yield from self._annotate_batch(batch)

    def _annotate_batch(self, docs: list[Document]) -> list[AnnotatedDoc]:
        read = [annotated_part(d.text) for d in docs]
        cut = [pieces(text) for text in read]
        texts = [piece for parts in cut for _, piece in parts]
        extra = [list(self._pipe(nlp, texts)) for nlp in self.others]
        records = []
        for i, sdoc in enumerate(self._pipe(self.primary, texts)):
            groups = [_char_spans(sdoc, self.models[0])]
            groups += [_char_spans(edocs[i], name) for name, edocs in zip(self.models[1:], extra, strict=False)]
            if self.lexicon is not None:
                groups.append(self.lexicon.tag(sdoc, text=texts[i]))
            records.append(self._record(texts[i], sdoc, groups))
        annotated = iter(records)
        return [
            _join(doc.id, text, [(offset, next(annotated)) for offset, _ in parts])
            for doc, text, parts in zip(docs, read, cut, strict=True)
        ]

    def _pipe(self, nlp, texts: list[str]) -> Iterator:
        """``nlp.pipe`` over ``texts`` in minibatches of at most ``batch_size`` texts and
        :data:`BATCH_CHARS` characters (a minibatch of one text may be longer), in order."""
        start = 0
        while start < len(texts):
            end, size = start, 0
            while end < len(texts) and end - start < self.batch_size and (end == start or size + len(texts[end]) <= BATCH_CHARS):
                size += len(texts[end])
                end += 1
            yield from nlp.pipe(texts[start:end], batch_size=end - start)
            start = end

    def _record(self, text: str, sdoc, groups) -> AnnotatedDoc:
        # text is what sdoc was made from (sdoc.text would join every token again)
        paras = paragraph_starts(text)
        sents = _sentence_bounds(sdoc)
        sent_starts = [s for s, _ in sents]
        spans = merge_spans(groups, bounds=lambda s: (s[0], s[1]))
        agree = agreeing_heads(groups, sdoc.spans)
        spans = [(s, e, label, agree.get((s, e), source)) for s, e, label, source in spans]

        abbrevs: dict[str, str] = {}
        short_spans: list[tuple[int, int, str]] = []
        for short in getattr(sdoc._, "abbreviations", []):
            long_form = short._.long_form
            if long_form is None:
                continue
            abbrevs.setdefault(short.text, long_form.text)
            short_spans.append((short.start_char, short.end_char, short.text))
        # "miRNA" resolves like its defined plural "miRNAs": look short forms up folded.
        folded_abbrevs = {normalize_text(k): v for k, v in abbrevs.items()}
        long_to_short = {v: k for k, v in abbrevs.items()}

        # Propagate: a short form is a mention wherever it occurs if it, or its long form, was tagged.
        typed: dict[str, str] = {}
        for start, end, label, _ in spans:
            surface = text[start:end]
            if surface in abbrevs:
                typed.setdefault(surface, label)
            elif surface in long_to_short:
                typed.setdefault(long_to_short[surface], label)
        taken = [(s, e) for s, e, _, _ in spans]
        extra = []  # short forms that overlap no span and no short form already added: all disjoint
        for s, e, t in short_spans:
            if t in typed and not any(s < te and ts < e for ts, te in taken):
                extra.append((s, e, typed[t], "abbreviation"))
                taken.append((s, e))
        spans = sorted({(s[0], s[1]): s for s in [*spans, *extra]}.values())
        starts, lengths = _token_offsets(sdoc)
        spans = propagate(text, spans, token_starts=set(starts.tolist()), token_ends=set((starts + lengths).tolist()))

        mentions = []
        for start, end, label, source in spans:
            surface = text[start:end]
            mentions.append(
                Mention(
                    start=start,
                    end=end,
                    text=surface,
                    type=readable_type(label),
                    label=sys.intern(label),  # a few labels shared by millions of mentions
                    source=sys.intern(source),
                    sent=_index(sent_starts, start) if sent_starts else 0,
                    para=_index(paras, start),
                    norm_text=abbrevs.get(surface) or folded_abbrevs.get(normalize_text(surface), surface),
                )
            )
        sentences = tuple((s, e, _index(paras, s)) for s, e in sents)
        return AnnotatedDoc("", sentences, tuple(mentions), tuple(sorted(abbrevs.items())))


@lru_cache(maxsize=4)
def _pipeline(models: tuple[str, ...], batch_size: int) -> NerPipeline:
    return NerPipeline(models, batch_size=batch_size)


def annotate_records(models: tuple[str, ...], documents: list[Document], batch_size: int = 64) -> list[AnnotatedDoc]:
    """Annotate a chunk of documents with a per-process cached pipeline (the unit of work for pools and Dask)."""
    return list(_pipeline(tuple(models), batch_size).annotate(documents))


def head_spans(doc) -> dict[str, list]:
    """Each bundled head's own spans on an annotated spaCy ``Doc`` (for inspection and tests)."""
    return {k[len(SPANS_PREFIX):]: list(v) for k, v in doc.spans.items() if k.startswith(SPANS_PREFIX)}
