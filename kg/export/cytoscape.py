"""What Cytoscape Desktop needs of kg's GraphML: columns it joins and shows, evidence once, a style.

Cytoscape's GraphML reader makes a node's ``name`` from the GraphML id and then overwrites it
with a ``name`` data value; ``shared name`` is the column sessions and table imports match
on. So the rows :func:`graphml_rows` gives the writer add, unless the graph has them already:

* node ``kg_id``: kg's id of the node (the id in nodes.csv, GEXF, .cyjs, KGX, Neo4j), which
  survives whatever Cytoscape does with ``name``;
* node ``name``: the label, made unique (:func:`node_names`): a label that two nodes share
  gets the node's type in brackets (``ACE (Chemical)``, ``ACE (Gene or gene product)``), and
  where type does not tell them apart either, the node's id. Cytoscape copies ``name`` into
  ``shared name`` when it sets it, so that is unique too (a ``shared name`` key could not be
  written anyway: GraphML key names are ``xs:NMTOKEN``s, without spaces);
* edge ``name``: ``A (relation) B`` from the nodes' names, Cytoscape's own form for edge
  names, and ``interaction``: the relation (``co-occurs`` where an edge has none);
* evidence once (``evidence="top"``, the default): the edge keeps its top sentence
  (``evidence``), its link (``evidence_url``), document (and PMID or DOI where the document
  id does not spell it), and ``evidence_count``,
  the number of sentences kept; every sentence is in evidence.csv
  (:mod:`kg.export.evidence_tables`). ``evidence="all"`` keeps them all in the GraphML, as JSON
  (``evidence_json``) and text, as kg wrote it before.

:func:`style_xml` is a Cytoscape style (``styles.xml``, File > Import > Styles from File):
node colours by type as on kg's page (:func:`kg.schema.type_color`), size by documents, the
label, and edge width by score. The format is Cytoscape 3's vizmap XML.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from kg.errors import ExportError
from kg.export.attributes import edge_triples, escape_attribute
from kg.export.ids import node_id
from kg.export.outputs import _write_output
from kg.schema import type_color

__all__ = [
    "EVIDENCE_MODES",
    "GraphmlRows",
    "STYLE_NAME",
    "TOP_EVIDENCE_FIELDS",
    "graphml_rows",
    "node_names",
    "style_xml",
    "top_evidence",
    "write_style",
]

#: ``evidence=`` values of the GraphML writer: the top sentence per edge, or every one kept.
EVIDENCE_MODES = ("top", "all")
#: Evidence record key -> the edge column that keeps it with ``evidence="top"``.
TOP_EVIDENCE_FIELDS = {
    "sentence": "evidence",
    "url": "evidence_url",
    "doc_id": "evidence_doc",
    "pmid": "evidence_pmid",
    "doi": "evidence_doi",
}
#: The style's name in Cytoscape.
STYLE_NAME = "kg"
_DEFAULT_RELATION = "co-occurs"


def check_evidence_mode(evidence: str) -> str:
    """``evidence`` if it is one of :data:`EVIDENCE_MODES`, else :class:`ExportError` naming them."""
    if evidence not in EVIDENCE_MODES:
        raise ExportError(
            f"GraphML evidence={evidence!r} is not an option; choose 'top' (the top sentence per edge; "
            "all of them go to evidence.csv) or 'all' (every sentence in the GraphML)"
        )
    return evidence


def node_names(G: nx.Graph) -> dict[Any, str]:
    """A unique display name per node: its label, with ``(type)`` where labels clash, and
    ``(id)`` where label and type both clash (``name`` of the node if it has one)."""
    base = {}
    for n, d in G.nodes(data=True):
        label = d.get("name") if d.get("name") not in (None, "") else d.get("label")
        base[n] = str(label) if label not in (None, "") else node_id(n)
    clash = Counter(base.values())
    named: dict[Any, str] = {}
    for n, name in base.items():
        if clash[name] > 1:
            kind = G.nodes[n].get("type")
            name = f"{name} ({kind})" if kind else name
        named[n] = name
    clash = Counter(named.values())
    for n, name in named.items():
        if clash[name] > 1:
            named[n] = f"{base[n]} ({node_id(n)})"
    taken = Counter(named.values())  # a label that is itself "X (type)" of another node: number the rest
    for n, name in named.items():
        if taken[name] > 1:
            taken[name] -= 1
            i = 2
            while f"{name} #{i}" in taken:
                i += 1
            named[n] = f"{name} #{i}"
            taken[named[n]] += 1
    return named


def _implied(doc_id: str) -> dict[str, str]:
    """The PMID or DOI a document id spells (``pmid:123``, ``doi:10.1/x``; :func:`kg.records.document_id`)."""
    for key in ("pmid", "doi"):
        if doc_id.startswith(key + ":"):
            return {key: doc_id[len(key) + 1:]}
    return {}


def top_evidence(evidence: Any) -> dict[str, Any]:
    """The ``evidence="top"`` columns of an edge's evidence list (empty values, and a PMID or DOI
    its document id spells, left out) and ``evidence_count``; :func:`restore_top_evidence`
    turns them back into a one-record list."""
    ev = evidence if isinstance(evidence, (list, tuple)) else ([] if evidence is None else [evidence])
    out: dict[str, Any] = {}
    if ev:
        top = ev[0]
        if isinstance(top, Mapping):
            implied = _implied(str(top.get("doc_id") or ""))
            for key, column in TOP_EVIDENCE_FIELDS.items():
                value = top.get(key)
                if value not in (None, "") and implied.get(key) != value:
                    out[column] = str(value)
        else:
            out["evidence"] = str(top)
    out["evidence_count"] = len(ev)
    return out


def restore_top_evidence(row: dict[str, Any]) -> None:
    """Undo :func:`top_evidence` in place: ``evidence`` becomes ``[record]`` (or ``[]``)."""
    count = row.pop("evidence_count", None)
    record = {key: row.pop(column) for key, column in TOP_EVIDENCE_FIELDS.items() if column in row}
    if record or count:
        record = {**_implied(str(record.get("doc_id", ""))), **record}
        record = {key: str(record.get(key, "")) for key in ("doc_id", "sentence", "pmid", "doi", "url")}
        row["evidence"] = [record]
    elif count is not None:
        row["evidence"] = []


@dataclass(frozen=True)
class GraphmlRows:
    """The node and edge rows the GraphML writer writes (the graph's attributes plus the columns
    above), the edge ids, and which columns were added (dropped again when kg reads the file)."""

    nodes: Callable[[], Iterator[tuple[Any, Mapping[str, Any]]]]
    edges: Callable[[], Iterator[tuple[Any, Any, Mapping[str, Any]]]]
    added: dict[str, list[str]] = field(default_factory=dict)
    evidence: str = "top"


def graphml_rows(G: nx.Graph, *, evidence: str = "top") -> GraphmlRows:
    """The rows of ``G`` for Cytoscape Desktop (see the module docs); re-iterable, made as read."""

    check_evidence_mode(evidence)
    nodes = G.nodes
    node_has = set().union(*(d.keys() for d in nodes.values())) if len(nodes) else set()
    edge_has: set[str] = set()
    for *_, d in edge_triples(G):
        edge_has.update(d)
    add_node = [c for c in ("kg_id", "name", "label") if c not in node_has]
    add_edge = [c for c in ("name", "interaction") if c not in edge_has] if G.number_of_edges() else []
    names = node_names(G) if "name" in add_node or "name" in add_edge else {}
    top = evidence == "top"

    def node_rows() -> Iterator[tuple[Any, Mapping[str, Any]]]:
        if not add_node:
            yield from nodes(data=True)
            return
        for n, d in nodes(data=True):
            extra: dict[str, Any] = {}
            for column in add_node:
                extra[column] = names[n] if column == "name" else node_id(n)  # kg_id; label where none
            yield n, {**d, **extra}

    def edge_rows() -> Iterator[tuple[Any, Any, Mapping[str, Any]]]:
        for u, v, d in edge_triples(G):
            relation = d.get("interaction")
            row = dict(d) if top or relation is None or "name" in add_edge else d
            if relation is None:
                relation = row["interaction"] = _DEFAULT_RELATION
            if "name" in add_edge:
                row["name"] = f"{names[u]} ({relation}) {names[v]}"
            if top and "evidence" in row:
                row.update(top_evidence(row.pop("evidence")))
            yield u, v, row

    return GraphmlRows(node_rows, edge_rows, {"node": add_node, "edge": add_edge}, evidence)


# ----------------------------------------------------------------------------- the style


def _attr(text: str) -> str:

    return escape_attribute(text)


def _range(values: list[float]) -> tuple[float, float]:
    return (min(values), max(values)) if values else (0.0, 1.0)


def style_xml(G: nx.Graph, *, name: str = STYLE_NAME) -> str:
    """A Cytoscape 3 style (vizmap XML) for ``G``'s GraphML: fill colour by ``type`` as on kg's
    page, size 20-80 by ``documents``, label from ``label``, border and edge colours of the
    page, edge width 1-8 by ``score``, tooltips with the id and the top evidence sentence."""
    types = sorted({str(d.get("type")) for _, d in G.nodes(data=True) if d.get("type")})
    docs = [float(d["documents"]) for _, d in G.nodes(data=True) if isinstance(d.get("documents"), (int, float))]
    scores = [float(d["score"]) for *_, d in G.edges(data=True)
              if isinstance(d.get("score"), (int, float)) and d["score"] == d["score"]]
    d_lo, d_hi = _range(docs)
    s_lo, s_hi = _range(scores)

    def vp(prop: str, default: str, inner: str = "") -> str:
        if not inner:
            return f'      <visualProperty name="{prop}" default="{_attr(default)}"/>\n'
        return f'      <visualProperty name="{prop}" default="{_attr(default)}">\n{inner}      </visualProperty>\n'

    def passthrough(column: str, kind: str = "string") -> str:
        return f'        <passthroughMapping attributeName="{_attr(column)}" attributeType="{kind}"/>\n'

    def continuous(column: str, kind: str, lo: float, hi: float, small: str, big: str) -> str:
        points = [(lo, small), (hi if hi > lo else lo + 1, big)]
        body = "".join(
            f'          <continuousMappingPoint attrValue="{x!r}" lesserValue="{y}" equalValue="{y}" '
            f'greaterValue="{y}"/>\n'
            for x, y in points
        )
        return (f'        <continuousMapping attributeName="{_attr(column)}" attributeType="{kind}">\n'
                f"{body}        </continuousMapping>\n")

    colours = "".join(
        f'          <discreteMappingEntry attributeValue="{_attr(t)}" value="{type_color(t)}"/>\n' for t in types
    )
    by_type = f'        <discreteMapping attributeName="type" attributeType="string">\n{colours}        </discreteMapping>\n'
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<vizmap id="kg-VizMap" documentVersion="3.1">\n'
        f'  <visualStyle name="{_attr(name)}">\n'
        "    <network>\n"
        + vp("NETWORK_BACKGROUND_PAINT", "#FFFFFF")
        + "    </network>\n"
        "    <node>\n"
        '      <dependency name="nodeSizeLocked" value="true"/>\n'
        + vp("NODE_SHAPE", "ELLIPSE")
        + vp("NODE_FILL_COLOR", type_color("Entity"), by_type)
        + vp("NODE_BORDER_PAINT", "#5F6368")
        + vp("NODE_BORDER_WIDTH", "1.0")
        + vp("NODE_SIZE", "30.0", continuous("documents", "long", d_lo, d_hi, "20.0", "80.0"))
        + vp("NODE_LABEL", "", passthrough("label"))
        + vp("NODE_LABEL_FONT_SIZE", "14")
        + vp("NODE_TOOLTIP", "", passthrough("kg_id"))
        + "    </node>\n"
        "    <edge>\n"
        + vp("EDGE_STROKE_UNSELECTED_PAINT", "#9AA0A6")
        + vp("EDGE_STROKE_SELECTED_PAINT", "#1A73E8")
        + vp("EDGE_TRANSPARENCY", "153")
        + vp("EDGE_WIDTH", "2.0", continuous("score", "float", s_lo, s_hi, "1.0", "8.0"))
        + vp("EDGE_TOOLTIP", "", passthrough("evidence"))
        + "    </edge>\n"
        "  </visualStyle>\n"
        "</vizmap>\n"
    )


def write_style(G: nx.Graph, path_or_file: Any, *, name: str = STYLE_NAME) -> None:
    """Write :func:`style_xml` of ``G`` (a path or an open handle)."""

    _write_output(path_or_file, style_xml(G, name=name), fmt="styles")
