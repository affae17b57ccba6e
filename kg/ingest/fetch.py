"""Fetch the PubMed records of a query into a folder kg builds from, and keep it up to date.

>>> from kg.ingest.fetch import fetch, update_fetched
>>> result = fetch("STAT3 AND drug resistance", "corpus/", max_records=500)   # doctest: +SKIP
>>> result = update_fetched("corpus/")          # later: only the PMIDs not fetched yet  # doctest: +SKIP

:func:`fetch` asks ESearch for the PMIDs of the query (:mod:`kg.ingest.eutils`, through
Bio.Entrez), then EFetch for the PubMed XML of those the folder does not hold yet, ``batch_size``
records per request. Each answer is written as NCBI sent it, one file per batch
(``pubmed-RRRR-BBBB.xml``: run and batch number), atomically: a temporary file, then
:func:`os.replace`. kg's ingest reads these files as they are (:mod:`kg.ingest.pubmed_xml`).

The folder's manifest, ``.kg-fetch.json`` (:mod:`kg.ingest.fetch_manifest`), keeps the query, ``since``, the PMIDs fetched, the files
and the date of every run. It is rewritten (atomically) after every batch, so an interrupted fetch
loses at most the batch in flight, and the next call asks EFetch only for PMIDs it does not list.
Its name starts with a dot so that ``kg build corpus/`` does not try to read it as a document
(folders are walked without hidden files, :mod:`kg.ingest.paths`). While a fetch writes, it
holds an exclusive lock on ``.kg-fetch.lock`` in the folder, so a second fetch of the same folder
fails at once instead of interleaving with it.

ESearch does not use the history server (``usehistory``): EFetch is given explicit PMID lists,
which is what lets a second call ask for the new PMIDs only.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from kg.errors import FetchError
from kg.ingest.eutils import DEFAULT_RETRY, ESEARCH_LIMIT, NCBI_EUTILS, Eutils, RetryPolicy
from kg.ingest.fetch_manifest import (
    LOCK_NAME,
    MANIFEST_NAME,
    FetchRun,
    Manifest,
    SavedQuery,
    fetched_folders,
    folder_lock,
    read_manifest,
    utc_now,
    write_atomic,
)

# fetch and update here; the folder's state (manifest, lock) is kg.ingest.fetch_manifest's, re-exported.
__all__ = ["fetch", "update_fetched", "FetchResult", "RetryPolicy", "SavedQuery", "read_manifest"]
__all__ += ["fetched_folders", "MANIFEST_NAME", "LOCK_NAME"]

logger = logging.getLogger(__name__)

_FILE = "pubmed-{run:04d}-{batch:04d}.xml"
_FILE_RE = re.compile(r"^pubmed-\d{4}-\d{4}\.xml$")
_DATETYPES = ("edat", "pdat", "mdat")
_SINCE_RE = re.compile(r"^(\d{4})(?:[-/](\d{1,2})(?:[-/](\d{1,2}))?)?$")
#: EFetch serves at most 10,000 records per request; NCBI suggests a few hundred ids per request.
MAX_BATCH = 10_000


@dataclass(frozen=True)
class FetchResult:
    """What a call of :func:`fetch` did.

    ``new_pmids`` were fetched now, ``cached_pmids`` matched but the folder held them already,
    ``missing_pmids`` were asked of EFetch but not returned (withdrawn records; asked again next
    time). ``files`` are the files written now.
    """

    saved: SavedQuery
    out_dir: Path
    found: int
    new_pmids: tuple[str, ...]
    cached_pmids: tuple[str, ...]
    missing_pmids: tuple[str, ...]
    files: tuple[Path, ...]
    manifest: Path

    def summary(self) -> str:
        """One line for the user: what matched, what was fetched where, what was there already."""
        text = (
            f"{self.saved.query!r}: {self.found:,} record(s) match; {len(self.new_pmids):,} new fetched into "
            f"{self.out_dir} ({len(self.files)} file(s)), {len(self.cached_pmids):,} already there"
        )
        if self.missing_pmids:
            text += f", {len(self.missing_pmids):,} not returned by EFetch (asked again next time)"
        return text


def _since(value: str | dt.date | None) -> str | None:
    """``since`` as E-utilities want it: ``YYYY``, ``YYYY/MM`` or ``YYYY/MM/DD`` (``-`` also accepted)."""
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.strftime("%Y/%m/%d")
    match = _SINCE_RE.match(str(value).strip())
    if match:
        year, month, day = (int(g) if g else None for g in match.groups())
        try:
            dt.date(year, month or 1, day or 1)  # type: ignore[arg-type]
        except ValueError:
            match = None
        else:
            return "/".join(
                f"{p:02d}" if i else str(p) for i, p in enumerate((year, month, day)) if p is not None
            )
    raise FetchError(
        f"since={value!r} is not a date; write YYYY, YYYY/MM or YYYY/MM/DD (e.g. --since 2020/01/31)"
    )


def _client(
    api_key: str | None, email: str | None, base_url: str | None, retry: RetryPolicy, timeout: float
) -> Eutils:
    api_key = api_key if api_key is not None else os.environ.get("NCBI_API_KEY") or None
    email = email if email is not None else os.environ.get("NCBI_EMAIL") or None
    base_url = base_url or os.environ.get("KG_EUTILS_URL") or NCBI_EUTILS
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise FetchError(f"base_url={base_url!r} is not an http(s) URL; give e.g. {NCBI_EUTILS}")
    if api_key is not None and (not api_key.strip() or any(c.isspace() for c in api_key)):
        raise FetchError(
            "the NCBI API key is empty or holds spaces; copy it again from your NCBI account settings"
        )
    if email is not None and "@" not in email:
        raise FetchError(
            f"email={email!r} is not an e-mail address; NCBI uses it to contact you before blocking"
        )
    if not isinstance(retry, RetryPolicy):
        raise FetchError(f"retry must be a kg.ingest.fetch.RetryPolicy, not {type(retry).__name__}")
    if not timeout or timeout <= 0:
        raise FetchError(f"timeout must be a number of seconds > 0, not {timeout!r}")
    if email is None:
        logger.warning(
            "no e-mail for NCBI: pass email= or set NCBI_EMAIL (NCBI asks for one with every request)"
        )
    return Eutils(base_url=base_url, api_key=api_key, email=email, retry=retry, timeout=float(timeout))


def _check_options(query: object, max_records: object, datetype: str, batch_size: object) -> None:
    if not isinstance(query, str) or not query.strip():
        raise FetchError(f'the query is {query!r}; give a PubMed query, e.g. "STAT3 AND drug resistance"')
    if max_records is not None and (
        not isinstance(max_records, int)
        or isinstance(max_records, bool)
        or not 1 <= max_records <= ESEARCH_LIMIT
    ):
        raise FetchError(
            f"max_records={max_records!r}; give a whole number from 1 to {ESEARCH_LIMIT:,} (--max N)"
        )
    if datetype not in _DATETYPES:
        raise FetchError(f"datetype={datetype!r}; use one of {', '.join(_DATETYPES)} (edat: added to PubMed)")
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or not 1 <= batch_size <= MAX_BATCH:
        raise FetchError(
            f"batch_size={batch_size!r}; give a whole number from 1 to {MAX_BATCH:,} (200 is usual)"
        )


def _drop_orphans(folder: Path, manifest: Manifest) -> None:
    """Remove batch files an interrupted run wrote but did not list: their PMIDs are fetched again."""
    listed = set(manifest.files)
    for path in folder.iterdir():
        if _FILE_RE.match(path.name) and path.name not in listed:
            logger.warning(
                "%s: written by an interrupted fetch and not in %s; removed (fetched again)",
                path,
                MANIFEST_NAME,
            )
            path.unlink()


def _batches(items: Sequence[str], size: int) -> list[Sequence[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def fetch(
    query: str,
    out_dir: str | os.PathLike[str],
    *,
    max_records: int | None = None,
    since: str | dt.date | None = None,
    datetype: str = "edat",
    api_key: str | None = None,
    email: str | None = None,
    base_url: str | None = None,
    batch_size: int = 200,
    search_page: int = ESEARCH_LIMIT,
    retry: RetryPolicy = DEFAULT_RETRY,
    timeout: float = 60.0,
) -> FetchResult:
    """Fetch the PubMed records of ``query`` into ``out_dir``; only PMIDs it does not hold yet.

    * ``max_records``: take at most the first N PMIDs of ESearch's answer, in the order PubMed's
      ESearch gives by default (kg sends no ``sort``); without it every match (at most 10,000,
      ESearch's limit).
    * ``since``: only records whose ``datetype`` date is on or after it (``YYYY[/MM[/DD]]``;
      ``edat``, the date added to PubMed, by default; ``pdat`` publication, ``mdat`` modification).
    * ``api_key`` (else ``NCBI_API_KEY``), ``email`` (else ``NCBI_EMAIL``): sent to NCBI; a key
      raises the rate limit from 3 to 10 requests per second.
    * ``base_url`` (else ``KG_EUTILS_URL``, else NCBI): where the E-utilities are, for a mirror or a test.
    * ``batch_size`` records per EFetch request and file; ``search_page`` PMIDs per ESearch request
      (``retstart`` paging).
    * ``retry``: how often a request that got HTTP 429, 5xx, a network error or a cut-short body is
      tried again, and the backoff; ``timeout``: seconds a request may stall.

    A folder holds one query: fetching another query into it raises :class:`FetchError`.
    Every option is checked before any request. Raises :class:`FetchError` when NCBI cannot be
    reached or keeps failing after ``retry.max_tries`` tries, with what each try got and the fix.
    """
    _check_options(query, max_records, datetype, batch_size)
    if (
        not isinstance(search_page, int)
        or isinstance(search_page, bool)
        or not 1 <= search_page <= ESEARCH_LIMIT
    ):
        raise FetchError(f"search_page={search_page!r}; give a whole number from 1 to {ESEARCH_LIMIT:,}")
    saved = SavedQuery(query=query.strip(), since=_since(since), datetype=datetype, max_records=max_records)
    client = _client(api_key, email, base_url, retry, timeout)
    folder = Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise FetchError(f"{folder} is a file; give a folder for the fetched records (--out DIR)")
    _check_query(folder, saved)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FetchError(
            f"{folder}: cannot make the folder ({exc}); check the path and its permissions"
        ) from exc
    with folder_lock(folder):
        manifest = _check_query(folder, saved)  # again: another fetch may have written it meanwhile
        if manifest is None:
            manifest = Manifest(saved=saved, created=utc_now())
        else:
            _drop_orphans(folder, manifest)
            manifest = replace(manifest, saved=saved)
        return _run(client, folder, manifest, batch_size, search_page)


def _check_query(folder: Path, saved: SavedQuery) -> Manifest | None:
    """The folder's manifest; FetchError if it holds another query's records."""
    manifest = read_manifest(folder)
    if manifest is not None and manifest.saved.query != saved.query:
        raise FetchError(
            f"{folder} holds the records of another query ({manifest.saved.query!r}); fetch {saved.query!r} into "
            "a new folder, or run `kg update` on this one"
        )
    return manifest


def _run(client: Eutils, folder: Path, manifest: Manifest, batch_size: int, search_page: int) -> FetchResult:
    saved = manifest.saved
    search = client.search(
        saved.query, mindate=saved.since, datetype=saved.datetype, limit=saved.max_records, page=search_page
    )
    held = set(manifest.pmids)
    new = [p for p in search.pmids if p not in held]
    cached = tuple(p for p in search.pmids if p in held)
    logger.info(
        "%r: %d record(s) match, %d taken, %d new", saved.query, search.count, len(search.pmids), len(new)
    )
    number = len(manifest.runs) + 1
    earlier = manifest.runs
    run = FetchRun(at=utc_now(), found=search.count, new=0)
    path = folder / MANIFEST_NAME
    fetched: list[str] = []
    written: list[Path] = []
    write_atomic(path, replace(manifest, runs=(*earlier, run)).to_json().encode("utf-8"))
    for index, batch in enumerate(_batches(new, batch_size), start=1):
        answer = client.fetch_pubmed(batch)
        asked = set(batch)
        got = [p for p in answer.pmids if p in asked and p not in held]
        if not got:  # none of the batch came back (withdrawn records): no empty file for ingest to report
            logger.warning("EFetch returned none of %d PMID(s) asked (%s...)", len(batch), batch[0])
            continue
        target = folder / _FILE.format(run=number, batch=index)
        write_atomic(target, answer.xml)
        written.append(target)
        fetched.extend(got)
        held.update(got)
        run = replace(run, new=len(fetched), files=(*run.files, target.name))
        manifest = replace(manifest, pmids=(*manifest.pmids, *got), files=(*manifest.files, target.name))
        write_atomic(path, replace(manifest, runs=(*earlier, run)).to_json().encode("utf-8"))
        logger.info("%s: %d record(s)", target.name, len(got))
    got_all = set(fetched)
    return FetchResult(
        saved=saved,
        out_dir=folder,
        found=search.count,
        new_pmids=tuple(fetched),
        cached_pmids=cached,
        missing_pmids=tuple(p for p in new if p not in got_all),
        files=tuple(written),
        manifest=path,
    )


def update_fetched(
    out_dir: str | os.PathLike[str],
    *,
    api_key: str | None = None,
    email: str | None = None,
    base_url: str | None = None,
    batch_size: int = 200,
    retry: RetryPolicy = DEFAULT_RETRY,
    timeout: float = 60.0,
) -> FetchResult:
    """Run the query saved in ``out_dir`` again (its ``since`` and ``max_records`` too); fetch only new PMIDs.

    Raises :class:`FetchError` when the folder has no manifest (it was not made by :func:`fetch`).
    """
    manifest = read_manifest(out_dir)
    if manifest is None:
        raise FetchError(
            f"{out_dir} has no {MANIFEST_NAME}: it was not made by `kg fetch`; run "
            f"`kg fetch QUERY --out {out_dir}` first"
        )
    saved = manifest.saved
    return fetch(
        saved.query,
        out_dir,
        max_records=saved.max_records,
        since=saved.since,
        datetype=saved.datetype,
        api_key=api_key,
        email=email,
        base_url=base_url,
        batch_size=batch_size,
        retry=retry,
        timeout=timeout,
    )
