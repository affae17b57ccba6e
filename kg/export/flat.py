"""The conventions of kg's flat formats (GraphML, GEXF, the .cyjs ``evidence`` column, CSV).

Lists of strings joined with :data:`LIST_SEPARATOR` (:func:`join_list`,
:func:`split_list`), evidence as readable text (:func:`evidence_text`) plus ``X_json``,
one storage kind per attribute (:func:`_attribute_kinds`), and the ``kg_encoding`` graph
attribute: :func:`flat_graph` makes a copy of a graph with scalar attributes only and
:func:`restore` undoes it on read. The conventions are described in :mod:`kg.export.files`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import networkx as nx

from kg.errors import ExportError
from kg.export.attributes import (
    ENCODING_KEY,
    INVALID_XML,
    JSON_SUFFIX,
    LIST_SEPARATOR,
    attribute_kinds,
    evidence_text,
    join_list,
    json_default,
    looks_like_evidence,
    plain,
    split_list,
)
from kg.export.cytoscape import restore_top_evidence
from kg.export.graphml import graphml_id
from kg.schema import EDGE_ATTRIBUTES, GRAPH_ATTRIBUTES, NODE_ATTRIBUTES

__all__ = ["flat_graph", "restore"]


_SCHEMA = {"node": NODE_ATTRIBUTES, "edge": EDGE_ATTRIBUTES, "graph": GRAPH_ATTRIBUTES}


def _flatten_row(row: Mapping[str, Any], kinds: Mapping[str, str], *, xml: bool) -> dict[str, Any]:
    """Scalar-only attributes per the conventions of :mod:`kg.export.files`."""
    out: dict[str, Any] = {}
    for name, value in row.items():
        value = plain(value)
        if value is None:
            continue
        kind = kinds[name]
        if kind == "list":
            out[name] = join_list(sorted(value) if isinstance(value, (set, frozenset)) else value)
        elif kind == "json":
            out[name + JSON_SUFFIX] = json.dumps(value, ensure_ascii=False, default=json_default)
            out[name] = evidence_text(value) if looks_like_evidence(value) else out[name + JSON_SUFFIX]
        elif kind == "float":
            out[name] = float(value)
        elif kind == "int":
            out[name] = int(value)
        elif kind == "str":
            out[name] = value if isinstance(value, str) else str(value)
        else:
            out[name] = value
        if xml:
            for key in (name, name + JSON_SUFFIX):
                if isinstance(out.get(key), str):
                    out[key] = INVALID_XML.sub("", out[key])
    return out


def flat_graph(
    G: nx.Graph, *, xml: bool, cytoscape: bool = True, node_id: Callable[[Any], Any] | None = None
) -> nx.Graph:
    """A copy of ``G`` whose attributes are all str/int/float/bool, plus ``kg_encoding``."""
    if G.is_multigraph():
        raise ExportError(
            f"graph {G.graph.get('name', '')!r}: multigraphs are not supported by kg's exporters; "
            "merge parallel edges first (nx.Graph(G))"
        )
    node_rows = [dict(d) for _, d in G.nodes(data=True)]
    edge_rows = [dict(d) for _, _, d in G.edges(data=True)]
    added: dict[str, list[str]] = {"node": [], "edge": []}
    if cytoscape:
        if not any("name" in r for r in node_rows):
            added["node"].append("name")
            for n, r in zip(G.nodes, node_rows, strict=True):
                r["name"] = r.get("label") if r.get("label") not in (None, "") else str(n)
        if not any("label" in r for r in node_rows):
            added["node"].append("label")
            for n, r in zip(G.nodes, node_rows, strict=True):
                r["label"] = str(n)
        if not all(r.get("interaction") is not None for r in edge_rows):
            if not any("interaction" in r for r in edge_rows):
                added["edge"].append("interaction")
            for r in edge_rows:
                if r.get("interaction") is None:
                    r["interaction"] = "co-occurs"
    graph_row = {k: v for k, v in G.graph.items() if k != ENCODING_KEY}
    kinds = {
        "node": attribute_kinds(lambda: node_rows),
        "edge": attribute_kinds(lambda: edge_rows),
        "graph": attribute_kinds(lambda: [graph_row]),
    }
    H = nx.DiGraph() if G.is_directed() else nx.Graph()
    H.graph.update(_flatten_row(graph_row, kinds["graph"], xml=xml))
    H.graph[ENCODING_KEY] = json.dumps(
        {
            "version": 1,
            "list_separator": LIST_SEPARATOR,
            "lists": {s: sorted(k for k, v in kinds[s].items() if v == "list") for s in kinds},
            "json": {s: sorted(k for k, v in kinds[s].items() if v == "json") for s in kinds},
            "added": added,
            "node_ids": "graphml_id" if node_id is graphml_id else "",
        },
        sort_keys=True,
    )
    ident = node_id if node_id is not None else (lambda n: n)
    for n, row in zip(G.nodes, node_rows, strict=True):
        H.add_node(ident(n), **_flatten_row(row, kinds["node"], xml=xml))
    for (u, v), row in zip(G.edges(), edge_rows, strict=True):
        H.add_edge(ident(u), ident(v), **_flatten_row(row, kinds["edge"], xml=xml))
    return H


def restore(G: nx.Graph, *, split_lists: bool = True) -> nx.Graph:
    """Undo :func:`flat_graph` in place: decode ``X_json``, split lists, drop added attributes."""
    raw = G.graph.pop(ENCODING_KEY, None)
    try:
        enc = json.loads(raw) if isinstance(raw, str) else (raw or {})
    except json.JSONDecodeError:
        enc = {}
    lists = enc.get("lists")
    if lists is None:  # written elsewhere: trust the schema
        lists = {s: [k for k, t in _SCHEMA[s].items() if t is list] for s in _SCHEMA}
    added = enc.get("added", {})
    top_evidence = enc.get("evidence") == "top"  # GraphML with each edge's top sentence only
    scopes: list[tuple[str, Iterable[dict]]] = [
        ("graph", [G.graph]),
        ("node", (d for _, d in G.nodes(data=True))),
        ("edge", (d for *_, d in G.edges(data=True))),
    ]
    for scope, rows in scopes:
        list_names = set(lists.get(scope, ()))
        drop = set(added.get(scope, ()))
        for row in rows:
            for key in [k for k in row if k.endswith(JSON_SUFFIX)]:
                text = row.pop(key)
                try:
                    row[key[: -len(JSON_SUFFIX)]] = json.loads(text) if isinstance(text, str) else text
                except json.JSONDecodeError:
                    row[key] = text
            if split_lists:
                for key in list_names & row.keys():
                    if isinstance(row[key], str):
                        row[key] = split_list(row[key])
            for key in drop:
                row.pop(key, None)
            if scope == "edge" and top_evidence:
                restore_top_evidence(row)
    return G
