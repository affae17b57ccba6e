"""Dictionary-match features for the NER models: which lexicon entries cover each token.

A CNN trained on a few thousand annotated sentences has seen a small part of the disease
and gene vocabulary; curated lexicons (CTD's MEDIC diseases, HGNC's symbols and names) list
the rest. kg gives the shared tok2vec one more hashed input per token that says where the
token sits in a lexicon match: the gazetteer features of Ratinov & Roth 2009 ("Design
challenges and misconceptions in named entity recognition", BILOU-encoded dictionary
matches), as biomedical taggers use them (Leaman & Lu 2016, TaggerOne; Habibi et al. 2017
found dictionary features worth one to two F1 on disease mentions). The model learns how
far to trust them: the lexicons are neither complete nor unambiguous.

Method, per category (``DIS``, ``GENE``):

* lexicon terms are cut into tokens with kg's split rule (:func:`kg.nlp.tokenizer.split_words`),
  so a term matches exactly the token sequence the models see;
* acronyms and gene symbols match with their case ("STAT3"), every other term in lower
  case ("Non-small cell lung carcinoma"); symbols and acronyms that are common English
  words ("SET", "ALL": kg's common-word list) are left out; MeSH's inverted names are also read uninverted
  ("Carcinoma, Non-Small-Cell Lung" -> "Non-Small-Cell Lung Carcinoma");
* matches are taken left to right, longest first, and each covered token gets the BILUO
  position of its match, e.g. ``DIS-B``; the categories are joined (``DIS-L|GENE-U``).

The result goes into ``token.tag_`` (kg's pipelines have no POS tagger), which spaCy's
``MultiHashEmbed`` reads as the ``TAG`` attribute. The lexicon is saved inside the model, so
a trained pipeline gives the same features wherever it is loaded.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
from spacy.attrs import TAG
from spacy.language import Language
from spacy.tokens import Doc

from kg.errors import InputError
from kg.nlp.tokenizer import split_words

__all__ = ["Gazetteer", "read_ctd_diseases", "read_hgnc", "read_lexicon_source", "make_lexicon_features"]

_MAX_TOKENS = 12
_EMPTY: frozenset[str] = frozenset()
_FILE = "gazetteer.tsv.gz"


def _open_text(path: Path):
    if not path.exists():
        raise InputError(str(path), "lexicon file not found; pass its location in the config's [paths] lexicons")
    raw = path.open("rb")
    return io.TextIOWrapper(gzip.GzipFile(fileobj=raw) if path.suffix == ".gz" else raw, encoding="utf-8")


def _is_acronym(term: str) -> bool:
    return " " not in term and sum(c.isupper() for c in term) >= 2


def _uninverted(name: str) -> str | None:
    """MeSH's "Carcinoma, Non-Small-Cell Lung" read as "Non-Small-Cell Lung Carcinoma"."""
    head, sep, tail = name.partition(", ")
    return f"{tail} {head}" if sep and ", " not in tail else None


def read_ctd_diseases(path: str | Path) -> Iterator[tuple[str, bool]]:
    """(term, case-sensitive) for every disease name and synonym of CTD's ``CTD_diseases.tsv(.gz)``."""
    with _open_text(Path(path)) as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            names = [cols[0], *(cols[7].split("|") if len(cols) > 7 and cols[7] else [])]
            for name in names:
                for term in (name, _uninverted(name)):
                    if term:
                        yield term, _is_acronym(term)


def read_hgnc(path: str | Path) -> Iterator[tuple[str, bool]]:
    """(term, case-sensitive) for HGNC symbols (approved, previous, alias: with case) and names (lower case)."""
    with _open_text(Path(path)) as fh:
        header = fh.readline().rstrip("\n").split("\t")
        col = {name: i for i, name in enumerate(header)}
        missing = {"symbol", "name"} - col.keys()
        if missing:
            raise InputError(str(path), f"not an HGNC complete set: no {sorted(missing)} column")
        fields = [(f, f.endswith("symbol")) for f in
                  ("symbol", "alias_symbol", "prev_symbol", "name", "alias_name", "prev_name") if f in col]
        for line in fh:
            cols = line.rstrip("\n").split("\t")
            for field, is_symbol in fields:
                value = cols[col[field]] if col[field] < len(cols) else ""
                for term in value.split("|"):
                    term = term.strip().strip('"')
                    if term:
                        yield term, is_symbol


def read_lexicon_source(spec: str) -> Iterator[tuple[str, bool]]:
    """Terms of one config source: ``"ctd:PATH"``, ``"hgnc:PATH"``, ``"terms:PATH"`` (a term per line,
    anything after a tab ignored) or ``"mesh:PATH"`` (the same, MeSH's inverted names also read
    uninverted: :mod:`kg.vocabularies.mesh` writes such lists)."""
    kind, sep, path = spec.partition(":")
    if kind == "ctd" and sep:
        return read_ctd_diseases(path)
    if kind == "hgnc" and sep:
        return read_hgnc(path)
    if kind in ("terms", "mesh") and sep:
        def terms():
            with _open_text(Path(path)) as fh:
                for line in fh:
                    term = line.split("\t", 1)[0].strip()
                    if term and not term.startswith("#"):
                        for variant in (term, _uninverted(term) if kind == "mesh" else None):
                            if variant:
                                yield variant, _is_acronym(variant)
        return terms()
    raise InputError(spec, 'a lexicon source is "ctd:PATH", "hgnc:PATH", "mesh:PATH" or "terms:PATH"')


class Gazetteer:
    """Token-sequence lexicons by category, matched longest-first (see the module docstring)."""

    def __init__(self, entries: Iterable[tuple[str, bool, tuple[str, ...]]] = (), *,
                 stopwords: Iterable[str] = ()) -> None:
        # keys are the tokens joined by single spaces (tokens never hold one): one string per
        # entry instead of a tuple of strings, a fifth of the memory for CTD + HGNC
        self.exact: dict[str, frozenset[str]] = {}
        self.lower: dict[str, frozenset[str]] = {}
        self.stopwords = frozenset(w.lower() for w in stopwords)
        self._sets: dict[frozenset[str], frozenset[str]] = {}  # one object per category set
        for category, case_sensitive, key in entries:
            self.add(category, key, case_sensitive=case_sensitive)

    def add(self, category: str, key: tuple[str, ...], *, case_sensitive: bool) -> None:
        if not key or len(key) > _MAX_TOKENS:
            return
        if len(key) == 1 and (len(key[0]) < 2 or key[0].isdigit() or not key[0][0].isalnum()
                              or (case_sensitive and key[0].lower() in self.stopwords)):
            return
        table = self.exact if case_sensitive else self.lower
        joined = " ".join(key) if case_sensitive else " ".join(key).lower()
        self._put(table, joined, table.get(joined, frozenset()) | {category})

    def _put(self, table: dict[str, frozenset[str]], key: str, cats: frozenset[str]) -> None:
        table[key] = self._sets.setdefault(cats, cats)
        self.__dict__.pop("_longest", None)  # the first-token index is rebuilt on the next match

    def add_terms(self, category: str, terms: Iterable[tuple[str, bool]]) -> None:
        for term, case_sensitive in terms:
            self.add(category, tuple(split_words(term)), case_sensitive=case_sensitive)

    def __len__(self) -> int:
        return len(self.exact) + len(self.lower)

    @property
    def categories(self) -> list[str]:
        return sorted({c for table in (self.exact, self.lower) for cats in table.values() for c in cats})

    def _index(self) -> tuple[dict[str, int], frozenset[str]]:
        """Longest entry (in tokens) per lowercased first two tokens, for entries of two tokens or more;
        and the lowercased first tokens of those entries."""
        longest: dict[str, int] = {}
        for table, fold in ((self.exact, True), (self.lower, False)):  # lower's keys are lower case already
            for key in table:
                first, sep, rest = key.partition(" ")
                if not sep:
                    continue
                bigram = f"{first} {rest.partition(' ')[0]}"
                if fold:
                    bigram = bigram.lower()
                length = key.count(" ") + 1
                if longest.get(bigram, 0) < length:
                    longest[bigram] = length
        return longest, frozenset(b.partition(" ")[0] for b in longest)

    def match(self, words: list[str]) -> dict[str, list[tuple[int, int]]]:
        """Per category, the (start, end) token spans matched left to right, longest first.

        Only lengths an entry can have are tried: the index gives, per first two tokens, the
        longest entry that starts with them (most tokens start no entry of two tokens or more,
        and a first-token index made common words such as "and" or "in" try 12 lengths); a
        token that starts no such entry is looked up alone, without joining or slicing.
        """
        index = self.__dict__.get("_longest")
        if index is None:
            index = self.__dict__["_longest"] = self._index()
        longest, firsts = index
        lowers = [w.lower() for w in words]
        n = len(words)
        found: dict[str, list[tuple[int, int]]] = {}
        taken: dict[str, int] = {}
        lower, exact = self.lower, self.exact
        for i in range(n):
            low = lowers[i]
            most = longest.get(f"{low} {lowers[i + 1]}") if (low in firsts and i + 1 < n) else None
            if most is not None:  # some entry of two tokens or more starts with these two
                most = min(most, n - i)
                folded_keys, cased_keys = [low], [words[i]]  # the keys of 1, 2, ... tokens
                for k in range(i + 1, i + most):
                    folded_keys.append(f"{folded_keys[-1]} {lowers[k]}")
                    cased_keys.append(f"{cased_keys[-1]} {words[k]}")
                for length in range(most, 1, -1):
                    folded, cased = lower.get(folded_keys[length - 1]), exact.get(cased_keys[length - 1])
                    if folded is None:
                        if cased is None:
                            continue
                        cats = cased
                    else:
                        cats = folded if cased is None else folded | cased
                    for cat in cats:
                        if taken.get(cat, 0) <= i:
                            found.setdefault(cat, []).append((i, i + length))
                            taken[cat] = i + length
            # one token: the same steps as above, written out (one loop over lengths 1..most with a
            # tuple of keys per token was 20% slower: 2.4 -> 3.0 s per 3,000 abstracts)
            folded, cased = lower.get(low), exact.get(words[i])
            if folded is None:
                if cased is None:
                    continue
                cats = cased
            else:
                cats = folded if cased is None else folded | cased
            for cat in cats:
                if taken.get(cat, 0) <= i:
                    found.setdefault(cat, []).append((i, i + 1))
                    taken[cat] = i + 1
        return found

    def features(self, words: list[str]) -> list[str]:
        """One feature string per token: BILUO positions of its matches by category, ``""`` if none."""
        parts: dict[int, list[str]] = {}  # only the matched tokens
        for cat, spans in sorted(self.match(words).items()):
            for start, end in spans:
                if end - start == 1:
                    parts.setdefault(start, []).append(f"{cat}-U")
                    continue
                parts.setdefault(start, []).append(f"{cat}-B")
                for k in range(start + 1, end - 1):
                    parts.setdefault(k, []).append(f"{cat}-I")
                parts.setdefault(end - 1, []).append(f"{cat}-L")
        out = [""] * len(words)
        for k, p in parts.items():
            out[k] = "|".join(p)
        return out

    def to_bytes(self) -> bytes:
        rows = [f"{'|'.join(sorted(cats))}\t{mode}\t{key}"
                for mode, table in (("exact", self.exact), ("lower", self.lower))
                for key, cats in sorted(table.items())]
        return gzip.compress("\n".join(rows).encode("utf-8"), mtime=0)

    @classmethod
    def from_bytes(cls, data: bytes) -> Gazetteer:
        gaz = cls()
        tables = {"exact": gaz.exact, "lower": gaz.lower}
        sets: dict[str, frozenset[str]] = {}  # rows name a few category sets: one object each
        for row in gzip.decompress(data).decode("utf-8").split("\n"):
            if not row:
                continue
            cats, mode, key = row.split("\t")
            cat_set = sets.get(cats)
            if cat_set is None:
                new = frozenset(cats.split("|"))
                cat_set = sets[cats] = gaz._sets.setdefault(new, new)
            tables[mode][key] = cat_set
        return gaz


class LexiconFeatures:
    """spaCy component: writes :meth:`Gazetteer.features` into ``token.tag_``.

    ``sources`` maps a category to lexicon sources (:func:`read_lexicon_source`); they are
    read on first use unless the component was loaded from disk with its saved lexicon.
    """

    def __init__(self, nlp: Language, name: str, *, sources: dict[str, list[str]], stopwords: str | None) -> None:
        self.name = name
        self.vocab = nlp.vocab
        self.sources = sources
        self.stopwords = stopwords
        self._gazetteer: Gazetteer | None = None

    @property
    def gazetteer(self) -> Gazetteer:
        if self._gazetteer is None:
            stop: list[str] = []
            if self.stopwords:
                with _open_text(Path(self.stopwords)) as fh:
                    stop = [w.strip() for w in fh if w.strip() and not w.startswith("#")]
            gaz = Gazetteer(stopwords=stop)
            for category, specs in sorted(self.sources.items()):
                for spec in specs:
                    gaz.add_terms(category, read_lexicon_source(spec))
            self._gazetteer = gaz
        return self._gazetteer

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        feats = self.gazetteer.features([t.text for t in doc])
        strings = self.vocab.strings
        ids = np.fromiter((strings.add(f) if f else 0 for f in feats), dtype=np.uint64, count=len(feats))
        doc.from_array([TAG], ids.reshape(-1, 1))
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 256) -> Iterator[Doc]:
        for doc in docs:
            yield self(doc)

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / _FILE).write_bytes(self.gazetteer.to_bytes())

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> LexiconFeatures:
        file = Path(path) / _FILE
        if not file.exists():
            raise InputError(str(file), "the pipeline's lexicon_features component has no saved lexicon; "
                             "retrain the model with `kg train`")
        self._gazetteer = Gazetteer.from_bytes(file.read_bytes())
        return self

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return self.gazetteer.to_bytes()

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> LexiconFeatures:
        self._gazetteer = Gazetteer.from_bytes(data)
        return self


@Language.factory(
    "kg_lexicon_features",
    assigns=["token.tag"],
    default_config={"sources": {}, "stopwords": None},
)
def make_lexicon_features(nlp: Language, name: str, sources: dict[str, list[str]], stopwords: str | None):
    """Component: dictionary-match features in ``token.tag_`` (:class:`LexiconFeatures`)."""
    return LexiconFeatures(nlp, name, sources=sources, stopwords=stopwords)
