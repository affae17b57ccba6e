"""The NER pass over a whole corpus: streamed, cached in a :class:`~kg.pipeline.store.MentionStore`, on 1..N cores or Dask.

:func:`annotate_corpus` reads documents lazily in chunks of about ``chunk_bytes`` of text,
looks each chunk up in the store, sends only new or changed documents to NER, writes
their annotations back in one transaction per chunk and yields every document's
:class:`~kg.nlp.annotate.AnnotatedDoc` in input order. Memory is bounded by the chunks in flight,
not by the corpus.

Where NER runs (``engine``, ``workers``):

``local``, 1 worker   in this process, with :class:`kg.nlp.annotate.NerPipeline` (the model loads
                      once per process, and only when a document has to be annotated).
``local``, "auto"     as many workers as this process may use cores and available memory
                      allows (:func:`auto_workers`); in this process when the first chunk with
                      documents to annotate is the last chunk (a corpus of one chunk, a rebuild
                      whose new documents come at the end: starting workers would take longer).
``local``, N workers  N processes started with ``spawn`` (safe with spaCy/thinc and on every
                      OS); each loads the models once, chunks go out ``2 N`` at a time and
                      results are put back in input order, so the graph is the one a
                      single process builds.
``dask``              an existing ``dask.distributed`` cluster (``scheduler`` is its address,
                      or a ``Client``); chunks are submitted with ``client.submit``, at most
                      two per worker thread in flight; each worker process loads the models
                      once (the cache in :func:`kg.nlp.annotate.annotate_records`). kg starts no
                      scheduler of its own. The workers need kg and the models installed
                      (a model given as a path must exist at that path on the workers).

Progress (documents/s, and an ETA when the number of documents is known) is shown with
tqdm when ``progress`` is true; the caller decides (off when stderr is not a terminal).
"""

from __future__ import annotations

import gc
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from kg.errors import KgError
from kg.nlp.annotate import AnnotatedDoc, NerPipeline, annotate_records
from kg.nlp.blas import single_threaded
from kg.nlp.models import model_stack, resolve_model
from kg.pipeline.options import AUTO, ENGINES
from kg.pipeline.store import Lookup, MentionStore, describe_stack, fingerprint_of
from kg.records import Document

__all__ = ["AnnotationStats", "annotate_corpus", "annotate_chunk", "auto_workers", "available_cores",
           "available_memory_mb", "iter_chunks", "CHUNK_BYTES", "WORKER_MB"]

#: Default text per chunk: local worker processes get ~180 abstracts (seconds of NER: fine-grained
#: enough to balance 2-8 workers and to lose little to a kill), Dask workers a few MB per task.
CHUNK_BYTES = {"local": 250_000, "dask": 2_000_000}
#: Memory one local NER worker may need, in MB (the bundled model peaks at ~940 MB on PubMed abstracts).
WORKER_MB = 1200
_DASK_HINT = 'engine "dask" needs dask.distributed, which is not installed: pip install "kg[dask]"'


@dataclass
class AnnotationStats:
    """What one :func:`annotate_corpus` run did; filled in while it streams (final once it is exhausted)."""

    documents: int = 0
    """Documents yielded."""
    annotated: int = 0
    """Documents that went through NER (new, changed, or no store)."""
    reused: int = 0
    """Documents whose annotations came from the store."""
    chunks: int = 0
    seconds: float = 0.0
    engine: str = "local"
    workers: int = 1
    """NER processes (0 on Dask; with ``"auto"``, what it came to: 1 until NER was needed)."""
    capped: str = ""
    """Why fewer workers ran than asked for (cores, memory), empty when they were not capped."""

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def iter_chunks(documents: Iterable[Document], *, chunk_bytes: int, max_docs: int | None = None
                ) -> Iterator[list[Document]]:
    """Group documents lazily into lists of about ``chunk_bytes`` characters of text (and at most ``max_docs``)."""
    chunk: list[Document] = []
    size = 0
    for doc in documents:
        chunk.append(doc)
        size += len(doc.title or "") + len(doc.abstract or "") + 2
        if size >= chunk_bytes or (max_docs is not None and len(chunk) >= max_docs):
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the OS tells it, else the machine's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def available_memory_mb() -> float | None:
    """Memory available for new processes (Linux's MemAvailable, else free pages), in MB; None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES") / 2**20
    except (AttributeError, ValueError, OSError):
        return None


def auto_workers() -> int:
    """NER processes for ``workers="auto"``: one per available core, at most one per :data:`WORKER_MB`
    of available memory, at least one."""
    cores = available_cores()
    memory = available_memory_mb()
    return max(1, min(cores, cores if memory is None else int(memory // WORKER_MB)))


def _capped(workers: int, stats: AnnotationStats) -> int:
    """``workers`` at most :func:`auto_workers` (the cores this process may use, one per
    :data:`WORKER_MB` of available memory); the reason noted in ``stats.capped``."""
    most = auto_workers()
    if workers <= most:
        return workers
    memory = available_memory_mb()
    stats.capped = (f"workers={workers} capped at {most}: {available_cores()} core(s)"
                    + (f", {memory / 1024:.1f} GB available ({WORKER_MB / 1000:.1f} GB per worker)" if memory else ""))
    return most


# -- the unit of work -----------------------------------------------------------------------------

_LOCK = threading.Lock()


def annotate_chunk(models: tuple[str, ...], documents: list[Document], batch_size: int = 64) -> list[AnnotatedDoc]:
    """Annotate one chunk in a worker: :func:`kg.nlp.annotate.annotate_records`, one chunk at a time per process.

    The lock makes it safe on a Dask worker with several threads (one spaCy pipeline per
    process is not meant to run in two threads at once).
    """
    with _LOCK:
        single_threaded()  # this process shares the cores with other NER workers (kg.nlp.blas)
        return annotate_records(tuple(models), documents, batch_size)


def _slim(doc: Document) -> Document:
    """Only what NER reads (id, title, abstract): less to pickle to workers."""
    return Document(id=doc.id, title=doc.title, abstract=doc.abstract)


def _init_worker(models: tuple[str, ...], batch_size: int, parent: int) -> None:
    """Pool initializer: Ctrl-C is the parent's to handle; exit if the parent dies; load the models now."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()
    try:
        annotate_records(models, [], batch_size)
    except Exception:  # noqa: BLE001  (the first chunk raises the real error, with its message)
        pass


# -- runners: where chunks are annotated ---------------------------------------------------------------

Handle = Callable[[], Iterator[AnnotatedDoc]]


class _InProcess:
    window = 1

    def __init__(self, models: tuple[str, ...], batch_size: int) -> None:
        self.pipeline = NerPipeline(models, batch_size=batch_size)

    def submit(self, docs: list[Document]) -> Handle:
        return lambda: self.pipeline.annotate(docs)

    def close(self, *, cancel: bool) -> None:
        pass


class _ProcessPool:
    def __init__(self, models: tuple[str, ...], batch_size: int, workers: int) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.models, self.batch_size = models, batch_size
        self.window = 2 * workers
        self.pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker, initargs=(models, batch_size, os.getpid()),
        )

    def submit(self, docs: list[Document]) -> Handle:
        future = self.pool.submit(annotate_chunk, self.models, [_slim(d) for d in docs], self.batch_size)

        def result() -> Iterator[AnnotatedDoc]:
            from concurrent.futures.process import BrokenProcessPool

            try:
                return iter(future.result())
            except BrokenProcessPool as err:
                raise KgError(
                    f"a NER worker process died ({err}); out of memory? Try fewer workers or a smaller chunk_bytes"
                ) from err

        return result

    def close(self, *, cancel: bool) -> None:
        if not cancel:
            self.pool.shutdown(wait=True)
            return
        processes = list((getattr(self.pool, "_processes", None) or {}).values())
        self.pool.shutdown(wait=False, cancel_futures=True)
        for proc in processes:  # a chunk in progress would otherwise run to its end
            proc.terminate()
        for proc in processes:
            proc.join(timeout=5)


class _Dask:
    def __init__(self, models: tuple[str, ...], batch_size: int, scheduler: Any) -> None:
        distributed = _import_distributed()
        self.models, self.batch_size = models, batch_size
        self.futures: list[Any] = []
        if isinstance(scheduler, distributed.Client):
            self.client, self.own = scheduler, False
        else:
            try:
                self.client, self.own = distributed.Client(scheduler, set_as_default=False), True
            except (OSError, TimeoutError, ValueError) as err:
                raise KgError(
                    f"could not reach the Dask scheduler at {scheduler!r} ({err}). Start one with "
                    f"`dask scheduler` and workers with `dask worker ADDRESS`, then pass its address "
                    f"(e.g. tcp://10.0.0.5:8786)"
                ) from err
        threads = sum(self.client.nthreads().values())
        self.window = max(2, 2 * threads)

    def submit(self, docs: list[Document]) -> Handle:
        future = self.client.submit(annotate_chunk, self.models, [_slim(d) for d in docs], self.batch_size,
                                    pure=False)
        self.futures.append(future)

        def result() -> Iterator[AnnotatedDoc]:
            out = future.result()
            self.futures.remove(future)
            return iter(out)

        return result

    def close(self, *, cancel: bool) -> None:
        if cancel and self.futures:
            try:
                self.client.cancel(self.futures)
            except Exception:  # noqa: BLE001  (best effort while shutting down)
                pass
        self.futures.clear()
        if self.own:
            self.client.close()


def _import_distributed():
    try:
        import distributed
    except ImportError as err:
        raise KgError(_DASK_HINT) from err
    return distributed


# -- the pass ---------------------------------------------------------------------------------------

def annotate_corpus(
    documents: Iterable[Document],
    *,
    models: Sequence[str],
    store: MentionStore | None = None,
    workers: int | str = 1,
    engine: str = "local",
    scheduler: Any = None,
    batch_size: int = 64,
    chunk_bytes: int | None = None,
    progress: bool = False,
    total: int | None = None,
    stats: AnnotationStats | None = None,
) -> Iterator[AnnotatedDoc]:
    """Annotate ``documents`` (read lazily) and yield their :class:`AnnotatedDoc` in input order.

    With a ``store``, documents whose exact text was already annotated by the same model
    stack are read from it, and new annotations are written to it in one transaction per
    chunk. ``workers`` processes run NER with ``engine="local"`` (``"auto"``: :func:`auto_workers`,
    none when the first chunk to annotate is the last); with ``engine="dask"``,
    ``scheduler`` is the address of a running ``dask.distributed`` scheduler (or a
    ``Client``/``LocalCluster``) and ``workers`` is not used. ``chunk_bytes`` is the amount
    of text per chunk sent to a worker (default :data:`CHUNK_BYTES` for the engine: a few
    seconds of NER per chunk locally, a few MB on Dask); in-process chunks are also cut at
    ``4 * batch_size`` documents. A chunk is also the unit of a store transaction. ``total`` (the number of documents, if known; taken
    from ``len(documents)`` when it has one) gives the progress bar an ETA. ``stats`` is
    filled in as the pass runs.

    Arguments are checked (and the models looked up) at the call, before anything is read.
    """
    models = model_stack(models)
    if engine not in ENGINES:
        raise KgError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    if workers != AUTO and (not isinstance(workers, int) or isinstance(workers, bool) or workers < 1):
        raise KgError(f'workers must be a whole number >= 1 or "auto", not {workers!r}')
    if chunk_bytes is None:
        chunk_bytes = CHUNK_BYTES[engine]
    if batch_size < 1 or chunk_bytes < 1:
        raise KgError(f"batch_size and chunk_bytes must be >= 1 (got {batch_size}, {chunk_bytes})")
    if engine == "dask":
        _import_distributed()
        if scheduler is None:
            raise KgError('engine "dask" needs the address of a running scheduler (--scheduler tcp://HOST:8786); '
                          "kg does not start a cluster of its own")
    elif scheduler is not None:
        raise KgError(f'a scheduler ({scheduler!r}) is only used with engine "dask"; add --engine dask')

    if store is not None:
        description = describe_stack(models)
        fingerprint = fingerprint_of(description)
    else:
        for m in models:
            resolve_model(m)  # fail now, with the install hint, rather than in a worker
        description = fingerprint = ""

    if total is None and hasattr(documents, "__len__"):
        total = len(documents)  # type: ignore[arg-type]
    stats = stats if stats is not None else AnnotationStats()
    if engine == "local" and workers != AUTO and workers > 1:
        workers = _capped(workers, stats)
    in_process = engine == "local" and workers == 1
    chunks = iter_chunks(documents, chunk_bytes=chunk_bytes, max_docs=4 * batch_size if in_process else None)
    stats.engine, stats.workers = engine, workers if engine == "local" else 0
    ahead = {"more": False}
    if engine == "local" and workers == AUTO:
        stats.workers = 1  # until NER is needed
        chunks = _one_ahead(chunks, ahead)

    def make_runner():
        if engine == "dask":
            return _Dask(models, batch_size, scheduler)
        if workers == AUTO:
            # no worker when the first chunk to annotate is the last (a small corpus, a rebuild
            # whose new documents came at the end); else one per core (auto_workers)
            stats.workers = auto_workers() if ahead["more"] else 1
        if stats.workers > 1:
            return _ProcessPool(models, batch_size, stats.workers)
        return _InProcess(models, batch_size)

    return _stream(chunks, make_runner=make_runner, store=store, fingerprint=fingerprint,
                   description=description, progress=progress, total=total, stats=stats)


def _one_ahead(chunks: Iterator[list[Document]], state: dict[str, bool]) -> Iterator[list[Document]]:
    """The chunks, each read one ahead: while a chunk is being handled ``state["more"]`` says
    whether another follows (``workers="auto"`` starts no worker for the last chunk)."""
    prev = None
    for chunk in chunks:
        if prev is not None:
            state["more"] = True
            yield prev
        prev = chunk
    if prev is not None:
        state["more"] = False
        yield prev


def _freeze_loaded() -> bool:
    """Keep what is loaded now (the models, their vocabularies and lexicons) out of garbage collection.

    A NER pass makes garbage fast, so CPython's collector runs often, and each full
    collection walks every tracked object: the loaded pipeline alone is some 190,000. They
    live as long as the process, so they are moved to the collector's permanent generation
    (``gc.freeze``) for the pass and back after it (``gc.unfreeze``): full collections
    cost 1.5 s per 2,000 abstracts before, 0.7 s after. Nothing is done if the caller froze
    objects of its own (it may unfreeze them when it likes). True if frozen.
    """
    if gc.get_freeze_count():
        return False
    gc.freeze()
    return True


def _stream(chunks: Iterator[list[Document]], *, make_runner: Callable[[], Any], store: MentionStore | None,
            fingerprint: str, description: str, progress: bool, total: int | None,
            stats: AnnotationStats) -> Iterator[AnnotatedDoc]:
    from kg.pipeline.progress import progress_bar

    started = time.perf_counter()
    bar = progress_bar(total=total, desc="NER", unit="doc", disable=not progress, dynamic_ncols=True, smoothing=0.1)
    runner = None
    pending: deque[tuple[list[Document], Lookup, list[Document], Handle | None]] = deque()

    def finish(chunk: list[Document], found: Lookup, todo: list[Document], handle: Handle | None
               ) -> Iterator[AnnotatedDoc]:
        new: list[AnnotatedDoc] = []
        if handle is not None:
            results = handle()
            for doc in todo:
                annotated = next(results, None)
                if annotated is None or annotated.doc_id != doc.id:
                    raise KgError(f"NER returned {annotated and annotated.doc_id!r} where {doc.id!r} was expected: "
                                  "a bug in kg, please report it")
                new.append(annotated)
                bar.update(1)
        if store is not None and (new or found.stale):
            store.put_many(list(zip(todo, new, strict=True)), fingerprint, description=description, documents=found.stale)
        reused = len(chunk) - len(todo)
        stats.chunks += 1
        stats.annotated += len(new)
        stats.reused += reused
        bar.update(reused)
        if reused:
            bar.set_postfix(reused=stats.reused, refresh=False)
        fresh = iter(new)
        for annotated in found.annotations:
            stats.documents += 1
            yield annotated if annotated is not None else next(fresh)

    completed = frozen = False
    try:
        for chunk in chunks:
            if store is not None:
                found = store.lookup(chunk, fingerprint)
            else:
                found = Lookup((None,) * len(chunk))
            todo = [d for d, a in zip(chunk, found.annotations, strict=True) if a is None]
            handle = None
            if todo:
                if runner is None:
                    runner = make_runner()  # only now: a rebuild with nothing new loads no model
                    frozen = _freeze_loaded()
                handle = runner.submit(todo)
            pending.append((chunk, found, todo, handle))
            while len(pending) >= (runner.window if runner is not None else 1):
                yield from finish(*pending.popleft())
        while pending:
            yield from finish(*pending.popleft())
        completed = True
    finally:
        if frozen:
            gc.unfreeze()
        if runner is not None:
            runner.close(cancel=not completed)
        bar.close()
        stats.seconds += time.perf_counter() - started
