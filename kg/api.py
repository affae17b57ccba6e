"""The Python API: ``kg.build(paths)`` returns a :class:`KnowledgeGraph`; the CLI is a skin over it.

>>> import kg
>>> g = kg.build("seeds/")                      # doctest: +SKIP
>>> g.neighbors("STAT3").head()                 # doctest: +SKIP
>>> g.to_graphml("stat3.graphml")               # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx

from kg.errors import OptionError
from kg.pipeline.options import DEFAULT_FORMATS, FORMATS, output_formats
from kg.render import MAX_EDGES, MAX_NODES

if TYPE_CHECKING:

    pass

__all__ = ["KnowledgeGraph", "BuildStats", "build", "load", "update", "OUTPUT_FILES", "FORMATS", "FORMAT_FILES",
           "DEFAULT_FORMATS"]

log = logging.getLogger(__name__)


#: What ``kg build`` writes into its output folder.
OUTPUT_FILES = {
    "html": "graph.html",
    "graphml": "graph.graphml",
    "gexf": "graph.gexf",
    "cyjs": "graph.cyjs",
    "json": "graph.json",
    "styles": "styles.xml",
    "nodes": "nodes.csv",
    "edges": "edges.csv",
    "evidence": "evidence.csv",
    "mentions": "mentions.csv",
    "evidence_parquet": "evidence.parquet",
    "mentions_parquet": "mentions.parquet",
    "kgx_nodes": "graph_nodes.tsv",
    "kgx_edges": "graph_edges.tsv",
    "neo4j_nodes": "neo4j_nodes.csv",
    "neo4j_relationships": "neo4j_relationships.csv",
    "relations": "relations.csv",
    "duckdb": "kg.duckdb",
    "summary": "summary.json",
}
#: The files (:data:`OUTPUT_FILES` kinds) each format writes; the Parquet ones only with pyarrow,
#: mentions only for a graph that knows its mentions (a build's), relations only for a build with the
#: relation model.
FORMAT_FILES = {
    "html": ("html",),
    "graphml": ("graphml", "styles"),
    "csv": ("nodes", "edges", "evidence", "mentions", "evidence_parquet", "mentions_parquet", "relations"),
    "duckdb": ("duckdb",),
    "gexf": ("gexf",),
    "cyjs": ("cyjs",),
    "json": ("json",),
    "kgx": ("kgx_nodes", "kgx_edges"),
    "neo4j": ("neo4j_nodes", "neo4j_relationships"),
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
    #: what was changed for this machine or this input, and why (workers capped, long texts cut)
    notes: list[str] = field(default_factory=list)
    #: what the NER cache found wrong and did about it (:meth:`kg.pipeline.store.CacheReport.as_dict`;
    #: empty without a cache)
    cache: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def summary(self) -> str:
        lines = [
            f"documents {self.documents}  mentions {self.mentions}  nodes {self.nodes}  edges {self.edges}  "
            f"time {self.seconds:.1f}s (reading + NER {self.ner_seconds:.1f}s"
            + "".join(f", {k} {v:.1f}s" for k, v in self.stage_seconds.items()) + ")",
            f"NER: {self.annotated} documents annotated, {self.reused} reused from the cache",
        ]
        lines += [f"note: {n}" for n in self.notes]
        if self.duplicates:
            lines.append(f"duplicates (counted once): {len(self.duplicates)}")
            lines += [f"  {d}" for d in self.duplicates[:20]]
        if self.flagged:
            lines.append(f"flagged: {len(self.flagged)}")
            lines += [f"  {d}" for d in self.flagged[:20]]
        if self.skipped:
            lines.append(f"skipped: {len(self.skipped)}")
            lines += [f"  {s}" for s in self.skipped[:50]]
        cache_trouble = [*self.cache.get("warnings", [])]
        if cache_trouble:
            lines.append(f"NER cache: {len(cache_trouble)} problem(s) dealt with (summary.json \"cache\")")
        if self.generic:
            lines.append(f"generic terms kept out of edges: {', '.join(self.generic[:15])}"
                         + (" ..." if len(self.generic) > 15 else ""))
        for kind, path in self.outputs.items():
            lines.append(f"wrote {kind:<8} {path}")
        return "\n".join(lines)


class KnowledgeGraph:
    """A built graph (``.graph``, a :class:`networkx.Graph`) with the views a notebook needs."""

    def __init__(self, graph: nx.Graph, stats: BuildStats | None = None, *, mentions=None, relations=None,
                 documents=None, database: str | Path | None = None) -> None:
        self.graph = graph
        self.stats = stats or BuildStats(nodes=graph.number_of_nodes(), edges=graph.number_of_edges())
        #: the build's mention spans (:attr:`kg.concepts.ConceptTable.spans`), None when not known
        self.mentions = mentions
        #: the build's statements table (:func:`kg.relations.aggregate.relation_table`), None without the model
        self.relations = relations
        #: the documents read, one row each (doc_id, pmid, doi, title, journal, year, source, url), None when not known
        self.documents = documents
        #: the database of record this graph is (OUT/kg.duckdb), None for a graph held only here
        self.database = None if database is None else Path(database)
        self._memory_db = None  # a temporary database of this graph, made by the first sql() without a file

    def __repr__(self) -> str:
        return f"<KnowledgeGraph {self.graph.number_of_nodes()} nodes, {self.graph.number_of_edges()} edges>"

    # -- lookup -------------------------------------------------------------------------------
    def find(self, name: str) -> str:
        """The node key for ``name``: a key, CURIE, label or alias (case-insensitive, folded)."""
        from kg.vocabularies.normalize import normalize_text

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

    def evidence_df(self):
        """Every evidence sentence the edges keep, one row per edge and sentence, as a DataFrame
        (the columns of evidence.csv, :mod:`kg.evidence_tables`)."""
        from kg.export.evidence_tables import evidence_frame

        return evidence_frame(self.graph)

    def mentions_df(self):
        """Every mention NER found, with the node it grounds to, as a DataFrame (the columns of
        mentions.csv, :mod:`kg.evidence_tables`); empty for a graph built elsewhere."""
        from kg.export.evidence_tables import mentions_frame

        return mentions_frame(self.mentions, self.graph)

    def relations_df(self):
        """The statements the relation model found, one row per document and concept pair (the columns
        of relations.csv, :data:`kg.relations.aggregate.RELATION_COLUMNS`): doc_id, source, target (node
        ids), relation (BioRED type), predicate (Biolink), novel, score, sentences; empty without the model."""
        import pandas as pd

        from kg.relations.aggregate import RELATION_COLUMNS

        if self.relations is None:
            return pd.DataFrame(columns=RELATION_COLUMNS)
        return self.relations

    def sql(self, query: str):
        """The result of the SQL ``query`` as a pandas DataFrame, on the tables of the database of record
        (:mod:`kg.export.database`: documents, mentions, concepts, edges, edge_years, evidence,
        relations). A built or loaded output folder's kg.duckdb is opened read-only; a graph without
        one (built without ``out``, filtered, :meth:`as_of`) is written to a temporary one first.
        The query is passed to DuckDB as given; a failing one raises :class:`~kg.errors.DatabaseError`.

        >>> g.sql("SELECT source, target, first_year FROM edges ORDER BY score DESC LIMIT 5")  # doctest: +SKIP
        """
        from kg.export.database import TemporaryDatabase, database_frames, query_folder
        from kg.export.database import query as run_query

        if self.database is not None and self.database.is_file():
            return query_folder(self.database, query)
        if self._memory_db is None:
            self._memory_db = TemporaryDatabase(database_frames(
                self.graph, documents=self.documents, mentions=self.mentions, relations=self.relations))
        return run_query(self._memory_db.con, query, where="the graph's database (made for sql(), no output folder)")

    def as_of(self, year: int) -> KnowledgeGraph:
        """The graph of the papers published up to ``year``: each edge and node keeps only its
        documents of those years (``doc_ids``, ``documents``, evidence sentences, ``years``,
        ``first_year``, ``last_year``; the mentions of those documents), and the edges and nodes
        no such paper supports go. The other scores stay the whole build's: restricting the kept
        per-document lists took 2.8 s on the 6k abstracts (200k edges), where the graph of those papers
        scored on their own, ``kg build --years :YEAR`` into the same folder (NER cached), took 70 s
        (``benchmarks/database.py``, a loaded machine). Needs the documents' years
        (:attr:`documents`: a build's, or a folder's database)."""
        from kg.graph.years import as_of

        if isinstance(year, bool) or not isinstance(year, int):
            raise OptionError("year", f"{year!r} is not a year", "give a whole year such as 2018")
        if self.documents is None:
            raise OptionError("year", "this graph does not know its documents' years",
                              "use a graph from kg.build, or kg.load of an output folder with kg.duckdb")
        doc_years = dict(zip(self.documents["doc_id"].tolist(), self.documents["year"].tolist(), strict=True))
        graph, kept = as_of(self.graph, doc_years, year)
        mentions = self.mentions
        if mentions is not None:
            mentions = mentions[mentions["doc"].isin(kept) & mentions["concept"].isin(set(graph))]
        documents = self.documents[self.documents["doc_id"].isin(kept)].reset_index(drop=True)
        relations = self.relations
        if relations is not None:
            relations = relations[relations["doc_id"].astype(str).isin(kept)].reset_index(drop=True)
        return KnowledgeGraph(graph, mentions=mentions, relations=relations, documents=documents)

    def neighbors(self, name: str, *, n: int | None = None):
        """The neighbours of ``name`` ranked by edge score, as a DataFrame: id, label, type, then for a
        graph with relations ``relation`` (the BioRED type, ``"co-occurs"`` when no document states one)
        and ``relation_score``, then the edge's other attributes and its first evidence sentence."""
        import pandas as pd

        key = self.find(name)
        rows = []
        for other in self.graph.neighbors(key):
            d = self.graph.edges[key, other]
            node = self.graph.nodes[other]
            typed = {"relation": d.get("relation") or "co-occurs", "relation_score": d.get("relation_score")} \
                if "relation" in d else {}
            rows.append({"id": other, "label": node.get("label"), "type": node.get("type"), **typed,
                         **{k: v for k, v in d.items() if k not in ("evidence", "doc_ids", "interaction", *typed)},
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
        return self._keeping(self.graph.subgraph(keep).copy())

    def _keeping(self, graph: nx.Graph) -> KnowledgeGraph:
        """A KnowledgeGraph of ``graph`` (part of this one) with the mentions of its nodes."""
        mentions = self.mentions
        if mentions is not None:
            mentions = mentions[mentions["concept"].isin(set(graph))]
        relations = self.relations
        if relations is not None and len(relations):  # the statements of the edges kept
            relations = _on_edges(relations, graph, {str(n): n for n in graph})
        return KnowledgeGraph(graph, mentions=mentions, relations=relations, documents=self.documents)

    def filter(
        self, *, types: Iterable[str] | None = None, min_score: float | None = None, min_documents: int | None = None,
        relation: str | None = None,
    ) -> KnowledgeGraph:
        """The graph with only nodes of ``types`` and edges with ``score >= min_score``,
        ``documents >= min_documents`` and ``interaction == relation`` (each when given); nodes
        left without edges by an edge condition go too. Mentions follow the nodes kept."""
        wanted = ({types} if isinstance(types, str) else set(types)) if types is not None else None
        if wanted is not None:
            known = {d.get("type") for _, d in self.graph.nodes(data=True)}
            if not wanted & known and known:
                raise OptionError("types", f"{sorted(wanted)} match no node", f"choose among {sorted(map(str, known))}")
        nodes = [n for n, d in self.graph.nodes(data=True) if wanted is None or d.get("type") in wanted]
        H = self.graph.subgraph(nodes)

        def keep(d: Mapping[str, Any]) -> bool:
            score, docs = d.get("score"), d.get("documents")
            return ((min_score is None or (score is not None and score >= min_score))
                    and (min_documents is None or (docs is not None and docs >= min_documents))
                    and (relation is None or (d.get("interaction") or "co-occurs") == relation))

        if min_score is not None or min_documents is not None or relation is not None:
            H = H.edge_subgraph([(u, v) for u, v, d in H.edges(data=True) if keep(d)])
        return self._keeping(H.copy())

    # -- output -------------------------------------------------------------------------------
    def show(self, **kwargs):
        """Display the interactive view inline in Jupyter (falls back to an iframe for VS Code/JupyterLab)."""
        from kg.render.page import notebook_view

        return notebook_view(self.graph, **{"relations": self.relations, **kwargs})

    def to_html(self, path_or_file, **kwargs) -> None:
        from kg.render.page import write_html

        write_html(self.graph, path_or_file, **{"relations": self.relations, **kwargs})

    def to_graphml(self, path_or_file) -> None:
        from kg.export.files import write_graphml

        write_graphml(self.graph, path_or_file)

    def export(self, path, *, format: str | None = None, **options) -> list[Path]:  # noqa: A002
        """Write the graph in ``format`` (graphml, gexf, cyjs, json, csv, html; default from the extension)."""
        from kg.export.files import export

        return export(self.graph, path, format=format, **options)

    def save(
        self, out: str | Path, *, formats: Sequence[str] = DEFAULT_FORMATS, max_nodes: int | None = MAX_NODES, title: str = "kg",
        max_edges: int | None = MAX_EDGES, processes: int = 1, graphml_evidence: str = "top",
    ) -> dict[str, str]:
        """Write ``formats`` (of :data:`FORMATS`, or ``"all"``) and summary.json into ``out``; returns kind -> path.

        ``graphml_evidence``: ``"top"`` (each edge's top sentence; all are in evidence.csv) or
        ``"all"`` (every sentence in the GraphML too), see :func:`kg.export.write_graphml`.

        With ``processes`` > 1 the files are written by that many processes at once (forked,
        see :mod:`kg.pipeline.forked`); the files are the same.

        The folder is locked for the time (a second build or save into it fails at once:
        :class:`~kg.errors.OutputLockedError`), the files are written aside and moved into place
        together (:class:`~kg.pipeline.outfolder.OutputFolder`): after a kill or a write error
        ``out`` holds the complete old set or the complete new one. Output files of an earlier
        build that this set lacks are removed.
        """
        from kg.pipeline.outfolder import OutputFolder

        with OutputFolder(out, known=OUTPUT_FILES.values()) as folder:
            written = self._stage(folder, formats=formats, max_nodes=max_nodes, title=title, max_edges=max_edges,
                                  processes=processes, graphml_evidence=graphml_evidence)
            return self._commit(folder, written)

    def _stage(
        self, folder, *, formats: Sequence[str], max_nodes: int | None, title: str, max_edges: int | None,
        processes: int, graphml_evidence: str,
    ) -> dict[str, str]:
        """Write ``formats`` into ``folder.staging`` (an entered :class:`~kg.pipeline.outfolder.OutputFolder`);
        returns kind -> final path (summary.json included, written by :meth:`_commit`)."""
        from kg.export.cytoscape import check_evidence_mode, write_style
        from kg.export.database import database_frames, write_database
        from kg.export.evidence_tables import evidence_frame, has_parquet
        from kg.export.files import write_cyjs, write_gexf, write_graphml, write_json
        from kg.export.kgx import write_kgx
        from kg.export.neo4j import write_neo4j
        from kg.pipeline.forked import Job, run_jobs
        from kg.render.page import write_html

        wanted = output_formats(formats)
        check_evidence_mode(graphml_evidence)
        paths = {kind: str(folder.staging / name) for kind, name in OUTPUT_FILES.items()}
        skip = set() if has_parquet() else {"evidence_parquet", "mentions_parquet"}
        if self.mentions is None:
            skip |= {"mentions", "mentions_parquet"}
        if self.relations is None:
            skip.add("relations")

        def graphml() -> None:
            write_graphml(self.graph, paths["graphml"], evidence=graphml_evidence)
            write_style(self.graph, paths["styles"])

        # kg.duckdb, evidence.csv and evidence.parquet share one evidence frame, made once in the process
        # that writes all three (not once per file, nor in this process before the writers fork, where
        # it would add to this process's peak and wait for no one)
        shared = "duckdb" in wanted and "csv" in wanted

        def database() -> None:
            evidence = evidence_frame(self.graph)
            write_database(paths["duckdb"], database_frames(
                self.graph, documents=self.documents, mentions=self.mentions, relations=self.relations,
                evidence=evidence))
            if shared:
                self._evidence_files(evidence, paths, skip)
        writers = {
            "html": lambda: write_html(self.graph, paths["html"], title=title, max_nodes=max_nodes,
                                      max_edges=max_edges, relations=self.relations),
            "graphml": graphml,
            "csv": None,  # several jobs: _table_jobs
            "duckdb": database,
            "gexf": lambda: write_gexf(self.graph, paths["gexf"]),
            "cyjs": lambda: write_cyjs(self.graph, paths["cyjs"]),
            "json": lambda: write_json(self.graph, paths["json"]),
            "kgx": lambda: write_kgx(self.graph, paths["kgx_nodes"], paths["kgx_edges"]),
            "neo4j": lambda: write_neo4j(self.graph, paths["neo4j_nodes"], paths["neo4j_relationships"]),
        }
        jobs = [job for fmt in wanted for job in (
            self._table_jobs(paths, skip, evidence=not shared) if fmt == "csv"
            else [Job(fmt, writers[fmt], _WRITE_COST.get(fmt, 2.0) + (1.7 if fmt == "duckdb" and shared else 0.0))])]
        run_jobs(jobs, processes=processes)
        kinds = [k for fmt in wanted for k in FORMAT_FILES[fmt] if k not in skip] + ["summary"]
        return {k: str(folder.path / OUTPUT_FILES[k]) for k in kinds}

    def _commit(self, folder, written: dict[str, str]) -> dict[str, str]:
        """summary.json (with ``written`` as its outputs) into the staging folder, then the whole set into place."""
        self.stats.outputs = written
        (folder.staging / OUTPUT_FILES["summary"]).write_text(
            json.dumps(self.stats.as_dict(), indent=1, default=str), encoding="utf-8")
        folder.commit(Path(p).name for p in written.values())
        return written

    @staticmethod
    def _evidence_files(frame, paths: Mapping[str, str], skip: set[str]) -> None:
        """evidence.csv (and evidence.parquet unless skipped) from the graph's evidence frame."""
        from kg.export.evidence_tables import write_evidence_table, write_frame

        write_evidence_table(frame, paths["evidence"])
        if "evidence_parquet" not in skip:
            write_frame(frame, paths["evidence_parquet"])

    def _table_jobs(self, paths: Mapping[str, str], skip: set[str], *, evidence: bool = True) -> list:
        """The jobs writing nodes.csv, edges.csv, evidence.csv, mentions.csv, relations.csv (and Parquet) into
        ``paths``: one per file or pair of files, so the write processes share them evenly (costs: seconds
        on the 6k, 5 Dec: nodes+edges 2.8 s, mentions 0.9 s, relations 0.2 s; evidence 2 s).
        ``evidence=False``: no job for evidence.csv and evidence.parquet (the kg.duckdb job writes them
        from the evidence frame it makes anyway)."""
        from kg.export.evidence_tables import evidence_frame, write_frame, write_mentions_table
        from kg.export.tables import write_tables
        from kg.pipeline.forked import Job

        def mentions() -> None:
            frame = self.mentions_df()
            write_mentions_table(frame, paths["mentions"])
            if "mentions_parquet" not in skip:
                write_frame(frame, paths["mentions_parquet"])

        jobs = [Job("csv", lambda: write_tables(self.graph, paths["nodes"], paths["edges"]), 2.8)]
        if evidence:
            jobs.append(Job("csv", lambda: self._evidence_files(evidence_frame(self.graph), paths, skip), 2.0))
        if "mentions" not in skip:
            jobs.append(Job("csv", mentions, 1.0))
        if "relations" not in skip:  # any frame, cells neutralised
            jobs.append(Job("csv", lambda: write_mentions_table(self.relations, paths["relations"]), 0.2))
        return jobs


def _on_edges(relations, graph: nx.Graph, ids: Mapping[str, Any] | None = None):
    """The rows of the statements table whose source and target are an edge of ``graph``: node keys, or
    with ``ids`` (file id -> node key) the node ids of kg's files."""
    key = (lambda x: x) if ids is None else (lambda x: ids.get(str(x)))
    on_edge = [graph.has_edge(key(a), key(b)) for a, b in zip(relations["source"].tolist(),
                                                              relations["target"].tolist(), strict=True)]
    return relations[on_edge].reset_index(drop=True)


def _node_ids(relations, graph: nx.Graph):
    """The statements table, only of the graph's edges (the filters may drop some), with source and
    target as the node ids of every kg file."""
    from kg.export.ids import node_id

    relations = _on_edges(relations, graph)
    relations["source"] = relations["source"].map(node_id)
    relations["target"] = relations["target"].map(node_id)
    return relations


#: Cost of each writer (its seconds on the 6k; GraphML and GEXF carry every attribute), to balance processes.
_WRITE_COST = {"graphml": 5.3, "gexf": 5.3, "duckdb": 4.5, "html": 5.0}  # seconds on the 6k (5 Dec)


def load(path: str | Path) -> KnowledgeGraph:
    """Reopen a graph without rerunning NER: a folder ``kg build`` wrote (graph, every evidence
    sentence, mentions and the build's figures: :mod:`kg.export.reopen`), or a graph file kg saved
    (GraphML, GEXF, JSON or .cyjs). A folder whose build was killed while committing its files
    is completed first (:func:`kg.pipeline.outfolder.recover`)."""
    from kg.export.files import read_graph

    if Path(path).is_dir():
        from kg.export.reopen import read_folder, stats_fields
        from kg.pipeline.outfolder import OutputFolder, interrupted

        if interrupted(path):  # a build killed while moving its files into place: finish that first
            with OutputFolder(path):
                pass

        graph, mentions, summary = read_folder(Path(path))
        stats = BuildStats(**stats_fields(summary, BuildStats)) if summary else None
        from kg.export.database import read_table

        documents = read_table(path, "documents")
        database = Path(path) / OUTPUT_FILES["duckdb"]
        relations_csv = Path(path) / OUTPUT_FILES["relations"]
        relations = None
        if relations_csv.is_file():  # the statements table, as written (sentences joined by |)
            import pandas as pd

            relations = pd.read_csv(relations_csv, keep_default_na=False, dtype={"doc_id": str, "source": str,
                                                                                  "target": str})
        return KnowledgeGraph(graph, stats, mentions=mentions, relations=relations, documents=documents,
                              database=database if database.is_file() else None)
    if Path(path).suffix == ".duckdb":
        raise OptionError("path", f"{path} is the database of an output folder", f"kg.load({str(Path(path).parent)!r})")
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
    max_nodes: int | None = MAX_NODES,
    max_edges: int | None = MAX_EDGES,
    formats: Sequence[str] = DEFAULT_FORMATS,
    progress: bool = False,
    workers: int | str = 1,
    engine: str = "local",
    scheduler: str | None = None,
    cache: bool = True,
    write_processes: int | None = None,
    relations: str = "auto",
    graphml_evidence: str = "top",
    years: str | tuple[int | None, int | None] | None = None,
    species_apart: bool = False,
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
    threads, which are not to be forked: see :mod:`kg.pipeline.forked`). Every option is checked before
    any file is read (``graphml_evidence``: ``"top"`` or ``"all"``, see :meth:`KnowledgeGraph.save`).
    The output folder is locked for the whole build and the files are committed together (see
    :meth:`KnowledgeGraph.save`); a build that fails before storing any annotation leaves no new
    file. Options are checked before
    any file is read (:class:`~kg.pipeline.options.BuildOptions`; a bad value raises
    :class:`~kg.errors.OptionError` naming it). Raises
    :class:`~kg.errors.NothingToBuildError` when no document could be read; files that could
    not be read are listed in ``.stats.skipped`` and do not stop the build. The steps are those of
    :mod:`kg.pipeline.steps`: read, annotate (NER and concepts), edges, graph, write.

    With ``out`` the build also commits ``out/.kg-build.json`` (inputs, options, a fingerprint of both and
    of kg: :mod:`kg.pipeline.update`), so :func:`kg.update` can bring the folder up to date later.

    ``relations``: ``"on"`` types every edge with kg's relation model (:mod:`kg.relations`: ``relation``,
    ``relation_counts``, ``relation_score``, ``predicate``; relations.csv; the default score becomes
    ``"relation"``), ``"off"`` keeps the plain co-occurrence graph, ``"auto"`` (default) is on when the
    model can be loaded.

    ``years``: only the documents of those years, ``(2015, 2020)`` or ``"2015:2020"`` (either end
    open: ``(2015, None)``, ``":2020"``); documents of other years and those without a year are
    left out and counted in ``.stats.notes`` (:mod:`kg.graph.years`). Every edge gets ``first_year``,
    ``last_year`` and ``years`` (documents per year, ``"2015:3|2016:1"``).
    ``species_apart``: mouse and rat genes keep their MGI/RGD node instead of merging with their human
    ortholog's HGNC node (the default merges; :mod:`kg.concepts.genes`).
    """
    from kg.graph.years import add_edge_years
    from kg.ingest import IngestReport
    from kg.pipeline import steps
    from kg.pipeline.options import BuildOptions

    started = time.perf_counter()
    options = BuildOptions.checked(
        paths, out=out, models=models, window=window, score=score, min_count=min_count, min_score=min_score,
        top_edges_per_node=top_edges_per_node, types=types, evidence_cap=evidence_cap, generic_terms=generic_terms,
        link=link, columns=columns, batch_size=batch_size, max_nodes=max_nodes, max_edges=max_edges, formats=formats,
        progress=progress, workers=workers, engine=engine, scheduler=scheduler, cache=cache,
        write_processes=write_processes, graphml_evidence=graphml_evidence, relations=relations, years=years,
        species_apart=species_apart)
    record = None
    if options.out is not None:
        from kg.pipeline.update import build_fingerprint, record_of

        record = record_of(options, build_fingerprint(options))  # of the inputs as they are before reading
    report = IngestReport()
    corpus = steps.Corpus()
    sliced = steps.year_slice(options)
    with steps.output_folder(options, OUTPUT_FILES.values()) as output:
        folder = output.folder if output is not None else None
        docs, total = steps.read(options, corpus, report, sliced)
        annotated = steps.annotate(options, corpus, docs, total, output)
        clock = steps.Clock(steps.summary_steps(options), progress=options.progress)
        clock.record("concepts", annotated.seconds - annotated.ner_seconds, peak_as="ner+concepts")
        with steps.gc_paused():  # the graph and the outputs: see gc_paused
            table = annotated.table
            relate = steps.relations(options, corpus, table)
            found = steps.edges(options, table, relate)
            clock.lap("edges")
            if relate is not None:
                clock.seconds["relations"] = round(relate.seconds, 3)  # part of edges
            n_mentions = len(table.mentions)
            generic = sorted(table.labels.get(g, g) for g in found.generic)
            graph = steps.graph(options, corpus, table, found)
            add_edge_years(graph, corpus.years())
            clock.lap("graph")
            stats = BuildStats(
                documents=len(corpus), mentions=n_mentions, nodes=graph.number_of_nodes(),
                edges=graph.number_of_edges(), ner_seconds=annotated.ner_seconds, annotated=annotated.ner.annotated,
                reused=annotated.ner.reused, models=list(options.models), stage_seconds=clock.seconds,
                stage_peak_mb=clock.peak_mb, cache=annotated.cache, **steps.stats_fields(report, generic),
            )
            stats.notes += [annotated.ner.capped] if annotated.ner.capped else []
            if relate is not None and relate.counts:
                stats.cache["relations"] = relate.counts
            stats.notes += found.notes + steps.long_text_notes(report) + ([sliced.note()] if sliced else [])
            database = folder.path / OUTPUT_FILES["duckdb"] if folder is not None and "duckdb" in options.formats \
                else None
            kgraph = KnowledgeGraph(graph, stats, mentions=table.spans, documents=corpus.documents_frame(),
                                    relations=None if relate is None else _node_ids(relate.table, graph),
                                    database=database)
            ner = annotated.ner
            del table, found, annotated, relate  # the graph holds what the writers need
            corpus.clear()
            written = None
            if folder is not None:
                written = kgraph._stage(
                    folder, formats=options.formats, max_nodes=options.max_nodes, max_edges=options.max_edges,
                    title="kg", processes=steps.write_processes(options, ner.workers),
                    graphml_evidence=options.graphml_evidence)
                clock.lap("write")
        clock.close()
        stats.seconds = time.perf_counter() - started
        if folder is not None:
            from kg.pipeline.update import write_record

            kgraph._commit(folder, written)
            write_record(folder.path, record, [Path(p).name for p in written.values()])
    return kgraph


def update(out: str | Path, *, fetch: bool = True, progress: bool = False, workers: int | str | None = None,
           fetch_options: Mapping[str, Any] | None = None):
    """Bring the output folder ``out`` of an earlier build up to date; returns an
    :class:`~kg.pipeline.update.UpdateResult` (``.changed``, ``.graph`` when rebuilt, ``.summary()``).

    Re-runs the saved ``kg fetch`` query of each input folder that has one (``fetch=False`` skips it;
    ``fetch_options``: api_key, email, base_url, retry, timeout), then does nothing when the inputs,
    options and kg are as the build recorded (``out/.kg-build.json``) and no file was touched; else
    builds again with the saved options (``workers`` overrides theirs), NER and relation predictions
    reused for unchanged documents (:mod:`kg.pipeline.update`). Raises :class:`~kg.errors.KgError` when
    ``out`` is not a kg output folder.
    """
    from kg.pipeline.update import UpdateResult, plan

    started = time.perf_counter()
    record, options, fetched, current = plan(out, fetch=fetch, workers=workers, fetch_options=fetch_options)
    if current:
        return UpdateResult(Path(out), False, "nothing changed: inputs, options and kg are as at the last build; "
                            "no file was touched", time.perf_counter() - started, fetched)
    graph = build(list(record.paths), out=out, progress=progress, **options)
    return UpdateResult(Path(out), True, f"rebuilt: {graph.stats.annotated} documents annotated, "
                        f"{graph.stats.reused} reused from the NER cache", time.perf_counter() - started, fetched, graph)
