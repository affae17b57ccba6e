"""KGX TSV (Biolink Model): ``graph_nodes.tsv`` and ``graph_edges.tsv``, the file pair
``kgx transform --input-format tsv`` reads (KGX's own naming for a graph called ``graph``).

Nodes: ``id`` (a Biolink-cased CURIE: ``HGNC:11364``, ``MESH:D002289``; a node no vocabulary
linked gets ``KG:`` and its key, percent-encoded), ``category`` (the Biolink class of kg's
entity type, :data:`CATEGORIES`), ``name``, ``xref`` (kg's CURIE), ``synonym`` (the aliases),
``iri`` (the vocabulary page), and kg's ``kg_id``, ``kg_type``, ``mentions`` and ``documents``.

Edges: ``id`` (the edge id of every kg file), ``subject``, ``predicate``
(``biolink:occurs_together_in_literature_with``: co-occurrence, symmetric), ``object``,
``knowledge_level`` (``text_co_occurrence``), ``agent_type`` (``text_mining_agent``),
``primary_knowledge_source``, ``publications`` (``PMID:``/``doi:`` CURIEs of the documents
with a co-mention), ``evidence_count`` (their number), and kg's scores (``score``, ``count``,
``npmi``, ...) under their own names. Lists are ``|``-joined, as KGX's TSV expects. Values are
written as they are (KGX is read by programs, not spreadsheets); tabs and line breaks in text
become spaces.

The categories, predicate, enum values and slot names are checked against the Biolink model of
the ``biolink-model`` package in the tests (offline; ``kgx validate`` needs the network).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import quote

import networkx as nx

from kg.export.attributes import edge_triples
from kg.export.ids import edge_ids, node_id
from kg.export.outputs import PathOrFile, _open_output

__all__ = [
    "AGENT_TYPE",
    "CATEGORIES",
    "KNOWLEDGE_LEVEL",
    "KNOWLEDGE_SOURCE",
    "NODE_COLUMNS",
    "EDGE_COLUMNS",
    "PREDICATE",
    "PREFIXES",
    "kgx_id",
    "write_kgx",
]

#: kg's entity type (:data:`kg.schema.TYPE_NAMES`) -> Biolink class. Unknown types: NamedThing.
CATEGORIES: dict[str, str] = {
    "Gene or gene product": "biolink:Gene",
    "Chemical": "biolink:ChemicalEntity",
    "Amino acid": "biolink:ChemicalEntity",
    "Disease": "biolink:Disease",
    "Cancer": "biolink:Disease",
    "Pathological formation": "biolink:DiseaseOrPhenotypicFeature",
    "Cell": "biolink:Cell",
    "Cell line": "biolink:CellLine",
    "Cellular component": "biolink:CellularComponent",
    "Sequence feature": "biolink:NucleicAcidEntity",
    "DNA": "biolink:NucleicAcidEntity",
    "RNA": "biolink:NucleicAcidEntity",
    "Organism": "biolink:OrganismTaxon",
    "Tissue": "biolink:GrossAnatomicalStructure",
    "Organ": "biolink:GrossAnatomicalStructure",
    "Multi-tissue structure": "biolink:GrossAnatomicalStructure",
    "Organism subdivision": "biolink:GrossAnatomicalStructure",
    "Anatomical system": "biolink:GrossAnatomicalStructure",
    "Developing anatomical structure": "biolink:GrossAnatomicalStructure",
    "Anatomical entity": "biolink:AnatomicalEntity",
    "Organism substance": "biolink:AnatomicalEntity",
    "Entity": "biolink:NamedThing",
}
DEFAULT_CATEGORY = "biolink:NamedThing"
#: kg's (lower-case) CURIE prefixes -> the Biolink model's spelling of them.
PREFIXES: dict[str, str] = {
    "hgnc": "HGNC", "mesh": "MESH", "omim": "OMIM", "go": "GO", "so": "SO", "chebi": "CHEBI", "mondo": "MONDO",
    "doid": "DOID", "hp": "HP", "efo": "EFO", "cl": "CL", "uberon": "UBERON", "ncbigene": "NCBIGene",
    "ncbitaxon": "NCBITaxon", "mgi": "MGI", "rgd": "RGD", "mirbase": "mirbase", "pr": "PR", "ncit": "NCIT",
    "pmid": "PMID", "doi": "doi",
}
#: The prefix of nodes no vocabulary linked (their key, percent-encoded, follows).
UNLINKED_PREFIX = "KG"
PREDICATE = "biolink:occurs_together_in_literature_with"
KNOWLEDGE_LEVEL = "text_co_occurrence"
AGENT_TYPE = "text_mining_agent"
#: ``primary_knowledge_source`` unless told otherwise (an infores id naming this build's source).
KNOWLEDGE_SOURCE = "infores:kg"

NODE_COLUMNS = ("id", "category", "name", "xref", "synonym", "iri", "kg_id", "kg_type", "mentions", "documents")
EDGE_COLUMNS = ("id", "subject", "predicate", "object", "knowledge_level", "agent_type", "primary_knowledge_source",
                "publications", "evidence_count")
#: Edge attributes that are no scores (written elsewhere or not at all).
_NOT_SCORES = frozenset({"evidence", "doc_ids", "interaction", "name", "id"})


def kgx_id(key: Any, curie: str = "") -> str:
    """A node's KGX id: its CURIE with the Biolink prefix spelling, else ``KG:`` + its key."""
    text = curie or node_id(key)
    prefix, sep, local = text.partition(":")
    if sep and prefix.lower() in PREFIXES and local:
        return f"{PREFIXES[prefix.lower()]}:{local}"
    return f"{UNLINKED_PREFIX}:{quote(node_id(key), safe='')}"


def publication(doc_id: str) -> str | None:
    """A document id as a Biolink publication CURIE (``pmid:1`` -> ``PMID:1``), None when it is neither."""
    prefix, sep, local = doc_id.partition(":")
    if sep and prefix in ("pmid", "doi") and local:
        return f"{PREFIXES[prefix]}:{local}"
    return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if not math.isfinite(value) else repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, set, frozenset)):
        return "|".join(_text(v).replace("|", "/") for v in (sorted(value) if isinstance(value, (set, frozenset))
                                                              else value))
    text = str(value)
    if "\t" in text or "\n" in text or "\r" in text:
        text = " ".join(text.split())
    return text


def _lines(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    yield "\t".join(header) + "\n"
    for row in rows:
        yield "\t".join(map(_text, row)) + "\n"


def _write(path: PathOrFile, lines: Iterator[str], chunk: int = 5000) -> None:
    with _open_output(path, fmt="kgx") as write:
        buf: list[str] = []
        for line in lines:
            buf.append(line)
            if len(buf) >= chunk:
                write("".join(buf))
                buf.clear()
        if buf:
            write("".join(buf))


def score_columns(G: nx.Graph) -> list[str]:
    """The numeric edge attributes of ``G`` (kg's scores, count, documents), in order of first use."""
    seen: dict[str, None] = {}
    for *_, d in edge_triples(G):
        for k, v in d.items():
            if k not in _NOT_SCORES and isinstance(v, (int, float)) and not isinstance(v, bool):
                seen.setdefault(k, None)
    return list(seen)


def write_kgx(G: nx.Graph, nodes_path: PathOrFile, edges_path: PathOrFile, *,
              knowledge_source: str = KNOWLEDGE_SOURCE) -> None:
    """Write ``G`` as KGX TSV: ``nodes_path`` (:data:`NODE_COLUMNS`) and ``edges_path``
    (:data:`EDGE_COLUMNS` then the scores); see the module docs."""
    ids = {n: kgx_id(n, str(d.get("curie") or "")) for n, d in G.nodes(data=True)}

    def node_rows() -> Iterator[list[Any]]:
        for n, d in G.nodes(data=True):
            kind = str(d.get("type") or "")
            curie = str(d.get("curie") or "")
            yield [ids[n], node_category(d), d.get("label") or node_id(n),
                   [kgx_id(n, curie)] if curie else [], d.get("aliases") or [], d.get("url") or "", node_id(n), kind,
                   d.get("mentions"), d.get("documents")]

    scores = score_columns(G)

    def edge_rows() -> Iterator[list[Any]]:
        for eid, (u, v, d) in zip(edge_ids(G), edge_triples(G), strict=True):
            docs = d.get("doc_ids") or []
            pubs = [p for p in map(publication, docs) if p]
            # a typed edge (kg.relations) carries its own Biolink predicate
            yield [eid, ids[u], d.get("predicate") or PREDICATE, ids[v], KNOWLEDGE_LEVEL, AGENT_TYPE, knowledge_source, pubs,
                   len(docs), *(_score(d.get(s)) for s in scores)]

    _write(nodes_path, _lines(NODE_COLUMNS, node_rows()))
    _write(edges_path, _lines([*EDGE_COLUMNS, *scores], edge_rows()))


def _score(value: Any) -> Any:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def node_category(data: Mapping[str, Any]) -> str:
    """The Biolink category of a node's attributes."""
    return CATEGORIES.get(str(data.get("type") or ""), DEFAULT_CATEGORY)
