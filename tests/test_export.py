"""kg.export.files: every writer with a path and a file handle, write -> read round trips,
GraphML valid against the GraphML 1.0 XSD and readable by networkx and igraph with typed
attributes, Cytoscape conventions, GEXF viz attributes, CSV tables, dispatch and errors."""

from __future__ import annotations

import csv
import functools
import io
import json
import math
import re
from pathlib import Path

import networkx as nx
import pytest

from kg.errors import ExportError
from kg.export.attributes import LIST_SEPARATOR, join_list, split_list
from kg.export.files import (
    FORMATS,
    export,
    read_graph,
    write_cyjs,
    write_gexf,
    write_graphml,
    write_json,
    write_tables,
)
from kg.export.graphml import graphml_bytes, graphml_id, graphml_key
from kg.schema import type_color

try:
    from tests.graphs import PROBE_NODE, make_graph, tiny_graph
except ImportError:  # tests/ is not a package: pytest puts it on sys.path
    from graphs import PROBE_NODE, make_graph, tiny_graph

XSD = Path(__file__).parent / "fixtures" / "graphml" / "graphml.xsd"
#: Lossless writers (the GraphML keeps every evidence sentence: evidence="all").
WRITERS = {
    "graphml": functools.partial(write_graphml, evidence="all"),
    "gexf": write_gexf,
    "json": write_json,
    "cyjs": write_cyjs,
}
READABLE = sorted(WRITERS)


@pytest.fixture(scope="module")
def graphml_schema():
    etree = pytest.importorskip("lxml.etree")
    # graphml.xsd redefines graphml-structure.xsd, which imports xlink.xsd: all by relative path
    return etree.XMLSchema(etree.parse(str(XSD)))


def _without_none(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}


def _top_only(d: dict) -> dict:
    """An edge as a GraphML written with ``evidence="top"`` gives it back: its top sentence only."""
    if isinstance(d.get("evidence"), list):
        d = {**d, "evidence": d["evidence"][:1]}
    return d


def assert_same_graph(G: nx.Graph, H: nx.Graph, *, keep_none: bool = False, evidence: str = "all") -> None:
    """Same nodes, edges and attributes (``None`` values dropped, as the flat writers do;
    node-link JSON keeps them: ``keep_none=True``; ``evidence="top"``: each edge's top sentence)."""
    clean = (lambda d: d) if keep_none else _without_none
    edge = clean if evidence == "all" else (lambda d: _top_only(clean(d)))
    assert dict(H.nodes(data=True)) == {n: clean(d) for n, d in G.nodes(data=True)}
    got = {frozenset((u, v)): d for u, v, d in H.edges(data=True)}
    want = {frozenset((u, v)): edge(d) for u, v, d in G.edges(data=True)}
    assert got == want
    assert H.graph == clean(G.graph)
    assert H.is_directed() == G.is_directed()


# ----------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("fmt", READABLE)
@pytest.mark.parametrize("make", [tiny_graph, lambda: make_graph(120, seed=3)], ids=["tiny", "synthetic120"])
def test_round_trip_path(tmp_path, fmt, make):
    G = make()
    path = tmp_path / f"graph{FORMATS[fmt][0]}"
    WRITERS[fmt](G, path)
    assert_same_graph(G, read_graph(path))


@pytest.mark.parametrize("fmt", READABLE)
@pytest.mark.parametrize("mode", ["binary", "text"])
def test_round_trip_file_handle(tmp_path, fmt, mode):
    G = tiny_graph()
    buf = io.BytesIO() if mode == "binary" else io.StringIO()
    WRITERS[fmt](G, buf)
    data = buf.getvalue()
    raw = data if isinstance(data, bytes) else data.encode("utf-8")
    assert_same_graph(G, read_graph(io.BytesIO(raw), format=fmt))
    # and a real file opened by the caller
    path = tmp_path / f"g{FORMATS[fmt][0]}"
    with open(path, "wb" if mode == "binary" else "w", encoding=None if mode == "binary" else "utf-8") as fh:
        WRITERS[fmt](G, fh)
    with open(path, "rb") as fh:
        assert_same_graph(G, read_graph(fh, format=fmt))


@pytest.mark.parametrize("fmt", READABLE)
def test_round_trip_probe_and_none_values(tmp_path, fmt):
    G = make_graph(40, seed=1, none_values=True)
    assert any(d.get("url") is None for _, d in G.nodes(data=True))
    path = tmp_path / f"g{FORMATS[fmt][0]}"
    WRITERS[fmt](G, path)
    H = read_graph(path)
    assert_same_graph(G, H, keep_none=fmt == "json")
    assert H.nodes[PROBE_NODE]["label"].startswith("<script>")


@pytest.mark.parametrize("fmt", READABLE)
def test_round_trip_empty_graph(tmp_path, fmt):
    G = nx.Graph(name="empty", n_documents=0)
    path = tmp_path / f"g{FORMATS[fmt][0]}"
    WRITERS[fmt](G, path)
    assert_same_graph(G, read_graph(path))


@pytest.mark.parametrize("fmt", READABLE)
def test_round_trip_unusual_values(tmp_path, fmt):
    G = tiny_graph()
    G.nodes["hgnc:11364"]["aliases"] = ["a|b", "back\\slash", "", "x\\|y", "  spaced  "]
    G.nodes["chebi:45783"]["aliases"] = []
    G.nodes["chebi:45783"]["label"] = "α-tocopherol; “quoted” <tag> & more"
    G.add_node("Disease:non ascii ü key", label="ü", type="Disease", mentions=1, documents=1)
    G.add_edge(
        "Disease:non ascii ü key", "chebi:45783", score=1, count=1, documents=1, interaction="co-occurs"
    )
    G.graph["extra_list"] = ["x", "y"]
    path = tmp_path / f"g{FORMATS[fmt][0]}"
    WRITERS[fmt](G, path)
    H = read_graph(path)
    # score: an int among floats is stored as double in the flat formats; equal in value
    assert H.edges["Disease:non ascii ü key", "chebi:45783"]["score"] == 1
    assert_same_graph(G, H)


@pytest.mark.parametrize(
    "items",
    [[], ["a"], ["a", "b"], ["a|b"], ["\\"], ["a\\", "b"], ["x\\|y", "|", "||"], ["", "a"], ["a", ""]],
)
def test_list_coding_round_trip(items):
    text = join_list(items)
    assert split_list(text) == (items if items != [""] else [])


def test_list_separator_is_documented_pipe():
    assert LIST_SEPARATOR == "|"
    assert join_list(["STAT3", "APRF|x"]) == "STAT3|APRF\\|x"


@pytest.mark.parametrize(
    "key", ["hgnc:11364", "Disease:lung cancer", "a_x0020_b", "TNF-α", "😀", "", "_", "_x_", "a/b<c>"]
)
def test_graphml_id_is_nmtoken_and_invertible(key):

    ident = graphml_id(key)
    assert re.fullmatch(r"[A-Za-z0-9._:\-]+", ident)
    assert graphml_key(ident) == key


# ----------------------------------------------------------------------------- GraphML


@pytest.mark.parametrize(
    "make", [tiny_graph, lambda: make_graph(200, seed=5, none_values=True)], ids=["tiny", "synthetic"]
)
def test_graphml_validates_against_xsd(tmp_path, graphml_schema, make):
    from lxml import etree

    G = make()
    path = tmp_path / "g.graphml"
    write_graphml(G, path, ids="nmtoken")
    doc = etree.parse(str(path))
    assert graphml_schema.validate(doc), graphml_schema.error_log
    assert_same_graph(G, read_graph(path), evidence="top")


def test_graphml_drops_characters_xml_cannot_hold(tmp_path, graphml_schema):
    from lxml import etree

    G = tiny_graph()
    G.nodes["hgnc:11364"]["label"] = "STAT\x003\x0b"
    G.add_node("weird\x01id", label="w", type="Entity", mentions=1, documents=1)
    path = tmp_path / "g.graphml"
    write_graphml(G, path)
    assert graphml_schema.validate(etree.parse(str(path))), graphml_schema.error_log
    H = read_graph(path)
    assert H.nodes["hgnc:11364"]["label"] == "STAT3"
    assert "weird\x01id" in H  # ids are escaped, not dropped


def _clashing_graph() -> nx.Graph:
    """Synthetic graph plus the cases of issue 25: a node "e2" (edge ids were e<N>), ids with
    "+" (GraphML escaped them), labels shared by two nodes of different and of equal type."""
    G = make_graph(50, seed=2)
    extra = {
        "e2": ("E2", "Chemical"), "e0": ("E0", "Chemical"), "+7": ("+7", "Chemical"),
        "hgnc:2707": ("ACE", "Gene or gene product"), "ace": ("ACE", "Chemical"),
        "avp": ("AVP", "Chemical"), "avp2": ("AVP", "Chemical"),
    }
    for n, (label, kind) in extra.items():
        G.add_node(n, label=label, type=kind, mentions=1, documents=1, aliases=[label], curie="", url="",
                   doc_ids=["pmid:1"])
    hub = next(iter(G))
    for n in extra:
        G.add_edge(hub, n, score=0.5, count=1, documents=1, interaction="co-occurs", doc_ids=["pmid:1"],
                   evidence=[{"doc_id": "pmid:1", "sentence": f"{n} here.", "pmid": "1", "doi": "",
                              "url": "https://pubmed.ncbi.nlm.nih.gov/1/"}])
    return G


@pytest.mark.parametrize("evidence", ["top", "all"])
def test_graphml_networkx_reads_typed_attributes(tmp_path, evidence):
    G = _clashing_graph()
    path = tmp_path / "g.graphml"
    write_graphml(G, path, evidence=evidence)
    raw = nx.read_graphml(path)
    assert set(raw) == set(G)  # kg's ids as they are: "+7", not _x002B_7
    assert raw.number_of_edges() == G.number_of_edges()
    node = raw.nodes["hgnc:" + next(n for n in G if n.startswith("hgnc:")).split(":")[1]]
    assert isinstance(node["mentions"], int) and isinstance(node["documents"], int)
    assert isinstance(node["aliases"], str) and isinstance(node["label"], str)
    names = [d["name"] for _, d in raw.nodes(data=True)]
    assert len(set(names)) == len(names)  # Cytoscape's name (and so its shared name) is unique
    for n, d in raw.nodes(data=True):
        assert d["kg_id"] == n  # the id survives Cytoscape overwriting name
        assert d["name"].startswith(d["label"])
    assert {raw.nodes[n]["name"] for n in ("hgnc:2707", "ace")} == {"ACE (Gene or gene product)", "ACE (Chemical)"}
    assert {raw.nodes[n]["name"] for n in ("avp", "avp2")} == {"AVP (avp)", "AVP (avp2)"}
    assert raw.nodes["e2"]["name"] == "E2"  # no clash: the label as it is
    for u, v, d in raw.edges(data=True):
        assert d["interaction"] == "co-occurs"
        assert d["name"] in (f"{raw.nodes[u]['name']} (co-occurs) {raw.nodes[v]['name']}",
                             f"{raw.nodes[v]['name']} (co-occurs) {raw.nodes[u]['name']}")
        assert isinstance(d["score"], float) and isinstance(d["count"], int)
        want = G.edges[u, v]["evidence"]
        if evidence == "all":
            assert json.loads(d["evidence_json"]) == want
            assert want[0]["sentence"] in d["evidence"]
        else:
            assert "evidence_json" not in d
            assert d["evidence"] == want[0]["sentence"] and d["evidence_url"] == want[0]["url"]
            assert d["evidence_count"] == len(want) and isinstance(d["evidence_count"], int)
    assert raw.graph["name"] == G.graph["name"]
    assert raw.graph["n_documents"] == G.graph["n_documents"]
    assert_same_graph(G, read_graph(path), evidence=evidence)


def test_graphml_top_evidence_is_smaller_and_names_its_source(tmp_path):
    G = make_graph(200, seed=7)
    top, every = graphml_bytes(G), graphml_bytes(G, evidence="all")
    assert len(top) < 0.8 * len(every) and b"evidence_json" not in top
    with pytest.raises(ExportError, match="evidence='some'.*'top'.*'all'"):
        write_graphml(G, tmp_path / "g.graphml", evidence="some")
    assert not (tmp_path / "g.graphml").exists()


@pytest.mark.parametrize("evidence", ["top", "all"])
def test_graphml_key_types(tmp_path, evidence):
    from lxml import etree

    path = tmp_path / "g.graphml"
    write_graphml(tiny_graph(), path, evidence=evidence)
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    keys = {
        (k.get("for"), k.get("attr.name")): k.get("attr.type")
        for k in etree.parse(str(path)).findall("g:key", ns)
    }
    assert keys[("node", "mentions")] in ("int", "long")
    assert keys[("node", "documents")] in ("int", "long")
    assert keys[("node", "kg_id")] == keys[("node", "name")] == keys[("edge", "name")] == "string"
    assert keys[("edge", "score")] == "double"
    assert keys[("node", "aliases")] == "string"
    if evidence == "all":
        assert keys[("edge", "evidence_json")] == "string"
    else:
        assert ("edge", "evidence_json") not in keys and keys[("edge", "evidence_count")] == "long"
    assert keys[("graph", "n_documents")] in ("int", "long")
    assert len(set(keys)) == len(keys)  # one key per attribute name and scope


def test_graphml_igraph_reads_typed_attributes(tmp_path):
    igraph = pytest.importorskip("igraph", reason="python-igraph is not installed")
    G = make_graph(80, seed=4, none_values=True)
    G.add_node("+7", label="+7", type="Chemical", mentions=1, documents=1)
    G.add_edge("+7", next(iter(G)), score=0.1, count=1, documents=1)
    path = tmp_path / "g.graphml"
    write_graphml(G, path)
    g = igraph.Graph.Read_GraphML(str(path))
    assert (g.vcount(), g.ecount()) == (G.number_of_nodes(), G.number_of_edges())
    assert {"kg_id", "name", "label", "type", "mentions", "documents", "aliases", "curie", "url",
            "doc_ids"} <= set(g.vs.attributes())
    assert {"name", "interaction", "score", "count", "documents", "evidence", "evidence_url",
            "evidence_count", "doc_ids"} <= set(g.es.attributes())
    assert g.vs["id"] == g.vs["kg_id"] == [str(n) for n in G]  # every node id kept, as kg spells it
    by_id = {v["kg_id"]: v for v in g.vs}
    for n, d in G.nodes(data=True):
        v = by_id[n]
        assert isinstance(v["mentions"], float) and v["mentions"] == d["mentions"]  # numeric
        assert isinstance(v["label"], str) and v["label"] == d["label"]
        assert v["aliases"] == join_list(d.get("aliases") or [])
    assert all(isinstance(s, float) for s in g.es["score"])
    assert set(g.es["interaction"]) == {"co-occurs"}
    assert g["name"] == G.graph["name"] and g["n_documents"] == G.graph["n_documents"]


def test_graphml_adds_cytoscape_attributes_only_once(tmp_path):
    G = tiny_graph()
    for _, d in G.nodes(data=True):
        d["name"] = "kept " + d["label"]
    del G.edges["hgnc:11364", "chebi:45783"]["interaction"]
    path = tmp_path / "g.graphml"
    write_graphml(G, path)
    raw = nx.read_graphml(path)
    assert raw.nodes["hgnc:11364"]["name"] == "kept STAT3"
    assert raw.edges["hgnc:11364", "chebi:45783"]["interaction"] == "co-occurs"
    H = read_graph(path)
    assert H.nodes["hgnc:11364"]["name"] == "kept STAT3"


# ----------------------------------------------------------------------------- GEXF


def test_gexf_viz_and_networkx_interop(tmp_path):
    from lxml import etree

    G = make_graph(60, seed=6)
    path = tmp_path / "g.gexf"
    write_gexf(G, path)
    root = etree.parse(str(path)).getroot()
    ns = {"g": "http://www.gexf.net/1.2draft", "viz": "http://www.gexf.net/1.2draft/viz"}
    sizes = {}
    for node in root.iterfind(".//g:node", ns):
        color = node.find("viz:color", ns)
        want = type_color(G.nodes[node.get("id")]["type"]).lstrip("#")
        assert "".join(f"{int(color.get(c)):02x}" for c in "rgb") == want
        sizes[node.get("id")] = float(node.find("viz:size", ns).get("value"))
    by_docs = sorted(G, key=lambda n: G.nodes[n]["documents"])
    assert sizes[by_docs[0]] <= sizes[by_docs[-1]]
    assert all(e.get("weight") for e in root.iterfind(".//g:edge", ns))
    # networkx's own reader opens it too
    other = nx.read_gexf(path)
    assert other.number_of_nodes() == G.number_of_nodes()
    assert other.number_of_edges() == G.number_of_edges()
    assert other.nodes[PROBE_NODE]["label"] == G.nodes[PROBE_NODE]["label"]


def test_gexf_positions(tmp_path):
    from lxml import etree

    G = tiny_graph()
    pos = {n: (i * 1.5, -i) for i, n in enumerate(G)}
    path = tmp_path / "g.gexf"
    write_gexf(G, path, positions=pos)
    ns = {"g": "http://www.gexf.net/1.2draft", "viz": "http://www.gexf.net/1.2draft/viz"}
    got = {
        el.get("id"): (
            float(el.find("viz:position", ns).get("x")),
            float(el.find("viz:position", ns).get("y")),
        )
        for el in etree.parse(str(path)).getroot().iterfind(".//g:node", ns)
    }
    assert got == {n: (float(x), float(y)) for n, (x, y) in pos.items()}
    assert_same_graph(G, read_graph(path))


# ----------------------------------------------------------------------------- CYJS / JSON


def test_cyjs_structure(tmp_path):
    G = tiny_graph()
    path = tmp_path / "g.cyjs"
    write_cyjs(G, path, positions={"hgnc:11364": (1.0, 2.0)})
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["data"]["name"] == "tiny"
    nodes = {n["data"]["id"]: n for n in data["elements"]["nodes"]}
    assert set(nodes) == set(G)
    stat3 = nodes["hgnc:11364"]
    assert stat3["data"]["name"] == "STAT3" and stat3["data"]["label"] == "STAT3"
    assert stat3["data"]["aliases"] == G.nodes["hgnc:11364"]["aliases"]  # real arrays (list columns)
    assert stat3["position"] == {"x": 1.0, "y": 2.0}
    assert "position" not in nodes["chebi:45783"]
    edges = data["elements"]["edges"]
    assert len({e["data"]["id"] for e in edges}) == len(edges) == G.number_of_edges()
    for e in edges:
        d = e["data"]
        assert {"id", "source", "target", "interaction"} <= set(d)
        assert isinstance(d["evidence"], str) and isinstance(json.loads(d["evidence_json"]), list)


def test_json_is_node_link_and_strict(tmp_path):
    G = tiny_graph()
    G.edges["hgnc:11364", "chebi:45783"]["pmi"] = float("nan")
    path = tmp_path / "g.json"
    write_json(G, path)
    text = path.read_text(encoding="utf-8")
    assert "NaN" not in text
    data = json.loads(text)
    assert {"nodes", "edges", "graph", "directed", "multigraph"} <= set(data)
    H = nx.node_link_graph({k: v for k, v in data.items() if k != "kg_format"}, edges="edges")
    assert H.nodes["hgnc:11364"]["aliases"] == G.nodes["hgnc:11364"]["aliases"]


def test_read_graph_tells_json_from_cyjs_by_content(tmp_path):
    G = tiny_graph()
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    write_json(G, a)
    write_cyjs(G, b)  # a .cyjs saved under .json
    assert_same_graph(G, read_graph(a))
    assert_same_graph(G, read_graph(b))


@pytest.mark.parametrize("fmt", READABLE)
def test_read_graph_sniffs_unknown_extension(tmp_path, fmt):
    G = tiny_graph()
    path = tmp_path / "saved.graph"
    WRITERS[fmt](G, path)
    assert_same_graph(G, read_graph(path))


def test_read_graphml_written_elsewhere_uses_schema(tmp_path):
    """A GraphML without kg_encoding (e.g. re-saved by another tool) still gets lists back."""
    G = nx.Graph()
    G.add_node("a", label="A", aliases="A|alpha", doc_ids="pmid:1")
    G.add_node("b", label="B", aliases="", doc_ids="")
    G.add_edge("a", "b", evidence_json='[{"sentence": "A and B."}]', evidence="A and B.", score=0.5)
    path = tmp_path / "other.graphml"
    nx.write_graphml(G, path)
    H = read_graph(path)
    assert H.nodes["a"]["aliases"] == ["A", "alpha"]
    assert H.nodes["b"]["aliases"] == []
    assert H.edges["a", "b"]["evidence"] == [{"sentence": "A and B."}]


# ----------------------------------------------------------------------------- tables


def _rows(path_or_text) -> list[dict]:
    text = path_or_text.read_text(encoding="utf-8") if isinstance(path_or_text, Path) else path_or_text
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("mode", ["path", "handle"])
def test_tables(tmp_path, mode):
    G = tiny_graph()
    if mode == "path":
        write_tables(G, tmp_path / "nodes.csv", tmp_path / "edges.csv")
        nodes, edges = _rows(tmp_path / "nodes.csv"), _rows(tmp_path / "edges.csv")
    else:
        nbuf, ebuf = io.StringIO(), io.StringIO()
        write_tables(G, nbuf, ebuf)
        nodes, edges = _rows(nbuf.getvalue()), _rows(ebuf.getvalue())
    assert [r["id"] for r in nodes] == list(G)
    stat3 = nodes[0]
    assert stat3["label"] == "STAT3" and stat3["mentions"] == "5"
    assert split_list(stat3["aliases"]) == G.nodes["hgnc:11364"]["aliases"]
    assert len(edges) == 2
    e = next(r for r in edges if {r["source"], r["target"]} == {"hgnc:11364", "Disease:lung cancer"})
    assert e["evidence"] == "STAT3 is activated in lung cancer; see Table 1."
    assert e["evidence_url"] == "https://pubmed.ncbi.nlm.nih.gov/1/"
    assert e["evidence_count"] == "2"
    assert e["interaction"] == "co-occurs"
    assert math.isclose(float(e["score"]), 0.8125) and e["npmi"] == "0.8125"
    assert {e["source_label"], e["target_label"]} == {"STAT3", "lung cancer"}
    empty = next(r for r in edges if "chebi:45783" in (r["source"], r["target"]))
    assert empty["evidence"] == "" and empty["evidence_count"] == "0"


# ----------------------------------------------------------------------------- dispatch


@pytest.mark.parametrize("fmt,ext", [(f, FORMATS[f][0]) for f in READABLE])
def test_export_by_extension_and_by_name(tmp_path, fmt, ext):
    G = tiny_graph()
    evidence = "top" if fmt == "graphml" else "all"  # the GraphML keeps the top sentence unless told
    written = export(G, tmp_path / f"by_ext{ext}")
    assert written == [tmp_path / f"by_ext{ext}"]
    assert_same_graph(G, read_graph(written[0]), evidence=evidence)
    written = export(G, tmp_path / "by_name.out", format=fmt)
    assert_same_graph(G, read_graph(written[0], format=fmt), evidence=evidence)


def test_export_csv_folder_and_stem(tmp_path):
    G = tiny_graph()
    assert export(G, tmp_path / "tables", format="csv") == [
        tmp_path / "tables" / "nodes.csv",
        tmp_path / "tables" / "edges.csv",
    ]
    assert export(G, tmp_path / "g.csv") == [tmp_path / "g.nodes.csv", tmp_path / "g.edges.csv"]
    assert all(p.exists() for p in (tmp_path / "g.nodes.csv", tmp_path / "tables" / "edges.csv"))


def test_export_html(tmp_path):
    G = tiny_graph()
    (path,) = export(G, tmp_path / "g.html", title="Tiny")
    assert "<title>Tiny</title>" in path.read_text(encoding="utf-8")


def test_formats_listing():
    assert {"graphml", "gexf", "json", "cyjs", "csv", "html"} <= set(FORMATS)
    assert all(ext.startswith(".") for exts in FORMATS.values() for ext in exts)


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "call,fragment",
    [
        (lambda p: export(tiny_graph(), p / "g.xyz"), lambda p: "g.xyz"),
        (lambda p: export(tiny_graph(), p / "noext"), lambda p: "noext"),
        (lambda p: export(tiny_graph(), p / "g.graphml", format="pdf"), lambda p: "pdf"),
        (lambda p: write_graphml(tiny_graph(), p / "missing" / "g.graphml"), lambda p: str(p / "missing")),
        (lambda p: write_graphml(tiny_graph(), p), lambda p: str(p)),
        (lambda p: read_graph(p / "nope.graphml"), lambda p: "nope.graphml"),
        (lambda p: read_graph(p), lambda p: str(p)),
        (lambda p: export(tiny_graph(), p / "g.csv", title="x"), lambda p: "title"),
    ],
    ids=[
        "unknown-ext",
        "no-ext",
        "unknown-format",
        "missing-dir",
        "dir-as-file",
        "missing-file",
        "read-dir",
        "option",
    ],
)
def test_errors_name_the_file_and_say_how_to_fix(tmp_path, call, fragment):
    with pytest.raises(ExportError) as info:
        call(tmp_path)
    msg = str(info.value)
    assert fragment(tmp_path) in msg
    assert ";" in msg  # "what was wrong; how to fix it"


@pytest.mark.parametrize(
    "name,content",
    [
        ("bad.graphml", b"<graphml><node id='a'>"),
        ("bad.gexf", b"<gexf><graph>"),
        ("bad.json", b"{not json"),
        ("bad.cyjs", b'{"elements": {"nodes": [{"data": {}}]}}'),
        ("list.json", b"[1, 2]"),
        ("what.txt", b"hello"),
        ("t.csv", b"id,label\n"),
    ],
)
def test_read_graph_rejects_bad_files(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ExportError, match=name.replace(".", r"\.")):
        read_graph(path)


def test_multigraph_is_refused_with_a_fix(tmp_path):
    G = nx.MultiGraph()
    G.add_edge("a", "b")
    G.add_edge("a", "b")
    with pytest.raises(ExportError, match="nx.Graph"):
        write_graphml(G, tmp_path / "m.graphml")


_PAYLOADS = ["=HYPERLINK(\"http://evil\")", "+cmd", "-2+3+cmd|' /C calc'!A0", "@SUM(1)", "\tx", "+catechin", "-1"]


def _spreadsheet_value(cell: str) -> str:
    """What a spreadsheet shows for a CSV cell: a leading ' marks text; a formula start would be run."""
    if cell.startswith("'"):
        return cell[1:]
    try:
        float(cell)  # a number is a number, not a formula
        return cell
    except ValueError:
        pass
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), f"{cell!r} would run as a formula"
    return cell


@pytest.mark.parametrize("payload", _PAYLOADS)
def test_csv_cells_never_become_spreadsheet_formulas(tmp_path, payload):
    """OWASP's rule on every text cell, ids, sources and targets included, and the text comes back."""
    import csv

    import networkx as nx

    from kg.export.files import write_tables

    g = nx.Graph()
    g.add_node(payload, label=payload, type="Gene or gene product", aliases=[payload, "ok"])
    g.add_node("b", label="plain", type="Chemical", aliases=[])
    g.add_edge(payload, "b", score=-0.5, count=1, documents=1, interaction="co-occurs",
               evidence=[{"doc_id": "d", "sentence": payload, "url": ""}], doc_ids=["d"])
    write_tables(g, tmp_path / "n.csv", tmp_path / "e.csv")
    nodes = list(csv.DictReader(open(tmp_path / "n.csv", encoding="utf-8", newline="")))
    edges = list(csv.DictReader(open(tmp_path / "e.csv", encoding="utf-8", newline="")))
    shown = [{k: _spreadsheet_value(v) for k, v in row.items()} for row in nodes + edges]
    assert {n["id"] for n in shown[:2]} == {payload, "b"} and {n["label"] for n in shown[:2]} == {payload, "plain"}
    assert {shown[2]["source"], shown[2]["target"]} == {payload, "b"} and shown[2]["evidence"] == payload
    assert edges[0]["score"] == "-0.5"  # numbers are not text: never prefixed


# ----------------------------------------------------------------------------- streaming GraphML


_ENCODING_LINE = re.compile(rb'<data key="d\d+">\{"added": [^<]*"version": 1\}</data>\n?')
_EDGE_ID = re.compile(rb'<edge id="[^"]*" ')


def _networkx_graphml(G: nx.Graph, *, evidence: str = "top") -> bytes:
    """networkx's lxml writer on the flat copy of the rows kg's writer writes (kg_encoding taken out)."""
    from kg.export.cytoscape import graphml_rows
    from kg.export.flat import flat_graph

    rows = graphml_rows(G, evidence=evidence)
    H = nx.DiGraph() if G.is_directed() else nx.Graph()
    H.graph.update(G.graph)
    H.add_nodes_from(rows.nodes())
    H.add_edges_from(rows.edges())
    buf = io.BytesIO()
    nx.write_graphml_lxml(flat_graph(H, xml=True, cytoscape=False), buf, encoding="utf-8", prettyprint=True)
    return _ENCODING_LINE.sub(b"", buf.getvalue())


def _comparable(doc: bytes) -> bytes:
    """kg's GraphML without its edge ids and kg_encoding, which networkx does not write."""
    return _ENCODING_LINE.sub(b"", _EDGE_ID.sub(b"<edge ", doc))


def _mixed_graph() -> nx.Graph:
    """Every kind of attribute value the flat formats code, on nodes, edges and the graph."""
    np = pytest.importorskip("numpy")
    G = nx.Graph(name="mixed", n_documents=np.int64(2), lists=["a", "b|c"], meta={"k": [1, None]}, ratio=0.5)
    G.add_node(
        "hgnc:1",
        label="A\x00B\x1f<&>\r\n\ufffe",
        mentions=1,
        score=1,
        flag=True,
        aliases=["x|y", "back\\slash", ""],
        doc_ids=("pmid:1",),
        tags={"b", "a"},
        misc=[1, "x"],
        maybe=None,
        np_float=np.float64(0.25),
        np_bool=np.bool_(True),
    )
    G.add_node(
        "Disease:lung cancer",
        label="lung cancer",
        mentions=2.5,
        score=2.0,
        flag=False,
        aliases=[],
        doc_ids=["pmid:2"],
        tags=frozenset(),
        misc="plain",
        maybe=3,
        np_float=1,
        np_bool=np.bool_(False),
    )
    G.add_node(7, mentions=None, label=None)
    G.add_edge(
        "hgnc:1",
        "Disease:lung cancer",
        score=0.5,
        count=1,
        evidence=[
            {"doc_id": "pmid:1", "sentence": "A <b>binds</b> B\x01.", "pmid": "1", "doi": "", "url": "u"},
            {"doc_id": "doi:10.1/x", "sentence": "Also\r\nhere.", "pmid": "", "doi": "10.1/x", "url": ""},
        ],
        doc_ids=["pmid:1", "doi:10.1/x"],
        interaction=None,
    )
    G.add_edge("hgnc:1", 7, score=1, count=True, evidence=[], doc_ids=[])
    G.add_edge(7, 7, weight=np.float32(0.5), interaction="self")
    return G


GRAPHML_CASES = {
    "tiny": tiny_graph,
    "synthetic": lambda: make_graph(150, seed=9, none_values=True),
    "mixed": _mixed_graph,
    "directed": lambda: nx.DiGraph([("a", "b", {"w": 1}), ("b", "a", {"w": 2.5})]),
    "int_nodes": lambda: nx.path_graph(5),
    "empty": lambda: nx.Graph(name="empty"),
    "edgeless": lambda: nx.empty_graph(3),
    "names_given": lambda: nx.Graph([("a", "b", {"interaction": "binds"}), ("b", "c", {})]),
}


@pytest.mark.parametrize("case", sorted(GRAPHML_CASES))
def test_graphml_is_byte_for_byte_what_networkx_wrote(case):
    G = GRAPHML_CASES[case]()
    if case == "names_given":
        G.nodes["a"]["name"] = "given"
    for evidence in ("top", "all"):
        assert _comparable(graphml_bytes(G, evidence=evidence)) == _networkx_graphml(G, evidence=evidence)


def test_graphml_streams_the_same_bytes_to_path_text_and_binary_handles(tmp_path, monkeypatch):
    import kg.export.graphml
    from kg.export.graphml import graphml_bytes

    monkeypatch.setattr(kg.export.graphml, "CHUNK_ELEMENTS", 7)  # many chunks
    G = make_graph(120, seed=3, none_values=True)
    want = _networkx_graphml(G)
    path = tmp_path / "g.graphml"
    write_graphml(G, path)
    assert _comparable(path.read_bytes()) == want
    text, binary = io.StringIO(newline=""), io.BytesIO()
    write_graphml(G, text)
    write_graphml(G, binary)
    assert text.getvalue().encode("utf-8") == binary.getvalue() == path.read_bytes() == graphml_bytes(G)

    class Recorder:  # a text handle that is no io.TextIOBase: bytes are refused
        def __init__(self) -> None:
            self.parts: list[str] = []

        def write(self, data: str) -> None:
            if not isinstance(data, str):
                raise TypeError("write() argument must be str")
            self.parts.append(data)

    rec = Recorder()
    write_graphml(G, rec)
    assert "".join(rec.parts).encode("utf-8") == path.read_bytes()
    assert len(rec.parts) > 10 and max(map(len, rec.parts)) < len(want) / 5  # written in pieces


@pytest.mark.parametrize("cache", [1, 3, 65_536])
def test_graphml_shared_evidence_records_are_encoded_as_networkx_does(monkeypatch, cache):
    import kg.export.graphml
    from kg.export.graphml import graphml_bytes

    G = make_graph(80, seed=8)
    records = [{"doc_id": f"d{i}", "sentence": f"S <{i}> & more", "pmid": str(i), "doi": "", "url": ""}
               for i in range(5)]
    for k, (_, _, d) in enumerate(G.edges(data=True)):  # shared, as build_graph shares them
        d["evidence"] = [records[k % 5], records[(k + 2) % 5]] if k % 3 else []
    monkeypatch.setattr(kg.export.graphml, "_RECORD_CACHE", cache)  # the cache starts again when full
    assert _comparable(graphml_bytes(G, evidence="all")) == _networkx_graphml(G, evidence="all")


def test_graphml_mixed_values_round_trip(tmp_path, graphml_schema):
    from lxml import etree

    G = _mixed_graph()
    path = tmp_path / "g.graphml"
    write_graphml(G, path, evidence="all", ids="nmtoken")
    assert graphml_schema.validate(etree.parse(str(path))), graphml_schema.error_log
    H = read_graph(path)
    a = H.nodes["hgnc:1"]
    assert a["label"] == "AB<&>\r\n"  # characters XML cannot hold dropped; CR kept (&#13;)
    assert "name" not in a  # added for Cytoscape, dropped on read
    assert a["aliases"] == ["x|y", "back\\slash", ""] and a["doc_ids"] == ["pmid:1"]
    assert a["tags"] == ["a", "b"]  # sets are sorted
    assert a["misc"] == [1, "x"] and H.nodes["Disease:lung cancer"]["misc"] == "plain"  # json kind
    assert a["mentions"] == 1.0 and isinstance(a["mentions"], float)  # ints mixed with floats: double
    assert a["flag"] is True and H.nodes["Disease:lung cancer"]["flag"] is False
    assert a["np_float"] == 0.25 and H.nodes["Disease:lung cancer"]["np_float"] == 1.0
    assert a["np_bool"] is True
    assert "maybe" not in a and H.nodes["Disease:lung cancer"]["maybe"] == 3
    assert H.nodes["7"] == {}  # None values left out
    e = H.edges["hgnc:1", "Disease:lung cancer"]
    assert e["evidence"] == [
        {"doc_id": "pmid:1", "sentence": "A <b>binds</b> B\x01.", "pmid": "1", "doi": "", "url": "u"},
        {"doc_id": "doi:10.1/x", "sentence": "Also\r\nhere.", "pmid": "", "doi": "10.1/x", "url": ""},
    ]  # JSON keeps the control character as \u0001
    assert e["doc_ids"] == ["pmid:1", "doi:10.1/x"] and e["interaction"] == "co-occurs"
    assert H.edges["hgnc:1", "7"]["count"] == 1 and H.edges["hgnc:1", "7"]["evidence"] == []
    assert H.edges["7", "7"] == {"weight": 0.5, "interaction": "self"}
    assert H.graph["lists"] == ["a", "b|c"] and H.graph["meta"] == {"k": [1, None]}
    assert H.graph["n_documents"] == 2 and H.graph["ratio"] == 0.5


def test_graphml_unencodable_value_fails_and_leaves_no_partial_file(tmp_path):
    G = make_graph(30, seed=1)
    G.add_edge("x", "y", label="lone \ud800 surrogate")
    path = tmp_path / "g.graphml"
    with pytest.raises(ExportError, match="cannot encode as GraphML"):
        write_graphml(G, path)
    assert not path.exists()


def test_graphml_write_error_on_a_handle_names_it():
    class Full(io.RawIOBase):
        name = "full.graphml"

        def writable(self) -> bool:
            return True

        def write(self, data) -> int:
            raise OSError(28, "No space left on device")

    with pytest.raises(ExportError, match=r"full\.graphml: could not write graphml"):
        write_graphml(tiny_graph(), Full())


def test_attribute_kinds_agree_with_the_per_value_rules():
    import random

    from kg.export.attributes import attribute_kinds, merge_kinds, plain, value_kind

    def per_value(rows):  # the rule value by value, in order of each attribute's first non-None value
        seen = {}
        for row in rows:
            for name, value in row.items():
                if plain(value) is not None:
                    seen.setdefault(name, set()).add(value_kind(plain(value)))
        return {name: merge_kinds(kinds) for name, kinds in seen.items()}

    np = pytest.importorskip("numpy")
    values = [
        None,
        1,
        2.5,
        True,
        "s",
        ["a"],
        ("a", "b"),
        {"x"},
        [1],
        [],
        {"k": 1},
        np.int64(1),
        np.float64(1.5),
        np.bool_(False),
        np.str_("t"),
        frozenset(),
    ]
    rng = random.Random(5)
    for _ in range(300):
        rows = [
            {f"a{j}": rng.choice(values) for j in rng.sample(range(6), rng.randint(0, 6))} for _ in range(5)
        ]
        got = attribute_kinds(lambda rows=rows: rows)
        assert got == per_value(rows)
        assert list(got) == list(per_value(rows))  # order of first non-None value


@pytest.mark.parametrize("text", ["plain", "a&b<c>d", "cr\rlf\r\n", "quote\"apos'", "tab\tnl\n", "é€😀", ""])
def test_escaping_matches_lxml(text):
    from lxml import etree

    from kg.export.attributes import escape_attribute, escape_text

    el = etree.Element("d", a=text)
    el.text = text
    assert (
        etree.tostring(el, encoding="unicode") == f'<d a="{escape_attribute(text)}">{escape_text(text)}</d>'
    )


# ----------------------------------------------------------------------------- streaming tables


def _reference_tables(G: nx.Graph) -> tuple[str, str]:
    """nodes.csv and edges.csv as the writer made them before it streamed (csv + cell)."""
    from collections.abc import Mapping

    from kg.export.tables import EDGE_COLUMNS, NODE_COLUMNS, cell

    def text(header, rows):
        buf = io.StringIO(newline="")
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        return buf.getvalue()

    header = list(NODE_COLUMNS) + sorted({k for _, d in G.nodes(data=True) for k in d} - set(NODE_COLUMNS))
    nodes = text(header, ([str(n)] + [cell(d.get(c)) for c in header[1:]] for n, d in G.nodes(data=True)))
    extra = sorted(
        {k for *_, d in G.edges(data=True) for k in d} - set(EDGE_COLUMNS) - {"evidence", "doc_ids"}
    )
    eheader = list(EDGE_COLUMNS) + extra + ["evidence", "evidence_url", "evidence_count", "doc_ids"]
    rows = []
    for u, v, d in G.edges(data=True):
        ev = d.get("evidence") or []
        top = ev[0] if ev and isinstance(ev[0], Mapping) else {}
        rows.append(
            [
                str(u),
                str(v),
                cell(G.nodes[u].get("label")),
                cell(G.nodes[v].get("label")),
                cell(d.get("interaction") or "co-occurs"),
            ]
            + [cell(d.get(c)) for c in ("score", "count", "documents", *extra)]
            + [
                cell(top.get("sentence")) if top else (cell(ev[0]) if ev else ""),
                cell(top.get("url")) if top else "",
                len(ev) if isinstance(ev, (list, tuple)) else 0,
                cell(d.get("doc_ids")),
            ]
        )
    return nodes, text(eheader, rows)


def _odd_table_graph() -> nx.Graph:
    np = pytest.importorskip("numpy")
    G = make_graph(60, seed=8, none_values=True)
    G.add_node(
        "n:1", label="=1+1", aliases=["@x", "a|b", "c\\d"], doc_ids={"b", "a"}, extra={"k": 1}, score="+3"
    )
    G.add_node(
        "n:2", label=np.str_("ok"), aliases=("x",), doc_ids=[1, "a"], extra=None, score=np.float64(0.5)
    )
    G.add_edge(
        "n:1",
        "n:2",
        score="high",
        count=np.int64(2),
        documents=None,
        interaction="",
        evidence=[{"sentence": "\tTab first", "url": "=u"}],
        doc_ids=["-a", "+b"],
        note=["x", 1],
    )
    G.add_edge("n:2", PROBE_NODE, score=True, count=1.5, evidence="just text", doc_ids=[], note="@n")
    G.add_edge("n:1", PROBE_NODE, score=float("nan"), evidence=[{}], doc_ids=None)
    return G


@pytest.mark.parametrize(
    "make", [tiny_graph, lambda: make_graph(200, seed=4), _odd_table_graph], ids=["tiny", "synthetic", "odd"]
)
def test_tables_are_byte_for_byte_what_they_were(tmp_path, monkeypatch, make):
    import kg.export.tables

    monkeypatch.setattr(kg.export.tables, "_CSV_CHUNK_ROWS", 3)  # many chunks
    G = make()
    want_nodes, want_edges = _reference_tables(G)
    write_tables(G, tmp_path / "n.csv", tmp_path / "e.csv")
    assert (tmp_path / "n.csv").read_bytes() == want_nodes.encode("utf-8")
    assert (tmp_path / "e.csv").read_bytes() == want_edges.encode("utf-8")
    tn, te, bn, be = io.StringIO(newline=""), io.StringIO(newline=""), io.BytesIO(), io.BytesIO()
    write_tables(G, tn, te)
    write_tables(G, bn, be)
    assert tn.getvalue() == bn.getvalue().decode("utf-8") == want_nodes
    assert te.getvalue() == be.getvalue().decode("utf-8") == want_edges


def test_fast_cell_is_cell():
    from kg.export.tables import cell, fast_cell

    np = pytest.importorskip("numpy")
    values = [
        None,
        "",
        "a",
        "=x",
        "+x",
        "@x",
        "\tx",
        "\rx",
        "-x",
        0,
        1,
        -2.5,
        float("nan"),
        True,
        False,
        [],
        ["a"],
        ["a", "b|c"],
        ["=a", "b"],
        ["a\\b"],
        ["|"],
        [""],
        ["", ""],
        [1, "a"],
        ("a",),
        {"b", "a"},
        frozenset(),
        {"k": "v"},
        [{"k": 1}],
        np.int64(3),
        np.float64(0.5),
        np.str_("=s"),
        np.bool_(True),
    ]
    for value in values:
        assert repr(fast_cell(value)) == repr(cell(value)), value


def test_csv_cells_with_carriage_returns_stay_in_one_row(tmp_path):
    import csv

    import networkx as nx

    from kg.export.files import write_tables

    G = nx.Graph()
    G.add_node("a", label="line\rbreak", type="Gene")
    G.add_node("b", label="\r=1+1", type="Gene")
    G.add_edge("a", "b", score=1.0, count=1, documents=1)
    write_tables(G, tmp_path / "nodes.csv", tmp_path / "edges.csv")
    with open(tmp_path / "nodes.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert len(rows) == 3  # header + two nodes, however a reader treats "\r"
    labels = {r[0]: r[1] for r in rows[1:]}
    assert labels == {"a": "line\nbreak", "b": "'\n=1+1"}
    with open(tmp_path / "edges.csv", newline="", encoding="utf-8") as fh:
        assert len(list(csv.reader(fh))) == 2



def _cell_values():
    from hypothesis import strategies as st

    return st.one_of(
        st.text(alphabet=st.sampled_from(list('ab ,"\n\r\t|\'=é')), max_size=8),
        st.text(max_size=5),
        st.integers(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.booleans(),
        st.none(),
    )


def test_csv_fields_are_what_the_csv_module_writes():
    """kg.export.tables' own quoting gives the csv module's text for any row of cells (QUOTE_MINIMAL, \\n ends)."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from kg.export.tables import csv_field, csv_line

    @settings(max_examples=400, deadline=None)
    @given(st.lists(_cell_values(), min_size=1, max_size=6))
    def check(row):
        buf = io.StringIO(newline="")
        csv.writer(buf, lineterminator="\n").writerow(row)
        assert csv_line([csv_field(v) for v in row]) == buf.getvalue()

    check()


# ----------------------------------------------------------------------------- ids (issue 25)


def test_ids_are_unique_across_nodes_and_edges_and_the_same_in_every_format(tmp_path):
    """Cytoscape.js keeps one element per id: node "e2" once hid edge e2. And "+7" is "+7" everywhere."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from kg.export.cytoscape import graphml_rows
    from kg.export.jsongraph import cyjs_data

    names = st.one_of(st.from_regex(r"(_*edge:|e)[0-9]{1,2}", fullmatch=True), st.text(min_size=1, max_size=4))

    @settings(max_examples=150, deadline=None)
    @given(st.lists(st.tuples(names, names), min_size=1, max_size=25))
    def check(pairs):
        G = nx.Graph()
        G.add_edges_from((a, b) for a, b in pairs if a != b)
        data = cyjs_data(G)
        ids = [el["data"]["id"] for el in data["elements"]["nodes"] + data["elements"]["edges"]]
        assert len(ids) == len(set(ids)) == G.number_of_nodes() + G.number_of_edges()
        assert len(list(graphml_rows(G).nodes())) == G.number_of_nodes()

    check()
    G = _clashing_graph()
    write_graphml(G, tmp_path / "g.graphml")
    write_cyjs(G, tmp_path / "g.cyjs")
    write_gexf(G, tmp_path / "g.gexf")
    write_tables(G, tmp_path / "n.csv", tmp_path / "e.csv")
    cy = json.loads((tmp_path / "g.cyjs").read_text(encoding="utf-8"))["elements"]
    from lxml import etree

    ns = {"g": "http://graphml.graphdrawing.org/xmlns", "x": "http://www.gexf.net/1.2draft"}
    graphml = etree.parse(str(tmp_path / "g.graphml"))
    gexf = etree.parse(str(tmp_path / "g.gexf"))
    csv_ids = [r["id"].removeprefix("'") for r in _rows(tmp_path / "n.csv")]  # "'+7": a cell, not a formula
    want = [str(n) for n in G]
    assert [n["data"]["id"] for n in cy["nodes"]] == want == csv_ids
    assert [el.get("id") for el in graphml.iterfind(".//g:node", ns)] == want
    assert [el.get("id") for el in gexf.iterfind(".//x:node", ns)] == want
    edges = [e["data"]["id"] for e in cy["edges"]]
    assert edges == [el.get("id") for el in graphml.iterfind(".//g:edge", ns)]
    assert edges == [el.get("id") for el in gexf.iterfind(".//x:edge", ns)]
    assert not set(edges) & set(want) and "e2" in want and "+7" in want
