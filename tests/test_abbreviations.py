"""kg's abbreviation detector: scispaCy's results, in time and memory linear in the text."""

from __future__ import annotations

import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.matcher import Matcher
from spacy.tokens import Doc

from kg.nlp.abbreviations import MAX_INSIDE, parenthesis_matches
from kg.nlp.annotate import pieces

WORDS = st.lists(st.sampled_from(["(", ")", "a", "BC", "x"]), max_size=60)


@settings(max_examples=300, deadline=None)
@given(WORDS)
def test_candidates_are_scispacy_matches_that_its_filter_keeps(words):
    nlp = spacy.blank("en")
    matcher = Matcher(nlp.vocab)
    matcher.add("parenthesis", [[{"ORTH": "("}, {"OP": "+"}, {"ORTH": ")"}]])
    expected = [(0, s, e) for _, s, e in matcher(Doc(nlp.vocab, words=words)) if e - s - 2 <= MAX_INSIDE]
    assert parenthesis_matches(words) == expected


def _detect(name: str, text: str):
    nlp = spacy.blank("en")
    nlp.add_pipe(name)
    doc = nlp(text)
    return sorted((s.start_char, s.end_char, s._.long_form.text) for s in doc._.abbreviations)


def test_same_definitions_as_scispacy():
    import scispacy.abbreviation  # noqa: F401

    import kg.nlp.abbreviations  # noqa: F401

    text = (
        "Non-small cell lung cancer (NSCLC) resists cisplatin. P-glycoprotein (P-gp) pumps drugs out; "
        "P-gp and NSCLC again (see Fig. 2 (left)). Signal transducer and activator of transcription 3 (STAT3)."
    )
    assert _detect("kg_abbreviation_detector", text) == _detect("abbreviation_detector", text)
    assert {"Non-small cell lung cancer", "Signal transducer and activator of transcription 3"} <= {lf for *_, lf in _detect("kg_abbreviation_detector", text)}


def test_a_table_of_parentheses_stays_linear():
    """A SAR table: thousands of parentheses in one sentence (scispaCy's matcher made O(n^2) matches)."""
    import kg.nlp.abbreviations  # noqa: F401

    row = "compound {i} (IC50 = {i} nM) inhibited epidermal growth factor receptor (EGFR) (HER1);"
    words = " ".join(row.format(i=i) for i in range(3000)).split()
    matches = parenthesis_matches(words)
    assert len(matches) <= 2 * words.count(")")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab .\n!", max_size=400), st.integers(min_value=1, max_value=50))
def test_pieces_cover_the_text_within_the_limit(text, limit):
    parts = pieces(text, limit=limit)
    assert "".join(p for _, p in parts) == text
    assert all(len(p) <= limit for _, p in parts)
    assert [o for o, _ in parts] == [sum(len(p) for _, p in parts[:i]) for i in range(len(parts))]
