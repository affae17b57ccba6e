"""kg.graph.generic: generic terms and hubs stay out of the edges."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from kg.errors import InputError
from kg.graph.cooccur import count_pairs
from kg.graph.generic import DEFAULT_TERMS, GenericTerms, drop_generic, generic_concepts, read_generic_terms
from kg.vocabularies.linking import Linker
from kg.vocabularies.normalize import normalize_text

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def test_packaged_list() -> None:
    terms = read_generic_terms()
    assert DEFAULT_TERMS.is_file()
    for word in ("cancer", "tumour", "cells", "patients", "protein", "gene", "disease", "drug", "treatment"):
        assert normalize_text(word) in terms.keys, word
    assert "mesh:d009369" in terms.curies  # Neoplasms: where "cancer" and "tumor" link


def test_matches_keys_labels_and_curies() -> None:
    terms = GenericTerms.from_lines(["cancer", "cells  # comment", "mesh:D009369", "", "# only a comment"])
    assert terms.matches("Cancer:cancer")
    assert terms.matches("Cell:cell")
    assert terms.matches("mesh:D009369")
    assert terms.matches("x:1", label="Cancers")
    assert not terms.matches("hgnc:11364", label="STAT3")
    assert not terms.matches("Cancer:lungcancer")


def mentions_of(rows: list[tuple[str, int, str]]) -> pd.DataFrame:
    return pd.DataFrame([(d, 0 if s == 0 else 1, s, c) for d, s, c in rows], columns=["doc", "para", "sent", "concept"])


HUB = mentions_of(
    [("d1", 0, "Cancer:cancer"), ("d1", 0, "hgnc:11364"), ("d1", 1, "Cancer:cancer"), ("d1", 1, "hgnc:6192"),
     ("d2", 0, "mesh:D009369"), ("d2", 0, "hgnc:40"), ("d2", 1, "Organism:patient"), ("d2", 1, "hgnc:40"),
     ("d3", 0, "hgnc:11364"), ("d3", 0, "hgnc:6192"), ("d3", 1, "Cancer:cancer"), ("d3", 1, "hgnc:40")]
)


def test_generic_concepts_from_mentions() -> None:
    assert generic_concepts(HUB) == {"Cancer:cancer", "mesh:D009369", "Organism:patient"}
    assert generic_concepts(HUB, terms=()) == set()
    assert generic_concepts(HUB, terms=["patients"]) == {"Organism:patient"}


def test_generic_concepts_from_stats_with_labels() -> None:
    stats = pd.DataFrame({"documents": [3, 1], "label": ["Lung Neoplasms", "tumour"]}, index=["mesh:D1", "x:9"])
    assert generic_concepts(stats) == {"x:9"}


def test_generic_terms_from_a_file(tmp_path: Path) -> None:
    f = tmp_path / "mine.txt"
    f.write_text("# my list\nSTAT3\n")
    assert generic_concepts(HUB.assign(concept=HUB["concept"].replace("hgnc:11364", "Gene:stat3")),
                            terms=f) == {"Gene:stat3"}
    with pytest.raises(InputError):
        read_generic_terms(tmp_path / "missing.txt")


def test_max_df_only_on_large_corpora() -> None:
    big = pd.concat([HUB.assign(doc=HUB["doc"] + f"-{i}") for i in range(10)], ignore_index=True)  # 30 docs
    # hgnc:40 and hgnc:11364 are in 2 of 3 documents, hgnc:6192 too; the cancer key in all 3 per copy
    got = generic_concepts(big, terms=(), max_df=0.6)
    assert got == {"hgnc:40", "hgnc:11364", "hgnc:6192", "Cancer:cancer"}
    assert generic_concepts(HUB, terms=(), max_df=0.6) == set()  # 3 documents < min_documents
    assert generic_concepts(HUB, terms=(), max_df=0.6, min_documents=1) != set()
    with pytest.raises(ValueError):
        generic_concepts(HUB, max_df=1.5)
    stats = pd.DataFrame({"documents": [25, 2]}, index=["a", "b"])
    with pytest.raises(ValueError):
        generic_concepts(stats, terms=(), max_df=0.5)
    assert generic_concepts(stats, terms=(), max_df=0.5, n_documents=30) == {"a"}


def test_drop_generic_removes_the_hub() -> None:
    def top_degree(m: pd.DataFrame) -> str:
        e = count_pairs(m, window="document")
        return pd.concat([e["source"], e["target"]]).value_counts().index[0]

    assert top_degree(HUB) == "hgnc:40" or top_degree(HUB) == "Cancer:cancer"
    kept = drop_generic(HUB, generic_concepts(HUB))
    assert set(kept["concept"]) == {"hgnc:11364", "hgnc:6192", "hgnc:40"}
    assert drop_generic(HUB, set()) is HUB


# --- the five seed documents: generic words must not be the best-connected node ------------

_SENT = re.compile(r"(?<=[.!?;])\s+|\n\s*\n")
_WORD = re.compile(r"[A-Za-z0-9α-ωΑ-Ω][\w\-α-ωΑ-Ω]*")


def seed_mentions() -> pd.DataFrame:
    """A dictionary tagger over the seeds: every 1-3 word span that the packaged vocabularies
    link (genes, diseases) or that is on the generic list becomes a mention."""
    linker = Linker.default()
    generic = read_generic_terms()
    rows = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        for s, sentence in enumerate(_SENT.split(text)):
            words = _WORD.findall(sentence)
            taken: set[int] = set()
            for n in (3, 2, 1):
                for i in range(len(words) - n + 1):
                    if taken & set(range(i, i + n)):
                        continue
                    span = " ".join(words[i:i + n])
                    c = linker.link(span, "Gene or gene product") or linker.link(span, "Cancer")
                    key = c.curie if c else (f"Term:{normalize_text(span)}"
                                             if normalize_text(span) in generic.keys else None)
                    if key:
                        rows.append((path.stem, 0 if s == 0 else 1, s, key))
                        taken |= set(range(i, i + n))
    return pd.DataFrame(rows, columns=["doc", "para", "sent", "concept"])


@pytest.mark.skipif(not SEEDS.is_dir(), reason="no seeds folder")
def test_seeds_generic_terms_are_not_the_hub() -> None:
    m = seed_mentions()
    assert m["doc"].nunique() == 5

    def degree(mm: pd.DataFrame) -> pd.Series:
        e = count_pairs(mm, window="sentence")
        return pd.concat([e["source"], e["target"]]).value_counts()

    before = degree(m)
    generic = generic_concepts(m)
    assert {"mesh:D009369", "Term:patient"} <= generic  # "cancer"/"tumor" link to MeSH Neoplasms
    assert before["mesh:D009369"] >= before.iloc[1]  # without the rule "cancer"/"tumor" is a top hub
    after = degree(drop_generic(m, generic))
    assert after.index[0] not in generic
    assert after.index[0] not in {"mesh:D009369", "Term:cancer", "Term:tumor", "Term:patient"}
