"""The Python API: ``kg.build(paths)`` returns a :class:`KnowledgeGraph`; the CLI is a skin over it.

>>> import kg
>>> g = kg.build("seeds/")                      # doctest: +SKIP
>>> g.neighbors("STAT3").head()                 # doctest: +SKIP
>>> g.to_graphml("stat3.graphml")               # doctest: +SKIP
"""

from __future__ import annotations

import functools
import gc
import json
import logging
import os
import sys
import time
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx

from kg.errors import KgError
from kg.records import Document

if TYPE_CHECKING:
    import numpy as np

    from kg.nlp import AnnotatedDoc

__all__ = ["KnowledgeGraph", "BuildStats", "build", "load", "OUTPUT_FILES", "FORMATS", "DEFAULT_FORMATS"]

log = logging.getLogger(__name__)

#: Output formats ``kg build`` can write; ``"all"`` means every one.
FORMATS = ("html", "graphml", "csv", "gexf", "cyjs", "json")
#: Written unless told otherwise: the page, GraphML (Cytoscape, networkx, igraph) and the tables.
#: GEXF, .cyjs and JSON hold the same graph again (``--format`` adds them; ``kg export`` converts later).
DEFAULT_FORMATS = ("html", "graphml", "csv")

#: What ``kg build`` writes into its output folder.
OUTPUT_FILES = {
    "html": "graph.html",
    "graphml": "graph.graphml",
    "gexf": "graph.gexf",
    "cyjs": "graph.cyjs",
    "json": "graph.json",
    "nodes": "nodes.csv",
    "edges": "edges.csv",
    "summary": "summary.json",
}


@dataclass
class BuildStats:
    """What a build read, skipped and made, for the terminal summary and summary.json."""

    documents: int = 0
    mentions: int = 0
    nodes: int = 0
    edges: int = 0
    seconds: float = 0.0
    ner_seconds: float = 0.0
    #: seconds per stage besides reading and NER: concepts (assigned while NER runs: the time
    #: spent on them), edges, graph, write
    stage_seconds: dict[str, float] = field(default_factory=dict)
    #: this process's peak resident memory (MB) at the end of each stage: "ner+concepts"
    #: (interleaved), edges, graph, write (Linux/macOS; 0 elsewhere)
    stage_peak_mb: dict[str, float] = field(default_factory=dict)
    annotated: int = 0
    reused: int = 0
    files_read: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    flagged: list[str] = field(default_factory=list)
    generic: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def summary(self) -> str:
        lines = [
            f"documents {self.documents}  mentions {self.mentions}  nodes {self.nodes}  edges {self.edges}  "
            f"time {self.seconds:.1f}s (reading + NER {self.ner_seconds:.1f}s"
            + "".join(f", {k} {v:.1f}s" for k, v in self.stage_seconds.items()) + ")",
            f"NER: {self.annotated} documents annotated, {self.reused} reused from the cache",
        ]
        if self.duplicates:
            lines.append(f"duplicates (counted once): {len(self.duplicates)}")
            lines += [f"  {d}" for d in self.duplicates[:20]]
        if self.flagged:
            lines.append(f"flagged: {len(self.flagged)}")
            lines += [f"  {d}" for d in self.flagged[:20]]
        if self.skipped:
            lines.append(f"skipped: {len(self.skipped)}")
            lines += [f"  {s}" for s in self.skipped[:50]]
        if self.generic:
            lines.append(f"generic terms kept out of edges: {', '.join(self.generic[:15])}"
                         + (" ..." if len(self.generic) > 15 else ""))
        for kind, path in self.outputs.items():
            lines.append(f"wrote {kind:<8} {path}")
        return "\n".join(lines)


class KnowledgeGraph:
    """A built graph (``.graph``, a :class:`networkx.Graph`) with the views a notebook needs."""

    def __init__(self, graph: nx.Graph, stats: BuildStats | None = None) -> None:
        self.graph = graph
        self.stats = stats or BuildStats(nodes=graph.number_of_nodes(), edges=graph.number_of_edges())

    def __repr__(self) -> str:
        return f"<KnowledgeGraph {self.graph.number_of_nodes()} nodes, {self.graph.number_of_edges()} edges>"

    # -- lookup -------------------------------------------------------------------------------
    def find(self, name: str) -> str:
        """The node key for ``name``: a key, CURIE, label or alias (case-insensitive, folded)."""
        from kg.normalize import normalize_text

        if name in self.graph:
            return name
        wanted = normalize_text(name)
        for key, data in self.graph.nodes(data=True):
            if data.get("curie", "").lower() == name.lower():
                return key
            forms = [data.get("label", ""), *data.get("aliases", [])]
            if any(normalize_text(f) == wanted for f in forms if f):
                return key
        raise KeyError(f"no node named {name!r}; try g.nodes_df() to see the labels")

    # -- tables -------------------------------------------------------------------------------
    def nodes_df(self):
        """Nodes as a pandas DataFrame, one row per concept, most documents first."""
        import pandas as pd

        rows = [{"id": k, **d} for k, d in self.graph.nodes(data=True)]
        df = pd.DataFrame(rows)
        return df.sort_values(["documents", "mentions"], ascending=False, ignore_index=True) if len(df) else df

    def edges_df(self):
        """Edges as a pandas DataFrame with source/target labels, best score first."""
        import pandas as pd

        label = nx.get_node_attributes(self.graph, "label")
        rows = [
            {"source": u, "target": v, "source_label": label.get(u, u), "target_label": label.get(v, v), **d}
            for u, v, d in self.graph.edges(data=True)
        ]
        df = pd.DataFrame(rows)
        return df.sort_values("score", ascending=False, ignore_index=True) if len(df) else df

    def neighbors(self, name: str, *, n: int | None = None):
        """The neighbours of ``name`` ranked by edge score, as a DataFrame."""
        import pandas as pd

        key = self.find(name)
        rows = []
        for other in self.graph.neighbors(key):
            d = self.graph.edges[key, other]
            node = self.graph.nodes[other]
            rows.append({"id": other, "label": node.get("label"), "type": node.get("type"),
                         **{k: v for k, v in d.items() if k not in ("evidence", "doc_ids", "interaction")},
                         "evidence": d["evidence"][0]["sentence"] if d.get("evidence") else ""})
        df = pd.DataFrame(rows)
        if len(df):
            df = df.sort_values("score", ascending=False, ignore_index=True)
        return df.head(n) if n else df

    def subgraph(self, names: str | Iterable[str], *, radius: int = 1) -> KnowledgeGraph:
        """The concepts within ``radius`` hops of ``names`` (a name or several) and their edges."""
        keys = [self.find(names)] if isinstance(names, str) else [self.find(n) for n in names]
        keep: set[str] = set()
        for key in keys:
            keep |= set(nx.ego_graph(self.graph, key, radius=radius))
        return KnowledgeGraph(self.graph.subgraph(keep).copy())

    # -- output -------------------------------------------------------------------------------
    def show(self, **kwargs):
        """Display the interactive view inline in Jupyter (falls back to an iframe for VS Code/JupyterLab)."""
        from kg.render import notebook_view

        return notebook_view(self.graph, **kwargs)

    def to_html(self, path_or_file, **kwargs) -> None:
        from kg.render import write_html

        write_html(self.graph, path_or_file, **kwargs)

    def to_graphml(self, path_or_file) -> None:
        from kg.export import write_graphml

        write_graphml(self.graph, path_or_file)

    def export(self, path, *, format: str | None = None, **options) -> list[Path]:  # noqa: A002
        """Write the graph in ``format`` (graphml, gexf, cyjs, json, csv, html; default from the extension)."""
        from kg.export import export

        return export(self.graph, path, format=format, **options)

    def save(
        self, out: str | Path, *, formats: Sequence[str] = DEFAULT_FORMATS, max_nodes: int = 2000, title: str = "kg",
        max_edges: int = 10_000, processes: int = 1,
    ) -> dict[str, str]:
        """Write ``formats`` (of :data:`FORMATS`, or ``"all"``) and summary.json into ``out``; returns kind -> path.

        With ``processes`` > 1 the files are written by that many processes at once (forked,
        see :mod:`kg.forked`); the files are the same.
        """
        from kg.export import write_cyjs, write_gexf, write_graphml, write_json, write_tables
        from kg.forked import Job, run_jobs
        from kg.render import write_html

        wanted = _formats(formats)
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        paths = {kind: str(out / name) for kind, name in OUTPUT_FILES.items()}
        writers = {
            "html": lambda: write_html(self.graph, paths["html"], title=title, max_nodes=max_nodes,
                                      max_edges=max_edges),
            "graphml": lambda: write_graphml(self.graph, paths["graphml"]),
            "csv": lambda: write_tables(self.graph, paths["nodes"], paths["edges"]),
            "gexf": lambda: write_gexf(self.graph, paths["gexf"]),
            "cyjs": lambda: write_cyjs(self.graph, paths["cyjs"]),
            "json": lambda: write_json(self.graph, paths["json"]),
        }
        run_jobs([Job(fmt, writers[fmt], _WRITE_COST.get(fmt, 2.0)) for fmt in wanted], processes=processes)
        written = {k: v for k, v in paths.items() if k in wanted or (k in ("nodes", "edges") and "csv" in wanted)}
        written["summary"] = paths["summary"]
        self.stats.outputs = written
        Path(paths["summary"]).write_text(json.dumps(self.stats.as_dict(), indent=1, default=str), encoding="utf-8")
        return written


#: Relative cost of each writer (GraphML and GEXF carry every attribute), to balance processes.
_WRITE_COST = {"graphml": 3.0, "gexf": 3.0}


@contextmanager
def _gc_paused() -> Iterator[None]:
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


def _step_bar(steps: Sequence[str], *, enabled: bool):
    """A tqdm line for the stages after NER: ``making the graph (2/3) [00:09]`` (nothing when not ``enabled``)."""
    from tqdm.auto import tqdm

    return tqdm(total=len(steps), desc=steps[0] if steps else "", disable=not enabled, leave=False,
                bar_format="{desc} ({n_fmt}/{total_fmt}) [{elapsed}]", dynamic_ncols=True)


def _write_processes(workers: int, engine: str) -> int:
    from kg.parallel import available_cores

    return max(workers, available_cores()) if engine == "local" else 1


def _peak_rss_mb() -> float:
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def _formats(formats: Sequence[str]) -> list[str]:
    wanted = list(FORMATS) if "all" in formats else list(dict.fromkeys(formats))
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown:
        raise KgError(f"unknown output format {unknown[0]!r}; choose from {', '.join(FORMATS)} or all")
    return wanted


def load(path: str | Path) -> KnowledgeGraph:
    """Read a graph saved by kg (GraphML, GEXF, JSON or .cyjs) without rerunning NER."""
    from kg.export import read_graph

    return KnowledgeGraph(read_graph(path))


def build(
    paths: str | Path | Sequence[str | Path],
    *,
    out: str | Path | None = None,
    models: Sequence[str] = (),
    window: str = "sentence",
    score: str | None = None,
    min_count: int = 1,
    min_score: float | None = None,
    top_edges_per_node: int | None = None,
    types: Sequence[str] | None = None,
    evidence_cap: int = 5,
    generic_terms: str | Path | None = None,
    link: bool = True,
    columns: Mapping[str, str] | None = None,
    batch_size: int = 64,
    max_nodes: int = 2000,
    max_edges: int = 10_000,
    formats: Sequence[str] = DEFAULT_FORMATS,
    progress: bool = False,
    workers: int | str = 1,
    engine: str = "local",
    scheduler: str | None = None,
    cache: bool = True,
    write_processes: int | None = None,
) -> KnowledgeGraph:
    """Read ``paths``, run NER, normalise and link concepts, count and score co-occurrences.

    With ``out`` the ``formats`` (default :data:`DEFAULT_FORMATS`) are written there, and NER output is cached in
    ``out/kg.sqlite`` (``cache=False`` to skip it): a rebuild runs NER only on new or changed
    documents. ``workers`` processes run NER locally (``"auto"``: one per core as memory allows, none
    when the first chunk to annotate is the last, as for a small corpus; the workers are spawned, so a script calling this needs the
    ``if __name__ == "__main__":`` guard); ``engine="dask"`` runs it on the
    ``dask.distributed`` cluster at ``scheduler``. The output files are written by ``write_processes``
    forked processes at once (default with the local engine: as many as this process may use cores, at
    least ``workers``, since NER is over by then; with Dask one, as this process then runs dask's client
    threads, which are not to be forked: see :mod:`kg.forked`). Raises
    :class:`~kg.errors.NothingToBuildError` when no document could be read; files that could
    not be read are listed in ``.stats.skipped`` and do not stop the build.
    """
    import numpy as np

    from kg.concepts import assign_concepts
    from kg.cooccur import DEFAULT_SCORE, count_pairs, filter_edges
    from kg.generic import drop_generic, generic_concepts
    from kg.graph import GraphOptions, build_graph
    from kg.grounding.filter import not_concepts
    from kg.ingest import IngestReport, iter_documents
    from kg.linking import Linker
    from kg.models import DEFAULT_MODEL
    from kg.parallel import AnnotationStats, annotate_corpus
    from kg.store import DEFAULT_STORE_NAME, MentionStore

    _formats(formats)  # fail before any work on a bad format name
    if window not in ("sentence", "document"):
        raise KgError(f"window must be 'sentence' or 'document', not {window!r}")
    started = time.perf_counter()
    models = tuple(models) or (DEFAULT_MODEL,)
    report = IngestReport()
    # What later stages need of each document, kept compact: its text (for evidence
    # sentences; zlib level 1, about 2.5x smaller, unpacked only for documents that give
    # evidence), links and title, and its sentence spans; not the records or mentions.
    texts: dict[str, bytes] = {}
    metas: dict[str, tuple[str | None, str | None, str | None, str]] = {}
    spans: dict[str, np.ndarray] = {}

    def remember(docs: Iterator[Document]) -> Iterator[Document]:
        for doc in docs:
            texts[doc.id] = zlib.compress(doc.text.encode("utf-8"), 1)
            metas[doc.id] = (doc.pmid, doc.doi, doc.url, doc.title)
            yield doc

    waited = 0.0

    def sentences_of(annotated: Iterator[AnnotatedDoc]) -> Iterator[AnnotatedDoc]:
        nonlocal waited
        while True:
            t0 = time.perf_counter()
            a = next(annotated, None)
            waited += time.perf_counter() - t0
            if a is None:
                return
            spans[a.doc_id] = np.asarray(a.sentences, dtype=np.int32).reshape(-1, 3)[:, :2].copy()  # (start, end)
            yield a

    if not isinstance(paths, (str, os.PathLike)):
        paths = list(paths)  # read twice when the records are counted for the progress bar
    docs = remember(iter_documents(paths, report=report, columns=columns))
    total = None
    if progress:  # the bar's ETA: records counted in the files before the pass (cheap; only for a terminal)
        from kg.ingest.counting import count_records

        total = count_records(paths, columns=columns)
    if out is not None:
        Path(out).mkdir(parents=True, exist_ok=True)
    store = MentionStore(Path(out) / DEFAULT_STORE_NAME) if (out is not None and cache) else None
    ner = AnnotationStats()
    linker = Linker.default() if link else None
    t_ner = time.perf_counter()
    try:
        # mentions go straight into the concept table as NER yields them (any order: the
        # table does not depend on it), so the annotated documents are never all held
        table = assign_concepts(sentences_of(annotate_corpus(
            docs, models=models, store=store, workers=workers, engine=engine, scheduler=scheduler,
            batch_size=batch_size, progress=progress, total=total, stats=ner)), linker=linker)
    finally:
        if store is not None:
            store.close()
    ner_seconds = waited
    stages: dict[str, float] = {"concepts": round(time.perf_counter() - t_ner - waited, 3)}
    peaks: dict[str, float] = {"ner+concepts": _peak_rss_mb()}
    clock = time.perf_counter()

    # what the terminal shows after the NER bar: the step under way, its number and the time so far
    steps = ["counting co-occurrences", "making the graph"]
    if out is not None:
        steps.append(f"writing {', '.join(_formats(formats)) or 'summary.json'}")
    bar = _step_bar(steps, enabled=progress)

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        stages[stage] = round(now - clock, 3)
        peaks[stage] = _peak_rss_mb()
        clock = now
        bar.update(1)
        if bar.n < len(steps):
            bar.set_description_str(steps[bar.n])

    with _gc_paused(), bar:  # the graph and the outputs: see _gc_paused
        # Only these columns are read from here on (offsets, texts and types live on in the
        # concept table's labels, aliases and types): the mention table is the biggest thing held.
        table.mentions = table.mentions[["doc", "para", "sent", "concept"]]
        generic = generic_concepts(table.mentions, terms=generic_terms) if len(table.mentions) else set()
        # not a concept, not a node (kg.grounding.filter): generic terms, fragments, unsupported ungrounded text
        dropped = not_concepts(table.mentions, table.curies, table.aliases, generic)
        if dropped:
            table.mentions = table.mentions[~table.mentions["concept"].isin(dropped)]
        edges = count_pairs(drop_generic(table.mentions, generic), window=window)
        score_name = score or DEFAULT_SCORE
        if len(edges):
            if score_name not in edges.columns:
                raise KgError(f"unknown score {score_name!r}; choose one of {sorted(c for c in edges.columns if c not in ('source', 'target'))}")
            edges["score"] = edges[score_name]
        type_of = table.types
        edges = filter_edges(edges, min_count=min_count, min_score=min_score, top_per_node=top_edges_per_node,
                             types=set(types) if types else None, concept_types=type_of)
        lap("edges")

        @functools.lru_cache(maxsize=1)  # build_graph asks for sentences document by document
        def text_of(doc_id: str) -> str:
            return zlib.decompress(texts[doc_id]).decode("utf-8")

        def sentence_text(doc_id: str, sent: int) -> str:
            start, end = spans[doc_id][sent].tolist()
            return " ".join(text_of(doc_id)[start:end].split())

        def doc_meta(doc_id: str) -> dict:
            pmid, doi, url, title = metas[doc_id]
            return {"pmid": pmid, "doi": doi, "url": url, "title": title}

        options = GraphOptions(window=window, score=score_name, min_count=min_count, min_score=min_score,
                               top_edges_per_node=top_edges_per_node, types=tuple(types) if types else None,
                               evidence_cap=evidence_cap)
        n_mentions = len(table.mentions)
        graph = build_graph(table, edges, sentence_text=sentence_text, doc_meta=doc_meta, options=options,
                            n_documents=len(texts), models=models, score_name=score_name, consume=True)
        lap("graph")
        stats = BuildStats(
            documents=len(texts), mentions=n_mentions, nodes=graph.number_of_nodes(),
            edges=graph.number_of_edges(), ner_seconds=ner_seconds, annotated=ner.annotated, reused=ner.reused,
            files_read=list(report.files_read), skipped=[str(s) for s in report.skipped],
            duplicates=[f"{i} (again in {src})" for i, src in report.duplicates],
            flagged=[f"{i}: {flag}" for i, flag in report.flagged],
            generic=sorted(table.labels.get(g, g) for g in generic), models=list(models), stage_seconds=stages,
            stage_peak_mb=peaks,
        )
        kgraph = KnowledgeGraph(graph, stats)
        del table, edges  # the graph holds what the writers need
        texts.clear()
        metas.clear()
        spans.clear()
        if out is not None:
            kgraph.save(out, formats=formats, max_nodes=max_nodes, max_edges=max_edges, processes=write_processes or _write_processes(ner.workers, engine))
            lap("write")
    stats.seconds = time.perf_counter() - started
    if out is not None:
        Path(stats.outputs["summary"]).write_text(json.dumps(stats.as_dict(), indent=1, default=str), encoding="utf-8")
    return kgraph
