/* kg interactive page.
 *
 * Reads the graph from <script type="application/json" id="kg-data">, draws it with
 * vis-network, and wires the legend (type filter), the search box, the minimum-score
 * slider and the tooltips. Every string from the data reaches the DOM through
 * textContent / attribute setters, never innerHTML, and links are only made from
 * http(s) URLs, so a label holding an HTML tag with an event handler shows as text.
 *
 * Exposes window.kgNetwork (the vis.Network) and window.kg (data sets, views, helpers,
 * and kg.ready / kg.readyTime once the first frame has been drawn).
 */
(function () {
  "use strict";

  // In a notebook view vis-network arrives later (kg-loader.js posts "kg:vis-ready").
  function start() {

    var data = JSON.parse(document.getElementById("kg-data").textContent);
    var kg = (window.kg = {
      ready: false,
      readyTime: null,
      data: data,
      network: null
    });

    function $(id) { return document.getElementById(id); }
    function fmt(n) { return Number(n).toLocaleString("en-US"); }

    function el(tag, className, text) {
      var e = document.createElement(tag);
      if (className) e.className = className;
      if (text !== undefined && text !== null) e.textContent = String(text);
      return e;
    }

    function safeUrl(url) {
      if (typeof url !== "string" || !url) return null;
      try {
        var u = new URL(url);
        return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
      } catch (err) {
        return null;
      }
    }

    function link(url, text) {
      var href = safeUrl(url);
      if (!href) return el("span", null, text);
      var a = el("a", null, text);
      a.href = href;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      return a;
    }

    function row(key, value) {
      var r = el("div", "kg-row");
      r.appendChild(el("span", "kg-key", key + ": "));
      if (value instanceof Node) r.appendChild(value); else r.appendChild(document.createTextNode(String(value)));
      return r;
    }

    function markReady() {
      if (kg.ready) return;
      kg.ready = true;
      kg.readyTime = performance.now();
      document.body.setAttribute("data-kg-ready", "1");
    }

    // ---------------------------------------------------------------- communities
    var communities = data.communities || [];
    var colorBy = data.colorBy === "community" && communities.length ? "community" : "type";
    function groupOf(n, mode) {
      return mode === "community" && n.community >= 0 ? "community " + n.community : n.type;
    }
    data.nodes.forEach(function (n) { n.group = groupOf(n, colorBy); });

    var nodes = new vis.DataSet(data.nodes);
    var edges = new vis.DataSet(data.edges);
    var nodeType = Object.create(null);
    data.nodes.forEach(function (n) { nodeType[n.id] = n.type; });

    var hiddenTypes = new Set();
    var hiddenRelations = new Set();  // relations (BioRED types, "co-occurs") unticked in the legend
    var minScore = data.scoreMin;

    // ------------------------------------------------------------------ year range
    // An edge is shown when its documents' years (firstYear..lastYear) meet the range;
    // edges without years are always shown.
    var years = data.years ? { from: data.years[0], to: data.years[1] } : null;
    function inYears(e) {
      return !years || e.firstYear === undefined || (e.firstYear <= years.to && e.lastYear >= years.from);
    }
    function setupYears() {
      var from = $("kg-year-from"), to = $("kg-year-to");
      if (!years || !from || !to) return;
      function update() {
        var a = parseInt(from.value, 10), b = parseInt(to.value, 10);
        if (isNaN(a) || isNaN(b)) return;
        years = { from: Math.min(a, b), to: Math.max(a, b) };
        edgeView.refresh();
        updateStatus();
      }
      from.addEventListener("input", update);
      to.addEventListener("input", update);
      kg.setYears = function (a, b) { from.value = a; to.value = b; update(); };
    }

    var nodeView = new vis.DataView(nodes, {
      filter: function (n) { return !hiddenTypes.has(n.type); }
    });
    var edgeView = new vis.DataView(edges, {
      filter: function (e) {
        return (e.score === null || e.score === undefined || e.score >= minScore) &&
          inYears(e) && !hiddenTypes.has(nodeType[e.from]) && !hiddenTypes.has(nodeType[e.to]) &&
          !hiddenRelations.has(e.relation || "co-occurs");
      }
    });

    kg.nodes = nodes;
    kg.edges = edges;
    kg.nodeView = nodeView;
    kg.edgeView = edgeView;

    var container = $("kg-canvas");
    var network = new vis.Network(container, { nodes: nodeView, edges: edgeView }, data.options);
    kg.network = network;
    window.kgNetwork = network;

    if (data.physics) {
      // let the physics stabilise, then stop it so the page stays responsive
      network.once("stabilizationIterationsDone", function () {
        network.setOptions({ physics: { enabled: false } });
        network.once("afterDrawing", markReady);
      });
    } else {
      network.once("afterDrawing", markReady);
    }
    if (!data.nodes.length) markReady();

    // ------------------------------------------------------------------ status line
    function updateStatus() {
      var nn = nodeView.length, ne = edgeView.length;
      $("kg-status").textContent = fmt(nn) + " nodes \u00b7 " + fmt(ne) + " edges shown";
    }
    kg.visibleCounts = function () {
      return { nodes: nodeView.length, edges: edgeView.length };
    };
    kg.drawnCounts = function () {
      return { nodes: network.body.nodeIndices.length, edges: network.body.edgeIndices.length };
    };
    updateStatus();

    // ------------------------------------------------------------------ whole-graph index
    // data.index: every node of the graph (not only those drawn) as columns; nbr/score: its
    // strongest neighbours, as positions in these columns.
    var I = data.index || { id: [], label: [], type: [], types: [], documents: [], nbr: [], score: [] };
    var indexPos = null;    // node id -> position in I
    function posOf(id) {
      if (!indexPos) {
        indexPos = new Map();
        I.id.forEach(function (x, i) { indexPos.set(x, i); });
      }
      return indexPos.has(id) ? indexPos.get(id) : -1;
    }
    function indexLabel(i) { return I.label[i] || I.id[i]; }
    var edgeKeys = new Set();
    function edgeKey(a, b) { return a < b ? a + "\u0000" + b : b + "\u0000" + a; }
    data.edges.forEach(function (e) { edgeKeys.add(edgeKey(e.from, e.to)); });
    var added = 0;

    function addFromIndex(i, near, k, of) {   // the index's node i, on a circle around near
      var id = I.id[i];
      if (nodes.get(id)) return false;
      var type = I.types[I.type[i]] || "Entity";
      var angle = 2 * Math.PI * (k + 0.5) / Math.max(of, 1);
      var r = 120 + 20 * (k % 3);
      var n = {
        id: id, label: indexLabel(i), type: type, group: type, community: -1, value: 8,
        documents: I.documents[i], mentions: null, aliases: [], curie: "", url: "", pmids: [], nPmids: 0,
        x: (near ? near.x : 0) + r * Math.cos(angle), y: (near ? near.y : 0) + r * Math.sin(angle),
        added: true
      };
      nodeType[id] = type;
      if (hiddenTypes.has(type)) setTypeVisible(type, true);
      nodes.add(n);
      return true;
    }
    function addEdge(a, b, score) {
      var key = edgeKey(a, b);
      if (edgeKeys.has(key) || !nodes.get(a) || !nodes.get(b)) return false;
      edgeKeys.add(key);
      edges.add({ id: "added-" + (added++), from: a, to: b, score: score, width: 1, added: true, evidence: [] });
      return true;
    }

    // "show neighbours of X": X's strongest neighbours in the whole graph join the view.
    function expand(id) {
      var i = posOf(id);
      if (i < 0 || !nodes.get(id)) return 0;
      var center = network.getPosition(id);
      var count = 0;
      var nbr = I.nbr[i];
      nbr.forEach(function (j, k) {
        if (addFromIndex(j, center, k, nbr.length)) count++;
        addEdge(id, I.id[j], I.score[i][k]);
      });
      nodeView.refresh();
      edgeView.refresh();
      updateStatus();
      return count;
    }
    kg.expand = expand;

    // a node found in the index but not drawn: add it beside its strongest drawn neighbour
    function bring(i) {
      var id = I.id[i];
      if (nodes.get(id)) return id;
      var anchor = null;
      I.nbr[i].forEach(function (j) { if (anchor === null && nodes.get(I.id[j])) anchor = I.id[j]; });
      var view = network.getViewPosition();
      addFromIndex(i, anchor ? network.getPosition(anchor) : view, 0, 6);
      I.nbr[i].forEach(function (j, k) { addEdge(id, I.id[j], I.score[i][k]); });
      nodeView.refresh();
      edgeView.refresh();
      return id;
    }
    function findInIndex(q) {
      var exact = -1, prefix = -1, part = -1;
      for (var i = 0; i < I.id.length && exact < 0; i++) {
        var names = [indexLabel(i).toLowerCase(), I.id[i].toLowerCase()];
        for (var k = 0; k < 2; k++) {
          if (names[k] === q) exact = i;
          else if (prefix < 0 && names[k].indexOf(q) === 0) prefix = i;
          else if (part < 0 && names[k].indexOf(q) >= 0) part = i;
        }
      }
      return { i: exact >= 0 ? exact : prefix >= 0 ? prefix : part, exact: exact >= 0 };
    }

    // ------------------------------------------------------------------ sizes follow the zoom
    // The page opens with nodes and labels sized for the zoom that fits the whole graph (big,
    // so the top labels read at first sight); vis-network does not cap a label's size on
    // screen, so at each half step of zoom the sizes are set for that zoom: labels of the top
    // nodes about 15 px whatever the zoom, nodes grown by the square root of the zoom out.
    var scaling = data.options.nodes.scaling;
    var base = data.sizing || { nodeMin: scaling.min, nodeMax: scaling.max, labelMax: scaling.label.max };
    var zoomStep = null, zoomTimer = null;
    function resize() {
      var step = Math.round(Math.log(network.getScale()) / Math.LN2 * 2) / 2;
      if (step === zoomStep) return;
      zoomStep = step;
      var z = Math.pow(2, step);
      var grow = Math.min(Math.max(1, Math.sqrt(1 / z)), scaling.max / base.nodeMax);
      network.setOptions({ nodes: { scaling: {
        min: base.nodeMin * grow, max: base.nodeMax * grow,
        label: { max: Math.min(Math.max(15 / z, base.labelMax), scaling.label.max) }
      } } });
      // sizes come from value ranges, which vis-network recomputes on a data change only
      network.body.emitter.emit("_dataChanged");
    }
    function resizeSoon() { clearTimeout(zoomTimer); zoomTimer = setTimeout(resize, 120); }
    network.on("afterDrawing", function () {  // after any zoom, animated or not, once it settles
      var step = Math.round(Math.log(network.getScale()) / Math.LN2 * 2) / 2;
      if (step !== zoomStep) resizeSoon();
    });
    kg.resize = resize;

    // ------------------------------------------------------------------ colour by community
    function setColorBy(mode) {
      colorBy = mode === "community" && communities.length ? "community" : "type";
      nodes.update(nodes.get().map(function (n) { return { id: n.id, group: groupOf(n, colorBy) }; }));
      Array.prototype.forEach.call(document.querySelectorAll("input[name=kg-color-by]"), function (r) {
        r.checked = r.value === colorBy;
      });
      network.redraw();
    }
    kg.setColorBy = setColorBy;
    kg.colorBy = function () { return colorBy; };

    function openCommunity(k) {
      var c = communities[k];
      if (!c) return false;
      if (colorBy !== "community") setColorBy("community");
      network.selectNodes(c.nodes.filter(function (id) { return nodeView.get(id); }));
      network.fit({ nodes: c.nodes, animation: { duration: 300, easingFunction: "easeInOutQuad" } });
      $("kg-status").textContent = "community " + (k + 1) + ": " + fmt(c.nodes.length) + " nodes \u00b7 " + c.top.join(", ");
      return true;
    }
    kg.openCommunity = openCommunity;

    (function communityLegend() {
      var box = $("kg-communities");
      if (!box) return;
      var ol = el("ol");
      communities.slice(0, 15).forEach(function (c, k) {
        var li = el("li");
        var b = el("button", "kg-community");
        b.type = "button";
        b.title = "zoom to this community";
        var sw = el("span", "kg-swatch");
        sw.style.background = c.color;
        b.appendChild(sw);
        b.appendChild(el("span", "kg-type-name", c.top.join(", ")));
        b.appendChild(el("span", "kg-count", fmt(c.size)));
        b.addEventListener("click", function () { openCommunity(k); });
        li.appendChild(b);
        ol.appendChild(li);
      });
      box.appendChild(ol);
      if (communities.length > 15) box.appendChild(el("p", "kg-help", (communities.length - 15) + " smaller communities in grey"));
      Array.prototype.forEach.call(document.querySelectorAll("input[name=kg-color-by]"), function (r) {
        r.checked = r.value === colorBy;
        r.addEventListener("change", function () { if (r.checked) setColorBy(r.value); });
      });
    })();

    // the labels of the biggest communities at their centres while zoomed out
    network.on("afterDrawing", function (ctx) {
      if (colorBy !== "community") return;
      var scale = network.getScale();
      if (scale > 0.6) return;
      ctx.save();
      ctx.font = "600 " + (15 / scale) + "px system-ui, sans-serif";
      ctx.textAlign = "center";
      ctx.textBaseline = "bottom";
      ctx.lineJoin = "round";
      ctx.lineWidth = 5 / scale;
      ctx.strokeStyle = "rgba(255,255,255,0.9)";
      communities.slice(0, 12).forEach(function (c) {
        var text = c.top.slice(0, 2).join(" \u00b7 ");
        ctx.strokeText(text, c.x, c.labelY);
        ctx.fillStyle = "#202124";
        ctx.fillText(text, c.x, c.labelY);
      });
      ctx.restore();
    });

    // ------------------------------------------------------------------ tooltip
    var tip = $("kg-tooltip");
    var pinned = null;      // {kind, id} while a click keeps the tooltip open
    var hideTimer = null;

    function nodeCard(n) {
      var frag = document.createDocumentFragment();
      frag.appendChild(el("h3", null, n.label));
      var t = el("span");
      var sw = el("span", "kg-swatch");
      sw.style.background = (data.typeColors[n.type] || "#888");
      t.appendChild(sw);
      t.appendChild(document.createTextNode(" " + (n.type || "")));
      frag.appendChild(row("type", t));
      var id = n.curie || n.id;
      frag.appendChild(row("id", n.url ? link(n.url, id) : el("span", null, id)));
      frag.appendChild(row("mentions", fmt(n.mentions || 0) + " \u00b7 documents: " + fmt(n.documents || 0)));
      var aliases = (n.aliases || []).filter(function (a) { return a !== n.label; });
      if (aliases.length) {
        var shown = aliases.slice(0, 12).join(", ");
        frag.appendChild(row("aliases", shown + (aliases.length > 12 ? " \u2026 (+" + (aliases.length - 12) + ")" : "")));
      }
      frag.appendChild(row("neighbours shown", fmt(network.getConnectedNodes(n.id).length)));
      var pmids = n.pmids || [];
      if (pmids.length) {
        var refs = el("span", "kg-refs kg-pmids");
        pmids.forEach(function (p) {
          if (/^\d+$/.test(String(p))) refs.appendChild(link("https://pubmed.ncbi.nlm.nih.gov/" + p + "/", p));
        });
        if (n.nPmids > pmids.length) refs.appendChild(el("span", "kg-more", "+" + fmt(n.nPmids - pmids.length) + " more"));
        frag.appendChild(row("PubMed", refs));
      }
      var i = posOf(n.id);
      if (i >= 0 && I.nbr[i].length) {
        var list = el("span", "kg-neighbours");
        var hidden = 0;
        I.nbr[i].forEach(function (j, k) {
          var b = el("button", "kg-nbr", indexLabel(j));
          b.type = "button";
          b.title = data.scoreName + " " + (I.score[i][k] === null ? "n/a" : I.score[i][k]);
          b.addEventListener("click", function () { kg.search(I.id[j]); });
          list.appendChild(b);
          if (!nodes.get(I.id[j])) hidden++;
        });
        frag.appendChild(row("top neighbours", list));
        if (hidden) {
          var more = el("button", "kg-expand", "show " + hidden + " more neighbours");
          more.type = "button";
          more.addEventListener("click", function () { expand(n.id); showTip("node", n.id, network.canvasToDOM(network.getPosition(n.id)), true); });
          frag.appendChild(more);
        }
      }
      if (n.added) frag.appendChild(el("div", "kg-more", "added from the whole graph"));
      return frag;
    }

    function evidenceItem(ev) {
      var li = el("li");
      li.appendChild(el("span", null, ev.sentence || ""));
      var refs = el("div", "kg-refs");
      var pmid = String(ev.pmid || "");
      if (/^\d+$/.test(pmid)) refs.appendChild(link("https://pubmed.ncbi.nlm.nih.gov/" + pmid + "/", "PubMed " + pmid));
      var doi = String(ev.doi || "");
      if (doi) {
        refs.appendChild(link("https://doi.org/" + doi.split("/").map(encodeURIComponent).join("/"), "doi:" + doi));
      }
      var url = safeUrl(ev.url);
      if (url && url.indexOf("pubmed.ncbi.nlm.nih.gov") < 0 && url.indexOf("doi.org") < 0) refs.appendChild(link(url, "source"));
      if (!refs.childNodes.length && ev.doc_id) refs.appendChild(el("span", null, ev.doc_id));
      li.appendChild(refs);
      return li;
    }

    // a typed edge (kg.relations): its relation, relation score, and the sentences of each type
    function relationRows(e) {
      if (!e.relation) return [];
      var out = [];
      var name = el("span");
      var line = el("span", "kg-line");
      line.style.background = (data.relationColors || {})[e.relation] || "#9aa0a6";
      name.appendChild(line);
      name.appendChild(document.createTextNode(" " + e.relation.replace(/_/g, " ") +
        (e.relationScore !== undefined ? " \u00b7 relation score " + Number(e.relationScore).toPrecision(3) : "")));
      out.push(row("relation type", name));
      if (e.relationCounts) {
        out.push(row("documents per type", e.relationCounts.split("|").map(function (p) {
          var k = p.lastIndexOf(":");
          return p.slice(0, k).replace(/_/g, " ") + " " + p.slice(k + 1);
        }).join(", ")));
      }
      var st = e.statements || [];
      if (st.length) {
        var box = el("div", "kg-statements");
        st.forEach(function (s) {
          var h = el("h4");
          var sw = el("span", "kg-line");
          sw.style.background = (data.relationColors || {})[s.relation] || "#9aa0a6";
          h.appendChild(sw);
          h.appendChild(document.createTextNode(String(s.relation).replace(/_/g, " ") + " (" + fmt(s.n) + " doc" + (s.n === 1 ? "" : "s") + ")"));
          box.appendChild(h);
          var ol = el("ol");
          (s.sentences || []).forEach(function (ev) { ol.appendChild(evidenceItem(ev)); });
          box.appendChild(ol);
        });
        out.push(box);
      }
      return out;
    }

    function edgeCard(e) {
      var frag = document.createDocumentFragment();
      var a = nodes.get(e.from), b = nodes.get(e.to);
      frag.appendChild(el("h3", null, (a ? a.label : e.from) + " \u2014 " + (b ? b.label : e.to)));
      frag.appendChild(row(data.scoreName, e.score === null || e.score === undefined ? "n/a" : Number(e.score).toPrecision(3)));
      frag.appendChild(row("co-mentions", fmt(e.count || 0) + " \u00b7 documents: " + fmt(e.documents || 0)));
      relationRows(e).forEach(function (r) { frag.appendChild(r); });
      if (e.added) frag.appendChild(el("div", "kg-more", "added from the whole graph: its sentences are in evidence.csv"));
      var evs = e.evidence || [];
      if (evs.length) {
        var ol = el("ol");
        evs.forEach(function (ev) { ol.appendChild(evidenceItem(ev)); });
        frag.appendChild(el("div", "kg-key", "evidence"));
        frag.appendChild(ol);
        if (e.nEvidence > evs.length) frag.appendChild(el("div", "kg-more", "showing " + evs.length + " of " + fmt(e.nEvidence) + " sentences"));
      }
      return frag;
    }

    function showTip(kind, id, pointer, pin) {
      var item = kind === "node" ? nodes.get(id) : edges.get(id);
      if (!item) return;
      clearTimeout(hideTimer);
      tip.textContent = "";
      if (pin) {
        var close = el("button", "kg-close", "\u00d7");
        close.type = "button";
        close.title = "close";
        close.addEventListener("click", function () { unpin(); });
        tip.appendChild(close);
      }
      tip.appendChild(kind === "node" ? nodeCard(item) : edgeCard(item));
      tip.classList.toggle("kg-pinned", !!pin);
      tip.hidden = false;
      var rect = container.getBoundingClientRect();
      placeTip(rect.left + (pointer ? pointer.x : rect.width / 2), rect.top + (pointer ? pointer.y : rect.height / 2));
      if (pin) pinned = { kind: kind, id: id };
    }

    // Beside the point (x, y) of the viewport, flipped to its left when it would cross the right
    // edge, and always whole inside the viewport.
    function placeTip(x, y) {
      var w = tip.offsetWidth, h = tip.offsetHeight;
      var vw = document.documentElement.clientWidth, vh = document.documentElement.clientHeight;
      var left = x + 14 + w > vw - 4 ? x - w - 14 : x + 14;
      var top = y + 14;
      tip.style.left = Math.max(4, Math.min(left, vw - w - 4)) + "px";
      tip.style.top = Math.max(4, Math.min(top, vh - h - 4)) + "px";
    }

    function hideTip() {
      if (pinned) return;
      clearTimeout(hideTimer);
      hideTimer = setTimeout(function () { if (!pinned) tip.hidden = true; }, 250);
    }

    function unpin() {
      pinned = null;
      tip.hidden = true;
      tip.classList.remove("kg-pinned");
    }

    kg.showDetails = function (kind, id) {
      var pos = kind === "node" ? network.canvasToDOM(network.getPosition(id)) : null;
      showTip(kind, id, pos, true);
      return !tip.hidden;
    };

    container.addEventListener("mouseleave", function (ev) {
      if (ev.relatedTarget !== tip && !tip.contains(ev.relatedTarget)) hideTip();
    });
    tip.addEventListener("mouseenter", function () { clearTimeout(hideTimer); });
    tip.addEventListener("mouseleave", hideTip);
    document.addEventListener("keydown", function (ev) { if (ev.key === "Escape") unpin(); });

    network.on("hoverNode", function (p) { if (!pinned) showTip("node", p.node, p.pointer.DOM, false); });
    network.on("hoverEdge", function (p) { if (!pinned) showTip("edge", p.edge, p.pointer.DOM, false); });
    network.on("blurNode", hideTip);
    network.on("blurEdge", hideTip);
    network.on("click", function (p) {
      if (p.nodes.length) showTip("node", p.nodes[0], p.pointer.DOM, true);
      else if (p.edges.length) showTip("edge", p.edges[0], p.pointer.DOM, true);
      else unpin();
    });
    network.on("dragStart", function () { if (!pinned) tip.hidden = true; });
    network.on("zoom", function () { if (!pinned) tip.hidden = true; });

    // ------------------------------------------------------------------ filters
    function refresh() {
      nodeView.refresh();
      edgeView.refresh();
      updateStatus();
    }

    // a legend's checkboxes (selector) and the set of values they hide
    function setVisible(hidden, selector, value, visible) {
      if (visible) hidden.delete(value); else hidden.add(value);
      Array.prototype.forEach.call(document.querySelectorAll(selector), function (box) {
        if (box.value === value) box.checked = visible;
      });
      refresh();
    }
    function wire(hidden, selector) {
      Array.prototype.forEach.call(document.querySelectorAll(selector), function (box) {
        box.addEventListener("change", function () { setVisible(hidden, selector, box.value, box.checked); });
      });
    }
    function setTypeVisible(type, visible) { setVisible(hiddenTypes, "input.kg-type", type, visible); }
    kg.setTypeVisible = setTypeVisible;
    wire(hiddenTypes, "input.kg-type");
    function setAllTypes(visible) {
      Array.prototype.forEach.call(document.querySelectorAll("input.kg-type"), function (box) {
        box.checked = visible;
        if (visible) hiddenTypes.delete(box.value); else hiddenTypes.add(box.value);
      });
      refresh();
    }
    if ($("kg-types-all")) $("kg-types-all").addEventListener("click", function () { setAllTypes(true); });
    if ($("kg-types-none")) $("kg-types-none").addEventListener("click", function () { setAllTypes(false); });

    // relations (typed graphs): the legend's "Relations" checkboxes hide the edges of a relation
    kg.setRelationVisible = function (relation, visible) {
      setVisible(hiddenRelations, "input.kg-relation", relation, visible);
    };
    wire(hiddenRelations, "input.kg-relation");

    var range = $("kg-score-range"), num = $("kg-score-num");
    var scoreFrame = null;
    function setMinScore(value, source) {
      var v = parseFloat(value);
      if (isNaN(v)) return;
      minScore = v;
      if (source !== range) range.value = v;
      if (source !== num) num.value = v;
      if (scoreFrame === null) {
        scoreFrame = requestAnimationFrame(function () { scoreFrame = null; edgeView.refresh(); updateStatus(); });
      }
    }
    kg.setMinScore = function (v) { minScore = parseFloat(v); range.value = v; num.value = v; edgeView.refresh(); updateStatus(); };
    range.addEventListener("input", function () { setMinScore(range.value, range); });
    num.addEventListener("input", function () { setMinScore(num.value, num); });

    $("kg-fit").addEventListener("click", function () { network.fit({ animation: { duration: 300 } }); });
    setupYears();

    // ------------------------------------------------------------------ search
    var index = null;       // lower-cased name -> node id
    function buildIndex() {
      if (index) return index;
      index = new Map();
      var list = $("kg-names");
      var frag = document.createDocumentFragment();
      var seen = new Set();
      function add(name, id, hint) {
        if (typeof name !== "string" || !name) return;
        var key = name.toLowerCase();
        if (!index.has(key)) index.set(key, id);
        if (!seen.has(key)) {
          seen.add(key);
          var opt = document.createElement("option");
          opt.value = name;
          if (hint) opt.label = hint;
          frag.appendChild(opt);
        }
      }
      data.nodes.forEach(function (n) { add(n.label, n.id, n.type); });
      data.nodes.forEach(function (n) {
        (n.aliases || []).forEach(function (a) { add(a, n.id, "\u2192 " + n.label); });
        if (n.curie) add(n.curie, n.id, n.label);
      });
      list.appendChild(frag);
      return index;
    }

    function findNode(query) {
      var q = String(query || "").trim().toLowerCase();
      if (!q) return null;
      var idx = buildIndex();
      if (idx.has(q)) return idx.get(q);
      if (nodes.get(query)) return query;
      var found = findInIndex(q);
      if (found.exact) return bring(found.i);
      var best = null;
      idx.forEach(function (id, name) {
        if (best === null && name.indexOf(q) === 0) best = id;
      });
      if (best !== null) return best;
      idx.forEach(function (id, name) {
        if (best === null && name.indexOf(q) >= 0) best = id;
      });
      if (best !== null) return best;
      // a node of the whole graph the page does not draw yet
      return found.i >= 0 ? bring(found.i) : null;
    }

    function focusNode(id) {
      var n = nodes.get(id);
      if (!n) return false;
      if (hiddenTypes.has(n.type)) setTypeVisible(n.type, true);
      network.selectNodes([id]);
      var shown = false;
      function tipAtNode() {  // where the node is once the view has moved
        if (shown) return;
        shown = true;
        showTip("node", id, network.canvasToDOM(network.getPosition(id)), true);
      }
      unpin();
      updateStatus();  // a new search clears the last one's "no node matches"
      network.once("animationFinished", tipAtNode);
      setTimeout(tipAtNode, 600);  // in case the view did not move
      network.focus(id, { scale: Math.max(network.getScale(), 1.0), animation: { duration: 300, easingFunction: "easeInOutQuad" } });
      return true;
    }
    kg.search = function (query) {
      var id = findNode(query);
      return id !== null && focusNode(id) ? id : null;
    };

    var search = $("kg-search");
    search.addEventListener("focus", buildIndex);
    search.addEventListener("input", function () {
      var q = search.value.trim().toLowerCase();
      if (q && buildIndex().has(q)) focusNode(index.get(q));
    });
    search.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") {
        ev.preventDefault();
        var id = findNode(search.value);
        if (id === null || !focusNode(id)) {
          $("kg-status").textContent = "no node matches \u201c" + search.value + "\u201d";
        }
      }
    });
  }

  if (window.vis) start();
  else document.addEventListener("kg:vis-ready", start, { once: true });
})();
