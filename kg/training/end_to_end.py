"""Relation training documents as a build sees them: kg's own mentions, labelled from a corpus's gold relations.

The relation model learns from gold entity spans, but in a build it reads kg's NER mentions, grounded
to kg's nodes: other spans, missed and extra mentions, generic terms, other ids. :func:`end_to_end_documents`
gives the model such documents to learn from: ``kg.build`` of an annotated PubTator file's texts alone
(title and abstract; the build's NER and grounding, relations off), each document's mentions of the
graph's nodes (concept = node key, type = the node's type) over the exact text the build read, sentences as
:mod:`kg.relations.pubtator` splits them, and the gold relations mapped onto node pairs: a gold id (as a
CURIE of kg's namespaces: NCBI Gene ``ncbigene:``, NCBI Taxonomy ``ncbitaxon:``, OMIM ``omim:``, else MeSH
``mesh:``) names every node of the document whose CURIE or xrefs hold it. A pair of nodes no gold relation
names is a negative, as in training on gold entities. (The same mapping scores builds in
``benchmarks/relations.py``.) The documents depend on kg's NER and grounding at the time they are made.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kg.relations.pubtator import AnnotatedDocument, read_pubtator_relations
from kg.relations.records import GoldRelation, RelationDocument, pair_key
from kg.relations.text import split_sentences

__all__ = ["pubtator_texts", "write_texts", "kg_texts", "built_documents", "gold_curie", "node_curies",
           "map_relations", "end_to_end_documents"]


def pubtator_texts(path: Path) -> list[dict[str, str]]:
    """The title and abstract of each document of a PubTator file, as JSON Lines records."""
    docs: dict[str, dict[str, str]] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        for tag, field in (("|t|", "title"), ("|a|", "abstract")):
            if tag in line[:20]:
                pmid, text = line.split(tag, 1)
                docs.setdefault(pmid, {"pmid": pmid})[field] = text
    return list(docs.values())


def write_texts(path: Path, folder: Path) -> Path:
    """The texts of a PubTator file as ``folder/texts.jsonl`` (what a build of the texts alone reads)."""
    data = Path(folder) / "texts.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in pubtator_texts(path)), encoding="utf-8")
    return data


def kg_texts(path: Path) -> dict[str, tuple[str, tuple[tuple[int, int], ...]]]:
    """PMID -> the document's text exactly as a build of :func:`write_texts` reads it (kg's ingest:
    :attr:`kg.records.Document.text`, title, blank line, abstract, whitespace normalised) and its sentences as
    the relation model is trained on them (the title, then the abstract split by
    :func:`kg.relations.text.split_sentences`, as :mod:`kg.relations.pubtator` does)."""
    from kg.ingest import read_documents

    with tempfile.TemporaryDirectory() as tmp:
        docs, _ = read_documents(write_texts(path, Path(tmp)))
    out = {}
    for doc in docs:
        if doc.title and doc.abstract:
            offset = len(doc.title) + 2
            sentences = ((0, len(doc.title)), *((offset + a, offset + b) for a, b in split_sentences(doc.abstract)))
        else:
            sentences = tuple(split_sentences(doc.text))
        out[str(doc.pmid)] = (doc.text, sentences)
    return out


def built_documents(path: Path, built: Any) -> list[RelationDocument]:
    """Per document of a build (:class:`kg.KnowledgeGraph` with its mentions) of a PubTator file's texts:
    the build's mentions of its graph's nodes (concept = node key, type = the node's type) over the text the
    build read. Every pair of a document is a candidate, not only those co-occurring in the build's window."""
    texts = kg_texts(path)
    nodes = built.graph.nodes
    spans = built.mentions[built.mentions["concept"].isin(set(built.graph)).to_numpy()]
    out = []
    for doc, rows in spans.groupby("doc", sort=True):
        pmid = str(doc).removeprefix("pmid:")
        if pmid not in texts:
            continue
        text, sentences = texts[pmid]
        out.append(RelationDocument.from_spans(pmid, text, (
            (s, e, str(nodes[c].get("type", "")), str(c)) for s, e, c in zip(
                rows["start"].tolist(), rows["end"].tolist(), rows["concept"].tolist(), strict=True)), sentences))
    return out


def gold_curie(entity_type: str, concept: str) -> str:
    """A corpus id as a CURIE of kg's namespaces, lower-cased (``"GeneOrGeneProduct", "7157"`` ->
    ``ncbigene:7157``; MeSH ``D003920`` / ``MESH:D003920`` -> ``mesh:d003920``; ``OMIM:`` -> ``omim:``)."""
    raw = concept.strip()
    if entity_type in ("GeneOrGeneProduct", "Gene"):
        return f"ncbigene:{raw}".lower()
    if entity_type in ("OrganismTaxon", "Species"):
        return f"ncbitaxon:{raw}".lower()
    if raw.upper().startswith("OMIM:"):
        return f"omim:{raw.split(':', 1)[1]}".lower()
    return f"mesh:{re.sub(r'^MESH:', '', raw, flags=re.I)}".lower()


def node_curies(graph: Any) -> dict[str, frozenset[str]]:
    """Node key -> its CURIE and xrefs, lower-cased."""
    out = {}
    for key, node in graph.nodes(data=True):
        xrefs = node.get("xrefs", "")
        xrefs = xrefs.split("|") if isinstance(xrefs, str) else list(xrefs or ())
        out[str(key)] = frozenset(x.lower() for x in [node.get("curie", ""), *xrefs] if x)
    return out


def map_relations(doc: RelationDocument, gold: AnnotatedDocument, curies: dict[str, frozenset[str]]
                  ) -> tuple[GoldRelation, ...]:
    """``gold``'s relations on the node pairs of ``doc`` (kg's mentions) whose nodes carry the gold ids."""
    gold_doc, relations = gold
    kinds = {m.concept: m.type for m in gold_doc.mentions}
    by_curie: dict[str, set[str]] = {}
    for node in {m.concept for m in doc.mentions}:
        for c in curies.get(node, ()):
            by_curie.setdefault(c, set()).add(node)
    out: dict[tuple[str, str], GoldRelation] = {}
    for r in relations:
        ends = [by_curie.get(gold_curie(kinds.get(i, ""), i), set()) for i in (r.id1, r.id2)]
        for a in sorted(ends[0]):
            for b in sorted(ends[1]):
                if a != b:
                    out.setdefault(pair_key(a, b), GoldRelation(doc.id, r.type, a, b, r.novel))
    return tuple(out.values())


def end_to_end_documents(path: str | Path, *, window: str = "sentence",
                         log: Any = print) -> list[AnnotatedDocument]:
    """The documents of an annotated PubTator file as a build reads them, labelled with the gold relations
    mapped onto node pairs (module docstring). Runs ``kg.build`` (relations off) on the texts."""
    import kg

    path = Path(path)
    gold = {doc.id: (doc, rels) for doc, rels in read_pubtator_relations(path)}
    with tempfile.TemporaryDirectory() as tmp:
        built = kg.build(write_texts(path, Path(tmp)), window=window, max_nodes=None, max_edges=None, formats=(),
                         cache=False, relations="off")
    curies = node_curies(built.graph)
    out = [(doc, map_relations(doc, gold[doc.id], curies)) for doc in built_documents(path, built) if doc.id in gold]
    log(f"{path.name} end to end: {len(out)} documents with kg's mentions, "
        f"{_count(rels for _, rels in out)} node pairs labelled from "
        f"{_count(rels for _, rels in gold.values())} gold relations")
    return out


def _count(groups: Iterable[tuple]) -> int:
    return sum(len(g) for g in groups)
