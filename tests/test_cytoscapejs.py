"""The .cyjs loads in the real Cytoscape.js (npm ``cytoscape``, headless under node) with every
node and edge: ids unique across both (issue 25). Skipped without node or the package; point
``KG_NODE_MODULES`` at a ``node_modules`` folder holding ``cytoscape`` (``.ci/run`` installs one)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "cyjs_count.js"


@pytest.fixture(scope="module")
def node_modules() -> Path:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    where = Path(os.environ.get("KG_NODE_MODULES", Path(__file__).resolve().parent.parent / "node_modules"))
    if not (where / "cytoscape").is_dir():
        pytest.skip(f"the cytoscape npm package is not in {where}; `npm install --prefix DIR cytoscape@3` and "
                    "set KG_NODE_MODULES=DIR/node_modules")
    return where


def test_cytoscapejs_keeps_every_node_and_edge(node_modules, seeds_graph, tmp_path):
    from kg.export.files import write_cyjs

    g, out = seeds_graph
    G = g.graph.copy()
    for name in ("e0", "e1", "e2", "edge:0"):  # node ids that once collided with edge ids
        G.add_node(name, label=name.upper(), type="Chemical", mentions=1, documents=1)
        G.add_edge(name, next(iter(g.graph)), score=0.1, count=1, documents=1)
    path = tmp_path / "g.cyjs"
    write_cyjs(G, path)
    for cyjs in (path, out / "graph.cyjs"):
        res = subprocess.run(["node", str(SCRIPT), str(cyjs)], capture_output=True, text=True, timeout=120,
                             env={**os.environ, "NODE_PATH": str(node_modules)}, check=True)
        counts = json.loads(res.stdout)
        assert counts["nodes"] == counts["file_nodes"] and counts["edges"] == counts["file_edges"], counts
    assert counts["file_edges"] == g.graph.number_of_edges() > 0
