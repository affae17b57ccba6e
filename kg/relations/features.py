"""Pair features for document-level relation extraction between concepts.

For every unordered pair of concepts of a document (their mentions grouped by concept id) the
features follow the feature-based systems of BioCreative V CID and BioRED (e.g. Peng et al. 2016,
Database; Lai et al. 2023, BioREx, for the entity-marker view): counts (mentions, sentences that hold
both), distances (sentences, tokens between the closest mentions), places (title, first and last
sentences: conclusions), how each concept is written (distinct surface forms, the shares of short and of
lower-case mentions, mentions in the title: features that hold for kg's own spans as for a corpus's, and
help tell a spurious or mis-grounded concept from a named one), and words: the shortest span between
the two mentions with every other mention replaced by an entity marker (``@gene``), two words around
each, the words of the sentences that hold both, and 6-letter stems of them (``inhibi``). Every feature is symmetric in the two
concepts, so a pair has one vector whatever its order.

Dense features are a fixed vector (:data:`DENSE_NAMES`); word features are strings turned into columns
by a :class:`Vocabulary` fitted on training pairs.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter, defaultdict
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from kg.relations.records import Mention, RelationDocument, normalize_entity_type
from kg.relations.text import split_sentences, tokenize

__all__ = ["DENSE_NAMES", "PairContext", "Vocabulary", "document_pairs", "feature_matrix"]

DENSE_NAMES: tuple[str, ...] = (
    "mentions_min", "mentions_max", "sentences_min", "sentences_max",
    "cooc_sentences", "cooc_fraction", "cooc_title", "cooc_last2", "cooc_first_abstract",
    "in_title", "sentence_distance", "token_distance", "mentions_between", "coordination_only",
    "first_position_min", "first_position_max", "rank_min", "rank_max", "top_of_type",
    "doc_concepts", "same_type_concepts_min", "same_type_concepts_max", "doc_sentences", "doc_mentions",
    "mention_share_min", "mention_share_max", "cooc_min_tokens_sentence",
    "forms_min", "forms_max", "short_share_min", "short_share_max", "lower_share_min", "lower_share_max",
    "title_mentions_min", "title_mentions_max",
)
_FAR = 999.0
_COORD = {",", "and", "or", "/", "-", "(", ")", "as", "well", "including", "such", "e", "g", ".", "i"}
_STEM = 6


@dataclass(frozen=True)
class PairContext:
    """One candidate pair of a document: ids (sorted), types, features and carrying sentences."""

    doc_id: str
    source: str
    target: str
    source_type: str
    target_type: str
    dense: tuple[float, ...]
    words: tuple[str, ...]
    sentences: tuple[str, ...]


@dataclass(frozen=True)
class _Occurrence:
    sentence: int
    first: int  # token index of the mention's first token in its sentence
    last: int


def _concept_types(mentions: Iterable[Mention]) -> dict[str, str]:
    votes: dict[str, Counter] = defaultdict(Counter)
    for m in mentions:
        votes[m.concept][normalize_entity_type(m.type)] += 1
    return {c: v.most_common(1)[0][0] for c, v in sorted(votes.items())}


def document_pairs(doc: RelationDocument, pair_types: frozenset[tuple[str, str]] | None = None,
                   only: Container[tuple[str, str]] | None = None) -> list[PairContext]:
    """The candidate pairs of ``doc`` with their features, pairs sorted by (source, target).

    ``pair_types``: the (sorted) entity-type pairs to consider; ``None`` takes every pair.
    ``only``: the (sorted) concept pairs to featurise (a build asks only for its graph's edges); ``None``: all.
    """
    if not doc.mentions:
        return []
    types = _concept_types(doc.mentions)
    concepts = sorted(types)
    candidates = [
        (a, b) for i, a in enumerate(concepts) for b in concepts[i + 1 :]
        if (pair_types is None or tuple(sorted((types[a], types[b]))) in pair_types)
        and (only is None or (a, b) in only)
    ]
    sentences = doc.sentences or split_sentences(doc.text) if candidates else ()
    if not sentences:  # nothing to featurise: the text is not even tokenised (an update asks few pairs)
        return []
    starts = [s for s, _ in sentences]
    tokens = [tokenize(doc.text, s, e) for s, e in sentences]
    token_starts = [[t[0] for t in sent] for sent in tokens]
    occurrences: dict[str, list[_Occurrence]] = defaultdict(list)
    marker_at: list[dict[int, str]] = [dict() for _ in sentences]  # token index -> entity marker
    surfaces: dict[str, list[str]] = defaultdict(list)
    for m in sorted(doc.mentions, key=lambda m: (m.start, m.end, m.concept)):
        surfaces[m.concept].append(doc.text[m.start : m.end])
        si = max(0, bisect.bisect_right(starts, m.start) - 1)
        ts = token_starts[si]
        first = max(0, bisect.bisect_right(ts, m.start) - 1)
        last = max(first, bisect.bisect_left(ts, m.end) - 1)
        occurrences[m.concept].append(_Occurrence(si, first, last))
        for k in range(first, last + 1):
            marker_at[si][k] = "@" + types[m.concept].lower()
    counts = {c: len(v) for c, v in occurrences.items()}
    # ties share a rank, so renaming concepts cannot change a feature
    rank = {c: sum(1 for n in counts.values() if n > counts[c]) for c in counts}
    per_type = Counter(types.values())
    most_of_type: dict[str, int] = {}
    for c, n in counts.items():
        most_of_type[types[c]] = max(n, most_of_type.get(types[c], 0))
    top_of_type = {c: counts[c] == most_of_type[types[c]] for c in counts}
    n_sent = len(sentences)
    n_mentions = sum(counts.values())
    concept_sents = {c: sorted({o.sentence for o in occ}) for c, occ in occurrences.items()}
    surface = {c: _surface_features(forms, occurrences[c]) for c, forms in surfaces.items()}
    stems: dict[int, list[str]] = {}
    # context words only of the concepts of a candidate pair (a build asks about few pairs per document)
    context = {c: _context_words(c, types[c], occurrences[c], tokens, marker_at)
               for c in sorted({c for pair in candidates for c in pair})}
    return [
        _pair(doc, a, b, types, occurrences, concept_sents, tokens, marker_at, sentences,
              counts, rank, per_type, top_of_type, n_sent, n_mentions, context, stems, surface)
        for a, b in candidates
    ]


def _pair(doc, a, b, types, occurrences, concept_sents, tokens, marker_at, sentences,
          counts, rank, per_type, top_of_type, n_sent, n_mentions, context, stems, surface) -> PairContext:
    ta, tb = types[a], types[b]
    sa, sb = set(concept_sents[a]), set(concept_sents[b])
    cooc = sorted(sa & sb)
    words: list[str] = ["TP=" + "|".join(sorted((ta, tb)))]
    best_by_sentence: list[tuple[int, int]] = []  # (token distance, sentence)
    mentions_between = _FAR
    coordination = 0.0
    for si in cooc:
        oa = [o for o in occurrences[a] if o.sentence == si]
        ob = [o for o in occurrences[b] if o.sentence == si]
        x, y = min(((p, q) for p in oa for q in ob), key=lambda pq: _closest(*pq))
        left, right = (x, y) if x.first <= y.first else (y, x)
        gap = _gap(x, y)
        best_by_sentence.append((gap, si))
        between = _marked(tokens[si], marker_at[si], left.last + 1, right.first)
        n_between = sum(1 for w in between if w.startswith("@"))
        mentions_between = min(mentions_between, n_between)
        if between and all(w in _COORD or w.startswith("@") for w in between):
            coordination += 1
        words += ["B:" + w for w in between]
        words += ["BS:" + w[:_STEM] for w in between if not w.startswith("@") and len(w) > 3]
        words += ["BB:" + u + "_" + v for u, v in zip(between, between[1:], strict=False)]
        words += ["L:" + w for w in _marked(tokens[si], marker_at[si], max(0, left.first - 2), left.first)]
        words += ["R:" + w for w in _marked(tokens[si], marker_at[si], right.last + 1, right.last + 3)]
        if not between:
            words.append("B:<adjacent>")
        if si not in stems:
            stems[si] = ["S:" + w[:_STEM] for w in _marked(tokens[si], marker_at[si], 0, len(tokens[si]))
                         if not w.startswith("@") and len(w) > 2]
        words += stems[si]
    words += context[a]
    words += context[b]
    if not cooc:
        words.append("NOCOOC")
    if cooc:
        sent_dist, nearest = 0, (cooc[0], cooc[0])
    else:  # the closest two sentences, one mentioning each concept (ties: earliest)
        nearest = min(((p, q) for p in concept_sents[a] for q in concept_sents[b]),
                      key=lambda pq: (abs(pq[0] - pq[1]), min(pq), max(pq)))
        sent_dist = abs(nearest[0] - nearest[1])
    token_dist = min((g for g, _ in best_by_sentence), default=_FAR)
    in_title = (0 in sa) + (0 in sb)
    min_tokens = min((len(tokens[si]) for si in cooc), default=_FAR)
    dense = (
        min(counts[a], counts[b]), max(counts[a], counts[b]),
        min(len(sa), len(sb)), max(len(sa), len(sb)),
        len(cooc), len(cooc) / n_sent, float(0 in cooc),
        float(any(si >= n_sent - 2 for si in cooc)), float(1 in cooc),
        in_title, sent_dist, token_dist, mentions_between, coordination / max(1, len(cooc)),
        min(concept_sents[a][0], concept_sents[b][0]) / n_sent,
        max(concept_sents[a][0], concept_sents[b][0]) / n_sent,
        min(rank[a], rank[b]), max(rank[a], rank[b]),
        float(top_of_type[a]) + float(top_of_type[b]),
        len(counts), min(per_type[ta], per_type[tb]), max(per_type[ta], per_type[tb]),
        n_sent, math.log1p(n_mentions),
        min(counts[a], counts[b]) / n_mentions, max(counts[a], counts[b]) / n_mentions,
        min_tokens,
        *(f(u, v) for u, v in zip(surface[a], surface[b], strict=True) for f in (min, max)),
    )
    if best_by_sentence:
        chosen = [si for _, si in sorted(best_by_sentence)[:3]]
    else:
        chosen = sorted(set(nearest))
    carrying = tuple(doc.text[sentences[si][0] : sentences[si][1]] for si in chosen)
    return PairContext(doc.id, a, b, ta, tb, tuple(float(v) for v in dense), tuple(words), carrying)


def _surface_features(forms: Sequence[str], occurrences: Sequence[_Occurrence]) -> tuple[float, ...]:
    """How a concept is written, robust to whose spans they are (kg's NER or a corpus's): distinct surface
    forms, the share of short mentions (at most 4 characters: abbreviations, often ambiguous), the share of
    lower-case mentions (common words rather than names) and its mentions in the title."""
    n = len(forms)
    return (float(len({f.lower() for f in forms})), sum(len(f) <= 4 for f in forms) / n,
            sum(f.islower() for f in forms) / n, float(sum(o.sentence == 0 for o in occurrences)))


def _context_words(concept, kind, occurrences, tokens, marker_at) -> list[str]:
    """Three words left and right of the concept's first eight mentions, prefixed by its type."""
    words = []
    for o in occurrences[:8]:
        words += [f"{kind}:L:{w}" for w in _marked(tokens[o.sentence], marker_at[o.sentence], o.first - 3, o.first)]
        words += [f"{kind}:R:{w}" for w in _marked(tokens[o.sentence], marker_at[o.sentence], o.last + 1, o.last + 4)]
    return words


def _closest(x: _Occurrence, y: _Occurrence) -> tuple[int, int, int, int, int]:
    """Order of mention pairs, closest first; symmetric in the two concepts."""
    lo, hi = sorted(((x.first, x.last), (y.first, y.last)))
    return (_gap(x, y), *lo, *hi)


def _gap(x: _Occurrence, y: _Occurrence) -> int:
    if x.first <= y.first:
        return max(0, y.first - x.last - 1)
    return max(0, x.first - y.last - 1)


def _marked(sentence_tokens: Sequence, markers: dict[int, str], start: int, end: int) -> list[str]:
    """Words of tokens ``[start, end)``, each run of one mention's tokens replaced by its marker."""
    out: list[str] = []
    for k in range(max(0, start), min(end, len(sentence_tokens))):
        marker = markers.get(k)
        if marker is None:
            out.append(sentence_tokens[k][2])
        elif not out or out[-1] != marker or markers.get(k - 1) != marker:
            out.append(marker)
    return out


@dataclass(frozen=True)
class Vocabulary:
    """Word features -> column indices (after the dense block), fitted on training pairs."""

    words: tuple[str, ...]

    @classmethod
    def fit(cls, pairs: Iterable[PairContext], min_count: int = 3) -> Vocabulary:
        """Words seen in at least ``min_count`` pairs, sorted (so the same data gives the same columns)."""
        df: Counter = Counter()
        for p in pairs:
            df.update(set(p.words))
        return cls(tuple(sorted(w for w, n in df.items() if n >= min_count)))

    def index(self) -> dict[str, int]:
        return {w: i for i, w in enumerate(self.words)}


def feature_matrix(pairs: Sequence[PairContext], vocabulary: Vocabulary,
                   index: dict[str, int] | None = None) -> sparse.csr_matrix:
    """A CSR matrix: the dense features, then one count column per vocabulary word."""
    index = vocabulary.index() if index is None else index
    n_dense = len(DENSE_NAMES)
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for r, p in enumerate(pairs):
        dense = [(c, v) for c, v in enumerate(p.dense) if v]
        words = [n_dense + j for j in map(index.get, p.words) if j is not None]
        rows += [r] * (len(dense) + len(words))
        cols += [c for c, _ in dense] + words
        vals += [v for _, v in dense] + [1.0] * len(words)
    shape = (len(pairs), n_dense + len(vocabulary.words))
    # COO -> CSR sums the repeated (row, word) entries: each word column holds its count
    matrix = sparse.coo_matrix((np.asarray(vals, dtype=np.float64), (rows, cols)), shape=shape).tocsr()
    matrix.sort_indices()
    return matrix
