"""The ``kg`` command: thin typer wrappers over the Python API (:mod:`kg.api`, :mod:`kg.training.train`, :mod:`kg.training.evaluate`).

Every command calls one plain function that is also importable; the CLI only parses
options, prints, and turns :class:`~kg.errors.KgError` into a message and an exit status.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from kg.errors import KgError, OptionError
from kg.render import MAX_EDGES, MAX_NODES

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Build biomedical knowledge graphs from abstracts.",
                  context_settings={"help_option_names": ["-h", "--help"]})

__all__ = ["app", "main"]


def _fail(err: Exception, code: int | None = None) -> None:
    """Print ``err`` and exit: status 2 for a usage error (:class:`~kg.errors.OptionError`), else 1."""
    typer.secho(f"kg: error: {err}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code if code is not None else 2 if isinstance(err, OptionError) else 1)


def _version(value: bool) -> None:
    if value:
        from kg import __version__  # from importlib.metadata

        typer.echo(f"kg {__version__}")
        raise typer.Exit()


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ANN001
    """Warnings (a damaged NER cache moved aside, ...) as one ``kg: warning: ...`` line on stderr,
    without the Python source location (the library only warns; the CLI decides how to show it)."""
    typer.secho(f"kg: warning: {message}", fg=typer.colors.YELLOW, err=True)


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


@app.command()
def build(
    paths: Annotated[list[str], typer.Argument(help="Files, folders or glob patterns to read.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("output"),
    model: Annotated[list[str] | None, typer.Option("--model", "-m", help="NER model name or path; repeat to stack (default: bundled kg_biomed).")] = None,
    window: Annotated[str, typer.Option(help="Co-occurrence window: sentence or document.")] = "sentence",
    score: Annotated[str | None, typer.Option(help="Edge score used for ranking and width (default: the best by evaluation).")] = None,
    min_count: Annotated[int, typer.Option(help="Drop edges seen in fewer windows.")] = 1,
    min_score: Annotated[float | None, typer.Option(help="Drop edges scoring lower.")] = None,
    top_edges_per_node: Annotated[int | None, typer.Option(help="Keep each node's N best edges.")] = None,
    types: Annotated[list[str] | None, typer.Option("--types", help="Keep only these entity types (repeatable).")] = None,
    generic_terms: Annotated[Path | None, typer.Option(help="File of generic terms kept out of edges (one per line).")] = None,
    column: Annotated[list[str] | None, typer.Option("--column", help="Map a CSV/JSONL column: OURS=THEIRS, e.g. abstract=AB.")] = None,
    no_link: Annotated[bool, typer.Option("--no-link", help="Do not link concepts to HGNC/MeSH.")] = False,
    max_nodes: Annotated[int, typer.Option(min=0, help="Most nodes drawn in graph.html; 0: all (exports keep all).")] = MAX_NODES,
    max_edges: Annotated[int, typer.Option(min=0, help="Most edges drawn in graph.html: each node's best, then the strongest; 0: all (exports keep all).")] = MAX_EDGES,
    fmt: Annotated[list[str] | None, typer.Option("--format", "-f", help="Output formats, repeatable: html, graphml, csv, gexf, cyjs, json, all (default: html, graphml, csv).")] = None,
    strict: Annotated[bool, typer.Option(help="Exit non-zero if any input was skipped.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars or summary.")] = False,
    workers: Annotated[str, typer.Option("--workers", "-j", metavar="N|auto", help="NER processes on this machine (each loads the model once): a number, or auto: one per core as memory allows (1.2 GB each), none when what needs NER fits the last chunk (~250 kB of text: a small corpus, a rebuild with new documents at the end). The output files are written in parallel on the free cores.")] = "auto",
    engine: Annotated[str, typer.Option(help="Where NER runs: local, or dask (an existing dask.distributed cluster; see --scheduler).")] = "local",
    scheduler: Annotated[str | None, typer.Option(help="Address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786; implies --engine dask.")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Annotate every document again; neither read nor write OUT/kg.sqlite.")] = False,
) -> None:
    """Read PATHS, find entities, and write graph.html, graph.graphml, nodes.csv, edges.csv ... to --out."""
    import kg.api
    from kg.pipeline.options import DEFAULT_FORMATS

    try:
        g = kg.api.build(
            paths, out=out, models=model or (), window=window, score=score, min_count=min_count,
            min_score=min_score, top_edges_per_node=top_edges_per_node, types=types,
            generic_terms=generic_terms, link=not no_link, columns=_parse_columns(column or []),
            max_nodes=max_nodes, max_edges=max_edges, formats=fmt or DEFAULT_FORMATS, progress=not quiet and sys.stderr.isatty(),
            workers=_parse_workers(workers), engine="dask" if scheduler else engine, scheduler=scheduler, cache=not no_cache,
        )
    except KgError as err:
        _fail(err)
    if not quiet:
        typer.echo(g.stats.summary())
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


@app.command()
def export(
    graph: Annotated[Path, typer.Argument(help="A graph saved by kg (graphml, gexf, json, cyjs).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write.")],
    format: Annotated[str | None, typer.Option("--format", "-f", help="graphml, gexf, cyjs, json, csv, html (default: from --out).")] = None,  # noqa: A002
) -> None:
    """Convert a saved graph to another format without rerunning NER."""
    from kg.api import load

    try:
        written = load(graph).export(out, format=format)
    except KgError as err:
        _fail(err)
    for path in written:
        typer.echo(f"wrote {path}")


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
