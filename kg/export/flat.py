"""The conventions of kg's flat formats (GraphML, GEXF, the .cyjs ``evidence`` column, CSV).

Lists of strings joined with :data:`LIST_SEPARATOR` (:func:`join_list`,
:func:`split_list`), evidence as readable text (:func:`evidence_text`) plus ``X_json``,
one storage kind per attribute (:func:`_attribute_kinds`), and the ``kg_encoding`` graph
attribute: :func:`_flat_graph` makes a copy of a graph with scalar attributes only and
:func:`_restore` undoes it on read. The conventions are described in :mod:`kg.export.files`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import networkx as nx

from kg.errors import ExportError
from kg.export.graphml import graphml_id
from kg.schema import EDGE_ATTRIBUTES, GRAPH_ATTRIBUTES, NODE_ATTRIBUTES

__all__ = ["LIST_SEPARATOR", "evidence_text", "join_list", "split_list"]

#: Delimiter of list attributes in the flat formats (Cytoscape's list delimiter).
LIST_SEPARATOR = "|"

_ENCODING_KEY = "kg_encoding"
_JSON_SUFFIX = "_json"
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

_SCHEMA = {"node": NODE_ATTRIBUTES, "edge": EDGE_ATTRIBUTES, "graph": GRAPH_ATTRIBUTES}


def join_list(items: Iterable[Any]) -> str:
    """``["a", "b|c"]`` -> ``"a|b\\|c"``: the list coding of the flat formats (see :mod:`kg.export.files`)."""
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


def merge_kinds(kinds: set[str]) -> str:
    """One storage kind for an attribute whose values have ``kinds``: all ints stay ``int``,
    ints with floats become ``float``, ints with bools ``int``, lists mixed with anything ``json``,
    anything else mixed ``str`` (the conventions of :mod:`kg.export.files`)."""
    if len(kinds) == 1:
        return next(iter(kinds))
    if "json" in kinds or "list" in kinds:
        return "json"
    if kinds <= {"int", "float"}:
        return "float"
    if kinds <= {"int", "bool"}:
        return "int"
    return "str"


def _attribute_kinds(rows: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """One storage kind per attribute name over all ``rows`` (None values ignored)."""
    seen: dict[str, set[str]] = {}
    for row in rows:
        for name, value in row.items():
            value = _plain(value)
            if value is not None:
                seen.setdefault(name, set()).add(_kind(value))
    return {name: merge_kinds(ks) for name, ks in seen.items()}


def _flatten_row(row: Mapping[str, Any], kinds: Mapping[str, str], *, xml: bool) -> dict[str, Any]:
    """Scalar-only attributes per the conventions of :mod:`kg.export.files`."""
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
