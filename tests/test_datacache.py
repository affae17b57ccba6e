"""kg.vocabularies.datacache: parsed data kept between builds, made again whenever its sources change."""

from __future__ import annotations

import os

import pytest

from kg.vocabularies.datacache import cache_dir, cached, entry_path


@pytest.fixture()
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _counting(result):
    calls = []

    def make():
        calls.append(1)
        return result

    return make, calls


def test_a_second_call_loads_what_the_first_made(folder, tmp_path):
    source = tmp_path / "terms.tsv"
    source.write_text("a\tb\n")
    make, calls = _counting({"a": ("b",)})
    assert cached("terms", [source], make) == {"a": ("b",)}
    assert cached("terms", [source], make) == {"a": ("b",)}
    assert len(calls) == 1
    assert len(list(folder.glob("terms-*.pickle"))) == 1


def test_a_changed_source_is_parsed_again_and_the_old_entry_goes(folder, tmp_path):
    source = tmp_path / "terms.tsv"
    source.write_text("a\tb\n")
    make, calls = _counting(1)
    cached("terms", [source], make)
    first = entry_path("terms", [source], make)
    source.write_text("a\tc\n")
    cached("terms", [source], make)
    assert len(calls) == 2
    assert entry_path("terms", [source], make) != first
    assert [p.name for p in folder.glob("terms-*.pickle")] == [entry_path("terms", [source], make).name]


@pytest.mark.parametrize("damage", [b"", b"not a pickle", b"\x80\x05garbage"])
def test_a_damaged_entry_is_made_again(folder, tmp_path, damage):
    source = tmp_path / "terms.tsv"
    source.write_text("x")
    make, calls = _counting([1, 2])
    cached("terms", [source], make)
    entry_path("terms", [source], make).write_bytes(damage)
    assert cached("terms", [source], make) == [1, 2]
    assert len(calls) == 2
    assert cached("terms", [source], make) == [1, 2]  # rewritten whole
    assert len(calls) == 2


def test_off_keeps_nothing(monkeypatch, tmp_path):
    monkeypatch.setenv("KG_CACHE_DIR", "off")
    source = tmp_path / "terms.tsv"
    source.write_text("x")
    make, calls = _counting(3)
    assert cache_dir() is None
    assert cached("terms", [source], make) == 3 and cached("terms", [source], make) == 3
    assert len(calls) == 2


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root may write anywhere")
def test_a_folder_that_cannot_be_written_is_no_error(monkeypatch, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    monkeypatch.setenv("KG_CACHE_DIR", str(locked / "kg"))
    source = tmp_path / "terms.tsv"
    source.write_text("x")
    make, calls = _counting(4)
    assert cached("terms", [source], make) == 4
    assert len(calls) == 1


def test_a_folder_that_is_a_file_is_no_error(monkeypatch, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("KG_CACHE_DIR", str(blocker))
    source = tmp_path / "terms.tsv"
    source.write_text("x")
    make, calls = _counting(5)
    assert cached("terms", [source], make) == 5 and cached("terms", [source], make) == 5
    assert len(calls) == 2


def test_a_missing_source_raises_the_parsers_error(folder, tmp_path):
    def make():
        raise FileNotFoundError("no terms.tsv")

    with pytest.raises(FileNotFoundError, match="no terms.tsv"):
        cached("terms", [tmp_path / "missing.tsv"], make)
    assert not folder.exists() or not list(folder.iterdir())


def test_the_packaged_vocabulary_from_the_cache_equals_a_fresh_parse(folder):
    from kg.vocabularies.linking import DATA_DIR, Vocabulary

    if not (DATA_DIR / "ctd_terms.tsv.gz").exists():
        pytest.skip("no packaged CTD vocabulary")
    fresh = Vocabulary.parse(DATA_DIR, "ctd", supplement=DATA_DIR / "disease_supplement.tsv")
    made = Vocabulary.load(DATA_DIR, "ctd", supplement=DATA_DIR / "disease_supplement.tsv")
    loaded = Vocabulary.load(DATA_DIR, "ctd", supplement=DATA_DIR / "disease_supplement.tsv")
    assert fresh == made == loaded
    assert len(list(folder.glob("vocabulary-ctd-*.pickle"))) == 1


def test_a_change_to_the_parsing_code_makes_it_again(folder, tmp_path, monkeypatch):
    import kg.vocabularies.datacache

    source = tmp_path / "terms.tsv"
    source.write_text("x")
    make, calls = _counting(6)
    cached("terms", [source], make, code=("kg.vocabularies.normalize",))
    before = entry_path("terms", [source], make, code=("kg.vocabularies.normalize",))
    real = kg.vocabularies.datacache.module_source
    monkeypatch.setattr(kg.vocabularies.datacache, "module_source",
                        lambda name: real(name) + (b"# edited" if name == "kg.vocabularies.normalize" else b""))
    assert entry_path("terms", [source], make, code=("kg.vocabularies.normalize",)) != before
    cached("terms", [source], make, code=("kg.vocabularies.normalize",))
    assert len(calls) == 2


def test_a_module_name_that_does_not_exist_raises(folder, tmp_path):
    source = tmp_path / "terms.tsv"
    source.write_text("a\tb\n")
    with pytest.raises(ModuleNotFoundError, match="kg.no_such_module"):
        cached("terms", [source], lambda: 1, code=("kg.no_such_module",))


def _code_names_in_source() -> list[str]:
    """Every module name kg's source passes as ``code=`` to :func:`cached`."""
    import ast
    from pathlib import Path

    import kg

    names = []
    for path in Path(kg.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "cached":
                for kw in node.keywords:
                    if kw.arg == "code":
                        names += [ast.literal_eval(e) for e in kw.value.elts]
    return names


def test_every_module_named_in_a_cache_key_exists():
    import importlib.util

    from kg.pipeline.store import ner_modules

    code_names = _code_names_in_source()
    assert code_names  # the parser finds the vocabulary's code=("kg.vocabularies.normalize",)
    named = [*code_names, *ner_modules()]
    assert {"kg.nlp.annotate", "kg.nlp.entity_tagger", "kg.nlp.gazetteer", "kg.vocabularies.normalize"} <= set(named)
    assert [n for n in named if importlib.util.find_spec(n) is None] == []
