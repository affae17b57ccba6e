"""Which nodes and edges the page draws when a graph is bigger than it can show well.

Beyond ``max_nodes`` nodes the most connected ones (:func:`strongest_subgraph`); beyond
``max_edges`` edges each node's best edge, then the strongest (:func:`strongest_edges`).
Generic concepts kept as nodes for the tables (``concept_rule`` ``grounded-generic``: MeSH
Neoplasms for "tumor" or "cancer") are never linked by co-occurrence edges; the page does not draw
them when they have no edge (:func:`without_generic_islands`), so they are not the largest circles of
the page. Exports keep everything; the page says what it left out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import networkx as nx

__all__ = ["strongest_subgraph", "strongest_edges", "without_generic_islands"]

#: The node's ``concept_rule`` of a generic concept kept as a node (:mod:`kg.concepts.filter`).
GENERIC_RULE = "grounded-generic"


def without_generic_islands(G: nx.Graph) -> nx.Graph:
    """``G`` without its edgeless generic concepts (``concept_rule`` ``grounded-generic``); ``G`` itself
    when it has none."""
    drop = {n for n, rule in G.nodes(data="concept_rule") if rule == GENERIC_RULE and not G.degree(n)}
    return _induced_subgraph(G, [n for n in G if n not in drop]) if drop else G


def strongest_subgraph(G: nx.Graph, max_nodes: int | None) -> nx.Graph:
    """The ``max_nodes`` most connected nodes of ``G`` and the edges among them.

    Nodes are ranked by degree, then by the sum of their edges' ``score``, then by
    ``documents``, then by key (so ties are stable). Returns ``G`` itself when it is small
    enough or ``max_nodes`` is ``None`` or 0, else a new graph of the same class holding
    them, nodes and edges in ``G``'s order (attribute values are shared with ``G``, not
    copied).
    """
    if max_nodes is not None and max_nodes < 0:
        raise ValueError(f"max_nodes must be a positive number, 0 or None (no limit), not {max_nodes}")
    if not max_nodes or G.number_of_nodes() <= max_nodes:
        return G
    strength = dict.fromkeys(G, 0)
    isfinite = math.isfinite
    for u, v, s in G.edges(data="score"):
        if (type(s) is float or isinstance(s, (int, float))) and isfinite(s):
            strength[u] += s
            strength[v] += s
    degree = G.degree

    def rank(n: Any) -> tuple:
        docs = G.nodes[n].get("documents")
        return (-degree(n), -strength[n], -(docs if isinstance(docs, (int, float)) else 0), str(n))

    return _induced_subgraph(G, sorted(G, key=rank)[:max_nodes])


def _finite_score(d: Mapping[str, Any]) -> float:
    s = d.get("score")
    if (type(s) is float or isinstance(s, (int, float))) and not isinstance(s, bool) and math.isfinite(s):
        return float(s)
    return -math.inf


def strongest_edges(G: nx.Graph, max_edges: int | None) -> nx.Graph:
    """``G`` with at most ``max_edges`` edges: every node's best edge, then the best of the rest.

    Edges rank by ``score`` (missing or not finite: last), then ``documents``, then ``G``'s
    order. Each node keeps its best edge first, so no node that had an edge is left
    isolated (as long as ``max_edges`` is at least the number of nodes); the
    remaining places go to the highest-ranked edges. This is what the page's minimum-score
    slider would show anyway, at the score where that many edges are left. Returns ``G``
    itself when it has few enough edges or ``max_edges`` is ``None`` or 0, else a new graph
    with every node of ``G`` and the kept edges in ``G``'s order (attribute values shared,
    not copied).
    """
    if max_edges is not None and max_edges < 0:
        raise ValueError(f"max_edges must be a positive number, 0 or None (no limit), not {max_edges}")
    if not max_edges or G.number_of_edges() <= max_edges:
        return G
    edges = list(G.edges(data=True))

    def rank(i: int) -> tuple:
        d = edges[i][2]
        docs = d.get("documents")
        return (-_finite_score(d), -(docs if isinstance(docs, (int, float)) else 0), i)

    order = sorted(range(len(edges)), key=rank)
    best: dict[Any, int] = {}
    for i in order:
        u, v, _ = edges[i]
        best.setdefault(u, i)
        best.setdefault(v, i)
    keep = set(sorted(set(best.values()), key=rank)[:max_edges])
    for i in order:
        if len(keep) >= max_edges:
            break
        keep.add(i)
    H = G.__class__()
    H.graph.update(G.graph)
    H.add_nodes_from(G.nodes(data=True))
    H.add_edges_from(edges[i] for i in sorted(keep))
    return H


def _induced_subgraph(G: nx.Graph, nodes: Any) -> nx.Graph:
    """``G.subgraph(nodes)`` as a graph of its own, built in one pass over the kept nodes'
    adjacency (a view filters the hubs' whole adjacency again on every pass over it).

    Nodes and ``edges()`` come in ``G``'s order. (A view of a graph more than twice its
    size lists them in the order of a set of the kept nodes, which changes with the hash
    seed, so pages of big graphs differed from run to run.)"""
    keep = set(nodes)
    H = G.__class__()
    H.graph.update(G.graph)
    H.add_nodes_from((n, d) for n, d in G.nodes(data=True) if n in keep)
    directed = G.is_directed()
    seen: set[Any] = set()
    edges = []
    for u, nbrs in G.adjacency():
        if u in keep:
            edges.extend((u, v, d) for v, d in nbrs.items() if v in keep and (directed or v not in seen))
            seen.add(u)
    H.add_edges_from(edges)
    return H
