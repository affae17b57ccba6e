"""The ids kg's files give nodes and edges: one spelling in every format, unique across both.

A node's id is its key in the graph (a CURIE such as ``hgnc:11364``, else its folded text such
as ``e2`` or ``+7``), written as is in CSV, GraphML, GEXF, .cyjs, JSON, KGX and Neo4j files.
An edge's id is :data:`EDGE_PREFIX` and its position among ``G.edges()`` (``edge:0``,
``edge:1``, ...). Cytoscape.js (so ipycytoscape and Dash Cytoscape) keeps one element per id
across nodes and edges and silently drops a later duplicate; the former ``e<N>`` edge ids
collided with nodes such as the chemical E2. Should a node key itself look like an edge id, the
prefix gets a leading ``_`` until no node id can be taken for an edge id (:func:`edge_prefix`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import networkx as nx

__all__ = ["EDGE_PREFIX", "edge_ids", "edge_prefix", "node_id"]

#: The edge id prefix unless a node key starts with it (see :func:`edge_prefix`).
EDGE_PREFIX = "edge:"


def node_id(key: Any) -> str:
    """The id of the node ``key`` in every file: its text."""
    return str(key)


def edge_prefix(G: nx.Graph) -> str:
    """:data:`EDGE_PREFIX`, with ``_`` put before it until no node id starts with it.

    An id ``PREFIX<digits>`` can then never be a node id, whatever the nodes are called."""
    prefix = EDGE_PREFIX
    ids = [node_id(n) for n in G]
    while any(i.startswith(prefix) for i in ids):
        prefix = "_" + prefix
    return prefix


def edge_ids(G: nx.Graph) -> Iterator[str]:
    """The id of each edge of ``G``, in the order of ``G.edges()`` (which every kg writer follows)."""
    prefix = edge_prefix(G)
    return (f"{prefix}{i}" for i in range(G.number_of_edges()))
