"""What the relation step costs a build: ``kg.build`` of the first N PubMed abstracts with ``relations="off"``
and ``"on"``, alternately (the VM's speed drifts: compare neighbouring runs), no NER cache, and the time
of the relation step itself (``stage_seconds["relations"]``, part of ``edges``).

Usage::

    python benchmarks/relations_cost.py [--size 1000] [--repeats 2] [--workers auto]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
from pathlib import Path

import kg

ABSTRACTS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "abstracts" / \
    "pubmed-abstracts-6k.jsonl"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1000, help="abstracts (the first N of the 6k JSON Lines)")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--workers", default="auto")
    parser.add_argument("--abstracts", type=Path, default=ABSTRACTS)
    args = parser.parse_args(argv)
    if not args.abstracts.is_file():
        print(f"{args.abstracts}: not found; pass --abstracts", file=sys.stderr)
        return 2
    workers = args.workers if args.workers == "auto" else int(args.workers)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "abstracts.jsonl"
        with open(args.abstracts, encoding="utf-8") as src, open(data, "w", encoding="utf-8") as out:
            out.writelines(itertools.islice(src, args.size))
        times: dict[str, list[float]] = {"off": [], "on": []}
        for _ in range(args.repeats):
            for relations in ("off", "on"):
                t0 = time.perf_counter()
                built = kg.build(data, out=Path(tmp) / relations, relations=relations, cache=False, workers=workers)
                seconds = time.perf_counter() - t0
                times[relations].append(seconds)
                stages = ", ".join(f"{k} {v:.1f}" for k, v in built.stats.stage_seconds.items())
                print(f"relations {relations:<3} {seconds:6.1f} s  {built}  ({stages}; peak "
                      f"{max(built.stats.stage_peak_mb.values()):.0f} MB)", flush=True)
    off, on = min(times["off"]), min(times["on"])
    print(f"best of {args.repeats}: off {off:.1f} s, on {on:.1f} s, ratio {on / off:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
