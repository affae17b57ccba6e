"""kg.pipeline.forked: jobs spread over forked processes give the files one process gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kg.errors import ExportError, KgError
from kg.export.database import database_content, same_content
from kg.pipeline.forked import Job, assign, can_fork, run_jobs

needs_fork = pytest.mark.skipif(not can_fork(), reason="no safe os.fork on this platform")


@pytest.mark.parametrize(
    ("costs", "processes", "expected"),
    [
        ([3, 2, 2], 2, [[0], [1, 2]]),
        ([2, 2, 3], 2, [[2], [0, 1]]),
        ([1, 1, 1, 1], 2, [[0, 2], [1, 3]]),
        ([5], 3, [[0], [], []]),
        ([1, 2], 1, [[1, 0]]),
    ],
)
def test_assign_puts_the_longest_job_on_the_least_loaded_process(costs, processes, expected):
    assert assign(costs, processes) == expected


@given(st.lists(st.floats(min_value=0.1, max_value=100), max_size=12), st.integers(min_value=1, max_value=4))
def test_assign_uses_every_job_once_and_stays_within_grahams_bound(costs, processes):
    bins = assign(costs, processes)
    assert len(bins) == processes
    assert sorted(i for b in bins for i in b) == list(range(len(costs)))
    if costs:  # list scheduling: no process gets more than the mean load plus (1 - 1/m) of the largest job
        makespan = max(sum(costs[i] for i in b) for b in bins)
        assert makespan <= sum(costs) / processes + (1 - 1 / processes) * max(costs) + 1e-6


def _writer(path: Path, text: str):
    return lambda: path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("processes", [1, 2, 3])
def test_every_job_writes_its_file(tmp_path, processes):
    jobs = [Job(f"job{i}", _writer(tmp_path / f"{i}.txt", f"content {i}"), cost=i + 1) for i in range(5)]
    run_jobs(jobs, processes=processes)
    assert {p.name: p.read_text() for p in tmp_path.iterdir()} == {f"{i}.txt": f"content {i}" for i in range(5)}


def _boom():
    raise ValueError("disk on fire")


def _kg_boom():
    raise KgError("out.graphml: could not write graphml: no space left; free some space")


def _killed():
    import os
    import signal

    os.kill(os.getpid(), signal.SIGKILL)


@needs_fork
@pytest.mark.parametrize(
    ("job", "message"),
    [(_boom, r"writing broken failed in a worker process \(ValueError: disk on fire\)"),
     (_killed, r"writing broken failed in a worker process \(exit: the process killed by signal 9\)")],
)
def test_a_failure_in_a_child_names_the_job_and_the_others_still_finish(tmp_path, job, message):
    # Costs put "broken" alone on the child process (the costliest bin); "ok" runs in this one (the last bin).
    jobs = [Job("ok", _writer(tmp_path / "ok.txt", "fine"), cost=1), Job("broken", job, cost=5)]
    with pytest.raises(ExportError, match=message):
        run_jobs(jobs, processes=2)
    assert (tmp_path / "ok.txt").read_text() == "fine"


@needs_fork
def test_a_kg_error_in_a_child_keeps_its_message(tmp_path):
    jobs = [Job("ok", _writer(tmp_path / "ok.txt", "fine"), cost=1), Job("graphml", _kg_boom, cost=5)]
    with pytest.raises(ExportError, match="no space left; free some space"):
        run_jobs(jobs, processes=2)


@needs_fork
def test_a_failure_here_is_raised_after_the_children_finish(tmp_path):
    jobs = [Job("broken", _boom, cost=1), Job("ok", _writer(tmp_path / "ok.txt", "fine"), cost=5)]
    with pytest.raises(ValueError, match="disk on fire"):
        run_jobs(jobs, processes=2)
    assert (tmp_path / "ok.txt").read_text() == "fine"


def test_saving_with_two_processes_writes_the_same_files(seeds_graph, tmp_path):
    kgraph, _ = seeds_graph
    one = kgraph.save(tmp_path / "one", formats=["all"])
    two = kgraph.save(tmp_path / "two", formats=["all"], processes=2)
    assert one.keys() == two.keys()
    for kind in one:
        if kind == "duckdb":  # equal in content; DuckDB files are not byte-stable
            assert same_content(database_content(one[kind]), database_content(two[kind]))
        elif kind != "summary":
            assert Path(one[kind]).read_bytes() == Path(two[kind]).read_bytes(), kind


@needs_fork
def test_the_costliest_job_runs_in_a_child_and_the_cheapest_here(tmp_path):
    """The caller takes the last bin, so the costliest job (kg.duckdb's, which allocates most) does not add to
    the peak of the process that holds the graph."""
    import os

    def where(name: str):
        return lambda: (tmp_path / name).write_text(str(os.getpid()), encoding="utf-8")

    run_jobs([Job("cheap", where("cheap"), cost=1), Job("costly", where("costly"), cost=5)], processes=2)
    assert (tmp_path / "cheap").read_text() == str(os.getpid())
    assert (tmp_path / "costly").read_text() != str(os.getpid())
