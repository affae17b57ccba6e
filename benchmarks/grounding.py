"""Grounding benchmark on BioRED: document-level concept recall and precision per type.

Default (end to end): the BioRED texts (title and abstract only, no annotations) are written to
a temporary JSONL file and built with ``kg.build`` (kg's NER, then grounding); then every node
of every document is read with its ``curie`` and ``xrefs``. A gold pair (pmid, id) counts as
found when some node of that document carries the id as its CURIE or an xref. Precision: of the
(document, grounded node) pairs whose category is scored (gene, disease, chemical, species), the
share whose CURIE or an xref is a gold id of that document.

``--gold-mentions`` grounds BioRED's own mention spans with their gold types instead (no NER):
the difference to the end-to-end figures is what NER loses. ``--gilda`` does the same with
gilda's :class:`gilda.Grounder` over terms made from kg's offline tables (no download).

BioRED ids become CURIEs: NCBI Gene -> ``ncbigene:``, MeSH -> ``mesh:``, OMIM -> ``omim:``,
NCBI Taxonomy -> ``ncbitaxon:``. A gene id is "human" when it is in NCBI Gene's human
``Homo_sapiens.gene_info`` (../shared/lexicons). Tune on Train, choose on Dev.

Usage::

    python benchmarks/grounding.py [--split Dev] [--gold-mentions] [--gilda] [--limit N]
    python benchmarks/grounding.py --tables      # load time and memory of the term tables
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
BIORED = SHARED / "corpora" / "relations" / "BioRED"
GENE_INFO = SHARED / "lexicons" / "Homo_sapiens.gene_info.gz"
KG_TYPE = {"GeneOrGeneProduct": "Gene or gene product", "DiseaseOrPhenotypicFeature": "Disease",
           "ChemicalEntity": "Chemical", "OrganismTaxon": "Organism"}
BUCKETS = ("Gene human", "Gene other species", "Disease", "Chemical", "Species")
CATEGORY_BUCKET = {"biolink:Gene": "Gene", "biolink:GeneFamily": "Gene", "biolink:Disease": "Disease",
                   "biolink:PhenotypicFeature": "Disease", "biolink:ChemicalEntity": "Chemical",
                   "biolink:OrganismTaxon": "Species"}


@dataclass(frozen=True)
class GoldMention:
    start: int
    end: int
    text: str
    type: str
    curies: tuple[str, ...]


@dataclass(frozen=True)
class GoldDoc:
    pmid: str
    title: str
    abstract: str
    mentions: tuple[GoldMention, ...]


def curies_of(bio_type: str, ids: str) -> tuple[str, ...]:
    out = []
    for raw in re.split(r"[,;|]", ids):
        raw = raw.strip()
        if not raw or raw == "-":
            continue
        if bio_type == "GeneOrGeneProduct":
            out.append(f"ncbigene:{raw}")
        elif bio_type == "OrganismTaxon":
            out.append(f"ncbitaxon:{raw}")
        elif raw.upper().startswith("OMIM:"):
            out.append(f"omim:{raw.split(':', 1)[1]}")
        else:
            out.append(f"mesh:{raw.removeprefix('MESH:')}")
    return tuple(out)


def read_biored(path: Path) -> list[GoldDoc]:
    docs: list[GoldDoc] = []
    title = abstract = ""
    mentions: list[GoldMention] = []
    pmid = ""
    with open(path, encoding="utf-8") as fh:
        for line in [*fh, "\n"]:
            line = line.rstrip("\n")
            if not line.strip():
                if pmid:
                    docs.append(GoldDoc(pmid, title, abstract, tuple(mentions)))
                pmid, title, abstract, mentions = "", "", "", []
                continue
            if "|t|" in line[:20]:
                pmid, _, title = line.partition("|t|")
            elif "|a|" in line[:20]:
                abstract = line.partition("|a|")[2]
            else:
                cols = line.split("\t")
                if len(cols) == 6 and cols[4] in KG_TYPE:
                    mentions.append(GoldMention(int(cols[1]), int(cols[2]), cols[3], cols[4],
                                                curies_of(cols[4], cols[5])))
    return docs


def human_genes(path: Path = GENE_INFO) -> frozenset[str]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        next(fh)
        return frozenset(f"ncbigene:{line.split(chr(9), 2)[1]}" for line in fh)


def gold_pairs(docs: list[GoldDoc], human: frozenset[str]) -> dict[str, set[tuple[str, str]]]:
    pairs: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for doc in docs:
        for m in doc.mentions:
            for c in m.curies:
                if m.type == "GeneOrGeneProduct":
                    bucket = "Gene human" if c in human else "Gene other species"
                else:
                    bucket = {"DiseaseOrPhenotypicFeature": "Disease", "ChemicalEntity": "Chemical",
                              "OrganismTaxon": "Species"}[m.type]
                pairs[bucket].add((doc.pmid, c))
    return pairs


Predicted = dict[str, list[tuple[str, frozenset[str]]]]  # pmid -> [(bucket, ids of one node)]


def score(docs: list[GoldDoc], predicted: Predicted, human: frozenset[str]) -> dict[str, tuple[float, float, int, int]]:
    """{bucket: (recall, precision, gold pairs, predicted pairs)}; precision per node-type bucket."""
    gold = gold_pairs(docs, human)
    found: dict[str, set[str]] = {pmid: set().union(*(ids for _, ids in nodes)) if nodes else set()
                                  for pmid, nodes in predicted.items()}
    doc_gold: dict[str, set[str]] = defaultdict(set)
    for pairs in gold.values():
        for pmid, c in pairs:
            doc_gold[pmid].add(c)
    out = {}
    total_hit = total = 0
    p_hit: dict[str, int] = defaultdict(int)
    p_all: dict[str, int] = defaultdict(int)
    for pmid, nodes in predicted.items():
        for bucket, ids in nodes:
            p_all[bucket] += 1
            p_hit[bucket] += bool(ids & doc_gold[pmid])
    for bucket in BUCKETS:
        pairs = gold.get(bucket, set())
        hit = sum(c in found.get(pmid, ()) for pmid, c in pairs)
        total_hit += hit
        total += len(pairs)
        pb = bucket.split()[0]
        prec = p_hit[pb] / p_all[pb] if p_all[pb] else float("nan")
        out[bucket] = (hit / len(pairs) if pairs else float("nan"), prec, len(pairs), p_all[pb])
    # gene precision where it can be judged: documents whose gold genes are all human (a mouse gene
    # grounded to its human ortholog cannot carry the mouse NCBI Gene id BioRED gives it)
    mouse_docs = {pmid for pmid, _ in gold.get("Gene other species", set())}
    judged = [(pmid, ids) for pmid, nodes in predicted.items() if pmid not in mouse_docs
              for bucket, ids in nodes if bucket == "Gene"]
    hit_h = sum(bool(ids & doc_gold[pmid]) for pmid, ids in judged)
    human_pairs = {(p, c) for p, c in gold.get("Gene human", set()) if p not in mouse_docs}
    out["Gene, human-only docs"] = (sum(c in found.get(p, ()) for p, c in human_pairs) / len(human_pairs)
                                    if human_pairs else float("nan"),
                                    hit_h / len(judged) if judged else float("nan"), len(human_pairs), len(judged))
    n_pred = sum(p_all.values())
    out["overall"] = (total_hit / total if total else float("nan"),
                      sum(p_hit.values()) / n_pred if n_pred else float("nan"), total, n_pred)
    other = len(gold.get("Gene other species", set()))
    out["overall w/o other species"] = ((total_hit - 0) / (total - other) if total > other else float("nan"),
                                        float("nan"), total - other, n_pred)
    return out


_PAREN = re.compile(r"\s*\(\s*([^()]{1,15}?)\s*\)")


def abbreviations(doc: GoldDoc) -> dict[str, str]:
    """Short -> long forms defined as "long form (SHORT)" where both are gold spans (text only, no ids),
    the way kg.nlp's Schwartz-Hearst detector pairs them in a build."""
    text = doc.title + " " + doc.abstract
    spans = {(m.start, m.end): m.text for m in doc.mentions}
    out = {}
    for m in doc.mentions:
        after = _PAREN.match(text, m.end)
        if after and (after.start(1), after.end(1)) in spans and len(after.group(1)) < len(m.text):
            out.setdefault(after.group(1), m.text)
    return out


def gold_mention_predictions(docs: list[GoldDoc]) -> Predicted:
    from kg.concepts.grounder import Grounder

    grounder = Grounder.default()
    predicted: Predicted = {}
    for doc in docs:
        pairs = [(m.text, KG_TYPE[m.type]) for m in doc.mentions]
        nodes = {}
        for g in grounder.ground_document(pairs, abbreviations(doc)):
            if g.concept is not None:
                nodes[g.concept.curie] = (CATEGORY_BUCKET.get(g.concept.category, "other"), frozenset(g.concept.xrefs))
        predicted[doc.pmid] = list(nodes.values())
    return predicted


def gilda_predictions(docs: list[GoldDoc]) -> Predicted:
    """gilda's Grounder over kg's offline term tables (no download: terms given, disambiguation models off).

    kg's tables hold folded keys (:func:`kg.normalize.normalize_text`), not surface names, so gilda is
    asked for the folded mention: string matching is then kg's, and what is compared is gilda's ranking
    of the candidate terms (status, source, namespace priority) against kg's tiers and rules. Only the
    terms whose key is a mention's key are loaded (gilda's matches are among them; memory stays small).
    """
    import gilda
    from gilda.term import Term

    from kg.concepts.grounder import Grounder
    from kg.vocabularies.grounding_terms import TermTables
    from kg.vocabularies.normalize import normalize_text

    tables = TermTables()
    grounder = Grounder.default()
    group_of = {"Gene or gene product": ("gene", "family"), "Disease": ("disease",), "Chemical": ("chemical",),
                "Organism": ("species",)}
    wanted = {normalize_text(m.text) for doc in docs for m in doc.mentions}
    terms: dict[str, list] = defaultdict(list)
    for group in {g for gs in group_of.values() for g in gs}:
        _, keys = tables.group(group)
        for key in wanted & keys.keys():
            tier, *curies = keys[key].split("|")
            status = "name" if tier == "0" else "synonym" if int(tier) <= 2 else "former_name"
            for c in curies:
                db, _, local = c.partition(":")
                terms[key].append(Term(key, key, db.upper(), local, key, status, f"kg-{group}"))
    g = gilda.Grounder(dict(terms))
    g.gilda_disambiguators = {}  # its models would be downloaded
    g.adeft_disambiguators = {}
    predicted: Predicted = {}
    for doc in docs:
        nodes = {}
        context = doc.title + " " + doc.abstract
        for m in doc.mentions:
            groups = group_of[KG_TYPE[m.type]]
            matches = [x for x in g.ground(normalize_text(m.text), context=context)
                       if x.term.source.removeprefix("kg-") in groups]
            if matches:
                curie = f"{matches[0].term.db.lower()}:{matches[0].term.id}"
                concept = grounder.concept(curie)
                if concept is not None:
                    nodes[curie] = (CATEGORY_BUCKET.get(concept.category, "other"), frozenset(concept.xrefs))
        predicted[doc.pmid] = list(nodes.values())
    return predicted


def pipeline_predictions(docs: list[GoldDoc], workers: int) -> tuple[Predicted, float]:
    import kg

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "biored.jsonl"
        with open(data, "w", encoding="utf-8") as fh:
            for doc in docs:
                fh.write(json.dumps({"pmid": doc.pmid, "title": doc.title, "abstract": doc.abstract}) + "\n")
        t0 = time.perf_counter()
        built = kg.build(data, workers=workers, max_nodes=10**9, max_edges=10**9, formats=(), cache=False)
        seconds = time.perf_counter() - t0
    by_doc: Predicted = defaultdict(list)
    for _, node in built.graph.nodes(data=True):
        ids = frozenset(x for x in [node.get("curie", ""), *str(node.get("xrefs", "")).split("|")] if x)
        if not ids:
            continue
        bucket = CATEGORY_BUCKET.get(node.get("category", ""), "other")
        for doc_id in node.get("doc_ids", []):
            by_doc[re.sub(r"\D", "", str(doc_id)) or str(doc_id)].append((bucket, ids))
    return {doc.pmid: by_doc.get(doc.pmid, []) for doc in docs}, seconds


def table_costs() -> None:
    """Load time and memory of the packaged tables: parsed from the TSV (cache off), then from kg's cache."""
    import gc
    import resource

    from kg.vocabularies.grounding_terms import GROUPS, TermTables

    def rss_mb() -> float:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * resource.getpagesize() / 2**20

    for cache in (False, True, True):
        gc.collect()
        before, t0 = rss_mb(), time.perf_counter()
        tables = TermTables(cache=cache)
        for group in GROUPS:
            tables.group(group)
        tables.concept("hgnc:11364")
        label = "parse (no cache)" if not cache else "kg.datacache"
        print(f"tables {label:<17} {time.perf_counter() - t0:5.1f} s, +{rss_mb() - before:5.0f} MB resident")
        del tables


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--split", default="Dev", choices=["Train", "Dev"])
    p.add_argument("--gold-mentions", action="store_true", help="ground BioRED's gold spans (no NER)")
    p.add_argument("--gilda", action="store_true", help="with --gold-mentions: gilda over kg's tables")
    p.add_argument("--limit", type=int, default=0, help="first N documents only")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--tables", action="store_true", help="only: load time and memory of the term tables")
    args = p.parse_args(argv)
    if args.tables:
        table_costs()
        return 0
    path = BIORED / f"{args.split}.PubTator"
    if not path.exists():
        p.error(f"{path} not found (../shared/corpora/relations/BioRED)")
    docs = read_biored(path)
    if args.limit:
        docs = docs[: args.limit]
    human = human_genes()
    t0 = time.perf_counter()
    if args.gilda:
        predicted, mode = gilda_predictions(docs), "gilda on gold mentions"
    elif args.gold_mentions:
        predicted, mode = gold_mention_predictions(docs), "kg grounder on gold mentions"
    else:
        predicted, build_s = pipeline_predictions(docs, args.workers)
        mode = f"kg.build end to end ({build_s:.0f} s build)"
    print(f"BioRED {args.split}, {len(docs)} documents, {mode}, {time.perf_counter() - t0:.0f} s")
    print(f"{'type':<26} {'recall':>7} {'precision':>9} {'gold':>6} {'nodes':>6}")
    for bucket, (r, pr, n_gold, n_pred) in score(docs, predicted, human).items():
        print(f"{bucket:<26} {r:7.3f} {pr:9.3f} {n_gold:6d} {n_pred:6d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
