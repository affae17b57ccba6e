"""Dictionary-match features (kg.nlp.gazetteer): lexicon readers, longest-first matching, the component."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kg.errors import InputError
from kg.nlp.gazetteer import Gazetteer, read_ctd_diseases, read_hgnc, read_lexicon_source
from kg.nlp.tokenizer import split_words


@pytest.fixture(scope="module")
def gazetteer(fixtures):
    gaz = Gazetteer(stopwords=["set", "all"])
    gaz.add_terms("DIS", read_ctd_diseases(fixtures / "vocab" / "ctd_mini.tsv"))
    gaz.add_terms("DIS", [("lung cancer", False), ("non-small cell lung cancer", False), ("ALL", True)])
    gaz.add_terms("GENE", read_hgnc(fixtures / "vocab" / "hgnc_mini.tsv"))
    gaz.add_terms("GENE", [("SET", True)])
    return gaz


def feats(gaz: Gazetteer, text: str) -> list[tuple[str, str]]:
    words = split_words(text)
    return [(w, f) for w, f in zip(words, gaz.features(words), strict=True) if f]


def test_readers_yield_names_synonyms_and_symbols(fixtures):
    ctd = dict(read_ctd_diseases(fixtures / "vocab" / "ctd_mini.tsv"))
    assert ctd and all(isinstance(v, bool) for v in ctd.values())
    hgnc = dict(read_hgnc(fixtures / "vocab" / "hgnc_mini.tsv"))
    # approved, alias and previous symbols keep their case; names are matched in lower case
    assert hgnc["ABCB1"] is True and hgnc["P-gp"] is True and hgnc["MDR1"] is True
    assert hgnc["ATP binding cassette subfamily B member 1"] is False


def test_mesh_inverted_names_are_also_read_uninverted(tmp_path):
    f = tmp_path / "CTD_diseases.tsv"
    f.write_text("# header\nCarcinoma, Non-Small-Cell Lung\tMESH:D002289\t\t\t\t\t\tNSCLC|Lung Carcinoma, Non-Small-Cell\t\n")
    terms = dict(read_ctd_diseases(f))
    assert "Non-Small-Cell Lung Carcinoma" in terms and terms["NSCLC"] is True
    gaz = Gazetteer()
    gaz.add_terms("DIS", terms.items())
    assert [f for _, f in feats(gaz, "in non-small-cell lung carcinoma")] == ["DIS-B", *["DIS-I"] * 5, "DIS-L"]


def test_longest_match_wins_and_features_are_biluo(gazetteer):
    got = feats(gazetteer, "Non-small cell lung cancer and lung cancer with ABCB1.")
    assert got[:6] == [("Non", "DIS-B"), ("-", "DIS-I"), ("small", "DIS-I"), ("cell", "DIS-I"), ("lung", "DIS-I"),
                       ("cancer", "DIS-L")]
    assert got[6:] == [("lung", "DIS-B"), ("cancer", "DIS-L"), ("ABCB1", "GENE-U")]


def test_symbols_keep_their_case_and_common_words_are_left_out(gazetteer):
    assert feats(gazetteer, "abcb1 and P-gp") == [("P", "GENE-B"), ("-", "GENE-I"), ("gp", "GENE-L")]
    # "SET" and "ALL" are common words: not features, in any case
    assert feats(gazetteer, "SET ALL set all") == []
    # a term in lower case matches however it is written
    assert [f for _, f in feats(gazetteer, "LUNG CANCER")] == ["DIS-B", "DIS-L"]


def test_categories_combine_on_one_token():
    gaz = Gazetteer()
    gaz.add_terms("DIS", [("MDR1 deficiency", False)])
    gaz.add_terms("GENE", [("MDR1", True)])
    assert feats(gaz, "MDR1 deficiency") == [("MDR1", "DIS-B|GENE-U"), ("deficiency", "DIS-L")]


def test_serialisation_round_trip(gazetteer):
    again = Gazetteer.from_bytes(gazetteer.to_bytes())
    assert again.exact == gazetteer.exact and again.lower == gazetteer.lower
    assert again.to_bytes() == gazetteer.to_bytes()  # deterministic bytes (mtime 0, sorted rows)
    text = "ABCB1 and non-small cell lung cancer"
    assert feats(again, text) == feats(gazetteer, text)


@given(st.lists(st.sampled_from(["lung", "cancer", "non", "-", "small", "cell", "ABCB1", "P", "gp", "x", "MDR1"]),
                max_size=30))
def test_matches_never_overlap_within_a_category(gazetteer, words):
    for spans in gazetteer.match(words).values():
        assert all(0 <= s < e <= len(words) for s, e in spans)
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))
    feats_ = gazetteer.features(words)
    assert len(feats_) == len(words)


def _reference_match(gaz: Gazetteer, words: list[str]) -> dict[str, list[tuple[int, int]]]:
    """The rule of Gazetteer.match written plainly: at each token every length from the longest down."""
    lowers = [w.lower() for w in words]
    found: dict[str, list[tuple[int, int]]] = {}
    taken: dict[str, int] = {}
    for i in range(len(words)):
        for length in range(min(12, len(words) - i), 0, -1):
            cats = gaz.lower.get(" ".join(lowers[i : i + length]), frozenset()) | gaz.exact.get(
                " ".join(words[i : i + length]), frozenset())
            for cat in sorted(cats):
                if taken.get(cat, 0) <= i:
                    found.setdefault(cat, []).append((i, i + length))
                    taken[cat] = i + length
    return found


_WORDS = ["lung", "Lung", "cancer", "non", "Non", "-", "small", "cell", "ABCB1", "abcb1", "P", "gp", "x", "MDR1",
          "deficiency", "carcinoma", "SET", "ALL"]


@given(st.lists(st.sampled_from(_WORDS), max_size=30))
def test_match_equals_the_plain_rule(gazetteer, words):
    gaz = Gazetteer.from_bytes(gazetteer.to_bytes())
    gaz.add_terms("DIS", [("MDR1 deficiency", False), ("cancer", False)])
    gaz.add_terms("GENE", [("MDR1", True), ("P gp x", True)])
    assert gaz.match(words) == _reference_match(gaz, words)


def test_bad_source_names_the_problem(tmp_path):
    with pytest.raises(InputError, match="ctd:PATH"):
        read_lexicon_source("umls:/x")
    with pytest.raises(InputError, match="not found"):
        list(read_lexicon_source(f"ctd:{tmp_path / 'missing.tsv.gz'}"))
    bad = tmp_path / "genes.tsv"
    bad.write_text("id\tsomething\n1\t2\n")
    with pytest.raises(InputError, match="HGNC"):
        list(read_hgnc(bad))


def test_component_sets_tags_and_saves_its_lexicon(fixtures, tmp_path):
    import spacy

    import kg.nlp.gazetteer  # noqa: F401  (registers the factory)

    nlp = spacy.blank("en")
    nlp.add_pipe("kg_lexicon_features", config={"sources": {
        "DIS": [f"ctd:{fixtures / 'vocab' / 'ctd_mini.tsv'}"], "GENE": [f"hgnc:{fixtures / 'vocab' / 'hgnc_mini.tsv'}"]}})
    doc = nlp("ABCB1 is high.")
    assert doc[0].tag_ == "GENE-U" and doc[1].tag_ == ""
    nlp.to_disk(tmp_path / "p")
    # the saved pipeline reads its own lexicon, not the source files
    loaded = spacy.load(tmp_path / "p", config={"components": {"kg_lexicon_features": {"sources": {"GENE": ["hgnc:/nowhere"]}}}})
    assert [t.tag_ for t in loaded("ABCB1 is high.")] == [t.tag_ for t in doc]
