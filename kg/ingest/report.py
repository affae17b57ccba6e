"""The account of one ingest run: what was read, skipped, repeated and flagged.

:class:`IngestReport` is a mutable accumulator that :func:`kg.ingest.iter_documents` fills
while it streams, so a caller can read it during or after iteration. :meth:`IngestReport.summary`
renders it for people (the CLI prints it; :class:`kg.errors.NothingToBuildError` quotes it).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from kg.records import Skipped

__all__ = ["IngestReport"]


@dataclass
class IngestReport:
    """What an ingest run did, file by file.

    ``files_read``: files opened and recognised (a file can be both here and in ``skipped``
    when part of it was unreadable); ``skipped``: files, records or annotations not used,
    and why; ``duplicates``: ``(document id, source where the repeat was seen)``;
    ``flagged``: ``(document id, flag)`` such as ``"no-abstract"``; ``documents``: how many
    were yielded. ``formats`` and ``counts`` give each read file's format and document count.
    """

    files_read: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    flagged: list[tuple[str, str]] = field(default_factory=list)
    documents: int = 0
    formats: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def summary(self, *, limit: int = 20) -> str:
        """A few readable lines: totals, then each file's format and count, then each skip (at most ``limit`` each)."""
        lines = [
            f"{self.documents} document(s) from {len(self.files_read)} file(s); "
            f"{len(self.skipped)} skipped, {len(self.duplicates)} duplicate(s), {len(self.flagged)} flagged"
        ]
        for i, source in enumerate(self.files_read):
            if i == limit:
                lines.append(f"  ... and {len(self.files_read) - limit} more file(s)")
                break
            lines.append(
                f"  {source}: {self.formats.get(source, '?')}, {self.counts.get(source, 0)} document(s)"
            )
        for i, skip in enumerate(self.skipped):
            if i == limit:
                lines.append(f"  ... and {len(self.skipped) - limit} more skipped")
                break
            lines.append(f"  skipped {skip}")
        if self.flagged:
            tally = Counter(flag for _, flag in self.flagged)
            lines.append("  flagged: " + ", ".join(f"{n} {flag}" for flag, n in sorted(tally.items())))
        return "\n".join(lines)
