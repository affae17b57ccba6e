"""Write a graph as GraphML text, streamed to a file a few thousand elements at a time.

The document follows the conventions of :mod:`kg.export.files` (lists ``"|"``-joined, evidence
once or as ``evidence_json`` plus readable text, the Cytoscape columns of
:mod:`kg.export.cytoscape`, ``None`` left out, one type per attribute, ``kg_encoding``). Its data
is byte for byte what networkx's ``write_graphml_lxml`` writes for kg's flattened copy of
the rows of :func:`kg.export.cytoscape.graphml_rows` (edge ids and ``kg_encoding`` aside), but it
is written straight from the graph: no flattened copy and no whole document in memory.
(One difference: graph attributes named ``id``, ``node_default`` or ``edge_default``,
which networkx took for the graph's id or for key defaults, are written as data.)

How: one pass over the rows collects the Python types of every attribute
(:func:`attribute_kinds`; list elements are only looked at for attributes whose values
are all lists), which fixes each attribute's storage kind and GraphML key; then each
attribute gets a converter that turns a value into its ``<data>`` line(s), and the node
and edge elements are joined into chunks of :data:`CHUNK_ELEMENTS`, encoded, cleaned of
characters XML cannot hold and written.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import IO, Any

import networkx as nx

from kg.errors import ExportError
from kg.export.attributes import (
    ENCODING_KEY,
    INVALID_XML,
    INVALID_XML_BYTES,
    JSON_SUFFIX,
    LIST_SEPARATOR,
    NONCHARACTERS,
    attribute_kinds,
    edge_triples,
    escape_attribute,
    escape_text,
    evidence_text,
    join_list,
    json_default,
    looks_like_evidence,
    plain,
)
from kg.export.cytoscape import graphml_rows
from kg.export.ids import edge_ids, node_id
from kg.export.outputs import _open_output

__all__ = [
    "CHUNK_ELEMENTS",
    "graphml_bytes",
    "graphml_id",
    "graphml_key",
    "write_graphml",
]

#: Node or edge elements per chunk written (a few MB of text for kg's graphs).
CHUNK_ELEMENTS = 2000
#: ``ids=`` of the writer: kg's ids as they are (the default), or escaped to ``xs:NMTOKEN``.
NODE_ID_STYLES = ("kg", "nmtoken")
_INVALID_ID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

_HEADER = (
    "<?xml version='1.0' encoding='utf-8'?>\n"
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
    'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">'
)
_FOOTER = "</graph></graphml>"
_XML_TYPES = {
    "bool": "boolean",
    "int": "long",
    "float": "double",
    "str": "string",
    "list": "string",
    "json": "string",
}
#: Most evidence records whose encoded texts a GraphML writer keeps at a time.
_RECORD_CACHE = 65_536


# ----------------------------------------------------------------------------- text


def _strip_invalid(data: bytes) -> bytes:
    """UTF-8 ``data`` without the characters XML cannot hold (control characters other than
    tab, newline and CR; U+FFFE; U+FFFF). Byte-wise is exact: in UTF-8 those are never part
    of another character's encoding."""
    data = data.translate(None, INVALID_XML_BYTES)
    if b"\xef\xbf" in data:
        for bad in NONCHARACTERS:
            data = data.replace(bad, b"")
    return data


# ----------------------------------------------------------------------------- node ids

_NMTOKEN_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:")
_NMTOKEN_PLAIN = re.compile(r"[A-Za-z0-9.:_-]+")  # written unchanged unless it holds "_x"
_ESCAPED = re.compile(r"_x([0-9A-F]{4,6})_")
_LOOKS_ESCAPED = re.compile(r"_x(?:[0-9A-F]{4,6})?_")  # an escape, or the empty-key marker "_x_"


def graphml_id(key: Any) -> str:
    """A node key as a GraphML id (``xs:NMTOKEN``): ASCII letters, digits and ``.-_:`` kept,
    any other character ``c`` written ``_xHHHH_`` (``"Disease:lung cancer"`` ->
    ``"Disease:lung_x0020_cancer"``); CURIEs pass unchanged. :func:`graphml_key` inverts it."""
    text = str(key)
    if text == "":
        return "_x_"
    if _NMTOKEN_PLAIN.fullmatch(text) and "_x" not in text:
        return text
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




# ----------------------------------------------------------------------------- converters


def _converter(kind: str, keys: tuple[str, ...], indent: str) -> Callable[[Any], str]:
    """value -> its ``<data>`` line(s) for an attribute of ``kind`` (``keys``: the key ids, two
    for ``json``: ``X_json`` then ``X``). Values are not None; characters XML cannot hold
    are removed later, from the encoded chunk."""
    pre = f'{indent}<data key="{keys[0]}">'
    post = "</data>\n"
    if kind == "float":
        return lambda v: f"{pre}{v!r}{post}" if type(v) is float else f"{pre}{float(plain(v))!r}{post}"
    if kind == "int":
        return lambda v: f"{pre}{v!r}{post}" if type(v) is int else f"{pre}{int(plain(v))!r}{post}"
    if kind == "bool":
        return lambda v: f"{pre}{'True' if v else 'False'}{post}"
    if kind == "str":

        def text(v: Any) -> str:
            if type(v) is not str:
                v = plain(v)
                v = v if isinstance(v, str) else str(v)
            return (
                pre
                + v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
                + post
            )

        return text
    if kind == "list":

        def joined(v: Any) -> str:
            if isinstance(v, (set, frozenset)):
                v = sorted(v)
            text = "|".join(v)
            if "\\" in text or (v and text.count("|") != len(v) - 1):
                text = join_list(v)  # an item holds the separator or the escape character
            return (
                pre
                + text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
                + post
            )

        return joined
    # encoder.encode(v) == json.dumps(v, ensure_ascii=False, default=json_default), minus a new encoder per call
    encoder = json.JSONEncoder(ensure_ascii=False, default=json_default)
    pre_text = f'{indent}<data key="{keys[1]}">'

    # Evidence records are shared by every edge their sentence supports: each is encoded once
    # (json.dumps of a list is its items' texts joined by ", "). The record is kept with its
    # texts, so its id cannot be reused while the cache lives; the cache starts again when it
    # holds _RECORD_CACHE records (a 6k-abstract graph has 47k, a 100k one would hold ~0.5 GB).
    records: dict[int, tuple[dict, str, str]] = {}

    def record_texts(r: dict) -> tuple[dict, str, str]:
        got = records.get(id(r))
        if got is None:
            if len(records) >= _RECORD_CACHE:
                records.clear()
            got = records[id(r)] = (r, escape_text(encoder.encode(r)), escape_text(evidence_text((r,))))
        return got

    def coded(v: Any) -> str:
        if type(v) is list and v and all(type(r) is dict for r in v):
            parts = [record_texts(r) for r in v]
            code = "[" + ", ".join([p[1] for p in parts]) + "]"
            text = "\n".join([p[2] for p in parts])
            return f"{pre}{code}{post}{pre_text}{text}{post}"
        v = plain(v)
        code = escape_text(encoder.encode(v))
        text = escape_text(evidence_text(v)) if looks_like_evidence(v) else code
        return f"{pre}{code}{post}{pre_text}{text}{post}"

    return coded


class _Keys:
    """The ``<key>`` declarations, numbered ``d0, d1, ...`` in order of first use."""

    def __init__(self) -> None:
        self.ids: dict[tuple[str, str, str], str] = {}

    def add(self, scope: str, name: str, xml_type: str) -> str:
        """The id of the key of attribute ``name`` (flat name) of ``scope``, declared if new."""
        key = (scope, name, xml_type)
        if key not in self.ids:
            if INVALID_XML.search(name):
                raise ExportError(
                    f"{scope} attribute {name!r}: its name holds a character XML cannot hold; rename the attribute"
                )
            self.ids[key] = f"d{len(self.ids)}"
        return self.ids[key]

    def xml(self) -> str:
        """The declarations, newest first (as networkx writes them)."""
        return "".join(
            f'<key id="{i}" for="{scope}" attr.name="{escape_attribute(name)}" attr.type="{xml_type}"/>\n'
            for (scope, name, xml_type), i in reversed(self.ids.items())
        )


def _converters(
    scope: str, kinds: Mapping[str, str], keys: _Keys, indent: str
) -> dict[str, Callable[[Any], str]]:
    """Attribute name -> converter, declaring the keys of ``scope`` in order."""
    out = {}
    for name, kind in kinds.items():
        flat = str(name)
        if kind == "json":
            ids: tuple[str, ...] = (
                keys.add(scope, flat + JSON_SUFFIX, "string"),
                keys.add(scope, flat, "string"),
            )
        else:
            ids = (keys.add(scope, flat, _XML_TYPES[kind]),)
        out[name] = _converter(kind, ids, indent)
    return out


# ----------------------------------------------------------------------------- the document


def _elements(
    rows: Iterable[tuple[str, Mapping[str, Any]]], tag: str, converters: Mapping[str, Callable[[Any], str]]
) -> Iterator[str]:
    """``<tag ATTRS>`` elements (rows: ATTRS text, attributes) joined into chunks of text."""
    buf: list[str] = []
    for attrs, row in rows:
        data = "".join([converters[name](value) for name, value in row.items() if value is not None])
        buf.append(f"<{tag} {attrs}>\n{data}</{tag}>\n" if data else f"<{tag} {attrs}/>\n")
        if len(buf) == CHUNK_ELEMENTS:
            yield "".join(buf)
            buf.clear()
    if buf:
        yield "".join(buf)


def _text_chunks(G: nx.Graph, *, evidence: str = "top", ids: str = "kg") -> Iterator[str]:
    """The GraphML document of ``G`` as a sequence of text chunks (see the module docs)."""
    if G.is_multigraph():
        raise ExportError(
            f"graph {G.graph.get('name', '')!r}: multigraphs are not supported by kg's exporters; "
            "merge parallel edges first (nx.Graph(G))"
        )
    if ids not in NODE_ID_STYLES:
        raise ExportError(
            f"GraphML ids={ids!r} is not an option; choose 'kg' (kg's ids as they are, as in every other file) "
            "or 'nmtoken' (escaped to xs:NMTOKEN for validators of the GraphML schema)"
        )
    if ids == "kg" and any(_INVALID_ID.search(node_id(n)) for n in G):
        ids = "nmtoken"  # an id XML cannot hold as it is (a control character): every id escaped, reversibly
    rows = graphml_rows(G, evidence=evidence)
    node_rows, edge_rows, added = rows.nodes, rows.edges, rows.added
    graph_row = {k: v for k, v in G.graph.items() if k != ENCODING_KEY}
    kinds = {
        "node": attribute_kinds(lambda: (d for _, d in node_rows())),
        # list-like values are the graph's own (rows copy them as they are): re-read from the graph
        "edge": attribute_kinds(lambda: (d for *_, d in edge_rows()), lambda: (d for *_, d in edge_triples(G))),
        "graph": attribute_kinds(lambda: [graph_row]),
    }
    encoding = json.dumps(
        {
            "version": 1,
            "list_separator": LIST_SEPARATOR,
            "lists": {s: sorted(k for k, v in kinds[s].items() if v == "list") for s in kinds},
            "json": {s: sorted(k for k, v in kinds[s].items() if v == "json") for s in kinds},
            "added": added,
            "node_ids": "graphml_id" if ids == "nmtoken" else "",
            "edge_ids": "element",
            "evidence": evidence,
        },
        sort_keys=True,
    )
    keys = _Keys()
    graph_conv = _converters("graph", kinds["graph"], keys, "")
    graph_conv[ENCODING_KEY] = _converter("str", (keys.add("graph", ENCODING_KEY, "string"),), "")
    node_conv = _converters("node", kinds["node"], keys, "  ")
    edge_conv = _converters("edge", kinds["edge"], keys, "  ")

    yield _HEADER + keys.xml() + f'<graph edgedefault="{"directed" if G.is_directed() else "undirected"}">'
    yield "".join(
        graph_conv[k](v) for k, v in {**graph_row, ENCODING_KEY: encoding}.items() if v is not None
    )
    spell = graphml_id if ids == "nmtoken" else node_id
    xml_ids = {n: escape_attribute(spell(n)) for n in G}
    yield from _elements(((f'id="{xml_ids[n]}"', d) for n, d in node_rows()), "node", node_conv)
    yield from _elements(
        ((f'id="{e}" source="{xml_ids[u]}" target="{xml_ids[v]}"', d)
         for e, (u, v, d) in zip(edge_ids(G), edge_rows(), strict=True)),
        "edge",
        edge_conv,
    )
    yield _FOOTER


def graphml_chunks(G: nx.Graph, *, evidence: str = "top", ids: str = "kg") -> Iterator[bytes]:
    """The GraphML document of ``G`` as UTF-8 chunks, characters XML cannot hold removed.

    Raises :class:`~kg.errors.ExportError` when a value cannot be encoded (e.g. a lone
    surrogate) or ``G`` is a multigraph.
    """
    try:
        for text in _text_chunks(G, evidence=evidence, ids=ids):
            yield _strip_invalid(text.encode("utf-8"))
    except (ValueError, TypeError) as exc:
        raise ExportError(f"graph {G.graph.get('name', '')!r}: cannot encode as GraphML: {exc}") from exc


def write_graphml(
    G: nx.Graph, path_or_file: str | Any | IO[Any], *, evidence: str = "top", ids: str = "kg"
) -> None:
    """Write ``G`` as GraphML 1.0 for Cytoscape Desktop, Gephi, yEd, networkx and igraph.

    Attributes are typed (``long``, ``double``, ``string``, ``boolean``); lists are
    ``"|"``-joined strings; ``None`` values are left out; graph attributes are kept. For
    Cytoscape (:mod:`kg.export.cytoscape`) nodes get ``kg_id``, unique ``name``/``shared name`` and
    ``label``, edges ``name`` (``A (relation) B``) and ``interaction``. ``evidence="top"``
    keeps each edge's top sentence, its link and ``evidence_count`` (every sentence goes to
    evidence.csv); ``evidence="all"`` keeps them all (``evidence_json`` plus readable
    ``evidence``). Node ids are kg's ids as in every other file and edges have ids
    (:mod:`kg.export.ids`); ``ids="nmtoken"`` escapes node ids to ``xs:NMTOKEN``
    (:func:`graphml_id`), which the GraphML schema asks for and no reader needs. See
    :mod:`kg.export.files` for the conventions and :func:`kg.export.files.read_graph` to load it back.

    ``path_or_file`` is a path or an open text or binary handle; the document is written
    in chunks as it is made. A path that could not be written completely is removed.

    >>> import networkx as nx, io
    >>> buf = io.BytesIO(); write_graphml(nx.path_graph(2), buf)
    >>> b"<graphml" in buf.getvalue()
    True
    """
    with _open_output(path_or_file, fmt="graphml") as write:
        for chunk in graphml_chunks(G, evidence=evidence, ids=ids):
            write(chunk)


def graphml_bytes(G: nx.Graph, *, evidence: str = "top", ids: str = "kg") -> bytes:
    """The GraphML document :func:`write_graphml` writes, as UTF-8 bytes."""
    buf = io.BytesIO()
    write_graphml(G, buf, evidence=evidence, ids=ids)
    return buf.getvalue()
