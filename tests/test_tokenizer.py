import pytest
import spacy
from hypothesis import given
from hypothesis import strategies as st

from kg.nlp.tokenizer import make_split_tokenizer, split_words


@pytest.fixture(scope="module")
def nlp():
    nlp = spacy.blank("en")
    nlp.tokenizer = make_split_tokenizer(nlp.vocab)
    return nlp


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("JAK2-STAT3", ["JAK2", "-", "STAT3"]),
        ("P-glycoprotein", ["P", "-", "glycoprotein"]),
        ("miR-21", ["miR", "-", "21"]),
        ("TGF-β1", ["TGF", "-", "β1"]),
        ("non-small cell", ["non", "-", "small", "cell"]),
        ("(NSCLC).", ["(", "NSCLC", ")", "."]),
        ("Bcl-2/Bax", ["Bcl", "-", "2", "/", "Bax"]),
    ],
)
def test_splits_like_the_training_corpora(nlp, text, tokens):
    assert [t.text for t in nlp(text)] == tokens
    assert split_words(text) == tokens


def test_tokenizer_round_trips_through_disk(nlp, tmp_path):
    nlp.to_disk(tmp_path / "p")
    again = spacy.load(tmp_path / "p")
    assert [t.text for t in again("IL-6-induced STAT3")] == ["IL", "-", "6", "-", "induced", "STAT3"]


@given(st.text(max_size=200))
def test_tokens_cover_the_text(text):
    """Every non-space character lands in exactly one token, in order."""
    assert "".join(split_words(text)) == "".join(ch for ch in text if not ch.isspace())
