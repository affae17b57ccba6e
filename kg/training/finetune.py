"""Second training stage: each NER head trains alone on the frozen shared tok2vec.

After multi-task training (:mod:`kg.training.train`) the shared encoder is a compromise between the
corpora, and early stopping picks the epoch with the best *mean* dev F1, which is rarely
the best epoch of every head. scispaCy trains its specialised NER models on a frozen
pretrained tok2vec (Neumann et al. 2019, "ScispaCy: Fast and Robust Models for Biomedical
Natural Language Processing", BioNLP); here the heads get the same treatment as a second
stage: the tok2vec is frozen (so no head can disturb another), its output is computed once
per sentence, and each head continues training on its own corpus with a smaller learning
rate. On the tuning run every head keeps its best epoch on dev (0 = not fine-tuned), and
a final run (trained on train + dev) takes those epoch counts from the tuning run.

Config section ``[finetune]``: ``epochs`` (the most a head trains; 0 turns the stage off),
``learn_rate``; the optimizer, dropout and batch size are those of the first stage.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import spacy
from spacy.training import Example
from spacy.util import fix_random_seed, registry

from kg.errors import InputError
from kg.training.examples import input_docs, ner_scores, word_batches

__all__ = ["finetune_heads", "tuned_epochs", "set_tensors"]


def set_tensors(nlp: spacy.Language, docs: list) -> None:
    """Store the (frozen) tok2vec's output in ``doc.tensor``, where a listener reads it."""
    tok2vec = nlp.get_pipe("tok2vec")
    for start in range(0, len(docs), 256):
        batch = docs[start:start + 256]
        tok2vec.set_annotations(batch, tok2vec.predict(batch))


def _params(model) -> list[tuple[Any, str, Any]]:
    return [(node, name, node.get_param(name).copy()) for node in model.walk()
            for name in node.param_names if node.has_param(name)]


def _f1(nlp: spacy.Language, head: str, dev_docs: list, dev: list[Example]) -> dict[str, Any]:
    for doc in dev_docs:
        doc.ents = []  # spaCy's ner keeps entities already set: the last epoch's guesses would stay
    return ner_scores(list(nlp.get_pipe(head).pipe(dev_docs, batch_size=256)), dev)


def finetune_heads(
    nlp: spacy.Language,
    train_ex: dict[str, list[Example]],
    dev_ex: dict[str, list[Example]],
    *,
    config: dict[str, Any],
    epochs: dict[str, int],
    select_on_dev: bool,
    log: Callable[[str], None] = print,
) -> dict[str, dict[str, Any]]:
    """Train each head in ``epochs`` on its ``train_ex`` with the tok2vec frozen; change ``nlp`` in place.

    ``train_ex`` docs must carry the input features (``kg.training.examples.add_features``). With
    ``select_on_dev`` each head ends at its best dev epoch of ``0..epochs[head]`` (0 keeps
    the first stage's weights); otherwise at ``epochs[head]``. Returns per head the epoch
    kept, its dev scores and the per-epoch dev F1.
    """
    tcfg, fcfg = config["training"], config.get("finetune", {})
    seed = int(tcfg.get("seed", 0))
    drop, batch_words = float(tcfg.get("dropout", 0.1)), int(tcfg.get("batch_words", 1000))
    learn_rate = float(fcfg.get("learn_rate", 0.0005))
    report: dict[str, dict[str, Any]] = {}
    for head, n_epochs in epochs.items():
        fix_random_seed(seed)
        rng = random.Random(seed)
        ner = nlp.get_pipe(head)
        for listener in nlp.get_pipe("tok2vec").listener_map.get(head, []):
            listener._batch_id = None  # read doc.tensor: the frozen path of spaCy's listener
        t0 = time.time()
        train_docs = [eg.predicted for eg in train_ex[head]]
        dev_docs = input_docs(nlp, dev_ex[head])
        set_tensors(nlp, train_docs)
        set_tensors(nlp, dev_docs)
        sgd = registry.resolve({"optimizer": config["optimizer"]})["optimizer"]
        sgd.learn_rate = learn_rate
        start = _f1(nlp, head, dev_docs, dev_ex[head])
        best_epoch, best, kept, curve = 0, start, _params(ner.model), [round(100 * start["f1"], 2)]
        for epoch in range(1, n_epochs + 1):
            losses: dict[str, float] = {}
            for batch in word_batches(train_ex[head], batch_words, rng):
                ner.update(batch, drop=drop, sgd=sgd, losses=losses)
            with ner.model.use_params(sgd.averages):
                scores = _f1(nlp, head, dev_docs, dev_ex[head])
                curve.append(round(100 * scores["f1"], 2))
                if not select_on_dev or scores["f1"] > best["f1"]:
                    best_epoch, best, kept = epoch, scores, _params(ner.model)
            log(f"finetune {head} epoch={epoch} loss={losses.get(head, 0.0):.1f} f1={100 * scores['f1']:.2f}"
                + ("  *best*" if best_epoch == epoch else ""))
        for node, name, value in kept:
            node.set_param(name, value)
        for doc in train_docs:
            doc.tensor = doc.tensor[:0]  # free the frozen outputs
        log(f"finetune {head}: kept epoch {best_epoch}, dev F1 {100 * start['f1']:.2f} -> {100 * best['f1']:.2f} "
            f"({time.time() - t0:.0f}s)")
        report[head] = {"epoch": best_epoch, "dev_scores": best, "dev_f1_per_epoch": curve}
    return report


def tuned_epochs(tuning: str | Path, heads: list[str]) -> dict[str, int] | None:
    """The fine-tuning epochs each head kept in a tuning run (its ``training.json``), if it had the stage."""
    record = json.loads((Path(tuning) / "training.json").read_text(encoding="utf-8"))
    kept = record.get("finetune")
    if kept is None:
        return None
    missing = [h for h in heads if h not in kept]
    if missing:
        raise InputError(str(tuning), f"the tuning run has no fine-tuning record for {missing[0]}; "
                         "tune with the same config")
    return {h: int(kept[h]["epoch"]) for h in heads}
