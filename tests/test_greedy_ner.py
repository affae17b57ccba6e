"""kg.nlp.greedy_ner: the numpy loop finds exactly the entities spaCy's compiled NER loop finds."""

from __future__ import annotations

import numpy as np
import pytest
import spacy
from spacy.training import Example

from kg.nlp.greedy_ner import GreedyNer, decodable, greedy_decode

TEXTS = [
    "Cisplatin-induced nephrotoxicity was reduced by amifostine in rats.",
    "Doxorubicin causes cardiomyopathy. Tamoxifen lowers breast cancer risk.  Naloxone reversed it.",
    "Lithium",
    "",
    "Patients with non-small cell lung cancer (NSCLC) received gefitinib; hepatotoxicity and rash were seen.\n\n"
    "In a second cohort, erlotinib and   paclitaxel-induced neuropathy were compared.",
]


def _spacy_loop(proc, docs) -> list[list[tuple[int, int, str]]]:
    states = proc.predict(docs)
    proc.set_annotations(docs, states)
    found = [[(e.start, e.end, e.label_) for e in doc.ents] for doc in docs]
    for doc in docs:
        doc.ents = []
    return found


def _ready_docs(nlp, head: str, texts: list[str]):
    """Documents run through the pipeline up to (not including) ``head``, entities cleared."""
    names = nlp.pipe_names
    later = names[names.index(head):]
    docs = list(nlp.pipe(texts, disable=later))
    for doc in docs:
        doc.ents = []
    return docs


def test_bundled_head_is_wrapped_and_matches_spacys_loop(bundled_nlp):
    wrapped = bundled_nlp.get_pipe("ner_bc5cdr")
    assert isinstance(wrapped, GreedyNer)
    proc = wrapped.component
    assert decodable(proc) and wrapped.labels == proc.labels
    docs = _ready_docs(bundled_nlp, "ner_bc5cdr", TEXTS)
    ours = greedy_decode(proc, docs)
    assert ours == _spacy_loop(proc, docs)
    assert any(ents for ents in ours)


def _random_ner(seed: int):
    """A spaCy ner with random weights (upper layer included): moves of every kind, in any order."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    ner = nlp.add_pipe("ner")
    examples = [Example.from_dict(nlp.make_doc("Aspirin treats pain in Boston ."),
                                  {"entities": [(0, 7, "CHEM"), (15, 19, "DIS"), (23, 29, "LOC")]})]
    nlp.initialize(lambda: examples)
    rng = np.random.default_rng(seed)
    for layer in (ner.model.get_ref("lower"), ner.model.get_ref("upper")):
        for name in ("W", "b"):
            param = layer.get_param(name)
            layer.set_param(name, rng.normal(0, 1, param.shape).astype(param.dtype))
    return nlp, ner


@pytest.mark.parametrize("seed", range(6))
def test_random_weights_match_spacys_loop(seed):
    nlp, ner = _random_ner(seed)
    texts = [*TEXTS, "A b c. D e f g h.  I j k l m n o p. Q", "x " * 40]
    docs = [nlp.get_pipe("sentencizer")(nlp.make_doc(t)) for t in texts]
    for doc in docs:
        doc.ents = []
    assert greedy_decode(ner, docs) == _spacy_loop(ner, docs)


def test_entities_stay_in_their_sentence_and_never_start_on_white_space():
    nlp, ner = _random_ner(7)
    doc = nlp.get_pipe("sentencizer")(nlp.make_doc("One two three. Four  five six. Seven"))
    (ents,) = greedy_decode(ner, [doc])
    for start, end, _ in ents:
        assert not doc[start].is_space
        assert all(not doc[i].is_sent_start for i in range(start + 1, end))


def test_preset_entities_go_to_spacys_loop():
    nlp, ner = _random_ner(3)
    wrapped = GreedyNer(ner)
    doc = nlp.get_pipe("sentencizer")(nlp.make_doc("Aspirin treats pain in Boston ."))
    doc.ents = [doc.char_span(0, 7, label="CHEM")]
    (out,) = list(wrapped.pipe([doc]))
    assert (0, 1, "CHEM") in [(e.start, e.end, e.label_) for e in out.ents]  # a preset entity is kept


def test_only_greedy_transition_ner_qualifies(bundled_nlp):
    assert not decodable(bundled_nlp.get_pipe("ner_bionlp13cg"))  # kg's BILUO tagger
    assert not decodable(bundled_nlp.get_pipe("tok2vec"))
    _, ner = _random_ner(0)
    ner.cfg["beam_width"] = 4
    assert not decodable(ner)


def test_spacy_decoder_can_be_chosen(monkeypatch):
    from kg.nlp.models import DEFAULT_MODEL, NER_DECODER_ENV, load_model

    monkeypatch.setenv(NER_DECODER_ENV, "spacy")
    nlp = load_model.__wrapped__(DEFAULT_MODEL)
    assert not isinstance(nlp.get_pipe("ner_bc5cdr"), GreedyNer)
