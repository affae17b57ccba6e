"""The interactive HTML page of a kg graph: one self-contained file that opens offline.

>>> from kg.render.page import write_html
>>> write_html(G, "graph.html", title="STAT3 in lung cancer")    # doctest: +SKIP

The page is built on pyvis (its :class:`~pyvis.network.Network` holds the nodes, edges
and vis options and its Jinja environment renders the page) with kg's own template,
because pyvis's template fetches Bootstrap (and, in some modes, vis-network and
tom-select) from CDNs. Everything the page runs is inlined: vis-network (vendored in this
package, see ``vis-network.LICENSE.txt``), ``kg.js`` and ``kg.css``. A
Content-Security-Policy allows only those inline scripts (by hash) and no network
source at all, so opening the file makes no request, and a string that slipped past the
escaping still could not run.

What the page shows:

* nodes coloured by entity type (:func:`kg.schema.type_color`), sized by ``documents``;
  edges as wide as their ``score``;
* a legend of the types present, with checkboxes that hide or show a type;
* a search box (label, alias or CURIE, with suggestions) that selects and focuses a node;
* a slider and number box for the minimum edge score;
* tooltips (hover; click pins them) with label, type, the id linked to its vocabulary
  entry, mention and document counts, aliases, and for edges the evidence sentences
  with PubMed and DOI links. All text is inserted as text, never as HTML; only
  ``http(s)`` links are made.

* typed relations (a graph built with the relation model, :mod:`kg.relations`): each edge coloured by its
  relation (:data:`RELATION_COLORS`, grey for co-occurrence only), a "Relations" legend whose checkboxes
  hide a relation's edges (``kg.setRelationVisible(name, bool)``), and in the edge's tooltip its relation,
  relation score, documents per type and, given the statements table (``relations=``), the sentences of
  each type (:func:`relation_statements`, a few per type);
* communities (Louvain, :mod:`kg.render.overview`): from 150 drawn nodes the page opens
  with each community laid out as a group of its own (:func:`kg.render.layout.community_layout`),
  coloured, its top labels written at its centre while zoomed out and listed in the legend
  (a click zooms to it); a radio button colours by type instead;
* labels scale with node size: the top nodes' labels read at first sight, small nodes'
  appear when zoomed in; nodes without edges get the smallest size;
* an index of the whole graph (every node, not only those drawn, with its strongest
  neighbours): search finds and adds any node, a node's card lists its PubMed ids and top
  neighbours and "show N more neighbours" (``kg.expand(id)``) adds them.

Big graphs: positions are computed in Python (:func:`kg.render.layout.layout_positions`, a seeded
grid-accelerated Fruchterman-Reingold) and physics is off, so the browser draws at once.
Beyond ``max_nodes`` nodes the page shows the most connected ones
(:func:`kg.render.select.strongest_subgraph`), beyond ``max_edges`` edges each node's best edge and then the
strongest (:func:`kg.render.select.strongest_edges`: tens of thousands of edges make a page that neither
draws nor reads well), and says so in a banner; exports keep everything.

The page sets ``window.kgNetwork`` (the ``vis.Network``) and ``window.kg`` (data sets,
views, ``kg.search(name)``, ``kg.setMinScore(x)``, ``kg.setTypeVisible(type, bool)``,
and ``kg.ready`` once the first frame is drawn) for tests and scripting.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
from collections import Counter
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

import networkx as nx

from kg import __version__
from kg.export.outputs import _open_output
from kg.render import MAX_EDGES, MAX_NODES
from kg.render.assets import ASSETS, asset
from kg.render.layout import SPACING, community_layout, layout_positions
from kg.render.notebook import library_script, library_sent, mark_library_sent
from kg.render.overview import communities, node_index, node_pmids
from kg.render.select import strongest_edges, strongest_subgraph, without_generic_islands
from kg.schema import type_color

__all__ = ["NotebookView", "html_string", "notebook_view", "write_html", "script_json", "script_json_parts",
           "relation_statements", "RELATION_COLORS", "COOCCURS"]

VIS_VERSION = "10.1.5"

PathOrFile = str | os.PathLike | IO[Any]

_MIN_NODE, _MAX_NODE = 8.0, 40.0
_MIN_EDGE, _MAX_EDGE = 0.5, 6.0
#: Drawn nodes from which the page opens coloured and laid out by community.
COMMUNITY_VIEW = 150
#: Edge colours of the relation legend: one per BioRED type (:data:`kg.relations.RELATION_TYPES`), grey
#: for an edge no document states a relation of (co-occurrence only).
RELATION_COLORS: dict[str, str] = {
    "Positive_Correlation": "#2e7d32",
    "Negative_Correlation": "#c62828",
    "Association": "#7b1fa2",
    "Bind": "#1565c0",
    "Cotreatment": "#ef6c00",
    "Drug_Interaction": "#ad1457",
    "Comparison": "#6d4c41",
    "Conversion": "#00838f",
}
#: The relation of an edge the model typed as none (and of every edge of a graph built without it).
COOCCURS = "co-occurs"
COOCCURS_COLOR = "#9aa0a6"


# ----------------------------------------------------------------------------- page


def _csp_hash(script: str) -> str:
    return (
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"
    )


def script_json(obj: Any) -> str:
    """JSON safe inside ``<script type="application/json">``: no ``<``, ``>``, ``&`` left raw."""
    text = json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=str)
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def script_json_parts(payload: Mapping[str, Any], *, batch: int = 2000) -> Iterator[str]:
    """``script_json(payload)`` in pieces, long lists (the nodes and edges) ``batch`` items
    at a time, so the page's data never has to be one string (joined, the pieces are
    exactly that text)."""
    yield "{"
    for i, (key, value) in enumerate(payload.items()):
        head = ("," if i else "") + script_json(key) + ":"
        if isinstance(value, list) and len(value) > batch:
            yield head + "["
            for start in range(0, len(value), batch):
                yield ("," if start else "") + script_json(value[start : start + batch])[1:-1]
            yield "]"
        else:
            yield head + script_json(value)
    yield "}"


def _num(value: Any, default: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            value = float(value)
        except (TypeError, ValueError):
            return default
    return float(value) if math.isfinite(value) else default


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _evidence(evidence: Any, limit: int, max_chars: int = 0) -> tuple[list[dict[str, str]], int]:
    """The first ``limit`` sentences as the page's records, without what kg.js makes itself:
    empty fields, a ``url`` that is the PubMed or DOI link of ``pmid``/``doi``, and a ``doc_id``
    when there is a PMID or DOI (a third of the page's evidence bytes on 1,000 abstracts).
    ``max_chars`` > 0 cuts longer sentences there (with an ellipsis)."""
    if not isinstance(evidence, (list, tuple)):
        return [], 0
    out = []
    for ev in evidence[:limit]:
        if not isinstance(ev, Mapping):
            out.append({"sentence": _text(ev)})
            continue
        rec = {k: _text(ev.get(k)) for k in ("sentence", "pmid", "doi", "url", "doc_id")}
        if max_chars > 0 and len(rec["sentence"]) > max_chars:
            rec["sentence"] = rec["sentence"][: max_chars - 1].rstrip() + "\u2026"
        if rec["url"] and ("pubmed.ncbi.nlm.nih.gov" in rec["url"] and rec["pmid"]
                           or "doi.org" in rec["url"] and rec["doi"]):
            rec["url"] = ""
        if rec["pmid"] or rec["doi"]:
            rec["doc_id"] = ""
        out.append({k: v for k, v in rec.items() if v})
    return out, len(evidence)


def _round_score(score: float) -> float:
    """A score as the page carries it: 4 significant digits."""
    return float(f"{float(score):.4g}")


def _scale(value: float, lo: float, hi: float, out_lo: float, out_hi: float, *, sqrt: bool = False) -> float:
    if hi <= lo:
        return (out_lo + out_hi) / 2 if hi > 0 else out_lo
    f = (min(max(value, lo), hi) - lo) / (hi - lo)
    if sqrt:
        f = math.sqrt(f)
    return round(out_lo + (out_hi - out_lo) * f, 2)


def _fmt(n: int) -> str:
    return f"{n:,}"


def _add_nodes(net: Any, H: nx.Graph, positions: Mapping[Any, tuple[float, float]] | None,
               community: Mapping[Any, int], max_pmids: int) -> dict[Any, str]:
    """Add ``H``'s nodes to the pyvis network (type, community, size by documents, counts, aliases,
    PMIDs, links, position); returns node -> page id.

    The size (vis-network's ``value``, which also scales the label) follows documents among
    the nodes with edges; nodes without an edge get the smallest, so generic terms that
    co-occur with nothing drawn do not dominate the picture."""
    linked = [_num(d.get("documents")) for n, d in H.nodes(data=True) if H.degree(n) > 0] or [
        _num(d.get("documents")) for _, d in H.nodes(data=True)]
    d_lo, d_hi = (min(linked), max(linked)) if linked else (0.0, 0.0)
    no_edges = H.number_of_edges() > 0
    ids: dict[Any, str] = {}
    for n, d in H.nodes(data=True):
        nid = n if isinstance(n, str) else str(n)
        ids[n] = nid
        ntype = _text(d.get("type")) or "Entity"
        opts: dict[str, Any] = {
            "group": ntype,
            "type": ntype,
            "value": _MIN_NODE if no_edges and H.degree(n) == 0
            else _scale(_num(d.get("documents")), d_lo, d_hi, _MIN_NODE, _MAX_NODE, sqrt=True),
            "community": community.get(n, -1),
            "mentions": int(_num(d.get("mentions"))),
            "documents": int(_num(d.get("documents"))),
            "aliases": [_text(a) for a in d.get("aliases") or [] if a is not None]
            if isinstance(d.get("aliases"), (list, tuple, set))
            else ([_text(d["aliases"])] if d.get("aliases") else []),
            "curie": _text(d.get("curie")),
            "url": _text(d.get("url")),
        }
        opts["pmids"], opts["nPmids"] = node_pmids(d, max_pmids)
        if positions is not None and n in positions:
            x, y = positions[n][:2]
            opts["x"], opts["y"] = round(float(x) * SPACING, 1), round(float(y) * SPACING, 1)
        label = _text(d.get("label")) or nid
        net.add_node(nid, label=label, shape="dot", **opts)
    return ids


def _add_edges(net: Any, H: nx.Graph, ids: Mapping[Any, str], *, directed: bool, max_evidence: int,
               max_sentence: int,
               score_range: tuple[float, float], community: Mapping[Any, int] | None = None,
               typed: bool = False, statements: Mapping[tuple[str, str], list[dict]] | None = None) -> None:
    """Add ``H``'s edges to the pyvis network (width by score within ``score_range``, counts, evidence).

    With ``community`` (node -> community), edges between communities are drawn faint, so the
    groups stand out. ``typed`` (a graph with relations): each edge coloured by its relation
    (:func:`_relation_options`), with its sentences per type from ``statements``."""
    from pyvis.edge import Edge

    s_lo, s_hi = score_range
    for i, (u, v, d) in enumerate(H.edges(data=True)):
        score = d.get("score")
        score = (
            float(score)
            if isinstance(score, (int, float)) and not isinstance(score, bool) and math.isfinite(score)
            else None
        )
        evidence, n_evidence = _evidence(d.get("evidence"), max_evidence, max_sentence)
        # Appended directly: Network.add_edge scans every edge for duplicates (quadratic),
        # and a networkx Graph has none.
        net.edges.append(
            Edge(
                ids[u],
                ids[v],
                directed=directed,
                id=f"e{i}",
                width=_scale(score, s_lo, s_hi, _MIN_EDGE, _MAX_EDGE) if score is not None else 1.0,
                score=_round_score(score) if score is not None else None,
                count=int(_num(d.get("count"))),
                documents=int(_num(d.get("documents"))),
                evidence=evidence,
                nEvidence=n_evidence,
                **_edge_years(d),
                **_relation_options(d, typed=typed, faint=community is not None
                                    and community.get(u, -1) != community.get(v, -2),
                                    statements=(statements or {}).get(_pair_ids(ids[u], ids[v]), [])),
            ).options
        )


def _pair_ids(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def _relation_options(d: Mapping[str, Any], *, typed: bool, faint: bool, statements: list[dict]) -> dict[str, Any]:
    """An edge's relation fields on the page: ``relation`` (its BioRED type, :data:`COOCCURS` when none),
    ``relationScore``, ``relationCounts`` (documents per type), ``statements`` (sentences per type) and its
    colour (:data:`RELATION_COLORS`; faint between communities). Untyped graphs: only the faint colour."""
    color: dict[str, Any] = {"opacity": 0.12} if faint else {}
    if not typed:
        return {"color": color} if color else {}
    relation = _text(d.get("relation")) or COOCCURS
    rgb = RELATION_COLORS.get(relation, COOCCURS_COLOR)
    color.update({"color": rgb, "highlight": rgb, "hover": rgb})
    out: dict[str, Any] = {"relation": relation, "relationCounts": _text(d.get("relation_counts")), "color": color}
    if d.get("relation_score") is not None:
        out["relationScore"] = _round_score(_num(d.get("relation_score")))
    if statements:
        out["statements"] = statements
    return out


def _sentence_list(value: Any) -> list[str]:
    """A statement's sentences: a list (a build's table) or one text joined by ``|`` (relations.csv)."""
    if isinstance(value, str):
        return [t.strip() for t in value.split("|") if t.strip()]
    if isinstance(value, (list, tuple)):
        return [_text(t) for t in value if _text(t).strip()]
    return []


def relation_statements(relations: Any, pairs: Collection[tuple[str, str]] | None = None, *, per_type: int = 2,
                        max_chars: int = 0) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """The sentences of the statements table (``relations.csv``, :func:`kg.relations.aggregate.relation_table`)
    per edge and relation type, as the page's edge tooltip shows them.

    Returns (sorted pair of node ids) -> ``[{"relation", "n" (documents), "sentences": [{"sentence",
    "doc_id"}]}]``, types by documents (then best score), at most ``per_type`` sentences each (from the
    best-scored documents, the first sentence of each, ``max_chars`` > 0 cuts it with an ellipsis).
    ``pairs``: only these pairs (the drawn edges). Text is data: the page inserts it as text."""
    if relations is None or not len(relations) or per_type <= 0:
        return {}
    frame = relations.sort_values("score", ascending=False, kind="stable")
    grouped: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    for source, target, relation, doc_id, sentences in zip(
            frame["source"].tolist(), frame["target"].tolist(), frame["relation"].tolist(),
            frame["doc_id"].tolist(), frame["sentences"].tolist(), strict=True):
        key = _pair_ids(_text(source), _text(target))
        if pairs is not None and key not in pairs:
            continue
        entry = grouped.setdefault(key, {}).setdefault(_text(relation) or COOCCURS,
                                                       {"docs": set(), "sentences": [], "seen": set()})
        entry["docs"].add(_text(doc_id))
        texts = _sentence_list(sentences)
        if texts and len(entry["sentences"]) < per_type and texts[0] not in entry["seen"]:
            entry["seen"].add(texts[0])
            pmid, doi = _text(doc_id).removeprefix("pmid:"), _text(doc_id)
            cut = _evidence([{"sentence": " ".join(texts[0].split()), "doc_id": _text(doc_id),
                              "pmid": pmid if pmid.isdigit() else "",
                              "doi": doi.removeprefix("doi:") if doi.startswith("doi:") else ""}], 1, max_chars)[0]
            entry["sentences"] += cut
    return {key: [{"relation": rel, "n": len(e["docs"]), "sentences": e["sentences"]}
                  for rel, e in sorted(types.items(), key=lambda kv: -len(kv[1]["docs"]))]
            for key, types in grouped.items()}


def _relation_legend(H: nx.Graph, typed: bool) -> list[dict[str, Any]]:
    """The relation legend's rows (with a checkbox each): the relations of the drawn edges, BioRED's types
    in :data:`RELATION_COLORS` order, then co-occurrence; empty for a graph without relations."""
    if not typed:
        return []
    counts = Counter(_text(d.get("relation")) or COOCCURS for *_, d in H.edges(data=True))
    order = [*RELATION_COLORS, *sorted(set(counts) - set(RELATION_COLORS) - {COOCCURS}), COOCCURS]
    return [{"name": r, "color": RELATION_COLORS.get(r, COOCCURS_COLOR), "count_text": _fmt(counts[r])}
            for r in order if counts.get(r)]


def _edge_years(d: Mapping[str, Any]) -> dict[str, int]:
    """The first and last year of an edge's documents for the page's year range control (none without)."""
    first, last = d.get("first_year"), d.get("last_year")
    if isinstance(first, (int, float)) and isinstance(last, (int, float)) and first == first and last == last:
        return {"firstYear": int(first), "lastYear": int(last)}
    return {}


def year_bounds(H: nx.Graph) -> tuple[int, int] | None:
    """The earliest first year and the latest last year of ``H``'s edges (None when no edge has years):
    the ends of the page's year range control."""
    spans = [_edge_years(d) for *_, d in H.edges(data=True)]
    spans = [s for s in spans if s]
    if not spans:
        return None
    return min(s["firstYear"] for s in spans), max(s["lastYear"] for s in spans)


def _fit_scale(positions: Mapping[Any, tuple[float, float]] | None) -> float:
    """About the zoom at which vis-network fits the layout into 1,000 x 650 pixels (at most 1)."""
    if not positions:
        return 1.0
    xs = [p[0] * SPACING for p in positions.values()]
    ys = [p[1] * SPACING for p in positions.values()]
    return min(1.0, 1000 / max(max(xs) - min(xs), 1.0), 650 / max(max(ys) - min(ys), 1.0))


def _label_sizes(fit: float) -> tuple[float, float]:
    """Label font sizes (canvas pixels) of the smallest and largest node, so that at the ``fit``
    scale the largest nodes' labels read at 15 px and the small ones stay hidden (vis-network
    hides a label drawn below 7 px) until zoomed in."""
    return 12.0, round(min(max(15 / fit, 24.0), 600.0), 1)


def _node_sizes(fit: float) -> tuple[float, float]:
    """Node sizes (canvas pixels), grown by the square root of how far the fit zooms out, so the
    colours of a big graph still show at first sight without giant discs when zoomed in."""
    grow = math.sqrt(1 / fit)
    return round(_MIN_NODE * grow, 1), round(_MAX_NODE * grow, 1)


def _vis_options(type_colors: Mapping[str, str], *, physics: bool, seed: int, big: bool,
                 community_colors: Mapping[str, str] = {}, fit: float = 1.0) -> dict[str, Any]:
    """vis-network's options: a colour group per type and per community, node/edge styles
    (size and label by ``value``), physics, interaction."""
    # Assigned, not net.set_options(json): that strips every space from the JSON text,
    # group names ("Gene or gene product") included.
    return {
        "autoResize": True,
        "groups": {
            t: {
                "color": {
                    "background": c,
                    "border": "#5f6368",
                    "highlight": {"background": c, "border": "#000000"},
                    "hover": {"background": c, "border": "#202124"},
                }
            }
            for t, c in {**type_colors, **community_colors}.items()
        },
        "nodes": {
            "shape": "dot",
            "borderWidth": 1,
            "borderWidthSelected": 3,
            "font": {"size": 14, "face": "system-ui, sans-serif", "strokeWidth": 3, "strokeColor": "#ffffff"},
            "scaling": {
                "min": _node_sizes(fit)[0],
                "max": _node_sizes(fit)[1],
                "label": {"enabled": True, "min": _label_sizes(fit)[0], "max": _label_sizes(fit)[1], "maxVisible": 20,
                          "drawThreshold": 8},
            },
        },
        "edges": {
            "smooth": False,
            "color": {"color": "#9aa0a6", "highlight": "#1a73e8", "hover": "#5f6368", "opacity": 0.6},
            "selectionWidth": 2,
            "hoverWidth": 1.5,
        },
        "physics": {
            "enabled": bool(physics),
            "solver": "barnesHut",
            "barnesHut": {"gravitationalConstant": -8000, "springLength": 120, "springConstant": 0.02},
            "stabilization": {"enabled": True, "iterations": 400, "updateInterval": 50, "fit": True},
        },
        "layout": {"improvedLayout": False, "randomSeed": seed},
        "interaction": {
            "hover": True,
            "tooltipDelay": 150,
            "hideEdgesOnDrag": big,
            "hideEdgesOnZoom": big,
            "multiselect": False,
            "navigationButtons": False,
            "keyboard": False,
        },
    }


def _banner(n_shown: int, n_total: int, e_shown: int, e_total: int, *, capped: bool, score_name: str) -> str:
    """What the page says it left out (empty when it shows everything)."""
    if n_shown < n_total:
        return (
            f"Showing {_fmt(n_shown)} of {_fmt(n_total)} nodes (the most connected) and "
            f"{_fmt(e_shown)} of {_fmt(e_total)} edges"
            + (" (each node's best, then the strongest)" if capped else "")
            + ". Exports (kg export) keep the whole graph."
        )
    elif capped:
        return (
            f"Showing the {_fmt(e_shown)} strongest of {_fmt(e_total)} edges (each node's best, then by "
            f"{score_name}). Exports (kg export) keep the whole graph."
        )
    return ""


def _subtitle(G: nx.Graph, score_name: str) -> str:
    """Documents, nodes and edges of the whole graph, its window and score."""
    subtitle_bits = []
    if G.graph.get("n_documents") is not None:
        subtitle_bits.append(f"{_fmt(int(_num(G.graph.get('n_documents'))))} documents")
    subtitle_bits.append(f"{_fmt(G.number_of_nodes())} nodes, {_fmt(G.number_of_edges())} edges")
    if G.graph.get("window"):
        subtitle_bits.append(f"window: {G.graph['window']}")
    subtitle_bits.append(f"score: {score_name}")
    return " · ".join(subtitle_bits)


def _content_security_policy(*scripts: str) -> str:
    """Only kg's inline scripts (by hash) may run; no network source at all."""
    return (
        "default-src 'none'; "
        f"script-src {' '.join(_csp_hash(s) for s in scripts)}; "
        "style-src 'unsafe-inline'; img-src data:; font-src data:; "
        "base-uri 'none'; form-action 'none'"
    )


def _legend(type_counts: Mapping[str, int], type_total: Mapping[str, int], type_colors: Mapping[str, str]) -> list[dict]:
    """The legend's rows: types shown, most frequent first, with "n of m" when some are hidden."""
    return [
        {
            "name": t,
            "color": type_colors[t],
            "count_text": _fmt(type_counts.get(t, 0))
            + ("" if type_counts.get(t, 0) == type_total[t] else f" of {_fmt(type_total[t])}"),
        }
        for t in sorted(type_total, key=lambda t: (-type_total[t], t))
        if type_counts.get(t, 0) > 0
    ]


def _page_context(
    G: nx.Graph,
    *,
    title: str,
    max_nodes: int | None,
    max_edges: int | None,
    max_evidence: int,
    max_sentence: int = 0,
    positions: Mapping[Any, tuple[float, float]] | None,
    physics: bool,
    seed: int,
    library: bool = True,
    max_index: int = 20_000,
    relations: Any = None,
    relation_sentences: int = 2,
) -> dict[str, Any]:
    """Everything the template prints. ``library=False``: vis-network is not inlined but fetched
    from the notebook page by ``kg-loader.js`` (:mod:`kg.render.notebook`); the CSP still allows
    only its exact text. ``relations``: the statements table, whose sentences the edge tooltips show
    per type (``relation_sentences`` per type and edge)."""
    from pyvis import __version__ as pyvis_version
    from pyvis.network import Network

    if G.is_multigraph():
        G = nx.Graph(G)
    S = strongest_subgraph(without_generic_islands(G), max_nodes)
    H = strongest_edges(S, max_edges)
    capped = H.number_of_edges() < S.number_of_edges()
    del S
    n_total, e_total = G.number_of_nodes(), G.number_of_edges()
    n_shown, e_shown = H.number_of_nodes(), H.number_of_edges()
    groups = communities(H, seed=seed)
    # a big graph opens as its communities, each a group of its own (one colour, one place)
    by_community = n_shown >= COMMUNITY_VIEW and len(groups) >= 2
    if not physics and positions is None:
        positions = (community_layout(H, [c.members for c in groups], seed=seed) if by_community
                     else layout_positions(H, seed=seed))

    score_name = _text(G.graph.get("score")) or "score"
    scores = [  # as the page writes them (4 significant digits), so the slider's minimum hides none
        _round_score(d["score"])
        for *_, d in H.edges(data=True)
        if isinstance(d.get("score"), (int, float))
        and not isinstance(d.get("score"), bool)
        and math.isfinite(d["score"])
    ]
    s_lo, s_hi = (min(scores), max(scores)) if scores else (0.0, 1.0)

    net = Network(height="100%", width="100%", heading=title, cdn_resources="in_line")
    net.set_template_dir(str(ASSETS) + os.sep, "template.html")
    net.templateEnv.autoescape = True  # every {{ }} in the template is HTML-escaped
    member = {n: c.index for c in groups for n in c.members}
    ids = _add_nodes(net, H, positions, member, max_pmids=10)
    typed = any("relation" in d for *_, d in H.edges(data=True))
    statements = relation_statements(relations, {_pair_ids(ids[u], ids[v]) for u, v in H.edges()},
                                     per_type=relation_sentences, max_chars=max_sentence) if typed else {}
    _add_edges(net, H, ids, directed=G.is_directed(), max_evidence=max_evidence, max_sentence=max_sentence,
               score_range=(s_lo, s_hi),
               community=member if by_community else None, typed=typed, statements=statements)

    type_counts = Counter(_text(d.get("type")) or "Entity" for _, d in H.nodes(data=True))
    type_total = Counter(_text(d.get("type")) or "Entity" for _, d in G.nodes(data=True))
    type_colors = {t: type_color(t) for t in sorted(type_total)}
    big = n_shown > 1000 or e_shown > 3000
    net.options = _vis_options(type_colors, physics=physics, seed=seed, big=big,
                               community_colors={f"community {c.index}": c.color for c in groups},
                               fit=_fit_scale(positions))
    nodes, edges, heading, _height, _width, options = net.get_network_data()

    payload = {
        "nodes": nodes,
        "edges": edges,
        "options": json.loads(options),
        "physics": bool(physics),
        "scoreName": score_name,
        "scoreMin": s_lo,
        "scoreMax": s_hi,
        "typeColors": type_colors,
        "relationColors": {**RELATION_COLORS, COOCCURS: COOCCURS_COLOR} if typed else {},
        "shown": {"nodes": n_shown, "edges": e_shown},
        "total": {"nodes": n_total, "edges": e_total},
        "communities": [c.as_page(ids, positions, SPACING) for c in groups],
        # sizes at zoom 1; the options hold those for the zoom that fits the graph (kg.js switches)
        "sizing": {"nodeMin": _MIN_NODE, "nodeMax": _MAX_NODE, "labelMax": 24.0},
        # colour by community first when there are enough nodes for groups to matter
        "colorBy": "community" if by_community else "type",
        "index": node_index(G, ids, max_nodes=max_index),
    }
    years = year_bounds(H)
    payload["years"] = list(years) if years else None
    banner = _banner(n_shown, n_total, e_shown, e_total, capped=capped, score_name=score_name)
    step = (s_hi - s_lo) / 100 if s_hi > s_lo else 0.01
    kg_js = asset("kg.js")
    vis_js = asset("vis-network.min.js")
    loader_js = "" if library else asset("kg-loader.js")
    return {
        "net": net,
        "title": heading,
        "subtitle": _subtitle(G, score_name),
        "status": f"{_fmt(n_shown)} nodes · {_fmt(e_shown)} edges shown",
        "banner": banner,
        "n_nodes": n_shown,
        "n_edges": e_shown,
        "types": _legend(type_counts, type_total, type_colors),
        "relations": _relation_legend(H, typed),
        "n_communities": len(groups),
        "score_name": score_name,
        "score_min": repr(s_lo),
        "score_max": repr(s_hi),
        "score_step": repr(step),
        "year_min": years[0] if years else None,
        "year_max": years[1] if years else None,
        "data_json": script_json_parts(payload),  # pieces of text: the template writes them in turn
        "css": asset("kg.css"),
        "vis_js": vis_js if library else "",
        "loader_js": loader_js,
        "vis_sha256": "" if library else hashlib.sha256(vis_js.encode("utf-8")).hexdigest(),
        "kg_js": kg_js,
        "csp": _content_security_policy(vis_js, kg_js, *([loader_js] if loader_js else [])),
        "kg_version": __version__,
        "pyvis_version": pyvis_version,
        "vis_version": VIS_VERSION,
    }


def html_string(
    G: nx.Graph,
    *,
    title: str = "kg",
    max_nodes: int | None = MAX_NODES,
    max_edges: int | None = MAX_EDGES,
    max_evidence: int = 3,
    max_sentence: int = 0,
    positions: Mapping[Any, tuple[float, float]] | None = None,
    physics: bool = False,
    seed: int = 0,
    library: bool = True,
    relations: Any = None,
    relation_sentences: int = 2,
) -> str:
    """The interactive page of ``G`` as one self-contained HTML string.

    ``max_nodes``: show at most this many nodes (the most connected, with a banner saying
    so); ``None`` or 0 shows all. ``max_edges``: at most this many edges (each node's best, then the
    strongest by ``score``; :func:`strongest_edges`). ``max_evidence``: evidence sentences per edge in the page;
    ``max_sentence``: characters kept of each (0: all).
    ``positions``: node -> (x, y) to use instead of :func:`layout_positions`.
    ``physics=True`` lets vis-network lay the graph out in the browser (and then stops it)
    instead of computing positions in Python. ``seed`` fixes the layout. ``library=False`` leaves
    vis-network out: the page then gets it from the notebook it sits in (:mod:`kg.render.notebook`).
    ``relations``: the statements table (:meth:`kg.KnowledgeGraph.relations_df`); a typed graph's edge
    tooltips then give ``relation_sentences`` sentences per relation type (:func:`relation_statements`).
    """
    return "".join(
        _page_parts(
            G,
            title=title,
            max_nodes=max_nodes,
            max_edges=max_edges,
            max_evidence=max_evidence,
            max_sentence=max_sentence,
            positions=positions,
            physics=physics,
            seed=seed,
            library=library,
            relations=relations,
            relation_sentences=relation_sentences,
        )
    )


def _page_parts(
    G: nx.Graph,
    *,
    title: str = "kg",
    max_nodes: int | None = MAX_NODES,
    max_edges: int | None = MAX_EDGES,
    max_evidence: int = 3,
    max_sentence: int = 0,
    positions: Mapping[Any, tuple[float, float]] | None = None,
    physics: bool = False,
    seed: int = 0,
    library: bool = True,
    relations: Any = None,
    relation_sentences: int = 2,
) -> Iterator[str]:
    """The page :func:`html_string` returns, as the pieces of text the template yields.

    Everything but the joining is done before this returns (options as :func:`html_string`).
    """
    ctx = _page_context(
        G,
        title=str(title),
        max_nodes=max_nodes,
        max_edges=max_edges,
        max_evidence=max(0, int(max_evidence)),
        max_sentence=max(0, int(max_sentence)),
        positions=positions,
        physics=physics,
        seed=seed,
        library=library,
        relations=relations,
        relation_sentences=max(0, int(relation_sentences)),
    )
    net = ctx.pop("net")
    template = net.templateEnv.get_template(net.path)
    return template.generate(**ctx)


def write_html(G: nx.Graph, path_or_file: PathOrFile, **page_options: Any) -> None:
    """Write the interactive page of ``G`` to a path or open file; ``page_options`` as :func:`html_string`.

    The file is self-contained: it opens from disk with no network access. The page is
    written piece by piece (never whole in memory twice); a path that could not be
    written completely is removed. Raises :class:`~kg.errors.ExportError` when the path
    cannot be written.
    """
    parts = _page_parts(G, **page_options)
    with _open_output(path_or_file, fmt="html") as write:
        for part in parts:
            write(part)


def _attribute(text: str) -> str:
    """``text`` escaped for a single-quoted attribute (``&``, ``'``, ``<``, ``>``): the page's
    JSON is full of double quotes, which would each grow to ``&quot;``."""
    return text.replace("&", "&amp;").replace("'", "&#39;").replace("<", "&lt;").replace(">", "&gt;")


class NotebookView:
    """The page of a graph for Jupyter: displays inline, in an ``<iframe srcdoc=...>``.

    The iframe works in classic Jupyter, JupyterLab and VS Code (which strip or sandbox
    scripts inserted directly into the output; pyvis issues #165/#203). It is sandboxed
    with ``allow-scripts allow-popups`` but not ``allow-same-origin``, so the page cannot
    reach the notebook. The page leaves vis-network out and gets it from the notebook page,
    where the first view of a kernel puts it (:mod:`kg.render.notebook`).

    ``library``: put vis-network into the notebook page with this view: ``None`` (the
    default) when this kernel has not sent it yet, ``True`` always, ``False`` never.
    :meth:`save` writes the standalone page (vis-network inlined).
    """

    def __init__(self, G: nx.Graph, *, height: int = 650, library: bool | None = None,
                 **page_options: Any) -> None:
        self._graph = G
        self._options = page_options
        self.html = html_string(G, library=False, **page_options)
        self.height = int(height)
        self.library = library

    def iframe(self) -> str:
        """The ``<iframe srcdoc=...>`` element holding the page."""
        return (
            f"<iframe srcdoc='{_attribute(self.html)}' "
            f'style="width:100%;height:{self.height}px;border:1px solid #ddd" '
            'sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox" '
            'referrerpolicy="no-referrer" loading="eager"></iframe>'
        )

    def _repr_html_(self) -> str:
        send = self.library if self.library is not None else not library_sent()
        if send:
            mark_library_sent()
        return (library_script() if send else "") + self.iframe()

    def save(self, path_or_file: Any) -> None:
        """Write the standalone page (vis-network inlined) to a path or open file."""
        write_html(self._graph, path_or_file, **self._options)

    def __repr__(self) -> str:
        return f"<NotebookView: {len(self.html):,} characters of HTML; display it in Jupyter>"


def notebook_view(G: nx.Graph, *, height: int = 650, library: bool | None = None, max_evidence: int = 1,
                  max_sentence: int = 240, **page_options: Any) -> NotebookView:
    """An object that shows the interactive page inline in Jupyter, JupyterLab and VS Code.

    ``page_options`` are those of :func:`html_string` (``title``,
    ``max_nodes``, ...), but one evidence sentence per edge, of at most 240 characters, unless
    ``max_evidence``/``max_sentence`` say otherwise (notebooks keep their outputs;
    ``g.evidence_df()`` has every sentence); ``library``
    as :class:`NotebookView`.
    """
    return NotebookView(G, height=height, library=library, max_evidence=max_evidence, max_sentence=max_sentence,
                        **page_options)
