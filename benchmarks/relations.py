"""Relation benchmark: kg's relation model on BioRED Dev, document level (Luo et al. 2022).

With GOLD entities (the corpus's own mentions and concept ids): precision, recall and F of
(document, concept pair), (+ BioRED type) and (+ novelty) at the model's threshold, per-type
figures, and the average precision of the related probability over every candidate pair against
co-occurrence baselines: the count of sentences that mention both concepts, and the number of
mentions of the rarer concept; the AP of chemical-induced-disease pairs on the CDR development set
with gold entities.

End to end (``--end-to-end``): ``kg.build`` (kg's NER, grounding, relation step) on the texts alone
(a temporary JSON Lines file of title and abstract), its ``relations.csv`` rows scored against the gold
relations, a node matching a gold concept when the gold id (as a CURIE: NCBI Gene -> ``ncbigene:``, MeSH
-> ``mesh:``, ``benchmarks/grounding.py``) is the node's CURIE or one of its xrefs; pair, pair+type and
pair+type+novelty P/R/F, and the corpus-level AP of the edges' ``relation_score`` against their
co-occurrence scores (a gold pair no edge holds counts as missed). :func:`evaluate_with_mentions` scores
the model on any other mentions.

CDR dev end to end (``--cdr``, also run by ``--end-to-end``), document level (:func:`cdr_document_level`):
``kg.build`` of the CDR dev texts; each document's (chemical, disease) node pairs ranked by the model's
related probability on the build's mentions and by co-occurrence (sentences with both in the document; the
edges' corpus-level scores); AP against the gold CID pairs (a pair counts when its nodes carry the gold MeSH
ids as CURIE or xref; every gold pair is a positive), P/R/F at the model's threshold, and the corpus-level
AP of the edges.

Usage::

    python benchmarks/relations.py [--biored DIR] [--cdr-dir DIR] [--model PATH] [--cdr]
                                   [--end-to-end [--window document]]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from kg.relations import RELATION_TYPES, Mention, RelationDocument, RelationModel
from kg.relations.pubtator import AnnotatedDocument, read_pubtator_relations
from kg.relations.scoring import PRF, RelationScores, average_precision, score_predictions
from kg.training.end_to_end import built_documents, node_curies, write_texts
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


def build_corpus(path: Path, *, window: str):
    """``kg.build`` over the texts of a PubTator file (relations on), without writing files."""
    import tempfile

    import kg

    with tempfile.TemporaryDirectory() as tmp:
        data = write_texts(path, Path(tmp))
        t0 = time.perf_counter()
        built = kg.build(data, window=window, max_nodes=None, max_edges=None, formats=(), cache=False,
                         relations="on")
        return built, time.perf_counter() - t0


def _gold_curies(documents: Sequence[AnnotatedDocument]) -> dict[tuple[str, str], str]:
    """(doc, gold id) -> the id as a CURIE of kg's namespaces (by its mention's type)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from grounding import curies_of

    out = {}
    for doc, _ in documents:
        for m in doc.mentions:
            kind = "GeneOrGeneProduct" if m.type in ("GeneOrGeneProduct", "Gene") else \
                "OrganismTaxon" if m.type in ("OrganismTaxon", "Species") else "other"
            curies = curies_of(kind, m.concept)
            if curies:
                out[(doc.id, m.concept)] = curies[0]
    return out


def _matcher(documents: Sequence[AnnotatedDocument], built):
    """A function (doc, source node, target node) -> the gold relation of that document it names, or None."""
    curie = _gold_curies(documents)
    nodes = node_curies(built.graph)
    gold = {}
    for doc, relations in documents:
        for r in relations:
            a, b = curie.get((doc.id, r.id1)), curie.get((doc.id, r.id2))
            if a and b:
                gold.setdefault(doc.id, []).append((a.lower(), b.lower(), r))

    def match(doc_id: str, source: str, target: str):
        ids_s, ids_t = nodes.get(source, frozenset()), nodes.get(target, frozenset())
        for a, b, r in gold.get(doc_id, ()):
            if (a in ids_s and b in ids_t) or (a in ids_t and b in ids_s):
                return r
        return None

    return match


def groundable(documents: Sequence[AnnotatedDocument]) -> Callable:
    """A test of a gold relation: both ids are of a kind kg's nodes can carry (a human NCBI Gene id, MeSH/OMIM,
    NCBI Taxonomy); other species' genes (kg merges them into the human ortholog), variants and cell lines
    are not. Needs ../shared/lexicons (the human gene list of benchmarks/grounding.py)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from grounding import human_genes

    human = human_genes()
    curie = _gold_curies(documents)
    kinds = {(doc.id, m.concept): m.type for doc, _ in documents for m in doc.mentions}

    def ok(doc_id: str, concept: str) -> bool:
        c, kind = curie.get((doc_id, concept), ""), kinds.get((doc_id, concept), "")
        if kind in ("SequenceVariant", "CellLine") or not c:
            return False
        return c in human if c.startswith("ncbigene:") else True

    return lambda r: ok(r.doc_id, r.id1) and ok(r.doc_id, r.id2)


def end_to_end(documents: Sequence[AnnotatedDocument], built, keep: Callable | None = None) -> tuple[PRF, PRF, PRF]:
    """Pair, pair+type, pair+type+novelty P/R/F of the build's statements table against the gold relations;
    with ``keep`` only the gold relations it accepts (statements naming another gold relation are ignored)."""
    import re

    match = _matcher(documents, built)
    n_gold = sum(1 for _, rels in documents for r in rels if keep is None or keep(r))
    found: dict[int, list[set]] = {0: [set(), set()], 1: [set(), set()], 2: [set(), set()]}
    for row in built.relations_df().itertuples(index=False):
        doc_id = re.sub(r"\D", "", str(row.doc_id))
        r = match(doc_id, row.source, row.target)
        if r is not None and keep is not None and not keep(r):
            continue
        key = (doc_id, row.source, row.target) if r is None else id(r)
        hits = [r is not None, r is not None and r.type == row.relation,
                r is not None and r.type == row.relation and r.novel == bool(row.novel)]
        for level, hit in enumerate(hits):
            found[level][0 if hit else 1].add(key)
    out = []
    for level in range(3):
        tp = len(found[level][0])
        fp = len(found[level][1] - found[level][0])
        out.append(PRF(tp, fp, n_gold - tp))
    return out[0], out[1], out[2]


def end_to_end_losses(dev: Path, documents: Sequence[AnnotatedDocument], built) -> tuple[Counter, Counter]:
    """Where the gold relations go end to end, and why the build's wrong statements are wrong.

    Each gold relation: lost to grounding (its two concepts are not both on nodes of the document: 0 or 1
    of them), lost to the window (both on nodes, but the pair is no edge of the graph, so the relation step
    never asks about it), lost to the model (asked, no statement) or found. Each statement that names no
    gold relation: an end is no gold entity of the document (NER, extra concept), an end is a gold mention
    grounded to another id (its text is a gold mention's), or both ends are gold concepts (the model)."""
    import re

    from kg.relations.records import pair_key

    match, curie = _matcher(documents, built), _gold_curies(documents)
    nodes = node_curies(built.graph)
    by_doc = {d.id: d for d in built_documents(dev, built)}
    stated = {(re.sub(r"\D", "", str(r.doc_id)), r.source, r.target) for r in built.relations_df().itertuples()}
    gold = Counter()
    for doc, relations in documents:
        concepts = sorted({m.concept for m in by_doc[doc.id].mentions}) if doc.id in by_doc else []
        for r in relations:
            pairs = [pair_key(a, b) for i, a in enumerate(concepts) for b in concepts[i + 1 :]
                     if match(doc.id, a, b) is r]
            if not pairs:
                ids = (curie.get((doc.id, r.id1), "").lower(), curie.get((doc.id, r.id2), "").lower())
                on = sum(any(c and c in nodes.get(x, ()) for x in concepts) for c in ids)
                gold[f"lost: grounding ({min(on, 1)} of 2 concepts on a node)"] += 1
            elif not any(built.graph.has_edge(*p) for p in pairs):
                gold["lost: window (both on nodes, no edge: never asked)"] += 1
            elif not any((doc.id, *p) in stated for p in pairs):
                gold["lost: model (asked, below the threshold)"] += 1
            else:
                gold["found"] += 1
    wrong = Counter()
    gold_ids = {doc.id: {curie.get((doc.id, m.concept), "").lower() for m in doc.mentions} for doc, _ in documents}
    gold_texts = {doc.id: {doc.text[m.start : m.end].lower() for m in doc.mentions} for doc, _ in documents}
    for doc_id, a, b in sorted(stated):
        if doc_id not in gold_ids or match(doc_id, a, b) is not None:
            continue
        kinds = {_end_kind(by_doc[doc_id], node, nodes, gold_ids[doc_id], gold_texts[doc_id]) for node in (a, b)}
        wrong["an end is no gold entity (NER, extra concept)" if "none" in kinds else
              "an end is a gold mention grounded to another id" if "other id" in kinds else
              "both ends gold concepts, no gold relation (model)"] += 1
    return gold, wrong


def _end_kind(doc: RelationDocument, node: str, nodes: dict[str, frozenset[str]], gold_ids: set[str],
              gold_texts: set[str]) -> str:
    """"gold" (the node carries a gold id of the document), "other id" (its text is a gold mention's), "none"."""
    if nodes.get(node, frozenset()) & gold_ids:
        return "gold"
    spans = {doc.text[m.start : m.end].lower() for m in doc.mentions if m.concept == node}
    return "other id" if spans & gold_texts else "none"


def edge_ap(documents: Sequence[AnnotatedDocument], built, *, types: frozenset[str] | None = None,
            scores: Sequence[str] = ("relation_score", "tfidf", "count", "npmi"),
            ends: frozenset[str] | None = None) -> dict[str, float]:
    """Corpus-level AP of the edges ranked by each of ``scores``: an edge is right when its two nodes are
    a gold pair of some document (of the relation ``types`` when given); positives: the distinct gold pairs.
    ``ends``: only edges between these two entity types (:func:`normalize_entity_type` of the node types)."""
    import re

    from kg.relations import normalize_entity_type

    match = _matcher(documents, built)
    gold = {(doc.id, *r.pair) for doc, rels in documents for r in rels if types is None or r.type in types}
    curie = _gold_curies(documents)
    positives = len({tuple(sorted((curie.get((d, a), a), curie.get((d, b), b)))) for d, a, b in gold})
    labels, columns = [], {s: [] for s in scores}
    seen = set()
    kind = {n: normalize_entity_type(str(d.get("type", ""))) for n, d in built.graph.nodes(data=True)}
    for u, v, d in built.graph.edges(data=True):
        if ends is not None and {kind[u], kind[v]} != ends:
            continue
        hit = None
        for doc_id in d.get("doc_ids", []):
            r = match(re.sub(r"\D", "", str(doc_id)), str(u), str(v))
            if r is not None and (types is None or r.type in types):
                hit = tuple(sorted((curie.get((r.doc_id, r.id1), r.id1), curie.get((r.doc_id, r.id2), r.id2))))
                break
        labels.append(hit is not None and hit not in seen)
        if hit is not None:
            seen.add(hit)
        for s in scores:
            columns[s].append(float(d.get(s, 0.0)))
    return {s: average_precision(columns[s], labels, positives=positives) for s in scores}


def cdr_document_level(model: RelationModel, path: Path, built) -> tuple[dict[str, float], PRF, int, int, int]:
    """CDR end to end, document level: every (chemical, disease) node pair of each document of a build of the
    CDR texts, ranked by the model's related probability (on the build's mentions, :func:`built_documents`) and
    by co-occurrence (sentences with both in the document; the build's edge scores, corpus-level); a pair is
    right when its nodes carry the gold MeSH ids of a CID relation of that document (curie or xref).
    Returns the APs (every gold CID pair a positive: those without a candidate count as missed), P/R/F at
    the model's threshold, the gold pairs, those with both concepts on nodes of the document and candidates."""
    from kg.relations import normalize_entity_type
    from kg.relations.features import DENSE_NAMES

    gold_docs = read_pubtator_relations(path)
    cid = [(doc, tuple(r for r in rels if r.type == "CID")) for doc, rels in gold_docs]
    match = _matcher(cid, built)
    ends = {"ChemicalEntity", "DiseaseOrPhenotypicFeature"}
    candidates = [p for doc in built_documents(path, built) for p in model.pairs(doc)
                  if {normalize_entity_type(p.source_type), normalize_entity_type(p.target_type)} == ends]
    related = [p.related for p in model.predict_pairs(candidates)]
    labels, hits = [], set()
    for p in candidates:
        r = match(p.doc_id, p.source, p.target)
        labels.append(r is not None and id(r) not in hits)
        if r is not None:
            hits.add(id(r))
    k = DENSE_NAMES.index("cooc_sentences")
    edges = built.graph.edges

    def edge_score(name: str) -> list[float]:
        return [float(edges[p.source, p.target].get(name, 0.0)) if edges.get((p.source, p.target)) is not None
                else 0.0 for p in candidates]

    n_gold = sum(len(rels) for _, rels in cid)
    columns = {"related probability (model)": related,
               "sentences with both (document)": [p.dense[k] for p in candidates],
               **{f"edge {s} (corpus)": edge_score(s) for s in ("relation_score", "tfidf", "npmi", "count")}}
    aps = {name: average_precision(v, labels, positives=n_gold) for name, v in columns.items()}
    said = [match(p.doc_id, p.source, p.target) for p, prob in zip(candidates, related, strict=True)
            if prob >= model.threshold]
    tp = len({id(r) for r in said if r is not None})
    return aps, PRF(tp, sum(1 for r in said if r is None), n_gold - tp), n_gold, len(hits), len(candidates)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--biored", type=Path, default=SHARED / "BioRED", help="folder with Dev.PubTator")
    parser.add_argument("--cdr-dir", type=Path, default=SHARED / "CDR",
                        help="folder with CDR_DevelopmentSet.PubTator.txt")
    parser.add_argument("--cdr", action="store_true",
                        help="CDR dev end to end, document level (kg.build of the texts; also with --end-to-end)")
    parser.add_argument("--model", default=None, help="relation model folder (default: the shipped one)")
    parser.add_argument("--end-to-end", action="store_true", help="also kg.build on the texts (NER, grounding)")
    parser.add_argument("--window", default="sentence", help="the build's co-occurrence window (end to end)")
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
    cdr = args.cdr_dir / "CDR_DevelopmentSet.PubTator.txt"
    if cdr.is_file():
        model_ap, count_ap, n = cdr_ap(model, cdr)
        print(f"CDR dev, GOLD entities, {n} CID pairs: AP related probability {model_ap:.3f}, "
              f"sentences with both {count_ap:.3f}")
    if args.end_to_end:
        _biored_end_to_end(dev, documents, window=args.window)
    if (args.cdr or args.end_to_end) and cdr.is_file():
        _cdr_end_to_end(model, cdr, window=args.window)
    elif args.cdr:
        print(f"{cdr}: not found; pass --cdr-dir with the CDR folder", file=sys.stderr)
        return 2
    return 0


def _cdr_end_to_end(model: RelationModel, cdr: Path, *, window: str) -> None:
    """Print CDR dev end to end: document level (:func:`cdr_document_level`) and the corpus-level edge AP."""
    built, seconds = build_corpus(cdr, window=window)
    aps, prf, n_gold, reachable, n_candidates = cdr_document_level(model, cdr, built)
    print(f"CDR dev, END TO END, document level ({built}, {seconds:.0f} s; {n_candidates} chemical-disease "
          f"node pairs; {reachable} of {n_gold} gold CID pairs have both concepts on nodes of their document)")
    print("  AP of CID pairs (every gold pair a positive):")
    for name, ap in aps.items():
        print(f"    {name:<34} {ap:.3f}")
    print("  " + prf.line(f"CID at threshold {model.threshold:.3f}"))
    corpus = edge_ap(read_pubtator_relations(cdr), built, types=frozenset({"CID"}),
                     ends=frozenset({"ChemicalEntity", "DiseaseOrPhenotypicFeature"}))
    print("  corpus-level AP of the edges (distinct gold CID pairs): "
          + ", ".join(f"{k} {v:.3f}" for k, v in corpus.items()))


def _biored_end_to_end(dev: Path, documents: Sequence[AnnotatedDocument], *, window: str) -> None:
    """Print BioRED dev end to end: the build's statements against the gold relations, and the edges' AP."""
    built, seconds = build_corpus(dev, window=window)
    print(f"BioRED Dev, END TO END (kg.build, window {window}: {built}, {seconds:.0f} s; "
          f"{len(built.relations_df())} statements)")
    for prf, name in zip(end_to_end(documents, built), ("pair", "pair+type", "pair+type+novelty"), strict=True):
        print("  " + prf.line(name))
    keep = groundable(documents)
    print(f"  only the {sum(1 for _, rels in documents for r in rels if keep(r))} gold relations between "
          "concepts kg can ground (human genes, MeSH/OMIM, taxa; no variants, cell lines, other species' genes):")
    for prf, name in zip(end_to_end(documents, built, keep), ("pair", "pair+type", "pair+type+novelty"), strict=True):
        print("    " + prf.line(name))
    gold, wrong = end_to_end_losses(dev, documents, built)
    print(f"  where the {sum(gold.values())} gold relations go:")
    for name, n in sorted(gold.items()):
        print(f"    {name:<56} {n}")
    print(f"  the {sum(wrong.values())} statements naming no gold relation:")
    for name, n in wrong.most_common():
        print(f"    {name:<56} {n}")
    print("  corpus-level AP of the edges (distinct gold pairs):")
    for name, ap in edge_ap(documents, built).items():
        print(f"    {name:<16} {ap:.3f}")


if __name__ == "__main__":
    sys.exit(main())
