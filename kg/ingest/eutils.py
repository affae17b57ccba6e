"""NCBI E-utilities through Biopython's :mod:`Bio.Entrez`: ESearch for PMIDs, EFetch for PubMed XML.

The requests follow NCBI's E-utilities reference (Sayers, *Entrez Programming Utilities Help*,
NBK25499): ``esearch.fcgi?db=pubmed&term=...&retmode=json&retstart=...&retmax=...`` pages through
the PMIDs of a query (ESearch returns at most the first 10,000 of PubMed), ``efetch.fcgi?db=pubmed
&id=...&retmode=xml`` returns a ``<PubmedArticleSet>``.

What Bio.Entrez (1.81 to 1.88, read in its source) does, and what this module adds:

* Bio.Entrez builds the request (``tool``, ``email``, ``api_key`` parameters; HTTP POST from 200
  ids or 1,000 characters on) and rate-limits every call, process-wide: at least 0.37 s between
  two requests without an API key, 0.1 s with one (NCBI allows 3 and 10 requests per second).
  That is kept as it is, and every retry below goes through it again.
* Its own retries (``Entrez.max_tries``, 3) repeat an HTTP 429 or 5xx at once, with no pause, and
  sleep ``Entrez.sleep_between_tries`` (15 s) only after a network error. They never see the body,
  so a response cut short is returned as if whole. Here ``Entrez.max_tries`` is 1 while a request
  runs and :class:`RetryPolicy` retries instead, with exponential backoff (``Retry-After`` honoured),
  after HTTP 429, 5xx, a network error or timeout, and a body that is incomplete or does not parse.
* Bio.Entrez's ``urlopen`` has no timeout; the socket default timeout is set while a request runs.
* Its URLs are fixed to ``https://eutils.ncbi.nlm.nih.gov/entrez/eutils/``. To let a test (or a
  mirror) take their place, a request is built with ``Entrez._build_request(url, params)`` and sent
  with ``Entrez._open(request)``: exactly what ``Entrez.esearch``/``Entrez.efetch`` do with their
  fixed URL. Both names are private to Biopython (unchanged from 1.81 to 1.88); a Biopython without
  them raises :class:`kg.errors.FetchError` saying so.

Bio.Entrez's settings are module globals, so they are changed under a lock for one request at a
time and put back afterwards.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import socket
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.error import HTTPError, URLError

from lxml import etree

from kg.errors import FetchError
from kg.ingest.pubmed_xml import PARSER_OPTIONS

__all__ = [
    "NCBI_EUTILS",
    "ESEARCH_LIMIT",
    "RetryPolicy",
    "DEFAULT_RETRY",
    "Eutils",
    "SearchResult",
    "PubmedBatch",
]

logger = logging.getLogger(__name__)

#: NCBI's E-utilities, as Bio.Entrez has them.
NCBI_EUTILS = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
#: PubMed's ESearch returns at most the first 10,000 PMIDs of a query (retstart + retmax <= 10,000).
ESEARCH_LIMIT = 10_000

_ENTREZ_LOCK = threading.Lock()
_EXCERPT = 200


class _BadBody(Exception):
    """A 200 response whose body is cut short or does not parse: worth another try."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often a failed request is tried again, and how long to wait in between.

    The n-th retry waits ``backoff * 2 ** (n - 1)`` seconds, or the server's ``Retry-After``,
    at most ``max_wait``.
    """

    max_tries: int = 4
    backoff: float = 1.0
    max_wait: float = 60.0

    def __post_init__(self) -> None:
        if not isinstance(self.max_tries, int) or self.max_tries < 1:
            raise FetchError(f"retry max_tries must be a whole number >= 1, not {self.max_tries!r}")
        if self.backoff < 0 or self.max_wait < 0:
            raise FetchError(
                f"retry backoff and max_wait must be >= 0, not {self.backoff!r}, {self.max_wait!r}"
            )

    def wait(self, retry: int, retry_after: float | None = None) -> float:
        """Seconds to sleep before retry number ``retry`` (1 for the first)."""
        wanted = retry_after if retry_after is not None else self.backoff * 2 ** (retry - 1)
        return max(0.0, min(self.max_wait, wanted))


#: Four tries, 1 s, 2 s and 4 s apart (or as long as ``Retry-After`` says, up to a minute).
DEFAULT_RETRY = RetryPolicy()


@dataclass(frozen=True)
class SearchResult:
    """The PMIDs ESearch gave for a query, in its order, and how many records match in all."""

    count: int
    pmids: tuple[str, ...]
    translation: str = ""


@dataclass(frozen=True)
class PubmedBatch:
    """One EFetch answer: the PubMed XML as NCBI sent it and the PMIDs of its records."""

    xml: bytes
    pmids: tuple[str, ...]


def _entrez():
    """Bio.Entrez, checked for the two private functions this module sends requests through."""
    try:
        from Bio import Entrez
    except ImportError as exc:  # pragma: no cover - biopython is a dependency
        raise FetchError("Biopython is not installed; pip install 'biopython>=1.81'") from exc
    if not (callable(getattr(Entrez, "_build_request", None)) and callable(getattr(Entrez, "_open", None))):
        import Bio

        raise FetchError(
            f"Biopython {Bio.__version__} has no Bio.Entrez._build_request/_open, which kg sends E-utilities "
            "requests through (Biopython 1.81 to 1.88 have them); install one of those versions"
        )
    return Entrez


@contextlib.contextmanager
def _entrez_settings(entrez, timeout: float) -> Iterator[None]:
    """One request at a time: Bio.Entrez's own retries off, a socket timeout, no email warning."""
    with _ENTREZ_LOCK:
        saved_tries, saved_timeout = entrez.max_tries, socket.getdefaulttimeout()
        entrez.max_tries = 1
        socket.setdefaulttimeout(timeout)
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings(
                    "ignore", message=r"\s*Email address is not specified", category=UserWarning
                )
                yield
        finally:
            entrez.max_tries = saved_tries
            socket.setdefaulttimeout(saved_timeout)


def _retry_after(headers) -> float | None:
    """``Retry-After`` in seconds (a number or an HTTP date), or None."""
    value = headers.get("Retry-After") if headers is not None else None
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _excerpt(data: bytes | str) -> str:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    text = " ".join(text.split())
    return text if len(text) <= _EXCERPT else text[:_EXCERPT] + "..."


def _http_body(exc: HTTPError) -> str:
    try:
        return _excerpt(exc.read() or b"")
    except (OSError, http.client.HTTPException):
        return ""
    finally:
        exc.close()


@dataclass(frozen=True)
class Eutils:
    """A client of NCBI E-utilities: where they are, who asks, how to retry.

    ``api_key`` raises NCBI's limit from 3 to 10 requests per second; ``email`` and ``tool`` are
    sent with every request, as NCBI asks, so that it can contact the user before blocking them.
    """

    base_url: str = NCBI_EUTILS
    api_key: str | None = None
    email: str | None = None
    tool: str = "kg"
    retry: RetryPolicy = DEFAULT_RETRY
    timeout: float = 60.0

    def _params(self, params: dict[str, object]) -> dict[str, object]:
        return {**params, "tool": self.tool, "email": self.email, "api_key": self.api_key}

    def _once(self, entrez, url: str, params: dict[str, object]) -> bytes:
        with _entrez_settings(entrez, self.timeout):
            handle = entrez._open(entrez._build_request(url, self._params(params)))
            try:
                data = handle.read()
            finally:
                handle.close()
        return data.encode("utf-8") if isinstance(data, str) else data

    def call(self, eutil: str, params: dict[str, object], parse: Callable[[bytes], object]) -> object:
        """Send ``params`` to ``eutil`` and return ``parse(body)``, retrying as :attr:`retry` says.

        ``parse`` raises ``_BadBody`` for a body worth another try (cut short, not JSON/XML) and
        :class:`FetchError` for an answer that says the request itself is wrong.
        """
        entrez = _entrez()
        url = f"{self.base_url.rstrip('/')}/{eutil}.fcgi"
        attempts: list[str] = []
        status: int | None = None
        for attempt in range(1, self.retry.max_tries + 1):
            retry_after = None
            try:
                return parse(self._once(entrez, url, params))
            except HTTPError as exc:
                status, body = exc.code, _http_body(exc)
                if exc.code != 429 and exc.code < 500:
                    raise FetchError(
                        f"{eutil} at {url} rejected the request (HTTP {exc.code}: {body or exc.reason}); check the "
                        "query and the API key (NCBI_API_KEY: an invalid key is refused)",
                        eutil=eutil,
                        status=exc.code,
                        attempts=(*attempts, f"HTTP {exc.code}"),
                    ) from exc
                retry_after = _retry_after(exc.headers)
                attempts.append(f"HTTP {exc.code}" + (f" ({body})" if body else ""))
            except (URLError, OSError, http.client.HTTPException) as exc:  # network, timeout, IncompleteRead
                status = None
                attempts.append(f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}")
            except _BadBody as exc:
                status = None
                attempts.append(f"a bad body ({exc})")
            if attempt < self.retry.max_tries:
                pause = self.retry.wait(attempt, retry_after)
                logger.info(
                    "%s: %s; try %d of %d in %.1f s",
                    eutil,
                    attempts[-1],
                    attempt + 1,
                    self.retry.max_tries,
                    pause,
                )
                time.sleep(pause)
        raise FetchError(
            _failure(eutil, url, attempts, status), eutil=eutil, status=status, attempts=tuple(attempts)
        )

    def search(
        self,
        term: str,
        *,
        mindate: str | None = None,
        datetype: str = "edat",
        limit: int | None = None,
        page: int = ESEARCH_LIMIT,
    ) -> SearchResult:
        """The PMIDs of ``term`` (ESearch, ``retstart`` paging, ``page`` per request), at most ``limit``.

        ``mindate`` (``YYYY[/MM[/DD]]``) keeps records whose ``datetype`` date (``edat``: added to
        PubMed, ``pdat``: published, ``mdat``: modified) is on or after it.
        """
        params: dict[str, object] = {"db": "pubmed", "term": term, "retmode": "json"}
        if mindate:
            # NCBI: mindate and maxdate must be used together; 3000 leaves the range open.
            params.update(datetype=datetype, mindate=mindate, maxdate="3000")
        step = min(page, limit) if limit else page
        first = self.call("esearch", {**params, "retstart": 0, "retmax": step}, _parse_esearch)
        count, pmids, translation = first  # type: ignore[misc]
        want = count if limit is None else min(count, limit)
        if want > ESEARCH_LIMIT:
            raise FetchError(
                f"the query matches {count:,} PubMed records and ESearch returns at most the first "
                f"{ESEARCH_LIMIT:,}; narrow it (a date range with since=/--since, more terms) or cap it "
                f"with max_records=/--max {ESEARCH_LIMIT}",
                eutil="esearch",
            )
        seen = dict.fromkeys(pmids)
        retstart = len(pmids)
        while len(seen) < want and retstart < want:  # at most ceil(want / step) pages
            _, more, _ = self.call(
                "esearch",
                {**params, "retstart": retstart, "retmax": min(step, want - retstart)},
                _parse_esearch,
            )  # type: ignore[misc]
            if not more:
                break
            seen.update(dict.fromkeys(more))
            retstart += len(more)
        return SearchResult(count=count, pmids=tuple(seen)[:want], translation=translation)

    def fetch_pubmed(self, pmids: Sequence[str]) -> PubmedBatch:
        """The PubMed XML of ``pmids`` (one EFetch request; Bio.Entrez POSTs from 200 ids on)."""
        return self.call("efetch", {"db": "pubmed", "id": ",".join(pmids), "retmode": "xml"}, _parse_efetch)


def _failure(eutil: str, url: str, attempts: list[str], status: int | None) -> str:
    tries = f"{len(attempts)} tr{'y' if len(attempts) == 1 else 'ies'}"
    seen = "; ".join(attempts)
    if status == 429:
        fix = (
            "NCBI allows 3 requests per second without an API key and 10 with one: set NCBI_API_KEY "
            "(an NCBI account's API key), or retry later"
        )
    elif status is not None:
        fix = "the service is down or overloaded: retry later"
    elif all(a.startswith("a bad body") for a in attempts):
        fix = "the responses were cut short or garbled: retry later, or fetch smaller batches (batch_size)"
    else:
        fix = "check the network connection, proxy and base URL, or retry later"
    return f"{eutil} at {url} failed after {tries} ({seen}); {fix}"


def _parse_esearch(body: bytes) -> tuple[int, tuple[str, ...], str]:
    """ESearch JSON (``retmode=json``): ``{"esearchresult": {"count", "idlist", ...}}``."""
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _BadBody(f"ESearch JSON does not parse: {exc}") from exc
    result = data.get("esearchresult") if isinstance(data, dict) else None
    if not isinstance(result, dict):
        if isinstance(data, dict) and data.get("error"):
            raise FetchError(
                f"esearch answered with an error: {_excerpt(str(data['error']))}", eutil="esearch"
            )
        raise _BadBody(f"no 'esearchresult' in ESearch JSON: {_excerpt(body)}")
    if result.get("ERROR"):
        raise FetchError(
            f"esearch reported an error for the query: {_excerpt(str(result['ERROR']))}; check the query syntax "
            "(PubMed search tags such as [tiab], [mh], AND/OR/NOT in capitals)",
            eutil="esearch",
        )
    try:
        count = int(result["count"])
        ids = tuple(str(i) for i in result.get("idlist", ()))
    except (KeyError, TypeError, ValueError) as exc:
        raise _BadBody(f"ESearch JSON without a count/idlist: {_excerpt(body)}") from exc
    if not all(i.isdigit() for i in ids):
        raise _BadBody(f"ESearch idlist holds something other than PMIDs: {_excerpt(', '.join(ids))}")
    return count, ids, str(result.get("querytranslation", ""))


def _parse_efetch(body: bytes) -> PubmedBatch:
    """EFetch PubMed XML: a whole ``<PubmedArticleSet>``; anything cut short is a bad body."""
    try:
        root = etree.fromstring(body, parser=etree.XMLParser(**PARSER_OPTIONS))
    except etree.XMLSyntaxError as exc:
        raise _BadBody(f"PubMed XML does not parse: {exc}") from exc
    if root.tag != "PubmedArticleSet":
        error = root.findtext(".//ERROR")
        if error:
            raise FetchError(f"efetch answered with an error: {_excerpt(error)}", eutil="efetch")
        raise _BadBody(f"<{root.tag}> where EFetch sends <PubmedArticleSet>")
    pmids = [
        p.strip()
        for p in root.xpath(
            "PubmedArticle/MedlineCitation/PMID/text() | PubmedBookArticle/BookDocument/PMID/text()"
        )
    ]
    return PubmedBatch(xml=body, pmids=tuple(dict.fromkeys(pmids)))
