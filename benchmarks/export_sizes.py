"""Bytes per edge of every file kg writes, and whether Cytoscape.js keeps every element.

Reads a graph from a build's output folder (its graph.json, lossless: ``kg build ... -f json``)
or builds one from a corpus, writes GraphML with ``evidence="top"`` (the default) and
``evidence="all"``, the .cyjs, evidence.csv, KGX and Neo4j files into a temporary folder and
prints their sizes per edge. With node and the ``cytoscape`` npm package (``--node-modules
DIR/node_modules``) it also loads the .cyjs in Cytoscape.js, headless
(benchmarks/cyjs_count.js), and prints the nodes and edges it kept.

Run::

    python benchmarks/export_sizes.py OUT_FOLDER             # a folder kg build wrote with -f json
    python benchmarks/export_sizes.py --build abstracts.jsonl
    python benchmarks/export_sizes.py OUT_FOLDER --node-modules /tmp/npm/node_modules

Issue 25, 1,000 PubMed abstracts (27,346 edges): GraphML 1,305 bytes/edge before (a367336),
958 after (evidence="top"), 1,390 with evidence="all"; Cytoscape.js kept 27,342 edges of the
old .cyjs and all 27,346 of the new.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "cyjs_count.js"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", help="an output folder of kg build holding graph.json")
    parser.add_argument("--build", help="build this corpus first (no outputs kept)")
    parser.add_argument("--node-modules", help="a node_modules folder holding the cytoscape package")
    args = parser.parse_args()
    import kg
    from kg.export.evidence_tables import write_evidence_table
    from kg.export.files import read_graph, write_cyjs, write_graphml
    from kg.export.kgx import write_kgx
    from kg.export.neo4j import write_neo4j

    if args.build:
        G = kg.build(args.build).graph
    elif args.folder:
        G = read_graph(Path(args.folder) / "graph.json")
    else:
        parser.error("give an output folder or --build CORPUS")
    m = max(G.number_of_edges(), 1)
    print(f"{G.number_of_nodes()} nodes, {G.number_of_edges()} edges")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        files = {
            "graph.graphml (evidence=top)": lambda p: write_graphml(G, p),
            "graph.graphml (evidence=all)": lambda p: write_graphml(G, p, evidence="all"),
            "graph.cyjs": lambda p: write_cyjs(G, p),
            "evidence.csv": lambda p: write_evidence_table(G, p),
        }
        for i, (name, write) in enumerate(files.items()):
            path = out / f"{i}"
            write(path)
            print(f"{name:<30} {path.stat().st_size:>12,} bytes  {path.stat().st_size / m:>8.1f} bytes/edge")
        write_kgx(G, out / "n.tsv", out / "e.tsv")
        write_neo4j(G, out / "n.csv", out / "r.csv")
        for name, pair in (("KGX", ("n.tsv", "e.tsv")), ("Neo4j", ("n.csv", "r.csv"))):
            size = sum((out / p).stat().st_size for p in pair)
            print(f"{name:<30} {size:>12,} bytes  {size / m:>8.1f} bytes/edge")
        if args.node_modules and shutil.which("node"):
            res = subprocess.run(["node", str(SCRIPT), str(out / "2")], capture_output=True, text=True, check=True,
                                 env={**os.environ, "NODE_PATH": args.node_modules})
            print("Cytoscape.js kept", json.loads(res.stdout))


if __name__ == "__main__":
    main()
