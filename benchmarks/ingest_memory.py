"""Streaming PubMed XML keeps memory flat: the 319-record sample read once and 100 times over.

    python benchmarks/ingest_memory.py [SAMPLES_DIR] [--copies 1 100] [--dedupe]

SAMPLES_DIR holds PubMed XML files (``*.xml.gz``), by default
``../shared/corpora/abstracts/pubmed-xml-samples`` next to the repository. Their
PubmedArticle records are concatenated into one temporary ``.xml.gz`` per run, repeated
``--copies`` times (written record by record, never held in memory), and read with
:func:`kg.ingest.iter_documents`. Each run is a fresh process so its figures are its own:
records/s (documents yielded plus duplicates dropped) from a plain pass, ``ru_maxrss`` (peak resident set, whole process) after it,
then tracemalloc's peak (Python allocations only) from a second, traced pass.

``dedupe`` is off by default because the copies repeat the same papers: with it on, every
copy after the first is a duplicate, and the report's list of duplicates (one tuple per
repeat) grows with the input, as does the deduplicator's key set (about 60 bytes per key).
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SAMPLES = ROOT.parent / "shared" / "corpora" / "abstracts" / "pubmed-xml-samples"
HEAD = b'<?xml version="1.0" encoding="utf-8"?>\n<PubmedArticleSet>\n'
TAIL = b"</PubmedArticleSet>\n"


def load_records(folder: Path) -> list[bytes]:
    """The serialized PubmedArticle elements of every ``*.xml*`` file in ``folder``."""
    records = []
    for path in sorted(folder.glob("*.xml*")):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as handle:
            for _, elem in etree.iterparse(
                handle, tag="PubmedArticle", resolve_entities=False, no_network=True
            ):
                records.append(etree.tostring(elem).strip() + b"\n")
                elem.clear()
    return records


def write_repeated(records: list[bytes], copies: int, path: Path) -> int:
    with gzip.open(path, "wb", compresslevel=1) as out:
        out.write(HEAD)
        for _ in range(copies):
            for record in records:
                out.write(record)
        out.write(TAIL)
    return len(records) * copies


def measure(path: str, dedupe: bool) -> dict[str, float]:
    """One process, one input: a timed pass, then a tracemalloc-traced pass."""
    sys.path.insert(0, str(ROOT))
    from kg.ingest import IngestReport, iter_documents

    start = time.perf_counter()
    timed = IngestReport()
    count = sum(1 for _ in iter_documents(path, dedupe=dedupe, report=timed))
    seconds = time.perf_counter() - start
    records = count + len(timed.duplicates)
    maxrss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    tracemalloc.start()
    report = IngestReport()
    for _ in iter_documents(path, dedupe=dedupe, report=report):
        pass
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "documents": count,
        "duplicates": len(report.duplicates),
        "seconds": seconds,
        "records_per_s": records / seconds if seconds else float("inf"),
        "tracemalloc_peak_mib": peak / 2**20,
        "ru_maxrss_mib": maxrss_mib,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("samples", nargs="?", default=str(DEFAULT_SAMPLES), help="folder of PubMed XML files")
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 100], help="repetitions to measure")
    parser.add_argument("--dedupe", action="store_true", help="also measure with deduplication on")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--measure-dedupe", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.measure_dedupe)))
        return 0
    folder = Path(args.samples)
    if not folder.is_dir():
        print(
            f"{folder}: no such folder; pass the folder of PubMed XML samples as the first argument",
            file=sys.stderr,
        )
        return 2
    records = load_records(folder)
    print(f"{len(records)} PubmedArticle records from {folder}")
    print(
        f"{'copies':>6} {'dedupe':>6} {'records':>8} {'file MiB':>8} {'docs':>7} {'dups':>6} {'seconds':>8} "
        f"{'records/s':>9} {'tracemalloc peak MiB':>21} {'ru_maxrss MiB':>14}"
    )
    modes = [False, True] if args.dedupe else [False]
    with tempfile.TemporaryDirectory() as tmp:
        for copies in args.copies:
            path = Path(tmp) / f"sample-x{copies}.xml.gz"
            n = write_repeated(records, copies, path)
            for dedupe in modes:
                cmd = [sys.executable, __file__, "--measure", str(path)] + (
                    ["--measure-dedupe"] if dedupe else []
                )
                out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
                r = json.loads(out.strip().splitlines()[-1])
                print(
                    f"{copies:>5}x {str(dedupe):>6} {n:>8} {path.stat().st_size / 2**20:>8.2f} {r['documents']:>7} "
                    f"{r['duplicates']:>6} {r['seconds']:>8.2f} {r['records_per_s']:>9.0f} "
                    f"{r['tracemalloc_peak_mib']:>21.2f} {r['ru_maxrss_mib']:>14.1f}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
