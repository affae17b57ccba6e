"""NER as BILUO sequence tagging: a softmax per token, decoded by constrained Viterbi.

spaCy's transition-based ``ner`` runs a small network once per parser *state*, token by
token; with three heads on one shared tok2vec that loop was three quarters of kg's NER
time. Here a head is one affine layer (optionally a maxout hidden layer) applied to all
tokens at once, trained with token-level cross-entropy on BILUO tags, the classic
neural sequence-labelling recipe (Collobert et al. 2011, "Natural Language Processing
(almost) from Scratch", sentence-level decoding of per-token scores). Decoding finds the
highest-scoring tag sequence that is a valid BILUO sequence (Ratinov & Roth 2009 for the
BILOU scheme): ``I-x``/``L-x`` only after ``B-x``/``I-x``, no entity left open at the
end. With BILUO the constraint has a special structure, so the exact Viterbi search costs
O(number of types) per token (:func:`viterbi_biluo`), vectorised over a batch of documents.

Layout of the tag inventory for entity labels ``L0 .. Lk-1`` (:func:`biluo_tags`):
index 0 is ``O``; label ``k`` owns ``B-Lk, I-Lk, L-Lk, U-Lk`` at ``1 + 4k + (0, 1, 2, 3)``.

The spaCy component (``kg_entity_tagger``) sets ``doc.ents``, like ``ner``, so it drops
into the same pipelines; its architecture is ``kg.EntityTagger.v1``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import islice
from typing import Any

import numpy as np
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.tokens import Doc, Span
from spacy.training import Example, validate_examples
from spacy.util import registry
from thinc.api import Maxout, Model, SequenceCategoricalCrossentropy, Softmax, chain, with_array
from thinc.types import Floats2d

__all__ = [
    "biluo_tags",
    "viterbi_biluo",
    "tags_to_spans",
    "is_ner_head",
    "build_entity_tagger_model",
    "EntityTagger",
    "make_entity_tagger",
]

_B, _I, _L, _U = 0, 1, 2, 3
_NEG = -1e9


def biluo_tags(labels: Sequence[str]) -> list[str]:
    """The tag inventory for ``labels``: ``O``, then ``B-, I-, L-, U-`` of each label in order."""
    return ["O"] + [f"{prefix}-{label}" for label in labels for prefix in "BILU"]


def viterbi_biluo(logp: np.ndarray, lengths: Sequence[int]) -> list[np.ndarray]:
    """Best valid BILUO tag ids for a padded batch of log-probabilities ``(batch, time, 1 + 4k)``.

    Valid: a sequence starts with ``O``, ``B-x`` or ``U-x``; ``B-x``/``I-x`` are followed by
    ``I-x``/``L-x``; ``O``, ``L-x``, ``U-x`` ("closed" states) by ``O``, ``B-y``, ``U-y``; the
    last token is closed. States of the same label are the only ones an open entity can
    reach, so each step needs the best closed state and, per label, the better of ``B``/``I``.
    """
    n_batch, n_time, n_tags = logp.shape
    n_labels = (n_tags - 1) // 4
    lengths = np.asarray(lengths, dtype=np.int64)
    if n_time == 0:
        return [np.zeros(0, dtype=np.int64) for _ in range(n_batch)]
    # time-major, one contiguous (batch, labels) block per step and role: the steps below then
    # work on small dense arrays (strided slices of the (batch, time, tags) array cost 5x more)
    scores = np.ascontiguousarray(logp[:, :, 1:].reshape(n_batch, n_time, n_labels, 4).transpose(1, 3, 0, 2))
    outside = np.ascontiguousarray(logp[:, :, 0].T)
    label_ids = 1 + 4 * np.arange(n_labels)
    closed_ids = np.concatenate([[0], label_ids + _L, label_ids + _U])  # the column order of ``cand``
    # cand[:, 0] = O, cand[:, 1:1+k] = L-x, cand[:, 1+k:] = U-x: the closed states at step t
    cand = np.empty((n_batch, 1 + 2 * n_labels), dtype=logp.dtype)
    v_o, v_l, v_u = cand[:, 0], cand[:, 1 : 1 + n_labels], cand[:, 1 + n_labels :]
    v_o[:] = outside[0]
    v_l[:] = _NEG
    v_u[:] = scores[0, _U]
    v_b = scores[0, _B].copy()
    v_i = np.full((n_batch, n_labels), _NEG, dtype=logp.dtype)
    best_open = np.empty_like(v_i)
    rows = np.arange(n_batch)
    # Back-pointers: closed_arg[t] is the best closed state at t (a column of ``cand``);
    # open_from_b[t] says, per label, whether B (rather than I) was the better open state at t - 1.
    closed_arg = np.zeros((n_time, n_batch), dtype=np.int64)
    open_from_b = np.zeros((n_time, n_batch, n_labels), dtype=bool)
    for t in range(n_time - 1):
        arg = closed_arg[t] = cand.argmax(axis=1)
        best_closed = cand[rows, arg]
        np.greater_equal(v_b, v_i, out=open_from_b[t + 1])
        np.maximum(v_b, v_i, out=best_open)
        s = scores[t + 1]
        np.add(outside[t + 1], best_closed, out=v_o)
        best_closed = best_closed[:, None]
        np.add(s[_B], best_closed, out=v_b)
        np.add(s[_U], best_closed, out=v_u)
        np.add(s[_I], best_open, out=v_i)
        np.add(s[_L], best_open, out=v_l)
    closed_arg[n_time - 1] = cand.argmax(axis=1)
    # Going back from the best closed state at each sequence's last position: an I/L tag's
    # predecessor is B or I of its label, any other tag's the best closed state one step back.
    # Per document in plain Python: most tags are O, and a loop over the batch's longest
    # sequence with a dozen numpy calls per step was slower.
    closed_tags = closed_ids[closed_arg]
    paths = []
    for b in range(n_batch):
        n = int(lengths[b])
        if n == 0:
            paths.append(np.zeros(0, dtype=np.int64))
            continue
        best = closed_tags[:n, b].tolist()
        path = [0] * n
        tag = best[n - 1]
        for t in range(n - 1, -1, -1):
            path[t] = tag
            role = (tag - 1) % 4
            if tag and (role == _I or role == _L):
                label = (tag - 1) // 4
                tag = 1 + 4 * label + (_B if open_from_b[t, b, label] else _I)
            elif t:
                tag = best[t - 1]
        paths.append(np.array(path, dtype=np.int64))
    return paths


def tags_to_spans(tag_ids: Iterable[int]) -> list[tuple[int, int, int]]:
    """``(start, end, label index)`` token spans of a valid BILUO tag-id sequence."""
    spans, start = [], None
    for i, tag in enumerate(tag_ids):
        if tag == 0:
            start = None
            continue
        label, role = divmod(int(tag) - 1, 4)
        if role == _U:
            spans.append((i, i + 1, label))
            start = None
        elif role == _B:
            start = i
        elif role == _L and start is not None:
            spans.append((start, i + 1, label))
            start = None
    return spans


def is_ner_head(name: str, proc: Any) -> bool:
    """Whether a pipeline component predicts entities: spaCy's ``ner`` or kg's entity tagger."""
    if isinstance(proc, EntityTagger):
        return True
    return getattr(proc, "moves", None) is not None and "ner" in name


@registry.architectures("kg.EntityTagger.v1")
def build_entity_tagger_model(
    tok2vec: Model, hidden_width: int = 0, maxout_pieces: int = 2, nO: int | None = None
) -> Model[list[Doc], list[Floats2d]]:
    """tok2vec, then per token an optional maxout hidden layer and a softmax over the BILUO tags."""
    output = Softmax(nO=nO)
    head = chain(Maxout(nO=hidden_width, nP=maxout_pieces, normalize=True), output) if hidden_width else output
    model = chain(tok2vec, with_array(head))
    model.set_ref("tok2vec", tok2vec)
    model.set_ref("output_layer", output)
    return model


class EntityTagger(TrainablePipe):
    """Entity recognizer as a BILUO tagger with constrained Viterbi decoding (see module docstring)."""

    def __init__(self, vocab, model: Model, name: str = "entity_tagger", *, scorer: Callable | None = None) -> None:
        self.vocab = vocab
        self.model = model
        self.name = name
        self.cfg: dict[str, Any] = {"labels": []}
        self.scorer = scorer

    @property
    def labels(self) -> tuple[str, ...]:
        """The entity labels (not the BILUO tags)."""
        return tuple(self.cfg["labels"])

    @property
    def label_data(self) -> tuple[str, ...]:
        return self.labels

    @property
    def tags(self) -> list[str]:
        return biluo_tags(self.labels)

    def add_label(self, label: str) -> int:
        if label in self.labels:
            return 0
        self._allow_extra_label()
        self.cfg["labels"].append(label)
        self.vocab.strings.add(label)
        return 1

    def predict(self, docs: Sequence[Doc]) -> list[np.ndarray]:
        """Best valid BILUO tag ids per document."""
        docs = list(docs)
        lengths = [len(doc) for doc in docs]
        if not any(lengths):
            return [np.zeros(0, dtype=np.int64) for _ in docs]
        probs = self.model.predict(docs)
        padded = np.zeros((len(docs), max(lengths), len(self.tags)), dtype="float32")
        for i, p in enumerate(probs):
            padded[i, : len(p)] = self.model.ops.to_numpy(p)
        return viterbi_biluo(np.log(padded + 1e-8), lengths)

    def set_annotations(self, docs: Sequence[Doc], batch_tag_ids: Sequence[np.ndarray]) -> None:
        labels = self.labels
        for doc, tag_ids in zip(docs, batch_tag_ids, strict=True):
            doc.ents = [Span(doc, s, e, label=labels[k]) for s, e, k in tags_to_spans(tag_ids)]

    def get_loss(self, examples: Iterable[Example], scores) -> tuple[float, list]:
        """Token-level cross-entropy against the gold BILUO tags; misaligned or unknown tokens are ignored."""
        validate_examples(examples, "EntityTagger.get_loss")
        known = set(self.tags)
        truths = [[tag if tag in known else None for tag in eg.get_aligned_ner()] for eg in examples]
        loss_func = SequenceCategoricalCrossentropy(names=self.tags, normalize=False, missing_value=None)
        d_scores, loss = loss_func(scores, truths)
        return float(loss), d_scores

    def initialize(self, get_examples: Callable[[], Iterable[Example]], *, nlp=None, labels=None) -> None:
        """Add the entity labels found in ``get_examples()`` (or ``labels``) and size the output layer."""
        if labels is None:
            labels = sorted({ent.label_ for eg in get_examples() for ent in eg.reference.ents})
        for label in labels:
            self.add_label(label)
        self._require_labels()
        output = self.model.get_ref("output_layer")
        if not output.has_dim("nO"):
            output.set_dim("nO", len(self.tags))
        sample = [eg.predicted for eg in islice(get_examples(), 10)]
        self.model.initialize(X=sample)


@Language.factory(
    "kg_entity_tagger",
    assigns=["doc.ents", "token.ent_iob", "token.ent_type"],
    default_config={"scorer": {"@scorers": "spacy.ner_scorer.v1"}},
    default_score_weights={"ents_f": 1.0, "ents_p": 0.0, "ents_r": 0.0, "ents_per_type": None},
)
def make_entity_tagger(nlp: Language, name: str, model: Model, scorer: Callable | None) -> EntityTagger:
    """Component: BILUO entity tagger (architecture ``kg.EntityTagger.v1`` on a tok2vec listener)."""
    return EntityTagger(nlp.vocab, model, name, scorer=scorer)
