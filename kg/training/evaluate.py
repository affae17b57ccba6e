"""Evaluate NER against a gold IOB file with spaCy's exact-span scorer.

A predicted entity counts as correct only when its start, end and label all equal a
gold entity's (:func:`spacy.scorer.get_ner_prf`, the scorer behind ``spacy evaluate``).
Scores are reported in percent. Without a model name the bundled pipeline is used, and
the NER head whose label set best matches the file's labels is the one scored, so
``kg evaluate test.tsv`` works on a BioNLP13CG, BC5CDR or CRAFT file as it is.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from kg.errors import ModelError
from kg.nlp.entity_tagger import is_ner_head
from kg.nlp.heads import SPANS_PREFIX
from kg.nlp.models import BUNDLED, DEFAULT_MODEL, load_model
from kg.training.iob import corpus_labels, read_examples

__all__ = ["evaluate", "choose_head", "format_scores"]


def choose_head(nlp, labels: set[str]) -> str | None:
    """The span-group key of the bundled head whose labels overlap ``labels`` most (None for plain pipelines)."""
    best, best_overlap = None, 0.0
    for name, proc in nlp.pipeline:
        if not is_ner_head(name, proc):
            continue
        head_labels = set(proc.labels)
        overlap = len(head_labels & labels) / max(len(labels | head_labels), 1)
        if overlap > best_overlap:
            best, best_overlap = name, overlap
    if best is None:
        return None
    key = SPANS_PREFIX + best.removeprefix("ner_")
    return key


def evaluate(path: str | Path, *, model: str | None = None, batch_size: int = 128) -> dict[str, Any]:
    """Precision, recall and F1 (percent), overall and per type, of ``model`` on the gold file ``path``."""
    from spacy.scorer import get_ner_prf
    from spacy.training import Example

    name = model or DEFAULT_MODEL
    nlp = load_model(name)
    labels = set(corpus_labels(path))
    key = choose_head(nlp, labels) if name in BUNDLED or "kg_ents_to_spans" in {
        nlp.get_pipe_meta(n).factory for n in nlp.pipe_names} else None
    examples = read_examples(path, nlp.vocab)
    if not examples:
        raise ModelError(f"{path}: no sentences to evaluate")
    docs = [eg.predicted.copy() for eg in examples]
    started = time.perf_counter()
    scored = []
    for doc, eg in zip(nlp.pipe(docs, batch_size=batch_size), examples, strict=False):
        if key is not None:
            doc.ents = [e for e in doc.spans.get(key, [])]
        scored.append(Example(doc, eg.reference))
    seconds = time.perf_counter() - started
    prf = get_ner_prf(scored)
    per_type = {
        lab: {"precision": 100 * v["p"], "recall": 100 * v["r"], "f1": 100 * v["f"]}
        for lab, v in sorted(prf["ents_per_type"].items())
    }
    words = sum(len(eg.reference) for eg in examples)
    return {
        "precision": 100 * prf["ents_p"],
        "recall": 100 * prf["ents_r"],
        "f1": 100 * prf["ents_f"],
        "per_type": per_type,
        "model": str(name),
        "head": key,
        "file": str(path),
        "sentences": len(examples),
        "tokens": words,
        "tokens_per_second": round(words / seconds) if seconds else None,
        "scale": "percent",
    }


def format_scores(scores: dict[str, Any]) -> str:
    """A plain-text table of :func:`evaluate`'s result."""
    lines = [
        f"{scores['file']}  model={scores['model']}" + (f"  head={scores['head']}" if scores.get("head") else ""),
        f"{'type':<32}{'P':>8}{'R':>8}{'F1':>8}",
    ]
    for lab, v in scores["per_type"].items():
        lines.append(f"{lab:<32}{v['precision']:>8.2f}{v['recall']:>8.2f}{v['f1']:>8.2f}")
    lines.append(f"{'ALL':<32}{scores['precision']:>8.2f}{scores['recall']:>8.2f}{scores['f1']:>8.2f}")
    return "\n".join(lines)
