"""Relation benchmark: kg's relation model on BioRED Dev, document level (Luo et al. 2022).

With GOLD entities (the corpus's own mentions and concept ids): precision, recall and F of
(document, concept pair), (+ BioRED type) and (+ novelty) at the model's threshold, per-type
figures, and the average precision of the related probability over every candidate pair against
co-occurrence baselines: the count of sentences that mention both concepts, and the number of
mentions of the rarer concept. Optionally (``--cdr``) the AP of chemical-induced-disease pairs on
the CDR development set with gold entities.

End to end (kg's NER and grounding) is the lead's to plug in: :func:`evaluate_with_mentions` takes
a function that gives the predicted mentions (with concept ids in the gold namespace) of a document,
and scores the model's pairs on those mentions against the same gold relations.

Usage::

    python benchmarks/relations.py [--biored DIR] [--cdr DIR] [--model PATH]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from kg.relations import RELATION_TYPES, Mention, RelationDocument, RelationModel
from kg.relations.pubtator import AnnotatedDocument, read_pubtator_relations
from kg.relations.scoring import PRF, RelationScores, average_precision, score_predictions
from kg.training.relations import evaluate_documents

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpora" / "relations"

MentionFunction = Callable[[RelationDocument], Sequence[Mention]]


def evaluate_with_mentions(model: RelationModel, documents: Sequence[AnnotatedDocument],
                           mentions: MentionFunction) -> RelationScores:
    """Scores of ``model`` when the mentions come from ``mentions(doc)`` (e.g. kg's NER + grounding,
    ids mapped to the corpus's namespace) instead of the gold annotation; gold relations unchanged."""
    predicted = [replace(doc, mentions=tuple(mentions(doc))) for doc, _ in documents]
    predictions = [p for preds in model.predict_many(predicted) for p in preds]
    gold = [r for _, relations in documents for r in relations]
    return score_predictions(gold, predictions, model.threshold, documents=len(documents))


def baseline_ap(model: RelationModel, documents: Sequence[AnnotatedDocument]) -> dict[str, float]:
    """AP over all candidate pairs: the related probability and two co-occurrence baselines."""
    gold = {(doc.id, *r.pair) for doc, relations in documents for r in relations}
    pairs = [p for doc, _ in documents for p in model.pairs(doc)]
    labels = [(p.doc_id, p.source, p.target) in gold for p in pairs]
    related = [p.related for p in model.predict_pairs(pairs)]

    def dense(name: str) -> list[float]:
        from kg.relations.features import DENSE_NAMES

        k = DENSE_NAMES.index(name)
        return [p.dense[k] for p in pairs]

    return {
        "related probability (model)": average_precision(related, labels, positives=len(gold)),
        "sentences with both (count)": average_precision(dense("cooc_sentences"), labels, positives=len(gold)),
        "mentions of the rarer concept": average_precision(dense("mentions_min"), labels, positives=len(gold)),
    }


def per_type(scores_docs: Sequence[AnnotatedDocument], predictions, threshold: float) -> list[str]:
    """Pair+type P/R/F of each BioRED type."""
    lines = []
    for kind in RELATION_TYPES:
        gold = {(r.doc_id, *r.pair) for _, rels in scores_docs for r in rels if r.type == kind}
        pred = {(p.doc_id, p.source, p.target) for p in predictions if p.related >= threshold and p.relation == kind}
        tp = len(gold & pred)
        prf = PRF(tp, len(pred) - tp, len(gold) - tp)
        lines.append(prf.line(f"  {kind}"))
    return lines


def cdr_ap(model: RelationModel, path: Path) -> tuple[float, float, int]:
    """AP of CID pairs among chemical-disease candidate pairs of CDR dev (gold entities): model, count."""
    docs = read_pubtator_relations(path)
    gold = {(doc.id, *r.pair) for doc, relations in docs for r in relations if r.type == "CID"}
    pairs = [p for doc, _ in docs for p in model.pairs(doc)
             if {p.source_type, p.target_type} == {"ChemicalEntity", "DiseaseOrPhenotypicFeature"}]
    labels = [(p.doc_id, p.source, p.target) in gold for p in pairs]
    related = [p.related for p in model.predict_pairs(pairs)]
    from kg.relations.features import DENSE_NAMES

    cooc = [p.dense[DENSE_NAMES.index("cooc_sentences")] for p in pairs]
    return (average_precision(related, labels, positives=len(gold)),
            average_precision(cooc, labels, positives=len(gold)), len(gold))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--biored", type=Path, default=SHARED / "BioRED", help="folder with Dev.PubTator")
    parser.add_argument("--cdr", type=Path, default=SHARED / "CDR", help="folder with CDR_DevelopmentSet.PubTator.txt")
    parser.add_argument("--model", default=None, help="relation model folder (default: the shipped one)")
    args = parser.parse_args(argv)
    dev = args.biored / "Dev.PubTator"
    if not dev.is_file():
        print(f"{dev}: not found; pass --biored with the BioRED folder", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    model = RelationModel.load(args.model)
    load_seconds = time.perf_counter() - t0
    documents = read_pubtator_relations(dev)
    t0 = time.perf_counter()
    scores, predictions = evaluate_documents(model, documents)
    seconds = time.perf_counter() - t0
    print(f"BioRED Dev, GOLD entities ({model.meta.get('trained_on', '?')} model, loaded in {load_seconds:.2f} s; "
          f"{len(documents) / seconds:.0f} documents/s, {len(predictions)} candidate pairs)")
    for line in scores.lines():
        print("  " + line)
    print("  pair+type per type:")
    for line in per_type(documents, predictions, model.threshold):
        print("  " + line)
    print("  AP over all candidate pairs (gold pairs that are no candidate count as missed):")
    for name, ap in baseline_ap(model, documents).items():
        print(f"    {name:<32} {ap:.3f}")
    cdr = args.cdr / "CDR_DevelopmentSet.PubTator.txt"
    if cdr.is_file():
        model_ap, count_ap, n = cdr_ap(model, cdr)
        print(f"CDR dev, GOLD entities, {n} CID pairs: AP related probability {model_ap:.3f}, "
              f"sentences with both {count_ap:.3f}")
    print("End to end (kg's NER and grounding): not wired here yet; call evaluate_with_mentions().")
    return 0


if __name__ == "__main__":
    sys.exit(main())
