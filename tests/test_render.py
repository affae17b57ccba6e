"""kg.render.page without a browser: escaping, self-containment, legend, banner, sizes, layout,
writers and the notebook view. The page's behaviour in Chromium is in test_browser.py."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re

import networkx as nx
import pytest

from kg.render.layout import layout_positions
from kg.render.notebook import library_script
from kg.render.page import NotebookView, html_string, notebook_view, write_html
from kg.render.select import strongest_edges, strongest_subgraph, without_generic_islands
from kg.schema import type_color

try:
    from tests.graphs import PROBE_NODE, PROBES, make_graph, tiny_graph
except ImportError:  # tests/ is not a package: pytest puts it on sys.path
    from graphs import PROBE_NODE, PROBES, make_graph, tiny_graph

lxml_html = pytest.importorskip("lxml.html")


@pytest.fixture(scope="module")
def probe_graph() -> nx.Graph:
    G = make_graph(60, seed=7)
    # probes in places the template (not only the JSON data) prints
    G.add_node(
        "x:1", label="weird type", type='<img src=x onerror="window.__pwned=1">', mentions=1, documents=1
    )
    G.add_edge("x:1", PROBE_NODE, score=0.3, count=1, documents=1, evidence=[], interaction="co-occurs")
    G.graph["window"] = "</span><script>window.__pwned=1</script>"
    G.graph["score"] = 'npmi"><script>window.__pwned=1</script>'
    return G


@pytest.fixture(scope="module")
def probe_page(probe_graph) -> str:
    return html_string(probe_graph, title="<script>alert(1)</script> & co")


def page_data(page: str) -> dict:
    doc = lxml_html.document_fromstring(page)
    (script,) = doc.xpath('//script[@id="kg-data"]')
    return json.loads(script.text)


# ----------------------------------------------------------------------------- escaping


@pytest.mark.parametrize("probe", [*PROBES, "<script>alert(1)</script>", "</span><script>", 'npmi"><script>'])
def test_no_probe_reaches_the_page_unescaped(probe_page, probe):
    assert probe not in probe_page


def test_probe_survives_as_data(probe_page):
    data = page_data(probe_page)
    labels = {n["id"]: n["label"] for n in data["nodes"]}
    assert labels[PROBE_NODE] == PROBES[0]  # shown as text, unchanged
    probe_node = next(n for n in data["nodes"] if n["id"] == PROBE_NODE)
    assert PROBES[1] in probe_node["aliases"]


def test_title_and_graph_attributes_are_escaped(probe_page):
    doc = lxml_html.document_fromstring(probe_page)
    assert doc.findtext(".//title") == "<script>alert(1)</script> & co"
    assert doc.get_element_by_id("kg-title").text_content() == "<script>alert(1)</script> & co"
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in probe_page
    assert "</span><script>window.__pwned=1</script>" in doc.get_element_by_id("kg-subtitle").text_content()


def test_only_the_three_page_scripts(probe_page):
    doc = lxml_html.document_fromstring(probe_page)
    scripts = doc.xpath("//script")
    assert len(scripts) == 3  # vis-network, the JSON data, kg.js
    assert [s.get("type") for s in scripts] == [None, "application/json", None]
    assert not doc.xpath("//*[@onerror or @onload or @onclick]")
    assert not doc.xpath("//img | //svg | //iframe | //object | //embed")


def test_content_security_policy_allows_only_the_inline_scripts(probe_page):
    doc = lxml_html.document_fromstring(probe_page)
    (meta,) = doc.xpath('//meta[@http-equiv="Content-Security-Policy"]')
    csp = meta.get("content")
    assert "default-src 'none'" in csp
    hashes = set(re.findall(r"'sha256-([^']+)'", csp))
    for script in doc.xpath("//script[not(@type)]"):
        digest = base64.b64encode(hashlib.sha256(script.text.encode("utf-8")).digest()).decode()
        assert digest in hashes
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert "unsafe-eval" not in csp


# ----------------------------------------------------------------------------- self-contained


def test_no_remote_scripts_or_stylesheets(probe_page):
    doc = lxml_html.document_fromstring(probe_page)
    assert not doc.xpath("//script[@src]")
    assert not doc.xpath("//link")
    for el in doc.xpath("//*[@src or @href]"):
        for attr in ("src", "href"):
            assert not re.match(r"\s*(https?:)?//", el.get(attr) or ""), (el.tag, el.get(attr))
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", probe_page, re.I)
    assert "@import" not in probe_page
    assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", probe_page)
    for cdn in ("cdn.jsdelivr.net", "cdnjs.cloudflare.com", "unpkg.com", "bootstrap.min"):
        assert cdn not in probe_page


# ----------------------------------------------------------------------------- legend and data


def test_legend_lists_the_types_present_with_schema_colours(probe_graph, probe_page):
    doc = lxml_html.document_fromstring(probe_page)
    boxes = doc.xpath('//input[@class="kg-type"]')
    types = {d["type"] for _, d in probe_graph.nodes(data=True)}
    assert {b.get("value") for b in boxes} == types
    for li in doc.xpath('//aside[@id="kg-legend"]//li'):
        name = li.xpath('.//span[@class="kg-type-name"]')[0].text_content()
        swatch = li.xpath('.//span[@class="kg-swatch"]')[0].get("style")
        assert swatch == f"background:{type_color(name)}"
    assert page_data(probe_page)["typeColors"] == {t: type_color(t) for t in types}


def test_legend_of_tiny_graph():
    doc = lxml_html.document_fromstring(html_string(tiny_graph()))
    names = [s.text_content() for s in doc.xpath('//span[@class="kg-type-name"]')]
    assert sorted(names) == ["Chemical", "Disease", "Gene or gene product"]


def test_sizes_follow_documents_and_widths_follow_score():
    G = make_graph(80, seed=2, probe=False)
    data = page_data(html_string(G))
    by_docs = sorted(data["nodes"], key=lambda n: n["documents"])
    assert [n["value"] for n in by_docs] == sorted(n["value"] for n in by_docs)
    assert by_docs[0]["value"] < by_docs[-1]["value"]
    by_score = sorted(data["edges"], key=lambda e: e["score"])
    assert [e["width"] for e in by_score] == sorted(e["width"] for e in by_score)
    assert data["scoreMin"] == min(e["score"] for e in data["edges"])


def test_tooltip_data_is_complete():
    G = tiny_graph()
    data = page_data(html_string(G, max_evidence=1))
    stat3 = next(n for n in data["nodes"] if n["id"] == "hgnc:11364")
    for key in ("label", "type", "curie", "url", "mentions", "documents", "aliases"):
        assert stat3[key] == G.nodes["hgnc:11364"][key]
    edge = next(e for e in data["edges"] if {e["from"], e["to"]} == {"hgnc:11364", "Disease:lung cancer"})
    assert edge["nEvidence"] == 2 and len(edge["evidence"]) == 1
    # kg.js makes the PubMed link from the PMID: the page does not carry it twice
    assert edge["evidence"][0]["pmid"] == "1" and "url" not in edge["evidence"][0]
    assert edge["evidence"][0]["sentence"] == G.edges["hgnc:11364", "Disease:lung cancer"]["evidence"][0]["sentence"]


def test_positions_precomputed_and_physics_off():
    data = page_data(html_string(make_graph(50)))
    assert all(isinstance(n["x"], float) and isinstance(n["y"], float) for n in data["nodes"])
    assert data["options"]["physics"]["enabled"] is False
    assert data["physics"] is False


def test_physics_mode_leaves_positions_to_the_browser():
    data = page_data(html_string(make_graph(50), physics=True))
    assert not any("x" in n for n in data["nodes"])
    assert data["options"]["physics"]["enabled"] is True


def test_given_positions_are_used():
    G = tiny_graph()
    pos = {n: (i, -i) for i, n in enumerate(G)}
    data = page_data(html_string(G, positions=pos))
    assert {n["id"]: (n["x"], n["y"]) for n in data["nodes"]} == {
        n: (i * 100.0, -i * 100.0) for n, (i, _) in pos.items()
    }


# ----------------------------------------------------------------------------- big graphs


@pytest.mark.parametrize(
    "n,max_nodes,truncated", [(300, 100, True), (300, 301, False), (300, None, False), (300, 0, False)]
)
def test_max_nodes_banner(n, max_nodes, truncated):
    G = make_graph(n, seed=1)
    total = G.number_of_nodes()
    page = html_string(G, max_nodes=max_nodes)
    doc = lxml_html.document_fromstring(page)
    banner = doc.xpath('//div[@id="kg-banner"]')
    data = page_data(page)
    if truncated:
        text = banner[0].text_content()
        assert f"Showing {max_nodes:,} of {total:,} nodes" in text
        assert "keep" in text
        assert len(data["nodes"]) == max_nodes
        assert data["total"] == {"nodes": total, "edges": G.number_of_edges()}
    else:
        assert not banner
        assert len(data["nodes"]) == total


def test_banner_uses_thousands_separators():
    G = nx.empty_graph(2500)
    page = html_string(G, max_nodes=2000)
    assert "Showing 2,000 of 2,500 nodes" in page


@pytest.mark.parametrize(("rule", "linked", "drawn"), [
    ("grounded-generic", False, False),  # Neoplasms with no edge: not a circle of the page
    ("grounded-generic", True, True),
    ("grounded", False, True),
    ("heads-agree", False, True),
    (None, False, True),
])
def test_page_leaves_out_only_edgeless_generic_concepts(rule, linked, drawn):
    G = nx.Graph()
    G.add_node("a", label="STAT3", type="Gene", documents=3)
    G.add_node("b", label="cisplatin", type="Chemical", documents=3)
    G.add_edge("a", "b", score=1.0, documents=2)
    G.add_node("mesh:D009369", label="Neoplasms", type="Cancer", documents=5,
               **({"concept_rule": rule} if rule else {}))
    if linked:
        G.add_edge("a", "mesh:D009369", score=0.5, documents=1)
    ids = {n["id"] for n in page_data(html_string(G))["nodes"]}
    assert ("mesh:D009369" in ids) is drawn and {"a", "b"} <= ids
    assert ("mesh:D009369" in without_generic_islands(G)) is drawn
    assert without_generic_islands(G).number_of_edges() == G.number_of_edges()


def test_strongest_subgraph_keeps_the_hubs():
    G = make_graph(400, seed=3)
    H = strongest_subgraph(G, 50)
    assert H.number_of_nodes() == 50
    hub = max(G, key=G.degree)
    assert hub in H
    min_kept = min(G.degree(n) for n in H)
    assert all(G.degree(n) <= min_kept for n in set(G) - set(H))
    assert strongest_subgraph(G, None) is G
    assert strongest_subgraph(G, 10_000) is G


def _score(d):
    return d["score"]


@pytest.mark.parametrize("max_edges", [1, 40, 150, 351])
def test_strongest_edges_keeps_each_nodes_best_then_the_strongest(max_edges):
    G = make_graph(120, seed=4)
    assert G.number_of_edges() > max_edges
    H = strongest_edges(G, max_edges)
    assert list(H) == list(G) and H.number_of_edges() == max_edges
    kept = {frozenset(e) for e in H.edges()}
    assert [e for e in G.edges() if frozenset(e) in kept] == list(H.edges())  # G's order
    best = {n: max(G.edges(n, data=True), key=lambda e: _score(e[2])) for n in G if G.degree(n)}
    if max_edges >= len(G):  # room for every node's best edge
        assert all(frozenset(e[:2]) in kept for e in best.values())
        assert all(H.degree(n) for n in best)
    # what is left out scores no higher than the weakest edge kept beyond the nodes' best
    extra = [d["score"] for u, v, d in H.edges(data=True) if all(best[n][:2] not in ((u, v), (v, u)) for n in (u, v))]
    dropped = [d["score"] for u, v, d in G.edges(data=True) if frozenset((u, v)) not in kept]
    if extra and dropped:
        assert max(dropped) <= min(extra)
    u, v = next(iter(H.edges()))
    assert H.edges[u, v]["evidence"] is G.edges[u, v]["evidence"]  # attribute values shared, not copied


def test_strongest_edges_leaves_small_graphs_alone():
    G = make_graph(50, seed=5)
    assert strongest_edges(G, None) is G
    assert strongest_edges(G, 0) is G
    assert strongest_edges(G, G.number_of_edges()) is G
    with pytest.raises(ValueError, match="max_edges"):
        strongest_edges(G, -1)


@pytest.mark.parametrize("max_nodes", [None, 100])
def test_max_edges_banner(max_nodes):
    G = make_graph(300, seed=1)
    page = html_string(G, max_nodes=max_nodes, max_edges=50)
    data = page_data(page)
    assert len(data["edges"]) == 50
    assert data["total"] == {"nodes": G.number_of_nodes(), "edges": G.number_of_edges()}
    text = lxml_html.document_fromstring(page).xpath('//div[@id="kg-banner"]')[0].text_content()
    assert f"of {G.number_of_edges():,} edges" in text and "strongest" in text
    assert "keep the whole graph" in text


def test_negative_max_nodes_is_refused():
    with pytest.raises(ValueError, match="max_nodes"):
        html_string(tiny_graph(), max_nodes=-1)


def test_empty_graph_page():
    page = html_string(nx.Graph())
    doc = lxml_html.document_fromstring(page)
    assert "Nothing to show" in doc.get_element_by_id("kg-empty").text_content()
    assert page_data(page)["nodes"] == []


def test_edgeless_graph_page():
    G = nx.Graph()
    G.add_node("a", label="A", type="Disease", documents=1)
    data = page_data(html_string(G))
    assert len(data["nodes"]) == 1 and data["edges"] == []


# ----------------------------------------------------------------------------- layout


@pytest.mark.parametrize("n", [0, 1, 2, 30, 600])
def test_layout_positions(n):
    G = make_graph(n, seed=n, probe=False) if n > 1 else nx.empty_graph(n)
    pos = layout_positions(G, seed=1)
    assert set(pos) == set(G)
    assert all(len(p) == 2 and all(map(lambda v: v == v, p)) for p in pos.values())  # no NaN
    assert pos == layout_positions(G, seed=1)
    if n > 2:
        assert pos != layout_positions(G, seed=2)
        assert len({(round(x, 6), round(y, 6)) for x, y in pos.values()}) == n  # no exact overlap


def test_layout_with_isolates_and_self_loops():
    G = nx.Graph([(1, 1), (1, 2)])
    G.add_nodes_from(range(3, 10))
    pos = layout_positions(G)
    assert set(pos) == set(G)


# ----------------------------------------------------------------------------- writers


@pytest.mark.parametrize("mode", ["path", "str", "text", "binary"])
def test_write_html_targets(tmp_path, mode):
    G = tiny_graph()
    expected = html_string(G, title="t")
    if mode in ("path", "str"):
        target = tmp_path / "g.html"
        write_html(G, target if mode == "path" else str(target), title="t")
        assert target.read_text(encoding="utf-8") == expected
    elif mode == "text":
        buf = io.StringIO()
        write_html(G, buf, title="t")
        assert buf.getvalue() == expected
    else:
        buf = io.BytesIO()
        write_html(G, buf, title="t")
        assert buf.getvalue().decode("utf-8") == expected


def test_write_html_missing_folder(tmp_path):
    from kg.errors import ExportError

    with pytest.raises(ExportError, match="does not exist"):
        write_html(tiny_graph(), tmp_path / "nope" / "g.html")


def test_notebook_view_is_a_sandboxed_srcdoc_iframe():
    view = notebook_view(tiny_graph(), height=480, library=False)
    assert isinstance(view, NotebookView)
    frame = view._repr_html_()
    assert frame.startswith("<iframe srcdoc=")
    assert "height:480px" in frame
    doc = lxml_html.fragment_fromstring(frame)
    assert doc.tag == "iframe"
    assert doc.get("srcdoc") == view.html
    sandbox = doc.get("sandbox").split()
    assert "allow-scripts" in sandbox and "allow-same-origin" not in sandbox
    assert "<script" not in frame  # the page sits escaped inside the attribute


def test_notebook_sends_vis_network_once_per_kernel():
    from kg.render.assets import asset

    first = notebook_view(tiny_graph(), library=True)._repr_html_()
    assert first.startswith(library_script()) and first.count("<script") == 1
    later = notebook_view(tiny_graph())._repr_html_()  # the library was sent: only the data
    assert "<script" not in later and "__kgVis" not in later
    vis = asset("vis-network.min.js")
    assert vis[:200] not in first and vis[:200] not in later
    # the view's CSP allows the library's text by hash, though the library is not in it
    page = notebook_view(tiny_graph(), library=False).html
    sha = hashlib.sha256(vis.encode()).digest()
    doc = lxml_html.document_fromstring(page)
    (csp,) = doc.xpath('//meta[@http-equiv="Content-Security-Policy"]/@content')
    assert "'sha256-" + base64.b64encode(sha).decode() + "'" in csp
    assert doc.xpath('//meta[@name="kg-vis-sha256"]/@content') == [sha.hex()]
    # the gzip in the script unpacks to the very text
    gz = re.search(r"'([A-Za-z0-9+/=]{1000,})'", library_script()).group(1)
    import gzip

    assert gzip.decompress(base64.b64decode(gz)).decode() == vis


def test_notebook_view_of_50_nodes_is_small():
    G = make_graph(50, seed=1)
    view = notebook_view(G, library=False)
    assert len(view._repr_html_().encode()) < 200_000
    assert len(library_script()) < 250_000  # vis-network (654 kB) as gzip + base64, once


def test_notebook_view_saves_the_standalone_page(tmp_path):
    view = notebook_view(tiny_graph(), title="t")
    view.save(tmp_path / "v.html")
    expected = html_string(tiny_graph(), title="t", max_evidence=1, max_sentence=240)  # what the view shows
    assert (tmp_path / "v.html").read_text(encoding="utf-8") == expected


def test_max_sentence_cuts_evidence_with_an_ellipsis():
    G = tiny_graph()
    edge = next(iter(G.edges(data=True)))[2]
    full = edge["evidence"][0]["sentence"]
    data = page_data(html_string(G, max_sentence=10))
    cut = [ev["sentence"] for e in data["edges"] for ev in e["evidence"]]
    assert all(len(c) <= 10 for c in cut) and any(c.endswith("\u2026") for c in cut)
    assert full[:5] in " ".join(cut)


def test_page_size_stays_reasonable():
    page = html_string(make_graph(500, seed=1))
    assert len(page) < 3_000_000


# ----------------------------------------------------------------------------- big-graph paths


def test_script_json_parts_join_to_the_script_json():
    from kg.render.page import script_json, script_json_parts

    payload = {
        "nodes": [{"id": f"n{i}", "label": "<b>&</b>\u2028" * (i % 3)} for i in range(11)],
        "edges": [{"from": "n0", "to": f"n{i}", "evidence": [{"sentence": "a > b"}]} for i in range(7)],
        "empty": [],
        "options": {"x": [1, 2, 3]},
        "n": 3,
    }
    for batch in (1, 2, 5, 100):
        assert "".join(script_json_parts(payload, batch=batch)) == script_json(payload)
    assert "".join(script_json_parts({})) == script_json({})


def test_strongest_subgraph_is_the_induced_subgraph_in_graph_order():
    G = make_graph(400, seed=3)
    H = strongest_subgraph(G, 50)
    view = G.subgraph(list(H))
    assert list(H) == [n for n in G if n in view]
    assert {frozenset(e) for e in H.edges()} == {frozenset(e) for e in view.edges()}
    u, v = next(iter(H.edges()))
    assert H.edges[u, v]["evidence"] is G.edges[u, v]["evidence"]  # values shared, not copied
    assert H.graph == G.graph
    D = nx.gnp_random_graph(60, 0.2, seed=2, directed=True)
    HD = strongest_subgraph(D, 20)
    assert HD.is_directed() and set(HD.edges()) == set(D.subgraph(list(HD)).edges())


def test_truncated_page_does_not_depend_on_the_hash_seed():
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import hashlib, sys; sys.path.insert(0, 'tests')\n"
        "from graphs import make_graph\n"
        "from kg.render.page import html_string\n"
        "print(hashlib.sha256(html_string(make_graph(300, seed=1), max_nodes=100).encode()).hexdigest())\n"
    )
    root = Path(__file__).resolve().parent.parent
    digests = {
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=root,
            env={**__import__("os").environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(digests) == 1


def test_write_html_streams_in_pieces(monkeypatch):
    import kg.render.page

    G = make_graph(300, seed=2)
    parts: list[str] = []

    class Recorder:  # a text handle that is no io.TextIOBase
        def write(self, data: str) -> None:
            if not isinstance(data, str):
                raise TypeError("write() argument must be str")
            parts.append(data)

    pieces = kg.render.page.script_json_parts
    monkeypatch.setattr(kg.render.page, "script_json_parts", lambda payload: pieces(payload, batch=50))
    write_html(G, Recorder(), title="t")
    page = "".join(parts)
    assert page == html_string(G, title="t")
    start = next(i for i, p in enumerate(parts) if p.endswith('id="kg-data">'))
    end = next(i for i, p in enumerate(parts) if i > start and p.startswith("</script>"))
    assert end - start > 10  # the data came in pieces, never as one string


# ----------------------------------------------------------------------------- the first view of a big graph


def test_communities_are_louvain_seeded_and_cover_the_linked_nodes():
    from kg.render.overview import communities

    G = make_graph(300, seed=4, probe=False)
    first, again = communities(G, seed=0), communities(G, seed=0)
    assert [c.members for c in first] == [c.members for c in again]
    assert len(first) >= 2 and [len(c.members) for c in first] == sorted((len(c.members) for c in first), reverse=True)
    members = [n for c in first for n in c.members]
    assert len(members) == len(set(members))
    assert all(G.degree(n) > 0 for n in members)
    assert all(c.top[0] == G.nodes[c.members[0]]["label"] for c in first)


def test_big_page_opens_by_community_with_centroids_and_groups():
    data = page_data(html_string(make_graph(400, seed=5, probe=False)))
    assert data["colorBy"] == "community"
    comms = data["communities"]
    by_id = {n["id"]: n for n in data["nodes"]}
    for c in comms:
        xs = [by_id[i]["x"] for i in c["nodes"]]
        assert c["x"] == pytest.approx(sum(xs) / len(xs), abs=0.1)
        assert all(by_id[i]["community"] == c["index"] for i in c["nodes"])
    assert f"community {comms[0]['index']}" in data["options"]["groups"]
    small = page_data(html_string(tiny_graph()))
    assert small["colorBy"] == "type"


def test_edgeless_nodes_get_the_smallest_size():
    G = tiny_graph()
    G.add_node("generic", label="patients", type="Organism", documents=10_000, mentions=20_000)
    data = page_data(html_string(G))
    sizes = {n["id"]: n["value"] for n in data["nodes"]}
    assert sizes["generic"] == min(sizes.values()) < max(sizes.values())


def test_index_covers_the_whole_graph_and_stays_bounded():
    G = make_graph(600, seed=6, probe=False)
    data = page_data(html_string(G, max_nodes=100))
    index = data["index"]
    assert len(index["id"]) == G.number_of_nodes() == index["total"]
    assert sum(index["drawn"]) == 100
    i = index["id"].index(max(G, key=G.degree))
    nbrs = [index["id"][j] for j in index["nbr"][i]]
    assert len(nbrs) == 8 and set(nbrs) <= set(G.adj[index["id"][i]])
    assert index["score"][i] == sorted(index["score"][i], reverse=True)
    page = html_string(G, max_nodes=100)
    assert len(page_data(page)["index"]["id"]) == G.number_of_nodes()
    from kg.render.overview import node_index

    assert len(node_index(G, {}, max_nodes=50)["id"]) == 50


def test_node_pmids_from_doc_ids():
    from kg.render.overview import node_pmids

    assert node_pmids({"doc_ids": ["pmid:1", "doi:10.1/x", "pmid:22", "pmid:3"]}, 2) == (["1", "22"], 3)
    assert node_pmids({}, 5) == ([], 0)


def test_slider_minimum_is_the_smallest_score_the_page_carries():
    G = make_graph(120, seed=8, probe=False)
    for i, (_, _, d) in enumerate(G.edges(data=True)):
        d["score"] = 0.123456789 + i * 1e-9  # rounding would put some below an unrounded minimum
    data = page_data(html_string(G))
    assert data["scoreMin"] == min(e["score"] for e in data["edges"])
    assert all(e["score"] >= data["scoreMin"] for e in data["edges"])
