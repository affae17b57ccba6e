"""The state of a fetched folder: its manifest (``.kg-fetch.json``), its lock, atomic writes.

The manifest keeps what :mod:`kg.ingest.fetch` needs to fetch only new records next time: the
saved query and its options (:class:`SavedQuery`), the PMIDs fetched, the files written and every
run with its date (:class:`FetchRun`). It is JSON, rewritten whole through a temporary file and
:func:`os.replace` (:func:`write_atomic`), so a reader never sees half of it. Its name starts with a
dot so that ``kg build folder/`` does not read it as a document (:mod:`kg.ingest.paths` skips hidden
files). :func:`folder_lock` is an exclusive ``flock`` on ``.kg-fetch.lock``: the kernel drops it when
the process ends, even killed, so a crash never leaves a stale lock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from kg.errors import FetchError

__all__ = [
    "MANIFEST_NAME",
    "LOCK_NAME",
    "SavedQuery",
    "FetchRun",
    "Manifest",
    "read_manifest",
    "fetched_folders",
    "folder_lock",
    "write_atomic",
    "utc_now",
]

#: The manifest of a fetched folder (hidden, so that ingest does not read it as a document).
MANIFEST_NAME = ".kg-fetch.json"
#: Held (``flock``) while a fetch writes to a folder, so two fetches never write to one folder at once.
LOCK_NAME = ".kg-fetch.lock"
_FORMAT = "kg-fetch/1"


@dataclass(frozen=True)
class SavedQuery:
    """What :func:`kg.ingest.fetch.update_fetched` runs again: the query and its options."""

    query: str
    since: str | None = None
    datetype: str = "edat"
    max_records: int | None = None


@dataclass(frozen=True)
class FetchRun:
    """One call of :func:`kg.ingest.fetch.fetch`: when, how many records matched, how many were new, the files it wrote."""

    at: str
    found: int
    new: int
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class Manifest:
    """The state of a fetched folder (``.kg-fetch.json``)."""

    saved: SavedQuery
    created: str
    pmids: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    runs: tuple[FetchRun, ...] = ()

    def to_json(self) -> str:
        data = {
            "format": _FORMAT,
            **asdict(self.saved),
            "created": self.created,
            "updated": self.runs[-1].at if self.runs else self.created,
            "pmids": list(self.pmids),
            "files": list(self.files),
            "runs": [asdict(r) for r in self.runs],
        }
        return json.dumps(data, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str, source: Path) -> Manifest:
        try:
            data = json.loads(text)
            if data.get("format") != _FORMAT:
                raise ValueError(f"format {data.get('format')!r} is not {_FORMAT!r}")
            saved = SavedQuery(
                query=str(data["query"]),
                since=data.get("since"),
                datetype=data.get("datetype", "edat"),
                max_records=data.get("max_records"),
            )
            runs = tuple(
                FetchRun(at=r["at"], found=int(r["found"]), new=int(r["new"]), files=tuple(r["files"]))
                for r in data.get("runs", ())
            )
            return cls(
                saved=saved,
                created=str(data["created"]),
                pmids=tuple(map(str, data["pmids"])),
                files=tuple(map(str, data["files"])),
                runs=runs,
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise FetchError(
                f"{source}: not a kg fetch manifest ({exc}); delete it to fetch the folder's query from scratch"
            ) from exc


def utc_now() -> str:
    """Now, in UTC, to the second, ISO 8601."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a hidden temporary file in the same folder and :func:`os.replace`."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_manifest(out_dir: str | os.PathLike[str]) -> Manifest | None:
    """The manifest of a fetched folder, or None when the folder has none (was not made by :func:`kg.ingest.fetch.fetch`)."""
    path = Path(out_dir) / MANIFEST_NAME
    if not path.is_file():
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FetchError(
            f"{path}: cannot be read ({exc}); check its permissions, or delete it to start over"
        ) from exc
    return Manifest.from_json(text, path)


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """An exclusive ``flock`` on the folder's lock file (released when the process ends, even killed)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no lock
        yield
        return
    with open(folder / LOCK_NAME, "a+b") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise FetchError(
                f"{folder}: another kg fetch or update is writing to this folder; wait for it to finish"
            ) from exc
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def fetched_folders(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The folders among ``paths`` (a build's inputs) that :func:`kg.ingest.fetch.fetch` made: those with a manifest."""
    items = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    return [Path(p) for p in items if (Path(p) / MANIFEST_NAME).is_file()]
