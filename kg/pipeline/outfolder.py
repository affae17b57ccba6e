"""The output folder of a build: one build at a time, and never a half-written set of files.

Two rules, the ones databases use for their files:

* **A lock per folder.** :class:`OutputFolder` takes an exclusive ``fcntl`` lock on
  ``OUT/.kg.lock`` (and writes its process id there) for the whole build. A second build into
  the same folder fails at once with :class:`~kg.errors.OutputLockedError`, naming the folder
  and the process that holds it. The kernel drops the lock when the holder dies, however it
  dies, so there is nothing stale to clean up (a killed build leaves the file, which the next
  build locks again; a build that ends removes it, so a failed build leaves no new file).
* **Write aside, then commit.** Every output is written into ``OUT/.kg-staging/`` (same file
  system). :meth:`OutputFolder.commit` writes a journal (``COMMIT``: the names of the new set
  and of the old files it replaces), syncs it, and only then renames each new file into place
  and removes old outputs that the new set does not have. A kill or a write error before the
  journal leaves the old set untouched (the staging folder is removed next time); a kill
  during the renames is rolled forward by the next :class:`OutputFolder` on that folder, from
  the journal. So the folder holds the complete old set or the complete new set, and the
  renames, the only moment between the two, take microseconds per file.

Files the build writes outside the staging folder (the NER cache ``kg.sqlite``) keep their own
rules; a folder that this build created and that ends up holding nothing else is removed when
the build fails.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from kg.errors import OutputError, OutputLockedError

__all__ = ["OutputFolder", "LOCK_NAME", "STAGING_NAME", "recover", "interrupted"]

LOCK_NAME = ".kg.lock"
STAGING_NAME = ".kg-staging"
_JOURNAL = "COMMIT"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def interrupted(folder: str | Path) -> bool:
    """Was a commit into ``folder`` interrupted (its journal is there), so that it holds a mixed set until
    :func:`recover` runs?"""
    return (Path(folder) / STAGING_NAME / _JOURNAL).exists()


def recover(folder: str | Path) -> str:
    """Finish or undo an interrupted commit in ``folder``: ``"rolled forward"``, ``"cleaned"`` or ``""``.

    Call it only while holding the folder's lock (as :class:`OutputFolder` does).
    """
    folder = Path(folder)
    staging = folder / STAGING_NAME
    if not staging.exists():
        return ""
    journal = staging / _JOURNAL
    if journal.exists():
        plan = json.loads(journal.read_text(encoding="utf-8"))
        _apply(folder, staging, plan["new"], plan["remove"])
        shutil.rmtree(staging)
        return "rolled forward"
    shutil.rmtree(staging)
    return "cleaned"


def _apply(folder: Path, staging: Path, new: list[str], remove: list[str]) -> None:
    for name in new:
        if (staging / name).exists():  # not yet moved by an earlier, interrupted pass
            os.replace(staging / name, folder / name)
    for name in remove:
        (folder / name).unlink(missing_ok=True)
    _fsync_dir(folder)


class OutputFolder:
    """``with OutputFolder(out) as folder:`` write into ``folder.staging``, then ``folder.commit(...)``.

    ``known`` names every file kg may have written there before: those of the old set that
    the new set lacks are removed at commit, so no stale file from an earlier build (a
    graph.gexf of another run) sits beside the new ones.
    """

    def __init__(self, path: str | Path, *, known: Iterable[str] = ()) -> None:
        self.path = Path(path)
        self.known = tuple(known)
        self.staging = self.path / STAGING_NAME
        self._lock_fd: int | None = None
        self._created = False
        self.recovered = ""

    def __enter__(self) -> OutputFolder:
        if self.path.exists() and not self.path.is_dir():
            raise OutputError(f"--out {self.path}: is a file, not a folder. Give a folder path (it is created if missing)")
        self._created = not self.path.exists()
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"--out {self.path}: cannot create the folder ({exc.strerror}). Choose a writable path") from exc
        self._lock()
        self.recovered = recover(self.path)
        self.staging.mkdir()
        return self

    def _lock(self) -> None:
        import fcntl

        lock_path = self.path / LOCK_NAME
        while True:
            try:
                fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise OutputError(f"--out {self.path}: cannot write there ({exc.strerror}). Choose a writable folder") from exc
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "another process"
                os.close(fd)
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                raise OutputLockedError(
                    f"--out {self.path}: locked by another kg build (process {holder}), which is writing this folder. Wait "
                    "for it to finish, or give this build another --out"
                ) from None
            try:  # the holder removes the file when it is done: lock the file that is there now
                if os.stat(lock_path).st_ino == os.fstat(fd).st_ino:
                    break
            except FileNotFoundError:
                pass
            os.close(fd)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        self._lock_fd = fd

    def commit(self, names: Iterable[str]) -> list[Path]:
        """Move the staged files ``names`` into the folder at once; returns their final paths."""
        new = sorted(set(names))
        missing = [n for n in new if not (self.staging / n).is_file()]
        if missing:
            raise OutputError(f"{self.staging}: {', '.join(missing)} not written; the old outputs were kept")
        remove = [n for n in self.known if n not in new and (self.path / n).exists()]
        for name in new:
            _fsync_file(self.staging / name)
        journal = self.staging / _JOURNAL
        tmp = journal.with_suffix(".tmp")
        tmp.write_text(json.dumps({"new": new, "remove": remove}), encoding="utf-8")
        _fsync_file(tmp)
        os.replace(tmp, journal)
        _fsync_dir(self.staging)
        _apply(self.path, self.staging, new, remove)
        shutil.rmtree(self.staging)
        return [self.path / n for n in new]

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if self.staging.exists() and not (self.staging / _JOURNAL).exists():
                shutil.rmtree(self.staging, ignore_errors=True)
            if self._lock_fd is not None:  # removed while still held (see _lock): a build leaves no lock file
                (self.path / LOCK_NAME).unlink(missing_ok=True)
            if kind is not None and self._created and not any(self.path.iterdir()):
                self.path.rmdir()
        finally:
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None
