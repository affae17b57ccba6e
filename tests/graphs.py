"""Synthetic graphs that follow :mod:`kg.schema`, for the render and export tests and benchmarks.

``make_graph(n)`` builds a co-occurrence-like graph (preferential attachment, about three
edges per node) with every node and edge attribute of the schema filled: lists, CURIEs
and URLs, evidence dicts with PubMed/DOI links. With ``probe=True`` (the default) a few
strings carry an HTML/JS injection probe that, if it ever ran in a page, would set
``window.__pwned``; see :data:`PROBES`.

Everything is drawn from one ``random.Random(seed)``, so a size and a seed always give
the same graph.
"""

from __future__ import annotations

import random

import networkx as nx
import pandas as pd

from kg.relations.aggregate import RELATION_COLUMNS
from kg.schema import type_color

__all__ = ["PROBES", "PROBE_NODE", "make_graph", "tiny_graph", "typed_graph", "relation_statements_table",
           "STAT3", "CANCER", "IMATINIB"]

#: Strings that would run script if a page inserted them as HTML.
PROBES = (
    "<script>window.__pwned=1;alert(1)</script>",
    '<img src=x onerror="window.__pwned=1">',
    '"><svg onload="window.__pwned=1">',
)
#: Key of the node whose id, label, alias and edge evidence carry the probes.
PROBE_NODE = "Chemical:<script>window.__pwned=1</script>"

_TYPES = (
    (
        "Gene or gene product",
        0.40,
        "hgnc",
        "https://www.genenames.org/data/gene-symbol-report/#!/hgnc_id/HGNC:{}",
    ),
    ("Disease", 0.15, "mondo", "http://purl.obolibrary.org/obo/MONDO_{:07d}"),
    ("Chemical", 0.15, "chebi", "https://www.ebi.ac.uk/chebi/searchId.do?chebiId=CHEBI:{}"),
    ("Cancer", 0.10, "", ""),
    ("Cell", 0.10, "cl", "http://purl.obolibrary.org/obo/CL_{:07d}"),
    ("Organism", 0.05, "ncbitaxon", "http://purl.obolibrary.org/obo/NCBITaxon_{}"),
    ("Cellular component", 0.05, "", ""),
)
_SYLLABLES = ("ka", "ro", "stat", "lin", "mek", "tor", "pha", "gen", "cyt", "ox", "ase", "ine", "mab", "zol")
_VERBS = ("activates", "inhibits", "binds", "is associated with", "regulates", "is overexpressed with")


def _name(rng: random.Random) -> str:
    word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))
    return word.upper() + str(rng.randint(1, 99)) if rng.random() < 0.5 else word


def _evidence(rng: random.Random, a: str, b: str, n: int) -> list[dict]:
    out = []
    for _ in range(n):
        pmid = str(rng.randint(10_000_000, 39_999_999))
        doi = f"10.{rng.randint(1000, 9999)}/kg.{rng.randint(1, 10**6)}"
        use_doi = rng.random() < 0.2
        out.append(
            {
                "doc_id": f"doi:{doi}" if use_doi else f"pmid:{pmid}",
                "sentence": f"In this cohort {a} {rng.choice(_VERBS)} {b} (n={rng.randint(10, 900)}).",
                "pmid": "" if use_doi else pmid,
                "doi": doi,
                "url": f"https://doi.org/{doi}" if use_doi else f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/",
            }
        )
    return out


def make_graph(
    n_nodes: int,
    *,
    edges_per_node: int = 3,
    seed: int = 0,
    probe: bool = True,
    none_values: bool = False,
) -> nx.Graph:
    """A schema-conformant undirected graph with ``n_nodes`` nodes.

    ``edges_per_node`` is the Barabási–Albert attachment count (so about that many edges
    per node, with hubs). ``none_values=True`` sets a few optional attributes to ``None``
    (exporters must cope). Graph attributes follow :data:`kg.schema.GRAPH_ATTRIBUTES`.
    """
    rng = random.Random(seed)
    G = nx.Graph(
        name=f"synthetic-{n_nodes}",
        kg_version="0.1.0",
        window="sentence",
        score="npmi",
        n_documents=max(1, n_nodes * 4),
        models="synthetic",
    )
    if n_nodes <= 0:
        return G
    m = max(1, min(edges_per_node, n_nodes - 1)) if n_nodes > 1 else 0
    skeleton = nx.barabasi_albert_graph(n_nodes, m, seed=seed) if m else nx.empty_graph(n_nodes)
    types = [t for t, *_ in _TYPES]
    weights = [w for _, w, *_ in _TYPES]
    keys: list[str] = []
    seen: set[str] = set()
    for i in range(n_nodes):
        tname = rng.choices(types, weights)[0]
        _, _, prefix, url = next(t for t in _TYPES if t[0] == tname)
        label = _name(rng)
        while label.lower() in seen:
            label = _name(rng) + str(i)
        seen.add(label.lower())
        linked = bool(prefix) and rng.random() < 0.7
        num = rng.randint(1, 99999)
        key = f"{prefix}:{num}" if linked else f"{tname}:{label.lower()}"
        while key in G:
            num += 1
            key = f"{prefix}:{num}" if linked else f"{tname}:{label.lower()}{i}"
        degree = skeleton.degree(i)
        documents = 1 + degree + rng.randint(0, 3 * (degree + 1))
        docs = sorted({f"pmid:{rng.randint(10_000_000, 39_999_999)}" for _ in range(min(documents, 8))})
        G.add_node(
            key,
            label=label,
            type=tname,
            mentions=documents + rng.randint(0, documents * 2),
            documents=documents,
            aliases=sorted(
                {label, label.lower(), f"{label}-like protein"} if rng.random() < 0.5 else {label}
            ),
            curie=key if linked else "",
            url=url.format(num) if linked else "",
            doc_ids=docs,
        )
        keys.append(key)
    for u, v in skeleton.edges():
        a, b = keys[u], keys[v]
        count = rng.randint(1, 30)
        documents = rng.randint(1, count)
        npmi = round(rng.uniform(0.05, 1.0), 4)
        G.add_edge(
            a,
            b,
            count=count,
            documents=documents,
            score=npmi,
            npmi=npmi,
            pmi=round(npmi * rng.uniform(2.0, 6.0), 4),
            evidence=_evidence(rng, G.nodes[a]["label"], G.nodes[b]["label"], rng.randint(1, 3)),
            doc_ids=sorted({f"pmid:{rng.randint(10_000_000, 39_999_999)}" for _ in range(documents)}),
            interaction="co-occurs",
        )
    if probe and n_nodes >= 2:
        _add_probe(G, keys[0])
    if none_values:
        for key in keys[: max(1, n_nodes // 10)]:
            G.nodes[key]["url"] = None
            G.nodes[key]["curie"] = None
        for _, _, data in list(G.edges(data=True))[:3]:
            data["pmi"] = None
    return G


def _add_probe(G: nx.Graph, anchor: str) -> None:
    """A Chemical whose id, label, alias and evidence carry :data:`PROBES`, joined to ``anchor``."""
    G.add_node(
        PROBE_NODE,
        label=PROBES[0],
        type="Chemical",
        mentions=3,
        documents=2,
        aliases=[PROBES[1], PROBES[2], "probe & <b>bold</b>"],
        curie="",
        url="javascript:window.__pwned=1",
        doc_ids=["pmid:1"],
    )
    G.add_edge(
        PROBE_NODE,
        anchor,
        count=2,
        documents=2,
        score=0.5,
        npmi=0.5,
        pmi=1.5,
        evidence=[
            {
                "doc_id": "pmid:1",
                "sentence": f"Probe {PROBES[0]} and {PROBES[1]} co-occur with {G.nodes[anchor]['label']}.",
                "pmid": "1",
                "doi": '10.1/"><script>window.__pwned=1</script>',
                "url": "javascript:window.__pwned=1",
            }
        ],
        doc_ids=["pmid:1"],
        interaction="co-occurs",
    )


def tiny_graph() -> nx.Graph:
    """Three nodes, two edges, a hand-written graph whose values the tests can name."""
    G = nx.Graph(
        name="tiny", kg_version="0.1.0", window="sentence", score="npmi", n_documents=3, models="test"
    )
    G.add_node(
        "hgnc:11364",
        label="STAT3",
        type="Gene or gene product",
        mentions=5,
        documents=3,
        aliases=["STAT3", "signal transducer and activator of transcription 3", "APRF|x"],
        curie="hgnc:11364",
        url="https://www.genenames.org/data/gene-symbol-report/#!/hgnc_id/HGNC:11364",
        doc_ids=["pmid:1", "pmid:2", "pmid:3"],
    )
    G.add_node(
        "Disease:lung cancer",
        label="lung cancer",
        type="Disease",
        mentions=2,
        documents=2,
        aliases=["lung cancer"],
        curie="",
        url="",
        doc_ids=["pmid:1", "pmid:2"],
    )
    G.add_node(
        "chebi:45783",
        label="imatinib",
        type="Chemical",
        mentions=1,
        documents=1,
        aliases=[],
        curie="chebi:45783",
        url="https://www.ebi.ac.uk/chebi/searchId.do?chebiId=CHEBI:45783",
        doc_ids=["pmid:3"],
    )
    G.add_edge(
        "hgnc:11364",
        "Disease:lung cancer",
        count=2,
        documents=2,
        score=0.8125,
        npmi=0.8125,
        evidence=[
            {
                "doc_id": "pmid:1",
                "sentence": "STAT3 is activated in lung cancer; see Table 1.",
                "pmid": "1",
                "doi": "10.1000/a",
                "url": "https://pubmed.ncbi.nlm.nih.gov/1/",
            },
            {
                "doc_id": "doi:10.1000/b",
                "sentence": "Lung cancer cells need STAT3.",
                "pmid": "",
                "doi": "10.1000/b",
                "url": "https://doi.org/10.1000/b",
            },
        ],
        doc_ids=["pmid:1", "doi:10.1000/b"],
        interaction="co-occurs",
    )
    G.add_edge(
        "hgnc:11364",
        "chebi:45783",
        count=1,
        documents=1,
        score=0.25,
        npmi=0.25,
        evidence=[],
        doc_ids=["pmid:3"],
        interaction="co-occurs",
    )
    return G


def node_colors(G: nx.Graph) -> dict[str, str]:
    """Type -> colour for the types present in ``G`` (what the legend should list)."""
    return {t: type_color(t) for t in sorted({d.get("type", "") for _, d in G.nodes(data=True)})}


#: Headless Chromium flags for this closed network (no background requests, no updates).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


STAT3, CANCER, IMATINIB = "hgnc:11364", "Disease:lung cancer", "chebi:45783"


def typed_graph() -> nx.Graph:
    """:func:`tiny_graph` with relations: STAT3-lung cancer a Positive_Correlation, the other edge none."""
    G = tiny_graph()
    for u, v, d in G.edges(data=True):
        stated = {u, v} == {STAT3, CANCER}
        d.update(relation="Positive_Correlation" if stated else "",
                 relation_counts="Positive_Correlation:2|Association:1" if stated else "",
                 relation_score=0.9375 if stated else 0.1, interaction="Positive_Correlation" if stated else "co-occurs")
    return G


def relation_statements_table() -> pd.DataFrame:
    """A statements table for :func:`typed_graph`: probes in the sentences, a ``|``-joined cell (as
    relations.csv holds them) and more sentences of one type than the page carries."""
    rows = [
        ("pmid:1", STAT3, CANCER, "Positive_Correlation", 0.9, ["STAT3 drives lung cancer.", "Second."]),
        ("pmid:2", CANCER, STAT3, "Positive_Correlation", 0.8, f"{PROBES[0]} raises lung cancer|other"),
        ("pmid:3", STAT3, CANCER, "Positive_Correlation", 0.7, ["A third sentence."]),
        ("doi:10.1/x", STAT3, CANCER, "Association", 0.6, [PROBES[1] + " and " + PROBES[2]]),
    ]
    return pd.DataFrame([(d, s, t, r, "biolink:x", True, p, sent) for d, s, t, r, p, sent in rows],
                        columns=RELATION_COLUMNS)
