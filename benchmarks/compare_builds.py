"""Build time and memory of two revisions of kg on the same corpus, measured in one run.

The VM's speed moves by tens of percent within an hour, so a slow-down target ("the 6k build
slows by at most 15%") is only meaningful as a ratio of builds run side by side. This script
exports the baseline revision (``git archive``) into a temporary folder, then runs
``kg build`` alternately with the baseline's code and with the working tree's, ``--rounds``
times each, every build in a fresh process and a fresh output folder, and prints per build:
wall seconds, peak RSS of the build process and of its largest child, the stage times from
``summary.json``, nodes and edges; then the median ratio (working tree / baseline).

Both revisions run in this Python environment (the baseline's source is put first on
``sys.path``), so they share the installed libraries: what is compared is kg's code.

Usage::

    python benchmarks/compare_builds.py --baseline b1e71cc [--n 6074] [--rounds 2] [-- EXTRA KG BUILD ARGS]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpora" / "abstracts" / "pubmed-abstracts-6k.jsonl"

_RUNNER = """
import json, resource, sys
sys.path.insert(0, {src!r})
sys.argv = ["kg", *{argv!r}]
import kg.cli
try:
    kg.cli.main()
except SystemExit as exc:
    if exc.code not in (0, None):
        raise
finally:
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print("KG_RUSAGE " + json.dumps({{"self_mb": me, "child_mb": kids}}), file=sys.stderr)
"""


def export_revision(rev: str, into: Path) -> Path:
    """The tree of ``rev`` (kg/ and what it needs) unpacked into ``into``."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def write_sample(n: int, path: Path) -> Path:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()[:n]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_build(src: Path, data: Path, out: Path, extra: list[str]) -> dict:
    argv = ["build", str(data), "--out", str(out), "--quiet", "--no-cache", *extra]
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _RUNNER.format(src=str(src), argv=argv)], capture_output=True, text=True, cwd=src
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"kg build with {src} failed:\n{proc.stderr[-3000:]}")
    usage = next(json.loads(line.split(" ", 1)[1]) for line in proc.stderr.splitlines() if line.startswith("KG_RUSAGE "))
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return {"seconds": seconds, **usage, "summary": summary}


def describe(label: str, run: dict) -> str:
    s = run["summary"]
    stages = s.get("stage_seconds") or s.get("stats", {}).get("stage_seconds") or {}
    counts = {k: s.get(k, s.get("stats", {}).get(k)) for k in ("documents", "nodes", "edges")}
    stage_text = ", ".join(f"{k} {v:.1f}" for k, v in stages.items()) if stages else "n/a"
    return (
        f"{label:9s} {run['seconds']:7.1f} s  peak {run['self_mb']:6.0f} MB (largest child {run['child_mb']:6.0f} MB)  "
        f"docs {counts['documents']} nodes {counts['nodes']} edges {counts['edges']}  stages: {stage_text}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", required=True, help="git revision to compare the working tree with")
    parser.add_argument("--n", type=int, default=6074, help="abstracts from the 6k corpus (default all)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("extra", nargs="*", help="more `kg build` arguments (after --)")
    args = parser.parse_args()
    if not CORPUS.exists():
        raise SystemExit(f"{CORPUS} not found: this benchmark needs ../shared beside the repository")
    with tempfile.TemporaryDirectory(prefix="kg-compare-") as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "baseline").mkdir()
        base = export_revision(args.baseline, (tmp / "baseline").resolve())
        data = write_sample(args.n, tmp / "corpus.jsonl")
        print(f"{args.n} abstracts; baseline {args.baseline} vs the working tree; {args.rounds} round(s), alternating")
        times: dict[str, list[float]] = {"baseline": [], "current": []}
        for r in range(args.rounds):
            for label, src in (("baseline", base), ("current", ROOT)):
                run = run_build(src, data, tmp / f"out-{label}-{r}", args.extra)
                times[label].append(run["seconds"])
                print(describe(label, run), flush=True)
        b, c = statistics.median(times["baseline"]), statistics.median(times["current"])
        print(f"median: baseline {b:.1f} s, current {c:.1f} s, ratio {c / b:.3f} ({(c / b - 1) * 100:+.1f}%)")


if __name__ == "__main__":
    main()
