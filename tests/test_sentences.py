import pytest

from kg.nlp.sentences import sentence_starts


def sentences(text):
    starts = sentence_starts(text)
    return [text[a:b].strip() for a, b in zip(starts, [*starts[1:], len(text)], strict=False)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("STAT3 is active. It drives resistance.", ["STAT3 is active.", "It drives resistance."]),
        ("Title here\n\nAbstract starts here.", ["Title here", "Abstract starts here."]),
        ("As shown by Sun et al. in 2019, it works.", ["As shown by Sun et al. in 2019, it works."]),
        ("Drugs, e.g. Cisplatin, fail. Next one.", ["Drugs, e.g. Cisplatin, fail.", "Next one."]),
        ("See Fig. 2. Results follow.", ["See Fig. 2.", "Results follow."]),
        ("It rose 2.5-fold. (A) second.", ["It rose 2.5-fold.", "(A) second."]),
        ("J. Smith wrote it.", ["J. Smith wrote it."]),
    ],
)
def test_sentence_boundaries(text, expected):
    assert sentences(text) == expected


def test_empty_text_has_no_sentences():
    assert sentence_starts("   ") == []


@pytest.mark.parametrize("pad", [0, 10, 63, 64, 65, 200])
def test_the_word_before_a_stop_is_found_whatever_its_length(pad):
    # "e.g." (an abbreviation) never ends a sentence; a long word before "." does
    text = "Some " + "y" * pad + " and e.g. More text. " + "x" * pad + ". Next sentence."
    starts = sentence_starts(text)
    assert text.index("More") not in starts
    assert text.index("Next") in starts
