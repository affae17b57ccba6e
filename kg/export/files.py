"""Write a kg graph to files other tools open, and read those files back.

=========  ===========================  ==============================================
format     writer                       opens in
=========  ===========================  ==============================================
graphml    :func:`write_graphml`        Cytoscape, Gephi, yEd, networkx, igraph
gexf       :func:`write_gexf`           Gephi (colours by entity type, size by documents)
json       :func:`write_json`           networkx node-link JSON (lossless)
cyjs       :func:`write_cyjs`           Cytoscape desktop (File > Import), Cytoscape.js
csv        :func:`write_tables`         spreadsheets: ``nodes.csv`` and ``edges.csv``
html       :func:`kg.render.page.write_html` a browser: the interactive page
kgx        :func:`kg.export.kgx.write_kgx` KGX / Biolink tools: ``graph_nodes.tsv``, ``graph_edges.tsv``
neo4j      :func:`kg.export.neo4j.write_neo4j` ``neo4j-admin database import``: nodes, relationships
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
* **Evidence** in GraphML: each edge's top sentence, its link and ``evidence_count``
  (every sentence is in evidence.csv, :mod:`kg.evidence_tables`); with
  ``write_graphml(..., evidence="all")``, and in GEXF and .cyjs, evidence and any other
  non-scalar value ``X`` is stored twice: ``X_json``, the JSON text that :func:`read_graph`
  decodes, and ``X``, readable text (for evidence one line per sentence followed by its
  ``[PMID:…]`` or ``[doi:…]``).
* **Ids** (:mod:`kg.ids`): a node's id is kg's id in every file (``+7`` is ``+7`` in CSV,
  GraphML, GEXF and .cyjs); edges are ``edge:0``, ``edge:1``... in every file, never equal
  to a node id.
* **Cytoscape** (:mod:`kg.cytoscape`): GraphML nodes get ``kg_id``, a unique ``name`` and
  ``label``, edges ``name`` (``A (relation) B``) and ``interaction`` (``"co-occurs"``
  when missing); .cyjs nodes ``name`` and edges ``interaction``. Those added are removed
  again on read.
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

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx

from kg.errors import ExportError
from kg.export.attributes import (
    ENCODING_KEY,
    LIST_SEPARATOR,
)
from kg.export.flat import restore
from kg.export.gexf import _read_gexf, write_gexf
from kg.export.graphml import (
    graphml_key,
    write_graphml,
)
from kg.export.jsongraph import _graph_from_json, write_cyjs, write_json
from kg.export.outputs import (
    FORMATS,
    PathOrFile,
    _describe,
    _read_input,
)
from kg.export.tables import write_tables
from kg.render.page import write_html

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

#: Formats :func:`read_graph` reads back.
READABLE_FORMATS = ("graphml", "gexf", "json", "cyjs")


# ----------------------------------------------------------------------------- GraphML reading


def _refuse_dtd(data: bytes, source: str) -> None:
    """:class:`ExportError` for XML with a document type declaration: kg never writes one, and its
    entities (internal or external) would be expanded by networkx's reader (entity bombs, XXE)."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=True)
    try:
        tree = etree.fromstring(data, parser=parser).getroottree()
    except etree.XMLSyntaxError as exc:
        raise ExportError(
            f"{source}: not well-formed XML ({exc}); write it with `kg export --format graphml`"
        ) from exc
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise ExportError(
            f"{source}: declares a document type (<!DOCTYPE ...>, which may define entities); kg does not "
            "expand XML entities. Remove the declaration, or write the file with `kg export --format graphml`"
        )


def _read_graphml(data: bytes, source: str) -> nx.Graph:
    _refuse_dtd(data, source)
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
        enc = json.loads(G.graph.get(ENCODING_KEY) or "{}")
    except (TypeError, json.JSONDecodeError):
        enc = {}
    if not isinstance(enc, dict):
        enc = {}
    if enc.get("node_ids") == "graphml_id":
        nx.relabel_nodes(G, {n: graphml_key(n) for n in G if "_x" in n}, copy=False)
    if enc.get("edge_ids") == "element":  # networkx reads an edge element's id as data
        for *_, d in G.edges(data=True):
            d.pop("id", None)
    return restore(G)


# ----------------------------------------------------------------------------- dispatch


def table_paths(path: str | os.PathLike) -> tuple[Path, Path]:
    """Where ``export(G, path, format="csv")`` writes: ``DIR/nodes.csv`` and ``DIR/edges.csv``
    for a folder (or a path without suffix), ``STEM.nodes.csv`` and ``STEM.edges.csv`` for
    ``STEM.csv``."""
    p = Path(os.fspath(path))
    if p.suffix.lower() == ".csv":
        return p.with_name(p.stem + ".nodes.csv"), p.with_name(p.stem + ".edges.csv")
    return p / "nodes.csv", p / "edges.csv"


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
    of :func:`kg.render.page.write_html`, which takes ``options`` such as ``title`` and
    ``max_nodes``. Returns the paths written. ``path`` may be an open handle for a one-file
    format (graphml, gexf, json, cyjs, html; ``format`` then names it): nothing is returned.

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
    if name in ("kgx", "neo4j"):
        return _export_pair(G, Path(os.fspath(path)), name, **options)
    writers: dict[str, Callable[..., None]] = {
        "graphml": write_graphml,
        "gexf": write_gexf,
        "json": write_json,
        "cyjs": write_cyjs,
    }
    if name == "html":
        writers["html"] = write_html
    writers[name](G, path, **options)
    return [] if hasattr(path, "write") else [Path(os.fspath(path))]


def _export_pair(G: nx.Graph, path: Path, name: str, **options: Any) -> list[Path]:
    """KGX (:mod:`kg.kgx`) or Neo4j (:mod:`kg.neo4j`) files into the folder ``path`` (KGX: or
    ``STEM_nodes.tsv`` and ``STEM_edges.tsv`` for ``STEM.tsv``)."""
    if name == "kgx":
        from kg.export.kgx import write_kgx as write
    else:
        from kg.export.neo4j import write_neo4j as write  # type: ignore[assignment]
    if name == "kgx" and path.suffix.lower() == ".tsv":
        pair = [path.with_name(path.stem + "_nodes.tsv"), path.with_name(path.stem + "_edges.tsv")]
    else:
        path.mkdir(parents=True, exist_ok=True)
        pair = ([path / "graph_nodes.tsv", path / "graph_edges.tsv"] if name == "kgx"
                else [path / "neo4j_nodes.csv", path / "neo4j_relationships.csv"])
    write(G, *pair, **options)
    return pair


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
    writers add for Cytoscape (``kg_id``, ``name``, ``interaction``, edge ids) are dropped
    again (a GraphML written with ``evidence="top"`` gives each edge its top sentence), so
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
    try:
        return _parse(data, name, source)
    except RecursionError:
        raise ExportError(
            f"{source}: nested too deeply to read (lists or objects inside one another thousands of levels "
            "deep); kg never writes such a file: give a graph written by `kg export`"
        ) from None


def _parse(data: bytes, name: str, source: str) -> nx.Graph:
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
