"""The relation stage: pair features, the PubTator reader, scoring, the Biolink mapping, and a tiny
model trained on 12 BioRED Train documents (save/load, calibration, reproducibility)."""

from __future__ import annotations

import filecmp
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.errors import InputError, ModelError, ModelNotFoundError
from kg.relations import (
    COOCCURRENCE_PREDICATE,
    RELATION_TYPES,
    GoldRelation,
    Mention,
    PairPrediction,
    RelationDocument,
    RelationModel,
    biolink_predicate,
    normalize_entity_type,
)
from kg.relations.biolink import BIOLINK_PREDICATES
from kg.relations.features import DENSE_NAMES, document_pairs
from kg.relations.model import Calibration
from kg.relations.pubtator import parse_pubtator_relations, read_pubtator_relations
from kg.relations.scoring import average_precision, score_predictions
from kg.relations.text import split_sentences
from kg.training.relations import evaluate_documents, evaluate_relations, load_config, train_relations

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "relations"
SAMPLE = FIXTURE / "biored_train_sample.PubTator"
TINY_CFG = FIXTURE / "tiny.cfg"
OVERRIDES = {"paths.corpora": str(FIXTURE)}

TEXT = "Aspirin inhibits COX1 in platelets. Headache was reported. Aspirin and ibuprofen were given."


def _doc(concept_ids=("D001241", "1742", "D006261", "D007052")) -> RelationDocument:
    asp, cox, head, ibu = concept_ids
    spans = [
        (0, 7, "ChemicalEntity", asp),
        (17, 21, "GeneOrGeneProduct", cox),
        (36, 44, "DiseaseOrPhenotypicFeature", head),
        (59, 66, "ChemicalEntity", asp),
        (71, 80, "ChemicalEntity", ibu),
    ]
    return RelationDocument("doc1", TEXT, tuple(Mention(*s) for s in spans))


def _dense(pair, name):
    return pair.dense[DENSE_NAMES.index(name)]


@pytest.fixture(scope="session")
def tiny_relations(tmp_path_factory):
    """A relation model trained on the 12-document fixture (a few seconds)."""
    out = tmp_path_factory.mktemp("tiny-relations")
    result = train_relations(TINY_CFG, out, overrides=OVERRIDES, log=lambda _: None)
    return result


# -- text and features ---------------------------------------------------------------------------------


def test_sentences_of_the_hand_made_document():
    assert [TEXT[s:e] for s, e in split_sentences(TEXT)] == [
        "Aspirin inhibits COX1 in platelets.", "Headache was reported.", "Aspirin and ibuprofen were given."
    ]


@pytest.mark.parametrize(
    ("pair", "expected"),
    [(("1742", "D001241"), {"forms_min": 1, "forms_max": 1, "short_share_min": 0, "short_share_max": 1,
                            "lower_share_max": 0, "title_mentions_min": 1, "title_mentions_max": 1}),
     (("D001241", "D007052"), {"short_share_max": 0, "lower_share_min": 0, "lower_share_max": 1,
                               "title_mentions_min": 0, "title_mentions_max": 1})],
)
def test_surface_features_say_how_each_concept_is_written(pair, expected):
    """COX1 is short (an abbreviation-like form), ibuprofen lower-case, aspirin written one way twice, its
    first mention and COX1 in the first sentence (the title's place)."""
    (found,) = document_pairs(_doc(), only={pair})
    assert {name: _dense(found, name) for name in expected} == expected


def test_pair_features_of_a_hand_made_document():
    pairs = {(p.source, p.target): p for p in document_pairs(_doc())}
    assert len(pairs) == 6  # 4 concepts
    asp_cox = pairs[("1742", "D001241")]
    assert (asp_cox.source_type, asp_cox.target_type) == ("GeneOrGeneProduct", "ChemicalEntity")
    assert _dense(asp_cox, "cooc_sentences") == 1
    assert _dense(asp_cox, "token_distance") == 1  # "inhibits"
    assert _dense(asp_cox, "mentions_max") == 2 and _dense(asp_cox, "mentions_min") == 1
    assert "B:inhibits" in asp_cox.words and "BS:inhibi" in asp_cox.words
    assert asp_cox.sentences == ("Aspirin inhibits COX1 in platelets.",)
    asp_ibu = pairs[("D001241", "D007052")]
    assert _dense(asp_ibu, "coordination_only") == 1.0  # "Aspirin and ibuprofen"
    asp_head = pairs[("D001241", "D006261")]
    assert _dense(asp_head, "cooc_sentences") == 0 and "NOCOOC" in asp_head.words
    assert _dense(asp_head, "sentence_distance") == 1
    assert len(asp_head.sentences) == 2


def test_a_document_from_spans_drops_mentions_without_a_concept():
    doc = RelationDocument.from_spans("d", TEXT, [(0, 7, "Chemical", "D001241"), (17, 21, "Gene", "")], [(0, 35)])
    assert doc.mentions == (Mention(0, 7, "Chemical", "D001241"),) and doc.sentences == ((0, 35),)


def test_pair_types_restrict_candidates():
    only = frozenset({("ChemicalEntity", "ChemicalEntity")})
    assert [(p.source, p.target) for p in document_pairs(_doc(), only)] == [("D001241", "D007052")]


@settings(max_examples=40, deadline=None)
@given(st.permutations(["A1", "B2", "C3", "D4"]), st.randoms(use_true_random=False))
def test_pair_features_do_not_depend_on_id_order_or_mention_order(ids, rnd):
    """Renaming the concepts (which flips source/target order) or shuffling the mentions keeps every
    pair's features: a pair has one vector whatever its order."""
    base = {frozenset((p.source, p.target)): p for p in document_pairs(_doc(("A1", "B2", "C3", "D4")))}
    rename = dict(zip(["A1", "B2", "C3", "D4"], ids, strict=True))
    doc = _doc(tuple(ids))
    mentions = list(doc.mentions)
    rnd.shuffle(mentions)
    shuffled = RelationDocument(doc.id, doc.text, tuple(mentions))
    for p in document_pairs(shuffled):
        q = base[frozenset(k for k, v in rename.items() if v in (p.source, p.target))]
        assert p.dense == q.dense
        assert sorted(p.words) == sorted(q.words)
        assert p.sentences == q.sentences


@pytest.mark.parametrize(
    ("label", "expected"),
    [("Disease", "DiseaseOrPhenotypicFeature"), ("Chemical", "ChemicalEntity"), ("GeneOrGeneProduct", "GeneOrGeneProduct"),
     ("Species", "OrganismTaxon"), ("Gene or gene product", "GeneOrGeneProduct"), ("Cancer", "DiseaseOrPhenotypicFeature"),
     ("Cell line", "CellLine"), ("Cell", "Other")],
)
def test_entity_type_names(label, expected):
    assert normalize_entity_type(label) == expected


# -- reader --------------------------------------------------------------------------------------------


def test_reader_keeps_relations_novelty_and_composite_ids():
    lines = [
        "1|t|Drug X and Y cause liver injury.",
        "1|a|Variant c.5382insC too.",
        "1\t0\t6\tDrug X\tChemical\tD1|D2",
        "1\t11\t12\tY\tChemicalEntity\tD3,D4",
        "1\t19\t31\tliver injury\tDisease\tD5",
        "1\t41\t50\tc.5382insC\tSequenceVariant\tc|INS|5382|C",
        "1\tPositive_Correlation\tD1\tD5\tNovel",
        "1\tAssociation\tc|INS|5382|C\tD5\tNo",
        "1\tCID\tD3\tD5",
        "",
    ]
    ((doc, relations),) = parse_pubtator_relations(lines)
    assert {m.concept for m in doc.mentions} == {"D1", "D2", "D3", "D4", "D5", "c|INS|5382|C"}
    assert doc.text[19:31] == "liver injury" and doc.sentences[0] == (0, 32)
    assert [(r.type, r.novel) for r in relations] == [("Positive_Correlation", True), ("Association", False), ("CID", True)]


def test_reader_names_the_file_and_line_of_a_bad_line(tmp_path):
    bad = tmp_path / "bad.PubTator"
    bad.write_text("1|t|Title\n2\t0\t5\tTitle\tChemical\tD1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.PubTator:line 2"):
        read_pubtator_relations(bad)


def test_fixture_mentions_match_their_text():
    docs = read_pubtator_relations(SAMPLE)
    assert len(docs) == 12
    for doc, relations in docs:
        concepts = {m.concept for m in doc.mentions}
        assert all(r.id1 in concepts and r.id2 in concepts for r in relations)


# -- scoring and Biolink -------------------------------------------------------------------------------


def _prediction(source, target, related, relation="Association", novel=0.9):
    probs = tuple(1.0 if t == relation else 0.0 for t in RELATION_TYPES)
    return PairPrediction("d", source, target, "ChemicalEntity", "ChemicalEntity", related, probs, novel, ())


def test_scores_at_three_levels():
    gold = [GoldRelation("d", "Bind", "B", "A", True), GoldRelation("d", "Association", "A", "C", False)]
    predictions = [_prediction("A", "B", 0.9, "Bind"), _prediction("A", "C", 0.8, "Association"),
                   _prediction("B", "C", 0.7), _prediction("C", "D", 0.1)]
    scores = score_predictions(gold, predictions, 0.5)
    assert (scores.pair.tp, scores.pair.fp, scores.pair.fn) == (2, 1, 0)
    assert scores.pair_type.tp == 2
    assert scores.pair_type_novelty.tp == 1  # (A, C) is predicted novel, gold says not
    assert scores.average_precision == 1.0


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.booleans()), min_size=1, max_size=40))
def test_average_precision_matches_scikit_learn(rows):
    from sklearn.metrics import average_precision_score

    scores, labels = zip(*rows, strict=True)
    if not any(labels):
        assert average_precision(scores, labels) == 0.0
    else:
        assert average_precision(scores, labels) == pytest.approx(average_precision_score(labels, scores))


@pytest.mark.parametrize("relation", RELATION_TYPES)
def test_every_type_has_a_biolink_predicate(relation):
    assert biolink_predicate(relation) == BIOLINK_PREDICATES[relation]
    assert biolink_predicate(relation).startswith("biolink:") and biolink_predicate(relation) != COOCCURRENCE_PREDICATE


def test_untyped_pairs_keep_the_cooccurrence_predicate():
    assert biolink_predicate(None) == biolink_predicate("") == "biolink:occurs_together_in_literature_with"
    with pytest.raises(ValueError, match="unknown relation type"):
        biolink_predicate("Causes")


# -- the tiny model ------------------------------------------------------------------------------------


def test_tiny_model_predicts_every_candidate_pair(tiny_relations):
    model = tiny_relations.model
    docs = read_pubtator_relations(SAMPLE)
    for doc, _ in docs[:3]:
        predictions = model.predict(doc)
        assert [(p.source, p.target) for p in predictions] == [(p.source, p.target) for p in model.pairs(doc)]
        for p in predictions:
            assert 0.0 <= p.related <= 1.0 and 0.0 <= p.novel <= 1.0
            assert sum(p.type_probs) == pytest.approx(1.0)
            assert p.relation in RELATION_TYPES and p.sentences


def test_tiny_model_learns_its_training_documents(tiny_relations):
    scores, _ = evaluate_documents(tiny_relations.model, read_pubtator_relations(SAMPLE))
    assert scores.gold == 54 and scores.documents == 12
    assert scores.pair.f1 > 0.5 and scores.average_precision > 0.5


def test_save_load_round_trip_gives_equal_predictions(tiny_relations, tmp_path):
    model = tiny_relations.model
    again = RelationModel.load(model.save(tmp_path / "copy"))
    doc = read_pubtator_relations(SAMPLE)[0][0]
    assert again.predict(doc) == model.predict(doc)
    assert RelationModel.load(tiny_relations.output).predict(doc) == model.predict(doc)
    assert again.threshold == model.threshold and again.pair_types == model.pair_types


def test_training_twice_gives_the_same_files(tiny_relations, tmp_path):
    second = train_relations(TINY_CFG, tmp_path / "second", overrides=OVERRIDES, log=lambda _: None).output
    for name in ("model.json", "related.txt", "types.npz", "novel.txt"):
        assert filecmp.cmp(tiny_relations.output / name, second / name, shallow=False), name


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=2, max_size=50))
def test_calibration_is_monotone_and_bounded(tiny_relations, raw):
    calibration = tiny_relations.model.calibration
    out = calibration(np.sort(np.asarray(raw)))
    assert np.all((out >= 0.0) & (out <= 1.0))
    assert np.all(np.diff(out) >= 0.0)


def test_a_decreasing_calibration_is_refused():
    with pytest.raises(ModelError, match="not non-decreasing"):
        Calibration((0.0, 1.0), (0.8, 0.2))


def test_evaluate_relations_reads_a_pubtator_file(tiny_relations):
    scores = evaluate_relations(SAMPLE, tiny_relations.output)
    assert scores.gold == 54 and 0.0 <= scores.pair_type_novelty.f1 <= scores.pair_type.f1 <= scores.pair.f1


def test_load_errors_name_the_folder_and_the_fix(tmp_path, tiny_relations):
    with pytest.raises(ModelNotFoundError, match="model.json missing"):
        RelationModel.load(tmp_path / "nothing")
    broken = tiny_relations.model.save(tmp_path / "broken")
    (broken / "types.npz").unlink()
    with pytest.raises(ModelError, match="types.npz"):
        RelationModel.load(broken)


@pytest.mark.parametrize(
    ("override", "message"),
    [({"training.folds": 1}, "folds must be an integer >= 2"), ({"paths.train": "nowhere.PubTator"}, "no such file"),
     ({"related.rounds": 0}, "rounds must be a positive integer"),
     ({"training.threshold_on": "dev"}, "threshold_on must be"), ({"training.cid_type": "Causes"}, "no BioRED type"),
     ({"training.extra_cid_end_to_end": "yes"}, "extra_cid_end_to_end must be true or false")],
)
def test_bad_options_are_refused_before_any_work(override, message):
    with pytest.raises(InputError, match=message):
        load_config(TINY_CFG, {**OVERRIDES, **override})


def test_the_shipped_model_loads_and_reads_its_training_documents():
    model = RelationModel.load()
    assert model.meta["dev"]["pair"]["f1"] >= 0.65
    scores, _ = evaluate_documents(model, read_pubtator_relations(SAMPLE))
    assert scores.pair.f1 > 0.7


def test_end_to_end_hook_scores_predicted_mentions(tiny_relations):
    """benchmarks/relations.py's plug-in for kg's NER + grounding: gold mentions reproduce the
    gold-entity scores; losing every gene mention loses the relations that involve genes."""
    from tests.conftest import load_benchmark

    bench = load_benchmark("relations")
    docs = read_pubtator_relations(SAMPLE)
    model = tiny_relations.model
    gold_scores, _ = evaluate_documents(model, docs)
    assert bench.evaluate_with_mentions(model, docs, lambda d: d.mentions) == gold_scores
    no_genes = bench.evaluate_with_mentions(
        model, docs, lambda d: [m for m in d.mentions if m.type != "GeneOrGeneProduct"])
    assert no_genes.pair.tp < gold_scores.pair.tp and no_genes.gold == gold_scores.gold


def test_built_documents_put_the_builds_mentions_on_the_text_it_read():
    """kg.training.end_to_end (and benchmarks/relations.py --cdr): the relation model reads a build's mentions
    (node keys, node types) at their offsets in the text kg built (title, blank line, abstract)."""
    from kg.training.end_to_end import built_documents
    from tests.conftest import load_benchmark

    built, _ = load_benchmark("relations").build_corpus(SAMPLE, window="sentence")
    docs = built_documents(SAMPLE, built)
    spans = built.mentions[built.mentions["concept"].isin(set(built.graph))]
    assert docs and sum(len(d.mentions) for d in docs) == len(spans)
    said = {(str(r.doc).removeprefix("pmid:"), r.start, r.end): r.text for r in spans.itertuples()}
    for doc in docs:
        assert doc.sentences[0] == (0, doc.text.index("\n\n"))  # the title is the first sentence
        for m in doc.mentions:
            assert doc.text[m.start:m.end] == said[(doc.id, m.start, m.end)]
            assert m.type == built.graph.nodes[m.concept]["type"]


@pytest.mark.parametrize(("kind", "concept", "curie"), [
    ("GeneOrGeneProduct", "7157", "ncbigene:7157"), ("OrganismTaxon", "9606", "ncbitaxon:9606"),
    ("DiseaseOrPhenotypicFeature", "D003920", "mesh:d003920"), ("Disease", "OMIM:125853", "omim:125853"),
    ("ChemicalEntity", "MESH:C051883", "mesh:c051883"),
])
def test_gold_curie(kind, concept, curie):
    from kg.training.end_to_end import gold_curie

    assert gold_curie(kind, concept) == curie


def test_end_to_end_documents_label_node_pairs_from_the_gold_relations():
    """kg's mentions of the sample, labelled: every labelled pair is two nodes of the document that carry
    the ids of one gold relation of it; training with them (``[paths] end_to_end``) works."""
    from kg.training.end_to_end import end_to_end_documents

    gold = {doc.id: rels for doc, rels in read_pubtator_relations(SAMPLE)}
    docs = end_to_end_documents(SAMPLE, log=lambda _: None)
    labelled = [r for _, rels in docs for r in rels]
    assert docs and labelled
    for doc, rels in docs:
        concepts = {m.concept for m in doc.mentions}
        for r in rels:
            assert {r.id1, r.id2} <= concepts and r.type in {g.type for g in gold[doc.id]}


def test_training_with_end_to_end_documents(tmp_path):
    result = train_relations(TINY_CFG, tmp_path / "m", overrides={**OVERRIDES, "paths.end_to_end": str(SAMPLE)},
                             log=lambda _: None)
    assert result.model.meta["end_to_end"] == SAMPLE.name
    assert RelationModel.load(result.output).predict(read_pubtator_relations(SAMPLE)[0][0])


def test_threshold_on_end_to_end_pairs_and_typed_cid_pairs(tmp_path):
    """``threshold_on = "end_to_end"`` cuts on the out-of-fold predictions of kg's own mentions only (another
    cut than on all pairs); ``cid_type`` gives the extra chemical-disease pairs a type for the type classifier."""
    base = {**OVERRIDES, "paths.end_to_end": str(SAMPLE)}
    logs: dict[str, list[str]] = {"all": [], "end_to_end": []}
    models = {}
    for mode, lines in logs.items():
        models[mode] = train_relations(TINY_CFG, tmp_path / mode, overrides={**base, "training.threshold_on": mode},
                                       log=lines.append).model
    assert models["end_to_end"].meta["threshold_on"] == "end_to_end"
    said = next(line for line in logs["end_to_end"] if "would cut at" in line)
    assert f"{models['all'].threshold:.3f}" in said  # the other cut, logged, is the one "all" takes
    assert any("end-to-end pair F" in line for line in logs["end_to_end"])
    typed = train_relations(TINY_CFG, tmp_path / "cid", overrides={
        **OVERRIDES, "paths.extra_cid": str(SAMPLE), "training.cid_type": "Drug_Interaction"}, log=lambda _: None)
    plain = train_relations(TINY_CFG, tmp_path / "plain", overrides={**OVERRIDES, "paths.extra_cid": str(SAMPLE)},
                            log=lambda _: None)
    assert "Drug_Interaction" in typed.model.type_classes and "Drug_Interaction" not in plain.model.type_classes
    assert typed.model.meta["cid_type"] == "Drug_Interaction"
