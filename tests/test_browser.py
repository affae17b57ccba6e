"""The page in headless Chromium, opened from disk with every non-file request blocked.

Needs Debian's Chromium (/usr/bin/chromium) and the playwright Python package (no
playwright-managed browser download); skipped with a reason when either is missing.
Run only these with ``pytest -m browser``.

The page's Content-Security-Policy forbids eval, so ``wait_for_function`` is always given
an arrow function (Playwright evals plain expression strings inside the page).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import networkx as nx
import pytest

from kg.render.page import notebook_view, write_html

try:
    from tests import graphs
except ImportError:  # tests/ is not a package: pytest puts it on sys.path
    import graphs
CHROMIUM_ARGS, PROBE_NODE, PROBES = graphs.CHROMIUM_ARGS, graphs.PROBE_NODE, graphs.PROBES
make_graph, tiny_graph = graphs.make_graph, graphs.tiny_graph

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("KG_CHROMIUM", "/usr/bin/chromium")
LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:")

if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install playwright)"
)


@pytest.fixture(scope="module")
def browser_context():
    profile = tempfile.mkdtemp(prefix="kg-chromium-")
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 800},
        )
        try:
            yield context
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


class Opened:
    """A page opened from a file, with what it logged and what it tried to fetch."""

    def __init__(self, page, errors: list[str], blocked: list[str]) -> None:
        self.page, self.errors, self.blocked = page, errors, blocked

    def js(self, expression: str):
        return self.page.evaluate(expression)


@pytest.fixture
def open_file(browser_context):
    pages = []

    def _open(path: Path, *, wait_ready: bool = True) -> Opened:
        page = browser_context.new_page()
        pages.append(page)
        errors: list[str] = []
        blocked: list[str] = []
        page.on(
            "console", lambda m: errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None
        )
        page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))

        def route(r):
            if r.request.url.startswith(LOCAL_SCHEMES):
                r.continue_()
            else:
                blocked.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.goto(Path(path).resolve().as_uri())
        if wait_ready:
            page.wait_for_function("() => window.kg && window.kg.ready === true", timeout=60_000)
        return Opened(page, errors, blocked)

    yield _open
    for page in pages:
        page.close()


def _write(tmp_path: Path, G: nx.Graph, name: str = "g.html", **kw) -> Path:
    path = tmp_path / name
    write_html(G, path, **kw)
    return path


def test_request_guard_sees_remote_requests(tmp_path, open_file):
    """The harness itself: a page that asks for a remote image is caught."""
    path = tmp_path / "remote.html"
    path.write_text('<html><body><img src="https://kg.invalid/x.png"></body></html>', encoding="utf-8")
    opened = open_file(path, wait_ready=False)
    opened.page.wait_for_load_state("load")
    assert opened.blocked == ["https://kg.invalid/x.png"]


@pytest.mark.parametrize(
    "make",
    [tiny_graph, lambda: make_graph(300, seed=11)],
    ids=["tiny", "synthetic300"],
)
def test_page_draws_offline_without_errors(tmp_path, open_file, make):
    G = make()
    opened = open_file(_write(tmp_path, G))
    assert opened.errors == []
    assert opened.blocked == []
    assert opened.js("kg.drawnCounts()") == {"nodes": G.number_of_nodes(), "edges": G.number_of_edges()}
    assert opened.js("kgNetwork.body.data.nodes.length") == G.number_of_nodes()
    assert opened.js("typeof window.__pwned") == "undefined"
    legend = opened.page.locator("input.kg-type")
    assert legend.count() == len({d["type"] for _, d in G.nodes(data=True)})


def test_search_focuses_and_selects_a_node(tmp_path, open_file):
    G = make_graph(120, seed=12)
    opened = open_file(_write(tmp_path, G))
    target = sorted(n for n in G if n != PROBE_NODE)[7]
    label = G.nodes[target]["label"]
    opened.page.locator("#kg-search").click()
    opened.page.keyboard.type(label)
    opened.page.wait_for_function(f"() => kgNetwork.getSelectedNodes()[0] === {target!r}", timeout=5_000)
    assert opened.js("kgNetwork.getSelectedNodes()") == [target]
    tooltip = opened.page.locator("#kg-tooltip")
    tooltip.wait_for(state="visible", timeout=5_000)
    assert label in tooltip.inner_text()
    # suggestions come from labels and aliases
    assert opened.js(
        f"Array.from(document.querySelectorAll('#kg-names option')).some(o => o.value === {label!r})"
    )
    # an alias, typed in another case, then Enter
    alias = next(
        a for n, d in G.nodes(data=True) for a in d["aliases"] if a != d["label"] and n != PROBE_NODE
    )
    owner = next(n for n, d in G.nodes(data=True) if alias in d["aliases"])
    opened.page.locator("#kg-search").fill(alias.upper())
    opened.page.keyboard.press("Enter")
    opened.page.wait_for_function(f"() => kgNetwork.getSelectedNodes()[0] === {owner!r}", timeout=5_000)
    assert opened.errors == [] and opened.blocked == []


def test_type_filter_and_min_score(tmp_path, open_file):
    G = make_graph(200, seed=13, probe=False)
    opened = open_file(_write(tmp_path, G))
    hide = "Gene or gene product"
    keep = [n for n, d in G.nodes(data=True) if d["type"] != hide]
    opened.page.locator(f'input.kg-type[value="{hide}"]').uncheck()
    assert opened.js("kg.drawnCounts()") == {"nodes": len(keep), "edges": G.subgraph(keep).number_of_edges()}
    assert f"{len(keep):,} nodes" in opened.page.locator("#kg-status").inner_text()
    opened.page.locator(f'input.kg-type[value="{hide}"]').check()
    threshold = 0.5
    opened.page.locator("#kg-score-num").fill(str(threshold))
    expected = sum(1 for *_, d in G.edges(data=True) if d["score"] >= threshold)
    opened.page.wait_for_function(f"() => kg.drawnCounts().edges === {expected}", timeout=5_000)
    assert opened.js("Number(document.getElementById('kg-score-range').value)") == pytest.approx(
        threshold, abs=0.01
    )
    assert opened.errors == [] and opened.blocked == []


def test_year_range_hides_edges_without_documents_in_the_range(tmp_path, open_file):
    G = make_graph(120, seed=21, probe=False)
    for i, (_, _, d) in enumerate(G.edges(data=True)):
        if i % 7:  # every seventh edge has no years: always shown
            d["first_year"], d["last_year"] = 2000 + i % 10, 2000 + i % 10 + i % 3
    opened = open_file(_write(tmp_path, G, max_edges=None, max_nodes=None))
    assert opened.js("document.getElementById('kg-year-from').value") == "2000"
    opened.page.locator("#kg-year-from").fill("2005")
    opened.page.locator("#kg-year-to").fill("2006")
    expected = sum(1 for *_, d in G.edges(data=True)
                   if "first_year" not in d or (d["first_year"] <= 2006 and d["last_year"] >= 2005))
    assert expected < G.number_of_edges()
    opened.page.wait_for_function(f"() => kg.drawnCounts().edges === {expected}", timeout=5_000)
    assert opened.errors == [] and opened.blocked == []


def test_a_graph_without_years_has_no_year_control(tmp_path, open_file):
    opened = open_file(_write(tmp_path, make_graph(30, seed=22, probe=False)))
    assert opened.js("document.getElementById('kg-year-from')") is None
    assert opened.errors == []


def test_injection_probe_never_runs(tmp_path, open_file):
    G = make_graph(40, seed=14)
    G.graph["window"] = '<img src=x onerror="window.__pwned=1">'
    opened = open_file(_write(tmp_path, G, title="<script>window.__pwned=1</script>"))
    page = opened.page
    # show every place data reaches the DOM: node and edge tooltips, search suggestions
    assert opened.js(f"kg.showDetails('node', {PROBE_NODE!r})")
    node_text = page.locator("#kg-tooltip").inner_text()
    assert PROBES[0] in node_text and PROBES[1] in node_text
    edge_id = opened.js(
        f"kg.edges.get({{filter: e => e.from === {PROBE_NODE!r} || e.to === {PROBE_NODE!r}}})[0].id"
    )
    assert opened.js(f"kg.showDetails('edge', {edge_id!r})")
    assert PROBES[1] in page.locator("#kg-tooltip").inner_text()
    hrefs = opened.js("Array.from(document.querySelectorAll('#kg-tooltip a')).map(a => a.href)")
    assert hrefs and all(h.startswith("https://") for h in hrefs)
    page.locator("#kg-search").fill(PROBES[0])
    page.wait_for_function(f"() => kgNetwork.getSelectedNodes()[0] === {PROBE_NODE!r}", timeout=5_000)
    page.wait_for_timeout(300)
    assert opened.js("typeof window.__pwned") == "undefined"
    assert opened.js("document.querySelectorAll('img, svg, iframe').length") == 0
    assert page.title() == "<script>window.__pwned=1</script>"
    assert opened.errors == [] and opened.blocked == []


def test_max_nodes_banner_and_drawn_counts(tmp_path, open_file):
    G = make_graph(600, seed=15)
    opened = open_file(_write(tmp_path, G, max_nodes=250))
    banner = opened.page.locator("#kg-banner")
    assert banner.is_visible()
    assert f"Showing 250 of {G.number_of_nodes():,} nodes" in banner.inner_text()
    drawn = opened.js("kg.drawnCounts()")
    assert drawn["nodes"] == 250 and 0 < drawn["edges"] < G.number_of_edges()
    assert opened.errors == [] and opened.blocked == []


def test_empty_graph_page(tmp_path, open_file):
    opened = open_file(_write(tmp_path, nx.Graph(name="empty")))
    assert opened.page.locator("#kg-empty").is_visible()
    assert "Nothing to show" in opened.page.locator("#kg-empty").inner_text()
    assert opened.js("kg.drawnCounts()") == {"nodes": 0, "edges": 0}
    assert opened.errors == [] and opened.blocked == []


def test_physics_mode_stabilises_then_stops(tmp_path, open_file):
    G = make_graph(60, seed=16)
    opened = open_file(_write(tmp_path, G, physics=True))
    assert opened.js("kgNetwork.physics.options.enabled") is False
    assert opened.js("kg.drawnCounts().nodes") == G.number_of_nodes()
    assert opened.errors == [] and opened.blocked == []


def test_notebook_views_share_one_copy_of_vis_network(tmp_path, open_file):
    """Two outputs as a notebook shows them: the first brings vis-network, the second only its data."""
    first = notebook_view(tiny_graph(), height=300, library=True)._repr_html_()
    second = notebook_view(make_graph(30, seed=3, probe=False), height=300, library=False)._repr_html_()
    path = tmp_path / "notebook.html"
    path.write_text(f"<!DOCTYPE html><html><body><div>{first}</div><div>{second}</div></body></html>",
                    encoding="utf-8")
    opened = open_file(path, wait_ready=False)
    frames = opened.page.frames[1:]
    assert len(frames) == 2
    for frame in frames:
        frame.wait_for_function("() => window.kg && window.kg.ready === true", timeout=30_000)
    assert frames[0].evaluate("kg.drawnCounts()") == {"nodes": 3, "edges": 2}
    assert frames[1].evaluate("kg.drawnCounts().nodes") == 30
    assert opened.errors == [] and opened.blocked == []


def test_notebook_view_without_the_library_says_how_to_get_it(tmp_path, open_file):
    view = notebook_view(tiny_graph(), height=300, library=False)
    path = tmp_path / "alone.html"
    path.write_text(f"<!DOCTYPE html><html><body>{view._repr_html_()}</body></html>", encoding="utf-8")
    opened = open_file(path, wait_ready=False)
    frame = opened.page.frames[1]
    frame.wait_for_function("() => document.getElementById('kg-empty') !== null", timeout=30_000)
    assert "library=True" in frame.evaluate("document.getElementById('kg-empty').textContent")


def test_tooltip_after_search_is_inside_the_viewport_beside_the_node(tmp_path, open_file):
    G = make_graph(300, seed=21, probe=False)
    opened = open_file(_write(tmp_path, G))
    for target in sorted(G)[:: max(1, len(G) // 6)]:
        assert opened.js(f"kg.search({G.nodes[target]['label']!r})") is not None
        opened.page.wait_for_function(f"() => kgNetwork.getSelectedNodes()[0] === {target!r}", timeout=5_000)
        tip = opened.page.locator("#kg-tooltip")
        tip.wait_for(state="visible", timeout=5_000)
        box = tip.bounding_box()
        node = opened.js(
            f"(() => {{ const p = kgNetwork.canvasToDOM(kgNetwork.getPosition({target!r}));"
            " const r = document.getElementById('kg-canvas').getBoundingClientRect();"
            " return {x: p.x + r.left, y: p.y + r.top}; })()"
        )
        assert 0 <= box["x"] and box["x"] + box["width"] <= 1280 and 0 <= box["y"] and box["y"] + box["height"] <= 800
        assert abs(box["x"] - node["x"]) < box["width"] + 40 and abs(box["y"] - node["y"]) < box["height"] + 40
    assert opened.errors == []


def test_hover_tooltip_hides_when_the_pointer_leaves_the_canvas(tmp_path, open_file):
    G = tiny_graph()
    opened = open_file(_write(tmp_path, G))
    node = next(iter(G))
    pos = opened.js(
        f"(() => {{ const p = kgNetwork.canvasToDOM(kgNetwork.getPosition({node!r}));"
        " const r = document.getElementById('kg-canvas').getBoundingClientRect();"
        " return {x: p.x + r.left, y: p.y + r.top}; })()"
    )
    opened.page.mouse.move(pos["x"], pos["y"])
    tip = opened.page.locator("#kg-tooltip")
    tip.wait_for(state="visible", timeout=5_000)
    opened.page.mouse.move(2, 2)  # the page's corner, outside the canvas
    tip.wait_for(state="hidden", timeout=5_000)


def test_a_search_that_finds_clears_the_no_match_status(tmp_path, open_file):
    G = make_graph(60, seed=22, probe=False)
    opened = open_file(_write(tmp_path, G))
    box = opened.page.locator("#kg-search")
    box.fill("zzz-no-such-node")
    box.press("Enter")
    assert "no node matches" in opened.page.locator("#kg-status").inner_text()
    box.fill(G.nodes[sorted(G)[3]]["label"])
    box.press("Enter")
    opened.page.wait_for_function(f"() => kgNetwork.getSelectedNodes()[0] === {sorted(G)[3]!r}", timeout=5_000)
    assert "no node matches" not in opened.page.locator("#kg-status").inner_text()


def test_search_finds_and_expand_adds_nodes_the_page_does_not_draw(tmp_path, open_file):
    G = make_graph(400, seed=23, probe=False)
    opened = open_file(_write(tmp_path, G, max_nodes=150))
    drawn = set(opened.js("kg.nodes.getIds()"))
    assert len(drawn) == 150
    hidden = next(n for n in sorted(G, key=G.degree, reverse=True) if n not in drawn and G.degree(n) > 0)
    label = G.nodes[hidden]["label"]
    box = opened.page.locator("#kg-search")
    box.fill(label.upper())
    box.press("Enter")
    opened.page.wait_for_function(f"() => kgNetwork.getSelectedNodes()[0] === {hidden!r}", timeout=5_000)
    assert opened.js(f"kg.nodes.get({hidden!r}).added") is True
    assert "no node matches" not in opened.page.locator("#kg-status").inner_text()
    # "show neighbours of X": its strongest neighbours of the whole graph join the view, with edges
    before = opened.js("kg.drawnCounts()")
    added = opened.js(f"kg.expand({hidden!r})")
    after = opened.js("kg.drawnCounts()")
    assert added > 0 and after["nodes"] == before["nodes"] + added and after["edges"] > before["edges"]
    shown = set(opened.js(f"kgNetwork.getConnectedNodes({hidden!r})"))
    strongest = max(G.adj[hidden], key=lambda v: G.edges[hidden, v]["score"])
    assert strongest in shown
    assert opened.js(f"kg.expand({hidden!r})") == 0  # nothing more to add
    assert opened.errors == [] and opened.blocked == []


def test_community_overview_colours_lists_and_opens_groups(tmp_path, open_file):
    G = make_graph(400, seed=24, probe=False)
    opened = open_file(_write(tmp_path, G))
    assert opened.js("kg.colorBy()") == "community"  # a graph this big opens by community
    entries = opened.page.locator("#kg-communities button.kg-community")
    assert entries.count() >= 2
    first = opened.js("kg.data.communities[0]")
    assert entries.first.inner_text().startswith(first["top"][0])
    groups = opened.js(f"kg.nodes.get({first['nodes'][:5]!r}).map(n => n.group)")
    assert groups == ["community 0"] * 5
    scale = opened.js("kgNetwork.getScale()")
    entries.first.click()
    opened.page.wait_for_function(f"() => kgNetwork.getScale() > {scale}", timeout=5_000)
    assert sorted(opened.js("kgNetwork.getSelectedNodes()")) == sorted(first["nodes"])
    assert "community 1" in opened.page.locator("#kg-status").inner_text()
    opened.page.locator('input[name="kg-color-by"][value="type"]').check()
    node = first["nodes"][0]
    assert opened.js(f"kg.nodes.get({node!r}).group") == G.nodes[node]["type"]
    assert opened.errors == [] and opened.blocked == []


def test_node_tooltip_lists_linked_pmids_and_top_neighbours(tmp_path, open_file):
    G = make_graph(120, seed=25, probe=False)
    opened = open_file(_write(tmp_path, G))
    hub = max(G, key=G.degree)
    assert opened.js(f"kg.showDetails('node', {hub!r})")
    tip = opened.page.locator("#kg-tooltip")
    pmids = [d[5:] for d in G.nodes[hub]["doc_ids"]][:10]
    hrefs = opened.js("Array.from(document.querySelectorAll('#kg-tooltip .kg-pmids a')).map(a => a.href)")
    assert hrefs == [f"https://pubmed.ncbi.nlm.nih.gov/{p}/" for p in pmids]
    names = opened.js("Array.from(document.querySelectorAll('#kg-tooltip .kg-nbr')).map(b => b.textContent)")
    best = sorted(G.adj[hub], key=lambda v: -G.edges[hub, v]["score"])[: len(names)]
    assert names == [G.nodes[v]["label"] for v in best]
    # a neighbour's name in the card goes to that node
    tip.locator(".kg-nbr").nth(1).click()
    opened.page.wait_for_function(f"() => kgNetwork.getSelectedNodes()[0] === {best[1]!r}", timeout=5_000)
    assert opened.errors == [] and opened.blocked == []


def test_relation_filter_and_sentences_per_type(tmp_path, open_file):
    """A typed graph: unticking a relation hides its edges; an edge's card gives its sentences per type,
    the probes in them shown as text."""
    opened = open_file(_write(tmp_path, graphs.typed_graph(), relations=graphs.relation_statements_table()))
    assert opened.errors == [] and opened.blocked == []
    assert opened.js("kg.visibleCounts().edges") == 2
    opened.page.locator('input.kg-relation[value="co-occurs"]').uncheck()
    assert opened.js("kg.visibleCounts().edges") == 1
    opened.js('kg.setRelationVisible("Positive_Correlation", false)')
    assert opened.js("kg.visibleCounts().edges") == 0
    assert not opened.page.locator('input.kg-relation[value="Positive_Correlation"]').is_checked()
    opened.js('kg.setRelationVisible("Positive_Correlation", true)')
    edge = opened.js("kg.edgeView.get()[0].id")
    assert opened.js(f"kg.showDetails('edge', {edge!r})")
    card = opened.page.locator("#kg-tooltip").inner_text()
    assert "Positive Correlation (3 docs)" in card and "Association (1 doc)" in card
    assert "STAT3 drives lung cancer." in card and PROBES[0] in card and PROBES[1] in card
    assert opened.js("typeof window.__pwned") == "undefined"
