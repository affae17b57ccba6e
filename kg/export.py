"""Write a kg graph to files other tools open, and read those files back.

=========  ===========================  ==============================================
format     writer                       opens in
=========  ===========================  ==============================================
graphml    :func:`write_graphml`        Cytoscape, Gephi, yEd, networkx, igraph
gexf       :func:`write_gexf`           Gephi (colours by entity type, size by documents)
json       :func:`write_json`           networkx node-link JSON (lossless)
cyjs       :func:`write_cyjs`           Cytoscape desktop (File > Import), Cytoscape.js
csv        :func:`write_tables`         spreadsheets: ``nodes.csv`` and ``edges.csv``
html       :func:`kg.render.write_html` a browser: the interactive page
=========  ===========================  ==============================================

:func:`read_graph` reads a GraphML, GEXF, JSON or .cyjs file written here back into the
graph it came from (lists and evidence restored), so a saved graph can be converted to
another format without running NER again. :func:`export` picks the writer by format
name or file extension (:data:`FORMATS`).

Every writer takes a path or an open file handle (text or binary).

Conventions of the flat formats (GraphML, GEXF, the .cyjs ``evidence`` column, CSV)
-------------------------------------------------------------------------------------
* **Lists of strings** (``aliases``, ``doc_ids``) are joined with ``"|"``, the list
  delimiter Cytoscape's table import expects. A ``"|"`` or ``"\\"`` inside an item is
  escaped with a backslash (``"APRF\\|x"``), so splitting restores the exact list.
  (.cyjs and JSON keep real arrays.)
* **Evidence** (a list of dicts) and any other non-scalar value ``X`` is stored twice:
  ``X_json``, the JSON text that :func:`read_graph` decodes, and ``X``, readable text
  (for evidence one line per sentence followed by its ``[PMID:…]`` or ``[doi:…]``).
* **Cytoscape**: every node gets ``name`` (= ``label``) and ``label``, every edge an
  ``interaction`` (``"co-occurs"`` when missing). Those it adds are removed again on read.
* **None** values are left out (the attribute is absent on that node or edge).
* An attribute keeps one type across the graph: all ints stay ``long``, ints mixed with
  floats become ``double``, anything mixed with strings becomes ``string``.
* Characters XML cannot hold (control characters other than tab and newline) are
  dropped from strings in GraphML and GEXF.
* The graph attribute ``kg_encoding`` (JSON) records which attributes were lists or
  added, so reading is exact; files edited elsewhere without it are decoded by the
  schema (:mod:`kg.schema`) and the ``_json`` suffix.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import IO, Any

import networkx as nx

from kg.errors import ExportError
from kg.schema import EDGE_ATTRIBUTES, GRAPH_ATTRIBUTES, NODE_ATTRIBUTES, type_color

__all__ = [
    "FORMATS",
    "LIST_SEPARATOR",
    "export",
    "read_graph",
    "write_cyjs",
    "write_gexf",
    "write_graphml",
    "write_json",
    "write_tables",
]

PathOrFile = str | os.PathLike | IO[Any]

#: Format name -> file extensions it is chosen by (the first is the one :func:`export` suggests).
FORMATS: dict[str, tuple[str, ...]] = {
    "graphml": (".graphml",),
    "gexf": (".gexf",),
    "json": (".json",),
    "cyjs": (".cyjs",),
    "csv": (".csv",),
    "html": (".html", ".htm"),
}

#: Formats :func:`read_graph` reads back.
READABLE_FORMATS = ("graphml", "gexf", "json", "cyjs")

#: Delimiter of list attributes in the flat formats (Cytoscape's list delimiter).
LIST_SEPARATOR = "|"

_ENCODING_KEY = "kg_encoding"
_JSON_SUFFIX = "_json"
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_GEXF_NS = "http://www.gexf.net/1.2draft"
_GEXF_VIZ = "http://www.gexf.net/1.2draft/viz"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"

_SCHEMA = {"node": NODE_ATTRIBUTES, "edge": EDGE_ATTRIBUTES, "graph": GRAPH_ATTRIBUTES}


# ----------------------------------------------------------------------------- I/O helpers


def _describe(path_or_file: Any) -> str:
    """A name for messages: the path, or the handle's ``name``."""
    if isinstance(path_or_file, (str, os.PathLike)):
        return os.fspath(path_or_file)
    return str(getattr(path_or_file, "name", None) or f"<{type(path_or_file).__name__}>")


def _write_output(path_or_file: PathOrFile, data: str | bytes, *, fmt: str) -> None:
    """Write ``data`` (UTF-8 when text is needed) to a path or an open text/binary handle."""
    if hasattr(path_or_file, "write"):
        fh = path_or_file
        try:
            if isinstance(fh, io.TextIOBase):
                fh.write(data.decode("utf-8") if isinstance(data, bytes) else data)
            else:
                try:
                    fh.write(data.encode("utf-8") if isinstance(data, str) else data)
                except TypeError:  # a text handle that is not a TextIOBase
                    fh.write(data.decode("utf-8") if isinstance(data, bytes) else data)
        except OSError as exc:
            raise ExportError(
                f"{_describe(fh)}: could not write {fmt}: {exc}; check the file handle is open for writing"
            ) from exc
        return
    path = Path(os.fspath(path_or_file))
    if not path.parent.exists():
        raise ExportError(
            f"{path}: cannot write {fmt}: the folder {path.parent} does not exist; create it or choose another path"
        )
    if path.is_dir():
        raise ExportError(
            f"{path}: cannot write {fmt}: it is a folder; give a file name such as {path / ('graph' + FORMATS.get(fmt, ('',))[0])}"
        )
    try:
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    except OSError as exc:
        raise ExportError(
            f"{path}: cannot write {fmt}: {exc.strerror or exc}; check the path and that you may write there"
        ) from exc


def _read_input(path_or_file: PathOrFile) -> bytes:
    if hasattr(path_or_file, "read"):
        data = path_or_file.read()
        return data.encode("utf-8") if isinstance(data, str) else data
    path = Path(os.fspath(path_or_file))
    if not path.exists():
        raise ExportError(
            f"{path}: no such file; check the path (a graph saved with `kg export` or kg.export)"
        )
    if path.is_dir():
        raise ExportError(
            f"{path}: is a folder; give the graph file inside it (.graphml, .gexf, .json or .cyjs)"
        )
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ExportError(
            f"{path}: cannot read: {exc.strerror or exc}; check the file's permissions"
        ) from exc


# ----------------------------------------------------------------------------- value coding


def join_list(items: Iterable[Any]) -> str:
    """``["a", "b|c"]`` -> ``"a|b\\|c"``: the list coding of the flat formats (see module docs)."""
    return LIST_SEPARATOR.join(
        str(i).replace("\\", "\\\\").replace(LIST_SEPARATOR, "\\" + LIST_SEPARATOR) for i in items
    )


def split_list(text: str) -> list[str]:
    """Inverse of :func:`join_list`; ``""`` is the empty list."""
    if text == "":
        return []
    items, buf, chars = [], [], iter(text)
    for ch in chars:
        if ch == "\\":
            buf.append(next(chars, "\\"))
        elif ch == LIST_SEPARATOR:
            items.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    items.append("".join(buf))
    return items


def evidence_text(evidence: Any) -> str:
    """Readable evidence: one line per sentence, with its PubMed id or DOI in brackets."""
    if not isinstance(evidence, (list, tuple)):
        return "" if evidence is None else str(evidence)
    lines = []
    for ev in evidence:
        if not isinstance(ev, Mapping):
            lines.append(str(ev))
            continue
        ref = (
            f"PMID:{ev['pmid']}"
            if ev.get("pmid")
            else f"doi:{ev['doi']}"
            if ev.get("doi")
            else str(ev.get("url") or ev.get("doc_id") or "")
        )
        sentence = str(ev.get("sentence") or "").strip()
        lines.append(f"{sentence} [{ref}]" if ref else sentence)
    return "\n".join(lines)


def _plain(value: Any) -> Any:
    """numpy scalars -> Python scalars; everything else unchanged."""
    if hasattr(value, "item") and type(value).__module__ == "numpy":
        return value.item()
    return value


def _json_default(value: Any) -> Any:
    value = _plain(value)
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value, key=str) if isinstance(value, (set, frozenset)) else list(value)
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _kind(value: Any) -> str:
    """``"bool"``, ``"int"``, ``"float"``, ``"str"``, ``"list"`` (of strings) or ``"json"``."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, (list, tuple, set, frozenset)) and all(isinstance(v, str) for v in value):
        return "list"
    return "json"


def _attribute_kinds(rows: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """One storage kind per attribute name over all ``rows`` (None values ignored)."""
    seen: dict[str, set[str]] = {}
    for row in rows:
        for name, value in row.items():
            value = _plain(value)
            if value is not None:
                seen.setdefault(name, set()).add(_kind(value))
    kinds = {}
    for name, ks in seen.items():
        if len(ks) == 1:
            kinds[name] = next(iter(ks))
        elif "json" in ks or ("list" in ks):
            kinds[name] = "json"
        elif ks <= {"int", "float"}:
            kinds[name] = "float"
        elif ks <= {"int", "bool"}:
            kinds[name] = "int"
        else:
            kinds[name] = "str"
    return kinds


def _flatten_row(row: Mapping[str, Any], kinds: Mapping[str, str], *, xml: bool) -> dict[str, Any]:
    """Scalar-only attributes per the module conventions."""
    out: dict[str, Any] = {}
    for name, value in row.items():
        value = _plain(value)
        if value is None:
            continue
        kind = kinds[name]
        if kind == "list":
            out[name] = join_list(sorted(value) if isinstance(value, (set, frozenset)) else value)
        elif kind == "json":
            out[name + _JSON_SUFFIX] = json.dumps(value, ensure_ascii=False, default=_json_default)
            out[name] = evidence_text(value) if _looks_like_evidence(value) else out[name + _JSON_SUFFIX]
        elif kind == "float":
            out[name] = float(value)
        elif kind == "int":
            out[name] = int(value)
        elif kind == "str":
            out[name] = value if isinstance(value, str) else str(value)
        else:
            out[name] = value
        if xml:
            for key in (name, name + _JSON_SUFFIX):
                if isinstance(out.get(key), str):
                    out[key] = _INVALID_XML.sub("", out[key])
    return out


def _looks_like_evidence(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(v, Mapping) for v in value)


def _flat_graph(
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
    graph_row = {k: v for k, v in G.graph.items() if k != _ENCODING_KEY}
    kinds = {
        "node": _attribute_kinds(node_rows),
        "edge": _attribute_kinds(edge_rows),
        "graph": _attribute_kinds([graph_row]),
    }
    H = nx.DiGraph() if G.is_directed() else nx.Graph()
    H.graph.update(_flatten_row(graph_row, kinds["graph"], xml=xml))
    H.graph[_ENCODING_KEY] = json.dumps(
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


def _xml_text(text: str) -> str:
    return _INVALID_XML.sub("", text)


_NMTOKEN_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:")
_ESCAPED = re.compile(r"_x([0-9A-F]{4,6})_")
_LOOKS_ESCAPED = re.compile(r"_x(?:[0-9A-F]{4,6})?_")  # an escape, or the empty-key marker "_x_"


def graphml_id(key: Any) -> str:
    """A node key as a GraphML id (``xs:NMTOKEN``): ASCII letters, digits and ``.-_:`` kept,
    any other character ``c`` written ``_xHHHH_`` (``"Disease:lung cancer"`` ->
    ``"Disease:lung_x0020_cancer"``); CURIEs pass unchanged. :func:`graphml_key` inverts it."""
    text = str(key)
    if text == "":
        return "_x_"
    out = []
    for i, ch in enumerate(text):
        if ch in _NMTOKEN_SAFE and not (ch == "_" and _LOOKS_ESCAPED.match(text, i)):
            out.append(ch)
        else:
            out.append(f"_x{ord(ch):04X}_")
    return "".join(out)


def graphml_key(node_id: str) -> str:
    """Inverse of :func:`graphml_id`."""
    if node_id == "_x_":
        return ""
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), node_id)


def _restore(G: nx.Graph, *, split_lists: bool = True) -> nx.Graph:
    """Undo :func:`_flat_graph` in place: decode ``X_json``, split lists, drop added attributes."""
    raw = G.graph.pop(_ENCODING_KEY, None)
    try:
        enc = json.loads(raw) if isinstance(raw, str) else (raw or {})
    except json.JSONDecodeError:
        enc = {}
    lists = enc.get("lists")
    if lists is None:  # written elsewhere: trust the schema
        lists = {s: [k for k, t in _SCHEMA[s].items() if t is list] for s in _SCHEMA}
    added = enc.get("added", {})
    scopes: list[tuple[str, Iterable[dict]]] = [
        ("graph", [G.graph]),
        ("node", (d for _, d in G.nodes(data=True))),
        ("edge", (d for *_, d in G.edges(data=True))),
    ]
    for scope, rows in scopes:
        list_names = set(lists.get(scope, ()))
        drop = set(added.get(scope, ()))
        for row in rows:
            for key in [k for k in row if k.endswith(_JSON_SUFFIX)]:
                text = row.pop(key)
                try:
                    row[key[: -len(_JSON_SUFFIX)]] = json.loads(text) if isinstance(text, str) else text
                except json.JSONDecodeError:
                    row[key] = text
            if split_lists:
                for key in list_names & row.keys():
                    if isinstance(row[key], str):
                        row[key] = split_list(row[key])
            for key in drop:
                row.pop(key, None)
    return G


# ----------------------------------------------------------------------------- GraphML


def graphml_bytes(G: nx.Graph) -> bytes:
    """The GraphML document :func:`write_graphml` writes, as UTF-8 bytes."""
    H = _flat_graph(G, xml=True, node_id=graphml_id)
    buf = io.BytesIO()
    try:
        nx.write_graphml_lxml(H, buf, encoding="utf-8", prettyprint=True)
    except (nx.NetworkXError, ValueError, TypeError) as exc:
        raise ExportError(f"graph {G.graph.get('name', '')!r}: cannot encode as GraphML: {exc}") from exc
    return buf.getvalue()


def write_graphml(G: nx.Graph, path_or_file: PathOrFile) -> None:
    """Write ``G`` as GraphML 1.0 (valid against the GraphML XSD) for Cytoscape, Gephi, yEd, igraph.

    Attributes are typed (``long``, ``double``, ``string``, ``boolean``); lists are
    ``"|"``-joined strings, evidence is ``evidence_json`` plus readable ``evidence`` text;
    every node has ``name`` and ``label``, every edge ``interaction``; ``None`` values are
    left out; graph attributes are kept. See the module docstring for the conventions and
    :func:`read_graph` to load it back.

    >>> import networkx as nx, io
    >>> buf = io.BytesIO(); write_graphml(nx.path_graph(2), buf)
    >>> b"<graphml" in buf.getvalue()
    True
    """
    _write_output(path_or_file, graphml_bytes(G), fmt="graphml")


def _read_graphml(data: bytes, source: str) -> nx.Graph:
    try:
        G = nx.parse_graphml(data)
    except Exception as exc:  # noqa: BLE001 - lxml, ElementTree and networkx raise many kinds
        raise ExportError(
            f"{source}: not a GraphML file kg can read ({exc}); write it with `kg export --format graphml`"
        ) from exc
    for key in ("node_default", "edge_default"):  # networkx adds these, empty, on read
        if not G.graph.get(key):
            G.graph.pop(key, None)
    try:
        enc = json.loads(G.graph.get(_ENCODING_KEY) or "{}")
    except (TypeError, json.JSONDecodeError):
        enc = {}
    if isinstance(enc, dict) and enc.get("node_ids") == "graphml_id":
        nx.relabel_nodes(G, {n: graphml_key(n) for n in G if "_x" in n}, copy=False)
    return _restore(G)


# ----------------------------------------------------------------------------- GEXF


def _gexf_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "double"
    return "string"


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

    H = _flat_graph(G, xml=True, cytoscape=False, node_id=lambda n: _xml_text(str(n)))
    enc = json.loads(H.graph[_ENCODING_KEY])
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
    for i, (u, v, d) in enumerate(H.edges(data=True)):
        el = etree.SubElement(edges, f"{{{_GEXF_NS}}}edge", id=str(i), source=str(u), target=str(v))
        if weight_from_score and edge_rows:
            el.set("weight", _gexf_value(float(d["score"])))
        _gexf_attvalues(etree, el, d, edge_ids)
    enc["gexf_weight"] = "score" if weight_from_score and edge_rows else ""
    description.text = json.dumps(
        {
            "graph": {
                **{k: v for k, v in H.graph.items() if k != _ENCODING_KEY},
                _ENCODING_KEY: json.dumps(enc, sort_keys=True),
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
    the module conventions; graph attributes, which GEXF lacks, are kept as JSON in
    ``<meta><description>`` and restored by :func:`read_graph`.
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
        enc = json.loads(graph_attrs.get(_ENCODING_KEY, "{}"))
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
    return _restore(G)


# ----------------------------------------------------------------------------- JSON and CYJS


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=_json_default, allow_nan=False, separators=(",", ":"))


def _clean_json(value: Any) -> Any:
    """NaN/inf -> None so the output is strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean_json(v) for v in value]
    return _plain(value)


def json_data(G: nx.Graph) -> dict[str, Any]:
    """The node-link dict :func:`write_json` writes (``edges`` key, networkx 3.4+ style)."""
    data = nx.node_link_data(G, edges="edges")
    data["kg_format"] = "node-link"
    return _clean_json(data)


def write_json(G: nx.Graph, path_or_file: PathOrFile) -> None:
    """Write ``G`` as networkx node-link JSON (``{"nodes": [...], "edges": [...], "graph": {...}}``).

    Lossless for kg graphs: lists and evidence stay JSON arrays and objects. Load it with
    :func:`read_graph` or ``nx.node_link_graph(data, edges="edges")``.
    """
    _write_output(path_or_file, _dumps(json_data(G)), fmt="json")


def cyjs_data(G: nx.Graph, *, positions: Mapping[Any, tuple[float, float]] | None = None) -> dict[str, Any]:
    """The Cytoscape.js elements dict :func:`write_cyjs` writes."""
    node_rows = [dict(d) for _, d in G.nodes(data=True)]
    edge_rows = [dict(d) for *_, d in G.edges(data=True)]
    kinds = {"node": _attribute_kinds(node_rows), "edge": _attribute_kinds(edge_rows)}
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
            v = _plain(v)
            if v is None or k in ("id", "source", "target"):
                continue
            if kinds[scope].get(k) == "json":
                out[k + _JSON_SUFFIX] = json.dumps(v, ensure_ascii=False, default=_json_default)
                out[k] = evidence_text(v) if _looks_like_evidence(v) else out[k + _JSON_SUFFIX]
            elif isinstance(v, (set, frozenset, tuple)):
                out[k] = sorted(v) if isinstance(v, (set, frozenset)) else list(v)
            else:
                out[k] = v
        return out

    nodes = []
    for n, row in zip(G.nodes, node_rows, strict=True):
        d = {"id": str(n)}
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
    for i, ((u, v), row) in enumerate(zip(G.edges(), edge_rows, strict=True)):
        d = {"id": f"e{i}", "source": str(u), "target": str(v)}
        d["interaction"] = row.get("interaction") or "co-occurs"
        d.update(data_of(row, "edge"))
        edges.append({"data": d})
    graph = {k: _plain(v) for k, v in G.graph.items() if v is not None and k != _ENCODING_KEY}
    for k, v in list(graph.items()):
        if not isinstance(v, (str, int, float, bool, list)):
            graph[k + _JSON_SUFFIX] = json.dumps(v, ensure_ascii=False, default=_json_default)
            del graph[k]
    graph[_ENCODING_KEY] = json.dumps(
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
        enc = json.loads(gdata.get(_ENCODING_KEY, "{}"))
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
    return _restore(G, split_lists=False)


# ----------------------------------------------------------------------------- tables

_NODE_COLUMNS = ("id", "label", "type", "mentions", "documents", "curie", "url", "aliases", "doc_ids")
_EDGE_COLUMNS = (
    "source",
    "target",
    "source_label",
    "target_label",
    "interaction",
    "score",
    "count",
    "documents",
)


#: A text cell starting with one of these is a formula to a spreadsheet (CSV injection, OWASP).
_FORMULA_START = ("=", "+", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """A CSV cell: lists joined, structures as JSON, and text that a spreadsheet would run as a
    formula prefixed with ``'`` (text from the input must not become a formula)."""
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, (list, tuple, set, frozenset)) and all(isinstance(v, str) for v in value):
        value = join_list(sorted(value) if isinstance(value, (set, frozenset)) else value)
    elif isinstance(value, (dict, list, tuple, set, frozenset)):
        return json.dumps(value, ensure_ascii=False, default=_json_default)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _write_csv(path_or_file: PathOrFile, header: list[str], rows: Iterable[list[Any]]) -> None:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    _write_output(path_or_file, buf.getvalue(), fmt="csv")


def write_tables(G: nx.Graph, nodes_path: PathOrFile, edges_path: PathOrFile) -> None:
    """Write ``nodes.csv`` and ``edges.csv`` (UTF-8, header row) for spreadsheets and Cytoscape table import.

    ``nodes``: ``id, label, type, mentions, documents, curie, url, aliases, doc_ids`` then
    any other attribute. ``edges``: ``source, target, source_label, target_label,
    interaction, score, count, documents``, every other score, ``evidence`` (the top
    sentence), ``evidence_url``, ``evidence_count`` and ``doc_ids``. Lists are ``"|"``-joined.
    """
    node_extra = sorted({k for _, d in G.nodes(data=True) for k in d} - set(_NODE_COLUMNS))
    header = list(_NODE_COLUMNS) + node_extra
    _write_csv(
        nodes_path,
        header,
        ([str(n)] + [_cell(d.get(c)) for c in header[1:]] for n, d in G.nodes(data=True)),
    )
    skip = set(_EDGE_COLUMNS) | {"evidence", "doc_ids"}
    edge_extra = sorted({k for *_, d in G.edges(data=True) for k in d} - skip)
    eheader = list(_EDGE_COLUMNS) + edge_extra + ["evidence", "evidence_url", "evidence_count", "doc_ids"]

    def edge_row(u: Any, v: Any, d: Mapping[str, Any]) -> list[Any]:
        ev = d.get("evidence") or []
        top = ev[0] if ev and isinstance(ev[0], Mapping) else {}
        return [
            str(u),
            str(v),
            _cell(G.nodes[u].get("label")),
            _cell(G.nodes[v].get("label")),
            _cell(d.get("interaction") or "co-occurs"),
            *(_cell(d.get(c)) for c in ("score", "count", "documents")),
            *(_cell(d.get(c)) for c in edge_extra),
            _cell(top.get("sentence")) if top else (_cell(ev[0]) if ev else ""),
            _cell(top.get("url")) if top else "",
            len(ev) if isinstance(ev, (list, tuple)) else 0,
            _cell(d.get("doc_ids")),
        ]

    _write_csv(edges_path, eheader, (edge_row(u, v, d) for u, v, d in G.edges(data=True)))


def table_paths(path: str | os.PathLike) -> tuple[Path, Path]:
    """Where ``export(G, path, format="csv")`` writes: ``DIR/nodes.csv`` and ``DIR/edges.csv``
    for a folder (or a path without suffix), ``STEM.nodes.csv`` and ``STEM.edges.csv`` for
    ``STEM.csv``."""
    p = Path(os.fspath(path))
    if p.suffix.lower() == ".csv":
        return p.with_name(p.stem + ".nodes.csv"), p.with_name(p.stem + ".edges.csv")
    return p / "nodes.csv", p / "edges.csv"


# ----------------------------------------------------------------------------- dispatch


def format_of(path: str | os.PathLike, format: str | None = None) -> str:
    """The format name for ``path``: ``format`` if given (validated), else by extension."""
    if format is not None:
        name = format.lower().lstrip(".")
        if name == "tables":
            name = "csv"
        if name not in FORMATS:
            raise ExportError(
                f"{os.fspath(path)}: unknown format {format!r}; choose one of {', '.join(FORMATS)}"
            )
        return name
    suffix = Path(os.fspath(path)).suffix.lower()
    for name, exts in FORMATS.items():
        if suffix in exts:
            return name
    if suffix == "":
        raise ExportError(
            f"{os.fspath(path)}: no file extension to choose a format by; add one "
            f"({', '.join(e[0] for e in FORMATS.values())}) or pass format= (one of {', '.join(FORMATS)})"
        )
    raise ExportError(
        f"{os.fspath(path)}: unknown extension {suffix!r}; use one of "
        f"{', '.join(e for es in FORMATS.values() for e in es)} or pass format= (one of {', '.join(FORMATS)})"
    )


def export(G: nx.Graph, path: str | os.PathLike, *, format: str | None = None, **options: Any) -> list[Path]:
    """Write ``G`` to ``path`` in ``format`` (a :data:`FORMATS` name) or the one its extension names.

    ``csv`` writes two files (see :func:`table_paths`); ``html`` is the interactive page
    of :func:`kg.render.write_html`, which takes ``options`` such as ``title`` and
    ``max_nodes``. Returns the paths written.

    Raises :class:`~kg.errors.ExportError` for an unknown format or an unwritable path.
    """
    name = format_of(path, format)
    if options and name in ("graphml", "json", "csv"):
        raise ExportError(
            f"{os.fspath(path)}: format {name} takes no options (got {', '.join(options)}); drop them"
        )
    if name == "csv":
        nodes_path, edges_path = table_paths(path)
        if not nodes_path.parent.exists() and Path(os.fspath(path)).suffix.lower() != ".csv":
            nodes_path.parent.mkdir(parents=True, exist_ok=True)
        write_tables(G, nodes_path, edges_path)
        return [nodes_path, edges_path]
    writers: dict[str, Callable[..., None]] = {
        "graphml": write_graphml,
        "gexf": write_gexf,
        "json": write_json,
        "cyjs": write_cyjs,
    }
    if name == "html":
        from kg.render import write_html

        writers["html"] = write_html
    writers[name](G, path, **options)
    return [Path(os.fspath(path))]


def _sniff(data: bytes) -> str | None:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{") or head.startswith(b"["):
        return "json"
    if head.startswith(b"<"):
        text = head.decode("utf-8", "replace")
        if "<graphml" in text:
            return "graphml"
        if "<gexf" in text:
            return "gexf"
    return None


def read_graph(path_or_file: PathOrFile, *, format: str | None = None) -> nx.Graph:
    """Read a graph written by :func:`write_graphml`, :func:`write_gexf`, :func:`write_json` or :func:`write_cyjs`.

    The format is ``format`` if given, else taken from the extension, else sniffed from
    the content (``.json`` files are told apart from ``.cyjs`` by content too). Lists,
    evidence and graph attributes come back as Python objects, and the attributes the
    writers add for Cytoscape (``name``, ``interaction``) are dropped again, so
    ``read_graph(write_X(G))`` has the nodes, edges and attributes of ``G`` (less ``None``
    values; node keys become strings).

    Raises :class:`~kg.errors.ExportError` naming the file when it cannot be read.
    """
    source = _describe(path_or_file)
    data = _read_input(path_or_file)
    name: str | None
    if format is not None:
        name = format_of(source, format)
    else:
        suffix = Path(source).suffix.lower()
        name = next((n for n, exts in FORMATS.items() if suffix in exts), None)
        if name not in READABLE_FORMATS:
            name = _sniff(data)
    if name is None:
        raise ExportError(
            f"{source}: cannot tell its format; kg reads .graphml, .gexf, .json and .cyjs files, "
            "or pass format= (one of graphml, gexf, json, cyjs)"
        )
    if name not in READABLE_FORMATS:
        raise ExportError(
            f"{source}: kg cannot read {name} back (it is an export only); use a .graphml, .gexf, .json or .cyjs file"
        )
    if name == "graphml":
        return _read_graphml(data, source)
    if name == "gexf":
        return _read_gexf(data, source)
    try:
        obj = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ExportError(
            f"{source}: not valid JSON ({exc}); give a file written by `kg export --format {name}`"
        ) from exc
    return _graph_from_json(obj, source)
