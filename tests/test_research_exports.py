"""Files researchers take elsewhere (issue 25): evidence.csv and mentions.csv (and Parquet),
KGX checked against the Biolink model of the biolink-model package (offline), Neo4j
admin-import CSVs (headers and quoting), the Cytoscape style."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.export.files import export
from kg.schema import TYPE_NAMES, type_color

try:
    from tests.graphs import make_graph
except ImportError:  # tests/ is not a package: pytest puts it on sys.path
    from graphs import make_graph


def _rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _tsv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


# ----------------------------------------------------------------------------- evidence and mentions


def test_evidence_table_has_every_kept_sentence_and_joins_the_other_files(seeds_graph):
    g, out = seeds_graph
    rows = _rows(out / "evidence.csv")
    want = sum(len(d.get("evidence") or []) for *_, d in g.graph.edges(data=True))
    assert len(rows) == want > 0
    cy = json.loads((out / "graph.cyjs").read_text(encoding="utf-8"))["elements"]["edges"]
    ends = {e["data"]["id"]: {e["data"]["source"], e["data"]["target"]} for e in cy}
    for r in rows:
        assert {r["source"], r["target"]} == ends[r["edge_id"]]  # the edge id of the other files
        assert r["sentence"] and r["doc_id"]
        if not r["doc_id"].startswith("text:"):  # a plain text file has no PMID, DOI or link
            assert r["url"].startswith("http") and (r["pmid"] or r["doi"])
    tops = {(r["edge_id"]): r["sentence"] for r in rows if r["rank"] == "1"}
    edges = {frozenset((e["source"], e["target"])): e for e in _rows(out / "edges.csv")}
    for eid, sentence in tops.items():
        assert edges[frozenset(ends[eid])]["evidence"] == sentence  # rank 1 is what edges.csv shows
    df = g.evidence_df()
    assert list(df.columns) == list(rows[0]) and len(df) == len(rows)


def test_mentions_table_grounds_every_mention_to_a_node(seeds_graph):
    g, out = seeds_graph
    rows = _rows(out / "mentions.csv")
    assert len(rows) == g.stats.mentions > 0
    nodes = {n: d for n, d in g.graph.nodes(data=True)}
    for r in rows:
        assert r["concept_id"] in nodes and r["concept_label"] == nodes[r["concept_id"]]["label"]
        assert int(r["end"]) - int(r["start"]) == len(r["text"].removeprefix("'")) > 0
        assert r["ner_type"] in set(TYPE_NAMES.values()) and int(r["sentence"]) >= 0
    per_node = {}
    for r in rows:
        per_node[r["concept_id"]] = per_node.get(r["concept_id"], 0) + 1
    assert per_node == {n: d["mentions"] for n, d in nodes.items()}
    df = g.mentions_df()
    assert len(df) == len(rows) and df["start"].dtype.kind == "i"


def test_tables_are_also_parquet(seeds_graph):
    pytest.importorskip("pyarrow")
    import pandas as pd

    g, out = seeds_graph
    for name, frame in (("evidence", g.evidence_df()), ("mentions", g.mentions_df())):
        back = pd.read_parquet(out / f"{name}.parquet")
        pd.testing.assert_frame_equal(back, frame)


def test_table_cells_are_neutralised(tmp_path):
    from kg.export.evidence_tables import write_evidence_table

    G = nx.Graph()
    G.add_node("-1", label="=cmd", type="Chemical")
    G.add_node("b", label="b", type="Chemical")
    G.add_edge("-1", "b", evidence=[{"doc_id": "pmid:1", "sentence": "+SUM(1)", "pmid": "1", "doi": "", "url": ""}])
    write_evidence_table(G, tmp_path / "e.csv")
    (row,) = _rows(tmp_path / "e.csv")
    assert row["source"] == "'-1" and row["source_label"] == "'=cmd" and row["sentence"] == "'+SUM(1)"


_TRICKY = st.text(alphabet=st.sampled_from(list('ab ,"\n\r\t=+-@|\'é\u2028')), max_size=8)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(_TRICKY, st.integers(-10**12, 10**12), _TRICKY, st.one_of(st.none(), _TRICKY)),
                     min_size=0, max_size=12))
def test_frame_csv_is_the_csv_module_writing_neutralised_cells(rows):
    """The column-at-a-time writer (pyarrow string kernels) gives the bytes of the csv module writing
    :func:`kg.export.tables.cell` of every cell as pandas gives them: quoting, doubled quotes, formulas,
    line breaks, a column with missing values (written cell by cell), arrow-backed text columns."""
    import io

    import pandas as pd

    from kg.export.evidence_tables import write_frame_csv
    from kg.export.tables import cell

    frame = pd.DataFrame(rows, columns=["text", "number", "more", "gaps"]).astype({"number": "int64"})
    frame["gaps"] = pd.Series([r[3] for r in rows], dtype=object)  # None kept: that column goes cell by cell
    want = io.StringIO(newline="")
    writer = csv.writer(want, lineterminator="\n")
    writer.writerow(frame.columns)
    writer.writerows([cell(v.item() if hasattr(v, "item") else v) for v in row]
                     for row in frame.itertuples(index=False, name=None))
    got = io.BytesIO()
    write_frame_csv(frame, got)
    assert got.getvalue().decode("utf-8") == want.getvalue()
    arrow = io.BytesIO()
    write_frame_csv(frame.astype({"text": "string[pyarrow]", "more": "str"}), arrow)
    assert arrow.getvalue() == got.getvalue()


def test_evidence_table_from_its_frame_is_the_same_file(seeds_graph, tmp_path):
    """evidence.csv written from :func:`evidence_frame` (the build shares one frame with Parquet and
    kg.duckdb) is byte for byte the file written from the graph; the build's file is that too."""
    from kg.export.evidence_tables import evidence_frame, write_evidence_table

    g, out = seeds_graph
    write_evidence_table(g.graph, tmp_path / "from-graph.csv")
    write_evidence_table(evidence_frame(g.graph), tmp_path / "from-frame.csv")
    data = (tmp_path / "from-graph.csv").read_bytes()
    assert data.count(b"\n") > 10
    assert (tmp_path / "from-frame.csv").read_bytes() == data == (out / "evidence.csv").read_bytes()


# ----------------------------------------------------------------------------- KGX against Biolink


@pytest.fixture(scope="module")
def biolink():
    pytest.importorskip("biolink_model")
    import importlib.resources

    import yaml

    root = importlib.resources.files("biolink_model")
    model = yaml.load((root / "schema" / "biolink_model.yaml").read_text(encoding="utf-8"),
                      Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    prefixes = json.loads((root / "prefixmaps" / "biolink_model_prefix_map.json").read_text(encoding="utf-8"))
    return model, prefixes


def _element(name: str) -> str:
    """``biolink:ChemicalEntity`` -> ``chemical entity``; ``biolink:occurs_together...`` -> words."""
    return re.sub(r"(?<!^)(?=[A-Z][a-z])|_", " ", name.removeprefix("biolink:")).lower()


def _slot(column: str) -> str:
    return column.replace("_", " ")


def test_kgx_categories_predicates_and_columns_are_biolink(biolink, tmp_path):
    from kg.export.kgx import (
        AGENT_TYPE,
        CATEGORIES,
        EDGE_COLUMNS,
        KNOWLEDGE_LEVEL,
        NODE_COLUMNS,
        PREDICATE,
        PREFIXES,
    )

    model, prefixes = biolink
    classes = {c.lower(): d or {} for c, d in model["classes"].items()}
    for kg_type in set(TYPE_NAMES.values()):
        category = CATEGORIES[kg_type]
        cls = classes.get(_element(category))
        assert cls is not None, f"{kg_type} -> {category} is not a Biolink class"
        assert not cls.get("mixin") and not cls.get("abstract"), category
    predicate = model["slots"][_slot(PREDICATE.removeprefix("biolink:"))]
    assert predicate.get("symmetric") is True  # co-occurrence has no direction
    assert KNOWLEDGE_LEVEL in model["enums"]["KnowledgeLevelEnum"]["permissible_values"]
    assert AGENT_TYPE in model["enums"]["AgentTypeEnum"]["permissible_values"]
    kg_own = {"kg_id", "kg_type", "mentions", "documents"}
    for column in (*NODE_COLUMNS, *EDGE_COLUMNS):
        assert column in kg_own or _slot(column) in model["slots"], f"{column} is not a Biolink slot"
    assert set(PREFIXES.values()) <= set(prefixes)

    G = make_graph(60, seed=3)
    G.add_node("+7 ab", label="+7", type="Chemical", mentions=1, documents=1, curie="", aliases=["+7"])
    G.add_edge("+7 ab", next(iter(G)), score=0.5, count=1, documents=1, doc_ids=["pmid:9", "doi:10.1/x", "text:ab"])
    written = export(G, tmp_path / "kgx", format="kgx")
    assert [p.name for p in written] == ["graph_nodes.tsv", "graph_edges.tsv"]
    nodes, edges = _tsv(written[0]), _tsv(written[1])
    assert list(nodes[0])[: len(NODE_COLUMNS)] == list(NODE_COLUMNS)
    assert list(edges[0])[: len(EDGE_COLUMNS)] == list(EDGE_COLUMNS)
    assert len(nodes) == G.number_of_nodes() and len(edges) == G.number_of_edges()
    ids = {r["id"] for r in nodes}
    assert len(ids) == len(nodes)
    for r in nodes:
        prefix = r["id"].split(":", 1)[0]
        assert prefix in prefixes or prefix == "KG"
        assert _element(r["category"]) in classes
        assert r["kg_id"] in G
    for r in edges:
        assert r["subject"] in ids and r["object"] in ids and r["predicate"] == PREDICATE
        assert all(p.split(":", 1)[0] in prefixes for p in r["publications"].split("|") if p)
    odd = next(r for r in edges if "PMID:9" in r["publications"])
    assert odd["publications"] == "PMID:9|doi:10.1/x" and odd["evidence_count"] == "3"
    assert next(r for r in nodes if r["kg_id"] == "+7 ab")["id"] == "KG:%2B7%20ab"
    assert export(G, tmp_path / "x.tsv", format="kgx") == [tmp_path / "x_nodes.tsv", tmp_path / "x_edges.tsv"]


def test_build_writes_kgx(seeds_graph):
    g, out = seeds_graph
    nodes, edges = _tsv(out / "graph_nodes.tsv"), _tsv(out / "graph_edges.tsv")
    assert len(nodes) == g.graph.number_of_nodes() and len(edges) == g.graph.number_of_edges()
    assert "HGNC" in {r["id"].split(":")[0] for r in nodes}  # grounded nodes keep their CURIE (KG: only when unlinked)


# ----------------------------------------------------------------------------- Neo4j


def test_neo4j_headers_and_quoting(tmp_path):
    from kg.export.neo4j import ARRAY_DELIMITER, IMPORT_COMMAND, NODE_HEADER

    G = nx.Graph()
    G.add_node("hgnc:1", label='A "quoted", name', type="Gene or gene product", mentions=2, documents=1,
               aliases=["a;b", "c"], doc_ids=["pmid:1", "pmid:2"], curie="hgnc:1", url="u")
    G.add_node("x", label="line\nbreak", type="", mentions=1, documents=1, aliases=[], doc_ids=[])
    G.add_edge("hgnc:1", "x", score=0.5, count=2, documents=1, npmi=float("nan"), interaction="co-occurs",
               evidence=[{"doc_id": "pmid:1", "sentence": 'He said "yes",\r\nthen', "url": "https://x"}],
               doc_ids=["pmid:1"])
    written = export(G, tmp_path / "neo", format="neo4j")
    with open(written[0], encoding="utf-8", newline="") as fh:
        header, *nodes = list(csv.reader(fh))
    assert tuple(header) == NODE_HEADER
    assert len(nodes) == 2 and all(len(r) == len(header) for r in nodes)
    a = dict(zip(header, nodes[0], strict=True))
    assert a["id:ID"] == "hgnc:1" and a[":LABEL"] == "Concept;GeneOrGeneProduct"
    assert a["name"] == 'A "quoted", name' and a["mentions:long"] == "2"
    assert a["aliases:string[]"].split(ARRAY_DELIMITER) == ["a,b", "c"]  # no escape for ';' in neo4j-admin
    x = dict(zip(header, nodes[1], strict=True))
    assert x[":LABEL"] == "Concept;Entity" and x["name"] == "line break" and x["aliases:string[]"] == ""
    with open(written[1], encoding="utf-8", newline="") as fh:
        rheader, *rels = list(csv.reader(fh))
    assert rheader[:3] == [":START_ID", ":END_ID", ":TYPE"]
    for column in rheader[3:]:
        assert re.fullmatch(r"[a-z_]+(:(long|double|string\[\]))?", column), column
    r = dict(zip(rheader, rels[0], strict=True))
    assert r[":TYPE"] == "CO_OCCURS" and r["score:double"] == "0.5" and r["count:long"] == "2"
    assert r["npmi:double"] == "" and r["evidence"] == 'He said "yes", then' and r["evidence_count:long"] == "1"
    assert "\r" not in written[1].read_text(encoding="utf-8")
    assert IMPORT_COMMAND.startswith("bin/neo4j-admin database import full neo4j ")  # 5.19+: database first
    assert f"--nodes=import/{written[0].name}" in IMPORT_COMMAND
    assert f"--relationships=import/{written[1].name}" in IMPORT_COMMAND
    assert f"--array-delimiter='{ARRAY_DELIMITER}'" in IMPORT_COMMAND


def test_build_writes_neo4j(seeds_graph):
    g, out = seeds_graph
    with open(out / "neo4j_relationships.csv", encoding="utf-8", newline="") as fh:
        rels = list(csv.DictReader(fh))
    with open(out / "neo4j_nodes.csv", encoding="utf-8", newline="") as fh:
        ids = {r["id:ID"] for r in csv.DictReader(fh)}
    assert len(rels) == g.graph.number_of_edges() and ids == set(g.graph)
    assert all(r[":START_ID"] in ids and r[":END_ID"] in ids for r in rels)


# ----------------------------------------------------------------------------- Cytoscape style


def test_styles_xml_colours_types_as_the_page(seeds_graph):
    from lxml import etree

    g, out = seeds_graph
    root = etree.parse(str(out / "styles.xml")).getroot()
    assert root.tag == "vizmap" and root.find("visualStyle").get("name") == "kg"
    fill = root.find(".//node/visualProperty[@name='NODE_FILL_COLOR']/discreteMapping")
    assert fill.get("attributeName") == "type"
    got = {e.get("attributeValue"): e.get("value") for e in fill.iter("discreteMappingEntry")}
    assert got == {t: type_color(t) for t in {d["type"] for _, d in g.graph.nodes(data=True)}}
    graphml = (out / "graph.graphml").read_text(encoding="utf-8")
    for column in ("documents", "score", "label", "kg_id", "evidence"):  # what the style maps exists
        assert f'attr.name="{column}"' in graphml


# ----------------------------------------------------------------------------- filter


def test_filter_returns_a_graph_that_keeps_what_was_asked(seeds_graph):
    from kg.errors import KgError

    g, _ = seeds_graph
    genes = g.filter(types=["Gene or gene product"])
    assert genes.graph.number_of_nodes() > 0
    assert {d["type"] for _, d in genes.graph.nodes(data=True)} == {"Gene or gene product"}
    assert set(genes.mentions_df()["concept_id"]) <= set(genes.graph)
    scores = sorted(d["score"] for *_, d in g.graph.edges(data=True))
    cut = scores[len(scores) // 2]
    strong = g.filter(min_score=cut, min_documents=1, relation="co-occurs")
    assert 0 < strong.graph.number_of_edges() < g.graph.number_of_edges()
    assert all(d["score"] >= cut for *_, d in strong.graph.edges(data=True))
    assert all(strong.graph.degree(n) > 0 for n in strong.graph)
    assert g.filter(relation="inhibits").graph.number_of_edges() == 0
    with pytest.raises(KgError, match="match no node"):
        g.filter(types=["Spaceship"])
    sub = g.subgraph("STAT3")
    assert set(sub.mentions_df()["concept_id"]) == set(sub.graph)  # every node kept has mentions


# ----------------------------------------------------------------------------- load


@pytest.mark.parametrize("graph_file", ["graph.json", "graph.graphml"])
def test_load_reopens_an_output_folder_with_evidence_and_mentions(seeds_graph, tmp_path, graph_file):
    import shutil

    import kg

    g, out = seeds_graph
    folder = tmp_path / "out"
    folder.mkdir()
    keep = {graph_file, "evidence.csv", "mentions.csv", "summary.json"}
    for f in out.iterdir():
        if f.name in keep:
            shutil.copy(f, folder / f.name)
    back = kg.load(folder)
    assert set(back.graph) == set(g.graph) and back.graph.number_of_edges() == g.graph.number_of_edges()
    for u, v, d in g.graph.edges(data=True):  # every sentence, even from a GraphML that kept the top one
        assert back.graph.edges[u, v]["evidence"] == d["evidence"]
    assert back.stats.documents == g.stats.documents and back.stats.mentions == g.stats.mentions
    import pandas as pd

    pd.testing.assert_frame_equal(back.mentions_df().astype(str), g.mentions_df().astype(str))
    assert back.neighbors("STAT3").shape[0] == g.neighbors("STAT3").shape[0]
    with pytest.raises(kg.KgError, match="no graph file"):
        kg.load(tmp_path)
