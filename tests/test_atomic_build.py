"""A build's output folder holds the complete old or the complete new set of files, whenever the build is
killed (SIGKILL: during NER, after the first, a middle or the last output file is staged, during the
commit), and one build at a time writes it (#24 classes 3 and 4, #25 "a failed build leaves no new files").

The killed builds are real ``kg.api.build`` runs in a child process with the tiny model; the child only
slows ``os.replace`` (every output file is renamed into the staging folder when complete, then into the
folder at the commit), so that the parent can kill it at a chosen moment by watching the staging folder.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import kg.api
from kg.cli import app
from kg.errors import ExportError, NothingToBuildError, OutputLockedError
from kg.pipeline.outfolder import STAGING_NAME, OutputFolder, interrupted
from kg.pipeline.update import BUILD_RECORD
from tests.synthetic import SLOW_NER, corpus, stored, write_jsonl

pytestmark = pytest.mark.filterwarnings("ignore:.*W036")

OLD_FORMATS = ("html", "graphml", "csv")
NEW_FORMATS = ("graphml", "csv", "json")  # no page: the old graph.html must go at the commit

CHILD = textwrap.dedent("""
    import os, sys, time
    import kg.api

    model, docs_file, out, formats, slow = sys.argv[1:6]
    if slow == "writing":  # a pause after each file is complete (staged, or moved at the commit)
        real_replace = os.replace

        def replace(src, dst, *args, **kwargs):
            real_replace(src, dst, *args, **kwargs)
            time.sleep(0.4)

        os.replace = replace
    elif slow == "full disk":  # files may not grow past 20 kB: writes fail with EFBIG, as on a full disk
        import resource, signal
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
    else:
        exec(sys.argv[6])  # SLOW_NER
    kg.api.build(docs_file, out=out, models=(model,), formats=formats.split(","), workers=1, write_processes=1,
                 cache=slow != "full disk")
""")


def outputs(folder: Path) -> dict[str, bytes]:
    """The output files of ``folder`` (not the lock, staging folder or NER cache; summary.json holds times)."""
    return {p.name: p.read_bytes() for p in folder.iterdir()
            if p.is_file() and not p.name.startswith(".") and not p.name.startswith("kg.sqlite")
            and p.name != "summary.json"}


def staged(out: Path) -> int:
    try:
        return sum(1 for p in (out / STAGING_NAME).iterdir() if not p.name.startswith(".") and p.name != "COMMIT")
    except OSError:
        return 0


@pytest.fixture(scope="module")
def old_docs(tmp_path_factory) -> Path:
    return write_jsonl(corpus(16), tmp_path_factory.mktemp("old-docs") / "docs.jsonl")


@pytest.fixture(scope="module")
def new_docs(tmp_path_factory) -> Path:
    return write_jsonl(corpus(16, start=16), tmp_path_factory.mktemp("new-docs") / "docs.jsonl")


@pytest.fixture(scope="module")
def old_folder(tiny, old_docs, tmp_path_factory) -> Path:
    """A folder holding a complete earlier build (and its NER cache)."""
    out = tmp_path_factory.mktemp("old") / "out"
    kg.api.build(old_docs, out=out, models=(tiny,), formats=OLD_FORMATS)
    return out


@pytest.fixture(scope="module")
def new_set(tiny, new_docs, tmp_path_factory) -> dict[str, bytes]:
    """The files of a clean build of the new documents."""
    out = tmp_path_factory.mktemp("new")
    kg.api.build(new_docs, out=out, models=(tiny,), formats=NEW_FORMATS, cache=False)
    return outputs(out)


def start(tiny: str, docs: Path, out: Path, slow: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", CHILD, tiny, str(docs), str(out), ",".join(NEW_FORMATS), slow, SLOW_NER],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def kill_when(proc: subprocess.Popen, ready, what: str) -> None:
    try:
        deadline = time.monotonic() + 60
        while not ready():
            assert proc.poll() is None, f"the build ended before {what}: {proc.stderr.read()}"
            assert time.monotonic() < deadline, f"no {what} within a minute"
            time.sleep(0.01)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["ner", "first file staged", "middle file staged", "last file staged",
                                    "during the commit"])
def test_a_kill_leaves_the_complete_old_or_new_set(tiny, old_folder, new_docs, new_set, tmp_path, moment):
    out = tmp_path / "out"
    shutil.copytree(old_folder, out)
    old_set = outputs(out)
    n_new = len(new_set) + 1  # and summary.json
    ready = {
        "ner": lambda: stored(out / "kg.sqlite") >= 16 + 3,
        "first file staged": lambda: staged(out) >= 1,
        "middle file staged": lambda: staged(out) >= n_new // 2,
        "last file staged": lambda: staged(out) >= n_new - 1,  # every format written, summary.json not yet
        "during the commit": lambda: (out / STAGING_NAME / "COMMIT").exists() and 0 < staged(out) < n_new - 1,
    }[moment]
    proc = start(tiny, new_docs, out, "ner" if moment == "ner" else "writing")
    kill_when(proc, ready, moment)

    if moment == "during the commit":
        assert outputs(out) not in (old_set, new_set)  # killed half-way through the renames...
        assert interrupted(out)
        reopened = kg.api.load(out)  # ...which the next load, build or save of the folder finishes (journal)
        assert outputs(out) == new_set and not interrupted(out)
        assert reopened.stats.documents == 16 and reopened.graph.number_of_nodes() > 0
    else:
        assert outputs(out) == old_set  # nothing of the new set is visible
        with OutputFolder(out):  # the next build clears the staged files away
            pass
        assert outputs(out) == old_set
    assert not (out / STAGING_NAME).exists()
    assert stored(out / "kg.sqlite") >= 16  # the cache survives for the next build


@pytest.mark.slow
def test_a_write_error_keeps_the_old_set(tiny, old_folder, new_docs, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(old_folder, out)
    old_set = outputs(out)
    proc = start(tiny, new_docs, out, "full disk")
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1 and "File too large" in err, err[-2000:]
    assert outputs(out) == old_set and not (out / STAGING_NAME).exists()
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".") and p.name != BUILD_RECORD) == []


@pytest.mark.slow
def test_a_second_build_into_the_same_folder_fails_at_once(tiny, new_docs, tmp_path):
    out = tmp_path / "out"
    proc = start(tiny, new_docs, out, "ner")
    try:
        deadline = time.monotonic() + 60
        while stored(out / "kg.sqlite") < 1:
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.poll() else ""
            time.sleep(0.01)
        t0 = time.monotonic()
        result = CliRunner().invoke(app, ["build", str(new_docs), "--out", str(out), "-m", tiny, "-q"])
        waited = time.monotonic() - t0
        with pytest.raises(OutputLockedError, match=str(proc.pid)):
            kg.api.build(new_docs, out=out, models=(tiny,))
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert result.exit_code == 1 and waited < 5
    assert str(out) in result.output and f"process {proc.pid}" in result.output
    assert "another kg build" in result.output


def test_out_that_is_a_file_is_a_usage_error(tmp_path, old_docs):
    (tmp_path / "file").write_text("x")
    result = CliRunner().invoke(app, ["build", str(old_docs), "--out", str(tmp_path / "file")])
    assert result.exit_code == 2
    assert "is a file" in result.output and str(tmp_path / "file") in result.output and "Traceback" not in result.output


def test_a_failed_build_leaves_no_new_files(tmp_path, old_folder):
    empty = tmp_path / "empty.jsonl"
    empty.write_text('{"id": "x"}\n')  # no title, no abstract: nothing to build
    with pytest.raises(NothingToBuildError):
        kg.api.build(empty, out=tmp_path / "new")
    assert not (tmp_path / "new").exists()

    out = tmp_path / "existing"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(NothingToBuildError):
        kg.api.build(empty, out=out)
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]

    kept = tmp_path / "kept"
    shutil.copytree(old_folder, kept)
    before = {p.name: p.read_bytes() for p in kept.iterdir() if p.is_file() and not p.name.startswith("kg.sqlite")}
    with pytest.raises(NothingToBuildError):
        kg.api.build(empty, out=kept)
    after = {p.name: p.read_bytes() for p in kept.iterdir() if p.is_file() and not p.name.startswith("kg.sqlite")}
    assert after == before and (kept / "kg.sqlite").exists()  # the old set and its cache stay


def test_single_files_are_written_aside_then_renamed(seeds_graph, tmp_path, monkeypatch):
    g = kg.api.load(seeds_graph[1])
    target = tmp_path / "graph.graphml"
    target.write_text("old")

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(ExportError, match="No space left"):
        g.to_graphml(target)
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["graph.graphml"]
    monkeypatch.undo()
    g.to_graphml(target)
    assert target.read_text().startswith("<?xml") and [p.name for p in tmp_path.iterdir()] == ["graph.graphml"]
