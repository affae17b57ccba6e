"""The options of one build, checked all at once before any input is read.

:meth:`BuildOptions.checked` takes the keywords of :func:`kg.build` (and so of ``kg build``),
normalises them (a single string where a list is expected means one item; no models means the
bundled one) and raises :class:`~kg.errors.OptionError` naming the option and its fix for the
first value kg cannot use. A typo such as ``score="tfdif"`` so fails at once, not after the NER
pass (about 25 minutes at 100k abstracts). The input paths are resolved too
(:func:`kg.ingest.paths.resolve`: they exist, or the glob matches), without opening a file.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from kg.errors import OptionError
from kg.nlp.models import model_stack
from kg.render import MAX_EDGES, MAX_NODES

__all__ = ["BuildOptions", "FORMATS", "DEFAULT_FORMATS", "ENGINES", "AUTO", "GRAPHML_EVIDENCE", "RELATIONS",
           "output_formats", "relation_model_available"]

#: Output formats ``kg build`` can write; ``"all"`` means every one.
FORMATS = ("html", "graphml", "csv", "duckdb", "gexf", "cyjs", "json", "kgx", "neo4j")
#: Written unless told otherwise: the page, GraphML (Cytoscape, networkx, igraph) and the tables.
#: GEXF, .cyjs and JSON hold the same graph again (``--format`` adds them; ``kg export`` converts later).
#: ``duckdb`` is the database of record, OUT/kg.duckdb (:mod:`kg.export.database`; ``g.sql``, ``kg query``).
DEFAULT_FORMATS = ("html", "graphml", "csv", "duckdb")
#: Where NER runs: in this machine's processes, or on a dask.distributed cluster.
ENGINES = ("local", "dask")
#: ``workers=AUTO``: one NER process per core as memory allows (:func:`kg.pipeline.ner_pass.auto_workers`).
AUTO = "auto"
#: ``graphml_evidence``: each edge's top sentence in the GraphML (all are in evidence.csv), or every one.
GRAPHML_EVIDENCE = ("top", "all")

#: ``relations``: typed edges from kg's relation model ("auto": when the model loads), or co-occurrence only.
RELATIONS = ("auto", "on", "off")

Paths = str | os.PathLike | Sequence[str | os.PathLike]


def _items(value: str | Sequence[str] | None) -> tuple[str, ...] | None:
    """``"a"`` -> ``("a",)``; a sequence -> a tuple; None stays None."""
    if value is None:
        return None
    return (value,) if isinstance(value, str) else tuple(value)


def output_formats(formats: str | Sequence[str]) -> tuple[str, ...]:
    """The formats to write, in order, without repeats; ``"all"`` is every one of :data:`FORMATS`."""
    wanted = _items(formats) or ()
    chosen = FORMATS if "all" in wanted else tuple(dict.fromkeys(wanted))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown:
        raise OptionError("formats", f"unknown output format {unknown[0]!r}",
                          f"choose from {', '.join(FORMATS)} or all")
    return chosen


def relation_model_available() -> str | None:
    """Why the shipped relation model cannot be used (None when it can): LightGBM missing, or no model."""
    try:
        import lightgbm  # noqa: F401
    except ImportError:
        return "LightGBM is not installed (pip install lightgbm)"
    from kg.relations.model import DEFAULT_RELATION_MODEL

    if not (DEFAULT_RELATION_MODEL / "model.json").is_file():
        return f"no relation model at {DEFAULT_RELATION_MODEL} (train one with `kg train-relations`)"
    return None


def _paths(paths: object) -> Paths:
    """``paths`` if it is a path (str or os.PathLike) or a list of them (a generator is read once
    here, as the build reads them again), else :class:`OptionError` naming it."""
    fix = "give a file, folder or glob pattern (a str or pathlib.Path), or a list of them"
    if isinstance(paths, (str, os.PathLike)):
        return paths
    if isinstance(paths, (bytes, Mapping)) or not isinstance(paths, Iterable):
        raise OptionError("paths", f"{paths!r} ({type(paths).__name__}) is not a path", fix)
    items = list(paths)
    bad = next((p for p in items if not isinstance(p, (str, os.PathLike))), None)
    if bad is not None:
        raise OptionError("paths", f"{bad!r} ({type(bad).__name__}) is not a path", fix)
    return items


def _whole(name: str, value: object, *, least: int, none: bool = False) -> None:
    if value is None and none:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        allowed = f"a whole number >= {least}" + (" or None" if none else "")
        raise OptionError(name, f"{value!r} is not {allowed}", f"give {allowed}")


@dataclass(frozen=True)
class BuildOptions:
    """Every option of a build, checked and normalised (see :func:`kg.build` for their meaning)."""

    paths: Paths
    out: Path | None = None
    models: tuple[str, ...] = ()
    window: str = "sentence"
    score: str = "tfidf"
    min_count: int = 1
    min_score: float | None = None
    top_edges_per_node: int | None = None
    types: tuple[str, ...] | None = None
    evidence_cap: int = 5
    generic_terms: Path | None = None
    link: bool = True
    columns: Mapping[str, str] | None = None
    batch_size: int = 64
    max_nodes: int | None = MAX_NODES
    max_edges: int | None = MAX_EDGES
    formats: tuple[str, ...] = DEFAULT_FORMATS
    progress: bool = False
    workers: int | str = 1
    engine: str = "local"
    scheduler: str | None = None
    cache: bool = True
    write_processes: int | None = None
    relations: str = "auto"
    graphml_evidence: str = "top"
    #: only documents of these years (:func:`kg.graph.years.parse_years`), None: every document
    years: tuple[int | None, int | None] | None = None
    species_apart: bool = False

    @classmethod
    def checked(cls, paths: Paths, **options) -> BuildOptions:
        """The options of :func:`kg.build` checked and normalised; raises :class:`OptionError`
        (or :class:`~kg.errors.InputError` for an input path that does not exist)."""
        # imported here: kg.api (kg.load) imports this module, and kg.graph pulls in pandas and
        # scipy, kg.ingest lxml
        from kg.graph.cooccur import DEFAULT_SCORE, SCORES, check_window
        from kg.graph.years import parse_years
        from kg.ingest.paths import resolve

        unknown = sorted(set(options) - set(cls.__dataclass_fields__))
        if unknown:
            raise OptionError(unknown[0], "no such option", f"use one of {', '.join(sorted(cls.__dataclass_fields__))}")
        o = dict(options)
        paths = _paths(paths)
        resolve(paths)
        o["models"] = model_stack(o.get("models", ()))
        o["out"] = None if o.get("out") is None else Path(o["out"])
        if o["out"] is not None and o["out"].exists() and not o["out"].is_dir():
            raise OptionError("out", f"{o['out']} is a file", "give a folder (it is made if missing)")
        window = o.setdefault("window", "sentence")
        check_window(window)
        relations = o.setdefault("relations", "auto")
        if relations not in RELATIONS:
            raise OptionError("relations", f"{relations!r} is not a choice", f"choose {', '.join(RELATIONS)}")
        if relations != "off":
            missing = relation_model_available()
            if missing and relations == "on":
                raise OptionError("relations", missing, "install it, or pass relations='off' (--relations off)")
            o["relations"] = "off" if missing else "on"
        score = o.get("score") or ("relation" if o["relations"] == "on" else DEFAULT_SCORE)
        # the score columns of kg.graph.cooccur.count_pairs, and the relation model's
        choices = (*SCORES, "sentences", "relation")
        if score == "relation" and o["relations"] == "off":
            raise OptionError("score", "score 'relation' needs the relation model",
                              "pass relations='on' (--relations on), or another score")
        if score not in choices:
            raise OptionError("score", f"unknown score {score!r}", f"choose one of {', '.join(choices)}")
        o["score"] = score
        _whole("min_count", o.setdefault("min_count", 1), least=0)
        min_score = o.get("min_score")
        if min_score is not None and (isinstance(min_score, bool) or not isinstance(min_score, (int, float))
                                      or math.isnan(min_score)):
            raise OptionError("min_score", f"{min_score!r} is not a number", "give a number, or None for no limit")
        _whole("top_edges_per_node", o.get("top_edges_per_node"), least=1, none=True)
        o["types"] = _items(o.get("types")) or None
        _whole("evidence_cap", o.setdefault("evidence_cap", 5), least=0)
        if o.get("generic_terms") is not None:
            o["generic_terms"] = Path(o["generic_terms"])
            if not o["generic_terms"].is_file():
                raise OptionError("generic_terms", f"{o['generic_terms']} is not a file",
                                  "give a text file of terms, one per line")
        _whole("batch_size", o.setdefault("batch_size", 64), least=1)
        _whole("max_nodes", o.setdefault("max_nodes", MAX_NODES), least=0, none=True)
        _whole("max_edges", o.setdefault("max_edges", MAX_EDGES), least=0, none=True)
        o["formats"] = output_formats(o.get("formats", DEFAULT_FORMATS))
        workers = o.setdefault("workers", 1)
        if workers != AUTO:
            _whole("workers", workers, least=1)
        engine = o.setdefault("engine", "local")
        if engine not in ENGINES:
            raise OptionError("engine", f"{engine!r} is no engine", f"choose {' or '.join(ENGINES)}")
        if o.get("scheduler") is not None and engine != "dask":
            raise OptionError("scheduler", "a scheduler is only used by the Dask engine", "also pass engine='dask'")
        _whole("write_processes", o.get("write_processes"), least=1, none=True)
        if o.setdefault("graphml_evidence", "top") not in GRAPHML_EVIDENCE:
            raise OptionError("graphml_evidence", f"{o['graphml_evidence']!r} is not a choice",
                              f"choose {' or '.join(GRAPHML_EVIDENCE)}")
        o["years"] = parse_years(o.get("years"))
        if not isinstance(o.setdefault("species_apart", False), bool):
            raise OptionError("species_apart", f"{o['species_apart']!r} is not True or False",
                              "pass True to keep mouse/rat genes apart from their human orthologs, else False")
        return cls(paths=paths, **o)
