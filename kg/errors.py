"""The exceptions kg raises, in one place.

Every message says what was wrong *and* how to fix it, and names the input it is about.
"""

from __future__ import annotations

__all__ = [
    "KgError",
    "DatabaseError",
    "InputError",
    "NothingToBuildError",
    "ModelNotFoundError",
    "ModelError",
    "ExportError",
    "OutputError",
    "OutputLockedError",
    "FetchError",
    "CacheError",
    "OptionError",
]


class KgError(Exception):
    """Base class of every error kg raises on purpose."""


class InputError(KgError):
    """One input file (or record in it) could not be read.

    ``source`` names the file; ``location`` a line or record number where that helps.
    """

    def __init__(self, source: str, reason: str, *, location: str | None = None) -> None:
        self.source = str(source)
        self.reason = reason
        self.location = location
        where = f"{self.source}:{location}" if location else self.source
        super().__init__(f"{where}: {reason}")


class NothingToBuildError(KgError):
    """No document could be read from any of the given paths."""


class ModelNotFoundError(KgError):
    """A named spaCy/scispaCy model is neither bundled, installed, nor a path on disk."""


class ModelError(KgError):
    """A model loaded but cannot be used (no NER component, incompatible version, ...)."""


class ExportError(KgError):
    """A graph could not be written or read back in the requested format."""


class OutputError(KgError):
    """The output folder cannot be used: not a folder, not writable, or a write failed (the old outputs stay)."""


class OutputLockedError(OutputError):
    """Another kg build holds the output folder's lock."""


class FetchError(KgError):
    """Fetching from NCBI E-utilities failed, or a fetch option or folder is wrong.

    ``eutil`` names the E-utility (``esearch``, ``efetch``) when a request failed, ``status`` the
    last HTTP status (``None`` for a network error or a bad body) and ``attempts`` what each try got.
    """

    def __init__(
        self,
        message: str,
        *,
        eutil: str | None = None,
        status: int | None = None,
        attempts: tuple[str, ...] = (),
    ) -> None:
        self.eutil = eutil
        self.status = status
        self.attempts = attempts
        super().__init__(message)


class CacheError(KgError):
    """The NER cache (``OUT/kg.sqlite``) cannot be used: not writable, disk full, locked, or from a newer kg.

    ``path`` names the cache file; the message says how to fix it (make it writable, free
    space, build into another ``--out``) or to build without it (``--no-cache``).
    """

    def __init__(self, message: str, *, path: str | None = None) -> None:
        self.path = None if path is None else str(path)
        super().__init__(message)


class OptionError(KgError, ValueError):
    """An option of a build (``kg.build`` keyword, ``kg build`` flag) has a value kg cannot use.

    Raised before any input is read; ``option`` is the keyword's name, the message names the
    flag too and says what to give instead. The CLI exits with status 2 on it.
    """

    def __init__(self, option: str, problem: str, fix: str) -> None:
        self.option = option
        super().__init__(f"option {option} (--{option.replace('_', '-')}): {problem}; {fix}")


class DatabaseError(KgError):
    """The database of record (``OUT/kg.duckdb``) is missing, or a query on it failed.

    The message names the folder or file and the fix (build with the ``duckdb`` format, correct the SQL).
    """
