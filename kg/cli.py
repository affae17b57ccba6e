"""The ``kg`` command: thin typer wrappers over the Python API (:mod:`kg.api`, :mod:`kg.training.train`, :mod:`kg.training.evaluate`).

Every command calls one plain function that is also importable; the CLI only parses
options, prints, and turns :class:`~kg.errors.KgError` into a message and an exit status.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from kg.errors import KgError, OptionError
from kg.render import MAX_EDGES, MAX_NODES

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Build biomedical knowledge graphs from abstracts.",
                  rich_markup_mode=None, pretty_exceptions_enable=False,
                  context_settings={"help_option_names": ["-h", "--help"]})

__all__ = ["app", "main", "printable"]


def printable(text: str) -> str:
    """``text`` with control and format characters (an escape sequence in a file name, a NUL, a
    bidi override) written as Python escapes, so they reach the terminal as text, never as codes;
    newlines and tabs stay."""
    return "".join(
        ch if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs") else repr(ch)[1:-1]
        for ch in text
    )


def _fail(err: Exception, code: int | None = None) -> None:
    """Print ``err`` and exit: status 2 for a usage error (:class:`~kg.errors.OptionError`), else 1."""
    typer.secho(f"kg: error: {printable(str(err))}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code if code is not None else 2 if isinstance(err, OptionError) else 1)


def _version(value: bool) -> None:
    if value:
        from kg import __version__  # from importlib.metadata

        typer.echo(f"kg {__version__}")
        raise typer.Exit()


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ANN001
    """Warnings (a damaged NER cache moved aside, ...) as one ``kg: warning: ...`` line on stderr,
    without the Python source location (the library only warns; the CLI decides how to show it)."""
    typer.secho(f"kg: warning: {printable(str(message))}", fg=typer.colors.YELLOW, err=True)


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", "-V", callback=_version, is_eager=True,
                                          help="Print kg's version and exit.")] = False,
) -> None:
    """Build biomedical knowledge graphs from abstracts."""
    import warnings

    warnings.showwarning = _show_warning


def _parse_columns(values: list[str]) -> dict[str, str]:
    columns = {}
    for value in values:
        ours, sep, theirs = value.partition("=")
        if not sep or not ours or not theirs:
            raise typer.BadParameter(f"--column takes OURS=THEIRS, e.g. abstract=AB, not {value!r}")
        columns[ours.strip()] = theirs.strip()
    return columns


def _parse_workers(value: str) -> int | str:
    value = value.strip().lower()
    if value == "auto":
        return value
    if value.isdigit() and int(value) >= 1:
        return int(value)
    raise typer.BadParameter(f"--workers takes a number >= 1 or auto, not {value!r}")


@contextmanager
def _stdin_as_file(paths: list[str]) -> Iterator[list[str]]:
    """``paths`` with ``-`` replaced by a temporary file holding stdin (JSONL, MEDLINE or PubTator: their
    format is recognised from the content), removed afterwards."""
    if "-" not in paths:
        yield paths
        return
    if paths.count("-") > 1:
        raise OptionError("paths", "- (stdin) is given twice", "give it once")
    if sys.stdin is None or sys.stdin.isatty():
        raise OptionError("paths", "- reads documents from stdin, but stdin is a terminal",
                          "pipe them in: cat docs.jsonl | kg build - --out output/")
    with tempfile.TemporaryDirectory(prefix="kg-stdin-") as tmp:
        spooled = Path(tmp) / "stdin"
        with open(spooled, "wb") as fh:
            shutil.copyfileobj(getattr(sys.stdin, "buffer", sys.stdin), fh, 1 << 20)
        yield [str(spooled) if p == "-" else p for p in paths]


@app.command()
def build(
    paths: Annotated[list[str], typer.Argument(metavar="PATHS...", help="Files, folders or glob patterns to read; - reads JSONL, MEDLINE or PubTator from stdin.")],
    out: Annotated[Path, typer.Option("--out", "-o", metavar="FOLDER", help="Output folder.")] = Path("output"),
    model: Annotated[list[str] | None, typer.Option("--model", "-m", metavar="NAME", help="NER model name or path; repeat to stack (default: bundled kg_biomed).")] = None,
    window: Annotated[str, typer.Option(help="Co-occurrence window: sentence or document.")] = "sentence",
    score: Annotated[str | None, typer.Option(help="Edge score used for ranking and width (default: the best by evaluation).")] = None,
    min_count: Annotated[int, typer.Option(help="Drop edges seen in fewer windows.")] = 1,
    min_score: Annotated[float | None, typer.Option(help="Drop edges scoring lower.")] = None,
    top_edges_per_node: Annotated[int | None, typer.Option(help="Keep each node's N best edges.")] = None,
    types: Annotated[list[str] | None, typer.Option("--types", metavar="TYPE", help="Keep only these entity types (repeatable).")] = None,
    generic_terms: Annotated[Path | None, typer.Option(help="File of generic terms kept out of edges (one per line).")] = None,
    column: Annotated[list[str] | None, typer.Option("--column", metavar="OURS=THEIRS", help="Map a CSV/JSONL column: OURS=THEIRS, e.g. abstract=AB.")] = None,
    no_link: Annotated[bool, typer.Option("--no-link", help="Do not link concepts to HGNC/MeSH.")] = False,
    max_nodes: Annotated[int, typer.Option(min=0, help="Most nodes drawn in graph.html; 0: all (exports keep all).")] = MAX_NODES,
    max_edges: Annotated[int, typer.Option(min=0, help="Most edges drawn in graph.html: each node's best, then the strongest; 0: all (exports keep all).")] = MAX_EDGES,
    fmt: Annotated[list[str] | None, typer.Option("--format", "-f", metavar="FORMAT", help="Output formats, repeatable: html, graphml, csv, duckdb (kg.duckdb, for kg query), gexf, cyjs, json, kgx (Biolink TSV), neo4j (admin-import CSV), all (default: html, graphml, csv, duckdb).")] = None,
    graphml_evidence: Annotated[str, typer.Option("--graphml-evidence", metavar="top|all", help="Evidence sentences in graph.graphml: top (each edge's best; all are in evidence.csv) or all.")] = "top",
    strict: Annotated[bool, typer.Option(help="Exit non-zero if any input was skipped.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars or summary.")] = False,
    workers: Annotated[str, typer.Option("--workers", "-j", metavar="N|auto", help="NER processes on this machine (each loads the model once; at most one per core and per 1.2 GB of available memory, the summary says when it capped them): a number, or auto: one per core as memory allows (1.2 GB each), none when what needs NER fits the last chunk (~250 kB of text: a small corpus, a rebuild with new documents at the end). The output files are written in parallel on the free cores.")] = "auto",
    engine: Annotated[str, typer.Option(help="Where NER runs: local, or dask (an existing dask.distributed cluster; see --scheduler).")] = "local",
    scheduler: Annotated[str | None, typer.Option(help="Address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786; implies --engine dask.")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Annotate every document again; neither read nor write OUT/kg.sqlite.")] = False,
    years: Annotated[str | None, typer.Option("--years", metavar="FIRST:LAST", help="Only documents of these years, e.g. 2015:2020, 2015: or :2020 (documents without a year are left out; the summary counts them).")] = None,
    species_apart: Annotated[bool, typer.Option("--species-apart", help="Keep mouse and rat genes as their own MGI/RGD nodes (default: merged with the human ortholog's HGNC node).")] = False,
    relations: Annotated[str, typer.Option("--relations", metavar="on|off|auto", help="Type edges with kg's relation model (relation, relation_score, predicate; relations.csv; default score 'relation'); off: co-occurrence only; auto (default): on when the model loads.")] = "auto",
) -> None:
    """Read PATHS, find entities, and write graph.html, graph.graphml, nodes.csv, edges.csv ... to --out."""
    import kg.api
    from kg.pipeline.options import DEFAULT_FORMATS

    try:
        with _stdin_as_file(paths) as paths:
            g = kg.api.build(
                paths, out=out, models=model or (), window=window, score=score, min_count=min_count,
                min_score=min_score, top_edges_per_node=top_edges_per_node, types=types,
                generic_terms=generic_terms, link=not no_link, columns=_parse_columns(column or []),
                max_nodes=max_nodes, max_edges=max_edges, formats=fmt or DEFAULT_FORMATS,
                progress=not quiet and sys.stderr.isatty(), workers=_parse_workers(workers),
                engine="dask" if scheduler else engine, scheduler=scheduler, cache=not no_cache,
                graphml_evidence=graphml_evidence, relations=relations, years=years, species_apart=species_apart,
            )
    except KgError as err:
        _fail(err)
    if not quiet:
        typer.echo(printable(g.stats.summary()))
    if strict and g.stats.skipped:
        _fail(KgError(f"--strict: {len(g.stats.skipped)} input(s) skipped (listed above)"))


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def train(
    ctx: typer.Context,
    config: Annotated[Path, typer.Argument(help="Training config (see kg/configs/biomed.cfg).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where the trained pipeline goes.")],
    tuning: Annotated[Path | None, typer.Option(
        "--tuning", help="With --training.final true: the tuning run's output folder, whose dev scores the model card reports.")] = None,
) -> None:
    """Train an NER pipeline from IOB/DocBin corpora. Override config values like spaCy: --paths.corpora DIR."""
    from spacy.cli._util import parse_config_overrides

    from kg.training.train import train as train_pipeline

    try:
        result = train_pipeline(config, output, overrides=parse_config_overrides(ctx.args), tuning=tuning)
    except KgError as err:
        _fail(err)
    typer.echo(f"best epoch {result.best_epoch}: " + ", ".join(
        f"{h} F1 {100 * s['f1']:.2f}" for h, s in result.scores.items()) + f" -> {result.output}")


@app.command()
def evaluate(
    file: Annotated[Path, typer.Argument(help="Gold IOB file (token TAB tag) or .spacy DocBin.")],
    model: Annotated[str | None, typer.Option("--model", "-m", help="Model name or path (default: bundled).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Precision, recall and F1 (percent; exact spans, as spaCy's scorer) overall and per type."""
    from kg.training.evaluate import evaluate as evaluate_model
    from kg.training.evaluate import format_scores

    try:
        scores = evaluate_model(file, model=model)
    except KgError as err:
        _fail(err)
    typer.echo(json.dumps(scores, indent=1) if as_json else format_scores(scores))


@app.command("train-relations", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def train_relations(
    ctx: typer.Context,
    config: Annotated[Path, typer.Argument(help="Relation training config (see kg/configs/relations.cfg).")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Where the model goes (default: the model shipped in the package).")] = None,
) -> None:
    """Train the relation model on BioRED (PubTator). Override config values like spaCy: --paths.corpora DIR."""
    from spacy.cli._util import parse_config_overrides

    from kg.relations.model import DEFAULT_RELATION_MODEL
    from kg.training.relations import train_relations as train

    try:
        result = train(config, output or DEFAULT_RELATION_MODEL, overrides=parse_config_overrides(ctx.args), log=typer.echo)
    except KgError as err:
        _fail(err)
    typer.echo(f"out-of-fold pair F {result.out_of_fold_f1:.3f}, {result.seconds:.0f} s -> {result.output}")


@app.command("evaluate-relations")
def evaluate_relations(
    file: Annotated[Path, typer.Argument(help="Gold relations in PubTator format (BioRED, CDR).")],
    model: Annotated[Path | None, typer.Option("--model", "-m", help="Relation model folder (default: the shipped one).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Pair, pair+type and pair+type+novelty P/R/F of the relation model with the file's gold entities."""
    from kg.training.relations import evaluate_relations as evaluate_file
    from kg.training.relations import scores_dict

    try:
        scores = evaluate_file(file, model)
    except KgError as err:
        _fail(err)
    typer.echo(json.dumps(scores_dict(scores), indent=1) if as_json else "\n".join(scores.lines()))


def _to_stdout(write) -> None:  # noqa: ANN001
    """Run ``write`` (to stdout); a reader that stops early (``| head``) ends kg quietly, with
    status 1, as the Python documentation advises for SIGPIPE."""
    try:
        write()
        sys.stdout.buffer.flush()
    except (BrokenPipeError, KgError) as err:
        if not isinstance(err, BrokenPipeError) and not isinstance(err.__cause__, BrokenPipeError):
            raise
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # Python's flush at exit must not fail again
        raise typer.Exit(1) from None


#: ``kg export --out -`` writes these (one file each) to stdout.
STDOUT_FORMATS = ("graphml", "gexf", "cyjs", "json", "html")


@app.command()
def export(
    graph: Annotated[Path, typer.Argument(metavar="GRAPH", help="A graph saved by kg (graphml, gexf, json, cyjs) or a kg build folder.")],
    out: Annotated[Path, typer.Option("--out", "-o", metavar="FILE", help="File to write; - writes to stdout (with --format graphml, gexf, cyjs, json or html).")],
    format: Annotated[str | None, typer.Option("--format", "-f", help="graphml, gexf, cyjs, json, csv, html, kgx, neo4j (default: from --out).")] = None,  # noqa: A002
) -> None:
    """Convert a saved graph to another format without rerunning NER."""
    from kg.api import load
    from kg.export.files import export as export_graph

    if str(out) == "-" and format not in STDOUT_FORMATS:
        _fail(OptionError("format", f"--out - (stdout) needs a one-file format, not {format!r}",
                          f"add --format with one of {', '.join(STDOUT_FORMATS)}"))
    try:
        if str(out) == "-":
            _to_stdout(lambda: export_graph(load(graph).graph, sys.stdout.buffer, format=format))
            return
        written = load(graph).export(out, format=format)
    except KgError as err:
        _fail(err)
    for path in written:
        typer.echo(printable(f"wrote {path}"))


@app.command()
def fetch(
    query: Annotated[str, typer.Argument(metavar="QUERY", help='A PubMed query, e.g. "STAT3 AND drug resistance".')],
    out: Annotated[Path, typer.Option("--out", "-o", metavar="FOLDER", help="Folder for the PubMed XML files and the saved query.")],
    max_records: Annotated[int | None, typer.Option("--max", metavar="N", help="Fetch at most the first N records ESearch lists (<= 10,000).")] = None,
    since: Annotated[str | None, typer.Option(metavar="DATE", help="Only records added to PubMed on or after YYYY[/MM[/DD]].")] = None,
    api_key: Annotated[str | None, typer.Option("--api-key", envvar="NCBI_API_KEY", metavar="KEY", help="NCBI API key: 10 requests/s instead of 3.")] = None,
    email: Annotated[str | None, typer.Option(envvar="NCBI_EMAIL", metavar="ADDRESS", help="Your e-mail, sent to NCBI with every request.")] = None,
) -> None:
    """Fetch the PubMed records of QUERY into --out (NCBI E-utilities); again later: only new PMIDs."""
    from kg.ingest.fetch import fetch as fetch_query

    try:
        result = fetch_query(query, out, max_records=max_records, since=since, api_key=api_key, email=email)
    except KgError as err:
        _fail(err)
    typer.echo(printable(result.summary()))


@app.command()
def update(
    out: Annotated[Path, typer.Argument(metavar="OUT", help="The --out folder of an earlier `kg build`.")],
    no_fetch: Annotated[bool, typer.Option("--no-fetch", help="Do not re-run the saved `kg fetch` queries first.")] = False,
    workers: Annotated[str | None, typer.Option("--workers", "-w", help="NER processes (default: the build's).")] = None,
    api_key: Annotated[str | None, typer.Option("--api-key", envvar="NCBI_API_KEY", metavar="KEY", help="NCBI API key for the saved queries.")] = None,
    email: Annotated[str | None, typer.Option(envvar="NCBI_EMAIL", metavar="ADDRESS", help="Your e-mail, sent to NCBI with every request.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars or summary.")] = False,
) -> None:
    """Bring OUT up to date: re-run the saved fetch query, then rebuild with the saved options only if anything changed."""
    from kg.api import update as update_folder

    try:
        result = update_folder(out, fetch=not no_fetch, progress=not quiet and sys.stderr.isatty(),
                               workers=None if workers is None else _parse_workers(workers),
                               fetch_options={"api_key": api_key, "email": email})
    except KgError as err:
        _fail(err)
    if not quiet:
        typer.echo(printable(result.summary()))


@app.command()
def query(
    out: Annotated[Path, typer.Argument(metavar="OUT", help="An output folder of kg build (its kg.duckdb).")],
    sql: Annotated[str, typer.Argument(metavar="SQL", help='A query, e.g. "SELECT source, target, first_year FROM edges LIMIT 10".')],
    fmt: Annotated[str, typer.Option("--format", "-f", metavar="table|csv|tsv|json", help="How to print the rows.")] = "table",
) -> None:
    """Run SQL on the database of record OUT/kg.duckdb (read-only) and print the rows."""
    from kg.export.database import check_row_format, format_rows, query_folder

    try:
        check_row_format(fmt)
        text = format_rows(query_folder(out, sql), fmt)
    except KgError as err:
        _fail(err)
    typer.echo(text, nl=not text.endswith("\n"))


@app.command()
def models() -> None:
    """List the bundled models and the scispaCy models kg can load when installed."""
    import spacy.util

    from kg.nlp.models import BUNDLED, SCISPACY_MODELS, install_hint

    for name in BUNDLED:
        typer.echo(f"{name:<24} bundled (default)")
    for name, what in SCISPACY_MODELS.items():
        state = "installed" if spacy.util.is_package(name) else f"not installed: {install_hint(name)}"
        typer.echo(f"{name:<24} {what}; {state}")


def main() -> None:
    """Console-script entry point."""
    app()
