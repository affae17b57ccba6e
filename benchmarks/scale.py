"""Scale benchmark: throughput, parallel speed-up, memory, incremental rebuilds, and a notebook loop for reference.

Data: ``pubmed-abstracts-6k.jsonl`` (6,074 PubMed titles+abstracts, 1.3 M words; one JSON
object a line). Sizes above the corpus are made of replicas with new PMIDs and a marker
in the title (so deduplication keeps them). Every measurement runs in a fresh process,
so model loading and peak RSS (``ru_maxrss``, plus worker processes) are its own.

What is printed, for the first size (``--quick``: 600 documents):

1. ``nlp.pipe`` of the NER model alone vs ``kg.api.build`` end to end in one process
   (reading the JSONL, NER with sentences and abbreviations, linking, counting, scoring,
   writing the default outputs): documents/s, the ratio, and the build's stage times;
2. ``kg.api.build`` end to end with ``--workers`` processes vs one: speed-up;
3. for every size in ``--sizes``: wall time and peak RSS of a build with ``--workers``;
4. a build with the mention store, then a rebuild after adding 1% new documents, and
   one with nothing new: seconds and documents annotated vs reused;
5. the plain notebook loop (``nlp(text)`` per document, a double loop over the entity
   pairs of each sentence, ``G.add_edge`` per pair): documents/s and graph size.

Usage::

    python benchmarks/scale.py [--quick] [--sizes 6000,30000] [--model NAME|PATH] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpora" / "abstracts" / "pubmed-abstracts-6k.jsonl"


# -- data -----------------------------------------------------------------------------------------

def write_corpus(source: Path, n: int, path: Path, *, offset: int = 0, mark: str = "title") -> int:
    """Write ``n`` records (replicated past the source with new PMIDs) starting at record ``offset``; words.

    A replica's ``mark`` field (title or abstract) ends with "(replica N)", so deduplication keeps it;
    marking the abstract's end keeps every offset of the original text.
    """
    rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    words = 0
    with path.open("w", encoding="utf-8") as out:
        for i in range(offset, offset + n):
            row = dict(rows[i % len(rows)])
            copy = i // len(rows)
            if copy:
                row["pmid"] = str(int(row["pmid"]) + copy * 100_000_000)
                row[mark] = f"{row.get(mark) or ''} (replica {copy})"
            words += len(row["title"].split()) + len((row.get("abstract") or "").split())
            out.write(json.dumps(row) + "\n")
    return words


def read_corpus(path: Path):
    from kg.records import Document

    docs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        docs.append(Document(id=f"pmid:{row['pmid']}", title=row["title"], abstract=row.get("abstract") or "",
                             pmid=row["pmid"]))
    return docs


def cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children (robust to other load on the machine)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def peak_rss_mb() -> tuple[float, float]:
    """Peak resident set of this process and of its largest finished child, in MB (Linux: ru_maxrss is KB)."""
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / scale / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 / scale / 1024
    return round(own, 1), round(kids, 1)


# -- tasks (each runs in a child process) -----------------------------------------------------------

def task_pipe(args) -> dict:
    from kg.nlp.models import load_model

    texts = [d.text for d in read_corpus(Path(args.data))]
    t0 = time.perf_counter()
    nlp = load_model(args.model)
    load = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), cpu_seconds()
    ents = sum(len(doc.ents) for doc in nlp.pipe(texts, batch_size=64))
    return {"seconds": time.perf_counter() - t0, "cpu_seconds": cpu_seconds() - c0, "load_seconds": load,
            "entities": ents}


def task_build(args) -> dict:
    import kg.api

    t0, c0 = time.perf_counter(), cpu_seconds()
    g = kg.api.build(args.data, out=args.out, models=(args.model,), workers=args.workers, cache=args.cache)
    seconds, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    s = g.stats
    own, kids = peak_rss_mb()
    return {"seconds": seconds, "cpu_seconds": cpu, "ner_seconds": s.ner_seconds, "documents": s.documents,
            "mentions": s.mentions, "nodes": s.nodes, "edges": s.edges, "rss_mb": own, "workers_rss_mb": kids,
            "annotated": s.annotated, "reused": s.reused, "stages": s.stage_seconds, "peaks": s.stage_peak_mb}


def task_notebook(args) -> dict:
    import networkx as nx

    from kg.nlp.models import load_model

    texts = [d.text for d in read_corpus(Path(args.data))]
    nlp = load_model(args.model)
    t0, c0 = time.perf_counter(), cpu_seconds()
    G = nx.Graph()
    for text in texts:
        doc = nlp(text)
        for sent in doc.sents:
            ents = list(sent.ents)
            for i in range(len(ents)):
                for j in range(i + 1, len(ents)):
                    a, b = ents[i].text.lower(), ents[j].text.lower()
                    if a == b:
                        continue
                    if G.has_edge(a, b):
                        G[a][b]["weight"] += 1
                    else:
                        G.add_edge(a, b, weight=1)
    return {"seconds": time.perf_counter() - t0, "cpu_seconds": cpu_seconds() - c0, "nodes": G.number_of_nodes(),
            "edges": G.number_of_edges()}


TASKS = {"pipe": task_pipe, "build": task_build, "notebook": task_notebook}


def child(task: str, **kw) -> dict | None:
    """Run one task in a fresh Python process: its JSON result, or None (and the error printed) if it failed."""
    cmd = [sys.executable, __file__, "--task", task]
    for k, v in kw.items():
        cmd += [f"--{k.replace('_', '-')}", str(v)] if not isinstance(v, bool) else ([f"--{k}"] if v else [])
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines()
        print(f"  [task {task} failed: {lines[-1] if lines else proc.returncode}]", flush=True)
        return None
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["wall"] = time.perf_counter() - t0
    return out


# -- the report ---------------------------------------------------------------------------------------

def section_1(n: int, words: int, data: Path, tmp: Path, common: dict) -> dict | None:
    print("\n(1) bare nlp.pipe vs kg.api.build end to end", flush=True)
    pipe = child("pipe", data=data, **common)
    if pipe is None:
        return None
    pipe_rate = n / pipe["seconds"]
    print(f"  nlp.pipe   {pipe['seconds']:7.1f} s  {pipe_rate:7.1f} docs/s  {words / pipe['seconds']:8.0f} words/s"
          f"  {n / pipe['cpu_seconds']:6.1f} docs/CPU-s  (model load {pipe['load_seconds']:.1f} s not counted; "
          f"{pipe['entities']} entities)", flush=True)
    build = child("build", data=data, out=tmp / "out-1", workers=1, **common)
    if build is None:
        return None
    build_rate = n / build["seconds"]
    print(f"  kg build   {build['seconds']:7.1f} s  {build_rate:7.1f} docs/s  {words / build['seconds']:8.0f} words/s"
          f"  {n / build['cpu_seconds']:6.1f} docs/CPU-s  (NER {build['ner_seconds']:.1f} s; {build['mentions']} mentions, {build['nodes']} nodes, "
          f"{build['edges']} edges; all outputs written)")
    print("  build stages after reading + NER: " + ", ".join(f"{k} {v:.1f} s" for k, v in build["stages"].items()))
    print(f"  ratio build/pipe throughput: {build_rate / pipe_rate:.2f} wall, "
          f"{pipe['cpu_seconds'] / build['cpu_seconds']:.2f} CPU")
    return build


def section_2(n: int, data: Path, tmp: Path, common: dict, workers: int, one: dict | None) -> dict | None:
    print(f"\n(2) kg build end to end, --workers {workers} vs --workers 1 (no store)", flush=True)
    one = one or child("build", data=data, out=tmp / "out-1", workers=1, **common)
    many = child("build", data=data, out=tmp / f"out-2-{workers}", workers=workers, **common)
    if one is None or many is None:
        return None
    print(f"  workers=1  {one['seconds']:7.1f} s  {n / one['seconds']:7.1f} docs/s  (NER {one['ner_seconds']:.1f} s)")
    print(f"  workers={workers}  {many['seconds']:7.1f} s  {n / many['seconds']:7.1f} docs/s  (NER {many['ner_seconds']:.1f} s, "
          f"worker start-up included)  speed-up {one['seconds'] / many['seconds']:.2f}x end to end, "
          f"{one['ner_seconds'] / many['ner_seconds']:.2f}x NER;  same graph size: "
          f"{(one['nodes'], one['edges']) == (many['nodes'], many['edges'])}")
    return many


def section_3(sizes: list[int], corpus: Path, tmp: Path, common: dict, done: dict[int, dict], workers: int) -> None:
    print(f"\n(3) kg build --workers {workers}: wall time and peak RSS by size", flush=True)
    for size in sizes:
        path = tmp / f"corpus-{size}.jsonl"
        if not path.exists():
            write_corpus(corpus, size, path)
        r = done.get(size) or child("build", data=path, out=tmp / f"out-3-{size}", workers=workers, **common)
        if r is None:
            return
        print(f"  {size:>7} docs  {r['seconds']:8.1f} s  {size / r['seconds']:6.1f} docs/s  "
              f"peak RSS {r['rss_mb']:7.0f} MB main + {r['workers_rss_mb']:5.0f} MB largest child (NER or writer)  "
              f"({r['nodes']} nodes, {r['edges']} edges)", flush=True)


def section_4(n: int, data: Path, corpus: Path, tmp: Path, common: dict) -> None:
    print("\n(4) incremental rebuild with the mention store (<out>/kg.sqlite)", flush=True)
    grown, extra = tmp / f"corpus-{n}-plus.jsonl", max(1, n // 100)
    shutil.copyfile(data, grown)
    # new documents: unseen abstracts while the corpus lasts, then replicas with unused PMIDs
    write_corpus(corpus, extra, tmp / "extra.jsonl", offset=n if n < 6074 else 6074 * (n // 6074 + 1))
    with grown.open("a", encoding="utf-8") as f:
        f.write((tmp / "extra.jsonl").read_text(encoding="utf-8"))
    out = tmp / "out-4"
    runs = [("empty store", data), (f"+{extra} new documents (1%)", grown), ("nothing new", grown)]
    first = None
    for label, path in runs:
        r = child("build", data=path, out=out, workers=1, cache=True, **common)
        if r is None:
            break
        first = first or r
        print(f"  kg build {label:<25} {r['seconds']:7.1f} s  annotated {r['annotated']:>6}  "
              f"reused {r['reused']:>6}  ({r['seconds'] / first['seconds']:4.0%} of the first build)", flush=True)
    store = out / "kg.sqlite"
    if store.exists():
        size = store.stat().st_size
        print(f"  store size {size / 1e6:.1f} MB ({size / (n + extra) / 1e3:.1f} kB per document)")


def section_5(n: int, data: Path, common: dict) -> None:
    print("\n(5) notebook loop: nlp(text) per document, entity pairs per sentence, G.add_edge per pair", flush=True)
    nb = child("notebook", data=data, **common)
    if nb is not None:
        print(f"  {nb['seconds']:7.1f} s  {n / nb['seconds']:7.1f} docs/s  {n / nb['cpu_seconds']:6.1f} docs/CPU-s  graph {nb['nodes']} nodes, "
              f"{nb['edges']} edges (surface strings, no linking, no evidence, no scores)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--model", default=None, help="model name or path (default: kg's bundled model)")
    ap.add_argument("--sizes", default="6000,30000", help="comma-separated corpus sizes (100000 takes long)")
    ap.add_argument("--quick", action="store_true", help="600 documents only (a smoke run)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--chunk-bytes", type=int, default=None, help="text per chunk (default: kg.pipeline.ner_pass's)")
    ap.add_argument("--skip", default="", help="comma-separated sections to skip: 1,2,3,4,5")
    # child-process arguments
    ap.add_argument("--task", choices=sorted(TASKS), help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--cache", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.task and args.chunk_bytes is None:
        from kg.pipeline.ner_pass import CHUNK_BYTES

        args.chunk_bytes = CHUNK_BYTES["local"]

    if args.task:
        print(json.dumps(TASKS[args.task](args), default=str))
        return

    from kg.nlp.models import DEFAULT_MODEL, bundled_path

    if args.model is None:
        try:
            bundled_path(DEFAULT_MODEL)
        except Exception as err:  # noqa: BLE001
            sys.exit(f"{err}\nor pass --model PATH")
        args.model = DEFAULT_MODEL
    if not args.corpus.exists():
        sys.exit(f"no corpus at {args.corpus}: pass --corpus PATH (JSONL with pmid, title, abstract)")
    sizes = [600] if args.quick else [int(s) for s in args.sizes.split(",") if s.strip()]
    skip = set(args.skip.split(","))
    n = sizes[0]
    common = {"model": args.model, **({"chunk_bytes": args.chunk_bytes} if args.chunk_bytes else {})}
    tmp = Path(tempfile.mkdtemp(prefix="kg-scale-"))
    print(f"model {args.model}; {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}; corpus {args.corpus.name}")
    try:
        data = tmp / f"corpus-{n}.jsonl"
        words = write_corpus(args.corpus, n, data)
        print(f"\n{n} documents, {words / 1e6:.2f} M words")
        done: dict[int, dict] = {}
        one = section_1(n, words, data, tmp, common) if "1" not in skip else None
        if "2" not in skip and (many := section_2(n, data, tmp, common, args.workers, one)):
            done[n] = many  # section 3 does not build this size again
        if "3" not in skip:
            section_3(sizes, args.corpus, tmp, common, done, args.workers)
        if "4" not in skip:
            section_4(n, data, args.corpus, tmp, common)
        if "5" not in skip:
            section_5(n, data, common)
        print(f"\nload average at the end {os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
