"""GEXF 1.2 for Gephi: :func:`write_gexf` (colours by entity type, size by documents) and
the reader behind :func:`kg.export.files.read_graph` for ``.gexf`` files.

Attributes follow the flat-format conventions of :mod:`kg.export.files` (:mod:`kg.export.flat`).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping
from typing import Any

import networkx as nx

from kg.errors import ExportError
from kg.export.attributes import ENCODING_KEY, value_kind, xml_text
from kg.export.flat import flat_graph, restore
from kg.export.ids import edge_ids as element_ids
from kg.export.outputs import PathOrFile, _write_output
from kg.schema import type_color

__all__ = ["gexf_bytes", "write_gexf"]

_GEXF_NS = "http://www.gexf.net/1.2draft"
_GEXF_VIZ = "http://www.gexf.net/1.2draft/viz"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"


#: GEXF attribute type per storage kind of :func:`kg.export.flat.value_kind` (lists and JSON are strings)
_GEXF_TYPES = {"bool": "boolean", "int": "long", "float": "double"}


def _gexf_type(value: Any) -> str:
    return _GEXF_TYPES.get(value_kind(value), "string")


def _gexf_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return (
            repr(value)
            if math.isfinite(value)
            else ("NaN" if math.isnan(value) else ("INF" if value > 0 else "-INF"))
        )
    return str(value)


def _hex_rgb(color: str) -> tuple[int, int, int]:
    c = color.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def gexf_bytes(G: nx.Graph, *, positions: Mapping[Any, tuple[float, float]] | None = None) -> bytes:
    """The GEXF 1.2 document :func:`write_gexf` writes, as UTF-8 bytes."""
    from lxml import etree

    H = flat_graph(G, xml=True, cytoscape=False, node_id=lambda n: xml_text(str(n)))
    enc = json.loads(H.graph[ENCODING_KEY])
    root = etree.Element(
        f"{{{_GEXF_NS}}}gexf",
        nsmap={None: _GEXF_NS, "viz": _GEXF_VIZ, "xsi": _XSI},
        version="1.2",
    )
    root.set(f"{{{_XSI}}}schemaLocation", f"{_GEXF_NS} http://www.gexf.net/1.2draft/gexf.xsd")
    meta = etree.SubElement(root, f"{{{_GEXF_NS}}}meta", lastmodifieddate=time.strftime("%Y-%m-%d"))
    etree.SubElement(meta, f"{{{_GEXF_NS}}}creator").text = f"kg {H.graph.get('kg_version', '')}".strip()
    # GEXF has no graph attributes: keep them, as JSON, in the description Gephi shows.
    description = etree.SubElement(meta, f"{{{_GEXF_NS}}}description")
    graph = etree.SubElement(
        root,
        f"{{{_GEXF_NS}}}graph",
        mode="static",
        defaultedgetype="directed" if G.is_directed() else "undirected",
    )

    def declare(cls: str, rows: list[dict]) -> dict[str, str]:
        types: dict[str, str] = {}
        for row in rows:
            for k, v in row.items():
                if not (cls == "node" and k == "label"):
                    types.setdefault(k, _gexf_type(v))
        ids = {}
        if types:
            attrs = etree.SubElement(graph, f"{{{_GEXF_NS}}}attributes", {"class": cls, "mode": "static"})
            for i, (k, t) in enumerate(types.items()):
                ids[k] = str(i)
                etree.SubElement(attrs, f"{{{_GEXF_NS}}}attribute", id=str(i), title=k, type=t)
        return ids

    node_rows = [d for _, d in H.nodes(data=True)]
    edge_rows = [d for *_, d in H.edges(data=True)]
    node_ids = declare("node", node_rows)
    edge_ids = declare("edge", edge_rows)
    docs = [d.get("documents") for d in node_rows if isinstance(d.get("documents"), (int, float))]
    max_docs = max(docs, default=1) or 1

    nodes = etree.SubElement(graph, f"{{{_GEXF_NS}}}nodes")
    for n, d in H.nodes(data=True):
        el = etree.SubElement(nodes, f"{{{_GEXF_NS}}}node", id=str(n))
        if d.get("label") is not None:
            el.set("label", str(d["label"]))
        _gexf_attvalues(etree, el, d, node_ids)
        r, g, b = _hex_rgb(type_color(str(d.get("type", ""))))
        etree.SubElement(el, f"{{{_GEXF_VIZ}}}color", r=str(r), g=str(g), b=str(b), a="1.0")
        if positions is not None and n in positions:
            x, y = positions[n][:2]
            etree.SubElement(el, f"{{{_GEXF_VIZ}}}position", x=repr(float(x)), y=repr(float(y)), z="0.0")
        dn = d.get("documents")
        size = 4.0 + 26.0 * math.sqrt(max(0.0, float(dn)) / max_docs) if isinstance(dn, (int, float)) else 4.0
        etree.SubElement(el, f"{{{_GEXF_VIZ}}}size", value=repr(round(size, 3)))

    edges = etree.SubElement(graph, f"{{{_GEXF_NS}}}edges")
    weight_from_score = all(isinstance(d.get("score"), (int, float)) for d in edge_rows)
    for eid, (u, v, d) in zip(element_ids(G), H.edges(data=True), strict=True):
        el = etree.SubElement(edges, f"{{{_GEXF_NS}}}edge", id=xml_text(eid), source=str(u), target=str(v))
        if weight_from_score and edge_rows:
            el.set("weight", _gexf_value(float(d["score"])))
        _gexf_attvalues(etree, el, d, edge_ids)
    enc["gexf_weight"] = "score" if weight_from_score and edge_rows else ""
    description.text = json.dumps(
        {
            "graph": {
                **{k: v for k, v in H.graph.items() if k != ENCODING_KEY},
                ENCODING_KEY: json.dumps(enc, sort_keys=True),
            }
        },
        ensure_ascii=False,
        sort_keys=True,
    )
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _gexf_attvalues(etree: Any, el: Any, data: Mapping[str, Any], ids: Mapping[str, str]) -> None:
    values = [(ids[k], v) for k, v in data.items() if k in ids]
    if values:
        av = etree.SubElement(el, f"{{{_GEXF_NS}}}attvalues")
        for key, value in values:
            etree.SubElement(av, f"{{{_GEXF_NS}}}attvalue", {"for": key, "value": _gexf_value(value)})


def write_gexf(
    G: nx.Graph,
    path_or_file: PathOrFile,
    *,
    positions: Mapping[Any, tuple[float, float]] | None = None,
) -> None:
    """Write ``G`` as GEXF 1.2 for Gephi.

    Nodes carry ``viz:color`` from :func:`kg.schema.type_color` of their type and
    ``viz:size`` growing with ``documents``; edges carry ``weight`` = ``score``.
    ``positions`` (node -> (x, y)), when given, become ``viz:position``. Attributes follow
    the conventions of :mod:`kg.export.files`; graph attributes, which GEXF lacks, are kept as JSON in
    ``<meta><description>`` and restored by :func:`kg.export.files.read_graph`.
    """
    _write_output(path_or_file, gexf_bytes(G, positions=positions), fmt="gexf")


def _read_gexf(data: bytes, source: str) -> nx.Graph:
    from lxml import etree

    try:
        root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, huge_tree=True))
    except etree.XMLSyntaxError as exc:
        raise ExportError(
            f"{source}: not a well-formed GEXF file ({exc}); re-export it with `kg export --format gexf`"
        ) from exc
    ns = root.nsmap.get(None, "")
    q = (lambda tag: f"{{{ns}}}{tag}") if ns else (lambda tag: tag)
    graph = root.find(q("graph"))
    if etree.QName(root).localname != "gexf" or graph is None:
        raise ExportError(
            f"{source}: not a GEXF file (no <gexf><graph>); give a file written by `kg export --format gexf`"
        )
    G: nx.Graph = nx.DiGraph() if graph.get("defaultedgetype") == "directed" else nx.Graph()
    desc = root.find(f"{q('meta')}/{q('description')}")
    graph_attrs: dict[str, Any] = {}
    if desc is not None and desc.text:
        try:
            graph_attrs = dict(json.loads(desc.text).get("graph", {}))
        except (json.JSONDecodeError, AttributeError):
            graph_attrs = {"description": desc.text}
    elif graph.get("name"):
        graph_attrs = {"name": graph.get("name")}
    G.graph.update(graph_attrs)
    try:
        enc = json.loads(graph_attrs.get(ENCODING_KEY, "{}"))
    except (TypeError, json.JSONDecodeError):
        enc = {}

    casts: dict[str, Callable[[str], Any]] = {
        "integer": int,
        "long": int,
        "float": float,
        "double": float,
        "boolean": lambda s: s.strip().lower() in ("true", "1"),
    }
    keys: dict[str, dict[str, tuple[str, Callable[[str], Any]]]] = {"node": {}, "edge": {}}
    for attrs in graph.findall(q("attributes")):
        cls = attrs.get("class")
        for a in attrs.findall(q("attribute")):
            keys.setdefault(cls, {})[a.get("id")] = (
                a.get("title") or a.get("id"),
                casts.get(a.get("type"), str),
            )

    def values(el: Any, cls: str) -> dict[str, Any]:
        out = {}
        av = el.find(q("attvalues"))
        if av is not None:
            for v in av.findall(q("attvalue")):
                name, cast = keys[cls].get(v.get("for") or v.get("id"), (v.get("for"), str))
                try:
                    out[name] = cast(v.get("value"))
                except (TypeError, ValueError):
                    out[name] = v.get("value")
        return out

    nodes_el = graph.find(q("nodes"))
    for el in nodes_el if nodes_el is not None else ():
        if el.tag != q("node"):
            continue
        d = values(el, "node")
        if el.get("label") is not None:
            d["label"] = el.get("label")
        G.add_node(el.get("id"), **d)
    edges_el = graph.find(q("edges"))
    for el in edges_el if edges_el is not None else ():
        if el.tag != q("edge"):
            continue
        d = values(el, "edge")
        if el.get("weight") is not None and enc.get("gexf_weight") != "score":
            d["weight"] = float(el.get("weight"))
        G.add_edge(el.get("source"), el.get("target"), **d)
    return restore(G)
