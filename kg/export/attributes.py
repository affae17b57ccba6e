"""The attribute conventions of kg's flat formats (GraphML, GEXF, JSON, CSV), defined once.

Lists of strings joined with :data:`LIST_SEPARATOR` (:func:`join_list`, :func:`split_list`),
evidence as readable text (:func:`evidence_text`) plus ``X_json``, one storage kind per
attribute (:func:`value_kind` per value, :func:`merge_kinds` over values, :func:`attribute_kinds`
over rows), and the characters XML 1.0 cannot hold (:data:`INVALID_XML`, :data:`INVALID_XML_BYTES`).
The conventions are described in :mod:`kg.export.files`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import chain
from typing import Any

import networkx as nx

__all__ = [
    "LIST_SEPARATOR", "ENCODING_KEY", "JSON_SUFFIX", "INVALID_XML", "INVALID_XML_BYTES", "NONCHARACTERS",
    "join_list", "split_list", "evidence_text", "plain", "json_default", "looks_like_evidence",
    "value_kind", "merge_kinds", "type_kind", "attribute_kinds", "xml_text",
    "escape_text", "escape_attribute", "edge_triples",
]

#: Delimiter of list attributes in the flat formats (Cytoscape's list delimiter).
LIST_SEPARATOR = "|"
#: The graph attribute that records how a flat file was made from a graph.
ENCODING_KEY = "kg_encoding"
#: Suffix of the attribute that keeps a JSON-coded value next to its readable text.
JSON_SUFFIX = "_json"
#: The characters XML 1.0 cannot hold: control characters other than tab, newline and CR; U+FFFE; U+FFFF.
INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
#: UTF-8 bytes of the control characters of :data:`INVALID_XML` (one byte each) ...
INVALID_XML_BYTES = bytes(range(0x00, 0x09)) + b"\x0b\x0c" + bytes(range(0x0E, 0x20))
#: ... and the UTF-8 encodings of its two noncharacters.
NONCHARACTERS = ("\ufffe".encode(), "\uffff".encode())

_SEQUENCES = (list, tuple, set, frozenset)
_TYPE_KINDS: dict[type, str | None] = {}


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


def plain(value: Any) -> Any:
    """numpy scalars -> Python scalars; everything else unchanged."""
    if hasattr(value, "item") and type(value).__module__ == "numpy":
        return value.item()
    return value


def json_default(value: Any) -> Any:
    value = plain(value)
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value, key=str) if isinstance(value, (set, frozenset)) else list(value)
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def looks_like_evidence(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(v, Mapping) for v in value)


def value_kind(value: Any) -> str:
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


def type_kind(t: type) -> str | None:
    """The storage kind of every value of type ``t`` (``"seq"`` for list-likes, whose kind
    depends on their items), or ``None`` when it depends on the value (numpy scalars)."""
    try:
        return _TYPE_KINDS[t]
    except KeyError:
        pass
    if t.__module__ == "numpy" and hasattr(t, "item"):
        kind = None
    elif issubclass(t, bool):
        kind = "bool"
    elif issubclass(t, int):
        kind = "int"
    elif issubclass(t, float):
        kind = "float"
    elif issubclass(t, str):
        kind = "str"
    elif issubclass(t, _SEQUENCES):
        kind = "seq"
    else:
        kind = "json"
    _TYPE_KINDS[t] = kind
    return kind


def _all_strings(items: Iterable[Any]) -> bool:
    types = set(map(type, items))
    return types <= {str} or all(issubclass(t, str) for t in types)


def _kind_of(name: str, types: set[type], rows: Callable[[], Iterable[Mapping[str, Any]]]) -> str:
    """The kind of attribute ``name``, whose non-None values have ``types``; ``rows`` is
    iterated again only for list-likes (are all items strings?) and numpy values."""
    kinds = {type_kind(t) for t in types}
    if None in kinds:  # numpy scalars: decide value by value, as kg.export.flat._kind(plain(v))

        return merge_kinds({value_kind(plain(d[name])) for d in rows() if d.get(name) is not None})
    if "seq" not in kinds:
        return merge_kinds(kinds)  # type: ignore[arg-type]
    if len(kinds) > 1:
        return "json"  # lists (of strings or not) mixed with anything else
    items = chain.from_iterable(filter(None, (d.get(name) for d in rows())))
    return "list" if _all_strings(items) else "json"


def _scan(rows: Iterable[Mapping[str, Any]]) -> dict[str, set[type]]:
    """Attribute name -> the types of its non-None values, in order of first non-None value."""
    types: dict[str, set[type]] = {}
    for row in rows:
        for name, value in row.items():
            if value is not None:
                seen = types.get(name)
                if seen is None:
                    types[name] = {type(value)}
                else:
                    seen.add(type(value))
    return types


def attribute_kinds(rows: Callable[[], Iterable[Mapping[str, Any]]],
                    rescan: Callable[[], Iterable[Mapping[str, Any]]] | None = None) -> dict[str, str]:
    """Attribute name -> storage kind (``bool int float str list json``) over the rows
    ``rows()`` yields, in order of each attribute's first non-None value; the same result as
    ``kg.export.flat._attribute_kinds`` in one pass over types (``rows`` must be re-iterable).
    ``rescan``: cheaper rows with the same values of every list-like or numpy attribute, read when such
    an attribute's items are checked (GraphML's edge rows are copies the graph's edge dicts hold
    the same lists in; making them again was a third of the GraphML writer's time)."""
    again = rescan or rows
    return {name: _kind_of(name, types, again) for name, types in _scan(rows()).items()}


def xml_text(text: str) -> str:
    return INVALID_XML.sub("", text)


def escape_text(text: str) -> str:
    """``text`` as XML character data, as lxml writes it: ``& < >`` as entities, CR as ``&#13;``."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def escape_attribute(text: str) -> str:
    """``text`` as a double-quoted XML attribute value, as lxml writes it."""
    return escape_text(text).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def edge_triples(G: nx.Graph) -> Iterator[tuple[Any, Any, dict[str, Any]]]:
    """``G.edges(data=True)``, in the same order, without its per-edge reporting call."""
    if G.is_directed():
        for u, nbrs in G.adjacency():
            for v, d in nbrs.items():
                yield u, v, d
        return
    seen: set[Any] = set()
    for u, nbrs in G.adjacency():
        for v, d in nbrs.items():
            if v not in seen:
                yield u, v, d
        seen.add(u)
