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
4. ``kg update``: a clean build (timed), then ``kg.update`` after appending 1% new documents to its
   input file, then with nothing new: seconds and the ratio to the clean build; a clean build of the
   same inputs, every output file compared byte for byte; GraphML bytes per edge (and kg.duckdb's
   when the build writes one);
5. the plain notebook loop (``nlp(text)`` per document, a double loop over the entity
   pairs of each sentence, ``G.add_edge`` per pair): documents/s and graph size;
6. a ``--vocabulary-size`` build (default 100,000) whose replicas get new vocabulary (:func:`invent`),
   so the graph grows with the corpus: time, peak RSS per process, nodes and edges;

and a last block with the issue's targets (met or not).

Usage::

    python benchmarks/scale.py [--quick] [--sizes 6000,30000] [--model NAME|PATH] [--workers 2]
    python benchmarks/scale.py --sizes 6000 --skip 1,2,3,5,6     # the update figures only
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpora" / "abstracts" / "pubmed-abstracts-6k.jsonl"


# -- data -----------------------------------------------------------------------------------------

#: Gene-like symbols (an upper-case letter, then 1-7 upper-case letters or digits: STAT3, EGFR, NSCLC).
SYMBOL = re.compile(r"\b[A-Z][A-Z0-9]{1,7}\b")
#: Drug-like names: a stem and a drug-class ending (gefitinib, cetuximab, cisplatin, fluconazole).
DRUG = re.compile(r"\b([a-z]{3,})(inib|mab|mycin|platin|statin|azole|cillin|olol|pril|sartan|vir|tinib)\b")
SYLLABLES = ("ba", "ce", "di", "fo", "gu", "ka", "le", "mo", "nu", "pi", "ra", "se", "to", "vy", "za", "xi")


def invent(text: str, copy: int) -> str:
    """``text`` with new vocabulary for replica ``copy`` (the same within a copy, so an invented name recurs
    in several documents as real ones do): every gene-like symbol's letters shifted by ``copy`` places in the
    alphabet (STAT3 -> TUBU3 in copy 1; digits kept, so it still looks like a symbol), every drug-like name's
    stem replaced by two syllables chosen from the stem and the copy (gefitinib -> kapitinib), keeping its
    class ending. Most invented symbols match no lexicon entry, so they become new (ungrounded) nodes; some
    hit another real symbol; the graph grows either way, unlike with plain replicas."""
    def symbol(m: re.Match) -> str:
        return "".join(chr((ord(c) - 65 + copy) % 26 + 65) if c.isalpha() else c for c in m.group(0))

    def drug(m: re.Match) -> str:
        h = zlib.crc32(f"{m.group(1)}:{copy}".encode())
        return SYLLABLES[h % 16] + SYLLABLES[(h >> 4) % 16] + m.group(2)

    return DRUG.sub(drug, SYMBOL.sub(symbol, text))


def write_corpus(source: Path, n: int, path: Path, *, offset: int = 0, mark: str = "title",
                 new_vocabulary: bool = False) -> int:
    """Write ``n`` records (replicated past the source with new PMIDs) starting at record ``offset``; words.

    A replica's ``mark`` field (title or abstract) ends with "(replica N)", so deduplication keeps it;
    marking the abstract's end keeps every offset of the original text. With ``new_vocabulary`` a
    replica's title and abstract get invented names (:func:`invent`), so the graph grows with the corpus.
    """
    rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    words = 0
    with path.open("w", encoding="utf-8") as out:
        for i in range(offset, offset + n):
            row = dict(rows[i % len(rows)])
            copy = i // len(rows)
            if copy:
                row["pmid"] = str(int(row["pmid"]) + copy * 100_000_000)
                if new_vocabulary:
                    row["title"], row["abstract"] = invent(row["title"], copy), invent(row.get("abstract") or "", copy)
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


def task_update(args) -> dict:
    import kg

    t0 = time.perf_counter()
    r = kg.update(args.out, fetch=False)
    seconds = time.perf_counter() - t0
    s = r.graph.stats if r.graph is not None else None
    return {"seconds": seconds, "changed": r.changed, "annotated": s.annotated if s else 0,
            "reused": s.reused if s else 0, "relations": s.cache.get("relations", {}) if s else {},
            "stages": s.stage_seconds if s else {}}


TASKS = {"pipe": task_pipe, "build": task_build, "notebook": task_notebook, "update": task_update}


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


OUTPUT_EXTRAS = ("summary.json", ".kg-build.json")  # times and paths; the folder's own state


def output_files(out: Path) -> dict[str, bytes]:
    """The output files of a build folder (not summary.json, the build record, the NER cache or the lock);
    the database by its content (DuckDB files differ in their bytes from write to write)."""
    from kg.export.database import DATABASE_FILE, content_bytes

    return {p.name: content_bytes(p) if p.name == DATABASE_FILE else p.read_bytes() for p in sorted(out.iterdir())
            if p.is_file() and not p.name.startswith((".", "kg.sqlite")) and p.name not in OUTPUT_EXTRAS}


def section_4(n: int, data: Path, corpus: Path, tmp: Path, common: dict) -> dict:
    print("\n(4) kg update: a clean build, then kg update after +1% documents, then with nothing new", flush=True)
    inputs, extra = tmp / "corpus-4.jsonl", max(1, n // 100)
    shutil.copyfile(data, inputs)  # the build's saved input path: the update reads it again
    out, figures = tmp / "out-4", {}
    clean = child("build", data=inputs, out=out, workers=1, cache=True, **common)
    if clean is None:
        return figures
    figures["clean"] = clean["seconds"]
    print(f"  clean build        {clean['seconds']:7.1f} s  ({clean['documents']} documents, {clean['nodes']} nodes, "
          f"{clean['edges']} edges; stages {clean['stages']})", flush=True)
    # new documents: unseen abstracts while the corpus lasts, then replicas with unused PMIDs
    write_corpus(corpus, extra, tmp / "extra.jsonl", offset=n if n < 6074 else 6074 * (n // 6074 + 1))
    with inputs.open("a", encoding="utf-8") as f:
        f.write((tmp / "extra.jsonl").read_text(encoding="utf-8"))
    for label, key in [(f"+{extra} documents (1%)", "plus"), ("nothing new", "nothing")]:
        r = child("update", out=out, **common)
        if r is None:
            return figures
        figures[key] = r["seconds"]
        print(f"  kg update {label:<18} {r['seconds']:7.2f} s  {r['seconds'] / clean['seconds']:6.1%} of the clean build  "
              f"(changed {r['changed']}; NER annotated {r['annotated']}, reused {r['reused']}; relation predictions "
              f"reused {r['relations'].get('reused', 0)}, made {r['relations'].get('predicted', 0)}; stages "
              f"{r['stages']})", flush=True)
    again = child("build", data=inputs, out=tmp / "out-4-clean", workers=1, **common)
    if again is not None:
        updated, fresh = output_files(out), output_files(tmp / "out-4-clean")
        same = updated == fresh
        figures["equal"] = same
        differ = sorted(k for k in set(updated) | set(fresh) if updated.get(k) != fresh.get(k))
        print(f"  files after the updates equal a clean build's of the same inputs: {same} ({len(fresh)} files "
              f"compared byte for byte{'; differ: ' + ', '.join(differ) if differ else ''}; clean build "
              f"{again['seconds']:.1f} s)", flush=True)
        edges = again["edges"] or 1
        graphml = tmp / "out-4-clean" / "graph.graphml"
        if graphml.exists():
            print(f"  graph.graphml {graphml.stat().st_size / 1e6:.1f} MB = {graphml.stat().st_size / edges:.0f} bytes "
                  f"per edge ({edges} edges)")
        database = tmp / "out-4-clean" / "kg.duckdb"  # the database of record, once the build writes one
        if database.exists():
            print(f"  kg.duckdb {database.stat().st_size / 1e6:.1f} MB = {database.stat().st_size / edges:.0f} bytes "
                  "per edge")
        else:
            print("  kg.duckdb: not written by this build (the database comes with the database branch)")
    store = out / "kg.sqlite"
    if store.exists():
        size = store.stat().st_size
        print(f"  cache size {size / 1e6:.1f} MB ({size / (n + extra) / 1e3:.1f} kB per document: NER, groundings "
              "and relation predictions)")
    return figures


def section_6(size: int, corpus: Path, tmp: Path, common: dict, workers: int) -> dict | None:
    print(f"\n(6) {size} documents whose replicas get new vocabulary (invent(): shifted gene symbols, invented "
          f"drug names), --workers {workers}: peak memory", flush=True)
    path = tmp / f"corpus-{size}-new-vocabulary.jsonl"
    words = write_corpus(corpus, size, path, new_vocabulary=True)
    r = child("build", data=path, out=tmp / "out-6", workers=workers, **common)
    if r is not None:
        verdict = "under" if max(r["rss_mb"], r["workers_rss_mb"]) < 2048 else "OVER"
        print(f"  {size} docs ({words / 1e6:.1f} M words)  {r['seconds']:8.1f} s  {size / r['seconds']:6.1f} docs/s  "
              f"peak RSS {r['rss_mb']:7.0f} MB main + {r['workers_rss_mb']:5.0f} MB largest child: {verdict} 2 GB per "
              f"process  ({r['nodes']} nodes, {r['edges']} edges; peaks by stage {r['peaks']})", flush=True)
    return r


def section_5(n: int, data: Path, common: dict) -> None:
    print("\n(5) notebook loop: nlp(text) per document, entity pairs per sentence, G.add_edge per pair", flush=True)
    nb = child("notebook", data=data, **common)
    if nb is not None:
        print(f"  {nb['seconds']:7.1f} s  {n / nb['seconds']:7.1f} docs/s  {n / nb['cpu_seconds']:6.1f} docs/CPU-s  graph {nb['nodes']} nodes, "
              f"{nb['edges']} edges (surface strings, no linking, no evidence, no scores)")


def summary(updates: dict, vocabulary: dict | None) -> None:
    """The issue's targets, one line each."""
    print("\ntargets (issue 26):")
    if "plus" in updates:
        ratio = updates["plus"] / updates["clean"]
        print(f"  update after +1% documents: {ratio:.1%} of a clean build (target <= 10%, goal 5%): "
              f"{'met' if ratio <= 0.10 else 'NOT met'}")
    if "nothing" in updates:
        ratio = updates["nothing"] / updates["clean"]
        print(f"  update with nothing new: {ratio:.1%} (target <= 5%): {'met' if ratio <= 0.05 else 'NOT met'}")
    if "equal" in updates:
        print(f"  files equal a clean build's byte for byte: {updates['equal']}")
    if vocabulary is not None:
        peak = max(vocabulary["rss_mb"], vocabulary["workers_rss_mb"])
        print(f"  peak memory of the growing-vocabulary build: {peak:.0f} MB per process (target < 2048 MB): "
              f"{'met' if peak < 2048 else 'NOT met'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--model", default=None, help="model name or path (default: kg's bundled model)")
    ap.add_argument("--sizes", default="6000,30000", help="comma-separated corpus sizes (100000 takes long)")
    ap.add_argument("--quick", action="store_true", help="600 documents only (a smoke run)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--chunk-bytes", type=int, default=None, help="text per chunk (default: kg.pipeline.ner_pass's)")
    ap.add_argument("--skip", default="", help="comma-separated sections to skip: 1,2,3,4,5,6")
    ap.add_argument("--vocabulary-size", type=int, default=100_000,
                    help="documents of section 6's growing-vocabulary build (--quick: 1,200)")
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
    if args.quick:
        args.vocabulary_size = min(args.vocabulary_size, 1200)
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
        updates = section_4(n, data, args.corpus, tmp, common) if "4" not in skip else {}
        if "5" not in skip:
            section_5(n, data, common)
        vocabulary = section_6(args.vocabulary_size, args.corpus, tmp, common, args.workers) if "6" not in skip else None
        summary(updates, vocabulary)
        print(f"\nload average at the end {os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
