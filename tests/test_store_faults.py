"""Faults in the NER cache (issue 24, class 8): none ends in a traceback, none changes what a lookup returns.

Damaged files are moved aside and a new cache started; rows that fail their check are annotated
again; a cache that cannot be written is named with the fix (CacheError) at open, and during a
build turns writing off while the build goes on. No model needed.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import warnings
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kg.api
from kg.errors import CacheError, KgError
from kg.pipeline.store import SCHEMA_VERSION, CacheWarning, MentionStore, exact_hash
from tests.test_store import make_annotations, make_doc

FP = "fp-a"
DOCS = [make_doc(i) for i in range(40)]
EXPECTED = {d.id: make_annotations(d) for d in DOCS}
ROOT = Path(__file__).resolve().parent.parent


def fill(path: Path, docs=DOCS) -> Path:
    """A closed store holding ``docs`` (two batches), checkpointed into one file."""
    with MentionStore(path) as store:
        half = len(docs) // 2
        store.put_many([(d, make_annotations(d)) for d in docs[:half]], FP)
        store.put_many([(d, make_annotations(d)) for d in docs[half:]], FP)
    return path


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    """A good store of :data:`DOCS` (copied by the tests)."""
    return fill(tmp_path_factory.mktemp("good") / "kg.sqlite")


def sql(path: Path, statement: str, params=()) -> None:
    db = sqlite3.connect(path)
    with db:
        db.execute(statement, params)
    db.close()


def assert_never_wrong(store: MentionStore) -> dict:
    """Every lookup is the right annotation or a miss, every stored document is an original; the store still works."""
    got = store.get_many(DOCS, FP)
    assert all(EXPECTED[i] == a for i, a in got.items())
    assert all(doc in DOCS for doc in store.documents())
    store.put_many([(d, make_annotations(d)) for d in DOCS], FP)
    assert store.get_many(DOCS, FP) == EXPECTED
    return got


# -- damaged files ------------------------------------------------------------------------------

DAMAGE = {
    "garbage": lambda good: random.Random(1).randbytes(8192),
    "truncated to half": lambda good: good[: len(good) // 2],
    "truncated to one page": lambda good: good[:4096],
    "header zeroed": lambda good: bytes(100) + good[100:],
    "pages after the first overwritten": lambda good: good[:4096] + random.Random(2).randbytes(len(good) - 4096),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_file_is_moved_aside_and_a_new_cache_started(tmp_path, good, damage):
    path = tmp_path / "kg.sqlite"
    bad = DAMAGE[damage](good.read_bytes())
    path.write_bytes(bad)
    with pytest.warns(CacheWarning, match=r"kg\.sqlite is damaged .*moved it to kg\.sqlite\.corrupt-"):
        store = MentionStore(path)
    with store:
        assert store.get_many(DOCS, FP) == {} and len(store) == 0
        assert_never_wrong(store)
    (aside,) = store.report.moved_aside
    assert Path(aside).read_bytes() == bad and Path(aside).name.startswith("kg.sqlite.corrupt-")


def test_a_sqlite_file_that_is_not_a_kg_cache_is_moved_aside_untouched(tmp_path):
    path = tmp_path / "kg.sqlite"
    sql(path, "CREATE TABLE photos (name TEXT)")
    with pytest.warns(CacheWarning, match="is not a kg cache"), MentionStore(path) as store:
        assert_never_wrong(store)
    (aside,) = store.report.moved_aside
    db = sqlite3.connect(aside)
    assert [n for (n,) in db.execute("SELECT name FROM sqlite_master")] == ["photos"]
    db.close()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_in_place_of_the_cache_is_moved_aside(tmp_path):
    path = tmp_path / "kg.sqlite"
    os.mkfifo(path)
    with pytest.warns(CacheWarning, match="is not a regular file"), MentionStore(path) as store:
        assert_never_wrong(store)
    assert path.is_file() and Path(store.report.moved_aside[0]).is_fifo()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=st.floats(0.0, 1.0, exclude_max=True), noise=st.binary(min_size=1, max_size=64))
def test_random_bytes_anywhere_never_change_a_result(tmp_path, good, where, noise):
    """Whatever a few bytes are overwritten with, wherever: no traceback, and never a wrong annotation or document."""
    path = tmp_path / f"{os.urandom(6).hex()}.sqlite"
    template = good.read_bytes()
    at = int(where * len(template))
    path.write_bytes(template[:at] + noise + template[at + len(noise):])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CacheWarning)
        with MentionStore(path) as store:
            assert_never_wrong(store)


def test_damage_found_during_a_build_moves_the_file_aside_and_the_build_goes_on(tmp_path):
    docs = [make_doc(i, abstract="STAT3 (signal transducer) drives cancer. " * 20) for i in range(3000)]
    path = fill(tmp_path / "kg.sqlite", docs)
    with MentionStore(path) as store:  # opened while good; then the file is damaged under it
        with open(path, "r+b") as fh:
            fh.seek(4096)
            fh.write(random.Random(3).randbytes(path.stat().st_size - 4096))
        with pytest.warns(CacheWarning, match="is damaged .*moved it to"):
            assert store.get_many(docs, FP) == {}
        store.put_many([(d, make_annotations(d)) for d in docs[:5]], FP)
        assert store.get_many(docs, FP) == {d.id: make_annotations(d) for d in docs[:5]}
    assert len(store.report.moved_aside) == 1


# -- rows that fail their check -----------------------------------------------------------------

VICTIM = DOCS[7]
OTHER = DOCS[8]


def _edited_blob(path: Path) -> bytes:
    """The victim's annotations with one mention's type changed: valid zlib and JSON, checksum not redone."""
    db = sqlite3.connect(path)
    (data,) = db.execute("SELECT data FROM annotations WHERE doc_id = ?", (VICTIM.id,)).fetchone()
    db.close()
    return zlib.compress(zlib.decompress(data).replace(b'"Gene"', b'"Chemical"', 1))


BAD_ROWS = {
    "not zlib": lambda path: sql(path, "UPDATE annotations SET data = ? WHERE doc_id = ?", (b"\x00junk", VICTIM.id)),
    "not JSON": lambda path: sql(path, "UPDATE annotations SET data = ? WHERE doc_id = ?",
                                 (zlib.compress(b"[[1, 2"), VICTIM.id)),
    "JSON of another shape": lambda path: sql(path, "UPDATE annotations SET data = ? WHERE doc_id = ?",
                                              (zlib.compress(b'{"a": 1}'), VICTIM.id)),
    "a mention edited": lambda path: sql(path, "UPDATE annotations SET data = ? WHERE doc_id = ?",
                                         (_edited_blob(path), VICTIM.id)),
    "another document's row, checksum and all": lambda path: sql(
        path, "UPDATE annotations SET (data, checksum) = (SELECT data, checksum FROM annotations WHERE doc_id = ?) "
              "WHERE doc_id = ?", (OTHER.id, VICTIM.id)),
    "checksum missing": lambda path: sql(path, "UPDATE annotations SET checksum = '' WHERE doc_id = ?", (VICTIM.id,)),
    "stored under another model stack": lambda path: sql(
        path, "INSERT OR REPLACE INTO annotations SELECT doc_id, 'fp-b', data, checksum FROM annotations "
              "WHERE doc_id = ?", (VICTIM.id,)),
}


@pytest.mark.parametrize("bad", BAD_ROWS)
def test_a_row_that_fails_its_check_is_annotated_again_and_counted(tmp_path, bad):
    path = fill(tmp_path / "kg.sqlite")
    BAD_ROWS[bad](path)
    fp = "fp-b" if bad == "stored under another model stack" else FP
    with MentionStore(path) as store:
        assert store.lookup([OTHER, VICTIM], fp).annotations[1] is None
        if fp == FP:
            assert store.get_many(DOCS, fp) == {i: a for i, a in EXPECTED.items() if i != VICTIM.id}
        assert store.report.rejected >= 1 and store.report.rejected_ids[0] == VICTIM.id
        store.put_many([(VICTIM, make_annotations(VICTIM))], fp)  # what the build does with a miss
        assert store.get_many([VICTIM], fp) == {VICTIM.id: EXPECTED[VICTIM.id]}
        with pytest.warns(CacheWarning, match=r"stored annotation\(s\) in the NER cache .* failed their check"):
            store.close()
    assert json.loads(json.dumps(store.report.as_dict()))["rejected"] == store.report.rejected


def test_annotations_of_an_old_text_are_not_taken_for_a_new_one(tmp_path):
    """The stored text hash is made to claim the new text: the checksum still binds the row to the old one."""
    path = fill(tmp_path / "kg.sqlite")
    changed = make_doc(7, abstract="STAT3 and JAK2 are something else here.")
    assert changed.id == VICTIM.id
    sql(path, "UPDATE documents SET text_sha1 = ? WHERE id = ?", (exact_hash(changed), VICTIM.id))
    with pytest.warns(CacheWarning, match="failed their check"), MentionStore(path) as store:
        assert store.get_many([changed], FP) == {}
        assert store.report.rejected == 1


def test_a_damaged_document_row_is_left_out_and_counted(tmp_path):
    path = fill(tmp_path / "kg.sqlite")
    sql(path, "UPDATE documents SET title = 'JAK2 edited' WHERE id = ?", (VICTIM.id,))
    sql(path, "UPDATE documents SET authors = '[not json' WHERE id = ?", (OTHER.id,))
    with MentionStore(path) as store:
        assert sorted(d.id for d in store.documents()) == sorted(d.id for d in DOCS if d not in (VICTIM, OTHER))
        assert list(store.documents([VICTIM.id, OTHER.id, DOCS[0].id])) == [DOCS[0]]
        assert store.report.rejected_documents == 4


# -- schema versions ----------------------------------------------------------------------------

@pytest.mark.parametrize(("change", "kind", "says"), [
    (("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION - 1),)), "old", "older kg"),
    (("UPDATE meta SET value = ? WHERE key = 'schema_version'", ("two",)), "corrupt", "no readable schema version"),
    (("DELETE FROM meta", ()), "corrupt", "no readable schema version"),
    (("ALTER TABLE annotations DROP COLUMN checksum", ()), "corrupt", "does not have kg's columns"),
])
def test_another_or_unreadable_schema_is_moved_aside_and_a_new_cache_started(tmp_path, change, kind, says):
    path = fill(tmp_path / "kg.sqlite")
    sql(path, *change)
    with pytest.warns(CacheWarning, match=says), MentionStore(path) as store:
        assert store.get_many(DOCS, FP) == {}
        assert_never_wrong(store)
    (aside,) = store.report.moved_aside
    assert Path(aside).name.startswith(f"kg.sqlite.{kind}-") and Path(aside).stat().st_size > 0


def test_a_cache_of_a_newer_kg_is_refused_with_the_fix_and_kept(tmp_path):
    path = fill(tmp_path / "kg.sqlite")
    sql(path, "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    before = path.read_bytes()
    with pytest.raises(CacheError, match=r"written by a newer kg .*--no-cache") as err:
        MentionStore(path)
    assert err.value.path == str(path) and isinstance(err.value, KgError)
    assert path.read_bytes() == before and list(tmp_path.iterdir()) == [path]


# -- a cache that cannot be written ---------------------------------------------------------------

def _read_only_file(folder: Path) -> Path:
    path = fill(folder / "kg.sqlite")
    path.chmod(0o444)
    return path


def _read_only_folder(folder: Path) -> Path:
    path = fill(folder / "kg.sqlite")
    folder.chmod(0o555)
    return path


def _read_only_empty_folder(folder: Path) -> Path:
    folder.chmod(0o555)
    return folder / "kg.sqlite"


def _permissions_apply() -> bool:
    """Do permission bits stop this process (not so for root with CAP_DAC_OVERRIDE)?"""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        probe = Path(folder) / "probe"
        probe.touch(0o444)
        try:
            probe.open("a").close()
        except PermissionError:
            return True
        return False


@pytest.mark.skipif(os.name != "posix" or not _permissions_apply(), reason="this user writes read-only files")
@pytest.mark.parametrize("make", [_read_only_file, _read_only_folder, _read_only_empty_folder],
                         ids=["read-only file", "read-only folder", "read-only folder, no cache yet"])
def test_a_read_only_cache_is_named_with_the_fix(tmp_path, make):
    folder = tmp_path / "out"
    folder.mkdir()
    path = make(folder)
    try:
        with pytest.raises(CacheError, match=r"writable.*--no-cache") as err:
            MentionStore(path)
        assert str(path) in str(err.value)
    finally:
        folder.chmod(0o755)
        path.chmod(0o644) if path.exists() else None


@pytest.fixture
def held(tmp_path):
    """A filled cache whose write lock another connection holds (as another process would)."""
    path = fill(tmp_path / "kg.sqlite")
    other = sqlite3.connect(path, isolation_level=None)
    yield path, other
    other.close()


def test_a_cache_locked_at_open_is_named_with_the_fix(held):
    path, other = held
    other.execute("BEGIN IMMEDIATE")
    with pytest.raises(CacheError, match=r"another process holds it.*--no-cache"):
        MentionStore(path, timeout=0.05)


def test_a_cache_locked_during_a_build_turns_writing_off_and_the_build_goes_on(held):
    path, other = held
    with MentionStore(path, timeout=0.05) as store:
        other.execute("BEGIN IMMEDIATE")
        new = make_doc(99)
        with pytest.warns(CacheWarning, match=r"another process holds it.*Writing to the cache is off"):
            store.put_many([(new, make_annotations(new))], FP)
        store.put_many([(new, make_annotations(new))], FP)  # no second warning, no error
        assert store.get_many([*DOCS, new], FP) == EXPECTED  # what was stored is still read
        assert store.report.write_error and len(store.report.warnings) == 1
        other.execute("ROLLBACK")


# A child process whose files may not grow past a limit (RLIMIT_FSIZE: writes fail with EFBIG, as on
# a full disk), or that writes into a tiny tmpfs of its own (ENOSPC; needs root, in a private mount
# namespace). It writes batches until the cache is full and reports what it kept.
CHILD = textwrap.dedent("""
    import json, resource, signal, sys, warnings
    from kg.errors import CacheError
    from kg.pipeline.store import MentionStore
    from tests.test_store import make_annotations, make_doc

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    path, limit = sys.argv[1], int(sys.argv[2])
    if limit:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    warnings.simplefilter("ignore")
    try:
        with MentionStore(path) as store:
            batches = []
            for b in range(40):
                docs = [make_doc(b * 100 + j, abstract="STAT3 (signal transducer) drives cancer. " * 20)
                        for j in range(100)]
                store.put_many([(d, make_annotations(d)) for d in docs], "fp")
                batches.append(len(store.get_many(docs, "fp")))
            print(json.dumps({"batches": batches, "report": store.report.as_dict()}))
    except CacheError as err:
        print(json.dumps({"error": str(err)}))
""")


def _can_mount_tmpfs() -> bool:
    """Can this process mount a tmpfs in a private mount namespace (root with CAP_SYS_ADMIN, util-linux)?"""
    if os.name != "posix" or os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "--mount", "sh", "-c", "mount -t tmpfs -o size=4k tmpfs /mnt"],
                           capture_output=True, timeout=30)
    return probe.returncode == 0


MEANS = [
    pytest.param("rlimit", marks=pytest.mark.skipif(os.name != "posix", reason="needs RLIMIT_FSIZE"),
                 id="file size limit (EFBIG)"),
    pytest.param("tmpfs", marks=pytest.mark.skipif(not _can_mount_tmpfs(), reason="cannot mount a tmpfs"),
                 id="tiny tmpfs (ENOSPC)"),
]


def _full_disk(tmp_path: Path, means: str, room: int) -> dict:
    """Run :data:`CHILD` with ``room`` bytes to write in."""
    folder = tmp_path / "disk"
    folder.mkdir()
    path = str(folder / "kg.sqlite")
    if means == "tmpfs":
        command = ["unshare", "--mount", "sh", "-c",
                   f'mount -t tmpfs -o size={room} tmpfs "$1" && exec "$2" -c "$3" "$4" 0',
                   "sh", str(folder), sys.executable, CHILD, path]
    else:
        command = [sys.executable, "-c", CHILD, path, str(room)]
    done = subprocess.run(command, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("means", MEANS)
def test_a_full_disk_during_a_build_turns_writing_off_and_the_build_goes_on(tmp_path, means):
    result = _full_disk(tmp_path, means, 400_000)
    batches, report = result["batches"], result["report"]
    assert len(batches) == 40  # every batch was offered; none raised
    assert batches[0] == 100 and batches[-1] == 0  # the first ones are kept, the last ones could not be written
    assert batches == sorted(batches, reverse=True)
    assert report["write_error"] and "free space" in report["write_error"] and "--no-cache" in report["write_error"]
    assert "Writing to the cache is off" in report["warnings"][-1] and len(report["warnings"]) == 1


@pytest.mark.parametrize("means", MEANS)
def test_a_full_disk_at_open_is_named_with_the_fix(tmp_path, means):
    result = _full_disk(tmp_path, means, 1024)
    assert "free space" in result["error"] and "kg.sqlite" in result["error"] and "--no-cache" in result["error"]


# -- whole builds over a damaged cache ------------------------------------------------------------

def _rows_that_fail(path: Path) -> int:
    """Three annotation rows made wrong: junk bytes, one mention's type edited (valid zlib and JSON),
    and another document's row copied over, checksum and all."""
    db = sqlite3.connect(path)
    rows = [(i, d) for i, d in db.execute("SELECT doc_id, data FROM annotations ORDER BY doc_id")
            if json.loads(zlib.decompress(d))[1]]
    (junk, _), (edited, data), (copied, _), (source, _) = rows[:4]
    payload = json.loads(zlib.decompress(data))
    payload[1][0][3] = "Chemical" if payload[1][0][3] != "Chemical" else "Gene"
    with db:
        db.execute("UPDATE annotations SET data = ? WHERE doc_id = ?", (b"junk", junk))
        db.execute("UPDATE annotations SET data = ? WHERE doc_id = ?", (zlib.compress(json.dumps(payload).encode()), edited))
        db.execute("UPDATE annotations SET (data, checksum) = (SELECT data, checksum FROM annotations WHERE doc_id = ?) "
                   "WHERE doc_id = ?", (source, copied))
    db.close()
    return 3


def _garbage_pages(path: Path) -> int:
    data = path.read_bytes()
    path.write_bytes(data[:4096] + random.Random(4).randbytes(len(data) - 4096))
    return 40


def _older_schema(path: Path) -> int:
    sql(path, "UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    return 40


@pytest.fixture(scope="module")
def built(tiny, tmp_path_factory) -> tuple[Path, Path]:
    """The documents file and the output folder (with its cache) of a first build."""
    from tests.synthetic import corpus, write_jsonl

    folder = tmp_path_factory.mktemp("built")
    docs_file = write_jsonl(corpus(40), folder / "docs.jsonl")
    kg.api.build(docs_file, out=folder / "out", models=(tiny,))
    return docs_file, folder / "out"


@pytest.mark.filterwarnings("ignore:.*W036")
@pytest.mark.parametrize("damage", [_rows_that_fail, _garbage_pages, _older_schema],
                         ids=["rows that fail their check", "garbage pages", "an older schema"])
def test_a_rebuild_over_a_damaged_cache_makes_the_same_files(tiny, built, tmp_path, damage):
    from tests.test_build_equivalence import files

    docs_file, first = built
    out = shutil.copytree(first, tmp_path / "out")
    redo = damage(out / "kg.sqlite")
    with pytest.warns(CacheWarning):
        again = kg.api.build(docs_file, out=out, models=(tiny,))
    assert (again.stats.annotated, again.stats.reused) == (redo, 40 - redo)
    assert files(out) == files(first)
    assert kg.api.build(docs_file, out=out, models=(tiny,)).stats.reused == 40  # the cache is whole again
