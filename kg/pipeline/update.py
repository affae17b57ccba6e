"""Keep an output folder up to date: the build's record (options, inputs, fingerprint) and ``kg update``.

Every build with ``out`` commits ``OUT/.kg-build.json`` together with its outputs (one
:class:`~kg.pipeline.outfolder.OutputFolder` commit, so the record always describes the files
beside it). It holds:

* the input paths (absolute) and every option of the build that can be given again
  (:data:`SAVED_OPTIONS`), so ``kg update OUT`` rebuilds with the same ones;
* a **fingerprint** (SHA-256) of everything the outputs depend on: the bytes of every input
  file kg reads (the files :func:`kg.ingest.paths.iter_files` lists, hidden files such as a
  fetch manifest excluded), the options that change the outputs (:data:`OUTPUT_OPTIONS`; not
  workers, engine, progress, batch size or the cache, which the equivalence tests show change
  nothing), the NER model stack (:func:`kg.pipeline.store.stack_fingerprint`) and kg's own
  files (code, data, bundled models: path, size and modification time);
* the name, size and modification time of every file committed.

:func:`kg.update` (:func:`plan`, then :func:`kg.build`) re-runs the saved ``kg fetch`` query of each input folder that has one
(:func:`kg.ingest.fetch.update_fetched`: only PMIDs not fetched yet), then computes the
fingerprint again. When it and every output are as recorded, nothing is done and no file is
touched (the cost is reading the inputs once to hash them). Otherwise it runs
:func:`kg.build` with the saved options into the same folder: the NER cache (``kg.sqlite``)
annotates only documents that are new or whose text changed, and a document gone from the
inputs is simply not read, so its counts and evidence leave the graph; every output then
equals a clean build's byte for byte (tests/test_update.py).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.errors import KgError

if TYPE_CHECKING:  # pragma: no cover
    from kg.ingest.fetch import FetchResult
    from kg.pipeline.options import BuildOptions

__all__ = ["BUILD_RECORD", "SAVED_OPTIONS", "OUTPUT_OPTIONS", "BuildRecord", "UpdateResult", "input_files",
           "build_fingerprint", "record_of", "read_record", "outputs_as_recorded", "plan"]

#: The record of a build, committed with its outputs.
BUILD_RECORD = ".kg-build.json"
#: Version of the record's layout.
RECORD_VERSION = 1
#: The options of :class:`~kg.pipeline.options.BuildOptions` saved for ``kg update`` (all but paths, out, progress).
SAVED_OPTIONS = ("models", "window", "score", "min_count", "min_score", "top_edges_per_node", "types", "evidence_cap",
                 "generic_terms", "link", "columns", "batch_size", "max_nodes", "max_edges", "formats", "workers",
                 "engine", "scheduler", "cache", "write_processes", "relations", "graphml_evidence", "years", "species_apart")
#: The saved options that change what the outputs hold (the fingerprint's).
OUTPUT_OPTIONS = ("models", "window", "score", "min_count", "min_score", "top_edges_per_node", "types", "evidence_cap",
                  "generic_terms", "link", "columns", "max_nodes", "max_edges", "formats", "relations",
                  "graphml_evidence", "years", "species_apart")
_KG_ROOT = Path(__file__).resolve().parents[1]
_READ = 1 << 20


def _jsonable(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value.resolve())
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Mapping):
        return dict(value)
    return value


def input_files(paths: Any) -> list[Path]:
    """The files a build of ``paths`` reads, in reading order (folders walked as ingest walks them)."""
    from kg.ingest.paths import iter_files, resolve

    return [f for target in resolve(paths) for f in iter_files(target) if isinstance(f, Path)]


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_READ):
            digest.update(chunk)
    return digest.hexdigest()


def _kg_files() -> list[tuple[str, int, int]]:
    """kg's own files (code, data, bundled models) as (path, size, mtime_ns): a new kg rebuilds."""
    rows = []
    for dirpath, dirnames, filenames in os.walk(_KG_ROOT):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            st = os.stat(os.path.join(dirpath, name))
            rows.append((os.path.relpath(os.path.join(dirpath, name), _KG_ROOT), st.st_size, st.st_mtime_ns))
    return rows


def build_fingerprint(options: BuildOptions) -> str:
    """SHA-256 of the inputs' bytes, the output options, the NER stack and kg's files (see the module doc)."""
    from kg.pipeline.store import stack_fingerprint

    digest = hashlib.sha256()

    def add(value: Any) -> None:
        digest.update(json.dumps(value, sort_keys=True, default=str).encode("utf-8"))
        digest.update(b"\0")

    add({"record": RECORD_VERSION, "options": {k: _jsonable(getattr(options, k)) for k in OUTPUT_OPTIONS}})
    add(stack_fingerprint(options.models))
    add(_kg_files())
    if options.generic_terms is not None:
        add(_file_hash(options.generic_terms))
    for path in input_files(options.paths):
        add([str(path.resolve()), _file_hash(path)])
    return digest.hexdigest()


@dataclass(frozen=True)
class BuildRecord:
    """What ``OUT/.kg-build.json`` holds (see the module doc)."""

    paths: tuple[str, ...]
    options: dict[str, Any]
    fingerprint: str
    #: file name -> (size, mtime_ns) of every committed output
    outputs: dict[str, tuple[int, int]] = field(default_factory=dict)
    version: int = RECORD_VERSION

    def to_json(self) -> str:
        return json.dumps({"version": self.version, "paths": list(self.paths), "options": self.options,
                           "fingerprint": self.fingerprint,
                           "outputs": {k: list(v) for k, v in self.outputs.items()}}, indent=1, sort_keys=True)


def record_of(options: BuildOptions, fingerprint: str) -> BuildRecord:
    """The record of a build with ``options`` (its outputs are added after the commit)."""
    given = [options.paths] if isinstance(options.paths, (str, os.PathLike)) else list(options.paths)
    paths = tuple(os.path.abspath(os.path.expanduser(os.fspath(p))) for p in given)
    return BuildRecord(paths, {k: _jsonable(getattr(options, k)) for k in SAVED_OPTIONS}, fingerprint)


def write_record(folder: Path, record: BuildRecord, names: Iterable[str]) -> None:
    """``record`` with the size and time of the files ``names`` in ``folder`` (just committed), atomically."""
    outputs = {}
    for name in sorted(names):
        st = (folder / name).stat()
        outputs[name] = (st.st_size, st.st_mtime_ns)
    done = BuildRecord(record.paths, record.options, record.fingerprint, outputs)
    tmp = folder / (BUILD_RECORD + ".tmp")
    tmp.write_text(done.to_json(), encoding="utf-8")
    os.replace(tmp, folder / BUILD_RECORD)


def read_record(out: str | Path) -> BuildRecord:
    """The record of the build in ``out``; :class:`KgError` naming the fix when ``out`` is no kg output folder."""
    out = Path(out)
    path = out / BUILD_RECORD
    if not out.is_dir():
        raise KgError(f"{out}: no such folder; give the --out folder of a `kg build`")
    if not path.is_file():
        raise KgError(f"{out}: not a kg output folder with a build record ({BUILD_RECORD} is missing); run "
                      f"`kg build INPUTS --out {out}` once (a folder built by an older kg needs it too)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != RECORD_VERSION:
            raise ValueError(f"version {data.get('version')!r}, this kg reads {RECORD_VERSION}")
        return BuildRecord(tuple(data["paths"]), dict(data["options"]), str(data["fingerprint"]),
                           {k: (int(v[0]), int(v[1])) for k, v in data["outputs"].items()})
    except (ValueError, KeyError, TypeError, IndexError) as err:
        raise KgError(f"{path}: not a build record kg can read ({err}); run `kg build INPUTS --out {out}` "
                      "again") from err


def outputs_as_recorded(out: Path, record: BuildRecord) -> bool:
    """Every output of ``record`` is in ``out`` with its recorded size and modification time."""
    for name, (size, mtime) in record.outputs.items():
        try:
            st = (out / name).stat()
        except OSError:
            return False
        if (st.st_size, st.st_mtime_ns) != (size, mtime):
            return False
    return bool(record.outputs)


@dataclass(frozen=True)
class UpdateResult:
    """What :func:`update` did: ``changed`` False when nothing was (no file touched)."""

    out: Path
    changed: bool
    reason: str
    seconds: float = 0.0
    fetched: list[FetchResult] = field(default_factory=list)
    graph: Any = None  # the new KnowledgeGraph when rebuilt

    def summary(self) -> str:
        lines = [f.summary() for f in self.fetched]
        if self.changed and self.graph is not None:
            lines.append(self.graph.stats.summary())
        lines.append(f"kg update {self.out}: {self.reason} ({self.seconds:.2f} s)")
        return "\n".join(lines)


def plan(out: str | Path, *, fetch: bool = True, workers: int | str | None = None,
         fetch_options: Mapping[str, Any] | None = None) -> tuple[BuildRecord, dict[str, Any], list[FetchResult], bool]:
    """What :func:`kg.update` does for ``out``: (its record, the options to build with, the fetch runs,
    whether everything is up to date). ``fetch``: re-run the saved ``kg fetch`` query of every input
    folder that has one first (``fetch_options``: api_key, email, base_url, retry, timeout for
    :func:`kg.ingest.fetch.update_fetched`). ``workers`` overrides the saved number of NER processes.
    Raises :class:`KgError` when ``out`` is not a kg output folder."""
    from kg.ingest.fetch import fetched_folders, update_fetched
    from kg.pipeline.options import BuildOptions

    out = Path(out)
    record = read_record(out)
    options = dict(record.options)
    if workers is not None:
        options["workers"] = workers
    fetched = [update_fetched(folder, **dict(fetch_options or {})) for folder in fetched_folders(record.paths)
               ] if fetch else []
    checked = BuildOptions.checked(list(record.paths), out=out, **options)
    current = outputs_as_recorded(out, record) and build_fingerprint(checked) == record.fingerprint
    return record, options, fetched, current
