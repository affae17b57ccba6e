"""The database of record: the whole graph in one embedded DuckDB file, ``OUT/kg.duckdb``.

DuckDB (Raasveldt & Muehleisen 2019, an in-process columnar SQL engine) holds what the build made,
as tables a user queries with SQL (:meth:`kg.KnowledgeGraph.sql`, ``kg query OUT "SELECT ..."``):

=============  ==========================================================================
table          one row per
=============  ==========================================================================
documents      document read (doc_id, pmid, doi, title, journal, year, source, url)
mentions       mention of a concept that became a node (doc_id, sentence, start, end, ...)
concepts       node (id, label, type, category, curie, xrefs, grounding_score, ...)
edges          edge (source, target, scores, relation, first_year, last_year, years ...)
edge_years     edge and year (source, target, year, documents)
evidence       edge and kept evidence sentence (source, target, rank, doc_id, sentence ...)
relations      document and concept pair the relation model typed (only when it ran)
=============  ==========================================================================

The tables are written by DuckDB's bulk path: each pandas frame is registered and copied with
``CREATE TABLE ... AS SELECT`` (no row inserts). Lists (aliases, doc_ids) are ``|``-joined
text, as in the CSV files. The file is written into the build's staging folder and moved into
place with the other outputs (:mod:`kg.pipeline.outfolder`). DuckDB files are not byte-stable
across writes (block layout, checkpoint headers), so two identical builds give databases equal
in content, not in bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from kg.errors import DatabaseError
from kg.export.evidence_tables import evidence_frame, mentions_frame
from kg.export.ids import node_id
from kg.graph.years import edge_year_frame

__all__ = ["DATABASE_FILE", "TABLES", "database_frames", "write_database", "connect", "query", "query_folder",
           "database_path", "read_table", "ROW_FORMATS", "format_rows",
           "check_row_format", "TemporaryDatabase", "database_content", "content_bytes", "same_content"]

#: The database's name in a build's output folder.
DATABASE_FILE = "kg.duckdb"
#: The tables, in the order they are written.
TABLES = ("documents", "mentions", "concepts", "edges", "edge_years", "evidence", "relations")

_LISTS = ("aliases", "doc_ids")


def _joined(value: Any) -> Any:
    return "|".join(map(str, value)) if isinstance(value, (list, tuple)) else value


def _concepts(graph: nx.Graph) -> pd.DataFrame:
    rows = [{"id": node_id(k), **{a: _joined(v) for a, v in d.items()}} for k, d in graph.nodes(data=True)]
    frame = pd.DataFrame(rows)
    return frame if len(frame) else pd.DataFrame(columns=["id", "label", "type", "documents"])


def _edges(graph: nx.Graph) -> pd.DataFrame:
    rows = []
    for u, v, d in graph.edges(data=True):
        row = {"source": node_id(u), "target": node_id(v)}
        row.update((a, _joined(x)) for a, x in d.items() if a != "evidence")
        row["evidence_count"] = len(d.get("evidence") or ())
        rows.append(row)
    frame = pd.DataFrame(rows)
    if not len(frame):
        return pd.DataFrame(columns=["source", "target", "score", "documents", "first_year", "last_year", "years"])
    for column in ("first_year", "last_year"):
        if column in frame:
            frame[column] = frame[column].astype("Int64")
    return frame


def database_frames(graph: nx.Graph, *, documents: pd.DataFrame | None = None, mentions: pd.DataFrame | None = None,
                    relations: pd.DataFrame | None = None,
                    evidence: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """The tables of :data:`TABLES` as pandas frames, from a graph and what its build kept:
    ``documents`` (:meth:`kg.pipeline.steps.Corpus.documents_frame`), ``mentions`` (the mention
    spans, :attr:`kg.concepts.ConceptTable.spans`) and the ``relations`` statements table (no
    relations table without it). A table whose source is missing is written empty. ``evidence``: the
    graph's :func:`~kg.export.evidence_tables.evidence_frame` when the caller has it (made otherwise)."""
    frames = {
        "documents": documents if documents is not None else pd.DataFrame(
            columns=["doc_id", "pmid", "doi", "title", "journal", "year", "source", "url"]),
        "mentions": mentions_frame(mentions, graph),
        "concepts": _concepts(graph),
        "edges": _edges(graph),
        "edge_years": edge_year_frame(graph) if graph.number_of_edges() else pd.DataFrame(
            {"source": pd.Series(dtype=str), "target": pd.Series(dtype=str), "year": pd.Series(dtype="int64"),
             "documents": pd.Series(dtype="int64")}),
        "evidence": evidence if evidence is not None else evidence_frame(graph),
    }
    if relations is not None:
        frames["relations"] = relations
    for name, frame in frames.items():
        listed = [c for c in frame.columns if frame[c].dtype == object
                  and any(isinstance(v, (list, tuple)) for v in frame[c].head(1000))]
        if listed:  # lists as |-joined text, as in the CSV files
            frame = frame.assign(**{c: frame[c].map(_joined) for c in listed})
        # a column of only None has no type DuckDB can take
        empty = [c for c in frame.columns if frame[c].dtype == object and frame[c].isna().all()]
        frames[name] = frame.astype({c: "string" for c in empty}) if empty else frame
    return frames


def write_database(path: str | Path, frames: Mapping[str, pd.DataFrame]) -> None:
    """Write ``frames`` (:func:`database_frames`) as the tables of a new DuckDB file at ``path``."""
    import duckdb

    path = Path(path)
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    try:
        for name, frame in frames.items():
            con.register("frame", frame)
            con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM frame')
            con.unregister("frame")
        con.execute("CHECKPOINT")
    finally:
        con.close()


def connect(path: str | Path):
    """A read-only connection to the database at ``path``."""
    import duckdb

    return duckdb.connect(str(path), read_only=True)


class TemporaryDatabase:
    """``frames`` written to a database file in a temporary folder, open read-only (for a graph
    with no output folder: built without ``out``, filtered, :meth:`kg.KnowledgeGraph.as_of`); the
    folder is removed with the object."""

    def __init__(self, frames: Mapping[str, pd.DataFrame]) -> None:
        import tempfile
        import weakref

        folder = tempfile.TemporaryDirectory(prefix="kg-sql-")
        write_database(Path(folder.name) / DATABASE_FILE, frames)
        self.con = connect(Path(folder.name) / DATABASE_FILE)
        weakref.finalize(self, _close, self.con, folder)


def _close(con, folder) -> None:  # noqa: ANN001
    con.close()
    folder.cleanup()


def query(con, sql: str, *, where: str) -> pd.DataFrame:
    """The result of ``sql`` (passed to DuckDB as given) on ``con`` as a DataFrame; a failed query
    raises :class:`DatabaseError` naming ``where`` (the database) and DuckDB's message."""
    import duckdb

    try:
        return con.execute(sql).df()
    except duckdb.Error as err:
        raise DatabaseError(f"{where}: the query failed: {err}. Fix the SQL; the tables are "
                            f"{', '.join(TABLES)} (SHOW TABLES lists them, DESCRIBE edges their columns; "
                            f"the database is read-only)") from None


def database_path(folder: str | Path) -> Path:
    """``folder``/kg.duckdb (a path to the file itself is taken as is); :class:`DatabaseError` when missing."""
    folder = Path(folder)
    path = folder if folder.is_file() else folder / DATABASE_FILE
    if not path.is_file():
        raise DatabaseError(f"{folder}: no database ({DATABASE_FILE}) in this folder; build it with the duckdb "
                            f"format (on by default: kg build ... --out {folder}, or --format duckdb), or give "
                            "the output folder of a build")
    return path


def query_folder(folder: str | Path, sql: str) -> pd.DataFrame:
    """``sql`` on the database of record in ``folder`` (read-only), as a DataFrame."""
    import duckdb

    path = database_path(folder)
    try:
        con = connect(path)
    except duckdb.Error as err:
        raise DatabaseError(f"{path}: cannot open the database: {err}. Rebuild the folder, or close the "
                            "program that holds it for writing") from None
    try:
        return query(con, sql, where=str(path))
    finally:
        con.close()


def read_table(folder: str | Path, table: str) -> pd.DataFrame | None:
    """Table ``table`` of the database in ``folder``, None when the folder has no database or no such table."""
    try:
        path = database_path(folder)
    except DatabaseError:
        return None
    con = connect(path)
    try:
        names = {row[0] for row in con.execute("SHOW TABLES").fetchall()}
        return con.execute(f'SELECT * FROM "{table}"').df() if table in names else None
    finally:
        con.close()


def database_content(folder: str | Path) -> dict[str, pd.DataFrame]:
    """Every table of the database in ``folder`` (or at that file), rows sorted by every column: two
    databases hold the same when these are equal (their bytes differ from write to write)."""
    con = connect(database_path(folder))
    try:
        out = {}
        for (name,) in sorted(con.execute("SHOW TABLES").fetchall()):
            frame = con.execute(f'SELECT * FROM "{name}"').df()
            out[name] = frame.sort_values(list(frame.columns), ignore_index=True) if len(frame) else frame
        return out
    finally:
        con.close()


def content_bytes(folder: str | Path) -> bytes:
    """:func:`database_content` as bytes (each table as CSV, in name order): equal for two databases
    exactly when they hold the same, so byte-for-byte checks of output folders can include the database."""
    return b"".join(name.encode() + b"\n" + frame.to_csv(index=False).encode()
                    for name, frame in database_content(folder).items())


def same_content(one: Mapping[str, pd.DataFrame], two: Mapping[str, pd.DataFrame]) -> bool:
    """Whether two :func:`database_content` results hold the same tables, columns and rows."""
    return one.keys() == two.keys() and all(one[k].equals(two[k]) for k in one)


#: How ``kg query`` prints rows.
ROW_FORMATS = ("table", "csv", "tsv", "json")


def check_row_format(fmt: str) -> None:
    """:class:`~kg.errors.OptionError` unless ``fmt`` is one of :data:`ROW_FORMATS`."""
    from kg.errors import OptionError

    if fmt not in ROW_FORMATS:
        raise OptionError("format", f"{fmt!r} is not a choice", f"choose {', '.join(ROW_FORMATS)}")


def format_rows(frame: pd.DataFrame, fmt: str = "table") -> str:
    """``frame`` as text: an aligned table, CSV, TSV or JSON (one object per row)."""
    check_row_format(fmt)
    if fmt == "csv":
        return frame.to_csv(index=False)
    if fmt == "tsv":
        return frame.to_csv(index=False, sep="\t")
    if fmt == "json":
        return frame.to_json(orient="records", force_ascii=False) + "\n"
    with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 200,
                           "display.max_colwidth", 80):
        return frame.to_string(index=False) + "\n"
