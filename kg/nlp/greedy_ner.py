"""Greedy decoding of spaCy's transition-based ``ner``, vectorised over a batch of documents.

The model and the transition system are spaCy's (``TransitionBasedParser.v2`` with the BILUO
moves of ``spacy.pipeline._parser_internals.ner.BiluoPushDown``; Lample et al. 2016's
stack-LSTM NER transitions, in spaCy's greedy form). Only the loop that applies them moves
from spaCy's compiled ``Parser._parseC`` to numpy: spaCy 3.8's build of that loop takes and
drops the GIL inside ``StateC::B_`` and thinc's ``Vec.arg_max``, several times per token and
move (perf on kg_biomed's BC5CDR head: about a third of its time in ``take_gil`` and mutexes).

Every NER move consumes one token, so the documents of a batch advance in lockstep, one
position per step, and each step is a handful of array operations over the documents still
running:

1. features, as ``StateC.set_context_tokens`` with 3 features: the next token; the first
   token of the open entity; the token before the next one if an entity is open (-1: none);
2. hidden = maxout over pieces of the sum of the three precomputed lower-layer rows (the
   padding row for -1) plus the bias, summed in spaCy's order; scores = the upper layer;
   classes never seen in training get the batch's lowest score (``predict_states``);
3. the best valid move (first of equal scores, ``arg_max_if_valid``), with the validity rules
   of ``Begin``/``In``/``Last``/``Unit``/``Out.is_valid`` for documents without preset entities:
   an entity cannot extend into the next sentence, B needs a next token, I needs a next token
   in the same sentence, B and U cannot start on white space.

The upper layer's product goes through numpy's BLAS instead of BLIS, so scores can differ in
the last float32 bit; on 1,000 PubMed abstracts the entities were the same as spaCy's.
:func:`decodable` says whether a component qualifies (greedy, 3 features, an upper layer, no
post-process hooks); a batch with preset entities goes to spaCy's own loop.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np
from spacy.attrs import ENT_IOB, IS_SPACE, SENT_START
from spacy.tokens import Doc, Span
from spacy.util import minibatch
from thinc.api import NumpyOps

__all__ = ["decodable", "greedy_decode", "GreedyNer"]

_MOVES = ("B", "I", "L", "U", "O")


def decodable(proc: Any) -> bool:
    """Whether ``proc`` is a spaCy NER component :func:`greedy_decode` reproduces."""
    from spacy.pipeline import EntityRecognizer

    if not isinstance(proc, EntityRecognizer) or proc.cfg.get("beam_width", 1) != 1 or proc.postprocesses:
        return False
    model = proc.model
    if not isinstance(model.ops, NumpyOps):  # arrays on a GPU: spaCy's own loop
        return False
    try:
        lower, upper = model.get_ref("lower"), model.get_ref("upper")
        return bool(model.attrs.get("has_upper")) and lower.get_dim("nF") == 3 and upper.has_param("W")
    except (KeyError, ValueError):
        return False


def _move_table(proc) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Per class: its move (index into :data:`_MOVES`, -1 never valid) and label index; the labels."""
    labels: list[str] = []
    kinds, label_ids = [], []
    for i in range(proc.moves.n_moves):
        name = proc.moves.get_class_name(i)
        move, _, label = name.partition("-")
        if move not in _MOVES or (move != "O" and not label):  # "U-" (blocked preset) and missing
            kinds.append(-1)
            label_ids.append(-1)
            continue
        if label and label not in labels:
            labels.append(label)
        kinds.append(_MOVES.index(move))
        label_ids.append(labels.index(label) if label else -1)
    return np.array(kinds), np.array(label_ids), labels


def greedy_decode(proc, docs: Sequence[Doc]) -> list[list[tuple[int, int, str]]]:
    """Entities ``(start, end, label)`` (token offsets) per document, as ``proc``'s greedy parse finds them."""
    docs = list(docs)
    lengths = np.array([len(d) for d in docs], dtype=np.int64)
    out: list[list[tuple[int, int, str]]] = [[] for _ in docs]
    if not lengths.sum():
        return out
    model = proc.model
    lower, upper = model.get_ref("lower"), model.get_ref("upper")
    cached = lower.predict(model.get_ref("tok2vec").predict(docs))  # (tokens + 1, nF, nO, nP); row 0 pads
    bias = lower.get_param("b")
    weights, upper_bias = upper.get_param("W"), upper.get_param("b")
    unseen = sorted(model.attrs.get("unseen_classes") or ())
    kinds, label_of, labels = _move_table(proc)
    by_state, by_context = _validity_tables(kinds, label_of, len(labels))
    # pieces before outputs, so the maxout is an elementwise maximum of contiguous blocks
    cached = np.ascontiguousarray(cached.transpose(0, 1, 3, 2))  # (tokens + 1, nF, nP, nO)
    bias = np.ascontiguousarray(bias.T)

    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    total = int(lengths.sum())
    space = np.zeros(total + 1, dtype=bool)
    sent_start = np.zeros(total + 1, dtype=bool)
    for k, doc in enumerate(docs):
        if lengths[k]:
            flags = doc.to_array([IS_SPACE, SENT_START])
            space[offsets[k] : offsets[k] + lengths[k]] = flags[:, 0] == 1
            sent_start[offsets[k] : offsets[k] + lengths[k]] = flags[:, 1].astype(np.int64) == 1

    n_docs = len(docs)
    open_label = np.full(n_docs, -1, dtype=np.int64)  # label index of the open entity, -1: none
    ent_start = np.zeros(n_docs, dtype=np.int64)
    running = np.flatnonzero(lengths > 0)
    f_ids = np.arange(3)
    ids = np.empty((n_docs, 3), dtype=np.int64)
    for t in range(int(lengths.max())):
        running = running[lengths[running] > t]
        n_run = len(running)
        pos = offsets[running] + t  # the next token, in the batch's token numbering
        state = open_label[running]
        is_open = state >= 0
        # +1: row 0 of ``cached`` is the padding row, for -1 ("no such token")
        ids[:n_run, 0] = pos + 1
        ids[:n_run, 1] = np.where(is_open, offsets[running] + ent_start[running] + 1, 0)
        ids[:n_run, 2] = np.where(is_open, pos, 0)
        rows = cached[ids[:n_run], f_ids]  # (docs, nF, nP, nO)
        summed = rows[:, 0] + rows[:, 1]
        summed += rows[:, 2]
        summed += bias
        hidden = summed[:, 0]
        for piece in range(1, summed.shape[1]):
            hidden = np.maximum(hidden, summed[:, piece])
        scores = hidden @ weights.T
        scores += upper_bias
        if unseen:
            scores[:, unseen] = scores.min()
        may_continue = (lengths[running] > t + 1) & ~sent_start[pos + 1]
        valid = by_state[state + 1] & by_context[may_continue * 2 + ~space[pos]]
        best = np.where(valid, scores, -np.inf).argmax(axis=1)
        move, label = kinds[best], label_of[best]
        stuck = ~valid.any(axis=1)  # no valid move: spaCy forces such a state to end, as is
        move[stuck] = -1
        closes = (move == 2) | (move == 3)  # L and U close an entity
        for j in np.flatnonzero(closes):
            k = int(running[j])
            start = int(ent_start[k]) if move[j] == 2 else t
            out[k].append((start, t + 1, labels[int(label[j])]))
        opened = move == 0
        ent_start[running[opened]] = t
        open_label[running[opened]] = label[opened]
        open_label[running[closes]] = -1
        if stuck.any():
            running = running[~stuck]
    return out


def _validity_tables(kinds: np.ndarray, label_of: np.ndarray, n_labels: int) -> tuple[np.ndarray, np.ndarray]:
    """The valid classes as two lookups: by state (row 0: no open entity, row 1 + l: label l open)
    and by context (row ``2 * may_continue + not_space``; may_continue: a next token in the same
    sentence). B needs both, I needs may_continue, U needs not_space (``ner.pyx``'s is_valid)."""
    begin, inside, last, unit, out = ((kinds == k) for k in range(5))
    by_state = np.zeros((n_labels + 1, len(kinds)), dtype=bool)
    by_state[0] = begin | unit | out
    for k in range(n_labels):
        by_state[k + 1] = (inside | last) & (label_of == k)
    by_context = np.ones((4, len(kinds)), dtype=bool)
    for may_continue in (0, 1):
        for not_space in (0, 1):
            row = by_context[2 * may_continue + not_space]
            row[begin] = bool(may_continue and not_space)
            row[inside] = bool(may_continue)
            row[unit] = bool(not_space)
    return by_state, by_context


def _has_presets(doc: Doc) -> bool:
    iob = doc.to_array(ENT_IOB)
    return bool(((iob == 1) | (iob == 3)).any())


class GreedyNer:
    """Stands in for a spaCy ``ner`` component: :func:`greedy_decode` in ``__call__``/``pipe``,
    everything else (training, scoring, serialisation, labels) delegated to the component."""

    def __init__(self, proc) -> None:
        self.component = proc

    def __getattr__(self, name: str) -> Any:
        if name == "component":  # not set yet (unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.component, name)

    def __call__(self, doc: Doc) -> Doc:
        return next(self.pipe([doc]))

    def pipe(self, docs: Iterable[Doc], *, batch_size: int = 256) -> Iterator[Doc]:
        for batch in minibatch(docs, size=batch_size):
            if any(_has_presets(doc) for doc in batch):
                yield from self.component.pipe(batch, batch_size=batch_size)
                continue
            for doc, ents in zip(batch, greedy_decode(self.component, batch), strict=True):
                doc.set_ents([Span(doc, s, e, label=label) for s, e, label in ents], default="outside")
                yield doc
