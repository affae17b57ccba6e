// Load a .cyjs file with the real cytoscape npm package, headless, and print what it kept:
//   NODE_PATH=DIR/node_modules node benchmarks/cyjs_count.js graph.cyjs
// prints {"file_nodes": N, "file_edges": M, "nodes": n, "edges": m}. Cytoscape.js keeps one element
// per id across nodes and edges and drops a later duplicate without a word (issue 25).
const fs = require("fs");
const cytoscape = require("cytoscape");
const data = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const els = data.elements || {};
const nodes = Array.isArray(els) ? els.filter((e) => !("source" in e.data)) : els.nodes || [];
const edges = Array.isArray(els) ? els.filter((e) => "source" in e.data) : els.edges || [];
const warn = console.warn;
console.warn = () => {}; // cytoscape warns about each duplicate id; the counts say it
const cy = cytoscape({ headless: true, styleEnabled: false, elements: { nodes, edges } });
console.warn = warn;
console.log(JSON.stringify({ file_nodes: nodes.length, file_edges: edges.length,
  nodes: cy.nodes().length, edges: cy.edges().length }));
