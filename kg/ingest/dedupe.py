"""One paper is one document: recognising a record already seen under any of its keys.

A document's keys are its PMID, its DOI (case-insensitive) and, when it has an abstract,
the normalised hash of title and abstract (:func:`kg.records.text_hash`). A later record
sharing *any* key with an earlier one is a duplicate, whichever file or format it came from.
Title-only records are not matched by text, so two different notices that share a title
("Erratum.") but no identifier are both kept.

Keys are remembered as 64-bit BLAKE2b digests (about 60 bytes each in a Python set rather
than 120+ for the strings); the chance of a false match among ten million keys is below
one in a hundred thousand.
"""

from __future__ import annotations

import hashlib

from kg.records import Document, text_hash

__all__ = ["Deduplicator", "document_keys"]


def document_keys(doc: Document) -> list[str]:
    """The identity keys of ``doc``: ``pmid:...``, ``doi:...`` and ``text:...`` where it has them."""
    keys = []
    if doc.pmid:
        keys.append(f"pmid:{doc.pmid}")
    if doc.doi:
        keys.append(f"doi:{doc.doi.lower()}")
    if doc.abstract:
        keys.append(f"text:{text_hash(doc.title, doc.abstract)}")
    return keys


def _digest(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "big")


class Deduplicator:
    """Remembers the keys of the documents seen so far."""

    def __init__(self) -> None:
        self._seen: set[int] = set()

    def __len__(self) -> int:
        return len(self._seen)

    def is_duplicate(self, doc: Document) -> bool:
        """True if ``doc`` shares a key with an earlier document. Its keys are remembered either way
        (a repeat that brings a DOI the first copy lacked makes that DOI known too)."""
        digests = [_digest(k) for k in document_keys(doc)]
        duplicate = any(d in self._seen for d in digests)
        self._seen.update(digests)
        return duplicate
