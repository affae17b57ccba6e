"""JSON graphs: networkx node-link JSON (:func:`write_json`, lossless) and Cytoscape.js
``.cyjs`` (:func:`write_cyjs`, which Cytoscape desktop imports), and the reader behind
:func:`kg.export.files.read_graph` for both (:func:`_graph_from_json`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import networkx as nx

from kg.errors import ExportError
from kg.export.attributes import (
    ENCODING_KEY,
    JSON_SUFFIX,
    attribute_kinds,
    evidence_text,
    json_default,
    looks_like_evidence,
    plain,
)
from kg.export.flat import restore
from kg.export.ids import edge_ids, node_id
from kg.export.outputs import PathOrFile, _write_output

__all__ = ["cyjs_data", "json_data", "write_cyjs", "write_json"]


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=json_default, allow_nan=False, separators=(",", ":"))


def _clean_json(value: Any) -> Any:
    """NaN/inf -> None so the output is strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean_json(v) for v in value]
    return plain(value)


def json_data(G: nx.Graph) -> dict[str, Any]:
    """The node-link dict :func:`write_json` writes (``edges`` key, networkx 3.4+ style)."""
    data = nx.node_link_data(G, edges="edges")
    data["kg_format"] = "node-link"
    return _clean_json(data)


def write_json(G: nx.Graph, path_or_file: PathOrFile) -> None:
    """Write ``G`` as networkx node-link JSON (``{"nodes": [...], "edges": [...], "graph": {...}}``).

    Lossless for kg graphs: lists and evidence stay JSON arrays and objects. Load it with
    :func:`kg.export.files.read_graph` or ``nx.node_link_graph(data, edges="edges")``.
    """
    _write_output(path_or_file, _dumps(json_data(G)), fmt="json")


def cyjs_data(G: nx.Graph, *, positions: Mapping[Any, tuple[float, float]] | None = None) -> dict[str, Any]:
    """The Cytoscape.js elements dict :func:`write_cyjs` writes."""
    node_rows = [dict(d) for _, d in G.nodes(data=True)]
    edge_rows = [dict(d) for *_, d in G.edges(data=True)]
    kinds = {"node": attribute_kinds(lambda: node_rows), "edge": attribute_kinds(lambda: edge_rows)}
    added: dict[str, list[str]] = {"node": [], "edge": []}
    if not any("name" in r for r in node_rows):
        added["node"].append("name")
    if not any("label" in r for r in node_rows):
        added["node"].append("label")
    if not any("interaction" in r for r in edge_rows):
        added["edge"].append("interaction")

    def data_of(row: Mapping[str, Any], scope: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in row.items():
            v = plain(v)
            if v is None or k in ("id", "source", "target"):
                continue
            if kinds[scope].get(k) == "json":
                out[k + JSON_SUFFIX] = json.dumps(v, ensure_ascii=False, default=json_default)
                out[k] = evidence_text(v) if looks_like_evidence(v) else out[k + JSON_SUFFIX]
            elif isinstance(v, (set, frozenset, tuple)):
                out[k] = sorted(v) if isinstance(v, (set, frozenset)) else list(v)
            else:
                out[k] = v
        return out

    nodes = []
    for n, row in zip(G.nodes, node_rows, strict=True):
        d = {"id": node_id(n)}
        label = row.get("label")
        d["name"] = (
            row["name"] if row.get("name") is not None else (label if label not in (None, "") else str(n))
        )
        if label is None:
            d["label"] = str(n)
        d.update(data_of(row, "node"))
        el: dict[str, Any] = {"data": d}
        if positions is not None and n in positions:
            x, y = positions[n][:2]
            el["position"] = {"x": float(x), "y": float(y)}
        nodes.append(el)
    edges = []
    for eid, (u, v), row in zip(edge_ids(G), G.edges(), edge_rows, strict=True):
        d = {"id": eid, "source": node_id(u), "target": node_id(v)}
        d["interaction"] = row.get("interaction") or "co-occurs"
        d.update(data_of(row, "edge"))
        edges.append({"data": d})
    graph = {k: plain(v) for k, v in G.graph.items() if v is not None and k != ENCODING_KEY}
    for k, v in list(graph.items()):
        if not isinstance(v, (str, int, float, bool, list)):
            graph[k + JSON_SUFFIX] = json.dumps(v, ensure_ascii=False, default=json_default)
            del graph[k]
    graph[ENCODING_KEY] = json.dumps(
        {
            "version": 1,
            "added": added,
            "directed": G.is_directed(),
        },
        sort_keys=True,
    )
    return _clean_json(
        {
            "format_version": "1.0",
            "generated_by": f"kg-{G.graph.get('kg_version', '')}".rstrip("-"),
            "target_cytoscapejs_version": "~2.1",
            "data": graph,
            "elements": {"nodes": nodes, "edges": edges},
        }
    )


def write_cyjs(
    G: nx.Graph,
    path_or_file: PathOrFile,
    *,
    positions: Mapping[Any, tuple[float, float]] | None = None,
) -> None:
    """Write ``G`` as Cytoscape.js JSON (``.cyjs``), which Cytoscape desktop imports.

    ``{"elements": {"nodes": [{"data": {"id", "name", "label", ...}}], "edges": [{"data":
    {"id", "source", "target", "interaction", ...}}]}, "data": {graph attributes}}``.
    Ids are unique across nodes and edges (:mod:`kg.ids`), as Cytoscape.js needs.
    Lists of strings stay JSON arrays (Cytoscape list columns); evidence is
    ``evidence_json`` plus readable ``evidence``. ``positions`` (node -> (x, y)) adds
    ``position`` to nodes.
    """
    _write_output(path_or_file, _dumps(cyjs_data(G, positions=positions)), fmt="cyjs")


def _graph_from_json(data: Any, source: str) -> nx.Graph:
    if not isinstance(data, dict):
        raise ExportError(
            f"{source}: JSON is not an object; give a file written by `kg export --format json` or `--format cyjs`"
        )
    if "elements" in data:
        return _graph_from_cyjs(data, source)
    if "nodes" in data:
        edges_key = "edges" if "edges" in data else "links"
        data = dict(data)
        data.pop("kg_format", None)
        try:
            return nx.node_link_graph(
                data,
                directed=data.get("directed", False),
                multigraph=data.get("multigraph", False),
                edges=edges_key,
            )
        except (KeyError, TypeError, nx.NetworkXError) as exc:
            raise ExportError(
                f"{source}: node-link JSON is malformed ({exc!r}); re-export it with `kg export --format json`"
            ) from exc
    raise ExportError(
        f"{source}: JSON has neither 'nodes' (node-link) nor 'elements' (Cytoscape.js); "
        "give a file written by `kg export --format json` or `--format cyjs`"
    )


def _graph_from_cyjs(data: dict, source: str) -> nx.Graph:
    gdata = dict(data.get("data") or {})
    try:
        enc = json.loads(gdata.get(ENCODING_KEY, "{}"))
    except (TypeError, json.JSONDecodeError):
        enc = {}
    G: nx.Graph = nx.DiGraph() if enc.get("directed") else nx.Graph()
    elements = data.get("elements") or {}
    if isinstance(elements, list):  # the flat array form of Cytoscape.js
        nodes = [e for e in elements if "source" not in e.get("data", {})]
        edges = [e for e in elements if "source" in e.get("data", {})]
    else:
        nodes, edges = elements.get("nodes", []), elements.get("edges", [])
    try:
        for el in nodes:
            d = dict(el["data"])
            G.add_node(d.pop("id"), **d)
        for el in edges:
            d = dict(el["data"])
            d.pop("id", None)
            G.add_edge(d.pop("source"), d.pop("target"), **d)
    except (KeyError, TypeError) as exc:
        raise ExportError(
            f"{source}: Cytoscape.js element without {exc}; re-export it with `kg export --format cyjs`"
        ) from exc
    G.graph.update(gdata)
    return restore(G, split_lists=False)
