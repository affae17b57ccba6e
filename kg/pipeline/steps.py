"""The named steps of a build: read -> annotate (NER and concepts) -> edges -> graph -> write.

:func:`kg.build` runs them in that order on checked :class:`~kg.pipeline.options.BuildOptions`.
Their state lives in named objects: :class:`Corpus` (what later steps need of each document),
the concept table of :func:`annotate` (the seam after NER: everything later starts from it),
and :class:`Clock` (stage times, peak memory, the progress line after NER).
"""

from __future__ import annotations

import gc
import hashlib
import sqlite3
import sys
import time
import warnings
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from kg.concepts.filter import concept_rules
from kg.concepts.grounder import Grounder
from kg.concepts.table import ConceptTable, assign_concepts, document_concepts
from kg.errors import KgError
from kg.graph.build_graph import GraphOptions, build_graph
from kg.graph.cooccur import count_pairs, filter_edges
from kg.graph.generic import drop_generic, generic_concepts
from kg.graph.years import YearSlice
from kg.ingest import IngestReport, iter_documents
from kg.ingest.counting import count_records
from kg.nlp.annotate import FLAG_LONG_TEXT, MAX_TEXT_CHARS, AnnotatedDoc
from kg.pipeline.grounding_cache import GroundingCache, grounding_fingerprint, kept_concepts
from kg.pipeline.ner_pass import AnnotationStats, annotate_corpus, available_cores
from kg.pipeline.options import BuildOptions
from kg.pipeline.outfolder import OutputFolder
from kg.pipeline.progress import progress_bar
from kg.pipeline.store import DEFAULT_STORE_NAME, CacheWarning, MentionStore
from kg.records import Document
from kg.vocabularies.linking import Linker

__all__ = ["Corpus", "Clock", "Annotated", "Edges", "Relations", "Output", "output_folder", "read", "flag_long",
           "long_text_notes", "year_slice", "annotate", "relations", "edges", "graph", "gc_paused", "peak_rss_mb", "write_processes",
           "summary_steps", "stats_fields"]


@dataclass
class Corpus:
    """What the steps after NER need of each document, kept compact: its text (for evidence
    sentences; zlib level 1, about 2.5x smaller, unpacked only for documents that give
    evidence), links and title, and its sentence spans; not the records or mentions."""

    texts: dict[str, bytes] = field(default_factory=dict)
    metas: dict[str, tuple[str | None, str | None, str | None, str]] = field(default_factory=dict)
    spans: dict[str, np.ndarray] = field(default_factory=dict)
    #: year, journal and source file of each document (the database's documents table, the edges' years)
    records: dict[str, tuple[int | None, str | None, str]] = field(default_factory=dict)
    #: SHA-1 of each document's exact text (with the NER stack, what its NER output and grounding depend on)
    sha1s: dict[str, str] = field(default_factory=dict)
    _last: tuple[str, str] | None = field(default=None, repr=False)  # build_graph asks document by document

    def remember(self, docs: Iterator[Document]) -> Iterator[Document]:
        """``docs`` unchanged, each one's text and links kept on the way."""
        for doc in docs:
            raw = doc.text.encode("utf-8")
            self.texts[doc.id] = zlib.compress(raw, 1)
            self.sha1s[doc.id] = hashlib.sha1(raw).hexdigest()
            self.metas[doc.id] = (doc.pmid, doc.doi, doc.url, doc.title)
            self.records[doc.id] = (doc.year, doc.journal, doc.source)
            yield doc

    def keep_sentences(self, annotated: AnnotatedDoc) -> None:
        """Keep the (start, end) of each sentence of an annotated document."""
        self.spans[annotated.doc_id] = np.asarray(annotated.sentences, dtype=np.int32).reshape(-1, 3)[:, :2].copy()

    def text(self, doc_id: str) -> str:
        """The whole text of document ``doc_id`` (unpacked; the last one asked for is kept)."""
        return self._text(doc_id)

    def sentence_spans(self, doc_id: str) -> np.ndarray:
        """The (start, end) of each sentence of ``doc_id``, an (n, 2) array."""
        return self.spans[doc_id]

    def _text(self, doc_id: str) -> str:
        if self._last is None or self._last[0] != doc_id:
            self._last = (doc_id, zlib.decompress(self.texts[doc_id]).decode("utf-8"))
        return self._last[1]

    def sentence_text(self, doc_id: str, sent: int) -> str:
        """Sentence ``sent`` of document ``doc_id``, its whitespace collapsed."""
        start, end = self.spans[doc_id][sent].tolist()
        return " ".join(self._text(doc_id)[start:end].split())

    def doc_meta(self, doc_id: str) -> dict:
        pmid, doi, url, title = self.metas[doc_id]
        return {"pmid": pmid, "doi": doi, "url": url, "title": title}

    def years(self) -> dict[str, int | None]:
        """Each document's year (None when its record has none)."""
        return {doc_id: rec[0] for doc_id, rec in self.records.items()}

    def documents_frame(self) -> pd.DataFrame:
        """One row per document read: doc_id, pmid, doi, title, journal, year (nullable), source, url."""
        rows = [(doc_id, pmid or "", doi or "", title or "", journal or "", year, source or "", url or "")
                for (doc_id, (pmid, doi, url, title)), (year, journal, source)
                in zip(self.metas.items(), self.records.values(), strict=True)]
        frame = pd.DataFrame(rows, columns=["doc_id", "pmid", "doi", "title", "journal", "year", "source", "url"])
        return frame.astype({"year": "Int64"})

    def __len__(self) -> int:
        return len(self.texts)

    def clear(self) -> None:
        self.texts.clear()
        self.metas.clear()
        self.records.clear()
        self.spans.clear()
        self.sha1s.clear()
        self._last = None


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB (0 where it cannot be read)."""
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside (the collector's previous state is restored after).

    The stages after NER make millions of containers (edge attribute dicts, evidence and
    document lists) that all stay alive in the graph, and the writers read them; CPython's
    generational collector would traverse every surviving young object again and again while
    they are made (a tenth of those stages' time on a 6k-abstract build) without finding
    garbage: they hold no reference cycles to free. The NER pass keeps the collector (spaCy
    documents may hold cycles; pausing it there gained nothing).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class Clock:
    """Seconds and peak memory per stage, and the terminal line after the NER bar
    (``making the graph (2/3) [00:09]``: the step under way, its number, the time so far)."""

    def __init__(self, steps: list[str], *, progress: bool) -> None:
        self.steps = steps
        self.seconds: dict[str, float] = {}
        self.peak_mb: dict[str, float] = {}
        self._last = time.perf_counter()
        self._bar = progress_bar(total=len(steps), desc=steps[0] if steps else "", disable=not progress, leave=False,
                         bar_format="{desc} ({n_fmt}/{total_fmt}) [{elapsed}]", dynamic_ncols=True)

    def record(self, stage: str, seconds: float, *, peak_as: str | None = None) -> None:
        """A stage timed elsewhere (NER and concepts run interleaved); its peak memory under ``peak_as``."""
        self.seconds[stage] = round(seconds, 3)
        self.peak_mb[peak_as or stage] = peak_rss_mb()
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        """``stage`` is over: its time since the last lap, and the next step on the bar."""
        now = time.perf_counter()
        self.seconds[stage] = round(now - self._last, 3)
        self.peak_mb[stage] = peak_rss_mb()
        self._last = now
        self._bar.update(1)
        if self._bar.n < len(self.steps):
            self._bar.set_description_str(self.steps[self._bar.n])

    def close(self) -> None:
        self._bar.close()


def flag_long(docs: Iterator[Document], report: IngestReport) -> Iterator[Document]:
    """``docs``, each longer than NER reads (:data:`~kg.nlp.annotate.MAX_TEXT_CHARS`) flagged
    ``long-text-cut`` (on the document and in ``report``)."""
    for doc in docs:
        if len(doc.text) > MAX_TEXT_CHARS:
            doc = replace(doc, flags=(*doc.flags, FLAG_LONG_TEXT))
            report.flagged.append((doc.id, FLAG_LONG_TEXT))
        yield doc


def long_text_notes(report: IngestReport) -> list[str]:
    """One line per document flagged ``long-text-cut``, with the fix, for the build's summary."""
    return [f"{doc_id}: longer than {MAX_TEXT_CHARS:,} characters, only its first {MAX_TEXT_CHARS:,} were annotated "
            f"({FLAG_LONG_TEXT}); split it into several documents" for doc_id, flag in report.flagged
            if flag == FLAG_LONG_TEXT]


def read(options: BuildOptions, corpus: Corpus, report: IngestReport,
         years: YearSlice | None = None) -> tuple[Iterator[Document], int | None]:
    """Step 1: the documents of ``options.paths`` (lazily, remembered in ``corpus``), and their
    number when a progress bar wants an ETA (records counted in the files: cheap). With ``years``
    (:func:`year_slice`) only the documents of ``options.years`` are kept."""

    docs = iter_documents(options.paths, report=report, columns=options.columns)
    if years is not None:
        docs = years(docs)
    docs = corpus.remember(flag_long(docs, report))
    total = count_records(options.paths, columns=options.columns) if options.progress else None
    return docs, total


def year_slice(options: BuildOptions) -> YearSlice | None:
    """The filter of ``options.years`` (None without a slice), which counts what it leaves out."""
    return None if options.years is None else YearSlice(options.years)


@dataclass
class Output:
    """The output folder of a build, locked (:class:`~kg.pipeline.outfolder.OutputFolder`: the
    outputs are staged and committed at once), and what the NER pass put in its cache."""

    folder: OutputFolder
    ner: AnnotationStats = field(default_factory=AnnotationStats)
    made_cache: bool = False  # OUT/kg.sqlite did not exist before this build


@contextmanager
def output_folder(options: BuildOptions, known: Iterable[str]) -> Iterator[Output | None]:
    """The locked output folder of ``options.out`` for the whole build (None without ``out``).

    A build that fails leaves the old outputs as they were (nothing is committed). The NER cache
    ``kg.sqlite`` lives outside the staging folder (what a killed build annotated is reused by
    the next); when the build fails before storing any annotation, a cache it created is
    removed, and so is the folder if the build created it: a failed build leaves no new files.
    """
    if options.out is None:
        yield None
        return
    cache = options.out / DEFAULT_STORE_NAME
    with OutputFolder(options.out, known=known) as folder:
        output = Output(folder, made_cache=options.cache and not cache.exists())
        try:
            yield output
        except BaseException:
            if output.made_cache and not (output.ner.annotated or output.ner.reused):
                for suffix in ("", "-wal", "-shm", "-journal"):
                    Path(f"{cache}{suffix}").unlink(missing_ok=True)
            raise


@dataclass
class Annotated:
    """The seam after NER: the concept table of every mention, and how the NER pass went."""

    table: ConceptTable
    ner: AnnotationStats
    ner_seconds: float  # time spent waiting for NER (the rest of the pass is concepts)
    seconds: float  # the whole pass
    cache: dict[str, Any] = field(default_factory=dict)  # the NER cache's report (CacheReport.as_dict)


def annotate(options: BuildOptions, corpus: Corpus, docs: Iterator[Document], total: int | None,
             output: Output | None = None) -> Annotated:
    """Step 2: NER over ``docs`` (reusing ``out/kg.sqlite``) and each mention's concept.

    Mentions go straight into the concept table as NER yields them (any order: the table does
    not depend on it), so the annotated documents are never all held.
    """

    if options.out is not None:
        options.out.mkdir(parents=True, exist_ok=True)
    store = MentionStore(options.out / DEFAULT_STORE_NAME) if (options.out is not None and options.cache) else None
    ner = output.ner if output is not None else AnnotationStats()
    linker = Linker.default() if options.link else None
    waited = 0.0

    def with_sentences(annotated: Iterator[AnnotatedDoc]) -> Iterator[AnnotatedDoc]:
        nonlocal waited
        while True:
            t0 = time.perf_counter()
            a = next(annotated, None)
            waited += time.perf_counter() - t0
            if a is None:
                return
            corpus.keep_sentences(a)
            yield a

    grounder: list[Grounder] = []  # made when a document needs grounding (an update may need none)
    shared: dict = {}  # context-free groundings, shared between documents

    def ground(adoc: AnnotatedDoc):
        if linker is not None and not grounder:
            grounder.append(Grounder.for_linker(linker, merge_orthologs=not options.species_apart))
        return document_concepts(adoc, linker=linker, grounder=grounder[0] if grounder else None,
                                 text=corpus.text if linker is not None else None, cache=shared)

    started = time.perf_counter()
    kept = _grounding_cache(options, store)
    try:
        annotated = with_sentences(annotate_corpus(
            docs, models=options.models, store=store, workers=options.workers, engine=options.engine,
            scheduler=options.scheduler, batch_size=options.batch_size, progress=options.progress, total=total,
            stats=ner))
        table = assign_concepts((), grounded=kept_concepts(annotated, ground, kept, corpus.sha1s.__getitem__))
        if kept is not None:
            try:
                kept.finish(corpus.sha1s)
            except sqlite3.Error as err:
                warnings.warn(f"{kept.path}: grounded mentions not kept ({err})", CacheWarning, stacklevel=2)
    finally:
        if store is not None:
            store.close()
        if kept is not None:
            kept.close()
    cache = store.report.as_dict() if store is not None else {}
    if kept is not None:
        cache["groundings"] = {"reused": kept.reused, "grounded": kept.grounded}
    return Annotated(table, ner, waited, time.perf_counter() - started, cache=cache)


def _grounding_cache(options: BuildOptions, store: MentionStore | None) -> GroundingCache | None:
    """The cache of grounded mentions in the NER cache's file (None without the NER cache, or when it
    cannot be opened: it only saves time)."""
    if store is None:
        return None
    from kg.pipeline.store import stack_fingerprint

    fingerprint = hashlib.sha1(f"{grounding_fingerprint(link=options.link, species_apart=options.species_apart)}"
                               f"\0{stack_fingerprint(options.models)}".encode()).hexdigest()
    try:
        return GroundingCache(store.path, fingerprint)
    except sqlite3.Error as err:
        warnings.warn(f"{store.path}: grounded mentions not kept ({err}); grounding every document", CacheWarning,
                      stacklevel=3)
        return None


@dataclass
class Edges:
    """Step 3's result: the scored, filtered concept pairs and the generic concepts left out."""

    table: pd.DataFrame
    generic: set[str]
    notes: list[str] = field(default_factory=list)  # for the build's summary: types that match no concept


class Relations:
    """The relations step (:mod:`kg.relations.aggregate`), run by :func:`edges` on its unfiltered pairs:
    the relation model reads each document's mentions of those pairs' concepts, and every pair gets the
    typed-edge columns. It keeps what it needs of the concept table (offsets and types, which
    :func:`edges` drops) and, after, the statements table (``table``) and its time (``seconds``)."""

    def __init__(self, model: Any, corpus: Corpus, concepts: ConceptTable, cache: Path | None = None) -> None:
        self.model, self.corpus, self.cache = model, corpus, cache
        self.mentions = concepts.mentions[["doc", "start", "end", "type", "concept"]]
        self.table: pd.DataFrame | None = None
        self.seconds = 0.0
        self.counts: dict[str, int] = {}  # documents whose predictions were reused / made (with the cache)

    def __call__(self, pairs: pd.DataFrame) -> pd.DataFrame:
        from kg.relations.aggregate import (
            edge_relations,
            predict_relations,
            relation_documents,
            relation_table,
            with_edge_relations,
        )
        from kg.relations.records import pair_key

        started = time.perf_counter()
        only = {pair_key(a, b) for a, b in zip(pairs["source"].tolist(), pairs["target"].tolist(), strict=True)}
        def documents():
            return relation_documents(self.mentions, only, text=self.corpus.text,
                                      sentences=self.corpus.sentence_spans)

        if self.cache is None:
            predictions = predict_relations(self.model, documents(), only)
        else:  # kept per document in OUT/kg.sqlite: an update predicts only what changed (kg.relations.cache)
            from kg.relations.cache import RelationCache, relation_stack_hash
            from kg.relations.model import DEFAULT_RELATION_MODEL

            try:
                with RelationCache(self.cache, relation_stack_hash(str(DEFAULT_RELATION_MODEL))) as cache:
                    predictions = predict_relations(self.model, documents(), only, cache=cache)
                    cache.finish(self.corpus.texts)
                self.counts = {"reused": cache.reused, "predicted": cache.predicted}
            except sqlite3.Error as err:  # the cache only saves time (as the NER cache's faults, kg.pipeline.store)
                warnings.warn(f"{self.cache}: relation predictions not kept ({err}); predicting every document",
                              CacheWarning, stacklevel=2)
                predictions = predict_relations(self.model, documents(), only)
        self.mentions = None  # done with it: the biggest thing held
        self.table = relation_table(predictions, self.model.threshold)
        out = with_edge_relations(pairs, edge_relations(predictions, self.model.threshold))
        self.seconds = time.perf_counter() - started
        return out


def relations(options: BuildOptions, corpus: Corpus, table: ConceptTable) -> Relations | None:
    """Step 3a (with ``options.relations == "on"``): the relation model loaded, ready for :func:`edges`."""
    if options.relations != "on":
        return None
    from kg.relations.model import RelationModel

    cache = options.out / DEFAULT_STORE_NAME if options.out is not None and options.cache else None
    return Relations(RelationModel.load(), corpus, table, cache)


def edges(options: BuildOptions, table: ConceptTable, relate: Relations | None = None) -> Edges:
    """Step 3: co-occurring concept pairs in ``options.window``, scored, generic terms left out, filtered;
    with ``relate`` (:func:`relations`), typed and scored by the relation model before the filters."""

    # Only these columns are read from here on (offsets, texts and types live on in the
    # concept table's labels, aliases and types): the mention table is the biggest thing held.
    table.mentions = table.mentions[["doc", "para", "sent", "concept"]]
    generic = generic_concepts(table.mentions, terms=options.generic_terms) if len(table.mentions) else set()
    # not a concept, not a node (kg.concepts.filter): generic terms, fragments, unsupported ungrounded text
    rules = concept_rules(table.mentions, table.curies, table.aliases, generic, table.agreed,
                          categories=table.categories, labels=table.labels, types=table.types)
    table.rules = {key: rule for key, (_, rule) in rules.items()}
    dropped = {key for key, (node, _) in rules.items() if not node}
    if dropped:
        table.mentions = table.mentions[~table.mentions["concept"].isin(dropped)]
    pairs = count_pairs(drop_generic(table.mentions, generic), window=options.window)
    if relate is not None:
        pairs = relate(pairs)
    if len(pairs):
        if options.score == "relation":  # count_pairs sorted them by its score: sort again
            pairs["score"] = pairs["relation_score"]
            # calibrated probabilities tie often (isotonic steps): ties by node key, so no order leaks in
            pairs = pairs.sort_values(["score", "source", "target"], ascending=[False, True, True],
                                      kind="stable", ignore_index=True)
        elif options.score not in pairs.columns:
            raise KgError(f"unknown score {options.score!r}; choose one of "
                          f"{sorted(c for c in pairs.columns if c not in ('source', 'target'))}")
        else:
            pairs["score"] = pairs[options.score]
    pairs = filter_edges(pairs, min_count=options.min_count, min_score=options.min_score,
                         top_per_node=options.top_edges_per_node, types=set(options.types) if options.types else None,
                         concept_types=table.types)
    found = set(table.types.values())
    notes = [f"types: {t!r} is no entity type of this corpus, so no edge has it (its types: "
             f"{', '.join(sorted(found))})" for t in options.types or () if t not in found]
    return Edges(pairs, generic, notes)


def graph(options: BuildOptions, corpus: Corpus, table: ConceptTable, found: Edges) -> nx.Graph:
    """Step 4: the networkx graph of concepts and edges, with evidence sentences from ``corpus``
    (the concept table and edges are consumed)."""

    graph_options = GraphOptions(window=options.window, score=options.score, min_count=options.min_count,
                                 min_score=options.min_score, top_edges_per_node=options.top_edges_per_node,
                                 types=options.types, evidence_cap=options.evidence_cap)
    return build_graph(table, found.table, sentence_text=corpus.sentence_text, doc_meta=corpus.doc_meta,
                       options=graph_options, n_documents=len(corpus), models=options.models,
                       score_name=options.score, consume=True)


def write_processes(options: BuildOptions, ner_workers: int) -> int:
    """Processes that write the output files (see :func:`kg.build`)."""

    if options.write_processes:
        return options.write_processes
    return max(ner_workers, available_cores()) if options.engine == "local" else 1


def summary_steps(options: BuildOptions) -> list[str]:
    """What the terminal shows after the NER bar, one line per step."""
    steps = ["counting co-occurrences", "making the graph"]
    if options.out is not None:
        steps.append(f"writing {', '.join(options.formats) or 'summary.json'}")
    return steps


def stats_fields(report: IngestReport, generic_labels: list[str]) -> dict[str, Any]:
    """The fields of :class:`kg.api.BuildStats` that the ingest report gives."""
    return {
        "files_read": list(report.files_read), "skipped": [str(s) for s in report.skipped],
        "duplicates": [f"{i} (again in {src})" for i, src in report.duplicates],
        "flagged": [f"{i}: {flag}" for i, flag in report.flagged], "generic": generic_labels,
    }

