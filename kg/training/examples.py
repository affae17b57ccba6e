"""Training examples: the pipeline's input features, epoch samples, word batches and NER scores.

Shared by :mod:`kg.training.train` (multi-task training) and :mod:`kg.training.finetune`
(each head alone on the frozen tok2vec).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import spacy
from spacy.scorer import get_ner_prf
from spacy.training import Example

__all__ = ["feature_components", "add_features", "epoch_sample", "word_batches", "input_docs", "ner_scores"]


def feature_components(nlp: spacy.Language) -> list[tuple[str, Callable]]:
    """The untrained components before the shared ``tok2vec`` that set token attributes it reads.

    spaCy's ``nlp.update`` runs only trainable components, so kg applies these (e.g. the
    dictionary features of :mod:`kg.nlp.gazetteer`, which assigns ``token.tag``) to the
    training and dev docs itself. Sentence splitters are not among them: a corpus sentence
    stays one sentence.
    """
    names = nlp.pipe_names
    stop = names.index("tok2vec") if "tok2vec" in names else 0
    return [(name, proc) for name, proc in nlp.pipeline[:stop]
            if not hasattr(proc, "model") and "token.tag" in nlp.get_pipe_meta(name).assigns]


def add_features(nlp: spacy.Language, docs):
    """Run the feature components (:func:`feature_components`) over ``docs``; returns them."""
    for _, proc in feature_components(nlp):
        docs = [proc(doc) for doc in docs]
    return docs


def epoch_sample(examples: list[Example], weight: float, rng: random.Random) -> list[Example]:
    """The sentences of one head for one epoch: ``weight`` times its corpus (every sentence
    ``int(weight)`` times, plus a fresh random share for the fraction), so corpora can be
    sampled in proportions other than their sizes, as multi-task training does to keep a
    corpus that overfits early from dominating, or a hard one from being under-trained."""
    whole, part = int(weight), weight - int(weight)
    chosen = list(examples) * whole
    if part > 0:
        chosen += rng.sample(examples, round(part * len(examples)))
    return chosen


def word_batches(examples: list[Example], batch_words: int, rng: random.Random) -> list[list[Example]]:
    """The examples shuffled and cut into batches of about ``batch_words`` words."""
    order = list(examples)
    rng.shuffle(order)
    batches: list[list[Example]] = []
    batch: list[Example] = []
    words = 0
    for eg in order:
        batch.append(eg)
        words += len(eg.predicted)
        if words >= batch_words:
            batches.append(batch)
            batch, words = [], 0
    if batch:
        batches.append(batch)
    return batches


def input_docs(nlp, examples: list[Example]) -> list:
    """Fresh docs of the examples' gold tokens, with the pipeline's input features, to predict on."""
    return add_features(nlp, [spacy.tokens.Doc(nlp.vocab, words=[t.text for t in eg.reference]) for eg in examples])


def ner_scores(predicted: list, examples: list[Example]) -> dict[str, Any]:
    """Exact-span precision, recall, F1 and per-type scores of predicted docs against the examples' gold."""
    prf = get_ner_prf([Example(pred, eg.reference) for pred, eg in zip(predicted, examples, strict=True)])
    return {"precision": prf["ents_p"], "recall": prf["ents_r"], "f1": prf["ents_f"], "per_type": prf["ents_per_type"]}
