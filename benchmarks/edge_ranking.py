"""Edge-ranking benchmark: do the association scores rank true chemical-induced-disease pairs first?

Data: the BioCreative V CDR corpus (Li et al. 2016, Database, baw068) in PubTator format,
with gold chemical and disease mentions normalised to MeSH and document-level CID
(chemical-induced disease) relations. From the *gold* mentions we build the mention table
of :mod:`kg.graph.cooccur` (concept = MeSH id; para 0 = title, 1 = abstract; sentences from a
simple splitter, mentions assigned by offset), score every co-occurring pair with every
score of :data:`kg.graph.cooccur.SCORES`, keep the chemical-disease pairs, and measure how well
each score ranks the gold CID pairs:

* corpus level: one candidate per (chemical, disease) pair co-mentioned anywhere in the
  corpus; it is positive if any document states the CID relation;
* document level: one candidate per (document, chemical, disease) co-mention, scored
  with the pair's corpus-level score; positive if that document states the relation.

With ``--mentions kg`` the same evaluation runs on mentions from kg's own pipeline instead
of the gold ones: kg's NER pass (:class:`kg.nlp.annotate.NerPipeline`: the bundled model plus the
lexicon tagger, with kg's sentences and paragraphs) over the CDR titles and abstracts, and
kg's concept assignment (:func:`kg.concepts.table.assign_concepts`, which links diseases and
cancers to CTD/MeSH with :class:`kg.vocabularies.linking.Linker`). kg has no chemical vocabulary, so
chemical mentions are normalised with a text -> MeSH dictionary built from the *training
set's* gold chemical mentions (used for both splits): the chemical side is not kg's own.
Mentions left without a MeSH id cannot match a CID pair and are dropped. This mode also
prints mention-level figures: recall and precision of the gold (document, concept id)
pairs per type. The NER output is cached (a pickle keyed by the model, the NER code and
the texts) so reruns skip the NER pass.

Metrics: average precision (AP; the denominator is *all* gold pairs, so pairs never
co-mentioned count as misses for every score) and precision at 50/100/200. Ties are
broken at random and the metrics averaged over 20 tie-breaks. ``random`` is the mean
of 20 random rankings.

Usage::

    python benchmarks/edge_ranking.py [--cdr DIR] [--window document|sentence|both]
        [--mentions gold|kg|both] [--ner-cache DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import pickle
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from kg.concepts.table import assign_concepts
from kg.graph.cooccur import DEFAULT_SCORE, SCORES, count_pairs
from kg.nlp.annotate import AnnotatedDoc, NerPipeline
from kg.nlp.models import DEFAULT_MODEL, model_fingerprint, resolve_model
from kg.records import Document
from kg.vocabularies.linking import DATA_DIR, DISEASE_TYPES, Linker
from kg.vocabularies.normalize import normalize_text

CDR_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "relations" / "CDR"
FILES = {"train": "CDR_TrainingSet.PubTator.txt", "devel": "CDR_DevelopmentSet.PubTator.txt"}
TIE_BREAKS = 20
#: Modules whose code decides the NER output (part of the cache key, with the model and the texts).
NER_MODULES = ("kg.nlp.annotate", "kg.nlp.heads", "kg.nlp.sentences", "kg.nlp.tokenizer", "kg.schema", "kg.nlp.gene_tagger",
               "kg.vocabularies.linking", "kg.vocabularies.normalize", "kg.nlp.models")


def parse_pubtator(path: str | Path) -> tuple[dict[str, tuple[str, str]], pd.DataFrame, pd.DataFrame]:
    """PubTator -> ({pmid: (title, abstract)}, mentions, relations).

    mentions: pmid, start, end, text, type, id (one row per id of a ``D1|D2`` mention; ids
    ``-1`` dropped). relations: pmid, chemical, disease (CID lines).
    """
    texts: dict[str, list[str]] = {}
    ments: list[tuple] = []
    rels: list[tuple] = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        m = re.match(r"^(\d+)\|([ta])\|(.*)$", line)
        if m:
            texts.setdefault(m.group(1), ["", ""])[0 if m.group(2) == "t" else 1] = m.group(3)
            continue
        cols = line.split("\t")
        if len(cols) >= 6 and cols[1].isdigit():
            for cid in cols[5].split("|"):
                if cid and cid != "-1":
                    ments.append((cols[0], int(cols[1]), int(cols[2]), cols[3], cols[4], cid))
        elif len(cols) >= 4 and cols[1] == "CID":
            rels.append((cols[0], cols[2], cols[3]))
    mentions = pd.DataFrame(ments, columns=["pmid", "start", "end", "text", "type", "id"])
    relations = pd.DataFrame(rels, columns=["pmid", "chemical", "disease"]).drop_duplicates()
    return {k: (v[0], v[1]) for k, v in texts.items()}, mentions, relations


_SENT_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[])")


def sentence_starts(text: str) -> list[int]:
    """Start offsets of the sentences of ``text``: split after . ! ? before a capital or digit."""
    return [0] + [m.end() for m in _SENT_END.finditer(text)]


def mention_table(texts: dict[str, tuple[str, str]], mentions: pd.DataFrame) -> pd.DataFrame:
    """The kg.graph.cooccur mention table: doc, para, sent, concept (``mesh:<id>``), type."""
    rows = []
    for pmid, g in mentions.groupby("pmid", sort=False):
        title, abstract = texts[pmid]
        off = len(title) + 1
        starts = np.array(sentence_starts(abstract)) + off
        start = g["start"].to_numpy()
        para = (start >= off).astype(int)
        sent = np.where(para == 0, 0, np.searchsorted(starts, start, side="right"))
        rows.append(pd.DataFrame({"doc": pmid, "para": para, "sent": sent,
                                  "concept": "mesh:" + g["id"], "type": g["type"].to_numpy()}))
    return pd.concat(rows, ignore_index=True)


def _ap_and_precision(labels_by_rank: np.ndarray, n_gold: int, ks: tuple[int, ...]) -> list[float]:
    hits = np.cumsum(labels_by_rank)
    ranks = np.arange(1, len(labels_by_rank) + 1)
    ap = float((hits / ranks)[labels_by_rank.astype(bool)].sum() / n_gold) if n_gold else float("nan")
    return [ap] + [float(hits[min(k, len(hits)) - 1] / k) if len(hits) else 0.0 for k in ks]


def rank_metrics(score: np.ndarray, labels: np.ndarray, n_gold: int, ks=(50, 100, 200), seed: int = 0) -> list[float]:
    """AP and P@k of ranking by ``score`` (descending), averaged over random tie-breaks."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(TIE_BREAKS):
        order = np.lexsort((rng.random(len(score)), -score))
        out.append(_ap_and_precision(labels[order], n_gold, ks))
    return list(np.mean(out, axis=0))


def evaluate(mentions: pd.DataFrame, relations: pd.DataFrame, *, window: str) -> pd.DataFrame:
    """Rows: score; columns: level (corpus/document) x metric."""
    types = mentions.drop_duplicates("concept").set_index("concept")["type"]
    edges = count_pairs(mentions[["doc", "para", "sent", "concept"]], window=window)
    ts, tt = edges["source"].map(types), edges["target"].map(types)
    edges = edges[(ts != tt)].copy()
    swap = edges["source"].map(types).eq("Disease").to_numpy()
    chem = np.where(swap, edges["target"], edges["source"])
    dis = np.where(swap, edges["source"], edges["target"])
    edges["chemical"], edges["disease"] = chem, dis
    gold = set(zip("mesh:" + relations["chemical"], "mesh:" + relations["disease"], strict=True))
    corpus_labels = np.array([(c, d) in gold for c, d in zip(chem, dis, strict=True)], dtype=np.int8)

    # document level: candidates (doc, chemical, disease) co-mentioned in the doc (within the window)
    m = mentions[["doc", "sent", "concept", "type"]].drop_duplicates()
    on = ["doc", "sent"] if window == "sentence" else ["doc"]
    cands = (m[m["type"] == "Chemical"].merge(m[m["type"] == "Disease"], on=on, suffixes=("_c", "_d"))
             [["doc", "concept_c", "concept_d"]].drop_duplicates())
    cands = cands.merge(edges[["chemical", "disease", *SCORES]], left_on=["concept_c", "concept_d"],
                        right_on=["chemical", "disease"])
    gold_doc = set(zip(relations["pmid"], "mesh:" + relations["chemical"], "mesh:" + relations["disease"], strict=True))
    doc_labels = np.array([(d, c, s) in gold_doc for d, c, s in
                           zip(cands["doc"], cands["concept_c"], cands["concept_d"], strict=True)], dtype=np.int8)

    rows = {}
    rng = np.random.default_rng(1)
    for name in (*SCORES, "random"):
        res = []
        for table, labels, n_gold in ((edges, corpus_labels, len(gold)), (cands, doc_labels, len(gold_doc))):
            if name == "random":
                res += list(np.mean([rank_metrics(rng.random(len(labels)), labels, n_gold) for _ in range(5)], axis=0))
            else:
                res += rank_metrics(table[name].to_numpy(np.float64), labels, n_gold)
        rows[name] = res
    cols = pd.MultiIndex.from_product([["corpus", "document"], ["AP", "P@50", "P@100", "P@200"]])
    out = pd.DataFrame.from_dict(rows, orient="index", columns=cols)
    out.attrs["summary"] = (f"corpus: {len(edges)} chemical-disease candidate pairs, {int(corpus_labels.sum())} of "
                            f"{len(gold)} gold CID pairs among them; document: {len(cands)} candidates, "
                            f"{int(doc_labels.sum())} of {len(gold_doc)} gold")
    return out


# -- kg's own mentions ---------------------------------------------------------------------------


def cdr_documents(texts: dict[str, tuple[str, str]]) -> list[Document]:
    """The CDR titles and abstracts as kg documents (id = PMID), in file order."""
    return [Document(id=pmid, title=title, abstract=abstract, pmid=pmid) for pmid, (title, abstract) in texts.items()]


def _tree_digest(root: Path) -> bytes:
    """SHA-1 over the relative paths and contents of the files under ``root`` (or of the file ``root``)."""
    digest = hashlib.sha1()
    for f in sorted(root.rglob("*")) if root.is_dir() else [root]:
        if f.is_file():
            digest.update(f"{f.relative_to(root) if root.is_dir() else f.name}\0".encode())
            digest.update(f.read_bytes())
    return digest.digest()


def ner_cache_key(docs: Sequence[Document], models: Sequence[str] = (DEFAULT_MODEL,)) -> str:
    """A key for the NER output of ``docs``: model fingerprints and files, kg's NER code and data, the texts."""
    digest = hashlib.sha1()
    for name in models:
        digest.update(model_fingerprint(name).encode())
        target = resolve_model(name)
        if isinstance(target, Path):
            digest.update(_tree_digest(target))
    for module in NER_MODULES:
        digest.update(Path(importlib.import_module(module).__file__).read_bytes())
    digest.update(_tree_digest(DATA_DIR))
    for d in docs:
        digest.update(f"{d.id}\0{d.text}\0".encode())
    return f"{model_fingerprint(models[0])}-{digest.hexdigest()[:16]}"


def annotate_cached(docs: Sequence[Document], cache_dir: str | Path | None,
                    models: Sequence[str] = (DEFAULT_MODEL,)) -> tuple[list[AnnotatedDoc], str]:
    """kg's NER pass over ``docs`` (:class:`kg.nlp.annotate.NerPipeline`), read from or written to a pickle in ``cache_dir``.

    Returns the annotated documents (in input order) and a note on where they came from.
    ``cache_dir=None`` disables the cache.
    """
    path = Path(cache_dir) / f"kg-edge-ranking-ner-{ner_cache_key(docs, models)}.pkl" if cache_dir else None
    if path is not None and path.exists():
        with path.open("rb") as fh:
            return pickle.load(fh), f"cached: {path}"
    t = time.perf_counter()
    annotated = list(NerPipeline(models).annotate(docs))
    note = f"NER pass {time.perf_counter() - t:.0f}s"
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            pickle.dump(annotated, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
        note += f", cached to {path}"
    return annotated, note


def chemical_dictionary(gold: pd.DataFrame) -> dict[str, str]:
    """Folded text (:func:`kg.vocabularies.normalize.normalize_text`) -> the commonest MeSH id of the gold chemical mentions.

    Composite mentions (several ids, ``D1|D2``) are left out: their text names no single concept.
    """
    chem = gold[gold["type"] == "Chemical"]
    chem = chem[~chem.duplicated(["pmid", "start", "end"], keep=False)]
    votes: dict[str, Counter] = {}
    for text, cid in zip(chem["text"], chem["id"], strict=True):
        key = normalize_text(text)
        if key:
            votes.setdefault(key, Counter())[cid] += 1
    return {key: counter.most_common(1)[0][0] for key, counter in votes.items()}


def _mesh(curie: str) -> str | None:
    """``mesh:<ID>`` for a linked MeSH CURIE (any case), None for an unlinked key or another vocabulary."""
    prefix, _, local = curie.partition(":")
    return f"mesh:{local.upper()}" if prefix.lower() == "mesh" and local else None


def kg_mentions(annotated: Iterable[AnnotatedDoc], chemicals: dict[str, str],
                linker: Linker | None = None) -> pd.DataFrame:
    """kg's chemical and disease mentions with a MeSH concept (``mesh:<id>``, None when unlinked).

    Concept keys come from :func:`kg.concepts.table.assign_concepts`: kg's linker for diseases and
    cancers, abbreviations resolved to their long forms, and unlinked text that links
    elsewhere in the corpus joining that concept. Every mention whose key is a MeSH CURIE is
    a ``Disease`` (kg's disease vocabulary named it, even where the NER head typed it, say,
    ``Chemical``), as are the unlinked disease and cancer mentions. kg does not link
    chemicals: each other ``Chemical`` mention's folded key, else its folded text, is looked
    up in ``chemicals`` (:func:`chemical_dictionary`). Other types are left out.
    """
    table = assign_concepts(annotated, linker=linker or Linker.default()).mentions
    mesh = table["concept"].map(_mesh)
    disease = mesh.notna() | table["type"].isin(DISEASE_TYPES)
    chemical = ~disease & table["type"].eq("Chemical")
    dictionary = table["concept"].map(chemicals).fillna(table["text"].map(normalize_text).map(chemicals))
    concept = mesh.where(disease, "mesh:" + dictionary).astype(object)
    m = table.assign(type=np.where(disease, "Disease", "Chemical"), concept=concept.where(concept.notna(), None))
    return m[disease | chemical].reset_index(drop=True)


def mention_figures(kg: pd.DataFrame, gold: pd.DataFrame, texts: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """Per type: how much of the gold annotation kg's mentions recover.

    Columns: ``gold mentions`` (distinct gold spans), ``NER found`` (share of them overlapped
    by a kg mention of the same type), ``kg mentions``, ``linked`` (share of kg mentions with
    a MeSH id), ``gold ids`` and ``kg ids`` (distinct (document, concept id) pairs), ``hits``
    (pairs in both), ``recall`` (hits / gold ids) and ``precision`` (hits / kg ids).
    """
    spans = gold.drop_duplicates(["pmid", "start", "end", "type"]).rename(columns={"pmid": "doc"})
    # PubTator offsets are into title + " " + abstract, kg's into title + "\n\n" + abstract
    title_len = spans["doc"].map({pmid: len(t) for pmid, (t, _) in texts.items()})
    shift = (spans["start"] > title_len).astype(int)
    spans = spans.assign(start=spans["start"] + shift, end=spans["end"] + shift)
    pairs = spans[["doc", "type", "start", "end"]].reset_index().merge(
        kg[["doc", "type", "start", "end"]], on=["doc", "type"], suffixes=("", "_kg"))
    found = set(pairs.loc[(pairs["start"] < pairs["end_kg"]) & (pairs["start_kg"] < pairs["end"]), "index"])
    rows = {}
    for kind in ("Chemical", "Disease"):
        g_spans = spans[spans["type"] == kind]
        g = gold[gold["type"] == kind]
        k = kg[kg["type"] == kind]
        gold_ids = set(zip(g["pmid"], "mesh:" + g["id"], strict=True))
        kg_ids = set(k.loc[k["concept"].notna(), ["doc", "concept"]].itertuples(index=False, name=None))
        hits = len(gold_ids & kg_ids)
        rows[kind] = {
            "gold mentions": len(g_spans),
            "NER found": g_spans.index.isin(list(found)).mean() if len(g_spans) else float("nan"),
            "kg mentions": len(k),
            "linked": k["concept"].notna().mean() if len(k) else float("nan"),
            "gold ids": len(gold_ids),
            "kg ids": len(kg_ids),
            "hits": hits,
            "recall": hits / len(gold_ids) if gold_ids else float("nan"),
            "precision": hits / len(kg_ids) if kg_ids else float("nan"),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def kg_tables(corpus: dict[str, tuple[dict, pd.DataFrame, pd.DataFrame]],
              cache_dir: str | Path | None) -> dict[str, pd.DataFrame]:
    """Mention tables (linked mentions only) from kg's NER and linking, per split of ``corpus``.

    ``corpus``: split -> :func:`parse_pubtator` output; the chemical dictionary comes from
    ``corpus["train"]``. Prints how the tables were made and the mention-level figures.
    """
    docs = [d for texts, _, _ in corpus.values() for d in cdr_documents(texts)]
    annotated, note = annotate_cached(docs, cache_dir)
    by_id = {a.doc_id: a for a in annotated}
    chemicals = chemical_dictionary(corpus["train"][1])
    tables, figures = {}, {}
    for split, (texts, gold, _) in corpus.items():
        mentions = kg_mentions([by_id[pmid] for pmid in texts], chemicals)
        figures[split] = mention_figures(mentions, gold, texts)
        tables[split] = mentions[mentions["concept"].notna()].reset_index(drop=True)
    print(f"\n######## mentions=kg: kg's own NER and disease linking ({model_fingerprint(DEFAULT_MODEL)} "
          f"+ lexicon tagger; {note})\n"
          "NER: kg.nlp.annotate.NerPipeline on title + abstract; sentences and paragraphs are kg's.\n"
          "Diseases/cancers: kg's linker (CTD MEDIC -> MeSH) via kg.concepts.table.assign_concepts; a mention of any "
          "type whose key\n  kg linked to MeSH counts as a disease. The Disease rows below measure kg's disease "
          "linking end to end.\n"
          "Chemicals: NOT kg's normalisation (kg has no chemical vocabulary): a text -> MeSH dictionary of "
          f"{len(chemicals)} folded forms\n"
          "  built from the CDR TRAINING set's gold chemical mentions and used for both splits "
          "(so train chemicals are in-sample).\n"
          "Mentions without a MeSH id are dropped (they cannot match a CID pair).\n"
          "Caveat: kg's bundled model learnt its BC5CDR head on these CDR abstracts (train; devel for model "
          "selection),\n  so the NER here is not held-out.\n"
          "Mention level, per type: gold spans overlapped by a kg mention (NER found), kg mentions linked,\n"
          "  and recall / precision of the gold (document, MeSH id) pairs:")
    print(pd.concat(figures).to_string())
    return tables


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cdr", default=str(CDR_DIR), help="folder with the CDR PubTator files")
    p.add_argument("--window", default="both", choices=["document", "sentence", "both"])
    p.add_argument("--mentions", default="both", choices=["gold", "kg", "both"],
                   help="gold CDR mentions, kg's own NER and linking, or both")
    p.add_argument("--ner-cache", default=tempfile.gettempdir(),
                   help="folder for the cached NER output of --mentions kg ('' disables the cache)")
    args = p.parse_args(argv)
    start = time.perf_counter()
    corpus = {}
    for split, fname in FILES.items():
        path = Path(args.cdr) / fname
        if not path.exists():
            print(f"{path}: not found; pass --cdr DIR", file=sys.stderr)
            return 2
        corpus[split] = parse_pubtator(path)
    relations = {split: rels for split, (_, _, rels) in corpus.items()}
    relations["both"] = pd.concat(list(relations.values()), ignore_index=True).drop_duplicates()
    windows = ["document", "sentence"] if args.window == "both" else [args.window]
    pd.set_option("display.width", 200)
    pd.set_option("display.float_format", lambda v: f"{v:.3f}")
    for mode in ["gold", "kg"] if args.mentions == "both" else [args.mentions]:
        if mode == "gold":
            print("\n######## mentions=gold: CDR gold mentions and MeSH ids; sentences from a simple splitter")
            tables = {split: mention_table(texts, ments) for split, (texts, ments, _) in corpus.items()}
        else:
            tables = kg_tables(corpus, args.ner_cache or None)
        tables["both"] = pd.concat(list(tables.values()), ignore_index=True)
        for window in windows:
            for split, mentions in tables.items():
                t = time.perf_counter()
                table = evaluate(mentions, relations[split], window=window)
                print(f"\n== CDR {split}, window={window}, mentions={mode} (default score: {DEFAULT_SCORE}; "
                      f"{time.perf_counter() - t:.1f}s) ==")
                print(table.attrs["summary"])
                print(table.to_string())
    print(f"\ntotal {time.perf_counter() - start:.0f}s")
    return 0

if __name__ == "__main__":
    sys.exit(main())
