"""The output folder: one build at a time, and the complete old or the complete new set of files."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from kg.errors import OutputError, OutputLockedError
from kg.pipeline.outfolder import STAGING_NAME, OutputFolder, recover

KNOWN = ("graph.html", "graph.graphml", "nodes.csv", "edges.csv", "graph.gexf")
OLD = {"graph.html": "old page", "graph.graphml": "old xml", "graph.gexf": "old gexf"}
NEW = {"graph.html": "new page", "graph.graphml": "new xml", "nodes.csv": "new nodes"}


def _files(folder):
    return {p.name: p.read_text() for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")}


def _seed(folder):
    folder.mkdir(exist_ok=True)
    for name, text in OLD.items():
        (folder / name).write_text(text)


def _stage(out, files):
    for name, text in files.items():
        (out.staging / name).write_text(text)


def test_commit_replaces_the_set_and_drops_stale_outputs(tmp_path):
    _seed(tmp_path / "out")
    with OutputFolder(tmp_path / "out", known=KNOWN) as out:
        _stage(out, NEW)
        assert _files(tmp_path / "out") == OLD  # nothing visible before the commit
        out.commit(NEW)
    assert _files(tmp_path / "out") == NEW
    assert not (tmp_path / "out" / STAGING_NAME).exists()


def test_an_error_while_writing_keeps_the_old_set(tmp_path):
    _seed(tmp_path / "out")
    with pytest.raises(RuntimeError), OutputFolder(tmp_path / "out", known=KNOWN) as out:
        (out.staging / "graph.html").write_text("half a pa")
        raise RuntimeError("disk full")
    assert _files(tmp_path / "out") == OLD
    assert not (tmp_path / "out" / STAGING_NAME).exists()


def test_a_failed_build_leaves_no_new_folder(tmp_path):
    with pytest.raises(RuntimeError), OutputFolder(tmp_path / "new"):
        raise RuntimeError("nothing to build")
    assert not (tmp_path / "new").exists()


def test_commit_refuses_a_file_that_was_not_written(tmp_path):
    _seed(tmp_path / "out")
    with pytest.raises(OutputError, match="nodes.csv not written"), OutputFolder(tmp_path / "out", known=KNOWN) as out:
        out.commit(["nodes.csv"])
    assert _files(tmp_path / "out") == OLD


def test_a_second_build_fails_at_once_naming_folder_and_process(tmp_path):
    with OutputFolder(tmp_path / "out"):
        with pytest.raises(OutputLockedError) as err, OutputFolder(tmp_path / "out"):
            pass
        assert str(tmp_path / "out") in str(err.value) and str(os.getpid()) in str(err.value)
    with OutputFolder(tmp_path / "out"):  # released
        pass


def test_out_that_is_a_file_is_a_clear_error(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="is a file, not a folder"), OutputFolder(tmp_path / "file"):
        pass


@pytest.mark.parametrize("killed_after", range(len(NEW) + 1))
def test_sigkill_during_the_renames_is_rolled_forward(tmp_path, killed_after):
    """Whatever rename the process dies at, the next OutputFolder ends with the complete new set."""
    _seed(tmp_path / "out")
    script = textwrap.dedent(
        f"""
        import os, signal
        from kg.pipeline.outfolder import OutputFolder
        real, done = os.replace, []
        def dying(src, dst):
            if ".kg-staging" in str(src) and not str(dst).endswith("COMMIT"):
                if len(done) == {killed_after}:
                    os.kill(os.getpid(), signal.SIGKILL)
                done.append(dst)
            real(src, dst)
        with OutputFolder({str(tmp_path / "out")!r}, known={KNOWN!r}) as out:
            for name, text in {NEW!r}.items():
                (out.staging / name).write_text(text)
            os.replace = dying
            out.commit({list(NEW)!r})
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], check=False)
    if proc.returncode == 0:  # killed_after == number of files: the commit finished
        assert _files(tmp_path / "out") == NEW
        return
    assert proc.returncode == -9
    with OutputFolder(tmp_path / "out", known=KNOWN) as again:
        assert again.recovered == "rolled forward"
    assert _files(tmp_path / "out") == NEW


def test_sigkill_while_writing_leaves_the_old_set(tmp_path):
    _seed(tmp_path / "out")
    script = textwrap.dedent(
        f"""
        import os, signal
        from kg.pipeline.outfolder import OutputFolder
        with OutputFolder({str(tmp_path / "out")!r}, known={KNOWN!r}) as out:
            (out.staging / "graph.html").write_text("new page")
            (out.staging / "graph.graphml").write_text("<graphml><half")
            os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], check=False)
    assert proc.returncode == -9
    assert _files(tmp_path / "out") == OLD
    assert recover(tmp_path / "out") == "cleaned"
    assert _files(tmp_path / "out") == OLD and not (tmp_path / "out" / STAGING_NAME).exists()
