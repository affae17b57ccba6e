"""Concept ids for mentions: genes to HGNC, diseases and cancers to CTD MEDIC (MeSH/OMIM).

A dictionary linker in the spirit of scispaCy's ``EntityLinker`` but exact, not fuzzy:
a mention links when its text matches one vocabulary term, after the folding of
:func:`kg.vocabularies.normalize.normalize_text`, and that term names exactly one concept. The lookup
of :meth:`Vocabulary.lookup`, first stage that matches decides:

1. **Approved symbol, exact case** (``"STAT3"``, ``"SET"``, ``"PGP"``): an HGNC approved
   symbol (or an all-capitals CTD name) written exactly as in the vocabulary (after
   :func:`kg.vocabularies.normalize.rejoin` undoes tokenizer spaces).
2. **Curated supplement** (``kg/data/gene_supplement.tsv``, ``disease_supplement.tsv``):
   well-known names the vocabularies lack or list ambiguously (``"P-glycoprotein"`` and
   ``"Pgp"`` -> ABCB1, ``"Nrf2"`` -> NFE2L2, ``"NSCLC"`` -> MeSH D002289), by folded key.
3. **Other exact-case terms**: previous and alias symbols as written (``"P-gp"`` -> ABCB1,
   even though ``"pgp"`` folds to the symbol ``PGP``).
4. **Folded key**, by tier (HGNC: symbol < name, previous symbol < alias symbol, alias
   name, previous name; CTD: name < synonym). A key that is ambiguous only because the
   folding dropped separators is retried with the finer
   :func:`kg.vocabularies.normalize.segment_key` (``"miR-93"`` -> ``MIR93``, not ``MIR9-3``).

Within the deciding stage the best tier wins; if it holds more than one concept the
mention is ambiguous and is **not** linked (``"NRF2"`` without the supplement: GABPA and
NFE2L2). Short and common-word terms never link by folded key (see :mod:`kg.vocabularies.terms`:
``"set"``, ``"impact"``, ``"mice"`` stay unlinked; an approved symbol such as ``SET`` links
only when written ``"SET"``).

Labels: a gene's :attr:`Concept.name` is its approved symbol (``"ABCB1"``): short, what the
graph shows and what papers write; :attr:`Concept.description` holds the approved full
name (``"ATP binding cassette subfamily B member 1"``) for tooltips. A disease's name is
CTD's preferred name (MeSH heading: ``"Carcinoma, Non-Small-Cell Lung"``). URLs point to
the HGNC symbol report and, for diseases, to the CTD disease page (CTD's terms of use ask
for a link back to ctdbase.org).
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from kg.errors import InputError
from kg.vocabularies.datacache import cached
from kg.vocabularies.normalize import normalize_text, rejoin, segment_key

__all__ = [
    "Concept",
    "Vocabulary",
    "TermVocabulary",
    "read_tsv_gz",
    "read_term_supplement",
    "Linker",
    "GENE_TYPES",
    "DISEASE_TYPES",
    "DATA_DIR",
    "hgnc_concept",
    "ctd_concept",
]

DATA_DIR = Path(__file__).parent.parent / "data"

#: Readable entity types (kg.schema) linked to HGNC, and to CTD diseases.
GENE_TYPES: frozenset[str] = frozenset({"Gene or gene product", "DNA", "RNA"})
DISEASE_TYPES: frozenset[str] = frozenset({"Disease", "Cancer"})

TERM_URLS = {
    "go": "https://amigo.geneontology.org/amigo/term/GO:{id}",
    "so": "http://www.sequenceontology.org/browser/current_release/term/SO:{id}",
}
HGNC_URL = "https://www.genenames.org/data/gene-symbol-report/#!/hgnc_id/HGNC:{id}"
CTD_URL = "https://ctdbase.org/detail.go?type=disease&acc={id}"


@dataclass(frozen=True)
class Concept:
    """A vocabulary entry a node stands for.

    ``curie``: ``hgnc:40``, ``mesh:D002289``, ``omim:114480``; ``name``: the label (approved
    symbol, CTD name); ``vocabulary``: ``HGNC``, ``MeSH`` or ``OMIM``; ``url``: the entry's
    page; ``description``: the gene's full name (empty for diseases).
    """

    curie: str
    name: str
    vocabulary: str
    url: str
    description: str = ""
    type: str = ""
    """The readable entity type the vocabulary fixes (curated GO/SO terms), else ``""``."""
    xrefs: tuple[str, ...] = ()
    """Every equivalent CURIE, the primary first (``hgnc:11364``, ``ncbigene:6774``, ``uniprot:P40763``)."""
    category: str = ""
    """The Biolink class (``biolink:Gene``, ``biolink:ChemicalEntity``, ...), ``""`` when unknown."""
    score: float = 1.0
    """The grounding's confidence (:mod:`kg.concepts.grounder`)."""


def hgnc_concept(hgnc_id: str, symbol: str, name: str = "") -> Concept:
    """The :class:`Concept` of an HGNC record (``hgnc_id`` with or without ``HGNC:``)."""
    num = hgnc_id.removeprefix("HGNC:")
    return Concept(f"hgnc:{num}", symbol, "HGNC", HGNC_URL.format(id=num), name)


def ctd_concept(disease_id: str, name: str) -> Concept:
    """The :class:`Concept` of a CTD MEDIC disease (``MESH:D002289`` or ``OMIM:114480``)."""
    prefix, _, local = disease_id.partition(":")
    vocabulary = {"MESH": "MeSH", "OMIM": "OMIM"}.get(prefix.upper(), prefix)
    return Concept(f"{prefix.lower()}:{local}", name, vocabulary, CTD_URL.format(id=disease_id))


Entry = tuple[int, tuple[str, ...]]


def read_tsv_gz(path: Path) -> list[dict[str, str]]:
    """Rows of a header + tab-separated file written by :mod:`kg.vocabularies.terms` (no quoting): a plain split
    is twice as fast as :class:`csv.DictReader` for the 260k HGNC terms every NER process loads."""
    try:
        with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
            header = fh.readline().rstrip("\r\n").split("\t")
            rows = [dict(zip(header, line.rstrip("\r\n").split("\t"), strict=False)) for line in fh if line.strip()]
        if any(len(r) != len(header) for r in rows):
            raise ValueError(f"a row without the {len(header)} columns of the header")
        return rows
    except (OSError, EOFError, ValueError) as exc:
        raise InputError(str(path), f"cannot read vocabulary file ({exc}); rebuild it with "
                         "`python -m kg.vocabularies.terms --hgnc ... --ctd ... --out DIR`") from exc


def _read_supplement(path: Path, known: Mapping[str, Concept]) -> dict[str, str]:
    """``text<TAB>id[<TAB>note]`` lines (``#`` comments) -> {folded key: id}; ids must exist."""
    out: dict[str, str] = {}
    if not path.exists():
        return out
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 2 or not cols[0].strip() or not cols[1].strip():
                raise InputError(str(path), "expected `text<TAB>id<TAB>note`", location=str(lineno))
            cid = cols[1].strip().removeprefix("HGNC:")
            if cid not in known:
                raise InputError(str(path), f"id {cols[1].strip()!r} is not in the vocabulary; "
                                 "fix the id or rebuild the vocabulary", location=str(lineno))
            key = normalize_text(cols[0])
            if key:
                out[key] = cid
    return out


@dataclass(frozen=True)
class Vocabulary:
    """One loaded vocabulary: concepts by id and the three lookup tables of :meth:`lookup`."""

    name: str
    concepts: Mapping[str, Concept]
    exact: Mapping[str, Entry]
    keys: Mapping[str, Entry]
    supplement: Mapping[str, str] = field(default_factory=dict)
    segments: Mapping[str, Entry] = field(default_factory=dict)

    @classmethod
    def load(cls, directory: str | Path, vocab: str, *, supplement: str | Path | None = None) -> Vocabulary:
        """Read ``<vocab>_concepts.tsv.gz`` and ``<vocab>_terms.tsv.gz`` (see :mod:`kg.vocabularies.terms`), or
        the vocabulary parsed from the same files before (:mod:`kg.vocabularies.datacache`)."""
        d = Path(directory)
        sources = [d / f"{vocab}_concepts.tsv.gz", d / f"{vocab}_terms.tsv.gz"]
        if supplement is not None and Path(supplement).exists():
            sources.append(Path(supplement))
        # the supplement's keys are made by kg.vocabularies.normalize; the rest by this module
        return cached(f"vocabulary-{vocab}", sources, lambda: cls.parse(d, vocab, supplement=supplement),
                      code=("kg.vocabularies.normalize",))

    @classmethod
    def parse(cls, directory: str | Path, vocab: str, *, supplement: str | Path | None = None) -> Vocabulary:
        """:meth:`load` without the cache."""
        d = Path(directory)
        rows = read_tsv_gz(d / f"{vocab}_concepts.tsv.gz")
        if vocab == "hgnc":
            concepts = {r["id"]: hgnc_concept(r["id"], r["symbol"], r["name"]) for r in rows}
        else:
            concepts = {r["id"]: ctd_concept(r["id"], r["name"]) for r in rows}
        tables: dict[str, dict[str, Entry]] = {"exact": {}, "key": {}, "seg": {}}
        for r in read_tsv_gz(d / f"{vocab}_terms.tsv.gz"):
            table = tables.get(r["match"])
            if table is None:
                continue
            tier = int(r["tier"])
            ids = tuple(r["ids"].split("|"))
            old = table.get(r["text"])
            if old is None or tier < old[0]:
                table[r["text"]] = (tier, ids)
            elif tier == old[0]:
                table[r["text"]] = (tier, tuple(sorted(set(old[1]) | set(ids))))
        sup = _read_supplement(Path(supplement), concepts) if supplement else {}
        return cls(vocab, concepts, tables["exact"], tables["key"], sup, tables["seg"])

    def lookup(self, text: str) -> Concept | None:
        """The concept ``text`` names, or None when it names none or several (module docstring)."""
        surface = rejoin(text)
        hit = self.exact.get(surface)
        if hit is not None and hit[0] == 0:
            return self._unique(hit)
        key = normalize_text(text)
        if not key:
            return None
        if key in self.supplement:
            return self.concepts[self.supplement[key]]
        if hit is not None:
            return self._unique(hit)
        hit = self.keys.get(key)
        if hit is None:
            return None
        if len(hit[1]) > 1:
            seg = self.segments.get(segment_key(text))
            if seg is not None and seg[0] == hit[0]:
                return self._unique(seg)
        return self._unique(hit)

    def _unique(self, hit: Entry) -> Concept | None:
        ids = hit[1]
        return self.concepts.get(ids[0]) if len(ids) == 1 else None


def read_term_supplement(path: str | Path) -> dict[str, Concept]:
    """``kg/data/term_supplement.tsv``: ``text<TAB>curie<TAB>type<TAB>name`` -> {folded text: Concept}.

    Curated class terms (GO cellular components, SO sequence types) that name one concept
    whatever the entity type a model gave them ("exosomes" is never a gene).
    """
    out: dict[str, Concept] = {}
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) != 4 or ":" not in cols[1]:
                raise InputError(str(path), "expected `text<TAB>prefix:id<TAB>type<TAB>name`", location=str(lineno))
            text, curie, typ, name = (c.strip() for c in cols)
            prefix, _, local = curie.partition(":")
            url = TERM_URLS.get(prefix.lower(), "").format(id=local)
            key = normalize_text(text)
            if key:
                out.setdefault(key, Concept(curie.lower(), name, prefix.upper(), url, type=typ))
    return out


@dataclass(frozen=True)
class TermVocabulary:
    """Curated class terms looked up by folded text (:func:`read_term_supplement`)."""

    name: str
    terms: Mapping[str, Concept]

    def lookup(self, text: str) -> Concept | None:
        return self.terms.get(normalize_text(text))


class Linker:
    """Links mention text of a given entity type to a :class:`Concept`.

    >>> linker = Linker.default()
    >>> linker.link("STAT3", "Gene or gene product").curie
    'hgnc:11364'

    Vocabularies load lazily, on the first mention of a type that needs them; results
    are memoised per (text, type).
    """

    def __init__(
        self,
        loaders: Mapping[str, Callable[[], Vocabulary]],
        type_to_vocab: Mapping[str, str] | None = None,
        *,
        cache_size: int = 1 << 17,
    ) -> None:
        self._loaders = dict(loaders)
        self._loaded: dict[str, Vocabulary] = {}
        if type_to_vocab is None:
            type_to_vocab = {**dict.fromkeys(GENE_TYPES, "hgnc"), **dict.fromkeys(DISEASE_TYPES, "ctd")}
        self.type_to_vocab = {t: v for t, v in type_to_vocab.items() if v in self._loaders and v != "terms"}
        self._link = lru_cache(maxsize=cache_size)(self._link_uncached)

    @classmethod
    def from_dir(cls, directory: str | Path, *, supplements: bool = True) -> Linker:
        """A linker over the vocabulary files in ``directory`` (and its ``*_supplement.tsv``)."""
        d = Path(directory)
        loaders: dict[str, Callable[[], Vocabulary]] = {}
        for vocab, sup in (("hgnc", "gene_supplement.tsv"), ("ctd", "disease_supplement.tsv")):
            if (d / f"{vocab}_terms.tsv.gz").exists():
                loaders[vocab] = (lambda v=vocab, s=sup: Vocabulary.load(d, v, supplement=d / s if supplements else None))
        if supplements and (d / "term_supplement.tsv").exists():
            loaders["terms"] = lambda: TermVocabulary("terms", read_term_supplement(d / "term_supplement.tsv"))
        if not loaders:
            raise InputError(str(d), "no vocabulary files (hgnc_terms.tsv.gz, ctd_terms.tsv.gz); "
                             "build them with `python -m kg.vocabularies.terms`")
        return cls(loaders)

    @classmethod
    def default(cls) -> Linker:
        """The linker over the packaged vocabularies (one shared instance)."""
        return _default_linker()

    def vocabulary(self, name: str) -> Vocabulary:
        """The loaded vocabulary ``name`` (``hgnc`` or ``ctd``), loading it on first use."""
        if name not in self._loaded:
            self._loaded[name] = self._loaders[name]()
        return self._loaded[name]

    def link(self, text: str, type: str) -> Concept | None:  # noqa: A002 - the brief's name
        """The concept ``text`` names as an entity of readable ``type``, or None.

        Types in :data:`GENE_TYPES` link to HGNC, :data:`DISEASE_TYPES` to CTD; curated class
        terms (``term_supplement.tsv``: GO cellular components, SO sequence types) link
        whatever the type, when the type's own vocabulary has no match.
        """
        if not text or (type not in self.type_to_vocab and "terms" not in self._loaders):
            return None
        return self._link(text, type)

    def _link_uncached(self, text: str, type: str) -> Concept | None:  # noqa: A002
        hit = self.vocabulary(self.type_to_vocab[type]).lookup(text) if type in self.type_to_vocab else None
        if hit is None and "terms" in self._loaders:
            hit = self.vocabulary("terms").lookup(text)
        return hit


@lru_cache(maxsize=1)
def _default_linker() -> Linker:
    return Linker.from_dir(DATA_DIR)
