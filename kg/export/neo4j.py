"""Neo4j bulk import: ``neo4j_nodes.csv`` and ``neo4j_relationships.csv`` in the header format
of ``neo4j-admin database import`` (Neo4j 5):

* nodes: ``id:ID`` (kg's node id), ``:LABEL`` (``Concept`` plus the type in CamelCase,
  ``Concept;GeneOrGeneProduct``), ``name``, ``type``, ``curie``, ``url``, ``mentions:long``,
  ``documents:long``, ``aliases:string[]``, ``doc_ids:string[]``;
* relationships: ``:START_ID``, ``:END_ID``, ``:TYPE`` (``CO_OCCURS``, or the relation in
  upper snake case), ``id`` (the edge id of every kg file), ``interaction``, the scores
  (``score:double``, ``count:long``, ``npmi:double``, ...), ``evidence`` (the top sentence),
  ``evidence_url``, ``evidence_count:long``, ``doc_ids:string[]``.

Arrays are split by ``;`` (:data:`ARRAY_DELIMITER`, neo4j-admin's default); a ``;`` inside an
item becomes ``,`` (the import has no escape for it). Fields are quoted as the csv module does
(``"`` doubled), line breaks in text become spaces (so ``--multiline-fields`` is not needed),
empty fields are no property. Import with :data:`IMPORT_COMMAND`.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Iterator
from typing import Any

import networkx as nx

from kg.export.attributes import edge_triples
from kg.export.ids import edge_ids, node_id
from kg.export.kgx import score_columns
from kg.export.outputs import PathOrFile, _open_output

__all__ = ["ARRAY_DELIMITER", "IMPORT_COMMAND", "NODE_HEADER", "label_of", "relationship_type", "write_neo4j"]

ARRAY_DELIMITER = ";"
NODE_HEADER = ("id:ID", ":LABEL", "name", "type", "curie", "url", "mentions:long", "documents:long",
               "aliases:string[]", "doc_ids:string[]")
#: How to load the two files into the default database ``neo4j`` (Neo4j 5.19 or later, which wants the
#: database name first; run in the Neo4j home with the server stopped and the files in ``import/``;
#: ``--overwrite-destination`` replaces what the database held).
IMPORT_COMMAND = (
    "bin/neo4j-admin database import full neo4j --overwrite-destination "
    "--nodes=import/neo4j_nodes.csv --relationships=import/neo4j_relationships.csv "
    f"--array-delimiter='{ARRAY_DELIMITER}' --id-type=string"
)
_WORD = re.compile(r"[A-Za-z0-9]+")


def label_of(type_name: str) -> str:
    """A node label for a type: ``"Gene or gene product"`` -> ``GeneOrGeneProduct`` (``Entity`` if empty)."""
    words = _WORD.findall(type_name)
    label = "".join(w[:1].upper() + w[1:] for w in words)
    return label if label and not label[0].isdigit() else "Entity"


def relationship_type(relation: str | None) -> str:
    """``"co-occurs"`` -> ``CO_OCCURS``: a relation as a relationship type."""
    words = _WORD.findall(relation or "co-occurs")
    return "_".join(w.upper() for w in words) or "CO_OCCURS"


def _value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value) if isinstance(value, (set, frozenset)) else value
        return ARRAY_DELIMITER.join(_value(v).replace(ARRAY_DELIMITER, ",") for v in items)
    text = str(value)
    if "\n" in text or "\r" in text:
        text = " ".join(text.splitlines())
    return text


def _write_rows(path: PathOrFile, header: Iterable[str], rows: Iterable[Iterable[Any]], chunk: int = 5000) -> None:
    with _open_output(path, fmt="neo4j") as write:
        buf = io.StringIO(newline="")
        out = csv.writer(buf, lineterminator="\n")
        out.writerow(list(header))
        for i, row in enumerate(rows, start=1):
            out.writerow([_value(v) for v in row])
            if i % chunk == 0:
                write(buf.getvalue())
                buf.seek(0)
                buf.truncate()
        write(buf.getvalue())


def _score_type(G: nx.Graph, name: str) -> str:
    ints = all(isinstance(d.get(name), int) for *_, d in edge_triples(G) if d.get(name) is not None)
    return "long" if ints else "double"


def write_neo4j(G: nx.Graph, nodes_path: PathOrFile, relationships_path: PathOrFile) -> None:
    """Write ``G`` as neo4j-admin import CSVs (see the module docs)."""

    def node_rows() -> Iterator[list[Any]]:
        for n, d in G.nodes(data=True):
            kind = str(d.get("type") or "")
            yield [node_id(n), ["Concept", label_of(kind)], d.get("label") or node_id(n), kind, d.get("curie") or None,
                   d.get("url") or None, d.get("mentions"), d.get("documents"), d.get("aliases") or None,
                   d.get("doc_ids") or None]

    scores = score_columns(G)
    header = [":START_ID", ":END_ID", ":TYPE", "id", "interaction",
              *(f"{s}:{_score_type(G, s)}" for s in scores),
              "evidence", "evidence_url", "evidence_count:long", "doc_ids:string[]"]

    def edge_rows() -> Iterator[list[Any]]:
        for eid, (u, v, d) in zip(edge_ids(G), edge_triples(G), strict=True):
            ev = d.get("evidence") or []
            top = ev[0] if ev and isinstance(ev[0], dict) else {}
            relation = d.get("interaction") or "co-occurs"
            yield [node_id(u), node_id(v), relationship_type(relation), eid, relation,
                   *(d.get(s) for s in scores), top.get("sentence"), top.get("url") or None,
                   len(ev) if isinstance(ev, list) else 0, d.get("doc_ids") or None]

    _write_rows(nodes_path, NODE_HEADER, node_rows())
    _write_rows(relationships_path, header, edge_rows())
