"""Run independent jobs on several cores by forking: how ``kg build`` writes its output files at once.

After the NER pass the graph is finished and every output file (HTML, GraphML, CSV, ...)
is an independent job that only reads it. A forked child sees the parent's graph as it is,
without pickling it (copy-on-write pages; :func:`gc.freeze` first, so the child's garbage
collector does not touch, and so copy, every object: the CPython advice for pre-fork
servers). :func:`run_jobs` spreads the jobs over ``processes`` (the parent is one of them)
by longest-processing-time-first assignment (Graham 1969) of their estimated costs, runs
them, waits for every child and re-raises the first failure with its job's name.

Where ``fork`` is not available or not safe (Windows, macOS) the jobs run one after
another in this process, as they do with ``processes=1``.
"""

from __future__ import annotations

import gc
import os
import pickle
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kg.errors import ExportError, KgError

__all__ = ["Job", "can_fork", "assign", "run_jobs"]


@dataclass(frozen=True)
class Job:
    """One unit of work: ``run()`` (no arguments, result ignored), a ``name`` for messages
    and a relative ``cost`` used only to balance the processes."""

    name: str
    run: Callable[[], object]
    cost: float = 1.0


def can_fork() -> bool:
    """Whether jobs can go to forked children here (POSIX with ``os.fork``, not macOS,
    where forking a process that has used system frameworks is unsafe)."""
    return hasattr(os, "fork") and sys.platform != "darwin"


def assign(costs: Sequence[float], processes: int) -> list[list[int]]:
    """Indices of ``costs`` per process, longest first onto the least loaded process
    (LPT, Graham 1969: within 4/3 of the best makespan). The assignment is deterministic
    (ties go to the lower process number); :func:`run_jobs` gives the last process to the caller."""
    bins: list[list[int]] = [[] for _ in range(max(1, processes))]
    loads = [0.0] * len(bins)
    for i in sorted(range(len(costs)), key=lambda i: (-costs[i], i)):
        k = min(range(len(bins)), key=lambda k: (loads[k], k))
        bins[k].append(i)
        loads[k] += costs[i]
    return bins


def _run_all(jobs: Sequence[Job]) -> None:
    for job in jobs:
        job.run()


def _child(jobs: Sequence[Job], write_fd: int) -> None:
    """In the forked child: run ``jobs``; report the first failure through ``write_fd``; never return."""
    code, current = 0, jobs[0].name
    try:
        for job in jobs:
            current = job.name
            job.run()
    except BaseException as exc:  # noqa: BLE001  (reported to the parent, which raises it)
        code = 1
        import traceback

        report = (current, type(exc).__name__, str(exc), isinstance(exc, KgError), traceback.format_exc())
        try:
            os.write(write_fd, pickle.dumps(report))
        except OSError:
            pass
    finally:
        os.close(write_fd)
        os._exit(code)  # no atexit handlers, no flushing of the parent's buffers


def _read_all(fd: int) -> bytes:
    chunks = []
    while True:
        data = os.read(fd, 65536)
        if not data:
            return b"".join(chunks)
        chunks.append(data)


def run_jobs(jobs: Sequence[Job], *, processes: int = 1) -> None:
    """Run every job, on up to ``processes`` processes (this one included).

    Jobs must be independent and communicate only through what they write (files): a
    child's changes to Python objects are not seen by the parent. A job that fails in a
    child is raised here as an :class:`~kg.errors.ExportError` (or the :class:`KgError`
    message it had) naming the job, after every child has finished, so no process is left
    behind; the other jobs still complete.
    """
    jobs = list(jobs)
    if processes <= 1 or len(jobs) <= 1 or not can_fork():
        _run_all(jobs)
        return
    bins = assign([j.cost for j in jobs], min(processes, len(jobs)))
    # The caller takes the last bin: the first holds the costliest job, which also tends to allocate the
    # most (kg.duckdb's frames); in a child that memory is freed at its exit, and the caller, which already
    # holds the graph, does not peak higher (6k, 4 formats: main 983 -> 676 MB, largest child 556 -> 934 MB).
    mine, theirs = [jobs[i] for i in bins[-1]], [[jobs[i] for i in b] for b in bins[:-1] if b]
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, ValueError, OSError):
            pass
    children: list[tuple[int, int, list[Job]]] = []
    gc.freeze()
    try:
        for group in theirs:
            read_fd, write_fd = os.pipe()
            pid = os.fork()
            if pid == 0:  # pragma: no cover  (the child; coverage does not follow forks)
                os.close(read_fd)
                _child(group, write_fd)
            os.close(write_fd)
            children.append((pid, read_fd, group))
    finally:
        gc.unfreeze()
    failure: BaseException | None = None
    try:
        _run_all(mine)
    except BaseException as exc:  # noqa: BLE001  (raised below, after the children are reaped)
        failure = exc
    reports = []
    for pid, read_fd, group in children:
        data = _read_all(read_fd)
        os.close(read_fd)
        code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        if data:
            reports.append(pickle.loads(data))
        elif code != 0:
            ended = f"killed by signal {-code}" if code < 0 else f"exited with code {code}"
            reports.append((", ".join(j.name for j in group), "exit", f"the process {ended}", False, ""))
    if failure is not None:
        raise failure
    if reports:
        name, kind, message, known, trace = reports[0]
        if known:
            raise ExportError(message)
        raise ExportError(f"writing {name} failed in a worker process ({kind}: {message})"
                          + (f"; its traceback:\n{trace.rstrip()}" if trace else ""))
