"""Build the compact vocabularies that :mod:`kg.vocabularies.linking` packages: HGNC genes and CTD diseases.

Run once when the source lexicons change; the outputs are committed in ``kg/data/``::

    python -m kg.vocabularies.terms --hgnc hgnc_complete_set.txt.gz --ctd CTD_diseases.tsv.gz --out kg/data/

Each vocabulary becomes two gzip TSV files:

``<vocab>_concepts.tsv.gz``
    ``id``, ``name`` (and ``symbol`` for HGNC): one row per concept.
``<vocab>_terms.tsv.gz``
    ``match``, ``text``, ``tier``, ``ids``: what a mention may match. ``match`` is
    ``key`` (``text`` is a :func:`kg.vocabularies.normalize.normalize_text` key, matched after folding
    case, hyphens, Greek letters and plurals), ``exact`` (``text`` is a surface form,
    matched case-sensitively after :func:`kg.vocabularies.normalize.rejoin`) or ``seg`` (a
    :func:`kg.vocabularies.normalize.segment_key`, only for terms whose ``key`` is ambiguous: it tells
    ``"miR-93"`` = ``MIR93`` from ``MIR9-3``, both ``mir93`` as keys). ``tier`` ranks the kind
    of term (lower wins, see below); ``ids`` is a ``|``-joined list of concept ids: more
    than one id in the winning tier means the term is ambiguous and is not linked.

Tiers. HGNC (only ``Approved`` records): 0 approved symbol; 1 approved name, previous
symbol; 2 alias symbol, alias name, previous name. CTD MEDIC: 0 disease name; 1 synonym.
The curated supplements (``gene_supplement.tsv``, ``disease_supplement.tsv``) are not built
in: :mod:`kg.vocabularies.linking` reads them at run time, so an edit needs no rebuild.
MeSH-style inverted names (``"Carcinoma, Non-Small-Cell Lung"``) also enter un-inverted
(``"Non-Small-Cell Lung Carcinoma"``) at the same tier.

The short/common-word rule (a gene symbol such as ``SET``, ``CAT``, ``IMPACT`` or an alias
such as ``MICE`` is also an English word, and a two-letter symbol is anybody's
abbreviation): a *symbol-like* term (HGNC symbol, alias or previous symbol; an all-capitals
CTD name or synonym) is *common* when its key has at most 2 characters or its lower-case form is
in ``common_words`` (packaged ``kg/data/common_words.txt``: English words from SCOWL and
spaCy's stop words that collide with a vocabulary term, see :func:`derive_common_words`).
Approved symbols and all-capitals CTD terms that are common match ``exact`` only (``"SET"`` links,
``"set"`` does not); common HGNC aliases and previous symbols are dropped. Names of at
most 2 characters are dropped.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kg.errors import InputError
from kg.vocabularies.normalize import normalize_text, rejoin, segment_key

__all__ = [
    "VocabFiles",
    "read_hgnc",
    "read_ctd",
    "hgnc_tables",
    "ctd_tables",
    "uninvert",
    "derive_common_words",
    "read_word_list",
    "write_vocab",
    "build",
    "main",
]

DATA_DIR = Path(__file__).parent.parent / "data"
HGNC_COLUMNS = ["hgnc_id", "symbol", "name", "status", "alias_symbol", "alias_name", "prev_symbol", "prev_name"]
CTD_COLUMNS = ["DiseaseName", "DiseaseID", "AltDiseaseIDs", "Definition", "ParentIDs", "TreeNumbers",
               "ParentTreeNumbers", "Synonyms", "SlimMappings"]


@dataclass(frozen=True)
class VocabFiles:
    """The two files of one packaged vocabulary."""

    concepts: Path
    terms: Path

    @classmethod
    def of(cls, directory: str | Path, vocab: str) -> VocabFiles:
        d = Path(directory)
        return cls(d / f"{vocab}_concepts.tsv.gz", d / f"{vocab}_terms.tsv.gz")


def _split(series: pd.Series) -> pd.Series:
    """A ``|``-separated, possibly double-quoted column -> one value per row (index kept)."""
    s = series.dropna().astype(str).str.strip().str.strip('"')
    s = s[s != ""].str.split("|").explode().str.strip().str.strip('"')
    return s[s != ""]


def read_hgnc(path: str | Path) -> pd.DataFrame:
    """The ``Approved`` records of HGNC's ``hgnc_complete_set.txt(.gz)``, id without prefix."""
    try:
        df = pd.read_csv(path, sep="\t", dtype=str, usecols=HGNC_COLUMNS, quoting=csv.QUOTE_NONE,
                         keep_default_na=False, na_values=[""])
    except (OSError, ValueError) as exc:
        raise InputError(str(path), f"not an HGNC complete-set TSV ({exc}); download "
                         "hgnc_complete_set.txt from https://www.genenames.org/download/") from exc
    df = df[df["status"] == "Approved"].copy()
    df["hgnc_id"] = df["hgnc_id"].str.replace("HGNC:", "", regex=False)
    df["name"] = df["name"].fillna("").str.strip('"')
    return df.reset_index(drop=True)


def read_ctd(path: str | Path) -> pd.DataFrame:
    """CTD's MEDIC disease vocabulary ``CTD_diseases.tsv(.gz)`` (``#`` lines are comments)."""
    try:
        df = pd.read_csv(path, sep="\t", dtype=str, header=None, names=CTD_COLUMNS,
                         quoting=csv.QUOTE_NONE, keep_default_na=False, na_values=[""])
    except (OSError, ValueError) as exc:
        raise InputError(str(path), f"not a CTD diseases TSV ({exc}); download CTD_diseases.tsv.gz "
                         "from http://ctdbase.org/downloads/") from exc
    df = df[~df["DiseaseName"].fillna("#").str.startswith("#")]
    df = df[df["DiseaseID"].fillna("").str.contains(":")].reset_index(drop=True)
    if df.empty:
        raise InputError(str(path), "no disease rows; expected CTD_diseases.tsv columns "
                         "DiseaseName, DiseaseID, ..., Synonyms")
    return df


_INVERTED = re.compile(r"^([^,]+), ([^,]+)$")


def uninvert(name: str) -> str | None:
    """MeSH's inverted heading in natural order, or None if it is not inverted.

    ``"Carcinoma, Non-Small-Cell Lung"`` -> ``"Non-Small-Cell Lung Carcinoma"``. Only one
    comma followed by a space counts (``"17,20-Lyase Deficiency"`` is not inverted).
    """
    m = _INVERTED.match(name)
    return f"{m.group(2)} {m.group(1)}" if m else None


def _is_common(text: str, key: str, common_words: frozenset[str]) -> bool:
    return len(key) <= 2 or text.lower() in common_words


def _terms(rows: pd.DataFrame, common_words: frozenset[str]) -> pd.DataFrame:
    """(id, text, tier, kind) rows -> (match, text, tier, ids) rows, applying the common-word rule.

    ``kind`` is ``symbol`` (approved symbol / CTD name: exact-only when common),
    ``alias`` (symbol-like alias: dropped when common), ``name`` (dropped when its key is
    at most 2 characters).
    """
    rows = rows.drop_duplicates().copy()
    rows["key"] = rows["text"].map(normalize_text)
    rows = rows[rows["key"] != ""]
    common = pd.Series(
        [_is_common(t, k, common_words) for t, k in zip(rows["text"], rows["key"], strict=True)],
        index=rows.index, dtype=bool,
    )
    short = rows["key"].str.len() <= 2
    kind = rows["kind"]
    keep_key = ((kind == "symbol") & ~common) | ((kind == "alias") & ~common) | ((kind == "name") & ~short)
    keep_exact = (kind == "symbol") | ((kind == "alias") & ~common)
    exact = rows[keep_exact].assign(match="exact", text=lambda d: d["text"].map(rejoin))
    keyed = rows[keep_key].assign(match="key", orig=lambda d: d["text"], text=lambda d: d["key"])
    out = _group(pd.concat([exact, keyed], ignore_index=True))
    # tie-breaks: for keys ambiguous in their best tier, the finer segment keys of their terms
    amb = out[(out["match"] == "key") & out["ids"].str.contains("|", regex=False)][["text", "tier"]]
    tied = keyed.merge(amb, on=["text", "tier"])
    seg = tied.assign(match="seg", text=tied["orig"].map(segment_key))
    return pd.concat([out, _group(seg)], ignore_index=True)[["match", "text", "tier", "ids"]]


def _group(rows: pd.DataFrame) -> pd.DataFrame:
    """(match, text, tier, id) rows -> one row per (match, text) at its best tier, ids joined."""
    if rows.empty:
        return pd.DataFrame(columns=["match", "text", "tier", "ids"])
    out = (
        rows.groupby(["match", "text", "tier"], sort=True)["id"]
        .agg(lambda ids: "|".join(sorted(set(ids))))
        .rename("ids")
        .reset_index()
    )
    best = out.groupby(["match", "text"])["tier"].transform("min")
    return out[out["tier"] == best].reset_index(drop=True)


def hgnc_tables(hgnc: pd.DataFrame, common_words: Iterable[str] = ()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(concepts, terms) of the HGNC vocabulary; see the module docstring for tiers and rules."""
    cw = frozenset(w.lower() for w in common_words)
    concepts = hgnc[["hgnc_id", "symbol", "name"]].rename(columns={"hgnc_id": "id"})
    parts = [
        pd.DataFrame({"id": hgnc["hgnc_id"], "text": hgnc["symbol"], "tier": 0, "kind": "symbol"}),
        pd.DataFrame({"id": hgnc["hgnc_id"], "text": hgnc["name"], "tier": 1, "kind": "name"}),
    ]
    for column, tier, kind in (("prev_symbol", 1, "alias"), ("alias_symbol", 2, "alias"),
                               ("alias_name", 2, "name"), ("prev_name", 2, "name")):
        values = _split(hgnc[column])
        parts.append(pd.DataFrame({"id": hgnc.loc[values.index, "hgnc_id"].to_numpy(), "text": values.to_numpy(),
                                   "tier": tier, "kind": kind}))
    rows = pd.concat(parts, ignore_index=True)
    rows = rows[rows["text"].fillna("") != ""]
    return concepts.reset_index(drop=True), _terms(rows, cw)


def ctd_tables(ctd: pd.DataFrame, common_words: Iterable[str] = ()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(concepts, terms) of CTD MEDIC: names tier 0, synonyms tier 1, plus un-inverted forms."""
    cw = frozenset(w.lower() for w in common_words)
    concepts = ctd[["DiseaseID", "DiseaseName"]].rename(columns={"DiseaseID": "id", "DiseaseName": "name"})
    names = pd.DataFrame({"id": ctd["DiseaseID"], "text": ctd["DiseaseName"], "tier": 0})
    syn = _split(ctd["Synonyms"])
    synonyms = pd.DataFrame({"id": ctd.loc[syn.index, "DiseaseID"].to_numpy(), "text": syn.to_numpy(), "tier": 1})
    rows = pd.concat([names, synonyms], ignore_index=True)
    inverted = rows.assign(text=rows["text"].map(uninvert)).dropna(subset=["text"])
    rows = pd.concat([rows, inverted], ignore_index=True)
    # all-capital names and synonyms are acronyms ("ALL", "AD"): exact-only when short or common
    is_acronym = rows["text"].str.fullmatch(r"[A-Z0-9]+").fillna(False).astype(bool)
    rows["kind"] = "name"
    rows.loc[is_acronym, "kind"] = "symbol"
    return concepts.reset_index(drop=True), _terms(rows, cw)


def read_word_list(path: str | Path) -> frozenset[str]:
    """A word list: one word per line, ``#`` comments, compared in lower case."""
    words = set()
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            w = line.split("#", 1)[0].strip().lower()
            if w:
                words.add(w)
    return frozenset(words)


def derive_common_words(terms: Iterable[str], dictionary: Iterable[str], stop_words: Iterable[str] = ()) -> list[str]:
    """The symbol-like terms whose lower-case form is an English word: the common-word list.

    ``dictionary`` is an English word list (SCOWL's ``/usr/share/dict/words`` from Debian's
    ``wamerican``); only its all-lower-case entries count (``"Jun"`` the month does not make
    ``JUN`` common), as do ``stop_words`` (spaCy's English stop words). Only alphabetic terms
    of 3+ letters are candidates (``p53`` never is).
    """
    english = {w.strip() for w in dictionary if w.strip().isalpha() and w.strip().islower()}
    english |= {w.lower() for w in stop_words}
    return sorted({t.lower() for t in terms if t.isalpha() and len(t) >= 3 and t.lower() in english})


def _write_tsv_gz(df: pd.DataFrame, path: Path) -> None:
    # mtime=0: byte-identical output for identical input (reproducible, diff-friendly)
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as fh:
        fh.write(df.to_csv(sep="\t", index=False, lineterminator="\n").encode("utf-8"))


def write_vocab(out_dir: str | Path, vocab: str, concepts: pd.DataFrame, terms: pd.DataFrame) -> VocabFiles:
    """Write one vocabulary's two files into ``out_dir``."""
    files = VocabFiles.of(out_dir, vocab)
    files.concepts.parent.mkdir(parents=True, exist_ok=True)
    _write_tsv_gz(concepts, files.concepts)
    _write_tsv_gz(terms, files.terms)
    return files


def build(
    *,
    hgnc: str | Path | None,
    ctd: str | Path | None,
    out: str | Path = DATA_DIR,
    common_words: Iterable[str] | None = None,
) -> dict[str, VocabFiles]:
    """Build the ``hgnc`` and/or ``ctd`` vocabularies into ``out``; returns the files written.

    ``common_words`` defaults to the packaged ``kg/data/common_words.txt``.
    """
    cw = frozenset(common_words) if common_words is not None else read_word_list(DATA_DIR / "common_words.txt")
    written: dict[str, VocabFiles] = {}
    if hgnc:
        written["hgnc"] = write_vocab(out, "hgnc", *hgnc_tables(read_hgnc(hgnc), cw))
    if ctd:
        written["ctd"] = write_vocab(out, "ctd", *ctd_tables(read_ctd(ctd), cw))
    return written


_COMMON_WORDS_HEADER = """\
# Common words: a vocabulary term whose lower-case form is listed here is treated as an
# English word by kg.vocabularies.terms (the short/common-word rule): a gene symbol or CTD disease name
# among them links only when written exactly (case-sensitive: "SET", not "set"); an alias,
# previous symbol or all-capitals synonym among them is not linked at all.
# Derived by `python -m kg.vocabularies.terms --derive-common-words /usr/share/dict/words` as the
# alphabetic HGNC symbols/aliases/previous symbols and all-capitals CTD synonyms (3+ letters)
# that are lower-case words of SCOWL (Debian package wamerican, (c) Kevin Atkinson, see
# LICENSES.md) or spaCy English stop words. Edit freely, then rebuild the vocabularies.
"""


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m kg.vocabularies.terms --hgnc PATH --ctd PATH --out DIR``."""
    p = argparse.ArgumentParser(prog="python -m kg.vocabularies.terms", description=__doc__.split("\n")[0])
    p.add_argument("--hgnc", help="HGNC hgnc_complete_set.txt(.gz)")
    p.add_argument("--ctd", help="CTD CTD_diseases.tsv(.gz)")
    p.add_argument("--out", default=str(DATA_DIR), help="output folder (default: the package's kg/data)")
    p.add_argument("--common-words", help="word list for the common-word rule (default: packaged)")
    p.add_argument("--derive-common-words", metavar="DICTIONARY",
                   help="first rewrite <out>/common_words.txt from this English word list (e.g. "
                        "/usr/share/dict/words); needs --hgnc and --ctd")
    args = p.parse_args(argv)
    if not (args.hgnc or args.ctd):
        p.error("give --hgnc and/or --ctd")
    common = read_word_list(args.common_words) if args.common_words else None
    if args.derive_common_words:
        if not (args.hgnc and args.ctd):
            p.error("--derive-common-words needs both --hgnc and --ctd")
        from spacy.lang.en.stop_words import STOP_WORDS

        h = read_hgnc(args.hgnc)
        c = read_ctd(args.ctd)
        candidates = pd.concat([h["symbol"], _split(h["alias_symbol"]), _split(h["prev_symbol"]),
                                _split(c["Synonyms"]).loc[lambda s: s.str.fullmatch(r"[A-Z]+")],
                                c["DiseaseName"].loc[lambda s: s.str.fullmatch(r"[A-Z]+")]])
        with open(args.derive_common_words, encoding="utf-8", errors="replace") as fh:
            words = derive_common_words(candidates.dropna(), fh, STOP_WORDS)
        path = Path(args.out) / "common_words.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_COMMON_WORDS_HEADER + "\n".join(words) + "\n", encoding="utf-8")
        common = frozenset(words)
        print(f"{path}: {len(words)} words")
    for vocab, files in build(hgnc=args.hgnc, ctd=args.ctd, out=args.out, common_words=common).items():
        for f in (files.concepts, files.terms):
            print(f"{vocab}: {f} ({f.stat().st_size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
