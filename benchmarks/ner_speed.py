"""NER speed of kg's default stack, in one process: words per second on real abstracts.

    python benchmarks/ner_speed.py [--abstracts ../shared/corpora/abstracts/pubmed-abstracts-6k.jsonl] [--n 1000]

Prints, for the same texts: the bare bundled spaCy pipeline (``nlp.pipe``: tokenizer,
sentences, shared tok2vec, three NER heads, merge), and kg's whole NER pass
(:class:`kg.nlp.annotate.NerPipeline`: + abbreviations, lexicon, propagation, plain records), both with
one BLAS thread (one core); then the bare pipeline with spaCy's compiled loop for the
transition-based head instead of :mod:`kg.nlp.greedy_ner`, that and thinc's default BLIS products
instead of numpy's BLAS (:mod:`kg.nlp.blas`), i.e. spaCy's own defaults, and kg's defaults with
numpy's BLAS on every core.
Words are white-space separated words of title + abstract (the usual words/s measure).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from kg.nlp.annotate import NerPipeline
from kg.nlp.models import DEFAULT_MODEL, NER_DECODER_ENV, load_model
from kg.records import Document

DEFAULT_ABSTRACTS = Path(__file__).resolve().parents[1].parent / "shared/corpora/abstracts/pubmed-abstracts-6k.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--abstracts", type=Path, default=DEFAULT_ABSTRACTS)
    ap.add_argument("--n", type=int, default=1000, help="number of abstracts")
    ap.add_argument("--model", default=DEFAULT_MODEL)
    ap.add_argument("--batch-size", type=int, default=64)
    args = ap.parse_args()

    with open(args.abstracts, encoding="utf-8") as fh:
        recs = [json.loads(line) for _, line in zip(range(args.n), fh, strict=False)]
    docs = [Document(id=str(r["pmid"]), title=r["title"], abstract=r["abstract"]) for r in recs]
    texts = [d.text for d in docs]
    words = sum(len(t.split()) for t in texts)

    from threadpoolctl import threadpool_limits

    from kg.nlp.blas import BLAS_ENV, blas_library

    def bare(nlp) -> tuple[float, float, int]:
        list(nlp.pipe(texts[:20]))  # warm up
        t0, c0 = time.perf_counter(), time.process_time()
        n = sum(len(d.ents) for d in nlp.pipe(texts, batch_size=args.batch_size))
        return time.perf_counter() - t0, time.process_time() - c0, n

    rows = []
    with threadpool_limits(limits=1, user_api="blas"):
        nlp = load_model(args.model)
        rows.append((f"bare nlp.pipe (kg: {blas_library() or 'BLIS'}, numpy NER loop)", *bare(nlp)))
        pipe = NerPipeline((args.model,), batch_size=args.batch_size)
        list(pipe.annotate(docs[:20]))
        t0, c0 = time.perf_counter(), time.process_time()
        n_mentions = sum(len(a.mentions) for a in pipe.annotate(docs))
        rows.append(("kg NER pass (NerPipeline)", time.perf_counter() - t0, time.process_time() - c0, n_mentions))
        os.environ[NER_DECODER_ENV] = "spacy"  # spaCy's compiled loop for the transition-based head
        rows.append(("bare, spaCy's NER loop", *bare(load_model.__wrapped__(args.model))))
        os.environ[BLAS_ENV] = "blis"  # and thinc's default BLIS products: spaCy's own defaults
        rows.append(("bare, spaCy's loop + thinc's BLIS", *bare(load_model.__wrapped__(args.model))))
        del os.environ[BLAS_ENV], os.environ[NER_DECODER_ENV]
    rows.append((f"bare, BLAS on {os.cpu_count()} threads", *bare(nlp)))

    print(f"{len(docs)} abstracts, {words} words, model {args.model}, 1 process, 1 BLAS thread unless said")
    print(f"{'stage':<44}{'wall s':>8}{'words/s':>10}{'CPU s':>8}{'words/CPU s':>13}{'entities':>10}")
    for name, wall, cpu, n in rows:
        print(f"{name:<44}{wall:>8.1f}{words / wall:>10.0f}{cpu:>8.1f}{words / cpu:>13.0f}{n:>10}")
    print(f"ratio kg/bare (wall): {rows[0][1] / rows[1][1]:.2f}   kg's defaults vs spaCy's: {rows[3][1] / rows[0][1]:.2f}x"
          "   (words per CPU-second is the figure a busy machine does not distort)")


if __name__ == "__main__":
    main()
