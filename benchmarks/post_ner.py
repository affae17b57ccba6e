"""Post-NER benchmark: time and peak memory of everything after NER, at corpus sizes NER would take hours for.

``kg build`` reuses stored mentions (``<out>/kg.sqlite``), so a build whose store already
holds every document runs no NER: what is left is reading the corpus, decoding the stored
annotations, concepts, counting, the graph and the writers, which is what must stay out of
NER's way (issue: memory bounded by entities and edges, not by the corpus).

How: one real build of the 6k corpus fills a store; for each size, replicas of the corpus
(new PMIDs, "(replica N)" at the end of the abstract, so every mention offset stays valid)
get the stored annotations of their original under the current model's fingerprint; then
``kg build`` runs on them in a fresh process (one worker) and its stage times and peak
RSS after each stage (``summary.json``'s ``stage_peak_mb``) are printed. The graph of
replicas has the 6k corpus's edges with more documents behind each: a real corpus of that
size would have more edges.

Usage::

    python benchmarks/post_ner.py [--sizes 6000,30000,100000] [--base-store PATH] [--workers 2]
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale import CORPUS, child, write_corpus  # noqa: E402


def fill_store(base_store: Path, data: Path, store_path: Path, model: str) -> int:
    """Store every record of ``data`` with the annotations of its original in ``base_store``; how many."""
    from kg.ingest import iter_documents
    from kg.pipeline.store import MentionStore, decode_annotations, describe_stack, stack_fingerprint

    with sqlite3.connect(base_store) as db:
        base = dict(db.execute("SELECT d.pmid, a.data FROM documents d JOIN annotations a ON a.doc_id = d.id"))
    fingerprint = stack_fingerprint((model,))
    description = describe_stack((model,))
    n = 0
    with MentionStore(store_path) as store:
        batch = []
        for doc in iter_documents([data]):
            blob = base.get(str(int(doc.pmid) % 100_000_000))
            if blob is None:
                continue
            batch.append((doc, decode_annotations(doc.id, blob)))
            if len(batch) == 2000:
                store.put_many(batch, fingerprint, description=description)
                n, batch = n + len(batch), []
        store.put_many(batch, fingerprint, description=description)
    return n + len(batch)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--sizes", default="6000,30000,100000")
    ap.add_argument("--base-store", type=Path, default=None,
                    help="a kg.sqlite from a build of --corpus (default: build one now, with --workers)")
    ap.add_argument("--workers", type=int, default=2, help="processes for the one real build of the base store")
    ap.add_argument("--model", default="kg_biomed")
    args = ap.parse_args()
    if not args.corpus.exists():
        sys.exit(f"no corpus at {args.corpus}: pass --corpus PATH (JSONL with pmid, title, abstract)")
    tmp = Path(tempfile.mkdtemp(prefix="kg-post-ner-"))
    common = {"model": args.model}
    try:
        base = args.base_store
        if base is None:
            print(f"base store: kg build of {args.corpus.name} with --workers {args.workers} ...", flush=True)
            r = child("build", data=args.corpus, out=tmp / "base", workers=args.workers, cache=True, **common)
            if r is None:
                sys.exit("the base build failed")
            base = tmp / "base" / "kg.sqlite"
        print("post-NER stages of kg build (one process, every document's mentions from the store): "
              "seconds / peak RSS MB after each stage")
        for size in (int(s) for s in args.sizes.split(",") if s.strip()):
            data, out = tmp / f"corpus-{size}.jsonl", tmp / f"out-{size}"
            words = write_corpus(args.corpus, size, data, mark="abstract")
            out.mkdir()
            t0 = time.perf_counter()
            stored = fill_store(base, data, out / "kg.sqlite", args.model)
            filled = time.perf_counter() - t0
            r = child("build", data=data, out=out, workers=1, cache=True, **common)
            if r is None:
                return
            stages = "  ".join(f"{k} {v:.1f}s/{r['peaks'].get(k, 0):.0f}" for k, v in r["stages"].items())
            print(f"  {size:>7} docs ({words / 1e6:.1f} M words, {stored} stored in {filled:.0f} s): "
                  f"{r['seconds']:7.1f} s, peak RSS {r['rss_mb']:6.0f} MB; annotated {r['annotated']}, "
                  f"reused {r['reused']}; reading+decoding {r['ner_seconds']:.1f}s/{r['peaks'].get('ner+concepts', 0):.0f}"
                  f"  {stages}  ({r['nodes']} nodes, {r['edges']} edges)", flush=True)
            shutil.rmtree(out, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
