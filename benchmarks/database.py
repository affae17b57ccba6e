"""The database of record and years on the 6k abstracts: sizes, the writer's cost, sql, as_of vs --years.

The 6,074 abstracts carry no year, so each is given one (``1990 + pmid % 30``, deterministic) in a
temporary copy. One build (default formats, the database included) writes a folder; then, in this
process, on the loaded graph:

1. ``kg.duckdb`` and ``graph.graphml`` sizes, in all and per edge;
2. the database writer alone (:func:`kg.export.database.database_frames` + ``write_database``),
   seconds, against the build's whole write stage (the writers run side by side in processes);
3. two ``g.sql`` queries (a top-10 by score, a per-year count through ``edge_years``), seconds;
4. ``g.as_of(YEAR)`` (restricting the kept per-document lists), seconds, nodes and edges;
5. ``kg build --years :YEAR`` into the same folder (NER reused from its cache: the graph stage
   and the files again), seconds, nodes and edges: the exact, re-scored alternative.

Usage::

    python benchmarks/database.py [--n 6074] [--year 2005] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpora" / "abstracts" / "pubmed-abstracts-6k.jsonl"


def dated_copy(n: int, path: Path) -> Path:
    """The first ``n`` abstracts with a ``year`` each (1990 + pmid % 30)."""
    with open(CORPUS, encoding="utf-8") as src, open(path, "w", encoding="utf-8") as dst:
        for i, line in enumerate(src):
            if i >= n:
                break
            rec = json.loads(line)
            rec["year"] = 1990 + int(rec["pmid"]) % 30
            dst.write(json.dumps(rec) + "\n")
    return path


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=6074)
    parser.add_argument("--year", type=int, default=2005)
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: a temporary one)")
    args = parser.parse_args()

    import kg
    from kg.export.database import database_frames, write_database

    with tempfile.TemporaryDirectory(prefix="kg-db-bench-") as tmp:
        tmp = Path(tmp)
        docs = dated_copy(args.n, tmp / "docs.jsonl")
        out = args.out or tmp / "out"
        g, build_s = timed(lambda: kg.build(docs, out=out, workers="auto"))
        edges = g.graph.number_of_edges()
        print(f"build: {args.n} abstracts, {g.graph.number_of_nodes()} nodes, {edges} edges, {build_s:.1f} s "
              f"(write stage {g.stats.stage_seconds.get('write', 0):.1f} s)")
        db, graphml = (out / "kg.duckdb").stat().st_size, (out / "graph.graphml").stat().st_size
        print(f"kg.duckdb {db / 1e6:.1f} MB ({db / max(edges, 1):.0f} B/edge); "
              f"graph.graphml {graphml / 1e6:.1f} MB ({graphml / max(edges, 1):.0f} B/edge)")
        frames, frames_s = timed(lambda: database_frames(g.graph, documents=g.documents, mentions=g.mentions,
                                                         relations=g.relations))
        _, write_s = timed(lambda: write_database(tmp / "again.duckdb", frames))
        print(f"database writer alone: frames {frames_s:.2f} s + DuckDB {write_s:.2f} s")
        top, top_s = timed(lambda: g.sql("SELECT source, target, score FROM edges ORDER BY score DESC LIMIT 10"))
        per_year, year_s = timed(lambda: g.sql(
            "SELECT year, count(*) AS edges, sum(documents) AS documents FROM edge_years GROUP BY year ORDER BY year"))
        print(f"g.sql top-10 {top_s * 1000:.0f} ms; per-year counts ({len(per_year)} years) {year_s * 1000:.0f} ms")
        a, as_of_s = timed(lambda: g.as_of(args.year))
        print(f"g.as_of({args.year}): {a.graph.number_of_nodes()} nodes, {a.graph.number_of_edges()} edges, "
              f"{as_of_s:.2f} s")
        s, slice_s = timed(lambda: kg.build(docs, out=out, years=(None, args.year), workers="auto"))
        print(f"kg build --years :{args.year} (same folder, NER cached): {s.graph.number_of_nodes()} nodes, "
              f"{s.graph.number_of_edges()} edges, {slice_s:.1f} s")


if __name__ == "__main__":
    main()
