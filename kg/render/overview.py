"""What makes the first view of a big graph readable: communities, a search index of the whole
graph, and the PMIDs and top neighbours the tooltips list.

* :func:`communities`: Louvain communities (Blondel et al. 2008, networkx's
  ``louvain_communities``, seeded) of the drawn graph, weighted by shared ``documents``,
  each with a colour, its size, its top nodes' labels and its centroid in the layout. On
  2,000 drawn nodes and 10,000 edges it takes about 0.3 s.
* :func:`node_index`: every node of the *whole* graph (the most connected ``max_nodes``
  when bigger) with its label, type, documents and strongest neighbours, as columns of
  numbers, so the page finds and adds ("show neighbours of STAT3") nodes it does not draw.
* :func:`node_pmids`: a node's PubMed ids from its ``doc_ids``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx

__all__ = ["Community", "communities", "node_index", "node_pmids", "COMMUNITY_COLORS"]

#: Colours of the largest communities (Tableau 20, strong then light); smaller ones are grey.
COMMUNITY_COLORS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
    "#bcbd22", "#7f7f7f", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94",
    "#f7b6d2", "#9edae5", "#dbdb8d", "#393b79",
)
OTHER_COLOR = "#c7c7c7"


@dataclass(frozen=True)
class Community:
    """One community of the drawn graph: its members (graph keys), biggest first."""

    index: int
    members: tuple[Any, ...]
    top: tuple[str, ...]
    color: str

    def as_page(self, ids: Mapping[Any, str], positions: Mapping[Any, tuple[float, float]] | None,
                spacing: float = 1.0) -> dict[str, Any]:
        """The page's record: size, top labels, colour, members' page ids, their centroid
        (``x``, ``y`` in page pixels; 0 without positions) and ``labelY``, where the group's
        label goes (above nine in ten members)."""
        pts = [positions[n] for n in self.members if positions and n in positions]
        x = sum(p[0] for p in pts) / len(pts) if pts else 0.0
        y = sum(p[1] for p in pts) / len(pts) if pts else 0.0
        ys = sorted(p[1] for p in pts) or [0.0]
        return {"index": self.index, "size": len(self.members), "top": list(self.top), "color": self.color,
                "x": round(x * spacing, 1), "y": round(y * spacing, 1),
                "labelY": round(ys[len(ys) // 10] * spacing, 1),  # above most members: no label covers theirs
                "nodes": [ids[n] for n in self.members]}


def _weight(d: Mapping[str, Any]) -> float:
    w = d.get("documents")
    return float(w) if isinstance(w, (int, float)) and not isinstance(w, bool) and w > 0 else 1.0


def communities(H: nx.Graph, *, seed: int = 0, top: int = 3, min_size: int = 3) -> list[Community]:
    """Louvain communities of ``H``'s nodes with edges, largest first, those of at least ``min_size``.

    Members rank by weighted degree within ``H`` (documents shared with neighbours); ``top``
    labels of the best name the community. Deterministic for a given ``seed`` (the graph is rebuilt in a
    fixed order first: Louvain visits nodes in graph order).
    """
    linked = sorted((n for n in H if H.degree(n) > 0), key=str)
    if not linked:
        return []
    W = nx.Graph()
    W.add_nodes_from(linked)
    W.add_weighted_edges_from(sorted(((u, v, _weight(d)) for u, v, d in H.edges(data=True) if u != v),
                                     key=lambda e: (str(e[0]), str(e[1]))))
    parts = nx.community.louvain_communities(W, weight="weight", seed=seed)
    strength = dict(W.degree(weight="weight"))
    groups = sorted((sorted(p, key=lambda n: (-strength[n], str(n))) for p in parts if len(p) >= min_size),
                    key=lambda p: (-len(p), str(p[0])))
    out = []
    for i, members in enumerate(groups):
        labels = tuple(str(H.nodes[n].get("label") or n) for n in members[:top])
        color = COMMUNITY_COLORS[i] if i < len(COMMUNITY_COLORS) else OTHER_COLOR
        out.append(Community(i, tuple(members), labels, color))
    return out


def _score(d: Mapping[str, Any]) -> float:
    s = d.get("score")
    if isinstance(s, (int, float)) and not isinstance(s, bool) and math.isfinite(s):
        return float(s)
    return -math.inf


def node_index(G: nx.Graph, ids: Mapping[Any, str], *, max_nodes: int = 20_000, neighbours: int = 8) -> dict:
    """The page's index of the whole graph, as columns (so it stays compact).

    Nodes: the ``max_nodes`` of highest degree (all when fewer), in that order: ``id``,
    ``label`` ("" when it is the id), ``type`` (an index into ``types``), ``documents``,
    ``drawn`` (1 when the page draws it) and ``nbr``/``score``: up to ``neighbours`` neighbours
    (indices into these columns), strongest ``score`` first. ``ids`` maps drawn nodes to
    their page ids; other nodes get ``str(key)``. Each node adds about 100 bytes.
    """
    degree = G.degree
    order = sorted(G, key=lambda n: (-degree(n), str(n)))[:max_nodes]
    pos = {n: i for i, n in enumerate(order)}
    types: dict[str, int] = {}
    cols: dict[str, list] = {k: [] for k in ("id", "label", "type", "documents", "drawn", "nbr", "score")}
    for n in order:
        d = G.nodes[n]
        nid = ids.get(n, str(n))
        label = str(d.get("label") or nid)
        docs = d.get("documents")
        cols["id"].append(nid)
        cols["label"].append("" if label == nid else label)
        cols["type"].append(types.setdefault(str(d.get("type") or "Entity"), len(types)))
        cols["documents"].append(int(docs) if isinstance(docs, (int, float)) and math.isfinite(docs) else 0)
        cols["drawn"].append(1 if n in ids else 0)
        best = sorted(((v, dd) for v, dd in G.adj[n].items() if v != n and v in pos),
                      key=lambda e: (-_score(e[1]), pos[e[0]]))[:neighbours]
        cols["nbr"].append([pos[v] for v, _ in best])
        cols["score"].append([round(_score(dd), 3) if math.isfinite(_score(dd)) else None for _, dd in best])
    return {"types": list(types), "total": G.number_of_nodes(), **cols}


def node_pmids(d: Mapping[str, Any], limit: int) -> tuple[list[str], int]:
    """The first ``limit`` PubMed ids of a node's ``doc_ids`` (``pmid:123``), and how many it has."""
    doc_ids = d.get("doc_ids")
    if not isinstance(doc_ids, (list, tuple, set)):
        return [], 0
    pmids = [s[5:] for s in map(str, doc_ids) if s.startswith("pmid:") and s[5:].isdigit()]
    return pmids[:limit], len(pmids)
